"""Bad input gets a clear message on the page, keeps what was given, and never a 500."""

from datetime import date, datetime

from survey_app.extensions import db
from survey_app.models import Draft, QuestionnaireRow
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


def test_missing_csrf_token_keeps_the_visitors_draft_and_saves_nothing(client, synced):
    page = _page_with(client, synced, "anything_else")
    cookie = client.get_cookie("session").value
    with synced.app_context():
        before = db.session.query(Draft.id, Draft.answers).one()
    response = client.post(
        page.request.path, data={"anything_else": "From a stale form", "csrf_token": "stale"}
    )
    assert response.status_code == 200
    assert "From a stale form" in response.text
    assert "Set-Cookie" not in response.headers
    assert client.get_cookie("session").value == cookie
    with synced.app_context():
        assert db.session.query(Draft.id, Draft.answers).one() == before


def _lapse_drafts(app) -> None:
    with app.app_context():
        for draft in db.session.query(Draft):
            draft.expires_at = datetime(2000, 1, 1)
        db.session.commit()


def test_lapsed_draft_starts_again_without_losing_the_page(client, synced):
    page = _page_with(client, synced, "anything_else")
    _lapse_drafts(synced)
    response = client.post(
        page.request.path,
        data={
            "anything_else": "Typed before the draft lapsed",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert response.status_code == 200
    assert "Typed before the draft lapsed" in response.text
    assert "session had ended" in response.text


def test_post_without_a_valid_token_and_no_draft_leaves_the_session_alone(client, synced):
    """A cross-site form, or a browser whose session ended: nothing is created or replaced."""
    page = _page_with(client, synced, "anything_else")
    for data in ({"csrf_token": "stale"}, {}):
        stranger = synced.test_client()  # no cookie, as a cross-site POST arrives (SameSite=Lax)
        response = stranger.post(page.request.path, data={"anything_else": "x", **data})
        assert response.status_code == 302
        assert response.headers["Location"] == f"/s/{SLUG}/"
        assert "Set-Cookie" not in response.headers
    with synced.app_context():
        assert db.session.query(Draft).count() == 1  # only the visitor's own
    assert client.get(page.request.path).status_code == 200  # who still has it


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
        row = db.session.query(QuestionnaireRow).filter_by(slug=SLUG).one()
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
        row = db.session.query(QuestionnaireRow).filter_by(slug=SLUG).one()
        questionnaires.set_dates(row, date(2099, 1, 1), None)
    start = client.get(f"/s/{SLUG}/")
    assert "It opens on 1 January 2099" in start.text


def test_lapsed_draft_on_a_page_that_needs_earlier_answers_starts_again(client, synced):
    page = _page_with(client, synced, "reported")
    _post(client, page, {"reported": "yes", "action": "continue"})
    _lapse_drafts(synced)
    response = client.post(
        f"/s/{SLUG}/q/reported_to",
        data={"reported_to": "police", "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 302
    assert "notice=started-again" in response.headers["Location"]
    assert "session had ended" in client.get(response.headers["Location"]).text
