"""The service's web application (Starlette): sign in, submit, see the queue and the feedback.

Routes: ``GET /login`` and ``POST /login`` (a token for a signed session cookie),
``POST /logout``, ``GET /`` (the student's attempts, or the instructor's dashboard),
``POST /submit`` (a zip upload), ``POST /collect`` (the student's newest submission in
nbgrader's exchange, where the course has one), ``GET /attempts/{id}`` (one attempt and
its feedback, for its owner only: anyone else gets 404, as for an id that does not exist, so ids
cannot be probed), ``GET /dashboard`` (instructors). Under JupyterHub (an authenticator
that is a ``RedirectLogin``) every path sits under the service's prefix, ``GET /login``
sends the browser to the Hub, ``GET /oauth_callback`` brings it back signed in, and
``POST /submit`` also takes a zip body from a script that names itself with a Hub API
token in its ``Authorization`` header (no session, so no CSRF token: a header cannot be
sent cross-site by a form; still rate-limited and size-capped). Every page is rendered from the
course's Jinja2 templates with autoescaping; the feedback fragment arrives sanitised from
``results.attempt_feedback``. Every POST carries the session's CSRF token. The database
and the grading pipeline are blocking, so they run in Starlette's thread pool.
"""

from __future__ import annotations

import hmac
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from autograder.course.layout import Course, CourseError
from autograder.course.limits import MIB, Limits, course_limits
from autograder.course.templates import render
from autograder.service.auth import (
    Authenticator,
    NotAllowed,
    Person,
    RedirectLogin,
    session_secret,
)
from autograder.service.dashboard import dashboard
from autograder.service.database import ServiceDatabase
from autograder.service.intake import (
    Refused,
    exchange_inbound,
    receive_from_exchange,
    receive_zip,
)
from autograder.service.models import Attempt
from autograder.service.policy import ServicePolicy, may_submit, scores_hidden, service_policy
from autograder.service.queue import attempts_of, position
from autograder.service.results import attempt_feedback
from autograder.service.security import (
    CSP_META,
    BodyLimit,
    RateLimiter,
    SecurityHeaders,
    check_csrf,
    client_address,
    csrf_token,
)
from autograder.service.stats import service_stats

SESSION_COOKIE = "cs231n_session"
STATE_TEXT = {"queued": "waiting", "running": "being graded", "graded": "graded",
              "superseded": "replaced by a newer attempt", "failed": "could not be graded"}
WAITING = frozenset({"queued", "running"})
OAUTH_STATE = "oauth_state"  # the session key holding a sign-in's state while at the Hub


async def _drain(request: Request) -> None:
    """Read what is left of a request's body, keeping none of it."""
    try:
        async for _ in request.stream():
            pass
    except (ClientDisconnect, RuntimeError):  # gone, or already read
        pass


@dataclass(frozen=True)
class ServiceSettings:
    """Limits of the web side (the policy on attempts is the course's ``ServicePolicy``)."""

    # Failed sign-ins per client address and minute: a token cannot be guessed, but a
    # flood of guesses still costs hashing and database reads. Successful ones are free,
    # so a class behind one address can all sign in at the start of a lab.
    failed_logins_per_minute: int = 20
    anonymous_per_minute: int = 300  # requests without a session, per client address
    requests_per_minute: int = 300  # per signed-in person, any route (a reload every 3 s: 20)
    submissions_per_minute: int = 6  # per student, on top of the policy's daily limit
    refresh_seconds: int = 3  # pages with an attempt in the queue reload this often
    secure_cookie: bool = False  # set when the service is reached over HTTPS
    session_days: int = 14


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def upload_cap(limits: Limits) -> int:
    """The largest request body: a zip of the largest allowed submission, plus the form."""
    return limits.max_total_bytes + MIB


class Service:
    """The application's state and its route handlers."""

    def __init__(self, course: Course, db: ServiceDatabase, auth: Authenticator,
                 settings: ServiceSettings, policy: ServicePolicy,
                 clock: Callable[[], datetime], base: str = "/") -> None:
        self.course = course
        self.base = base  # every path's prefix: "/" standalone, the Hub's service prefix
        self.redirect_login = auth if isinstance(auth, RedirectLogin) else None
        self.db = db
        self.auth = auth
        self.settings = settings
        self.policy = policy
        self.clock = clock
        self.limits = course_limits(course.config)
        self.exchange = has_exchange(course)
        self.failed_logins = RateLimiter(settings.failed_logins_per_minute, 60.0)
        self.anonymous = RateLimiter(settings.anonymous_per_minute, 60.0)
        self.per_person = RateLimiter(settings.requests_per_minute, 60.0)
        self.submissions = RateLimiter(settings.submissions_per_minute, 60.0)

    # ------------------------------------------------------------------ helpers

    def person(self, request: Request) -> Person | None:
        """``identify``, counted against the person's rate limit, or without one the address's."""
        person = self.identify(request)
        if person is None:
            self.anonymous.check(client_address(request))
        else:
            self.per_person.check(f"{person.role}:{person.id}")
        return person

    def identify(self, request: Request) -> Person | None:
        """The signed-in person, or None (also once their token was issued again)."""
        session = request.session
        if not {"id", "role", "serial"} <= session.keys():
            return None
        person = Person(str(session["id"]), "instructor" if session["role"] == "instructor"
                        else "student", str(session["serial"]))
        return person if self.auth.still_valid(person) else None

    def page(self, request: Request, template: str, title: str, person: Person | None,
             status: int = 200, refresh: bool = False, **context: Any) -> HTMLResponse:
        head = CSP_META
        if refresh:
            head += f'\n<meta http-equiv="refresh" content="{self.settings.refresh_seconds}">'
        flash = request.session.pop("flash", None)
        kind = request.session.pop("flash_kind", "")
        html = render(template, title=title, csp_meta=Markup(head), person=person,
                      csrf=csrf_token(request.session), flash=flash, flash_kind=kind,
                      refresh=self.settings.refresh_seconds, base=self.base, **context)
        return HTMLResponse(html, status_code=status)

    def signed_in(self, request: Request, role: str | None = None) -> Person:
        """The person of this request; 303 to the login page without one, 404 for a wrong role."""
        person = self.person(request)
        if person is None:
            request.session.clear()
            raise HTTPException(303, headers={"Location": self.base + "login"})
        if role is not None and person.role != role:
            raise HTTPException(404, "There is no such page.")
        return person

    async def form(self, request: Request, max_files: int = 0) -> Any:
        form = await request.form(max_files=max_files, max_fields=8)
        check_csrf(request, form)
        return form

    def attempt_row(self, attempt: Attempt, hidden: bool) -> dict[str, Any]:
        if attempt.score is None or attempt.max_score is None:
            score = "\u2013"
        elif hidden:
            score = "after the due date"
        else:
            score = f"{attempt.score:g} / {attempt.max_score:g}"
        text = STATE_TEXT.get(attempt.state, attempt.state)
        if attempt.state == "queued":
            where = position(self.db, attempt.id, self.clock())
            if where is not None:
                text = (f"waiting (place {where} in the queue)" if where > 1
                        else "waiting (next in the queue)")
        return {"id": attempt.id, "received": when(attempt.received_at), "state": attempt.state,
                "state_text": text, "score": score, "counted": attempt.counted,
                "message": attempt.message}

    # ------------------------------------------------------------------ routes

    async def home(self, request: Request) -> Response:
        person = self.person(request)
        if person is None:
            return RedirectResponse(self.base + "login", 303)
        if person.is_instructor:
            return RedirectResponse(self.base + "dashboard", 303)
        def load() -> list[dict[str, Any]]:
            hidden = scores_hidden(self.course, self.policy, self.clock(), person.id)
            return [self.attempt_row(a, hidden) for a in attempts_of(self.db, person.id)]

        rows = await run_in_threadpool(load)
        waiting = any(r["state"] in WAITING for r in rows)
        return self.page(request, "service_student.html.j2", "Your submissions", person,
                         refresh=waiting, attempts=rows, waiting=waiting,
                         limits=self.limits.describe(), exchange=self.exchange)

    async def login_page(self, request: Request) -> Response:
        if self.person(request) is not None:
            return RedirectResponse(self.base, 303)
        if self.redirect_login is not None:  # signing in happens at the Hub
            url, state = self.redirect_login.start(self.base)
            request.session[OAUTH_STATE] = state
            return RedirectResponse(url, 303)
        return self.page(request, "service_login.html.j2", "Sign in", None)

    async def oauth_callback(self, request: Request) -> Response:
        """The Hub sends the browser back here with a code: sign its user in."""
        assert self.redirect_login is not None
        self.person(request)  # counted, like every request
        params = request.query_params
        if params.get("error"):
            raise HTTPException(403, "JupyterHub did not sign you in: "
                                f"{params.get('error_description') or params['error']}.")
        kept = request.session.pop(OAUTH_STATE, None)
        code, state = params.get("code"), params.get("state")
        if not (code and state and isinstance(kept, str)
                and hmac.compare_digest(kept.encode(), state.encode())):
            raise HTTPException(403, "This sign-in has expired or did not start here: "
                                     "open the service again to sign in.")
        try:
            person, next_url = await run_in_threadpool(self.redirect_login.finish, code, state)
        except NotAllowed as exc:
            raise HTTPException(403, str(exc)) from None
        except CourseError as exc:
            raise HTTPException(502, str(exc)) from None
        self._sign_in(request, person)
        return RedirectResponse(next_url, 303)

    def _sign_in(self, request: Request, person: Person) -> None:
        request.session.clear()  # a fresh session: nothing chosen before sign-in carries over
        request.session.update(id=person.id, role=person.role, serial=person.serial)
        csrf_token(request.session)

    async def login(self, request: Request) -> Response:
        address = client_address(request)
        self.failed_logins.check(address, record=False)
        self.anonymous.check(address)
        form = await self.form(request)
        token = form.get("token")
        person = (await run_in_threadpool(self.auth.login, token)
                  if isinstance(token, str) else None)
        if person is None:
            self.failed_logins.retry_after(address)  # counts this failure
            request.session["flash"] = "That token is not valid (or was replaced by a newer one)."
            request.session["flash_kind"] = "refused"
            return self.page(request, "service_login.html.j2", "Sign in", None, status=401)
        self._sign_in(request, person)
        return RedirectResponse(self.base, 303)

    async def logout(self, request: Request) -> Response:
        self.person(request)  # counted, like every request
        await self.form(request)
        request.session.clear()
        if self.redirect_login is not None:  # else the Hub would sign them straight back in
            return RedirectResponse(self.redirect_login.logout_url(), 303)
        return RedirectResponse(self.base + "login", 303)

    async def submit(self, request: Request) -> Response:
        if self.redirect_login is not None and "authorization" in request.headers:
            return await self.submit_with_token(request)  # a script in a Hub user's server
        person = self.signed_in(request, "student")
        self.submissions.check(person.id)
        form = await self.form(request, max_files=1)
        upload = form.get("submission")
        if not isinstance(upload, UploadFile) or not upload.filename:
            message: str | None = "Choose the zip of your release folder first."
        else:
            message = await run_in_threadpool(
                self._receive, person.id,
                lambda now: receive_zip(self.course, self.db, person.id, upload.file, now))
        await form.close()
        return self._received(request, message)

    async def collect(self, request: Request) -> Response:
        """The student's newest submission in nbgrader's exchange (``nbgrader submit``)."""
        person = self.signed_in(request, "student")
        if not self.exchange:
            raise HTTPException(404, "This course has no nbgrader exchange: upload a zip.")
        self.submissions.check(person.id)
        await self.form(request)
        message = await run_in_threadpool(
            self._receive, person.id,
            lambda now: receive_from_exchange(self.course, self.db, person.id, now))
        return self._received(request, message)

    async def submit_with_token(self, request: Request) -> Response:
        try:
            return await self._submit_with_token(request)
        finally:
            # A refusal answered before the body was read: read the rest (BodyLimit caps it)
            # and drop it, or a proxy in front (JupyterHub's) sees the connection reset
            # while still sending, and answers 503 instead of the refusal.
            await _drain(request)

    async def _submit_with_token(self, request: Request) -> Response:
        """A zip in the body, from a script naming its person with ``Authorization: token T``.

        Answers JSON: the attempt, its place in the queue and its page; or the refusal in
        one line with 401 (no such token), 403 (not a student here), 422 (the zip or the
        policy refused it) or 429 (too many requests).
        """
        address = client_address(request)
        self.failed_logins.check(address, record=False)
        scheme, _, token = request.headers["authorization"].partition(" ")
        try:
            person = (await run_in_threadpool(self.auth.login, token)
                      if scheme.lower() in ("token", "bearer") else None)
        except NotAllowed as exc:
            return JSONResponse({"error": str(exc)}, 403)
        except CourseError as exc:
            return JSONResponse({"error": str(exc)}, 502)
        if person is None:
            self.failed_logins.retry_after(address)  # counts this failure
            return JSONResponse({"error": "This token is not valid here: use the "
                                          "JUPYTERHUB_API_TOKEN of your own server."}, 401)
        if person.is_instructor:
            return JSONResponse({"error": "Only students submit."}, 403)
        self.per_person.check(f"{person.role}:{person.id}")
        self.submissions.check(person.id)
        data = io.BytesIO(await request.body())  # BodyLimit caps it
        stored: list[Attempt] = []

        def store(now: datetime) -> None:
            stored.append(receive_zip(self.course, self.db, person.id, data, now))

        refused = await run_in_threadpool(self._receive, person.id, store)
        if refused is not None:
            return JSONResponse({"error": refused[:1].upper() + refused[1:]}, 422)
        attempt = stored[0]
        where = await run_in_threadpool(position, self.db, attempt.id, self.clock())
        return JSONResponse({"attempt": attempt.id, "position": where,
                             "page": f"{self.base}attempts/{attempt.id}"}, 201)

    def _receive(self, student: str, store: Callable[[datetime], object]) -> str | None:
        """None when ``store`` queued the submission, else one line saying why it did not."""
        now = self.clock()
        why = may_submit(self.db, self.policy, student, now)
        if why is not None:
            return why
        try:
            store(now)
        except Refused as exc:
            return str(exc)
        return None

    def _received(self, request: Request, refused: str | None) -> Response:
        if refused is None:
            request.session["flash"] = ("Received. Your attempt is in the queue; "
                                        "its feedback appears below once it is graded.")
        else:
            request.session["flash"] = refused[:1].upper() + refused[1:]
            request.session["flash_kind"] = "refused"
        return RedirectResponse(self.base, 303)

    async def attempt(self, request: Request) -> Response:
        person = self.signed_in(request, "student")
        attempt_id = request.path_params["attempt_id"]

        def load() -> tuple[dict[str, Any], str] | None:
            with self.db.session() as s:
                found = s.get(Attempt, attempt_id)
                if found is None or found.student != person.id:
                    return None
                s.expunge(found)
            now = self.clock()
            feedback = (attempt_feedback(self.course, self.db, found, self.policy, now)
                        if found.state == "graded" else "")
            hidden = scores_hidden(self.course, self.policy, now, person.id)
            return self.attempt_row(found, hidden), feedback

        loaded = await run_in_threadpool(load)
        if loaded is None:
            raise HTTPException(404, "There is no such attempt.")
        row, feedback = loaded
        waiting = row["state"] in WAITING
        return self.page(request, "service_attempt.html.j2", f"Attempt {row['id']}", person,
                         refresh=waiting, a=row, waiting=waiting,
                         feedback=Markup(feedback))  # sanitised by attempt_feedback

    async def dashboard(self, request: Request) -> Response:
        person = self.signed_in(request, "instructor")
        stats = await run_in_threadpool(service_stats, self.course, self.db, self.clock())
        return self.page(request, "service_dashboard.html.j2", "Submission service", person,
                         refresh=True, **dashboard(stats).context())

    async def error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 303 and exc.headers:
            return RedirectResponse(exc.headers["Location"], 303)
        titles = {403: "Refused", 404: "Not found", 413: "Too large", 429: "Slow down"}
        response = self.page(request, "service_error.html.j2",
                             titles.get(exc.status_code, "Error"), self.identify(request),
                             status=exc.status_code, detail=exc.detail)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response


def has_exchange(course: Course) -> bool:
    """Whether the course's nbgrader exchange exists here (then students may collect from it)."""
    try:
        return exchange_inbound(course).is_dir()
    except CourseError:
        return False


def when(moment: datetime | None) -> str:
    if moment is None:
        return "\u2013"
    if moment.tzinfo is None:  # SQLite returns naive datetimes; they were stored in UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def create_app(course: Course, db: ServiceDatabase, auth: Authenticator,
               settings: ServiceSettings | None = None,
               clock: Callable[[], datetime] = utc_now, base: str = "/") -> Starlette:
    """The service's ASGI application for ``course`` (its policy is read now), its paths
    under ``base`` (JupyterHub's proxy passes the service's prefix on)."""
    settings = settings or ServiceSettings()
    service = Service(course, db, auth, settings, service_policy(course), clock, base)
    routes = [
        Route(base, service.home),
        Route(base + "login", service.login_page, methods=["GET"]),
        Route(base + "logout", service.logout, methods=["POST"]),
        Route(base + "submit", service.submit, methods=["POST"]),
        Route(base + "collect", service.collect, methods=["POST"]),
        Route(base + "attempts/{attempt_id:int}", service.attempt),
        Route(base + "dashboard", service.dashboard),
    ]
    if service.redirect_login is None:
        routes.append(Route(base + "login", service.login, methods=["POST"]))
    else:
        routes.append(Route(base + "oauth_callback", service.oauth_callback))
    middleware = [
        # Outermost first: headers on every answer, the body cap before anything reads it.
        Middleware(SecurityHeaders),
        Middleware(BodyLimit, max_bytes=upload_cap(service.limits)),
        Middleware(SessionMiddleware, secret_key=session_secret(course),
                   session_cookie=SESSION_COOKIE, same_site="lax",
                   https_only=settings.secure_cookie, max_age=settings.session_days * 86400),
    ]
    handler: Callable[[Request, Exception], Awaitable[Response]] = service.error
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={HTTPException: handler})
    app.state.service = service
    return app
