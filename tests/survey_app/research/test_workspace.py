"""The coding workspace: finding segments (filters in the URL, search over redacted text with
matches highlighted), coding, decisions on suggestions one by one and in bulk, memos, the review
queue with background retraining, and who may do any of it."""

import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select, update

from survey_app.extensions import db
from survey_app.models import (
    Coding,
    CodingEvent,
    Memo,
    QuestionnaireRow,
    ResearchJob,
    SearchText,
    ThemeQuality,
)
from survey_app.services import workspace
from tests.conftest import make_user, sign_in
from tests.survey_app.research.workspace_data import suggestion, survey_segment, turn

WS = "/research/workspace"


def token(client, path=WS):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


@pytest.fixture
def data(synced):
    """Survey answers (online, paper) and focus-group turns, some with suggestions."""
    with synced.app_context():
        ids = {
            "online": survey_segment("Nobody kept me informed about my case. Call Sarah Jones."),
            "paper": survey_segment(
                "The officer was rude and dismissive.",
                channel="paper",
                stage="reporting",
                question="reporting_experience",
                area="sefton",
                crime_types=["hate_crime"],
            ),
            "turn": turn("The counsellor really helped me feel safe again.", number=2),
            "facilitator": turn("What helped you recover?", number=1, speaker="Facilitator"),
        }
        ids["suggestion"] = suggestion(ids["online"], "kept_informed", 0.55)
        ids["paper_suggestion"] = suggestion(
            ids["paper"], "officer_attitude", 0.9, matched=("rude",)
        )
    return synced, ids


def listed(page: str) -> int:
    return len(re.findall(r'<article class="govuk-summary-card app-workspace-card"', page))


def test_the_browser_lists_survey_answers_and_focus_group_turns_redacted(data, client, login_as):
    _app, _ids = data
    login_as("researcher")
    page = client.get(WS).text
    assert listed(page) == 4
    assert "Sarah Jones" not in page
    assert "Nobody kept me informed about my case." in page
    assert "focus group 7, turn 2: P1 (recovery)" in page
    assert "Facilitator turns carry the stage and are not coded." in page
    # A suggestion shows its confidence and why.
    assert "rules suggests, confidence 0.55" in page
    assert "Why: kept informed" in page


def test_cards_show_the_questionnaires_wording_not_stored_names(synced, client, login_as):
    """A researcher reads the question as the respondent read it and the options' labels;
    files keep the stored names (the segment table's test)."""
    with synced.app_context():
        row = db.session.scalar(
            select(QuestionnaireRow).where(QuestionnaireRow.slug == "victims-experience")
        )
        segment_id = survey_segment(
            "Nobody told me anything.",
            questionnaire_id=row.id,
            version_id=row.current_version_id,
            question="engagement_experience",
            crime_types=["domestic_abuse", "hate_crime"],
            area="st_helens",
        )
        unknown = survey_segment("Kept from an older version.", question="a_retired_question")
    login_as("researcher")
    for page in (client.get(WS).text, client.get(f"{WS}/segments/{segment_id}").text):
        assert "Tell us about any contact you had with the police or support services" in page
        assert "Domestic abuse; Hate crime" in page
        assert "St Helens" in page
        shown = re.sub(r"<[^>]+>", " ", page)
        assert "engagement_experience" not in shown and "st_helens" not in shown
        assert "st helens" not in shown and "domestic abuse" not in shown
    # A name no version knows is shown as stored.
    assert "a_retired_question (online, engagement)" in client.get(f"{WS}/segments/{unknown}").text
    original = client.post(
        f"/research/segments/{segment_id}/original",
        data={"csrf_token": token(client)},
    ).text
    assert "Tell us about any contact you had with the police or support services" in original
    assert "area: St Helens" in original


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"stage": "reporting"}, {"paper"}),
        ({"channel": "paper"}, {"paper"}),
        ({"source": "focus_group"}, {"turn", "facilitator"}),
        ({"area": "sefton"}, {"paper", "turn", "facilitator"}),
        ({"crime_type": "hate_crime"}, {"paper", "turn", "facilitator"}),
        ({"theme": "officer_attitude"}, {"paper"}),
        ({"coded": "yes"}, {"online", "paper"}),
        ({"coded": "no"}, {"turn", "facilitator"}),
        ({"sentiment": "negative"}, {"paper"}),
        ({"q": "kept inform"}, {"online"}),
        ({"q": "OFFICER"}, {"paper"}),
        ({"q": "rude", "stage": "engagement"}, set()),
    ],
)
def test_each_filter_narrows_the_list(data, client, login_as, args, expected):
    _app, ids = data
    login_as("researcher")
    page = client.get(f"{WS}?{urlencode(args)}").text
    shown = set(re.findall(r'id="segment-([0-9a-f]{32})"', page))
    assert shown == {ids[k] for k in expected}


def test_reviewed_follows_peoples_decisions(data, client, login_as):
    _app, ids = data
    login_as("researcher")
    assert "1 segment" not in client.get(f"{WS}?reviewed=yes").text
    client.post(f"{WS}/codings/{ids['suggestion']}/reject", data={"csrf_token": token(client)})
    page = client.get(f"{WS}?reviewed=yes").text
    assert set(re.findall(r'id="segment-([0-9a-f]{32})"', page)) == {ids["online"]}
    # Rejected, the theme no longer counts: the segment is not coded any more.
    page = client.get(f"{WS}?coded=no").text
    assert ids["online"] in page


def test_search_highlights_matches_escaped_and_never_finds_redacted_words(data, client, login_as):
    _app, _ids = data
    login_as("researcher")
    page = client.get(f"{WS}?q=informed").text
    assert "kept me <mark>informed</mark> about" in page
    # The name is redacted, so a search for it finds nothing: search cannot confirm it.
    page = client.get(f"{WS}?q=Sarah").text
    assert "0 segments" in page
    assert listed(page) == 0


def test_highlighting_escapes_before_marking():
    shown = workspace.highlight('<b onmouseover="x">amp & ampersand</b>', ["amp", "b"])
    assert str(shown) == (
        "&lt;<mark>b</mark> onmouseover=&#34;x&#34;&gt;<mark>amp</mark> &amp; "
        "<mark>ampersand</mark>&lt;/<mark>b</mark>&gt;"
    )


def test_an_unknown_filter_value_is_an_error_on_the_page_and_the_rest_still_apply(
    data, client, login_as
):
    _app, ids = data
    login_as("researcher")
    response = client.get(f"{WS}?stage=nonsense&channel=paper&q={'x' * 300}")
    assert response.status_code == 400
    assert "<title>Error: Coding workspace" in response.text
    assert '<a href="#stage">Select a stage from the list</a>' in response.text
    assert "Enter 200 characters or fewer" in response.text
    response = client.get(f"{WS}?stage=nonsense&channel=paper")
    assert set(re.findall(r'id="segment-([0-9a-f]{32})"', response.text)) == {ids["paper"]}


def test_pages_of_results_keep_the_filters_in_the_links(synced, client, login_as):
    with synced.app_context():
        for i in range(workspace.PAGE_SIZE + 3):
            survey_segment(f"Waiting for news number {i}.", area="wirral")
    login_as("researcher")
    page = client.get(f"{WS}?area=wirral").text
    assert f"{workspace.PAGE_SIZE + 3} segments, page 1 of 2" in page
    assert listed(page) == workspace.PAGE_SIZE
    assert 'href="/research/workspace?page=2&amp;area=wirral"' in page
    second = client.get(f"{WS}?area=wirral&page=2").text
    assert listed(second) == 3


def test_coding_adding_and_removing_themes_is_recorded(data, client, login_as):
    app, ids = data
    user_id, _ = login_as("researcher")
    csrf = token(client)
    response = client.post(
        f"{WS}/segments/{ids['turn']}/code",
        data={
            "csrf_token": csrf,
            "code": ["emotional_support", "safety_security"],
            "area": "sefton",
        },
    )
    assert response.status_code == 302
    assert response.location.startswith("/research/workspace?area=sefton")
    with app.app_context():
        rows = db.session.scalars(select(Coding).where(Coding.segment_id == ids["turn"])).all()
        assert {(r.theme, r.status, r.user_id) for r in rows} == {
            ("emotional_support", "human", user_id),
            ("safety_security", "human", user_id),
        }
        removed = next(r.id for r in rows if r.theme == "safety_security")
    client.post(f"{WS}/codings/{removed}/remove", data={"csrf_token": csrf})
    with app.app_context():
        themes = db.session.scalars(select(Coding.theme).where(Coding.segment_id == ids["turn"]))
        assert list(themes) == ["emotional_support"]
        actions = db.session.scalars(
            select(CodingEvent.action).where(CodingEvent.coding_id == removed)
        ).all()
        assert sorted(actions) == ["created", "removed"]


def test_coding_a_theme_the_machine_suggested_accepts_the_suggestion(data, client, login_as):
    app, ids = data
    login_as("researcher")
    client.post(
        f"{WS}/segments/{ids['online']}/code",
        data={"csrf_token": token(client), "code": "kept_informed"},
    )
    with app.app_context():
        rows = db.session.scalars(select(Coding).where(Coding.segment_id == ids["online"])).all()
        assert [(r.theme, r.status) for r in rows] == [("kept_informed", "accepted")]


def test_coding_mistakes_are_shown_on_the_segment_page(data, client, login_as):
    _app, ids = data
    login_as("researcher")
    csrf = token(client)
    response = client.post(f"{WS}/segments/{ids['turn']}/code", data={"csrf_token": csrf})
    assert response.status_code == 400
    assert '<a href="#themes">Select at least one theme</a>' in response.text
    response = client.post(
        f"{WS}/segments/{ids['turn']}/code", data={"csrf_token": csrf, "code": "no_such"}
    )
    assert "Select themes from the codebook" in response.text
    response = client.post(
        f"{WS}/segments/{ids['facilitator']}/code",
        data={"csrf_token": csrf, "code": "kept_informed"},
    )
    assert response.status_code == 400
    assert "Facilitator turns are not coded" in response.text
    assert client.post(f"{WS}/segments/nope/code", data={"csrf_token": csrf}).status_code == 404


def test_accepting_and_rejecting_one_suggestion(data, client, login_as):
    app, ids = data
    user_id, _ = login_as("researcher")
    csrf = token(client)
    client.post(f"{WS}/codings/{ids['suggestion']}/accept", data={"csrf_token": csrf})
    client.post(f"{WS}/codings/{ids['paper_suggestion']}/reject", data={"csrf_token": csrf})
    with app.app_context():
        assert db.session.get(Coding, ids["suggestion"]).status == "accepted"
        assert db.session.get(Coding, ids["paper_suggestion"]).status == "rejected"
        event = db.session.scalar(
            select(CodingEvent).where(
                CodingEvent.coding_id == ids["suggestion"], CodingEvent.action == "accepted"
            )
        )
        assert event.actor_id == user_id


def test_bulk_decisions_confirm_the_number_first_and_are_recorded_one_by_one(
    data, client, login_as
):
    app, ids = data
    user_id, _ = login_as("researcher")
    with app.app_context():
        suggestion(ids["online"], "being_listened_to", 0.7)
    confirm = client.get(f"{WS}/bulk/accept?channel=online")
    assert confirm.status_code == 200
    assert '<h1 class="govuk-heading-l">Accept 2 suggestions</h1>' in confirm.text
    csrf = token(client)
    with app.app_context():  # unchanged until confirmed
        assert db.session.scalar(select(func.count()).where(Coding.status == "accepted")) == 0
    # Someone adds a suggestion meanwhile: the confirmed number no longer holds.
    with app.app_context():
        other = survey_segment("Nobody called me back.")
        suggestion(other, "kept_informed", 0.5)
    stale = client.post(
        f"{WS}/bulk/accept",
        data={"csrf_token": csrf, "channel": "online", "expected": "2"},
    )
    assert stale.status_code == 400
    assert "changed from 2 to 3" in stale.text
    assert "Accept 3 suggestions" in stale.text
    done = client.post(
        f"{WS}/bulk/accept",
        data={"csrf_token": csrf, "channel": "online", "expected": "3"},
    )
    assert done.status_code == 302
    assert "done=3&decided=accepted" in done.location
    assert "Suggestions 3 accepted." in client.get(done.location).text
    forged = client.get(f"{WS}?done=Your+data+was+deleted&decided=accepted").text
    assert "Your data was deleted" not in forged
    with app.app_context():
        events = db.session.scalars(
            select(CodingEvent).where(CodingEvent.action == "accepted")
        ).all()
        assert len(events) == 3
        assert {e.actor_id for e in events} == {user_id}
        # The paper answer's suggestion was outside the filter.
        assert db.session.get(Coding, ids["paper_suggestion"]).status == "suggested"


def test_bulk_with_a_theme_filter_decides_only_that_theme(data, client, login_as):
    app, ids = data
    login_as("researcher")
    with app.app_context():
        kept = suggestion(ids["paper"], "kept_informed", 0.3)
    csrf = token(client)
    client.post(
        f"{WS}/bulk/reject",
        data={
            "csrf_token": csrf,
            "theme": "officer_attitude",
            "expected": "1",
        },
    )
    with app.app_context():
        assert db.session.get(Coding, ids["paper_suggestion"]).status == "rejected"
        assert db.session.get(Coding, kept).status == "suggested"


def test_memos_on_segments_and_themes(data, client, login_as):
    app, ids = data
    _user_id, email = login_as("researcher")
    csrf = token(client)
    empty = client.post(
        f"{WS}/segments/{ids['online']}/memo", data={"csrf_token": csrf, "memo": " "}
    )
    assert empty.status_code == 400
    assert '<a href="#memo">Enter a memo</a>' in empty.text
    too_long = "y" * (workspace.MAX_MEMO + 1)
    kept = client.post(
        f"{WS}/segments/{ids['online']}/memo", data={"csrf_token": csrf, "memo": too_long}
    )
    assert too_long in kept.text  # what was typed is not lost
    client.post(
        f"{WS}/segments/{ids['online']}/memo",
        data={"csrf_token": csrf, "memo": "Typical of the Wirral answers."},
    )
    page = client.get(f"{WS}/segments/{ids['online']}").text
    assert "Typical of the Wirral answers." in page
    assert email in page
    client.post(
        f"{WS}/themes/memo",
        data={"csrf_token": csrf, "theme": "kept_informed", "memo": "Often about court dates."},
    )
    assert "Often about court dates." in client.get(f"{WS}/themes").text
    bad = client.post(f"{WS}/themes/memo", data={"csrf_token": csrf, "theme": "nope", "memo": "x"})
    assert bad.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Memo)) == 2


def test_the_segment_page_shows_history_and_offers_show_original(data, client, login_as):
    _app, ids = data
    login_as("researcher")
    page = client.get(f"{WS}/segments/{ids['online']}").text
    assert "Sarah Jones" not in page
    assert f'action="/research/segments/{ids["online"]}/original"' in page
    assert "created" in page
    assert client.get(f"{WS}/segments/nope").status_code == 404


def test_a_changed_text_is_searched_afresh(data, client, login_as):
    app, ids = data
    login_as("researcher")
    client.get(WS)  # indexes every segment
    with app.app_context():
        db.session.execute(
            update(workspace.Segment)
            .where(workspace.Segment.id == ids["paper"])
            .values(text="The officer was kind.")
        )
        db.session.commit()
        assert db.session.get(SearchText, ids["paper"]) is None  # the trigger dropped it
    assert ids["paper"] in client.get(f"{WS}?q=kind").text
    assert ids["paper"] not in client.get(f"{WS}?q=rude").text


def test_a_later_suggestion_of_a_theme_a_person_decided_is_not_asked_about_again(
    data, client, login_as
):
    """A retrained model suggests what a person already accepted on one segment and rejected on
    another: both are stored (to compare machine with person) but neither is queued, counted as
    waiting, decided in bulk nor offered with Accept and Reject."""
    from survey_app.services import review

    app, ids = data
    login_as("researcher")
    csrf = token(client)
    client.post(f"{WS}/codings/{ids['suggestion']}/accept", data={"csrf_token": csrf})
    client.post(f"{WS}/codings/{ids['paper_suggestion']}/reject", data={"csrf_token": csrf})
    with app.app_context():
        again = suggestion(ids["online"], "kept_informed", 0.5, coder="model:trained-40@new")
        suggestion(ids["paper"], "officer_attitude", 0.5, coder="model:trained-40@new")
        assert review.queue() == []
        assert review.waiting() == 0
    assert "No machine suggestions await a decision" in client.get(f"{WS}/review").text
    assert "No machine suggestions await a decision" in client.get(f"{WS}/bulk/accept").text
    page = client.get(f"{WS}/segments/{ids['online']}").text
    assert "(model suggests it too; a person has decided this theme)" in page
    assert f"/codings/{again}/accept" not in page
    assert f"/codings/{ids['suggestion']}/remove" in page


def test_the_review_queue_puts_the_least_certain_first_and_retrains_after_a_batch(
    data, client, login_as
):
    app, ids = data
    login_as("researcher")
    with app.app_context():
        sure = survey_segment("They never ever told me anything.")
        suggestion(sure, "kept_informed", 0.99)
        unsure = survey_segment("Someone rang once.")
        unsure_id = suggestion(unsure, "kept_informed", 0.51)
    page = client.get(f"{WS}/review").text
    order = re.findall(r'id="segment-([0-9a-f]{32})"', page)
    assert order[0] == unsure
    assert order[-1] == sure
    assert ids["facilitator"] not in order
    response = client.post(
        f"{WS}/review",
        data={
            "csrf_token": token(client, f"{WS}/review"),
            f"decision-{unsure_id}": "reject",
            f"decision-{ids['suggestion']}": "skip",
        },
    )
    assert response.location.endswith("decided=1")
    with app.app_context():
        assert db.session.get(Coding, unsure_id).status == "rejected"
        assert db.session.get(Coding, ids["suggestion"]).status == "suggested"
        job = db.session.scalar(select(ResearchJob).where(ResearchJob.kind == "train"))
        # Run at once in tests; with too few people's codes it says so.
        assert job.status == "failed"
        assert "at least 20" in job.message


def test_retraining_estimates_precision_and_recall_per_theme(synced, client, login_as):
    from analysis.combine import MODEL_READY_CODES
    from survey_app.models import User
    from survey_app.services import coding

    user_id, _ = login_as("researcher")
    with synced.app_context():
        user = db.session.get(User, user_id)
        for i in range(MODEL_READY_CODES + 5):
            a = survey_segment(f"Nobody ever kept me informed, case {i}, no updates from police.")
            coding.code_by_person(a, "kept_informed", user)
            b = survey_segment(f"I waited hours {i} for the police to arrive, far too slow.")
            coding.code_by_person(b, "speed_of_response", user)
        survey_segment("No updates at all, nobody kept me informed.")
    client.post(f"{WS}/retrain", data={"csrf_token": token(client)})
    with synced.app_context():
        job = db.session.scalar(select(ResearchJob).where(ResearchJob.kind == "train"))
        assert job.status == "done", job.message
        figures = {q.theme: q for q in db.session.scalars(select(ThemeQuality))}
        assert set(figures) == {"kept_informed", "speed_of_response"}
        assert figures["kept_informed"].precision > 0.8
        assert figures["kept_informed"].support == MODEL_READY_CODES + 5
        new = db.session.scalar(
            select(func.count()).where(Coding.coder.like("model:%"), Coding.status == "suggested")
        )
        assert new >= 1
    page = client.get(f"{WS}/themes").text
    assert "Kept informed" in page or "kept_informed" in page
    assert "Can be trusted more" in page
    # More of people's codes, retraining again: the first model's unreviewed suggestions are
    # superseded by the second's, shown as such and no longer waiting for review.
    with synced.app_context():
        first = set(
            db.session.scalars(
                select(Coding.id).where(Coding.coder.like("model:%"), Coding.status == "suggested")
            )
        )
        segment = db.session.scalar(select(Coding.segment_id).where(Coding.id.in_(first)))
        more = survey_segment("Nobody kept me informed at all, not one update.")
        coding.code_by_person(more, "kept_informed", db.session.get(User, user_id))
    client.post(f"{WS}/retrain", data={"csrf_token": token(client)})
    with synced.app_context():
        job = db.session.scalars(
            select(ResearchJob).where(ResearchJob.kind == "train").order_by(ResearchJob.created_at)
        ).all()[-1]
        assert job.status == "done", job.message
        assert f"; {len(first)} earlier unreviewed suggestion" in job.message
        statuses = set(db.session.scalars(select(Coding.status).where(Coding.id.in_(first))))
        assert statuses == {"superseded"}
    page = client.get(f"{WS}/segments/{segment}").text
    assert "replaced by a newer model run, not counted" in page


WORKSPACE_POSTS = (
    "/segments/{segment}/code",
    "/segments/{segment}/memo",
    "/codings/{coding}/accept",
    "/codings/{coding}/reject",
    "/codings/{coding}/remove",
    "/bulk/accept",
    "/review",
    "/themes/memo",
    "/retrain",
)


def test_every_workspace_change_needs_a_csrf_token(data, login_as):
    app, ids = data
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    _, email = make_user(app, "researcher")
    sign_in(client, email)
    for path in WORKSPACE_POSTS:
        url = WS + path.format(segment=ids["online"], coding=ids["suggestion"])
        response = client.post(
            url,
            data={
                "code": "kept_informed",
                "theme": "kept_informed",
                "memo": "x",
                "decision": "accept",
                "expected": "1",
            },
        )
        assert response.status_code == 400, url
    with app.app_context():
        assert db.session.get(Coding, ids["suggestion"]).status == "suggested"
        assert db.session.scalar(select(func.count()).select_from(Memo)) == 0


@pytest.mark.parametrize("role", ["entry", None])
def test_only_researchers_and_admins_reach_the_workspace(data, client, login_as, role):
    app, ids = data
    if role:
        login_as(role)
    for path in ("", "/review", "/themes", f"/segments/{ids['online']}", "/bulk/accept"):
        response = client.get(WS + path)
        assert response.status_code in (302, 403), path
    response = client.post(f"{WS}/codings/{ids['suggestion']}/accept")
    assert response.status_code in (302, 400, 403)
    with app.app_context():
        assert db.session.get(Coding, ids["suggestion"]).status == "suggested"


def test_admins_use_the_workspace_too(data, client, login_as):
    login_as("admin")
    assert client.get(WS).status_code == 200


def test_the_workspace_migration_downgrades_and_upgrades_again(fresh_database_url):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from tests.conftest import make_app

    app = make_app(fresh_database_url)
    with app.app_context():
        upgrade(revision="0006_workspace")
        db.engine.dispose()
        assert {"search_text", "memo", "theme_quality"} <= set(inspect(db.engine).get_table_names())
        downgrade(revision="0004_research_data")
        db.engine.dispose()
        names = set(inspect(db.engine).get_table_names())
        assert not names & {"search_text", "memo", "theme_quality", "search_fts"}
        upgrade()  # to the head again: the models below have later columns
        db.engine.dispose()
        segment_id = survey_segment("Nobody kept me informed.")
        assert workspace.index_missing() == 1
        db.session.execute(update(workspace.Segment).values(text="Changed."))
        db.session.commit()
        assert workspace.index_missing() == 1  # the trigger dropped the stale row
        assert db.session.get(SearchText, segment_id).redacted == "Changed."
        db.engine.dispose()


def test_a_page_indexes_a_few_segments_and_the_command_indexes_the_rest(
    synced, client, runner, login_as, monkeypatch
):
    monkeypatch.setattr(workspace, "INDEX_PER_PAGE", 2)
    with synced.app_context():
        for i in range(5):
            survey_segment(f"Answer number {i}.")
    login_as("researcher")
    page = client.get(WS).text
    assert "3 segments are not in the search index yet" in page
    assert listed(page) == 2
    result = runner.invoke(args=["research", "segments", "index"])
    assert result.exit_code == 0, result.output
    assert "3 segments added to the search index; 0 missing." in result.output
    page = client.get(WS).text
    assert "not in the search index" not in page
    assert listed(page) == 5
