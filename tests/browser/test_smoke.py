"""The studio answers and its sign-in page asks for an e-mail address, on desktop and phone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect


def test_health_answers_json(live_server: str) -> None:
    response = httpx.get(f"{live_server}/health", timeout=10)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert isinstance(response.json(), dict)


def test_signin_asks_for_email(
    page: Page, phone_page: Page, shot: Callable[[Page, str], Path]
) -> None:
    for view in (page, phone_page):
        view.goto("/signin")
        expect(view.locator('input[type="email"]')).to_be_visible()
    shot(page, "signin-desktop")
    shot(phone_page, "signin-phone")
