"""Save and come back later with a code: shown once, no email or name, expires, rate-limited."""

import re
from datetime import timedelta

from survey_app.extensions import db
from survey_app.models import Draft
from survey_app.services.drafts import CODE_ALPHABET, new_resume_code, normalise_code
from tests.conftest import make_app
from tests.survey_app.walker import SLUG, begin, csrf_token

CODE = re.compile(r"Your code is ([0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5})")


def _save(client):
    page = begin(client)
    response = client.post(
        page.request.path,
        data={"csrf_token": csrf_token(page.text), "crime_type": "hate_crime", "action": "save"},
    )
    assert response.headers["Location"].endswith(f"/s/{SLUG}/save")
    save_page = client.get(response.headers["Location"])
    assert "email" in save_page.text  # says we do not ask for one
    saved = client.post(f"/s/{SLUG}/save", data={"csrf_token": csrf_token(save_page.text)})
    match = CODE.search(saved.text)
    assert match, saved.text[:2000]
    return match.group(1)


def _resume(client, code):
    form = client.get("/resume")
    return client.post("/resume", data={"csrf_token": csrf_token(form.text), "code": code})


def test_code_has_at_least_64_bits_of_entropy():
    length = len(normalise_code(new_resume_code()).replace("-", ""))
    assert length * (len(CODE_ALPHABET).bit_length() - 1) >= 64


def test_saved_answers_come_back_with_the_code_on_another_device(app, synced):
    code = _save(app.test_client())
    other_device = app.test_client()
    response = _resume(other_device, code.lower().replace("-", " "))
    assert response.status_code == 302
    page = other_device.get(response.headers["Location"])
    assert "Welcome back" in page.text
    back = other_device.get(f"/s/{SLUG}/q/crime_type")
    assert 'value="hate_crime" checked' in back.text


def test_wrong_code_gets_a_clear_message(client, synced):
    response = _resume(client, "AAAAA-BBBBB-CCCCC")
    assert response.status_code == 200
    assert "not recognised or has expired" in response.text
    assert 'href="#code"' in response.text
    malformed = _resume(client, "hello")
    assert "exactly as it was shown" in malformed.text
    empty = _resume(client, "")
    assert "Enter the code" in empty.text


def test_expired_code_no_longer_works(app, synced):
    code = _save(app.test_client())
    with app.app_context():
        draft = db.session.query(Draft).one()
        draft.expires_at = draft.expires_at - timedelta(days=365)
        db.session.commit()
    response = _resume(app.test_client(), code)
    assert "not recognised or has expired" in response.text


def test_only_a_hash_of_the_code_is_stored(app, synced):
    code = _save(app.test_client())
    with app.app_context():
        draft = db.session.query(Draft).one()
        assert code not in repr(draft.__dict__)
        assert draft.resume_code_hash


def test_resume_attempts_are_rate_limited(migrated, synced):
    limited = make_app(migrated, RATELIMIT_ENABLED=True, RESUME_ATTEMPTS_PER_HOUR=3)
    client = limited.test_client()
    statuses = [_resume(client, "AAAAA-BBBBB-CCCCC").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]


def test_quick_exit_keeps_a_saved_draft_for_its_code(app, synced):
    client = app.test_client()
    code = _save(client)
    client.get("/exit")
    response = _resume(app.test_client(), code)
    assert response.status_code == 302


def test_lapsed_drafts_are_deleted_when_the_next_one_starts(app, synced):
    _save(app.test_client())
    with app.app_context():
        draft = db.session.query(Draft).one()
        draft.expires_at = draft.expires_at - timedelta(days=365)
        db.session.commit()
    begin(app.test_client())
    with app.app_context():
        assert db.session.query(Draft).count() == 1  # only the new one
