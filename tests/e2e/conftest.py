"""End-to-end fixtures: the app served on 127.0.0.1 by the test, a real SMTP server, headless Chromium.

- ``live_server``: a second app built with ``create_app`` on the *same database* as the session
  ``app`` fixture (SQLite file or the throw-away PostgreSQL server), served by werkzeug's
  ``make_server`` on a free port in a background thread.  Its mail goes to ``smtp_server``.
- ``smtp_server``: aiosmtpd on 127.0.0.1 (free port) that keeps every message it receives.
- ``browser``: one headless Chromium per session (Debian's ``chromium`` and ``chromium-driver``,
  started with the flags of the developer guide and a fresh profile); per test a :class:`Browser`
  helper with its own download folder and screenshot folder (``artifacts/e2e/<test>/NN-step.png``).
  A test fails on any SEVERE browser console entry (checked at every step and at the end) and on
  any exception raised inside the served app.
- ``demo``: the demo district (Huyện ủy Phụng Hiệp) loaded for the test; the root conftest empties
  the database after every test, so every journey starts from the same data.

Without ``/usr/bin/chromium`` or ``/usr/bin/chromedriver`` the tests are skipped locally and fail
in CI (``CI=true``), where a skipped journey would hide a broken machine.
"""

from __future__ import annotations

import base64
import email
import os
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from pathlib import Path

import pytest
from flask import Flask, got_request_exception
from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app
from app.demo.catalog import DEMO_PASSWORD
from app.extensions import db
from config import TestingConfig
from tests.plugins.net import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
#: The developer guide's flags, exactly; a fresh --user-data-dir is added per session.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
)
WINDOW = (1366, 900)
WAIT_SECONDS = 15


def pytest_collection_modifyitems(config, items):
    """Every test in this folder is a browser test (``-m "not browser"`` leaves them out)."""
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.browser)


_PHASE_REPORTS = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's outcome so the browser fixture can screenshot a failed test."""
    report = yield
    item.stash.setdefault(_PHASE_REPORTS, {})[report.when] = report
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a journey's last step, a console error or a server exception fails the test itself."""
    result = yield
    helper = item.funcargs.get("browser")
    if isinstance(helper, Browser):
        helper.check()
    return result


# =============================================================================================
# Tools: the browser and its driver must exist
# =============================================================================================


def _missing_browser() -> str | None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(path)]
    if missing:
        return (f"{', '.join(missing)} not found: install Debian's chromium and chromium-driver "
                f"(make test does when run as root)")
    return None


@pytest.fixture(scope="session")
def browser_available() -> None:
    reason = _missing_browser()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


# =============================================================================================
# SMTP: a real local mail server
# =============================================================================================


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def text(self) -> str:
        """The plain-text body (the first text/plain part), decoded."""
        part = self.message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""


class MailSink:
    """aiosmtpd handler that keeps every message; tests wait for what they expect to arrive."""

    def __init__(self) -> None:
        self.messages: list[ReceivedMail] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=policy.default)
        with self._arrived:
            self.messages.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._arrived:
            self.messages.clear()

    def wait_for(self, count: int, timeout: float = 10) -> list[ReceivedMail]:
        """At least ``count`` messages, waiting up to ``timeout`` seconds for them to arrive."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._arrived.wait(left)
            return list(self.messages)


@dataclass
class SmtpServer:
    host: str
    port: int
    sink: MailSink


@pytest.fixture(scope="session")
def smtp_server(browser_available):
    from aiosmtpd.controller import Controller

    sink = MailSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, sink)
    finally:
        controller.stop()


@pytest.fixture
def mailbox(smtp_server) -> MailSink:
    """The SMTP server's messages, emptied for this test."""
    smtp_server.sink.clear()
    yield smtp_server.sink
    smtp_server.sink.clear()


# =============================================================================================
# The live server
# =============================================================================================


@dataclass
class LiveServer:
    url: str
    app: Flask
    #: Exceptions raised inside the served app (each one would be a 500 for the user).
    errors: list[str] = field(default_factory=list)


class QuietRequestHandler(WSGIRequestHandler):
    """Log only failed requests (4xx/5xx): the page loads of a journey are noise in a failure report."""

    def log_request(self, code="-", size="-"):
        if str(code).isdigit() and int(code) >= 400:
            super().log_request(code, size)


@pytest.fixture(scope="session")
def live_server(app, smtp_server, tmp_path_factory):
    """The app on 127.0.0.1:<free port>, on the session app's database, mailing the local SMTP server."""
    served = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        UPLOAD_DIR=str(tmp_path_factory.mktemp("e2e-uploads")),
        SCHEDULER_LOCK_FILE=str(tmp_path_factory.mktemp("e2e-lock") / "scheduler.lock"),
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
        MAIL_SUPPRESS_SEND=False,
        MAIL_USE_TLS=False,
        MAIL_USE_SSL=False,
    )
    server = make_server("127.0.0.1", 0, served, threaded=True, request_handler=QuietRequestHandler)
    live = LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=served)
    served.config["BASE_URL"] = live.url

    def remember(sender, exception, **extra):
        live.errors.append(f"{type(exception).__name__}: {exception}")

    got_request_exception.connect(remember, served, weak=False)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        thread.join(timeout=10)
        got_request_exception.disconnect(remember, served)
        with served.app_context():
            db.engine.dispose()


@pytest.fixture
def demo(app):
    """The demo district, committed so that the live server sees it (the root conftest empties it after)."""
    from app.demo.seed import seed_demo_district

    summary = seed_demo_district()
    db.session.commit()
    return summary


# =============================================================================================
# The browser
# =============================================================================================


@pytest.fixture(scope="session")
def chromium(browser_available, tmp_path_factory):
    """One headless Chromium for the session (fresh profile); each test gets its own cookies and downloads."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    downloads = tmp_path_factory.mktemp("chromium-downloads")
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads),
        "download.prompt_for_download": False,
        "download.directory_upgrade": True,
    })
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.set_window_size(*WINDOW)
    try:
        yield driver
    finally:
        driver.quit()


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")[:120] or "test"


class ConsoleError(AssertionError):
    """The page wrote a SEVERE entry to the browser console."""


def _is_gone(element: WebElement) -> bool:
    """Whether the page ``element`` belonged to has been replaced.  Besides the usual stale-element
    error, Chromium can answer a question about a node of a page being torn down with "Node with
    given id does not belong to the document": the same fact, not a failure."""
    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error):
            return True
        raise
    return False


class Browser:
    """A thin helper over the WebDriver: navigation that waits, screenshots per step, console checks."""

    def __init__(self, driver, live: LiveServer, shots: Path, downloads: Path):
        self.driver = driver
        self.live = live
        self.shots = shots
        self.downloads = downloads
        self.console: list[dict] = []
        self._step = 0

    # ---- navigation --------------------------------------------------------------------------

    def url(self, path: str = "/") -> str:
        return self.live.url + path

    @property
    def path(self) -> str:
        current = self.driver.current_url
        return current[len(self.live.url):] if current.startswith(self.live.url) else current

    def go(self, path: str) -> None:
        self.driver.get(self.url(path))
        self.wait_ready()

    def wait_ready(self) -> None:
        WebDriverWait(self.driver, WAIT_SECONDS).until(
            lambda d: d.execute_script("return document.readyState") == "complete")

    def navigating(self, action: Callable[[], None], *, accept_confirm: bool = False) -> None:
        """Run ``action`` (a click that submits or follows a link) and wait for the next page."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        action()
        if accept_confirm:
            self.accept_confirm()
        WebDriverWait(self.driver, WAIT_SECONDS).until(lambda _d: _is_gone(old))
        self.wait_ready()

    def click_and_wait(self, element_or_css: WebElement | str, *, accept_confirm: bool = False) -> None:
        element = self.find(element_or_css) if isinstance(element_or_css, str) else element_or_css
        self.navigating(lambda: self.click(element), accept_confirm=accept_confirm)

    def accept_confirm(self) -> str:
        """Accept the page's confirm() prompt (data-confirm forms) and return its message."""
        alert = WebDriverWait(self.driver, WAIT_SECONDS).until(EC.alert_is_present())
        text = alert.text
        alert.accept()
        return text

    # ---- finding and filling -----------------------------------------------------------------

    def find(self, css: str, within: WebElement | None = None) -> WebElement:
        root = within or self.driver
        try:
            return WebDriverWait(self.driver, WAIT_SECONDS).until(lambda d: root.find_element(By.CSS_SELECTOR, css))
        except TimeoutException:
            raise AssertionError(f"no element {css!r} on {self.path}") from None

    def find_all(self, css: str, within: WebElement | None = None) -> list[WebElement]:
        return (within or self.driver).find_elements(By.CSS_SELECTOR, css)

    def exists(self, css: str) -> bool:
        return bool(self.find_all(css))

    def scroll_to(self, element: WebElement) -> None:
        # 'instant': Bootstrap turns on smooth scrolling, and a click during the animation lands
        # on whatever is under the old position (ElementClickInterceptedException).
        self.driver.execute_script(
            "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)

    def click(self, element_or_css: WebElement | str) -> None:
        """Scroll the element to the middle of the window and click it like a user."""
        element = self.find(element_or_css) if isinstance(element_or_css, str) else element_or_css
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            self.scroll_to(element)
            try:
                element.click()
                return
            except ElementClickInterceptedException:
                # A layout still settling (fonts, a collapsing alert); the user would click again.
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def fill(self, css: str, text: str) -> WebElement:
        """Type into a field like a user (select all, replace)."""
        element = self.find(css)
        self.scroll_to(element)
        element.clear()
        element.send_keys(text)
        return element

    def paste(self, css: str, text: str) -> WebElement:
        """Paste a long text into a field: focus it and insert the text at once, as a paste does
        (trusted input events; typing a whole notice key by key would take long)."""
        element = self.find(css)
        self.scroll_to(element)
        element.clear()
        element.click()
        self.driver.execute_cdp_cmd("Input.insertText", {"text": text})
        return element

    def select_value(self, css: str, value: str) -> None:
        element = self.find(css)
        self.scroll_to(element)
        Select(element).select_by_value(value)

    def select_text(self, css: str, text: str) -> None:
        element = self.find(css)
        self.scroll_to(element)
        Select(element).select_by_visible_text(text)

    def set_date(self, css: str, day) -> None:
        """Set an ``<input type=date>``: Chromium shows it in the browser's locale (typing keys
        depends on it), so set the ISO value and fire the events a user's pick fires."""
        element = self.find(css)
        self.scroll_to(element)
        self.driver.execute_script(
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
            "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", element, day.isoformat())
        assert element.get_attribute("value") == day.isoformat()

    def text(self, css: str = "body") -> str:
        return self.find(css).text

    def wait_text(self, css: str, expected: str) -> None:
        try:
            WebDriverWait(self.driver, WAIT_SECONDS).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), expected))
        except TimeoutException:
            raise AssertionError(f"{expected!r} not shown in {css!r} on {self.path}: "
                                 f"{self.find_all(css)[0].text[:500] if self.exists(css) else '(missing)'}") from None

    # ---- accounts ----------------------------------------------------------------------------

    def login(self, email: str, password: str = DEMO_PASSWORD) -> None:
        self.logout()
        self.go("/login")
        self.fill("input[name=email]", email)
        self.fill("input[name=password]", password)
        self.click_and_wait("main form button[type=submit]")
        assert "/login" not in self.path, f"login as {email} failed: {self.text('main')[:300]}"

    def logout(self) -> None:
        """Forget the session (a new person at the same browser)."""
        self.driver.execute_cdp_cmd("Network.clearBrowserCookies", {})

    # ---- artefacts and checks ----------------------------------------------------------------

    def shot(self, step: str) -> Path:
        """Save ``NN-step.png`` and check the console and the server so far."""
        self._step += 1
        path = self.shots / f"{self._step:02d}-{_slug(step)}.png"
        path.write_bytes(self.full_page_png())
        self.check()
        return path

    def full_page_png(self, max_height: int = 6000) -> bytes:
        """The whole page (not only the viewport), cut at ``max_height`` CSS pixels."""
        metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        # Capturing beyond the viewport drops the vertical scrollbar, so the page is laid out at the
        # window's full width: clip at that width, not at the content width measured beside the bar.
        width = max(int(size["width"]), int(self.driver.execute_script("return window.innerWidth;")))
        clip = {"x": 0, "y": 0, "width": max(1, width), "height": max(1, min(int(size["height"]), max_height)),
                "scale": 1}
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True, "clip": clip})
        return base64.b64decode(shot["data"])

    def read_console(self) -> list[dict]:
        entries = self.driver.get_log("browser")
        self.console.extend(entries)
        return entries

    def severe(self) -> list[dict]:
        self.read_console()
        return [e for e in self.console if e.get("level") == "SEVERE"]

    def check(self) -> None:
        """Fail on any SEVERE console entry and on any exception raised in the served app."""
        errors = self.severe()
        if errors:
            lines = "\n".join(f"  {e.get('source', '')}: {e.get('message', '')}" for e in errors)
            raise ConsoleError(f"browser console errors (at {self.path}):\n{lines}")
        if self.live.errors:
            raise AssertionError("the served app raised: " + "; ".join(self.live.errors))

    def wait_download(self, suffix: str, timeout: float = 30) -> Path:
        """The downloaded file ending in ``suffix`` once Chromium has finished writing it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = [p for p in self.downloads.iterdir() if p.name.lower().endswith(suffix.lower())]
            partial = [p for p in self.downloads.iterdir() if p.name.endswith(".crdownload")]
            if done and not partial:
                return done[0]
            time.sleep(0.1)
        raise AssertionError(f"no {suffix} download in {timeout}s: {sorted(p.name for p in self.downloads.iterdir())}")

    # ---- viewport and media ------------------------------------------------------------------

    def phone(self, width: int = 375, height: int = 812) -> None:
        """Emulate a phone screen (CSS pixels, touch layout, the page's viewport meta honoured)."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})

    def desktop(self) -> None:
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def media(self, kind: str) -> None:
        """Emulate CSS media (``print`` or ``screen``; empty string restores the default)."""
        self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": kind})

    def printed_text(self) -> str:
        """The main content's rendered text (innerText skips what the current media hides)."""
        return self.driver.execute_script(
            "const main = document.querySelector('main'); return main ? main.innerText.trim() : '';")

    def scroll_width(self) -> int:
        """The page's width in CSS pixels (more than the viewport when something sticks out)."""
        return int(self.driver.execute_script("return document.documentElement.scrollWidth;"))

    def widest_elements(self, limit: int = 5) -> list[str]:
        """The elements that stick out to the right (to name them in a failure message)."""
        return self.driver.execute_script("""
            const width = document.documentElement.clientWidth, found = [];
            for (const el of document.querySelectorAll('body *')) {
              const r = el.getBoundingClientRect();
              if (r.right > width + 1 && r.width > 0) {
                let parent = el.parentElement, inside = false;
                while (parent) { if (parent.getBoundingClientRect().right > width + 1 &&
                                     getComputedStyle(parent).overflowX === 'visible') { inside = true; break; }
                                 parent = parent.parentElement; }
                if (!inside) found.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                  (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
                  ' right=' + Math.round(r.right));
              }
              if (found.length >= arguments[0]) break;
            }
            return found;""", limit)

    def close(self) -> None:
        """Leave the app (no request still running when the test empties the database)."""
        try:
            self.media("")
            self.desktop()
            self.driver.get("about:blank")
        except Exception:  # noqa: BLE001 - a dead browser must not hide the test's own result
            pass


@pytest.fixture
def browser(request, chromium, live_server, demo, mailbox) -> Browser:
    """Headless Chromium for one test: no cookies, an empty download folder, a fresh screenshot folder."""
    shots = ARTIFACTS / _slug(request.node.name)
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    downloads = Path(request.getfixturevalue("tmp_path")) / "downloads"
    downloads.mkdir()
    chromium.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    chromium.set_window_size(*WINDOW)
    chromium.get_log("browser")  # drop what an earlier test left behind
    live_server.errors.clear()
    helper = Browser(chromium, live_server, shots, downloads)
    yield helper
    reports = request.node.stash.get(_PHASE_REPORTS, {})
    failed = reports.get("call") is not None and reports["call"].failed
    if failed:
        try:
            chromium.save_screenshot(str(shots / "99-failure.png"))
            (shots / "99-failure.html").write_text(chromium.page_source, encoding="utf-8")
        except Exception:  # noqa: BLE001 - the failure itself is what matters
            pass
    leftover = [] if failed else helper.severe()
    server_errors = list(live_server.errors)
    helper.close()
    if leftover:
        pytest.fail("browser console errors: " + "; ".join(e.get("message", "") for e in leftover))
    if server_errors and not failed:
        pytest.fail("the served app raised: " + "; ".join(server_errors))
