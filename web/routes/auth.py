"""Sign-up, sign-in and sign-out: HTML pages and the JSON API under /api/auth."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from storage import StorageInputError
from web.accounts import WrongCredentialsError, authenticate, register
from web.errors import WebInputError
from web.security import (
    CurrentUser,
    OptionalUser,
    UserPublic,
    csrf_token,
    end_session,
    revoke_session,
    safe_next,
    set_csrf_cookie,
    start_session,
)

if TYPE_CHECKING:
    from storage import Database

logger = logging.getLogger(__name__)

NextPath = Annotated[str | None, Query(alias="next", description="where to go afterwards")]
FormField = Annotated[str, Form()]


class Credentials(BaseModel):
    """E-mail and password, as sent to sign in."""

    email: str
    password: str


class UserCreate(Credentials):
    """E-mail and password of a new account (password: 8 to 256 characters)."""


class SessionPublic(UserPublic):
    """The signed-in user plus the token to send as ``X-CSRF-Token``."""

    csrf_token: str


class CsrfPublic(BaseModel):
    """The token to send as ``X-CSRF-Token`` (the session's, or the anonymous cookie's)."""

    csrf_token: str


def _db(request: Request) -> Database:
    db: Database = request.app.state.studio.db
    return db


def _sign_in(request: Request, response: Response, user: UserPublic) -> str:
    """Replace the browser's session (if any) by a new one for ``user``; return its CSRF."""
    db = _db(request)
    revoke_session(request, db)
    response.headers["Cache-Control"] = "no-store"
    return start_session(response, db, user.id, request.app.state.web)


# -- pages --------------------------------------------------------------------------------------

pages = APIRouter(tags=["auth"])


def _form_page(
    request: Request,
    page: str,
    *,
    target: str,
    email: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """Render the sign-in or sign-up form, keeping ``target`` as ``?next=`` on its links."""
    query = f"?{urlencode({'next': target})}" if target != "/" else ""
    other = "signup" if page == "signin" else "signin"
    response = request.app.state.templates.TemplateResponse(
        request,
        f"{page}.html",
        {
            "action": f"/{page}{query}",
            "other_url": f"/{other}{query}",
            "email": email,
            "error": error,
        },
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )
    set_csrf_cookie(request, response)
    return response


@pages.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, user: OptionalUser, next_path: NextPath = None) -> Response:
    """The sign-in form; a signed-in user goes straight on."""
    target = safe_next(next_path)
    if user is not None:
        return RedirectResponse(target, status_code=303)
    return _form_page(request, "signin", target=target)


@pages.post("/signin", response_class=HTMLResponse)
def signin(
    request: Request, email: FormField = "", password: FormField = "", next_path: NextPath = None
) -> Response:
    """Check the form; on success open a session and go to ``next``."""
    target = safe_next(next_path)
    try:
        user = authenticate(_db(request), email, password)
    except WrongCredentialsError as exc:
        return _form_page(
            request, "signin", target=target, email=email, error=str(exc), status_code=400
        )
    response = RedirectResponse(target, status_code=303)
    _sign_in(request, response, user)
    return response


@pages.get("/signup", response_class=HTMLResponse)
def signup_page(request: Request, user: OptionalUser, next_path: NextPath = None) -> Response:
    """The sign-up form; a signed-in user goes straight on."""
    target = safe_next(next_path)
    if user is not None:
        return RedirectResponse(target, status_code=303)
    return _form_page(request, "signup", target=target)


@pages.post("/signup", response_class=HTMLResponse)
def signup(
    request: Request, email: FormField = "", password: FormField = "", next_path: NextPath = None
) -> Response:
    """Create the account, sign it in and go to ``next``; a refusal re-renders the form."""
    target = safe_next(next_path)
    try:
        user = register(_db(request), email, password)
    except (WebInputError, StorageInputError) as exc:
        return _form_page(
            request, "signup", target=target, email=email, error=str(exc), status_code=400
        )
    response = RedirectResponse(target, status_code=303)
    _sign_in(request, response, user)
    return response


@pages.post("/signout")
def signout(request: Request) -> Response:
    """Close the session and go to the sign-in page."""
    response = RedirectResponse("/signin", status_code=303)
    end_session(request, response, _db(request))
    return response


# -- JSON API -----------------------------------------------------------------------------------

api = APIRouter(prefix="/api/auth", tags=["auth"])


@api.post("/signup", status_code=201)
def api_signup(request: Request, response: Response, body: UserCreate) -> SessionPublic:
    """Create an account and sign it in (sets the session cookie)."""
    user = register(_db(request), body.email, body.password)
    csrf = _sign_in(request, response, user)
    return SessionPublic(id=user.id, email=user.email, csrf_token=csrf)


@api.post("/signin")
def api_signin(request: Request, response: Response, body: Credentials) -> SessionPublic:
    """Sign in (sets the session cookie); 401 if the e-mail or password is wrong."""
    user = authenticate(_db(request), body.email, body.password)
    csrf = _sign_in(request, response, user)
    return SessionPublic(id=user.id, email=user.email, csrf_token=csrf)


@api.post("/signout", status_code=204)
def api_signout(request: Request, response: Response) -> None:
    """Close the session (deletes it on the server and clears the cookie)."""
    end_session(request, response, _db(request))


@api.get("/me")
def me(user: CurrentUser) -> UserPublic:
    """The signed-in user; 401 otherwise."""
    return user


@api.get("/csrf")
def csrf(request: Request, response: Response) -> CsrfPublic:
    """The CSRF token for this browser (setting the anonymous cookie when it is new)."""
    token = csrf_token(request)
    set_csrf_cookie(request, response)
    response.headers["Cache-Control"] = "no-store"
    return CsrfPublic(csrf_token=token)


router = APIRouter()
router.include_router(pages)
router.include_router(api)
