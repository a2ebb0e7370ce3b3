"""The submission service under a real JupyterHub on loopback (``serve --auth hub``).

One Hub for the module, in a temporary folder: the dummy authenticator (any password),
configurable-http-proxy from the project's npm prefix (``tools/system-deps.sh``), the
service registered as a managed service (JupyterHub starts ``cs231n-course serve COURSE
--auth hub`` with its token and OAuth client in the environment) and a second service
whose admin token issues users' API tokens. No single-user server is spawned: a token the
Hub issued for a student stands for the one their server holds.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import nbformat
import pytest

from autograder.course.layout import Course
from cs231n_core.check import submit
from cs231n_core.check.submit import SubmitError, submit_folder
from tests.course.test_term import zip_folder
from tests.fixtures.browser import base_url, free_port, local_server, missing
from tests.service.serving import roster_course

ROOT = Path(__file__).resolve().parents[2]
PROXY = ROOT / ".cache" / "chp" / "node_modules" / ".bin" / "configurable-http-proxy"
SERVICE = "grader"
PREFIX = f"/services/{SERVICE}/"
ADMIN_TOKEN = "hub-test-admin-token-0123456789abcdef"  # the token-issuing service's
ACCESS = f"access:services!service={SERVICE}"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
XSRF = re.compile(r'name="_xsrf" value="([^"]+)"')
ATTEMPT_LINK = re.compile(rf'href="{PREFIX}attempts/(\d+)"')
START_SECONDS = 90.0

# About a minute for the module: the Hub's start (10 s) and two sandboxed gradings.
pytestmark = pytest.mark.slow


@dataclass
class Hub:
    url: str  # the proxy's address: the Hub and the service behind it
    course: Course
    perfect: Path  # the perfect submission's release folder
    ran: Path  # the same, as a student's server holds it after "Run All" (handin accepts it)

    def api(self, method: str, path: str, **kwargs) -> httpx.Response:
        """The Hub's REST API with the admin service's token."""
        return httpx.request(method, f"{self.url}/hub/api/{path}", timeout=30,
                             headers={"Authorization": f"token {ADMIN_TOKEN}"}, **kwargs)

    def token_for(self, user: str, scopes: list[str]) -> str:
        response = self.api("POST", f"users/{user}/tokens", json={"scopes": scopes})
        assert response.status_code == 201, response.text
        return str(response.json()["token"])


def hub_config(port: int, service_port: int, course: Course) -> str:
    serve = [sys.executable, "-m", "autograder.course.cli", "serve", str(course.root),
             "--auth", "hub", "--workers", "1"]
    return f"""
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {free_port()}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{free_port()}"
c.ConfigurableHTTPProxy.command = [{str(PROXY)!r}]
c.JupyterHub.authenticator_class = "dummy"
c.JupyterHub.load_groups = {{"instructors": {{"users": ["staff"]}}}}
c.JupyterHub.services = [
    {{"name": {SERVICE!r}, "url": "http://127.0.0.1:{service_port}", "command": {serve!r},
      "oauth_no_confirm": True}},
    {{"name": "admin-client", "api_token": {ADMIN_TOKEN!r}}},
]
c.JupyterHub.load_roles = [
    {{"name": "user", "scopes": ["self", {ACCESS!r}]}},
    {{"name": "server", "scopes": ["users:activity!user", "access:servers!server", {ACCESS!r}]}},
    {{"name": "issuer", "scopes": ["admin:users", "tokens"], "services": ["admin-client"]}},
]
"""


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> Iterator[Hub]:
    if shutil.which("jupyterhub", path=os.path.dirname(sys.executable)) is None:
        missing("JupyterHub is not installed (pip install -e '.[dev]')", "the JupyterHub tests")
    if not PROXY.exists():
        missing("configurable-http-proxy is not installed (bash tools/system-deps.sh)",
                "the JupyterHub tests")
    base = tmp_path_factory.mktemp("hub")
    course, perfect = roster_course(base)
    with open(course.root / course.config.name, "a") as f:  # an instructor by name
        f.write('\nc.HubAccess.instructors = ["prof"]\n')
    port = free_port()
    (base / "jupyterhub_config.py").write_text(hub_config(port, free_port(), course))
    argv = [os.path.join(os.path.dirname(sys.executable), "jupyterhub"),
            "-f", str(base / "jupyterhub_config.py")]
    url = base_url(port)
    # Ready once the service answers through the proxy (its login page sends to the Hub's).
    with local_server(argv, base / "hub.log", f"{url}{PREFIX}login", "JupyterHub",
                      START_SECONDS, signal.SIGTERM, cwd=base):
        yield Hub(url, course, perfect, as_run(perfect, base / "ran"))


def hub_visitor(hub: Hub, user: str) -> tuple[httpx.Client, httpx.Response]:
    """A browser signed in to the Hub as ``user`` and then, through OAuth, to the service."""
    client = httpx.Client(base_url=hub.url, timeout=30, follow_redirects=True)
    form = client.get("/hub/login")
    xsrf = XSRF.search(form.text)
    assert xsrf, form.text
    page = client.post(f"/hub/login?next={PREFIX}", data={
        "username": user, "password": "any", "_xsrf": xsrf.group(1)})
    return client, page


@pytest.fixture(scope="module")
def ada(hub) -> tuple[httpx.Client, httpx.Response]:
    """ada's browser, signed in through the Hub, and the page she landed on."""
    return hub_visitor(hub, "ada")


@pytest.fixture(scope="module")
def ada_attempt(hub, ada) -> int:
    """ada's perfect submission, uploaded with the page's form and graded; its id."""
    client, page = ada
    csrf = CSRF.search(page.text)
    assert csrf, page.text
    sent = client.post(f"{PREFIX}submit", data={"csrf": csrf.group(1)},
                       files={"submission": ("perfect.zip", zip_folder(hub.perfect),
                                             "application/zip")})
    assert sent.status_code == 200 and "Received" in sent.text, sent.text
    graded = wait_graded(client)
    ids = ATTEMPT_LINK.findall(graded)
    assert len(ids) == 1, graded
    return int(ids[0])


def test_a_student_signs_in_through_the_hub(ada) -> None:
    _, page = ada
    assert page.status_code == 200, page.text
    assert str(page.url).endswith(PREFIX)
    assert "Signed in as <strong>ada</strong>" in page.text
    paths = [r.url.path for r in page.history]
    assert "/hub/api/oauth2/authorize" in paths and f"{PREFIX}oauth_callback" in paths, paths
    cookie = page.history[paths.index(f"{PREFIX}oauth_callback")].headers["set-cookie"].lower()
    assert "cs231n_session=" in cookie and "httponly" in cookie


def test_a_student_submits_and_reads_the_feedback(ada, ada_attempt) -> None:
    client, _ = ada
    feedback = client.get(f"{PREFIX}attempts/{ada_attempt}")
    assert feedback.status_code == 200
    assert "graded" in feedback.text
    assert "layers.affine_forward" in feedback.text  # the feedback names the task


def test_another_student_cannot_open_the_attempt(hub, ada_attempt) -> None:
    bo, page = hub_visitor(hub, "bo")
    assert "Signed in as <strong>bo</strong>" in page.text
    theirs = bo.get(f"{PREFIX}attempts/{ada_attempt}")
    assert theirs.status_code == 404
    assert "ada" not in theirs.text


def test_a_hub_user_not_in_the_roster_is_refused(hub) -> None:
    _, page = hub_visitor(hub, "mallory")
    assert page.status_code == 403
    assert "mallory&#39; is not a student of this course" in page.text
    assert "Signed in as" not in page.text


# staff: a member of the Hub group "instructors"; prof: named in the course's config.
@pytest.mark.parametrize("instructor", ["staff", "prof"])
def test_a_hub_instructor_sees_the_dashboard(hub, instructor: str) -> None:
    _, page = hub_visitor(hub, instructor)
    assert page.status_code == 200, page.text
    assert str(page.url).endswith(f"{PREFIX}dashboard")
    assert "Time to feedback, median" in page.text


def test_a_forged_oauth_callback_is_refused(hub) -> None:
    client = httpx.Client(base_url=hub.url, timeout=30)
    response = client.get(f"{PREFIX}oauth_callback?code=made-up&state=made-up")
    assert response.status_code == 403
    assert "did not start here" in response.text


def test_a_student_submits_from_their_server_with_a_hub_token(
        hub, ada, monkeypatch, capsys) -> None:
    """``python -m cs231n_core.check.submit`` as in ada's server: her token in its environment."""
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", hub.token_for("ada", [ACCESS]))
    monkeypatch.setenv("CS231N_SUBMIT_URL", f"{hub.url}{PREFIX}")
    monkeypatch.chdir(hub.ran)
    assert submit.main([]) == 0
    said = capsys.readouterr().out
    found = re.fullmatch(r"handed in: attempt (\d+), (next in the queue|being graded|place \d+ "
                         r"in the queue); feedback at (\S+)\n", said)
    assert found, said
    assert found.group(3) == f"{hub.url}{PREFIX}attempts/{found.group(1)}"
    client, _ = ada
    assert f'{PREFIX}attempts/{found.group(1)}"' in wait_graded(client)  # ada's, graded
    page = client.get(found.group(3))
    assert page.status_code == 200 and "layers.affine_forward" in page.text


def test_a_bad_or_unscoped_hub_token_hands_nothing_in(hub, ada) -> None:
    client, _ = ada
    before = ATTEMPT_LINK.findall(client.get(PREFIX).text)
    with pytest.raises(SubmitError, match="token is not valid"):
        submit_folder(hub.ran, f"{hub.url}{PREFIX}", "not-a-hub-token")
    unscoped = hub.token_for("ada", ["read:users:name!user"])  # no access to the service
    with pytest.raises(SubmitError, match="token is not valid"):
        submit_folder(hub.ran, f"{hub.url}{PREFIX}", unscoped)
    # A session's cookie is no token: without the header the route wants the form's CSRF.
    forged = httpx.post(f"{hub.url}{PREFIX}submit", content=b"PK", timeout=30,
                        cookies=client.cookies, headers={"Content-Type": "application/zip"})
    assert forged.status_code == 403
    assert ATTEMPT_LINK.findall(client.get(PREFIX).text) == before


def wait_graded(client: httpx.Client, timeout: float = 90.0) -> str:
    """The student page once no attempt waits (it reloads itself while one does)."""
    deadline = time.monotonic() + timeout
    while True:
        page = client.get(PREFIX).text
        if 'http-equiv="refresh"' not in page:
            return page
        assert time.monotonic() < deadline, f"not graded in {timeout} s:\n{page}"
        time.sleep(0.5)



def as_run(folder: Path, dest: Path) -> Path:
    """A copy of ``folder`` whose code cells are numbered in order, as "Run All" leaves them."""
    shutil.copytree(folder, dest)
    for path in dest.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        code = [cell for cell in nb.cells if cell.cell_type == "code"]
        for count, cell in enumerate(code, start=1):
            cell.execution_count = count
        nbformat.write(nb, path)
    return dest
