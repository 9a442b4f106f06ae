"""Every staff and research page, error states included, passes the same axe-core rules as the
respondent pages at 320 and 1280 px; the walk requests nothing from another origin.

One walk (admin, a second keyer and a researcher, signing in through the real form) feeds every
test here."""

from dataclasses import dataclass

import pytest

from tests.survey_app.browser.page_checks import (
    WIDTHS,
    Checker,
    PageCheck,
    axe_failures,
    checking_context,
    reflow_failures,
)
from tests.survey_app.browser.staff_journey import walk_staff_pages

pytestmark = pytest.mark.browser

# Every page and error state the walk must reach, so that a shortened walk cannot pass.
EXPECTED_PAGES = {
    "sign in",
    "sign in with an error",
    "sign in with a notice",
    "staff home",
    "accounts",
    "create account",
    "create account with an error",
    "accounts with a notice",
    "change account",
    "questionnaires",
    "questionnaire dates",
    "questionnaire dates with an error",
    "paper questionnaires",
    "paper questionnaire",
    "paper questionnaire with a print error",
    "paper questionnaire with a returns error",
    "paper questionnaire with a notice and keying errors",
    "batch",
    "key a form",
    "key a form with an unknown serial",
    "key a form with a bad check digit",
    "key a form with a notice",
    "keying form",
    "keying form with an error",
    "keying form asking before saving blanks",
    "correct a record",
    "correction form",
    "correction form with an error",
    "correction form with a summary of changes",
    "correct a record with a notice",
    "sign in keeping a form",
    "save what you entered",
    "reconcile",
    "reconcile with an error",
    "audit trail",
    "research",
    "forbidden",
}


@dataclass
class StaffWalk:
    pages: list[PageCheck]
    recorder: object
    facts: dict


@pytest.fixture(scope="module")
def staff_walk(browser, live_server, live_app):
    """Walk every staff page once; on every page run axe and the reflow check at each width."""
    context, page, recorder = checking_context(browser, live_server)
    checker = Checker()
    facts = walk_staff_pages(page, live_app, checker.visit)
    context.close()
    return StaffWalk(checker.pages, recorder, facts)


def test_staff_walk_reaches_every_page_and_error_state(staff_walk):
    labels = {check.label for check in staff_walk.pages}
    assert labels >= EXPECTED_PAGES, f"never reached: {sorted(EXPECTED_PAGES - labels)}"
    errors = staff_walk.facts["errors"]
    assert "Enter a correct email address and password" in errors["sign in with an error"]
    assert "No printed copy" in errors["key a form with an unknown serial"]
    assert "check each digit" in errors["key a form with a bad check digit"]
    assert "Select what question" in errors["reconcile with an error"]
    assert "Enter why the record is being corrected" in errors["correction form with an error"]


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: f"{width}px")
def test_no_staff_page_has_axe_violations(staff_walk, width):
    assert not (failures := axe_failures(staff_walk.pages, width)), failures


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: f"{width}px")
def test_no_staff_page_scrolls_sideways(staff_walk, width):
    """WCAG 1.4.10 Reflow: at 320 CSS px nothing needs scrolling in two directions."""
    assert not (wide := reflow_failures(staff_walk.pages, width)), wide


def test_staff_walk_requests_only_the_apps_own_origin_and_breaks_no_csp_rule(staff_walk):
    assert staff_walk.recorder.requests, "no requests were recorded"
    assert staff_walk.recorder.third_party() == []
    assert staff_walk.recorder.csp_violations() == []
    assert staff_walk.recorder.page_errors == []
