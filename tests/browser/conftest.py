"""Browser tests: the studio served live, driven in Debian's headless Chromium by Playwright.

Only run with ``-m browser`` (``make browser``); every test in this folder carries the marker.
Playwright never downloads a browser here: it launches the ``chromium`` that ``make sysdeps``
installs with apt.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from tests.support.live_server import serving

HERE = Path(__file__).parent
ARTIFACTS = HERE / "artifacts"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}

Shot = Callable[[Page, str], Path]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser ``browser`` before ``-m`` selects."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of Debian's chromium; fails, naming the fix, when it is not installed."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(path, os.X_OK):
        pytest.fail("Debian's chromium is not installed: `make sysdeps` installs it with apt")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Browser]:
    """One headless Chromium for the session."""
    args = ["--disable-dev-shm-usage"]  # containers often have a tiny /dev/shm
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to sandbox itself as root
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=args
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The studio on a free 127.0.0.1 port with a fresh data dir; yields its base URL."""
    from agent.config import Settings
    from web.app import create_app
    from web.config import WebSettings

    settings = Settings(data_dir=tmp_path_factory.mktemp("studio-data"), database_url=None)
    app = create_app(settings, WebSettings(host="127.0.0.1", secure_cookies=False))
    with serving(app, ready_path="/health", timeout=60) as url:
        yield url


def _new_page(
    browser: Browser, base_url: str, viewport: ViewportSize, *, mobile: bool = False
) -> Iterator[Page]:
    context = browser.new_context(
        base_url=base_url, viewport=viewport, is_mobile=mobile, has_touch=mobile
    )
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A fresh desktop page (1280×800, own cookies); ``page.goto("/signin")`` is relative."""
    yield from _new_page(browser, live_server, DESKTOP)


@pytest.fixture
def phone_page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A fresh phone page (390×844, mobile, touch); relative URLs as for ``page``."""
    yield from _new_page(browser, live_server, PHONE, mobile=True)


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shot:
    """``shot(page, name)`` saves a full-page screenshot, numbered in order, and returns it:
    tests/browser/artifacts/<test name>/<NN>-<name>.png (the folder is emptied per test)."""
    folder = ARTIFACTS / _slug(request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    taken = 0

    def save(page: Page, name: str) -> Path:
        nonlocal taken
        taken += 1
        path = folder / f"{taken:02d}-{_slug(name)}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


def _slug(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name)
