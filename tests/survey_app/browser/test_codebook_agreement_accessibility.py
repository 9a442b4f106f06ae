"""The codebook and two-coder pages, error states included, pass axe-core at 320 and 1280 px and
do not scroll sideways; a coder codes and a researcher edits the codebook and settles a
disagreement with the keyboard alone, with the focus always visible.

A researcher edits the codebook and draws a sample; two coders code it blind (one is refused a
page while blind); the researcher settles on the agreement page."""

import pytest

from survey_app.extensions import db
from survey_app.models import CodingSample
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
from tests.survey_app.research.factories import make_online_response, text_answers

pytestmark = pytest.mark.browser

EXPECTED_PAGES = {
    "codebook",
    "add a theme",
    "add a theme with an error",
    "codebook with a notice",
    "choose a theme to edit",
    "choose a theme with an error",
    "edit a theme",
    "merge two themes",
    "merge with an error",
    "codebook history",
    "download the codebook",
    "download the codebook with an error",
    "two coders",
    "draw a sample",
    "draw a sample with an error",
    "two coders with a notice",
    "withdraw a sample",
    "assignment",
    "assignment saved",
    "closed while coding blind",
    "agreement",
    "agreement with an error",
    "agreement settled",
}
LABEL = "Feeling <b>safe</b> at home"


def setup_data(app) -> dict:
    """The codebook synced, six reporting answers, and three researchers."""
    from datetime import date
    from pathlib import Path

    from survey_app.services.definitions import sync_definitions

    with app.app_context():
        sync_definitions(Path(app.config["QUESTIONNAIRES_DIR"]), date.today())
        for i in range(6):
            make_online_response(
                text_answers(
                    crime_type=["burglary"],
                    area="sefton",
                    reported="yes",
                    reporting_experience=f"The call handler was calm and the officer came ({i}).",
                )
            )
    return {role: make_user(app, "researcher")[1] for role in ("lead", "a", "b")}


def sample_of(app) -> tuple[str, list[str]]:
    with app.app_context():
        sample = db.session.scalar(select_latest())
        from survey_app.services import samples

        return sample.id, samples.segment_ids(sample)


def select_latest():
    from sqlalchemy import select

    return select(CodingSample).order_by(CodingSample.created_at.desc()).limit(1)


def fill_select(page, label: str, value: str) -> None:
    page.get_by_label(label, exact=True).select_option(value)


@pytest.fixture(scope="module")
def workspace_walk(browser, live_server, live_app):
    people = setup_data(live_app)
    checker = Checker()
    recorders = []

    def context_for(email):
        context, page, recorder = checking_context(browser, live_server)
        recorders.append(recorder)
        sign_in(page, email)
        return context, page

    context, page = context_for(people["lead"])
    page.goto("/research/codebook")
    checker.visit("codebook", page)
    click(page, "link", "Add a theme")
    checker.visit("add a theme", page)
    page.get_by_label("Label", exact=True).fill(LABEL)
    click(page, "button", "Add the theme")
    checker.visit("add a theme with an error", page)
    page.get_by_label("Definition", exact=True).fill("Whether the person feels safe.")
    fill_select(page, "Stage", "recovery")
    click(page, "button", "Add the theme")
    checker.visit("codebook with a notice", page)
    # Typed markup shows as the characters typed (escaped), never as markup.
    assert page.get_by_role("heading", name=LABEL, exact=True).count() == 1
    assert page.locator("main b").count() == 0
    page.goto("/research/codebook/edit")
    checker.visit("choose a theme to edit", page)
    page.goto("/research/codebook/edit?theme=not_a_theme")
    checker.visit("choose a theme with an error", page)
    page.goto("/research/codebook/edit?theme=feeling_b_safe_b_at_home")
    checker.visit("edit a theme", page)
    page.goto("/research/codebook/merge")
    checker.visit("merge two themes", page)
    fill_select(page, "Theme to merge (it will be removed)", "peer_support")
    fill_select(page, "Theme to merge it into", "peer_support")
    click(page, "button", "Merge the themes")
    checker.visit("merge with an error", page)
    page.goto("/research/codebook/history")
    checker.visit("codebook history", page)
    page.goto("/research/codebook/export")
    checker.visit("download the codebook", page)
    page.goto("/research/codebook/export?version=99&format=qdc")
    checker.visit("download the codebook with an error", page)

    page.goto("/research/samples")
    checker.visit("two coders", page)
    click(page, "link", "Draw a new sample")
    checker.visit("draw a sample", page)
    click(page, "button", "Draw and assign the sample")
    checker.visit("draw a sample with an error", page)
    page.get_by_label("Name of the sample", exact=True).fill("Reporting, <i>double</i>")
    fill_select(page, "Stage", "reporting")
    page.get_by_label("Number of segments", exact=True).fill("4")
    page.get_by_label("Seed (optional)", exact=True).fill("7")
    fill_select(
        page,
        "First coder",
        page.locator("#coder_a option", has_text=people["a"]).get_attribute("value"),
    )
    fill_select(
        page,
        "Second coder",
        page.locator("#coder_b option", has_text=people["b"]).get_attribute("value"),
    )
    click(page, "button", "Draw and assign the sample")
    checker.visit("two coders with a notice", page)
    assert page.get_by_role("heading", name="Reporting, <i>double</i>").count() == 1
    assert page.locator("main i").count() == 0
    sample_id, segment_ids = sample_of(live_app)
    click(page, "link", "Withdraw Reporting, <i>double</i>")
    checker.visit("withdraw a sample", page)
    click(page, "link", "Cancel")

    for coder, themes in (("a", ["speed_of_response"]), ("b", [])):
        coder_context, coder_page = context_for(people[coder])
        coder_page.goto(f"/research/samples/code?sample={sample_id}")
        if coder == "a":
            checker.visit("assignment", coder_page)
        first = coder_page.locator(f"#segment-{segment_ids[0]}")
        for theme in themes:
            first.locator(f'input[value="{theme}"]').check()
        with coder_page.expect_navigation():
            first.get_by_role("button").click()
        if coder == "a":
            checker.visit("assignment saved", coder_page)
            coder_page.goto("/research/summary")
            checker.visit("closed while coding blind", coder_page)
            coder_page.goto(f"/research/samples/code?sample={sample_id}")
        click(coder_page, "button", "I have finished coding this sample")
        coder_context.close()

    page.goto(f"/research/samples/agreement?sample={sample_id}")
    checker.visit("agreement", page)
    card = page.locator(f"#d-{segment_ids[0]}-speed_of_response")
    with page.expect_navigation():
        card.get_by_role("button").click()
    checker.visit("agreement with an error", page)
    card = page.locator(f"#d-{segment_ids[0]}-speed_of_response")
    card.get_by_label("No, it does not").check()
    with page.expect_navigation():
        card.get_by_role("button").click()
    checker.visit("agreement settled", page)
    context.close()
    return checker, recorders, people, sample_id


def test_the_walk_reaches_every_page(workspace_walk):
    checker = workspace_walk[0]
    assert checker.labels() == EXPECTED_PAGES


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: f"{width}px")
def test_no_workspace_page_has_axe_violations(workspace_walk, width):
    assert not (failures := axe_failures(workspace_walk[0].pages, width)), failures


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: f"{width}px")
def test_no_workspace_page_scrolls_sideways(workspace_walk, width):
    assert not (wide := reflow_failures(workspace_walk[0].pages, width)), wide


def test_workspace_pages_break_no_csp_rule(workspace_walk):
    for recorder in workspace_walk[1]:
        assert recorder.third_party() == []
        assert recorder.csp_violations() == []
        assert recorder.page_errors == []


def keyboard_page(browser, live_server, email):
    context, recorder = open_context(browser, live_server)
    page = new_page(context, recorder)
    sign_in(page, email)
    return context, page, KeyboardUser(page)


def test_codebook_editing_coding_and_settling_by_keyboard_alone(
    browser, live_server, live_app, workspace_walk
):
    _checker, _recorders, people, _sample = workspace_walk
    # A researcher adds a theme with the keyboard.
    context, page, user = keyboard_page(browser, live_server, people["lead"])
    page.goto("/research/codebook/add")
    user.tab_to(lambda el: el["id"] == "label")
    user.type("Keyboard theme")
    user.tab_to(lambda el: el["id"] == "definition")
    user.type("Added without a mouse.")
    user.press_button("Add the theme")
    assert "Theme added" in page.locator("main").inner_text()
    assert page.get_by_role("heading", name="Keyboard theme").count() == 1
    # ... and draws a sample for the two coders (the select boxes by arrow keys).
    page.goto("/research/samples/new")
    user.tab_to(lambda el: el["id"] == "name")
    user.type("Keyboard sample")
    user.tab_to(lambda el: el["id"] == "size")
    user.press("Control+a")
    user.type("2")
    with live_app.app_context():
        from survey_app.services import samples

        emails = [u.email for u in samples.coders()]
    for field, who in (("coder_a", "a"), ("coder_b", "b")):
        user.tab_to(lambda el, field=field: el["id"] == field)
        for _ in range(emails.index(people[who]) + 1):  # past "Choose a person"
            user.press("ArrowDown")
    user.press_button("Draw and assign the sample")
    assert "Sample drawn and assigned: Keyboard sample" in page.locator("main").inner_text()
    context.close()
    sample_id, _ = sample_of(live_app)
    # The coders code blind with the keyboard: A ticks a theme, B none; both finish.
    for who in ("a", "b"):
        context, page, user = keyboard_page(browser, live_server, people[who])
        page.goto(f"/research/samples/code?sample={sample_id}")
        if who == "a":
            user.tab_to(lambda el: el["type"] == "checkbox")
            user.press("Space")
            assert user.focused()["checked"]
            user.tab_to(lambda el: el["tag"] == "button")
            with page.expect_navigation():
                user.press("Enter")
            assert "Saved." in page.locator("main").inner_text()
        user.press_button("I have finished coding this sample")
        assert "your codes are locked" in page.locator("main").inner_text()
        assert not user.invisible_focus, user.invisible_focus
        context.close()
    # The researcher settles the disagreement with the keyboard.
    context, page, user = keyboard_page(browser, live_server, people["lead"])
    page.goto(f"/research/samples/agreement?sample={sample_id}")
    assert "Disagreements (1)" in page.locator("main").inner_text()
    user.tab_to(lambda el: el["type"] == "radio" and el["value"] == "present")
    user.press("Space")
    user.tab_to(lambda el: el["tag"] == "button" and el["text"].startswith("Settle"))
    with page.expect_navigation():
        user.press("Enter")
    assert "Settled: the theme applies" in page.locator("main").inner_text()
    assert not user.invisible_focus, user.invisible_focus
    context.close()
