"""CSRF: every state-changing request needs the right token and must not come from elsewhere."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.unit.web.conftest import PASSWORD, form_token, meta_token
from web.security import CSRF_COOKIE, SESSION_COOKIE, safe_next

EXPIRED = "the form expired or came from another site: reload the page and try again"
CREDENTIALS = {"email": "ada@example.com", "password": PASSWORD}
# Every state-changing auth route, with the body it takes.
FORM_ROUTES = [("/signup", CREDENTIALS), ("/signin", CREDENTIALS), ("/signout", {})]
API_ROUTES = [
    ("/api/auth/signup", CREDENTIALS),
    ("/api/auth/signin", CREDENTIALS),
    ("/api/auth/signout", None),
]


@pytest.mark.parametrize("token", [None, "", "x" * 43])
@pytest.mark.parametrize(("path", "fields"), FORM_ROUTES)
def test_forms_without_the_right_token_are_refused(
    client: TestClient, anon_token: str, path: str, fields: dict[str, str], token: str | None
) -> None:
    data = fields if token is None else {**fields, "csrf_token": token}
    response = client.post(path, data=data)
    assert response.status_code == 403
    assert response.json() == {"detail": EXPIRED}
    assert SESSION_COOKIE not in client.cookies


@pytest.mark.parametrize("token", [None, "x" * 43])
@pytest.mark.parametrize(("path", "body"), API_ROUTES)
def test_api_calls_without_the_right_token_are_refused(
    client: TestClient, anon_token: str, path: str, body: dict[str, str] | None, token: str | None
) -> None:
    headers = {} if token is None else {"X-CSRF-Token": token}
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == 403
    assert response.json() == {"detail": EXPIRED}


@pytest.mark.parametrize(("path", "body"), API_ROUTES)
def test_the_right_token_passes(
    client: TestClient, anon_token: str, path: str, body: object
) -> None:
    if path == "/api/auth/signin":
        client.post("/api/auth/signup", json=CREDENTIALS, headers={"X-CSRF-Token": anon_token})
        client.cookies.delete(SESSION_COOKIE)
    response = client.post(path, json=body, headers={"X-CSRF-Token": anon_token})
    assert response.status_code in (200, 201, 204), response.text


def test_a_token_without_its_cookie_is_refused(client: TestClient, anon_token: str) -> None:
    """Another site cannot read our cookie, so a token it copied from a page is no use alone."""
    client.cookies.delete(CSRF_COOKIE)
    response = client.post("/signup", data={**CREDENTIALS, "csrf_token": anon_token})
    assert response.status_code == 403


def test_a_signed_in_browser_needs_the_session_token(client: TestClient, signed_in: str) -> None:
    anonymous = client.cookies[CSRF_COOKIE]
    assert client.post("/signout", data={"csrf_token": anonymous}).status_code == 403
    assert meta_token(client.get("/plain").text) == signed_in
    response = client.post("/signout", data={"csrf_token": signed_in})
    assert response.status_code == 303


@pytest.mark.parametrize("origin", ["https://evil.com", "http://testserver.evil.com", "null"])
def test_another_origin_is_refused_even_with_the_token(
    client: TestClient, anon_token: str, origin: str
) -> None:
    response = client.post(
        "/api/auth/signup", json=CREDENTIALS, headers={"X-CSRF-Token": anon_token, "Origin": origin}
    )
    assert response.status_code == 403
    assert "another site" in response.json()["detail"]


def test_the_same_origin_passes(client: TestClient, anon_token: str) -> None:
    headers = {"X-CSRF-Token": anon_token, "Origin": "http://testserver"}
    assert client.post("/api/auth/signup", json=CREDENTIALS, headers=headers).status_code == 201


def test_safe_methods_need_no_token(client: TestClient) -> None:
    assert client.get("/signin", headers={"Origin": "https://evil.com"}).status_code == 200


def test_routes_still_read_a_form_the_check_has_read(client: TestClient, anon_token: str) -> None:
    form = client.post("/echo", data={"csrf_token": anon_token, "title": "Night drive"})
    assert form.json() == {"csrf_token": anon_token, "title": "Night drive"}
    multipart = client.post(
        "/echo",
        data={"csrf_token": anon_token, "title": "Night drive"},
        files={"song": ("song.wav", b"RIFF", "audio/wav")},
    )
    assert multipart.status_code == 200 and multipart.json()["title"] == "Night drive"
    header_only = client.post("/echo", data={"title": "x"}, headers={"X-CSRF-Token": anon_token})
    assert header_only.status_code == 200
    assert client.post("/echo", content=anon_token.encode()).status_code == 403


def test_any_page_that_hands_out_a_token_sets_its_cookie_once(client: TestClient) -> None:
    first = client.get("/plain")
    (cookie,) = [h for h in first.headers.get_list("set-cookie") if h.startswith(CSRF_COOKIE)]
    token = meta_token(first.text)
    assert cookie.startswith(f"{CSRF_COOKIE}={token};")
    again = client.get("/signin")  # the cookie is there now: same token, no new cookie
    assert form_token(again.text) == token
    assert not [h for h in again.headers.get_list("set-cookie") if h.startswith(CSRF_COOKIE)]
    response = client.post("/signup", data={**CREDENTIALS, "csrf_token": token})
    assert response.status_code == 303


def test_api_clients_get_the_token_from_the_csrf_route(client: TestClient) -> None:
    answer = client.get("/api/auth/csrf")
    token = answer.json()["csrf_token"]
    assert client.cookies[CSRF_COOKIE] == token
    assert client.get("/api/auth/csrf").json() == {"csrf_token": token}
    signup = client.post("/api/auth/signup", json=CREDENTIALS, headers={"X-CSRF-Token": token})
    session_token = signup.json()["csrf_token"]
    assert client.get("/api/auth/csrf").json() == {"csrf_token": session_token}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, "/"),
        ("", "/"),
        ("/projects/1?tab=shots#top", "/projects/1?tab=shots#top"),
        ("projects", "/"),
        ("//evil.com", "/"),
        ("///evil.com", "/"),
        ("/\\evil.com", "/"),
        ("https://evil.com", "/"),
        ("/\nLocation: https://evil.com", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_safe_next(given: str | None, expected: str) -> None:
    assert safe_next(given) == expected
