"""Correcting a final paper record: admins only, a reason required, every change audited, the
export follows, and two people correcting at once do not overwrite each other unseen."""

import csv
import io
import re

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AuditEvent, PaperCopy, Response
from survey_app.services import exports, questionnaires
from tests.survey_app.staff.test_paper import (
    SLUG,
    first_choice_question,
    key,
    print_copies,
    signed_in,
    token,
)

START = "/staff/admin/records/"


def final_record(app, answers):
    """An admin client and the serial of a copy keyed once (single entry) and so final."""
    admin = signed_in(app, "admin")
    keyer = signed_in(app, "entry")
    serial = print_copies(app, admin, count=1, double=False)[0]
    assert "outcome=final" in key(keyer, serial, answers).headers["Location"]
    return admin, serial


def open_record(client, serial):
    """The correction form's URL, from the serial typed on the start page."""
    start = client.post(START, data={"csrf_token": token(client, START), "serial": serial})
    assert start.status_code == 302, start.text
    return start.headers["Location"]


def form_fields(page: str) -> dict:
    """The form as the browser would send it: the record's answers are already filled in."""
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"[^>]*checked', page))
    fields["lock_version"] = re.search(r'name="lock_version" value="([^"]*)"', page).group(1)
    fields["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    fields["save"] = "correction"  # the Save correction button
    return fields


def save_correction(client, url, data):
    """Send the correction; it shows the summary of the changes; confirm that (the button's
    value carries the summary's digest)."""
    summary = client.post(url, data=data)
    assert summary.status_code == 200 and "before saving" in summary.text, summary.text
    confirm = re.search(r'value="(confirm:[0-9a-f]+)"', summary.text).group(1)
    return client.post(url, data={**data, "save": confirm})


def stored(app, serial, name):
    with app.app_context():
        copy = db.session.get(PaperCopy, serial)
        response = db.session.get(Response, copy.response_id)
        return next((a.value for a in response.answers if a.question == name), None)


def test_an_admin_corrects_an_answer_with_a_reason_and_it_is_audited_and_exported(app, synced):
    name, codes = first_choice_question(app)
    admin, serial = final_record(app, {name: codes[0]})
    url = open_record(admin, serial)
    page = admin.get(url).text
    assert "Correct form" in page and f'value="{codes[0]}" checked' in page
    fields = {**form_fields(page), name: codes[1], "reason": "Keyed the wrong box; paper says 2"}
    saved = save_correction(admin, url, fields)
    assert saved.status_code == 302
    banner = admin.get(saved.headers["Location"]).text
    assert f"{serial} is corrected: 1 answer changed." in banner
    assert stored(app, serial, name) == codes[1]
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.serial == serial).order_by(AuditEvent.id)
        ).all()
        change, why = events[-2], events[-1]
        assert (change.action, change.field) == ("response.correct", name)
        assert codes[0] in change.old_value and codes[1] in change.new_value
        assert change.actor_email and change.response_id
        assert (why.action, why.new_value) == (
            "response.correct.reason",
            "Keyed the wrong box; paper says 2",
        )
        found = questionnaires.find_questionnaire(SLUG)
        rows = list(csv.DictReader(io.StringIO(exports.export(found, "csv").decode("utf-8-sig"))))
        assert len(rows) == 1 and codes[1] in rows[0].values()


def test_a_correction_without_a_reason_or_without_a_change_saves_nothing_and_keeps_the_typing(
    app, synced
):
    name, codes = first_choice_question(app)
    admin, serial = final_record(app, {name: codes[0]})
    url = open_record(admin, serial)
    fields = form_fields(admin.get(url).text)
    no_reason = admin.post(url, data={**fields, name: codes[2], "reason": "  "})
    assert no_reason.status_code == 200
    assert "Enter why the record is being corrected" in no_reason.text
    assert re.search(rf'value="{codes[2]}"\s+checked', no_reason.text)
    unchanged = admin.post(url, data={**fields, "reason": "checked it"})
    assert "Nothing was saved: these answers are the same" in unchanged.text
    too_long = admin.post(url, data={**fields, name: codes[2], "reason": "x" * 501})
    assert "500 characters or fewer" in too_long.text
    assert stored(app, serial, name) == codes[0]


def test_two_admins_correcting_at_once_the_second_is_told_and_sees_what_they_typed(app, synced):
    name, codes = first_choice_question(app)
    first, serial = final_record(app, {name: codes[0]})
    second = signed_in(app, "admin")
    url = open_record(first, serial)
    first_fields = form_fields(first.get(url).text)
    second_fields = form_fields(second.get(url).text)
    saved = save_correction(first, url, {**first_fields, name: codes[1], "reason": "a"})
    assert saved.status_code == 302
    clash = save_correction(second, url, {**second_fields, name: codes[2], "reason": "b"})
    assert clash.status_code == 200 and "Someone else saved this form" in clash.text
    assert re.search(rf'value="{codes[2]}"\s+checked', clash.text)
    assert stored(app, serial, name) == codes[1]
    again = save_correction(second, url, {**form_fields(clash.text), "reason": "b"})
    assert again.status_code == 302
    assert stored(app, serial, name) == codes[2]


def test_only_final_records_of_printed_copies_and_only_admins(app, synced):
    admin = signed_in(app, "admin")
    serial = print_copies(app, admin, count=1, double=False)[0]
    not_final = admin.post(START, data={"csrf_token": token(admin, START), "serial": serial})
    assert "is not final yet" in not_final.text
    shown_at_record = admin.get(f"{START}{serial}").text
    assert "is not final yet" in shown_at_record
    # The serial box posts to the start page, not back to the record's address.
    assert f'action="{START}"' in shown_at_record
    wrong_digit = serial[:-1] + str((int(serial[-1]) + 1) % 10)
    mistyped = admin.post(START, data={"csrf_token": token(admin, START), "serial": wrong_digit})
    assert "check each digit" in mistyped.text
    keyer = signed_in(app, "entry")
    assert keyer.get(START).status_code == 403
    assert keyer.get(f"{START}{serial}").status_code == 403


def questions_stored(app, serial):
    with app.app_context():
        copy = db.session.get(PaperCopy, serial)
        response = db.session.get(Response, copy.response_id)
        return {a.question: (a.state, a.value) for a in response.answers}


def test_correcting_a_routing_answer_adds_and_removes_the_questions_it_routes_to(app, synced):
    admin, serial = final_record(app, {"reported": "no"})
    assert "reported_to" not in questions_stored(app, serial)  # not asked: no row
    url = open_record(admin, serial)
    fields = form_fields(admin.get(url).text)
    asked = {**fields, "reported": "yes", "reported_to": "police", "reason": "misread"}
    assert save_correction(admin, url, asked).status_code == 302
    rows = questions_stored(app, serial)
    assert rows["reported_to"] == ("answered", ["police"])
    assert rows["how_reported"][0] == "skipped"  # now asked, blank on paper
    back = {**form_fields(admin.get(url).text), "reason": "it was right before"}
    back.pop("reported_to")
    back["reported"] = "no"
    assert save_correction(admin, url, back).status_code == 302
    assert {"reported_to", "how_reported"}.isdisjoint(questions_stored(app, serial))
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.serial == serial, AuditEvent.field == "reported_to")
        ).all()
        added, removed = events[-2:]
        assert added.old_value is None and "police" in added.new_value
        assert "police" in removed.old_value and removed.new_value is None


def test_a_correction_shows_a_summary_of_its_changes_before_saving(app, synced):
    name, codes = first_choice_question(app)
    admin, serial = final_record(app, {name: codes[0]})
    url = open_record(admin, serial)
    page = admin.get(url).text
    # Questions to jump to: a link to each, also without JavaScript.
    assert f'href="#question-{name}"' in page
    fields = {**form_fields(page), name: codes[1], "reason": "paper says so"}
    summary = admin.post(url, data=fields)
    assert stored(app, serial, name) == codes[0]  # not saved yet
    with app.app_context():
        definition = questionnaires.find_questionnaire(SLUG).definition
        question = definition.question(name)
        number = [q.name for q in definition.questions].index(name) + 1
        before, after = (question.choice_label(c) for c in codes[:2])
    listed = summary.text.split('id="changes"')[1].split("</ul>")[0]
    assert re.search(rf"Q{number}</a>: {re.escape(before)} → {re.escape(after)}", listed), listed
    assert re.search(r'value="confirm:[0-9a-f]+"', summary.text)
    # Answers changed after the summary was shown: summarised again, not saved unseen.
    confirm = re.search(r'value="(confirm:[0-9a-f]+)"', summary.text).group(1)
    changed = admin.post(url, data={**fields, name: codes[2], "save": confirm})
    assert "the answers changed after the summary was shown" in changed.text
    assert stored(app, serial, name) == codes[0]
    assert save_correction(admin, url, {**fields, name: codes[2]}).status_code == 302
    assert stored(app, serial, name) == codes[2]
