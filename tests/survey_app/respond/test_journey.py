"""A respondent completes the questionnaire with a plain HTTP client (no JavaScript)."""

from survey_app.extensions import db
from survey_app.models import Response
from tests.survey_app.walker import SLUG, begin, csrf_token, submit, walk


def test_index_lists_open_questionnaires(client, synced):
    page = client.get("/")
    assert page.status_code == 200
    assert f'href="/s/{SLUG}/"' in page.text


def test_start_page_explains_anonymity_skipping_and_999(client, synced):
    page = client.get(f"/s/{SLUG}/")
    assert "call 999" in page.text
    assert "Skip any you do not want to answer" in page.text
    assert "minutes" in page.text
    assert "Start now" in page.text


def test_completing_the_questionnaire_stores_one_response(client, synced):
    check, visited = walk(client, synced)
    assert check.request.path == f"/s/{SLUG}/check"
    assert "Check your answers" in check.text
    assert len(visited) > 5
    done = submit(client, check)
    assert "Thank you: your answers have been sent" in done.text
    with synced.app_context():
        responses = db.session.query(Response).all()
        assert len(responses) == 1
        assert responses[0].channel == "online"
        assert len(responses[0].id) == 32


def test_confirmation_signposts_services_for_crime_type_and_area(client, synced):
    check, _ = walk(
        client,
        synced,
        overrides={"crime_type": {"crime_type": ["domestic_abuse"]}, "area": {"area": ["wirral"]}},
    )
    done = submit(client, check)
    assert "National Domestic Abuse Helpline" in done.text


def test_submitting_twice_stores_once(client, synced):
    check, _ = walk(client, synced)
    token = csrf_token(check.text)
    first = client.post(check.request.path, data={"csrf_token": token})
    second = client.post(check.request.path, data={"csrf_token": token})
    assert first.status_code == 302
    assert second.status_code == 302
    with synced.app_context():
        assert db.session.query(Response).count() == 1


def test_every_question_can_be_skipped(client, synced):
    check, _ = walk(client, synced, answer_for=lambda question: {})
    assert "Not answered" in check.text or "Skipped" in check.text
    done = submit(client, check)
    assert done.status_code == 200


def test_change_link_returns_to_check_answers(client, synced):
    _check, visited = walk(client, synced)
    first_page = visited[0]
    change = client.get(f"/s/{SLUG}/q/{first_page}?return_to=check")
    assert change.status_code == 200
    assert 'name="return_to" value="check"' in change.text
    response = client.post(
        change.request.path,
        data={"csrf_token": csrf_token(change.text), "return_to": "check", "action": "continue"},
    )
    assert response.headers["Location"].endswith("/check")


def test_question_page_shows_section_progress_and_back_link(client, synced):
    first = begin(client)
    assert "Section 1 of" in first.text
    assert "govuk-back-link" in first.text
