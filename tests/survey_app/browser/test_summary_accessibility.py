"""The research summary page (charts, tables, filters with an error, the segments behind a
count) and the method page pass axe-core at 320 and 1280 px, do not scroll sideways, and break
no CSP rule."""

import pytest

from tests.conftest import make_user
from tests.survey_app.browser.page_checks import (
    WIDTHS,
    Checker,
    axe_failures,
    checking_context,
    reflow_failures,
)
from tests.survey_app.browser.staff_journey import sign_in
from tests.survey_app.research import summary_data

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def summary_walk(browser, live_server, live_app):
    from datetime import date
    from pathlib import Path

    from survey_app.services.definitions import sync_definitions

    with live_app.app_context():  # the codebook too: live_app syncs questionnaires only
        sync_definitions(Path(live_app.config["QUESTIONNAIRES_DIR"]), date.today())
        summary_data.build()
    _, email = make_user(live_app, "researcher")
    context, page, recorder = checking_context(browser, live_server)
    checker = Checker()
    sign_in(page, email)
    page.goto("/research/summary")
    checker.visit("summary", page)
    page.get_by_label("Crime type", exact=True).select_option("domestic_abuse")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    assert "crime_type=domestic_abuse" in page.url
    checker.visit("summary filtered", page)
    page.get_by_label("Submitted on or after", exact=True).fill("not a date")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    checker.visit("summary with an error", page)
    page.goto("/research/victims-experience/summary?area=atlantis")  # an edited link
    assert "Select an area from the list" in page.locator("#area-error").inner_text()
    checker.visit("summary with a menu's error", page)
    page.goto("/research/summary")
    with page.expect_navigation():
        page.locator('a[href*="theme=believed_taken_seriously"]').first.click()
    checker.visit("segments behind a count", page)
    page.goto("/research/victims-experience/method")
    assert page.locator("h1").inner_text() == "Method"
    checker.visit("method", page)
    context.close()
    return checker, recorder


def test_summary_walk_reaches_its_pages(summary_walk):
    checker, _ = summary_walk
    assert checker.labels() == {
        "summary",
        "summary filtered",
        "summary with an error",
        "summary with a menu's error",
        "segments behind a count",
        "method",
    }


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: f"{width}px")
def test_no_summary_page_has_axe_violations(summary_walk, width):
    assert not (failures := axe_failures(summary_walk[0].pages, width)), failures


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: f"{width}px")
def test_no_summary_page_scrolls_sideways(summary_walk, width):
    assert not (wide := reflow_failures(summary_walk[0].pages, width)), wide


def test_summary_pages_break_no_csp_rule(summary_walk):
    recorder = summary_walk[1]
    assert recorder.third_party() == []
    assert recorder.csp_violations() == []
    assert recorder.page_errors == []
