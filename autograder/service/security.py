"""What every request of the service passes: size cap, security headers, CSRF, rate limits.

- ``BodyLimit`` refuses a request body over the cap (413) from its Content-Length before
  reading it, and stops reading one that streams past the cap without announcing it.
- ``SecurityHeaders`` adds a Content-Security-Policy that allows no script at all (the
  pages have none; a meta refresh shows the queue moving), and forbids framing, sniffing
  and referrers.
- CSRF: each session holds a random token (``csrf_token``) that every form carries in a
  hidden field; ``check_csrf`` refuses a POST without it (403). The cookie is SameSite=Lax
  too, but the token also covers older browsers and the login form itself.
- ``RateLimiter`` counts requests per key (a student, a client address) in a sliding
  window. It lives in the server's memory: right for one server process, which is how
  ``cs231n-course serve`` runs; several servers behind a balancer would each count apart.
  A signed-in person is limited as a person, whatever their address (a class behind one
  campus NAT shares an address); requests without a session, and failed sign-ins, are
  limited per address.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_FIELD = "csrf"
CSRF_KEY = "csrf"

# No script from anywhere; forms post only here; the page template's own <style>.
CSP = ("default-src 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'; img-src 'self' data:; "
       "style-src 'unsafe-inline'")
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    # Pages show one person's submissions: no shared cache may keep them.
    "cache-control": "no-store",
}


class BodyLimit:
    """ASGI middleware: a request body over ``max_bytes`` gets 413, without being read whole."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _too_large(send, self.max_bytes)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracking_send)
        except _BodyTooLarge:
            if not started:
                await _too_large(send, self.max_bytes)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, max_bytes: int) -> None:
    body = (f"Request too large: the limit is {max_bytes // (1 << 20)} MiB. "
            "Hand in the release folder only (python -m cs231n_core.check.handin).\n").encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"),
                            *((k.encode(), v.encode()) for k, v in HEADERS.items())]})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """ASGI middleware: ``HEADERS`` on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.extra = [(k.encode(), v.encode()) for k, v in HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((k, v) for k, v in self.extra if k not in names)]
            await send(message)

        await self.app(scope, receive, with_headers)


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's CSRF token, made on first use."""
    token = session.get(CSRF_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = session[CSRF_KEY] = secrets.token_urlsafe(32)
    return token


def check_csrf(request: Request, form: Any) -> None:
    """Refuse (403) a POST whose form does not carry the session's CSRF token."""
    expected = request.session.get(CSRF_KEY)
    sent = form.get(CSRF_FIELD)
    if not (isinstance(expected, str) and isinstance(sent, str)
            and hmac.compare_digest(expected.encode(), sent.encode())):
        raise HTTPException(403, "This form has expired or did not come from this site: "
                                 "reload the page and try again.")


class RateLimiter:
    """At most ``limit`` events per key in any ``window`` seconds (in this process's memory)."""

    def __init__(self, limit: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str, record: bool = True) -> float | None:
        """None if one more event for ``key`` is allowed now (and, with ``record``, counts
        it), else the seconds until it would be."""
        now = self.clock()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return events[0] + self.window - now
            if record:
                events.append(now)
            if len(self._events) > 100_000:  # keys of long-gone clients: forget them
                self._events = {k: v for k, v in self._events.items() if v}
            return None

    def check(self, key: str, record: bool = True) -> None:
        """Refuse (429, with Retry-After) the event over the limit for ``key``."""
        wait = self.retry_after(key, record)
        if wait is not None:
            seconds = max(1, int(wait + 0.999))
            raise HTTPException(429, f"Too many requests: try again in {seconds} s.",
                                headers={"Retry-After": str(seconds)})


def client_address(request: Request) -> str:
    """The peer's address as the server saw it (behind a proxy: the proxy's, unless
    uvicorn is told to trust its forwarded headers)."""
    return request.client.host if request.client else "unknown"

