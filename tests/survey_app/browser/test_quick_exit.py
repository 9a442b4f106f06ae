"""GOV.UK "Exit this page" with JavaScript: Shift pressed three times leaves for the neutral site,
the session cookie is gone, and the back button cannot bring the answers back."""

import pytest

from tests.survey_app.browser.journey import fill_fields, press_continue
from tests.survey_app.walker import SLUG

pytestmark = pytest.mark.browser

SECRET_ANSWER = "Sentinel answer 7f3c typed before leaving"


def session_cookies(page) -> list[dict]:
    return [cookie for cookie in page.context.cookies() if cookie["name"] == "session"]


def reach_the_date_question(page) -> None:
    """Start, and answer the first two pages (crime type and area)."""
    page.goto(f"/s/{SLUG}/")
    with page.expect_navigation():
        page.get_by_role("button", name="Start now").click()
    fill_fields(page, {"crime_type": "domestic_abuse"})
    press_continue(page)
    fill_fields(page, {"area": "wirral"})
    press_continue(page)


def test_pressing_shift_three_times_leaves_and_ends_the_session(exiting_page, live_app):
    page, recorder = exiting_page
    reach_the_date_question(page)
    question_url = page.url
    page.locator('input[name="when_happened-year"]').fill("2024")
    assert session_cookies(page), "the journey should have a session cookie before leaving"
    # Focus stays in the year box: the presses count wherever focus is.
    with page.expect_navigation(url=live_app.config["EXIT_URL"]) as navigation:
        for _ in range(3):
            page.keyboard.press("Shift")
    assert page.url == live_app.config["EXIT_URL"]
    assert navigation.value.request.redirected_from.url == f"{recorder.origin}/exit"
    assert recorder.off_site == [live_app.config["EXIT_URL"]]
    assert session_cookies(page) == []

    page.go_back()
    page.wait_for_load_state("load")
    # The page was not kept: the server was asked again and, with no session, sent the start.
    assert page.url != question_url, "Back showed the question page again"
    assert page.url.endswith(f"/s/{SLUG}/")
    assert page.get_by_role("button", name="Start now").count() == 1
    values = page.eval_on_selector_all("input", "els => els.map(e => e.value)")
    assert "2024" not in values
    assert page.locator("input:checked").count() == 0


def test_question_pages_are_never_stored_by_the_browser(browser_page):
    page, _ = browser_page
    page.goto(f"/s/{SLUG}/")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Start now").click()
    assert navigation.value.headers["cache-control"] == "no-store"
