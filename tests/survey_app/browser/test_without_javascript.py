"""With JavaScript turned off the questionnaire can still be completed, and the quick exit is a
plain link that leaves for the neutral site and ends the session."""

import pytest

from tests.survey_app.browser.conftest import new_page, open_context
from tests.survey_app.browser.journey import answer, definition_of, press_continue
from tests.survey_app.walker import SLUG, page_id_of

pytestmark = pytest.mark.browser


def open_without_javascript(browser, origin, stub_off_site=False):
    context, recorder = open_context(browser, origin, java_script_enabled=False)
    return context, new_page(context, recorder, stub_off_site), recorder


@pytest.fixture
def no_js(browser, live_server):
    """A page with JavaScript turned off."""
    context, page, recorder = open_without_javascript(browser, live_server)
    yield page, recorder
    context.close()


@pytest.fixture
def no_js_exiting(browser, live_server):
    """A page with JavaScript turned off whose off-site requests get a stub page."""
    context, page, recorder = open_without_javascript(browser, live_server, stub_off_site=True)
    yield page, recorder
    context.close()


def start(page):
    page.goto(f"/s/{SLUG}/")
    with page.expect_navigation():
        page.get_by_role("button", name="Start now").click()


def test_questionnaire_can_be_completed_without_javascript(no_js, live_app):
    page, recorder = no_js
    definition = definition_of(live_app)
    start(page)
    assert "js-enabled" not in page.locator("body").get_attribute("class")
    answered = []
    while (page_id := page_id_of(page.url)) is not None and len(answered) < 100:
        answer(page, definition)
        answered.append(page_id)
        press_continue(page)
    assert page.url.endswith(f"/s/{SLUG}/check")
    assert "Not answered" not in page.locator("main").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Send my answers").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Thank you")
    assert len(answered) > 10
    assert recorder.third_party() == []


def test_quick_exit_is_a_plain_link_that_leaves_and_ends_the_session(no_js_exiting, live_app):
    page, recorder = no_js_exiting
    start(page)
    answer(page, definition_of(live_app))
    press_continue(page)
    assert any(cookie["name"] == "session" for cookie in page.context.cookies())
    exit_link = page.locator("#quick-exit a")
    assert exit_link.evaluate("el => el.tagName") == "A"
    assert exit_link.get_attribute("href") == "/exit"
    with page.expect_navigation() as navigation:
        exit_link.click()
    exit_url = live_app.config["EXIT_URL"]
    assert page.url == exit_url
    assert navigation.value.request.redirected_from.url == f"{recorder.origin}/exit"
    assert recorder.off_site == [exit_url]
    assert not any(cookie["name"] == "session" for cookie in page.context.cookies())
