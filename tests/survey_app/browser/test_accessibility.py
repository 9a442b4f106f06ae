"""Every respondent page, error states included, passes axe-core's WCAG 2.2 A/AA rules and reflows
at 320 px; the journey requests nothing from another origin and breaks no CSP rule.

One walk of the whole journey, checked at both widths on every page, feeds every test here."""

from dataclasses import dataclass

import pytest

from tests.survey_app.browser.journey import definition_of, walk_everything
from tests.survey_app.browser.page_checks import (
    WIDTHS,
    Checker,
    PageCheck,
    axe_failures,
    checking_context,
    reflow_failures,
)

pytestmark = pytest.mark.browser

# Pages every walk must reach, so that a shortened journey cannot pass by checking less.
EXPECTED_PAGES = {
    "index",
    "start",
    "question when with an error",
    "save for later",
    "your code",
    "resume",
    "resume with an error",
    "question when with a notice",
    "check your answers",
    "confirmation",
    "confirmation reloaded",
    "support",
    "privacy",
    "accessibility",
    "page not found",
    "session ended",
}


@dataclass
class Walk:
    pages: list[PageCheck]
    recorder: object
    facts: dict


@pytest.fixture(scope="module")
def walk(browser, live_server, live_app):
    """Walk the whole journey once; on every page run axe and the reflow check at each width."""
    context, page, recorder = checking_context(browser, live_server)
    checker = Checker()
    facts = walk_everything(page, definition_of(live_app), checker.visit)
    context.close()
    return Walk(checker.pages, recorder, facts)


def test_walk_reaches_every_kind_of_page_and_every_question_page(walk, live_app):
    labels = {check.label for check in walk.pages}
    assert labels >= EXPECTED_PAGES, f"never reached: {sorted(EXPECTED_PAGES - labels)}"
    every_page = {page.id for page in definition_of(live_app).pages}
    checked = {label.split()[1] for label in labels if label.startswith("question ")}
    assert checked == every_page, f"question pages never checked: {every_page - checked}"
    assert walk.facts["code"]
    assert "The date must include a year" in walk.facts["errors_seen"][0]


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: f"{width}px")
def test_no_page_has_axe_violations(walk, width):
    assert not (failures := axe_failures(walk.pages, width)), failures


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: f"{width}px")
def test_no_page_scrolls_sideways(walk, width):
    """WCAG 1.4.10 Reflow: at 320 CSS px nothing needs scrolling in two directions."""
    assert not (wide := reflow_failures(walk.pages, width)), wide


def test_journey_requests_only_the_apps_own_origin(walk):
    assert walk.recorder.requests, "no requests were recorded"
    assert walk.recorder.third_party() == []


def test_journey_breaks_no_content_security_policy_rule_and_raises_no_script_error(walk):
    assert walk.recorder.csp_violations() == []
    assert walk.recorder.page_errors == []
