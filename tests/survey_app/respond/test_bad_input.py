"""Bad input gets a clear message on the page, keeps what was given, and never a 500."""

from datetime import date

from survey_app.extensions import db
from survey_app.models import Questionnaire
from survey_app.services import questionnaires
from tests.survey_app.walker import SLUG, begin, csrf_token, walk


def _post(client, page, data):
    return client.post(page.request.path, data={"csrf_token": csrf_token(page.text), **data})


def test_unknown_option_value_is_refused_with_a_message(client, synced):
    first = begin(client)  # crime_type page
    response = _post(client, first, {"crime_type": ["made_up_value"], "action": "continue"})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "<title>Error: " in response.text
    assert 'href="#crime_type"' in response.text


def test_prefer_not_to_say_with_other_choices_is_an_error(client, synced):
    first = begin(client)
    response = _post(
        client, first, {"crime_type": ["hate_crime", "prefer-not-to-say"], "action": "continue"}
    )
    assert "There is a problem" in response.text
    # What was ticked is still ticked.
    assert 'value="hate_crime" checked' in response.text


def _page_with(client, app, question_name):
    """Walk until the page holding the named question, skipping everything before it."""
    from survey_app.services.questionnaires import find_questionnaire

    with app.app_context():
        definition = find_questionnaire(SLUG).definition
    target = definition.page_of(question_name).id
    page = begin(client)
    while f"/q/{target}" not in page.request.path:
        response = _post(client, page, {"action": "continue"})
        page = client.get(response.headers["Location"])
    return page


def test_oversized_text_is_refused_and_kept_on_the_page(client, synced):
    page = _page_with(client, synced, "anything_else")
    long_text = "word " * 1200  # 6,000 characters
    response = _post(client, page, {"anything_else": long_text, "action": "continue"})
    assert "There is a problem" in response.text
    assert "5,000 characters or fewer" in response.text
    assert "word word word" in response.text


def test_month_out_of_range_and_future_dates_are_refused(client, synced):
    page = _page_with(client, synced, "when_happened")
    bad_month = _post(
        client,
        page,
        {"when_happened-month": "13", "when_happened-year": "2024", "action": "continue"},
    )
    assert "There is a problem" in bad_month.text
    assert 'value="13"' in bad_month.text
    future = _post(
        client,
        page,
        {
            "when_happened-month": "1",
            "when_happened-year": str(date.today().year + 2),
            "action": "continue",
        },
    )
    assert "There is a problem" in future.text


def test_missing_csrf_token_keeps_typed_answers_and_explains(client, synced):
    page = _page_with(client, synced, "anything_else")
    response = client.post(
        page.request.path, data={"anything_else": "Please keep this text", "action": "continue"}
    )
    assert response.status_code == 200
    assert "Please keep this text" in response.text
    assert "session had ended" in response.text


def test_expired_session_starts_again_without_losing_the_page(client, synced):
    page = _page_with(client, synced, "anything_else")
    client.delete_cookie("session")
    response = client.post(
        page.request.path,
        data={"anything_else": "Typed before the session ended", "csrf_token": "stale"},
    )
    assert response.status_code == 200
    assert "Typed before the session ended" in response.text
    assert "session had ended" in response.text


def test_tampered_page_order_redirects_with_a_message(client, synced):
    begin(client)
    jumped = client.get(f"/s/{SLUG}/q/anything_else")
    assert jumped.status_code == 302
    follow = client.get(jumped.headers["Location"])
    assert "Answer the earlier questions first" in follow.text


def test_unknown_page_goes_to_the_next_question(client, synced):
    begin(client)
    response = client.get(f"/s/{SLUG}/q/no-such-page")
    assert response.status_code == 302
    assert "notice=not-asked" in response.headers["Location"]


def test_irrelevant_page_is_not_asked(client, synced):
    page = _page_with(client, synced, "reported")
    response = _post(client, page, {"reported": "no", "action": "continue"})
    assert response.status_code == 302
    reported_to = client.get(f"/s/{SLUG}/q/reported_to")
    assert reported_to.status_code == 302
    assert "notice=not-asked" in reported_to.headers["Location"]


def test_check_page_before_finishing_sends_you_back(client, synced):
    begin(client)
    response = client.get(f"/s/{SLUG}/check")
    assert response.status_code == 302
    assert "earlier-first" in response.headers["Location"]


def test_unknown_questionnaire_is_a_404_page(client, synced):
    response = client.get("/s/no-such-survey/")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_oversized_request_body_is_a_clear_413(client, synced):
    page = begin(client)
    response = client.post(
        page.request.path, data={"csrf_token": csrf_token(page.text), "x": "y" * 600_000}
    )
    assert response.status_code == 413
    assert "too large" in response.text


def test_closed_questionnaire_says_so_and_accepts_nothing(client, synced):
    check, _ = walk(client, synced)
    with synced.app_context():
        row = db.session.query(Questionnaire).filter_by(slug=SLUG).one()
        questionnaires.set_dates(row, None, date(2020, 1, 1))
    start = client.get(f"/s/{SLUG}/")
    assert "This questionnaire is closed" in start.text
    assert "Start now" not in start.text
    refused = client.post(check.request.path, data={"csrf_token": csrf_token(check.text)})
    assert refused.status_code == 302
    assert refused.headers["Location"].endswith(f"/s/{SLUG}/")
    assert SLUG not in client.get("/").text


def test_questionnaire_not_yet_open_says_when_it_opens(client, synced):
    with synced.app_context():
        row = db.session.query(Questionnaire).filter_by(slug=SLUG).one()
        questionnaires.set_dates(row, date(2099, 1, 1), None)
    start = client.get(f"/s/{SLUG}/")
    assert "It opens on 1 January 2099" in start.text


def test_expired_session_on_a_page_that_needs_earlier_answers_starts_again(client, synced):
    page = _page_with(client, synced, "reported")
    _post(client, page, {"reported": "yes", "action": "continue"})
    client.delete_cookie("session")
    response = client.post(
        f"/s/{SLUG}/q/reported_to", data={"reported_to": "police", "csrf_token": "stale"}
    )
    assert response.status_code == 302
    assert "notice=started-again" in response.headers["Location"]
    assert "session had ended" in client.get(response.headers["Location"]).text
