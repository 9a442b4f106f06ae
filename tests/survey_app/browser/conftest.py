"""Browser fixtures: the app served over real HTTP on 127.0.0.1, and headless Debian Chromium.

The server is shared by the package's tests (package scope); each test gets a fresh browser
context (no cookies, no cache) that records every request and console message, and its page answers
any request for another origin with a stub page, so no test ever reaches the network.
"""

import base64
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from survey_app.services.questionnaires import sync_questionnaires
from tests.conftest import empty_tables, make_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Belt and braces: even a request that escaped routing could not resolve another host.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
OFF_SITE_STUB = (
    "<!DOCTYPE html><html lang=en><link rel=icon href=data:,><title>Off site</title>"
    "<h1>Off site</h1></html>"
)


@pytest.fixture(scope="package")
def live_app(migrated):
    """An app over the run's migrated database with the shipped questionnaires synced."""
    app = make_app(migrated)
    with app.app_context():
        sync_questionnaires(Path(app.config["QUESTIONNAIRES_DIR"]), date.today())
    yield app
    empty_tables(app)


@pytest.fixture(scope="package")
def live_server(live_app):
    """The app served by werkzeug in a thread on a free port; yields its origin."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@dataclass
class Recorder:
    """Everything a context did: requests made, off-site requests stubbed, console and errors."""

    origin: str
    requests: list[str] = field(default_factory=list)
    off_site: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def third_party(self) -> list[str]:
        """Requests to any origin but the app's (the stubbed ones included)."""
        return sorted({url for url in self.requests if not self.is_own(url)})

    def is_own(self, url: str) -> bool:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}" == self.origin

    def csp_violations(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m]


def open_context(browser, origin: str, width: int = 1280, **options):
    """A new context at the given viewport width that records every request it makes.

    Open its pages with `new_page(context, recorder)`."""
    context = browser.new_context(
        viewport={"width": width, "height": 800}, base_url=origin, **options
    )
    context.set_default_timeout(10_000)
    recorder = Recorder(origin)
    context.on("request", lambda request: recorder.requests.append(request.url))
    return context, recorder


def new_page(context, recorder: Recorder, stub_off_site: bool = False):
    """A page whose console and script errors go to the recorder.

    Any request for another host fails inside Chromium (--host-resolver-rules), so nothing
    reaches the network either way. With stub_off_site, off-site requests instead get a stub
    page, so that a navigation off site (the quick exit) completes and can be asserted on. This
    uses the DevTools Fetch domain rather than page.route(), because Playwright's routing never
    sees the hops of a redirect, and the quick exit is a redirect to another site."""
    page = context.new_page()
    page.on("console", lambda message: recorder.console.append(message.text))
    page.on("pageerror", lambda error: recorder.page_errors.append(str(error)))
    if not stub_off_site:
        return page
    session = context.new_cdp_session(page)
    stub = base64.b64encode(OFF_SITE_STUB.encode()).decode()

    def paused(event):
        url = event["request"]["url"]
        if recorder.is_own(url):
            session.send("Fetch.continueRequest", {"requestId": event["requestId"]})
            return
        recorder.off_site.append(url)
        session.send(
            "Fetch.fulfillRequest",
            {
                "requestId": event["requestId"],
                "responseCode": 200,
                "responseHeaders": [{"name": "Content-Type", "value": "text/html"}],
                "body": stub,
            },
        )

    session.on("Fetch.requestPaused", paused)
    session.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]})
    return page


@pytest.fixture
def browser_page(browser, live_server):
    """A page in a fresh JavaScript-enabled context at desktop width; yields (page, recorder)."""
    context, recorder = open_context(browser, live_server)
    yield new_page(context, recorder), recorder
    context.close()


@pytest.fixture
def exiting_page(browser, live_server):
    """Like browser_page, but off-site requests get a stub page instead of failing."""
    context, recorder = open_context(browser, live_server)
    yield new_page(context, recorder, stub_off_site=True), recorder
    context.close()
