"""Paper flow with real users: print, key twice blind, reconcile, export, audit; locking."""

import csv
import io
import re

import pytest
from sqlalchemy import text

from survey_app.auth import LAST_SEEN
from survey_app.extensions import db
from survey_app.models import AnswerRow, AuditEvent, PaperCopy, QuestionnaireRow, Response
from survey_app.paper.serials import check_serial, make_serial, serial_problem
from survey_app.services import exports, questionnaires
from tests.conftest import PASSWORD, make_user, sign_in

SLUG = "victims-experience"


def token(client, path):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def signed_in(app, role):
    client = app.test_client()
    _, email = make_user(app, role)
    assert sign_in(client, email).status_code == 302
    return client


def print_copies(app, admin, count=2, double=True):
    page = f"/staff/paper/{SLUG}/"
    if double:
        admin.post(
            f"/staff/paper/{SLUG}/double-entry",
            data={"csrf_token": token(admin, page), "double_entry": "yes"},
        )
    response = admin.post(
        f"/staff/paper/{SLUG}/print", data={"csrf_token": token(admin, page), "copies": str(count)}
    )
    assert response.status_code == 302
    batch_page = admin.get(response.headers["Location"])
    return re.findall(r"<li><a [^>]*>([A-Z]+-\d+-\d)<", batch_page.text)


#: What pressing the Save button sends once the keyer has confirmed that most questions are
#: blank on the paper (these tests key a few answers only).
SAVE = {"save": "with-blanks"}
RECONCILE = {"save": "reconciliation"}


def key(client, serial, answers, save=SAVE):
    start = client.post(
        "/staff/entry/", data={"csrf_token": token(client, "/staff/entry/"), "serial": serial}
    )
    assert start.status_code == 302, start.text
    form_url = start.headers["Location"]
    form = client.get(form_url)
    version = re.search(r'name="lock_version" value="([^"]*)"', form.text).group(1)
    data = {"csrf_token": token(client, form_url), "lock_version": version, **save, **answers}
    return client.post(form_url, data=data)


def first_choice_question(app):
    with app.app_context():
        definition = questionnaires.find_questionnaire(SLUG).definition
        question = next(q for q in definition.questions if q.type == "single_choice")
        return question.name, [c.form_value for c in question.choices]


def test_serials_carry_a_check_digit_that_catches_typing_errors():
    serial = make_serial("VES", 123)
    assert check_serial(serial.lower().replace("-", " ")) == serial
    digits = serial.replace("-", "")
    mistyped = digits[:-2] + str((int(digits[-2]) + 1) % 10) + digits[-1]
    assert serial_problem(mistyped) == "check-digit"
    swapped = digits[:4] + digits[5] + digits[4] + digits[6:]
    assert swapped == digits or serial_problem(swapped) == "check-digit"
    assert serial_problem("hello") == "format"


def test_double_entry_reconciliation_export_and_audit(app, synced):
    admin = signed_in(app, "admin")
    first, second = signed_in(app, "entry"), signed_in(app, "entry")
    serial, _ = print_copies(app, admin)
    name, codes = first_choice_question(app)

    assert key(first, serial, {name: codes[0]}).status_code == 302
    # The same person cannot key it again; a mistyped check digit is explained.
    again = first.post(
        "/staff/entry/", data={"csrf_token": token(first, "/staff/entry/"), "serial": serial}
    )
    assert "You have already keyed" in again.text
    bad = serial[:-1] + str((int(serial[-1]) + 1) % 10)
    wrong = first.post(
        "/staff/entry/", data={"csrf_token": token(first, "/staff/entry/"), "serial": bad}
    )
    assert "check each digit" in wrong.text
    # Blind: the second keyer's form shows nothing of the first entry.
    form = second.post(
        "/staff/entry/", data={"csrf_token": token(second, "/staff/entry/"), "serial": serial}
    )
    assert "checked" not in second.get(form.headers["Location"]).text
    saved = key(second, serial, {name: codes[1]})
    assert "outcome=discrepancies" in saved.headers["Location"]

    # Not final yet: not in the export.
    with app.app_context():
        assert exports.rows(questionnaires.find_questionnaire(SLUG))[1] == []

    page = f"/staff/reconcile/{serial}"
    shown = admin.get(page)
    assert "First keying" in shown.text and "Second keying" in shown.text
    version = re.search(r'name="lock_version" value="(\d+)"', shown.text).group(1)
    done = admin.post(
        page,
        data={
            "csrf_token": token(admin, page),
            "lock_version": version,
            f"settle-{name}": "first",
            **RECONCILE,
        },
    )
    assert done.status_code == 302

    with app.app_context():
        header, table = exports.rows(questionnaires.find_questionnaire(SLUG))
        assert len(table) == 1
        record = dict(zip(header, table[0], strict=True))
        assert record["channel"] == "paper"
        assert record[name] == codes[0]
        events = db.session.query(AuditEvent).filter_by(serial=serial).all()
        reconciled = [e for e in events if e.action == "reconcile"]
        assert [e.field for e in reconciled] == [name]
        assert codes[1] in reconciled[0].old_value and codes[0] in reconciled[0].new_value
        assert {e.action for e in events} >= {"entry.create", "reconcile", "response.final"}
        copy = db.session.get(PaperCopy, serial)
        assert copy.final_via == "reconciled"

    dashboard = admin.get(f"/staff/paper/{SLUG}/").text
    assert "Error rate: " in dashboard
    assert admin.get(f"/staff/admin/audit?serial={serial}").status_code == 200


def test_single_entry_is_final_at_once_and_flags_routing(app, synced):
    admin = signed_in(app, "admin")
    keyer = signed_in(app, "entry")
    serial = print_copies(app, admin, count=1, double=False)[0]
    saved = key(keyer, serial, {})
    assert "outcome=final" in saved.headers["Location"]
    third = signed_in(app, "entry")
    refused = third.post(
        "/staff/entry/", data={"csrf_token": token(third, "/staff/entry/"), "serial": serial}
    )
    assert "already been keyed and is final" in refused.text
    # Opened at the form's own address, the refusal's serial box still posts to the start page,
    # so typing another serial there works.
    at_form = third.get(f"/staff/entry/{serial}")
    assert "already been keyed and is final" in at_form.text
    other = print_copies(app, admin, count=1, double=False)[0]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', at_form.text).group(1)
    before_serial_box = at_form.text.split('name="serial"')[0]
    action = re.findall(r'<form method="post" action="([^"]+)"', before_serial_box)[-1]
    moved_on = third.post(action, data={"csrf_token": csrf, "serial": other})
    assert moved_on.headers["Location"].endswith(f"/staff/entry/{other}")


def test_unknown_serial_is_reported(app, synced):
    keyer = signed_in(app, "entry")
    response = keyer.post(
        "/staff/entry/",
        data={"csrf_token": token(keyer, "/staff/entry/"), "serial": make_serial("ZZZ", 5)},
    )
    assert "No printed copy has the serial number" in response.text


def test_second_of_two_simultaneous_saves_is_refused_and_nothing_is_lost(app, synced):
    admin = signed_in(app, "admin")
    keyer = signed_in(app, "entry")
    serial = print_copies(app, admin, count=1)[0]
    name, codes = first_choice_question(app)
    key(keyer, serial, {name: codes[0]})
    url = f"/staff/entry/{serial}"
    tab_one = keyer.get(url).text
    version = re.search(r'name="lock_version" value="(\d+)"', tab_one).group(1)
    csrf = token(keyer, url)
    assert (
        keyer.post(
            url, data={"csrf_token": csrf, "lock_version": version, name: codes[1], **SAVE}
        ).status_code
        == 302
    )
    clash = keyer.post(
        url, data={"csrf_token": csrf, "lock_version": version, name: codes[2], **SAVE}
    )
    assert clash.status_code == 200
    assert "Someone else saved this form" in clash.text
    assert f'value="{codes[2]}" checked' in clash.text or re.search(
        rf'value="{codes[2]}"\s+checked', clash.text
    )


def test_audit_trail_cannot_be_changed_or_deleted(app, synced):
    admin = signed_in(app, "admin")
    print_copies(app, admin, count=1, double=False)
    with app.app_context():
        assert db.session.query(AuditEvent).count() >= 1
        for statement in ("UPDATE audit_event SET action = 'forged'", "DELETE FROM audit_event"):
            with pytest.raises(Exception, match="append-only"):
                db.session.execute(text(statement))
                db.session.commit()
            db.session.rollback()
        assert db.session.query(AuditEvent).filter_by(action="forged").count() == 0


def test_export_shows_paper_and_online_channels_in_csv(app, synced):
    admin = signed_in(app, "admin")
    keyer = signed_in(app, "entry")
    serial = print_copies(app, admin, count=1, double=False)[0]
    key(keyer, serial, {})
    with app.app_context():
        found = questionnaires.find_questionnaire(SLUG)
        data = exports.export(found, "csv").decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(data)))
        assert [r["channel"] for r in rows] == ["paper"]
        assert db.session.query(QuestionnaireRow).one().paper_prefix


def skipped_single_choice(app):
    """A single-choice question the routing skips when nothing before it is answered."""
    with app.app_context():
        definition = questionnaires.find_questionnaire(SLUG).definition
        question = next(
            q
            for q in definition.questions
            if q.type == "single_choice" and not definition.is_relevant(q, {})
        )
        return question.name, [c.form_value for c in question.choices]


def test_routing_flags_show_on_reconciliation_and_go_into_the_export(app, synced):
    admin = signed_in(app, "admin")
    first, second = signed_in(app, "entry"), signed_in(app, "entry")
    serial, clean = print_copies(app, admin, count=2)
    flagged, flagged_codes = skipped_single_choice(app)
    name, codes = first_choice_question(app)
    # Both keyers record the answer that should have been skipped; they differ elsewhere.
    key(first, serial, {flagged: flagged_codes[0], name: codes[0]})
    key(second, serial, {flagged: flagged_codes[0], name: codes[1]})
    page = f"/staff/reconcile/{serial}"
    shown = admin.get(page)
    assert "Routing inconsistencies" in shown.text
    assert "should have been skipped (both keyings)" in shown.text
    version = re.search(r'name="lock_version" value="(\d+)"', shown.text).group(1)
    admin.post(
        page,
        data={
            "csrf_token": token(admin, page),
            "lock_version": version,
            f"settle-{name}": "first",
            **RECONCILE,
        },
    )
    key(first, clean, {})
    key(second, clean, {})
    with app.app_context():
        found = questionnaires.find_questionnaire(SLUG)
        records = list(
            csv.DictReader(io.StringIO(exports.export(found, "csv").decode("utf-8-sig")))
        )
        flags = sorted(r["routing_flags"] for r in records)
        assert flags == ["", flagged]


def test_a_form_sent_after_the_session_ended_is_kept_through_sign_in(app, synced):
    """A keyer who is signed out for being idle loses nothing: the form they send comes back
    on the sign-in page, survives a wrong password, and is saved after signing in."""
    admin = signed_in(app, "admin")
    keyer = app.test_client()
    _, email = make_user(app, "entry")
    sign_in(keyer, email)
    serial = print_copies(app, admin, count=1, double=False)[0]
    name, codes = first_choice_question(app)
    url = keyer.post(
        "/staff/entry/", data={"csrf_token": token(keyer, "/staff/entry/"), "serial": serial}
    ).headers["Location"]
    form = keyer.get(url).text
    version = re.search(r'name="lock_version" value="([^"]*)"', form).group(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    with keyer.session_transaction() as session:
        session[LAST_SEEN] -= app.config["STAFF_IDLE_MINUTES"] * 60 + 1

    sent = keyer.post(
        url, data={"csrf_token": csrf, "lock_version": version, name: codes[1], **SAVE}
    )
    assert sent.status_code == 200
    assert "You were signed out before this was saved" in sent.text
    assert f'name="kept:{name}" value="{codes[1]}"' in sent.text
    assert "csrf_token" not in re.findall(r'name="kept:([^"]+)"', sent.text)
    action = re.search(r'<form method="post" novalidate action="([^"]+)"', sent.text).group(1)
    assert action == f"/staff/login?next={url}"
    with app.app_context():
        assert db.session.query(Response).count() == 0  # nothing saved yet

    def sign_in_again(page, password):
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
        return keyer.post(action, data={**fields, "email": email, "password": password})

    wrong = sign_in_again(sent.text, "not the password")
    assert "Enter a correct email address and password" in wrong.text
    assert f'name="kept:{name}" value="{codes[1]}"' in wrong.text
    offer = sign_in_again(wrong.text, PASSWORD)
    assert offer.status_code == 200
    assert "Save what you entered" in offer.text
    assert f'<form method="post" action="{url}"' in offer.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', offer.text))
    assert fields[name] == codes[1] and fields["lock_version"] == version

    saved = keyer.post(url, data=fields)
    assert saved.status_code == 302 and "outcome=final" in saved.headers["Location"]
    with app.app_context():
        answer = db.session.query(AnswerRow).filter_by(question=name).one()
        assert str(answer.value) == codes[1]


def test_a_form_from_another_site_is_not_carried_through_sign_in(app, synced):
    """Without this browser's CSRF token the form never reaches the access check."""
    client = app.test_client()
    response = client.post("/staff/entry/VE-000001-0", data={"crime_type": "other"})
    assert response.status_code == 400
    assert "kept:" not in response.text


def test_passwords_are_not_carried_through_sign_in(app, client, login_as):
    login_as("admin")
    page = client.get("/staff/admin/users/new").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    with client.session_transaction() as session:
        session[LAST_SEEN] -= app.config["STAFF_IDLE_MINUTES"] * 60 + 1
    data = {"csrf_token": csrf, "email": "new@example.org", "password": "a new secret phrase"}
    sent = client.post("/staff/admin/users/new", data=data)
    assert 'name="kept:email" value="new@example.org"' in sent.text
    assert "a new secret phrase" not in sent.text


def reconcile_first(client, serial, name):
    page = f"/staff/reconcile/{serial}"
    shown = client.get(page)
    version = re.search(r'name="lock_version" value="(\d+)"', shown.text).group(1)
    data = {"csrf_token": token(client, page), "lock_version": version, **RECONCILE}
    assert client.post(page, data={**data, f"settle-{name}": "first"}).status_code == 302
    return shown.text


def test_a_keyer_who_settles_their_own_differences_is_recorded_and_shown(app, synced):
    """users.md: the officer who keyed first settles the differences from the paper. Allowed,
    but recorded as self-settled and listed on the dashboard; a third person's is not."""
    admin = signed_in(app, "admin")
    first, second = signed_in(app, "entry"), signed_in(app, "entry")
    own, other = print_copies(app, admin)
    name, codes = first_choice_question(app)
    for serial in (own, other):
        key(first, serial, {name: codes[0]})
        key(second, serial, {name: codes[1]})
    assert "You keyed this form yourself" in reconcile_first(first, own, name)
    assert "You keyed this form yourself" not in reconcile_first(admin, other, name)
    with app.app_context():
        assert db.session.get(PaperCopy, own).final_via == "self-settled"
        assert db.session.get(PaperCopy, other).final_via == "reconciled"
        final = db.session.query(AuditEvent).filter_by(serial=own, action="response.final").one()
        assert "self-settled" in final.new_value
    dashboard = admin.get(f"/staff/paper/{SLUG}/").text
    assert "Settled by one of their own keyers" in dashboard
    listed = dashboard.split("Settled by one of their own keyers")[1].split("<h2")[0]
    assert own in listed and other not in listed
    assert re.search(r"of which settled by a keyer</th>", dashboard)
