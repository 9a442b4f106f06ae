"""Focus groups in a real browser: a researcher records a session, uploads a Word transcript,
checks the preview, confirms, and sees the staged turns beside the survey's answers. The session,
preview and delete-confirmation pages (and their error states) pass axe-core at 320 and 1280 px
without scrolling sideways, and the whole journey works with the keyboard alone, focus always
visible."""

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from survey_app.extensions import db
from survey_app.models import FocusSession, PendingImport, Segment
from tests.conftest import make_user
from tests.survey_app.browser.conftest import new_page, open_context
from tests.survey_app.browser.keyboard import KeyboardUser
from tests.survey_app.browser.page_checks import (
    WIDTHS,
    Checker,
    axe_failures,
    checking_context,
    reflow_failures,
)
from tests.survey_app.browser.staff_journey import click, sign_in
from tests.transcript_files import docx

pytestmark = pytest.mark.browser

TRANSCRIPT = [
    "Jane (Facilitator): Welcome. Thinking about what happened, did you report it to the police?",
    "SARAH JONES: I rang 101 twice. Ring me on 07700 900123 if you need to.",
    "tom - I never reported it. Sarah knows why.",
    "Jane: After reporting, were you offered support from a service?",
    "PRECIOUS",
    "Victim Support rang me. My worker Bernadette was brilliant. Shaz came too.",
    "Facilitator: How have you coped since it happened?",
    "Tom O'Neill: Counselling helped me cope.",
]


@pytest.fixture(scope="module")
def synced_live(live_app):
    from survey_app.services.definitions import sync_definitions

    with live_app.app_context():  # the topic guide too: live_app syncs questionnaires only
        sync_definitions(Path(live_app.config["QUESTIONNAIRES_DIR"]), date.today())
    yield live_app
    with live_app.app_context():
        db.session.execute(delete(Segment).where(Segment.session_ref.is_not(None)))
        db.session.execute(delete(PendingImport))
        db.session.commit()


@pytest.fixture(scope="module")
def transcript_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("upload") / "liverpool-focus-group.docx"
    path.write_bytes(docx(TRANSCRIPT))
    return path


@pytest.fixture(scope="module")
def focus_walk(browser, live_server, synced_live, transcript_file):
    _, email = make_user(synced_live, "researcher", "walker@example.org")
    context, page, recorder = checking_context(browser, live_server)
    checker = Checker()
    sign_in(page, email)
    page.goto("/research/")
    click(page, "link", "Focus groups and workshops")
    checker.visit("sessions, none yet", page)
    click(page, "link", "Record a session")
    checker.visit("new session", page)
    page.get_by_label("Date it was held").fill("next Tuesday")
    click(page, "button", "Record the session")
    checker.visit("new session with errors", page)
    page.get_by_label("Date it was held").fill("2015-03-04")
    page.get_by_label("Area").select_option("liverpool")
    page.get_by_label("Domestic abuse").check()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("How consent was obtained").select_option("written")
    click(page, "button", "Record the session")
    checker.visit("session, no transcript", page)
    click(page, "button", "Upload and preview")
    checker.visit("session, upload error", page)
    page.get_by_label("Transcript file").set_input_files(str(transcript_file))
    click(page, "button", "Upload and preview")
    assert "Check the transcript before storing it" in page.content()
    checker.visit("preview", page)
    page.get_by_label("Add something to replace").fill("x")
    click(page, "button", "Update the preview")
    checker.visit("preview with an error", page)
    page.get_by_label("Add something to replace").fill("Shaz")
    click(page, "button", "Update the preview")
    checker.visit("preview updated", page)
    click(page, "button", "Store 7 turns")
    checker.visit("session with turns", page)
    text = page.content()
    click(page, "link", "Delete this transcript")
    checker.visit("delete the transcript", page)
    click(page, "link", "Cancel")
    click(page, "link", "Change the session's details")
    checker.visit("edit session", page)
    page.goto("/research/sessions")
    checker.visit("sessions", page)
    context.close()
    return checker, recorder, text


def test_the_walk_stores_the_staged_turns_and_shows_them_beside_the_survey(focus_walk, synced_live):
    checker, _, session_page = focus_walk
    assert len(checker.labels()) == 12
    assert "Reporting: 3 turns" in session_page
    assert "The survey's answers about reporting" in session_page
    assert "[redacted] came too" in session_page
    for name in ("Sarah", "Jones", "Tom", "Precious", "Jane", "07700", "Shaz"):
        assert name not in session_page
    with synced_live.app_context():
        session = db.session.scalar(select(FocusSession).where(FocusSession.area == "liverpool"))
        stages = [
            (s.speaker, s.stage)
            for s in db.session.scalars(
                select(Segment).where(Segment.session_ref == session.id).order_by(Segment.turn)
            )
        ]
    assert stages == [
        ("Facilitator", "reporting"),
        ("P1", "reporting"),
        ("P2", "reporting"),
        ("Facilitator", "engagement"),
        ("P3", "engagement"),
        ("Facilitator", "recovery"),
        ("P2", "recovery"),
    ]


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: f"{width}px")
def test_no_focus_group_page_has_axe_violations(focus_walk, width):
    assert not (failures := axe_failures(focus_walk[0].pages, width)), failures


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: f"{width}px")
def test_no_focus_group_page_scrolls_sideways(focus_walk, width):
    assert not (wide := reflow_failures(focus_walk[0].pages, width)), wide


def test_focus_group_pages_break_no_csp_rule(focus_walk):
    recorder = focus_walk[1]
    assert recorder.third_party() == []
    assert recorder.csp_violations() == []
    assert recorder.page_errors == []


def test_a_keyboard_user_records_a_session_uploads_marks_a_section_and_confirms(
    browser, live_server, synced_live, transcript_file
):
    _, email = make_user(synced_live, "researcher", "keys@example.org")
    context, recorder = open_context(browser, live_server)
    page = new_page(context, recorder)
    sign_in(page, email)
    page.goto("/research/sessions/new")
    user = KeyboardUser(page)
    user.answer(
        {
            "held_on": ["2015-03-05"],
            "area": ["Wirral"],
            "crime_types": ["hate_crime"],
            "consent_obtained": ["yes"],
            "consent_method": ["Verbal consent, recorded"],
        },
        submit="Record the session",
    )
    assert "Focus group, Wirral, 2015-03-05" in page.content()
    user.tab_to(lambda el: el["id"] == "transcript")
    with page.expect_file_chooser() as chooser:
        user.press("Space")
    chooser.value.set_files(str(transcript_file))
    user.press_button("Upload and preview")
    assert "Check the transcript before storing it" in page.content()
    # Turn 5 (P3 on support) marked as the start of "Coping and recovery", by typing its name.
    user.tab_to(lambda el: el["name"] == "mark-5")
    user.type("Coping")
    user.press_button("Update the preview")
    assert "The preview shows your changes" in page.content()
    user.press_button("Store 7 turns")
    assert "Transcript stored: 7 turns." in page.content()
    assert user.invisible_focus == []
    with synced_live.app_context():
        session = db.session.scalar(select(FocusSession).where(FocusSession.area == "wirral"))
        stages = [
            s.stage
            for s in db.session.scalars(
                select(Segment).where(Segment.session_ref == session.id).order_by(Segment.turn)
            )
        ]
    assert stages == ["reporting"] * 3 + ["engagement", "recovery", "recovery", "recovery"]
    context.close()
