"""Who is asking, under JupyterHub: the Hub's OAuth for browsers, its API tokens for scripts.

``cs231n-course serve COURSE --auth hub`` runs as a JupyterHub service. JupyterHub gives
a managed service its API token, its URL prefix and its OAuth client in environment
variables (``JUPYTERHUB_API_TOKEN``, ``JUPYTERHUB_SERVICE_PREFIX``, ``JUPYTERHUB_CLIENT_ID``,
``JUPYTERHUB_OAUTH_CALLBACK_URL``, ...), which ``jupyterhub.services.auth.HubOAuth`` reads.

- A browser without a session is sent to the Hub's authorize URL with a random state
  (kept in the service's signed session cookie, and a PKCE challenge); the Hub sends it
  back to ``<prefix>oauth_callback`` with a code, which the service exchanges for a token
  and asks the Hub whose it is. The token must carry the service's access scope.
- A script (``cs231n_core.check.submit`` in a student's server) sends a Hub API token in
  the ``Authorization`` header; the Hub says whose it is, with the same scope check.

The Hub user's name is the student id: a name in the course's roster is that student;
an instructor is a Hub admin, a member of one of ``HubAccess.instructor_groups`` or a
name in ``HubAccess.instructors`` (the course's ``nbgrader_config.py``); anyone else is
refused with a page saying so. After that the session cookie, CSRF tokens and rate
limits are the standalone ones (``app.py``, ``security.py``).
"""

from __future__ import annotations

import os
import secrets
from typing import Any
from urllib.parse import urlencode

from traitlets import Bool, List, Unicode
from traitlets.config import Configurable

from autograder.course.layout import Course, CourseError
from autograder.course.roster import class_roster
from autograder.service.auth import NotAllowed, Person
from autograder.service.policy import service_policy

INSTALL = "pip install 'cs231n-training-nn[hub]'"


class HubAccess(Configurable):
    """Which Hub users see the instructor's dashboard (students come from the roster)."""

    instructor_groups = List(Unicode(), default_value=["instructors"],
                             help="Members of these Hub groups are instructors.").tag(config=True)
    instructors = List(Unicode(), default_value=[],
                       help="These Hub user names are instructors.").tag(config=True)
    admins_are_instructors = Bool(True, help="Hub admins are instructors.").tag(config=True)


def hub_access(course: Course) -> HubAccess:
    """The ``HubAccess`` the course's ``nbgrader_config.py`` configures (defaults otherwise)."""
    return HubAccess(config=service_policy(course).config)  # the file the policy is read from


class HubAuthenticator:
    """People identified by JupyterHub (an ``Authenticator`` and a ``RedirectLogin``)."""

    def __init__(self, course: Course, hub: Any, access: HubAccess) -> None:
        self.course = course
        self.hub = hub
        self.access = access
        # Sessions name the process that opened them: a restart sends everyone back through
        # the Hub (invisible to those still signed in there), where the roster is checked
        # again. The Hub tells services of no account removal to follow otherwise.
        self.serial = secrets.token_hex(16)

    @property
    def base_url(self) -> str:
        """The service's URL prefix on the Hub's proxy, e.g. ``/services/grader/``."""
        return str(self.hub.base_url)

    def person(self, model: dict[str, Any] | None) -> Person | None:
        """The course's person for the Hub's user ``model``; None for no user or a token
        without the service's access scope; ``NotAllowed`` for a user not of this course."""
        if not model or model.get("kind", "user") != "user":
            return None
        if self.hub.access_scopes and not self.hub.check_scopes(self.hub.access_scopes, model):
            return None
        name = str(model.get("name", ""))
        access = self.access
        if ((access.admins_are_instructors and model.get("admin"))
                or set(model.get("groups") or ()) & set(access.instructor_groups)
                or name in access.instructors):
            return Person(name, "instructor", self.serial)
        if name in {entry.id for entry in class_roster(self.course)}:
            return Person(name, "student", self.serial)
        raise NotAllowed(f"The JupyterHub user {name!r} is not a student of this course: "
                         "students sign in with the JupyterHub name that is their id in the "
                         "course's roster. Ask your instructor to add you.")

    def login(self, token: str) -> Person | None:
        """The person whose Hub API token this is (the ``Authorization`` header of a script)."""
        token = token.strip()
        if not token or len(token) > 400:
            return None
        return self.person(self._ask(self.hub.user_for_token, token))

    def still_valid(self, person: Person) -> bool:
        """False for a session opened before this process started."""
        return secrets.compare_digest(person.serial, self.serial)

    def start(self, next_url: str) -> tuple[str, str]:
        """The Hub's authorize URL (with state and PKCE challenge) and the state to keep."""
        verifier, challenge, method = self.hub.generate_pkce_code_challenge()
        state = self.hub.generate_state(next_url, code_verifier=verifier)
        query = urlencode({"state": state, "code_challenge": challenge,
                           "code_challenge_method": method})
        return f"{self.hub.login_url}&{query}", state  # login_url has its query already

    def finish(self, code: str, state: str) -> tuple[Person, str]:
        """The person the Hub's ``code`` proves (the state was checked by the caller)."""
        next_url = self.hub.get_next_url(state)
        verifier = self.hub.get_code_verifier(state)
        self.hub.clear_oauth_state(state)
        token = self._ask(self.hub.token_for_code, code, code_verifier=verifier)
        person = self.person(self._ask(self.hub.user_for_token, token, use_cache=False))
        if person is None:
            raise NotAllowed("JupyterHub did not grant this service access for your account: "
                             "ask your instructor to give you its access scope.")
        # Only a page of this service: the state is ours, but stay safe if it were not.
        return person, next_url if next_url.startswith(self.base_url) else self.base_url

    def logout_url(self) -> str:
        """The Hub's own sign-out page."""
        return f"{str(self.hub.hub_prefix).rstrip('/')}/logout"

    def _ask(self, call: Any, *args: Any, **kwargs: Any) -> Any:
        """``call`` to the Hub; its failures (tornado's ``HTTPError``) as one ``CourseError``."""
        try:
            return call(*args, **kwargs)
        except Exception as exc:  # the Hub's client raises tornado errors of every status
            message = getattr(exc, "log_message", None) or str(exc)
            raise CourseError(f"JupyterHub did not answer as expected: {message}") from None


def hub_authenticator(course: Course) -> HubAuthenticator:
    """The authenticator of ``serve --auth hub``, configured by JupyterHub's environment."""
    try:
        # Imported here, as autograde.dask_client imports Dask: an optional extra, and
        # importing it costs every other cs231n-course command about 0.5 s of CPU.
        from jupyterhub.services.auth import HubOAuth
    except ModuleNotFoundError:
        raise CourseError(f"--auth hub needs JupyterHub's library: {INSTALL}") from None
    missing = [name for name in ("JUPYTERHUB_API_TOKEN", "JUPYTERHUB_CLIENT_ID",
                                 "JUPYTERHUB_SERVICE_PREFIX") if not os.environ.get(name)]
    if missing:
        raise CourseError(f"--auth hub runs as a JupyterHub service, which JupyterHub starts "
                          f"(c.JupyterHub.services): {', '.join(missing)} not set")
    hub = HubOAuth(cache_max_age=60)
    return HubAuthenticator(course, hub, hub_access(course))

