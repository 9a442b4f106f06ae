"""Nothing half-keyed is saved: only the Save button (last in the form, never the form's default
button) saves, a post without it keeps what was typed unsaved, and a form saved with most of
its questions blank is only saved once the keyer confirms it."""

import re

import pytest

from survey_app.extensions import db
from survey_app.models import PaperEntry
from survey_app.services import questionnaires
from tests.survey_app.staff.test_paper import (
    SLUG,
    first_choice_question,
    print_copies,
    signed_in,
    token,
)


def open_form(app):
    """A keyer's client, the keying form's URL, its page and the first single-choice question."""
    admin = signed_in(app, "admin")
    keyer = signed_in(app, "entry")
    serial = print_copies(app, admin, count=1, double=False)[0]
    start = keyer.post(
        "/staff/entry/", data={"csrf_token": token(keyer, "/staff/entry/"), "serial": serial}
    )
    url = start.headers["Location"]
    return keyer, url, keyer.get(url).text


def sent(page: str, **fields) -> dict:
    version = re.search(r'name="lock_version" value="([^"]*)"', page).group(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return {"csrf_token": csrf, "lock_version": version, **fields}


def entries(app) -> int:
    with app.app_context():
        return db.session.query(PaperEntry).count()


def test_save_is_the_last_button_and_enter_presses_a_disabled_or_a_no_op_one(app, synced):
    _, _, page = open_form(app)
    form = page[page.index("data-app-keying-form") :]
    form = form[: form.index("</form>")]
    buttons = re.findall(r"<button[^>]*>", form)
    # HTML's implicit submission (Enter in a text box) presses the first submit button, and does
    # nothing when it is disabled; Chromium presses the first enabled one for Enter on a radio
    # button or tick box: that one sends save=enter, which saves nothing.
    assert "disabled" in buttons[0] and "hidden" in buttons[0]
    assert 'type="submit"' in buttons[0]
    assert 'value="enter"' in buttons[1] and "hidden" in buttons[1]
    assert len(buttons) == 3
    assert 'value="form"' in buttons[2] and 'name="save"' in buttons[2]
    assert form.rstrip().endswith("</button>"), "the Save button is not last"


@pytest.mark.parametrize("button", [{}, {"save": "enter"}], ids=["no button", "Enter's button"])
def test_a_post_without_the_save_button_saves_nothing_and_keeps_the_typing(app, synced, button):
    keyer, url, page = open_form(app)
    name, codes = first_choice_question(app)
    shown = keyer.post(url, data=sent(page, **button, **{name: codes[1]}))
    assert shown.status_code == 200
    assert "Nothing was saved: Enter does not save" in shown.text
    assert re.search(rf'value="{codes[1]}"\s+checked', shown.text)
    assert entries(app) == 0


def test_saving_with_most_questions_blank_asks_first_and_keeps_the_typing(app, synced):
    keyer, url, page = open_form(app)
    name, codes = first_choice_question(app)
    asked = keyer.post(url, data=sent(page, save="form", **{name: codes[1]}))
    assert asked.status_code == 200
    assert entries(app) == 0
    assert "Check before saving" in asked.text
    blank = re.search(r"Nothing was saved yet: (\d+) of the (\d+) questions", asked.text)
    assert blank and int(blank.group(1)) * 2 > int(blank.group(2))
    assert re.search(rf'value="{codes[1]}"\s+checked', asked.text)
    assert 'name="save"' in asked.text and 'value="with-blanks"' in asked.text
    assert f"Save form with {blank.group(1)} questions blank" in asked.text
    confirmed = keyer.post(url, data=sent(asked.text, save="with-blanks", **{name: codes[1]}))
    assert confirmed.status_code == 302
    assert entries(app) == 1


def test_a_form_mostly_keyed_saves_without_asking(app, synced):
    keyer, url, page = open_form(app)
    with app.app_context():
        definition = questionnaires.find_questionnaire(SLUG).definition
        fields = {q.name: q.choices[0].form_value for q in definition.questions if q.has_choices}
    saved = keyer.post(url, data=sent(page, save="form", **fields))
    assert saved.status_code == 302, re.findall(r"Nothing was saved[^<]*", saved.text)
    assert entries(app) == 1
