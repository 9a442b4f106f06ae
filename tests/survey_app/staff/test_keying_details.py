"""Small things that save keyers time: a year alone for month-and-year questions, routing flags
in the save message and on a list, a link to reconcile, the real serial prefix in the hint and
question numbers in error summaries."""

import re
from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from survey_app.extensions import db
from survey_app.models import PaperCopy, Response
from survey_app.questionnaire import AnswerError
from survey_app.services import exports, paper, questionnaires
from tests.survey_app.staff.test_paper import (
    SLUG,
    first_choice_question,
    key,
    print_copies,
    signed_in,
)


def month_year(app):
    with app.app_context():
        definition = questionnaires.find_questionnaire(SLUG).definition
        return next(q for q in definition.questions if q.type == "month_year")


def test_a_year_alone_is_accepted_when_keying_paper_but_not_online(app, synced):
    question = month_year(app)
    year = str(date.today().year - 1)
    keyed = paper.parse_question(question, MultiDict({question.year_field: year}))
    assert keyed.value == (int(year), None)
    assert question.display(keyed) == f"{year} (no month)"
    assert question.coded(keyed) == year
    with pytest.raises(AnswerError, match="must include a month"):
        question.parse(MultiDict({question.year_field: year}))


def test_a_copy_keyed_with_a_year_alone_is_final_and_exported_with_the_year(app, synced):
    question = month_year(app)
    admin, keyer = signed_in(app, "admin"), signed_in(app, "entry")
    serial = print_copies(app, admin, count=1, double=False)[0]
    year = str(date.today().year - 1)
    saved = key(keyer, serial, {question.year_field: year})
    assert "outcome=final" in saved.headers["Location"], saved.text
    with app.app_context():
        response = db.session.get(Response, db.session.get(PaperCopy, serial).response_id)
        stored = next(a for a in response.answers if a.question == question.name)
        assert stored.value == [int(year), None]
        header, rows = exports.rows(questionnaires.find_questionnaire(SLUG))
        assert dict(zip(header, rows[0], strict=True))[question.name] == year


def skipped_question(app):
    """A single-choice question the routing skips when nothing before it is answered."""
    with app.app_context():
        definition = questionnaires.find_questionnaire(SLUG).definition
        numbers = paper.question_numbers(definition)
        question = next(
            q
            for q in definition.questions
            if q.type == "single_choice" and not definition.is_relevant(q, {})
        )
        return question.name, question.choices[0].form_value, numbers[question.name]


def test_routing_flags_show_in_the_save_message_and_on_the_list_of_flagged_final_forms(app, synced):
    admin, keyer = signed_in(app, "admin"), signed_in(app, "entry")
    flagged, clean = print_copies(app, admin, count=2, double=False)
    name, code, number = skipped_question(app)
    saved = key(keyer, flagged, {name: code})
    message = keyer.get(saved.headers["Location"]).text
    banner = message.split('class="govuk-notification-banner ')[1].split("<h1")[0]
    assert "Routing flag" in banner
    assert f"Question {number} was answered, but the routing says" in banner
    key(keyer, clean, {})
    dashboard = admin.get(f"/staff/paper/{SLUG}/").text
    listed = dashboard.split("Final forms with routing flags")[1].split("<h2")[0]
    assert f"{flagged}: question {number}" in listed
    assert clean not in listed


def test_after_a_mismatch_the_save_message_links_to_reconcile(app, synced):
    admin = signed_in(app, "admin")
    first, second = signed_in(app, "entry"), signed_in(app, "entry")
    serial = print_copies(app, admin, count=1)[0]
    name, codes = first_choice_question(app)
    key(first, serial, {name: codes[0]})
    saved = key(second, serial, {name: codes[1]})
    message = second.get(saved.headers["Location"]).text
    assert f'href="/staff/reconcile/{serial}">Reconcile {serial} now</a>' in message
    # The serial box keeps the focus for the next form: the banner does not take it.
    assert 'data-disable-auto-focus="true"' in message
    assert re.search(r'id="serial"[^>]*autofocus', message)


def test_the_serial_hint_and_format_error_show_the_real_prefix(app, synced):
    admin, keyer = signed_in(app, "admin"), signed_in(app, "entry")
    serial = print_copies(app, admin, count=1)[0]
    prefix = serial.split("-")[0]
    assert prefix != "VES"
    page = keyer.get("/staff/entry/").text
    assert re.search(rf"for example {prefix}-000123-\d", page)
    assert "VES-" not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    wrong = keyer.post("/staff/entry/", data={"csrf_token": token, "serial": "hello"})
    assert re.search(rf"like {prefix}-000123-\d", wrong.text)
    assert "VES-" not in admin.get("/staff/admin/records/").text


def test_error_summaries_name_the_question_number(app, synced):
    admin, keyer = signed_in(app, "admin"), signed_in(app, "entry")
    serial = print_copies(app, admin, count=1, double=False)[0]
    question = month_year(app)
    with app.app_context():
        number = paper.question_numbers(questionnaires.find_questionnaire(SLUG).definition)[
            question.name
        ]
    shown = key(keyer, serial, {question.month_field: "13", question.year_field: "2020"})
    summary = shown.text.split("govuk-error-summary__list")[1].split("</ul>")[0]
    assert f"Question {number}: Month must be between 1 and 12" in summary
