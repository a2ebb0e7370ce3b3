"""The submission service over HTTP: the real server (uvicorn) on a loopback port.

One course and one server for the module (``serving.running_service``): two students
(ada, bo) and an instructor (staff), their tokens issued by ``cs231n-course tokens``.
"""

from __future__ import annotations

import asyncio
import re
import socket
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from autograder.course import cli
from autograder.service.security import BodyLimit, RateLimiter
from tests.course.errors import one_error_line
from tests.service.serving import INSTRUCTOR, Running, Visitor, read_tokens, running_service

ATTEMPT_LINK = re.compile(r'href="/attempts/(\d+)"')


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Running:
    with running_service(tmp_path_factory.mktemp("service")) as running:
        yield running


@pytest.fixture(scope="module")
def ada_attempt(service) -> tuple[Visitor, int]:
    """ada, signed in, after her perfect submission was graded; her attempt's id."""
    ada = Visitor(service)
    ada.sign_in("ada")
    response = ada.submit(service.perfect_zip)
    assert response.status_code == 303, response.text
    page = ada.wait_graded()
    ids = ATTEMPT_LINK.findall(page)
    assert len(ids) == 1, page
    return ada, int(ids[0])


def test_tokens_file_is_private_and_the_database_keeps_no_token(service) -> None:
    path = service.course.root / "service" / "tokens.csv"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((service.course.root / "service" / "secret").stat().st_mode) == 0o600
    assert set(service.tokens) == {"ada", "bo", INSTRUCTOR}
    stored = b"".join(p.read_bytes() for p in (service.course.root / "service").glob("*.db*"))
    assert stored, "no database file"
    for token in service.tokens.values():
        assert len(token) >= 40
        assert token.encode() not in stored


def test_sign_in_gives_an_httponly_samesite_cookie(service) -> None:
    visitor = Visitor(service)
    visitor.get("/login")
    response = visitor.post("/login", {"token": service.tokens["bo"]})
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "Signed in as <strong>bo</strong>" in visitor.get("/").text


def test_a_wrong_token_is_refused(service) -> None:
    visitor = Visitor(service)
    visitor.get("/login")
    response = visitor.post("/login", {"token": service.tokens["bo"][:-2] + "xx"})
    assert response.status_code == 401
    assert "not valid" in response.text
    assert visitor.get("/").headers["location"] == "/login"


def test_every_post_needs_the_csrf_token(service) -> None:
    bo = Visitor(service)
    bo.sign_in("bo")
    assert bo.post("/submit", csrf=False,
                   files={"submission": ("x.zip", b"PK", "application/zip")}).status_code == 403
    assert bo.post("/logout", csrf=False).status_code == 403
    assert bo.post("/collect").status_code == 404  # this course has no exchange
    assert bo.post("/logout", {"csrf": "forged" * 8}, csrf=False).status_code == 403
    stranger = Visitor(service)
    stranger.get("/login")
    assert stranger.post("/login", {"token": service.tokens["bo"]},
                         csrf=False).status_code == 403
    assert "Signed in as <strong>bo</strong>" in bo.get("/").text  # still signed in


def test_a_student_submits_and_reads_the_feedback(service, ada_attempt) -> None:
    ada, attempt = ada_attempt
    page = ada.get(f"/attempts/{attempt}")
    assert page.status_code == 200
    assert "graded" in page.text
    assert "layers.affine_forward" in page.text  # the feedback names the task
    assert "<script" not in page.text.lower()


def test_another_student_gets_404_for_the_attempt(service, ada_attempt) -> None:
    _, attempt = ada_attempt
    bo = Visitor(service)
    bo.sign_in("bo")
    theirs = bo.get(f"/attempts/{attempt}")
    nobody = bo.get(f"/attempts/{attempt + 1000}")
    assert theirs.status_code == nobody.status_code == 404
    assert "ada" not in theirs.text
    assert f'/attempts/{attempt}"' not in bo.get("/").text


def test_a_refused_upload_says_why_and_stores_nothing(service) -> None:
    bo = Visitor(service)
    bo.sign_in("bo")
    broken = service.course.root.parent / "broken.zip"
    broken.write_bytes(b"this is not a zip archive")
    response = bo.submit(broken)
    assert response.status_code == 303
    page = bo.get("/").text
    assert 'class="flash refused"' in page
    assert not ATTEMPT_LINK.findall(page)


def test_the_dashboard_is_the_instructors_only(service, ada_attempt) -> None:
    ada, _ = ada_attempt
    assert ada.get("/dashboard").status_code == 404
    staff = Visitor(service)
    staff.sign_in(INSTRUCTOR)
    page = staff.get("/dashboard")
    assert page.status_code == 200
    assert "Time to feedback, median" in page.text
    assert "Not submitted (1)" in page.text and "bo" in page.text
    assert "layers.affine_forward" in page.text


def test_security_headers_forbid_script(service) -> None:
    response = httpx.get(f"{service.url}/login")
    csp = response.headers["content-security-policy"]
    assert "script-src 'none'" in csp and "default-src 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<script" not in response.text.lower()


def test_a_body_over_the_cap_is_refused_before_it_is_sent(service) -> None:
    host, port = service.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /submit HTTP/1.1\r\nHost: x\r\nContent-Type: application/zip\r\n"
                     b"Content-Length: 10000000000\r\n\r\n")  # and never the body
        answer = sock.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 413"), answer


def test_a_new_token_revokes_the_old_one_and_its_sessions(service, tmp_path) -> None:
    old = service.tokens["bo"]
    bo = Visitor(service)
    bo.sign_in("bo")
    assert cli.main(["tokens", str(service.course.root), "--student", "bo"]) == 0
    new = read_tokens(service.course)
    assert new["bo"] != old
    assert new["ada"] == service.tokens["ada"]  # the others keep theirs
    assert bo.get("/").headers.get("location") == "/login"  # signed out
    again = Visitor(service)
    again.get("/login")
    assert again.post("/login", {"token": old}).status_code == 401
    service.tokens["bo"] = new["bo"]
    assert again.post("/login", {"token": new["bo"]}).status_code == 303


def test_tokens_and_serve_refuse_clearly(service, capsys, monkeypatch) -> None:
    monkeypatch.delenv("JUPYTERHUB_API_TOKEN", raising=False)  # as outside a JupyterHub
    root = str(service.course.root)
    before = (service.course.root / "service" / "tokens.csv").read_bytes()
    assert cli.main(["tokens", root, "--student", "zed"]) == 1
    assert "not in the roster: zed" in one_error_line(capsys, "tokens")
    assert cli.main(["tokens", root, "--instructor", "<b>"]) == 1
    assert "invalid instructor name" in one_error_line(capsys, "tokens")
    assert (service.course.root / "service" / "tokens.csv").read_bytes() == before
    assert cli.main(["serve", root, "--auth", "hub"]) == 1  # not started by JupyterHub
    assert "JUPYTERHUB_API_TOKEN" in one_error_line(capsys, "serve")


def test_no_token_reaches_the_access_log(service, ada_attempt) -> None:
    log = Path(service.log).read_text()
    assert "POST /login" in log and "POST /submit" in log
    for token in read_tokens(service.course).values():
        assert token not in log


def test_rate_limiter_counts_a_sliding_window() -> None:
    now = [0.0]
    limiter = RateLimiter(3, 60.0, clock=lambda: now[0])
    assert [limiter.retry_after("bo") for _ in range(3)] == [None, None, None]
    assert limiter.retry_after("bo") == 60.0
    assert limiter.retry_after("ada") is None  # another key counts apart
    now[0] = 30.0
    assert limiter.retry_after("bo") == 30.0
    now[0] = 60.0
    assert limiter.retry_after("bo") is None  # the first three left the window


def test_a_body_streaming_past_the_cap_is_cut_off() -> None:
    """Without a Content-Length the cap holds while the body is read: 413, not the app's."""
    read: list[int] = []

    async def app(scope, receive, send) -> None:  # reads its whole body, as a form parser does
        while True:
            message = await receive()
            read.append(len(message.get("body", b"")))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"stored"})

    chunks = iter([b"x" * 600, b"x" * 600, b"x" * 600])

    async def receive():
        return {"type": "http.request", "body": next(chunks), "more_body": True}

    sent: list[dict] = []

    async def send(message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/submit", "headers": []}
    # In a thread of its own: a browser test of the same worker may have left Playwright's
    # event loop running in this one, where asyncio.run refuses to start.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, BodyLimit(app, max_bytes=1000)(scope, receive, send)).result()
    assert sent[0]["status"] == 413
    assert read == [600]  # the chunk that went over was never handed to the app


def test_failed_sign_ins_are_limited_per_address(service) -> None:
    """Last of the module: afterwards this address may not sign in for a minute."""
    visitor = Visitor(service)
    visitor.get("/login")
    statuses = [visitor.post("/login", {"token": f"guess-{i}"}).status_code for i in range(21)]
    assert statuses[0] == 401 and statuses[-1] == 429, statuses
    refused = visitor.post("/login", {"token": service.tokens["ada"]})
    assert refused.status_code == 429  # even the right token, until the window passes
    assert 1 <= int(refused.headers["retry-after"]) <= 60
