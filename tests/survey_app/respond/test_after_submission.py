"""After submission: the spent draft lapses soon on a coarse clock, the confirmation shows once."""

import re
from datetime import UTC, datetime, timedelta

from flask.sessions import SecureCookieSessionInterface

from survey_app.extensions import db
from survey_app.models import Draft, Response
from survey_app.services.drafts import spent_expiry
from tests.survey_app.walker import SLUG, begin, csrf_token, submit, walk

SIGNPOSTED = {"crime_type": {"crime_type": ["domestic_abuse"]}, "area": {"area": ["wirral"]}}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _session_of(client, app) -> dict:
    cookie = client.get_cookie("session")
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    return serializer.loads(cookie.value) if cookie else {}


def test_spent_expiry_is_the_quarter_hour_mark_15_to_30_minutes_ahead():
    assert spent_expiry(datetime(2026, 12, 1, 10, 7, 33, 123456)) == datetime(2026, 12, 1, 10, 30)
    assert spent_expiry(datetime(2026, 12, 1, 10, 15)) == datetime(2026, 12, 1, 10, 45)
    assert spent_expiry(datetime(2026, 12, 1, 10, 29, 59, 999999)) == datetime(2026, 12, 1, 10, 45)
    assert spent_expiry(datetime(2026, 12, 31, 23, 50, 1)) == datetime(2027, 1, 1, 0, 15)


def test_submitted_draft_lapses_within_half_an_hour_on_a_quarter_hour(client, synced):
    check, _ = walk(client, synced)
    before = _now()
    client.post(check.request.path, data={"csrf_token": csrf_token(check.text)})
    after = _now()
    with synced.app_context():
        draft = db.session.query(Draft).one()
        assert draft.status == "submitted"
        expires = draft.expires_at
        submitted_on = db.session.query(Response.submitted_on).scalar()
    assert (expires.minute % 15, expires.second, expires.microsecond) == (0, 0, 0)
    assert before + timedelta(minutes=15) - timedelta(seconds=1) < expires
    assert expires <= after + timedelta(minutes=30)
    assert submitted_on == before.date() or submitted_on == after.date()


def test_submitting_deletes_lapsed_drafts(client, synced):
    check, _ = walk(client, synced)  # (starting a draft deletes lapsed ones: start first)
    with synced.app_context():
        own = db.session.query(Draft.id).scalar()
    begin(synced.test_client())  # somebody else's draft, which then lapses
    with synced.app_context():
        other = db.session.query(Draft).filter(Draft.id != own).one()
        other.expires_at = _now() - timedelta(seconds=1)
        other_id = other.id
        db.session.commit()
    client.post(check.request.path, data={"csrf_token": csrf_token(check.text)})
    with synced.app_context():
        assert db.session.get(Draft, other_id) is None
        assert db.session.get(Draft, own).status == "submitted"


def test_confirmation_is_shown_once_then_a_neutral_page(client, synced):
    check, _ = walk(client, synced, overrides=SIGNPOSTED)
    done = submit(client, check)
    assert "National Domestic Abuse Helpline" in done.text
    shown = set(re.findall(r'<h3 class="govuk-heading-s[^"]*">([^<]+)</h3>', done.text))
    assert shown
    # The draft is gone from the cookie and from the database.
    assert "draft" not in _session_of(client, synced)
    with synced.app_context():
        assert db.session.query(Draft).count() == 0
        assert db.session.query(Response).count() == 1

    again = client.get(f"/s/{SLUG}/done")
    assert again.status_code == 200
    assert "Your answers have been sent" in again.text
    for name in shown:
        assert name not in again.text
    assert "Domestic" not in again.text and "Wirral" not in again.text
    assert 'href="/support"' in again.text
    assert "National Domestic Abuse Helpline" in client.get("/support").text


def test_confirmation_address_mid_journey_goes_to_the_start(client, synced):
    begin(client)
    response = client.get(f"/s/{SLUG}/done")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/s/{SLUG}/"
    assert "draft" in _session_of(client, synced)


def test_sending_again_after_a_lost_reply_lands_on_the_confirmation(client, synced):
    check, _ = walk(client, synced, overrides=SIGNPOSTED)
    token = csrf_token(check.text)
    assert client.post(check.request.path, data={"csrf_token": token}).status_code == 302
    # The reply was lost (a dropped connection): the browser sends the form again.
    again = client.post(check.request.path, data={"csrf_token": token})
    assert again.status_code == 302
    assert again.headers["Location"] == f"/s/{SLUG}/done"
    assert "National Domestic Abuse Helpline" in client.get(again.headers["Location"]).text
    with synced.app_context():
        assert db.session.query(Response).count() == 1
