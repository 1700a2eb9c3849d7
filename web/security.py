"""Who is signed in, and whether a request that changes things really comes from our pages.

Sessions: the cookie ``sb_session`` holds a random token; the database keeps only its sha256
and the session's CSRF token. CSRF: every unsafe request must carry that token in the header
``X-CSRF-Token`` or the form field ``csrf_token``; without a session it must match the
anonymous double-submit cookie ``sb_csrf`` instead. An ``Origin`` from another host is refused.
Every response carries :data:`SECURITY_HEADERS` (nosniff, a same-origin-only CSP; the pages have
no inline script or style), except FastAPI's own /docs pages, which load Swagger from a CDN.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storage import (
    create_web_session,
    delete_expired_sessions,
    delete_web_session,
    get_user,
    web_session,
)
from storage.models import utcnow
from web.errors import WebError

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates

    from storage import Database
    from web.config import WebSettings

logger = logging.getLogger(__name__)

SESSION_COOKIE = "sb_session"
CSRF_COOKIE = "sb_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none';"
        " base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "same-origin",
}

_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
_SIGNED_IN = "storybeat_signed_in"  # request.state: the session, looked up once per request
_PENDING_CSRF = "storybeat_csrf_cookie"  # request.state: a new anonymous token to send


class SignInRequired(WebError):
    """The page or call needs a signed-in user."""

    status = 401

    def __init__(self, message: str = "sign in to continue") -> None:
        super().__init__(message)


class CsrfError(WebError):
    """An unsafe request without the right CSRF token, or from another site."""

    status = 403

    def __init__(
        self,
        message: str = "the form expired or came from another site: reload the page and try again",
    ) -> None:
        super().__init__(message)


class UserPublic(BaseModel):
    """An account as routes and templates see it."""

    id: int
    email: str


@dataclass(frozen=True)
class _SignedIn:
    user: UserPublic
    csrf_token: str


# -- sessions -----------------------------------------------------------------------------------


def _database(request: HTTPConnection) -> Database:
    db: Database = request.app.state.studio.db
    return db


def _secure(app: Any) -> bool:
    settings = getattr(app.state, "web", None)
    return bool(getattr(settings, "secure_cookies", False))


def token_hash(token: str) -> str:
    """The sha256 (hex) under which a session token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _signed_in(request: HTTPConnection) -> _SignedIn | None:
    """The request's valid session, looked up once per request."""
    state = request.state
    if hasattr(state, _SIGNED_IN):
        found: _SignedIn | None = getattr(state, _SIGNED_IN)
        return found
    found = None
    token = request.cookies.get(SESSION_COOKIE)
    if token and _TOKEN.fullmatch(token):
        with _database(request).session() as session:
            row = web_session(session, token_hash(token))
            user = get_user(session, row.user_id) if row is not None else None
            if row is not None and user is not None:
                found = _SignedIn(UserPublic(id=user.id, email=user.email), row.csrf_token)
    setattr(state, _SIGNED_IN, found)
    return found


def current_user(request: Request) -> UserPublic:
    """Dependency: the signed-in user, or SignInRequired."""
    signed_in = _signed_in(request)
    if signed_in is None:
        raise SignInRequired()
    return signed_in.user


def optional_user(request: Request) -> UserPublic | None:
    """Dependency: the signed-in user, or None."""
    signed_in = _signed_in(request)
    return signed_in.user if signed_in is not None else None


CurrentUser = Annotated[UserPublic, Depends(current_user)]
OptionalUser = Annotated[UserPublic | None, Depends(optional_user)]


def start_session(response: Response, db: Database, user_id: int, settings: WebSettings) -> str:
    """Open a session for ``user_id``, set its cookie on ``response``; return its CSRF token."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    max_age = settings.session_days * 24 * 3600
    with db.session() as session:
        delete_expired_sessions(session)
        create_web_session(
            session, user_id, token_hash(token), csrf, utcnow() + timedelta(seconds=max_age)
        )
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    logger.info("user %d signed in", user_id)
    return csrf


def revoke_session(request: HTTPConnection, db: Database) -> None:
    """Delete the server side of the request's session, if it has one."""
    token = request.cookies.get(SESSION_COOKIE)
    if token and _TOKEN.fullmatch(token):
        with db.session() as session:
            delete_web_session(session, token_hash(token))
    setattr(request.state, _SIGNED_IN, None)


def end_session(request: Request, response: Response, db: Database) -> None:
    """Sign the request's browser out: delete its session and its cookie."""
    revoke_session(request, db)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=_secure(request.app), httponly=True, samesite="lax"
    )


# -- CSRF ---------------------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """The token a form or client must send back: the session's, else the anonymous one.

    A new anonymous token is remembered on the request; ``set_csrf_cookie`` or
    ``CsrfCookieMiddleware`` then sends it as the ``sb_csrf`` cookie.
    """
    signed_in = _signed_in(request)
    if signed_in is not None:
        return signed_in.csrf_token
    pending: str | None = getattr(request.state, _PENDING_CSRF, None)
    if pending:
        return pending
    cookie = request.cookies.get(CSRF_COOKIE)
    if cookie and _TOKEN.fullmatch(cookie):
        return cookie
    token = secrets.token_urlsafe(32)
    setattr(request.state, _PENDING_CSRF, token)
    return token


def _write_csrf_cookie(response: Response, token: str, *, secure: bool) -> None:
    response.set_cookie(
        CSRF_COOKIE, token, path="/", secure=secure, httponly=True, samesite="strict"
    )


def set_csrf_cookie(request: Request, response: Response) -> None:
    """Put a new anonymous CSRF token handed out for this request into ``response``."""
    token = getattr(request.state, _PENDING_CSRF, None)
    if token:
        _write_csrf_cookie(response, token, secure=_secure(request.app))
        setattr(request.state, _PENDING_CSRF, None)


class _AtResponseStart:
    """An ASGI middleware that changes the headers of each HTTP response as it starts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def on_start(self, scope: Scope, headers: MutableHeaders) -> None:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_changed(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.on_start(scope, MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, receive, send_changed)


class CsrfCookieMiddleware(_AtResponseStart):
    """Send the ``sb_csrf`` cookie with any response whose page handed out a new token."""

    def on_start(self, scope: Scope, headers: MutableHeaders) -> None:
        token = scope.get("state", {}).pop(_PENDING_CSRF, None)
        if token:
            carrier = Response()
            _write_csrf_cookie(carrier, token, secure=_secure(scope["app"]))
            for name, value in carrier.raw_headers:
                if name == b"set-cookie":
                    headers.append("set-cookie", value.decode("latin-1"))


class SecurityHeadersMiddleware(_AtResponseStart):
    """:data:`SECURITY_HEADERS` (where the route set none of its own) on every response, the
    body limit's refusals included: add it outermost."""

    def on_start(self, scope: Scope, headers: MutableHeaders) -> None:
        _add_security_headers(scope, headers)


def _add_security_headers(scope: Scope, headers: MutableHeaders) -> None:
    app = scope.get("app")
    docs = {
        getattr(app, n, None) for n in ("docs_url", "redoc_url", "swagger_ui_oauth2_redirect_url")
    }
    for name, value in SECURITY_HEADERS.items():
        if name != "Content-Security-Policy" or scope.get("path") not in docs:
            headers.setdefault(name, value)


def _same_origin(origin: str, host: str) -> bool:
    """Whether the ``Origin`` header names the host (and port) the request was sent to."""
    try:
        sent = urlsplit(origin)
        received = urlsplit(f"//{host}")
        default = 443 if sent.scheme == "https" else 80
        return (
            sent.scheme in ("http", "https")
            and bool(sent.hostname)
            and sent.hostname == received.hostname
            and (sent.port or default) == (received.port or default)
        )
    except ValueError:
        return False


async def _sent_token(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in FORM_TYPES:
        return None
    field = (await request.form()).get(CSRF_FIELD)  # Starlette keeps the parsed form
    return field if isinstance(field, str) else None


async def check_csrf(request: HTTPConnection) -> None:
    """App-wide dependency: refuse unsafe requests without the right token (CsrfError, 403)."""
    if not isinstance(request, Request) or request.method in SAFE_METHODS:
        return
    origin = request.headers.get("origin")
    if origin is not None and not _same_origin(origin, request.headers.get("host", "")):
        logger.warning("refused %s %s from Origin %r", request.method, request.url.path, origin)
        raise CsrfError(f"refused: the request came from another site ({origin})")
    signed_in = await run_in_threadpool(_signed_in, request)
    expected = signed_in.csrf_token if signed_in else request.cookies.get(CSRF_COOKIE)
    sent = await _sent_token(request)
    if (
        not expected
        or not _TOKEN.fullmatch(expected)
        or not sent
        or not hmac.compare_digest(expected.encode("utf-8"), sent.encode("utf-8"))
    ):
        logger.info("refused %s %s: CSRF token missing or wrong", request.method, request.url.path)
        raise CsrfError()


def safe_next(next_path: str | None, default: str = "/") -> str:
    """``next_path`` if it is a path on this site ("/…", not "//…" or "/\\…"), else ``default``."""
    if (
        not next_path
        or len(next_path) > 2000
        or not next_path.startswith("/")
        or next_path.startswith("//")
        or "\\" in next_path
        or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in next_path)
    ):
        return default
    parts = urlsplit(next_path)
    return default if parts.scheme or parts.netloc else next_path


def install(templates: Jinja2Templates) -> None:
    """Make ``csrf_token(request)`` available to every template."""
    templates.env.globals["csrf_token"] = csrf_token
