"""Pages rendered once and reused: each visitor still gets their own secrets."""

import re
import time

from flask import render_template_string
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import text

from survey_app.extensions import db
from survey_app.page_cache import render_page
from survey_app.services import questionnaires
from tests.survey_app.walker import SLUG, begin, csrf_token

NONCE_ATTRIBUTE = re.compile(r'nonce="([^"]+)"')


def nonce_of(response) -> str:
    return response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]


def test_each_page_has_its_own_nonce_and_a_token_for_its_own_session(app, synced):
    first_visitor, second_visitor = app.test_client(), app.test_client()
    # The start page carries no token (and sets no cookie); a blank question page has one.
    begin(first_visitor)
    begin(second_visitor)
    question = f"/s/{SLUG}/q/crime_type"
    pages = [first_visitor.get(question) for _ in range(2)]
    pages.append(second_visitor.get(question))
    nonces = [nonce_of(page) for page in pages]
    assert len(set(nonces)) == 3
    for page, nonce in zip(pages, nonces, strict=True):
        assert set(NONCE_ATTRIBUTE.findall(page.text)) == {nonce}
        assert "csrf-" not in page.text  # no mark left behind
    assert csrf_token(pages[2].text) != csrf_token(pages[0].text)
    # Each token works for its own session only: a crossed token re-shows the page.
    crossed = second_visitor.post(
        question, data={"csrf_token": csrf_token(pages[0].text), "action": "continue"}
    )
    assert crossed.status_code == 200
    assert "session had ended" in crossed.text
    own = second_visitor.post(
        question, data={"csrf_token": csrf_token(pages[2].text), "action": "continue"}
    )
    assert own.status_code == 302


def test_start_page_sets_no_cookie(client, synced):
    client.get(f"/s/{SLUG}/")
    client.get(f"/s/{SLUG}/")
    assert client.get_cookie("session") is None


def test_closing_refuses_new_drafts_at_once_and_shows_on_the_start_page_within_seconds(
    client, synced, monkeypatch
):
    start = client.get(f"/s/{SLUG}/")
    assert "Start now" in start.text
    with synced.app_context():
        db.session.execute(text("UPDATE questionnaire SET closes_on = '2001-01-01'"))
        db.session.commit()
    # Pressing Start now reads the database afresh: no new draft on a closed questionnaire.
    refused = client.get(f"/s/{SLUG}/start")
    assert refused.headers["Location"] == f"/s/{SLUG}/"
    assert client.get_cookie("session") is None
    later = time.monotonic() + synced.config["PUBLISHED_CACHE_SECONDS"] + 1
    monkeypatch.setattr(questionnaires, "_clock", lambda: later)
    page = client.get(f"/s/{SLUG}/")
    assert "This questionnaire is closed" in page.text
    assert "Start now" not in page.text


def test_start_page_offers_to_continue_a_draft_to_its_owner_only(app, synced):
    owner = app.test_client()
    begin(owner)
    assert "Continue where you left off" in owner.get(f"/s/{SLUG}/").text
    assert "Start now" in app.test_client().get(f"/s/{SLUG}/").text


def test_page_with_a_token_from_outside_its_context_is_never_reused(app):
    # A macro imported without context calls the real csrf_token(): caching would hand one
    # visitor's token to the next.
    app.jinja_loader = ChoiceLoader(
        [
            DictLoader(
                {
                    "leaky.html": '{% from "macros.html" import token %}{{ token() }}',
                    "macros.html": "{% macro token() %}{{ csrf_token() }}{% endmacro %}",
                }
            ),
            app.jinja_loader,
        ]
    )
    tokens = []
    for _ in range(2):
        with app.test_request_context("/"):
            tokens.append(render_page(("same key",), "leaky.html", dict))
            assert tokens[-1] == render_template_string("{{ csrf_token() }}")
    assert tokens[0] != tokens[1]


def test_a_cached_page_builds_its_context_only_when_rendered(app):
    app.jinja_env.auto_reload = False
    built = []

    def context():
        built.append(1)
        return {"text": "same for everyone"}

    app.jinja_loader = ChoiceLoader(
        [DictLoader({"plain.html": "{{ text }} {{ csp_nonce() }}"}), app.jinja_loader]
    )
    pages = []
    for _ in range(3):
        with app.test_request_context("/"):
            pages.append(render_page(("plain key",), "plain.html", context))
    assert len(built) == 1
    assert all(page.startswith("same for everyone ") for page in pages)
    assert len(set(pages)) == 3  # each with its own nonce


def test_question_page_shows_answers_only_to_the_respondent_who_gave_them(app, synced):
    first, second = app.test_client(), app.test_client()
    page = begin(first)
    assert page.request.path == f"/s/{SLUG}/q/crime_type"
    assert " checked" not in page.text
    first.post(
        page.request.path,
        data={"csrf_token": csrf_token(page.text), "crime_type": "hate_crime"},
    )
    again = first.get(page.request.path)
    assert re.search(r'value="hate_crime"[^>]*checked', again.text)
    fresh = begin(second)
    assert fresh.request.path == page.request.path
    assert " checked" not in fresh.text
    assert csrf_token(fresh.text) != csrf_token(again.text)
