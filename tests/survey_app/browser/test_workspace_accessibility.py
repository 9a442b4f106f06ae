"""The coding workspace in Chromium: every page and error state passes axe-core at 320 and
1280 px and does not scroll sideways; a keyboard-only researcher searches, accepts a suggestion
with a button, and codes and decides with the shortcuts (static/workspace.js)."""

import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Coding
from tests.conftest import empty_tables, make_user
from tests.survey_app.browser.keyboard import KeyboardUser
from tests.survey_app.browser.page_checks import (
    WIDTHS,
    Checker,
    axe_failures,
    checking_context,
    reflow_failures,
)
from tests.survey_app.browser.staff_journey import click, error_summary, sign_in
from tests.survey_app.research.workspace_data import suggestion, survey_segment, turn

pytestmark = pytest.mark.browser
WALKED = {
    "workspace",
    "workspace filtered and searched",
    "workspace with an error",
    "segment",
    "segment with a memo error",
    "bulk confirmation",
    "bulk confirmation with an error",
    "review queue",
    "themes",
    "themes with an error",
}


@pytest.fixture(scope="module")
def workspace_data(live_app):
    from datetime import date
    from pathlib import Path

    from survey_app.services.definitions import sync_definitions

    # The server's database is shared by the package's tests: start from empty tables so that
    # other modules' segments and suggestions do not change the counts walked here.
    empty_tables(live_app)
    with live_app.app_context():  # the codebook too: live_app syncs questionnaires only
        sync_definitions(Path(live_app.config["QUESTIONNAIRES_DIR"]), date.today())
        ids = {
            "online": survey_segment(
                "Nobody kept me informed about the court date; a very long "
                "word-without-any-break-at-all-in-it-anywhere-whatsoever-indeed."
            ),
            "paper": survey_segment("The officer was rude.", channel="paper", stage="reporting"),
            "turn": turn("The counsellor helped me feel safe again.", number=2),
            "facilitator": turn("What helped you recover?", number=1, speaker="Facilitator"),
        }
        ids["suggestion"] = suggestion(ids["online"], "kept_informed", 0.55)
        ids["paper_suggestion"] = suggestion(ids["paper"], "officer_attitude", 0.6, ("rude",))
    return ids


@pytest.fixture(scope="module")
def workspace_walk(browser, live_server, live_app, workspace_data):
    ids = workspace_data
    _, email = make_user(live_app, "researcher")
    context, page, recorder = checking_context(browser, live_server)
    checker = Checker()
    errors = {}
    sign_in(page, email)
    page.goto("/research/workspace")
    checker.visit("workspace", page)
    page.get_by_label("Words", exact=True).fill("informed")
    page.get_by_label("Channel", exact=True).select_option("online")
    click(page, "button", "Show segments")
    assert "q=informed" in page.url
    assert page.locator("mark").first.inner_text() == "informed"
    checker.visit("workspace filtered and searched", page)
    page.goto("/research/workspace?stage=nonsense")
    errors["workspace"] = error_summary(page)
    checker.visit("workspace with an error", page)
    page.goto(f"/research/workspace/segments/{ids['online']}")
    checker.visit("segment", page)
    click(page, "button", "Add memo")
    errors["segment"] = error_summary(page)
    checker.visit("segment with a memo error", page)
    page.goto("/research/workspace/bulk/reject?stage=reporting")
    checker.visit("bulk confirmation", page)
    with live_app.app_context():  # the number changes before the researcher confirms
        suggestion(ids["paper"], "kept_informed", 0.4)
    click(page, "button", "Reject 1 suggestion")
    errors["bulk"] = error_summary(page)
    checker.visit("bulk confirmation with an error", page)
    page.goto("/research/workspace/review")
    checker.visit("review queue", page)
    page.goto("/research/workspace/themes")
    checker.visit("themes", page)
    click(page, "button", "Add memo")
    errors["themes"] = error_summary(page)
    checker.visit("themes with an error", page)
    context.close()
    return checker, recorder, errors


def test_the_walk_reaches_every_workspace_page_and_error(workspace_walk):
    checker, _, errors = workspace_walk
    assert checker.labels() == WALKED
    assert "Select a stage from the list" in errors["workspace"]
    assert "Enter a memo" in errors["segment"]
    assert "changed from 1 to 2" in errors["bulk"]
    assert "Enter a memo" in errors["themes"]


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: f"{width}px")
def test_no_workspace_page_has_axe_violations(workspace_walk, width):
    assert not (failures := axe_failures(workspace_walk[0].pages, width)), failures


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: f"{width}px")
def test_no_workspace_page_scrolls_sideways(workspace_walk, width):
    assert not (wide := reflow_failures(workspace_walk[0].pages, width)), wide


def test_workspace_pages_break_no_csp_rule(workspace_walk):
    recorder = workspace_walk[1]
    assert recorder.third_party() == []
    assert recorder.csp_violations() == []
    assert recorder.page_errors == []


def status_of(app, coding_id: str) -> str:
    with app.app_context():
        return db.session.get(Coding, coding_id).status


def test_a_keyboard_only_researcher_searches_decides_and_codes(
    browser, live_server, live_app, workspace_data
):
    ids = workspace_data
    with live_app.app_context():
        segment = survey_segment("Waiting for the trial was awful, nobody phoned.")
        first = suggestion(segment, "waiting_times", 0.5, ("waiting",))
        other = survey_segment("Waiting in the corridor with him there was frightening.")
        second = suggestion(other, "safety_security", 0.7, ("frightening",))
    _, email = make_user(live_app, "researcher")
    context, page, _ = checking_context(browser, live_server)
    sign_in(page, email)
    page.goto("/research/workspace?q=waiting")
    user = KeyboardUser(page)
    # Buttons, with Tab and Enter: accept the first card's suggestion.
    user.tab_to(lambda el: el["tag"] == "button" and el["text"].startswith("Accept"))
    with page.expect_navigation():
        user.press("Enter")
    accepted = [c for c in (first, second) if status_of(live_app, c) == "accepted"]
    assert len(accepted) == 1
    # Shortcuts: "j" to a card, "x" rejects its first suggestion.
    page.goto("/research/workspace?q=waiting")
    for _ in range(5):  # to the card that still has a suggestion
        user.press("j")
        assert page.evaluate("document.activeElement.hasAttribute('data-app-card')")
        if page.evaluate("!!document.activeElement.querySelector('[data-app-action=reject]')"):
            break
    with page.expect_navigation():
        user.press("x")
    pending = next(c for c in (first, second) if c not in accepted)
    assert status_of(live_app, pending) == "rejected"
    # "c" moves to the card's code list; pick a theme with the arrows, Tab to Add code.
    page.goto("/research/workspace?q=corridor")
    user.press("j")
    user.press("c")
    assert page.evaluate("document.activeElement.name") == "code"
    user.press("ArrowDown")
    user.tab_to(lambda el: el["text"] == "Add code")
    with page.expect_navigation():
        user.press("Enter")
    with live_app.app_context():
        people = db.session.scalars(
            select(Coding.theme).where(Coding.segment_id == other, Coding.user_id.is_not(None))
        ).all()
    assert len(people) == 1
    assert user.invisible_focus == []
    assert ids  # the shared data is there too
    context.close()


def test_without_javascript_a_researcher_codes_decides_and_confirms_in_bulk(
    browser, live_server, live_app, workspace_data
):
    from tests.survey_app.browser.conftest import new_page, open_context

    with live_app.app_context():
        segment = survey_segment("The interpreter never came, so nobody understood me.")
        pending = suggestion(segment, "accessibility_language", 0.8, ("interpreter",))
    _, email = make_user(live_app, "researcher")
    context, recorder = open_context(browser, live_server, java_script_enabled=False)
    page = new_page(context, recorder)
    sign_in(page, email)
    page.goto("/research/workspace?q=interpreter")
    card = page.locator(f"#segment-{segment}")
    card.get_by_label("Add a code").select_option("kept_informed")
    click(page, "button", "Add code")
    page.goto("/research/workspace/bulk/accept?q=interpreter")
    click(page, "button", "Accept 1 suggestion")
    assert "Suggestions 1 accepted." in page.locator(".govuk-notification-banner").inner_text()
    assert status_of(live_app, pending) == "accepted"
    with live_app.app_context():
        people = select(Coding.theme).where(
            Coding.segment_id == segment, Coding.user_id.is_not(None)
        )
        themes = set(db.session.scalars(people))
    assert themes == {"kept_informed"}
    context.close()
