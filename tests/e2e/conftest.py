"""The browser-test harness: a live server, the system Chromium through Playwright, helpers.

Fixtures
- `live_server`: the base URL (http://127.0.0.1:<free port>) of uvicorn serving
  `create_app(settings)` in a background thread, against the same test database as the
  `session` fixture and the factories. One server per test process; the database is emptied
  after every test by the autouse fixture of tests/conftest.py, so create data with factories
  (they commit) before opening a page.
- `browser`: Playwright's Chromium, launched from /usr/bin/chromium (never a downloaded
  browser). Skipped when Chromium is absent, but a failure when CI=true.
- `phone_page` (360x740, mobile, touch), `laptop_page` (1366x850), `nojs_page` (phone with
  JavaScript off): fresh pages in fresh contexts whose `base_url` is the live server, so
  `page.goto("/login")` works.

Helpers (import them: `from tests.e2e.conftest import assert_accessible, shot, sign_in`)
- `assert_accessible(page)`: axe-core (from node_modules, never a CDN) with the WCAG 2.0,
  2.1 and 2.2 A and AA rules; fails listing every violation.
- `shot(page, name)`: a full-page PNG under test-artifacts/screenshots/.
- `sign_in(page, email, password)`: the staff sign-in form, as a person fills it.

Mark browser tests with `@pytest.mark.e2e`.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from baraza.app import create_app
from baraza.serving import NoDelayHTTPProtocol
from baraza.settings import PROJECT_ROOT, Settings
from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1366, "height": 850}


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _missing(reason: str) -> None:
    """Skip on a developer's machine; in CI a missing browser test is a failure."""
    if _in_ci():
        pytest.fail(f"{reason} (CI=true: browser tests must run)", pytrace=False)
    pytest.skip(reason)


# The live server ---------------------------------------------------------------------------------


class LiveServer:
    """uvicorn in a daemon thread on a socket we bound ourselves (no port race)."""

    def __init__(self, settings: Settings) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(settings)
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="on",
            # No websockets (Baraza has none); the HTTP protocol `baraza serve` uses, with
            # TCP_NODELAY: on this socket, which we bound ourselves, asyncio does not set it,
            # and a response written in two pieces would wait ~40 ms for the browser's ACK.
            ws="none",
            http=NoDelayHTTPProtocol,
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the live server thread stopped before it started")
            if time.monotonic() > deadline:
                raise RuntimeError("the live server did not start within 20 seconds")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture(scope="session")
def live_server(base_settings: Settings, engine: Engine) -> Iterator[str]:
    """The base URL of a running Baraza (one per test process, the tests' database)."""
    server = LiveServer(base_settings)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


# The browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _playwright() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - requirements-dev.txt installs it
        _missing("Playwright is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(_playwright: Any) -> Iterator[Any]:
    if not CHROMIUM.exists():
        _missing(f"browser tests need Chromium at {CHROMIUM}; `make test` installs it from Debian")
    chromium = _playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()


def _new_page(browser: Any, live_server: str, **context_args: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server, locale="en-GB", **context_args)
    context.set_default_timeout(10_000)
    page = context.new_page()
    # Collected so a test can assert that nothing was refused by the CSP or failed to load.
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None)  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def phone_page(browser: Any, live_server: str) -> Iterator[Any]:
    """A cheap Android phone: 360 px wide, touch."""
    yield from _new_page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=1)


@pytest.fixture
def laptop_page(browser: Any, live_server: str) -> Iterator[Any]:
    """An office laptop."""
    yield from _new_page(browser, live_server, viewport=LAPTOP)


@pytest.fixture
def nojs_page(browser: Any, live_server: str) -> Iterator[Any]:
    """A phone with JavaScript off: every page must still work."""
    yield from _new_page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)


# Helpers -----------------------------------------------------------------------------------------


# The PostgreSQL pass of `make test` (BARAZA_TEST_PASS=postgres) drives every flow again on
# PostgreSQL, but the pages' HTML is the same as in the SQLite pass, which ran axe-core on them
# and took their screenshots: this pass leaves out those two checks of the same HTML (each axe
# run is a second or so of Chromium's CPU, and the screenshots would overwrite the first ones).
SAME_PAGES_CHECKED = os.environ.get("BARAZA_TEST_PASS") == "postgres"


def assert_accessible(page: Any, *, disable: tuple[str, ...] = ()) -> None:
    """Run axe-core (WCAG 2.0/2.1/2.2, A and AA) on the page and fail listing violations.

    The script is evaluated through the DevTools protocol, which the page's CSP does not
    govern, so the test sees the page exactly as a visitor gets it (no `bypass_csp`).
    Needs JavaScript: not for `nojs_page`.
    """
    if SAME_PAGES_CHECKED:
        return
    if not AXE_JS.exists():
        _missing(f"axe-core is missing at {AXE_JS}; run `npm install` (make test does)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """async ([tags, disabled]) => {
            const rules = {};
            for (const id of disabled) rules[id] = {enabled: false};
            const result = await window.axe.run(document, {runOnly: {type: "tag", values: tags}, rules});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + "  " + n.html.slice(0, 160)),
            }));
        }""",
        [AXE_TAGS, list(disable)],
    )
    if violations:
        lines = [f"{page.url}: {len(violations)} accessibility violation(s)"]
        for v in violations:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
            lines.extend(f"    {node}" for node in v["nodes"])
        pytest.fail("\n".join(lines), pytrace=False)


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "page"
    path = SCREENSHOTS / f"{safe}.png"
    if not SAME_PAGES_CHECKED:
        page.screenshot(path=str(path), full_page=True)
    return path


def send_from_phone(page: Any, button: str = "main form button[type=submit]", *, javascript: bool = True) -> None:
    """Press a workshop phone's button as a person does. With JavaScript (workshops/static/live.js)
    the form goes by fetch and the phone's block comes back in its place, with no page load;
    without, the browser posts and loads the page the 303 names."""
    if not javascript:
        with page.expect_navigation():
            page.click(button)
        return
    page.evaluate("() => { window.sentFrom = document.querySelector('[data-follow]') }")
    page.click(button)
    page.wait_for_function("() => !document.contains(window.sentFrom)", timeout=15_000)


def sign_in(page: Any, email: str, password: str = PASSWORD) -> None:
    """Sign in through the form, as a person does, and wait for the page after it."""
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")
    assert "/login" not in page.url, f"sign-in as {email} failed: {page.url} {page.inner_text('main')}"


def assert_no_horizontal_scroll(page: Any) -> None:
    """Nothing wider than the viewport (a 360 px phone must not scroll sideways)."""
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"
