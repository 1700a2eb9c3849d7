"""Sign-up, sign-in and sign-out through the pages and the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from storage import Database, WebSession
from storage.models import utcnow
from tests.unit.web.conftest import PASSWORD, form_token
from web.security import CSRF_COOKIE, SESSION_COOKIE

WRONG = "e-mail or password is wrong"


def _set_cookies(response: Any, name: str) -> list[str]:
    headers = response.headers.get_list("set-cookie")
    return [header for header in headers if header.startswith(f"{name}=")]


def _sign_up_page(client: TestClient, email: str = "ada@example.com", query: str = "") -> Any:
    token = form_token(client.get(f"/signup{query}").text)
    return client.post(
        f"/signup{query}", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )


def test_sign_up_page_opens_a_session_with_safe_cookie_flags(client: TestClient) -> None:
    page = client.get("/signup")
    assert page.status_code == 200
    assert 'autocomplete="new-password"' in page.text and 'minlength="8"' in page.text
    (csrf_cookie,) = _set_cookies(page, CSRF_COOKIE)
    assert "HttpOnly" in csrf_cookie and "SameSite=strict" in csrf_cookie
    assert "Secure" not in csrf_cookie

    response = _sign_up_page(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    (cookie,) = _set_cookies(response, SESSION_COOKIE)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert f"Max-Age={14 * 24 * 3600}" in cookie
    assert "Secure" not in cookie
    me = client.get("/api/auth/me")
    assert me.status_code == 200
    assert me.json() == {"id": 1, "email": "ada@example.com"}


def test_cookies_are_secure_when_configured(make_client: Callable[..., TestClient]) -> None:
    client = make_client(secure_cookies=True, base_url="https://testserver")
    page = client.get("/signin")
    (csrf_cookie,) = _set_cookies(page, CSRF_COOKIE)
    assert "Secure" in csrf_cookie
    response = client.post(
        "/api/auth/signup",
        json={"email": "ada@example.com", "password": PASSWORD},
        headers={"X-CSRF-Token": form_token(page.text)},
    )
    assert response.status_code == 201
    (cookie,) = _set_cookies(response, SESSION_COOKIE)
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert client.get("/api/auth/me").json()["email"] == "ada@example.com"


def test_only_the_hash_of_the_session_token_is_stored(
    client: TestClient, signed_in: str, database: Database
) -> None:
    token = client.cookies[SESSION_COOKIE]
    with database.session() as session:
        (row,) = session.query(WebSession).all()
        assert row.token_hash != token and len(row.token_hash) == 64
        assert row.csrf_token == signed_in


def test_sign_out_kills_the_session_on_the_server(
    make_client: Callable[..., TestClient], client: TestClient, signed_in: str
) -> None:
    stolen = client.cookies[SESSION_COOKIE]
    response = client.post("/api/auth/signout", headers={"X-CSRF-Token": signed_in})
    assert response.status_code == 204
    assert client.get("/api/auth/me").status_code == 401
    replay = make_client()
    replay.cookies.set(SESSION_COOKIE, stolen)
    answer = replay.get("/api/auth/me")
    assert answer.status_code == 401
    assert answer.json() == {"detail": "sign in to continue"}


def test_sign_out_page_redirects_to_sign_in(client: TestClient, signed_in: str) -> None:
    stolen = client.cookies[SESSION_COOKIE]
    response = client.post("/signout", data={"csrf_token": signed_in})
    assert response.status_code == 303 and response.headers["location"] == "/signin"
    (cookie,) = _set_cookies(response, SESSION_COOKIE)
    assert "Max-Age=0" in cookie
    client.cookies.set(SESSION_COOKIE, stolen)
    assert client.get("/api/auth/me").status_code == 401


def test_sign_in_page_with_wrong_password_keeps_the_email(
    client: TestClient, signed_in: str
) -> None:
    client.post("/api/auth/signout", headers={"X-CSRF-Token": signed_in})
    token = form_token(client.get("/signin").text)
    for email, password in [("ada@example.com", "not the one"), ("eve@example.com", PASSWORD)]:
        response = client.post(
            "/signin", data={"email": email, "password": password, "csrf_token": token}
        )
        assert response.status_code == 400
        assert f'<p role="alert" class="error" id="form-error">{WRONG}</p>' in response.text
        assert f'value="{email}"' in response.text
        assert SESSION_COOKIE not in client.cookies
    response = client.post(
        "/signin", data={"email": "ADA@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
    assert client.get("/api/auth/me").json()["email"] == "ada@example.com"


def test_api_sign_in_answers_401_for_either_mistake(client: TestClient, anon_token: str) -> None:
    headers = {"X-CSRF-Token": anon_token}
    body = {"email": "ada@example.com", "password": PASSWORD}
    assert client.post("/api/auth/signup", json=body, headers=headers).status_code == 201
    client.cookies.delete(SESSION_COOKIE)
    for wrong in ({**body, "password": "not the one"}, {**body, "email": "eve@example.com"}):
        response = client.post("/api/auth/signin", json=wrong, headers=headers)
        assert response.status_code == 401
        assert response.json() == {"detail": WRONG}
    response = client.post("/api/auth/signin", json=body, headers=headers)
    assert response.status_code == 200
    data = response.json()
    assert data["email"] == "ada@example.com" and data["csrf_token"] != anon_token
    # From now on the session's token is the one that counts.
    assert client.post("/api/auth/signout", headers=headers).status_code == 403
    signout = client.post("/api/auth/signout", headers={"X-CSRF-Token": data["csrf_token"]})
    assert signout.status_code == 204


def test_sign_up_refusals_re_render_the_form(client: TestClient, signed_in: str) -> None:
    client.post("/api/auth/signout", headers={"X-CSRF-Token": signed_in})
    token = form_token(client.get("/signup").text)
    taken = client.post(
        "/signup", data={"email": "ADA@example.com ", "password": PASSWORD, "csrf_token": token}
    )
    assert taken.status_code == 400
    assert 'role="alert"' in taken.text and "already has an account" in taken.text
    short = client.post(
        "/signup", data={"email": "bob@example.com", "password": "short", "csrf_token": token}
    )
    assert short.status_code == 400 and "8 to 256 characters" in short.text
    api = client.post(
        "/api/auth/signup",
        json={"email": "ada@EXAMPLE.com", "password": PASSWORD},
        headers={"X-CSRF-Token": token},
    )
    assert api.status_code == 400 and "already has an account" in api.json()["detail"]


@pytest.mark.parametrize(
    "attempt", ["//evil.com", "https://evil.com", "/\\evil.com", "\\\\evil.com", "/\t/evil.com"]
)
def test_next_never_leaves_the_site(client: TestClient, attempt: str) -> None:
    response = _sign_up_page(client, query=f"?{urlencode({'next': attempt})}")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    again = client.get("/signin", params={"next": attempt})
    assert again.status_code == 303 and again.headers["location"] == "/"


def test_next_is_followed_within_the_site(client: TestClient) -> None:
    page = client.get("/signin", params={"next": "/projects/abc?tab=shots"})
    assert 'action="/signin?next=%2Fprojects%2Fabc%3Ftab%3Dshots"' in page.text
    assert 'href="/signup?next=%2Fprojects%2Fabc%3Ftab%3Dshots"' in page.text
    response = _sign_up_page(client, query="?next=%2Fprojects%2Fabc%3Ftab%3Dshots")
    assert response.headers["location"] == "/projects/abc?tab=shots"
    # Signed in already: the forms step aside.
    assert client.get("/signup", params={"next": "/x"}).headers["location"] == "/x"


def test_an_expired_session_is_signed_out(
    client: TestClient, signed_in: str, database: Database
) -> None:
    assert client.get("/api/auth/me").status_code == 200
    with database.session() as session:
        session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert client.get("/api/auth/me").status_code == 401
    page = client.get("/signin")  # the form again, not a redirect
    assert page.status_code == 200
    assert form_token(page.text) != signed_in
    stale = client.post("/api/auth/signout", headers={"X-CSRF-Token": signed_in})
    assert stale.status_code == 403


def test_signing_in_again_replaces_the_old_session(
    client: TestClient, signed_in: str, database: Database
) -> None:
    first = client.cookies[SESSION_COOKIE]
    response = client.post(
        "/api/auth/signin",
        json={"email": "ada@example.com", "password": PASSWORD},
        headers={"X-CSRF-Token": signed_in},
    )
    assert response.status_code == 200
    assert client.cookies[SESSION_COOKIE] != first
    with database.session() as session:
        assert session.query(WebSession).count() == 1
