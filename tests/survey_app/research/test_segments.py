"""Every free-text answer becomes a segment in the transaction that stores the response."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select

from survey_app.extensions import db
from survey_app.models import Coding, CodingEvent, Draft, PaperCopy, Response, Segment
from survey_app.questionnaire import Answer
from survey_app.services import corrections, drafts, questionnaires, responses, segments
from tests.survey_app.research.factories import (
    SLUG,
    make_online_response,
    make_paper_response,
    text_answers,
)
from tests.survey_app.walker import submit, walk


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


ANSWERS = {
    "crime_type": ["domestic_abuse", "hate_crime"],
    "area": "wirral",
    "reporting_experience": "Nobody kept me informed. Call PC Smith on 07700 900123.",
    "what_would_help": "Someone to talk to.",
}


def segments_of(response_id):
    rows = db.session.scalars(select(Segment).where(Segment.response_id == response_id))
    return {s.question: s for s in rows}


def test_an_online_submission_through_the_pages_stores_a_segment_per_free_text_answer(
    client, synced
):
    check, _ = walk(client, synced)
    submit(client, check)
    with synced.app_context():
        response = db.session.scalar(select(Response))
        stored = segments_of(response.id)
        definition = questionnaires.find_questionnaire(SLUG).definition
        free_text = [q for q in definition.questions if q.is_free_text]
        answered = {a.question for a in response.answers if a.state == "answered"}
        assert set(stored) == {q.name for q in free_text if q.name in answered}
        for question in free_text:
            if question.name in stored:
                segment = stored[question.name]
                assert segment.text == f"Answer to {question.name}"
                assert segment.stage == (question.stage or "none")
                assert segment.channel == "online"
                assert segment.source == "survey"


def test_an_online_response_copies_stage_crime_types_and_area_onto_its_segments(synced):
    with synced.app_context():
        response_id = make_online_response(text_answers(**ANSWERS))
        stored = segments_of(response_id)
        assert set(stored) == {"reporting_experience", "what_would_help"}
        reporting = stored["reporting_experience"]
        assert reporting.stage == "reporting"
        assert stored["what_would_help"].stage == "recovery"
        assert reporting.crime_types == ["domestic_abuse", "hate_crime"]
        assert reporting.area == "wirral"
        assert reporting.channel == "online"
        assert reporting.questionnaire_id == questionnaires.find_questionnaire(SLUG).row.id
        assert reporting.text == ANSWERS["reporting_experience"]


def test_a_question_without_a_stage_gives_stage_none(synced):
    with synced.app_context():
        response_id = make_online_response(text_answers(anything_else="Thank you."))
        assert segments_of(response_id)["anything_else"].stage == "none"


def test_a_paper_copy_becoming_final_stores_its_segments(synced):
    with synced.app_context():
        _, response_id = make_paper_response(text_answers(**ANSWERS))
        stored = segments_of(response_id)
        assert set(stored) == {"reporting_experience", "what_would_help"}
        assert {s.channel for s in stored.values()} == {"paper"}
        assert stored["reporting_experience"].area == "wirral"


def test_a_submission_that_fails_stores_no_segments_and_no_response(synced, monkeypatch):
    with synced.app_context():
        found = questionnaires.find_questionnaire(SLUG)
        draft = drafts.start_draft(found.version, _now(), 1)
        draft_id = draft.id

        original = segments.add_for_new_response

        def fails_after_adding(response, definition):
            original(response, definition)
            db.session.flush()  # the segments reach the database, then the disk is full
            raise OSError("disk full")

        monkeypatch.setattr(segments, "add_for_new_response", fails_after_adding)
        with pytest.raises(OSError):
            responses.submit_draft(draft, found.definition, text_answers(**ANSWERS), _now())
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Segment)) == 0
        assert db.session.scalar(select(func.count()).select_from(Response)) == 0
        assert db.session.get(Draft, draft_id).status == "open"


def test_a_second_submission_of_the_same_draft_adds_no_segments(synced):
    with synced.app_context():
        found = questionnaires.find_questionnaire(SLUG)
        draft = drafts.start_draft(found.version, _now(), 1)
        answers = text_answers(**ANSWERS)
        responses.submit_draft(draft, found.definition, answers, _now())
        with pytest.raises(responses.AlreadySubmitted):
            responses.submit_draft(draft, found.definition, answers, _now())
        assert db.session.scalar(select(func.count()).select_from(Segment)) == 2


def test_rebuild_restores_missing_segments_and_a_second_run_changes_nothing(synced):
    with synced.app_context():
        first = make_online_response(text_answers(**ANSWERS))
        make_paper_response(text_answers(what_would_help="A phone call back."))
        kept = segments_of(first)["what_would_help"].id
        db.session.execute(
            delete(Segment).where(
                Segment.response_id == first, Segment.question == "reporting_experience"
            )
        )
        db.session.commit()
        changes = segments.rebuild(questionnaires.definition_of)
        assert (changes.added, changes.changed, changes.removed) == (1, 0, 0)
        assert segments_of(first)["what_would_help"].id == kept
        again = segments.rebuild(questionnaires.definition_of)
        assert (again.added, again.changed, again.removed) == (0, 0, 0)
        assert again.responses == 2
        assert segments.count_segments() == 3


def test_a_correction_rederives_segments_and_marks_codings_of_changed_text_for_review(synced):
    from survey_app.models import User
    from survey_app.services.users import create_user

    with synced.app_context():
        serial, response_id = make_paper_response(text_answers(**ANSWERS))
        before = segments_of(response_id)
        changed_id = before["reporting_experience"].id
        now = datetime.now(UTC).replace(tzinfo=None)
        for segment in before.values():
            db.session.add(
                Coding(
                    segment_id=segment.id,
                    theme="kept_informed",
                    coder="rules@test",
                    confidence=0.5,
                    status="suggested",
                    matched=[],
                    created_at=now,
                    updated_at=now,
                )
            )
        db.session.commit()
        admin = create_user("admin-fix@example.org", "admin", "correct horse battery staple")
        admin = db.session.get(User, admin.id)
        copy = db.session.get(PaperCopy, serial)
        found = questionnaires.find_questionnaire(SLUG)
        answers = corrections.final_answers(copy)
        answers["reporting_experience"] = Answer.answered_with("They kept me informed.")
        del answers["what_would_help"]
        corrections.correct(copy, admin, found.definition, answers, "keyed wrongly", 1)
        after = segments_of(response_id)
        assert set(after) == {"reporting_experience"}
        assert after["reporting_experience"].id == changed_id
        assert after["reporting_experience"].text == "They kept me informed."
        coding = db.session.scalar(select(Coding).where(Coding.segment_id == changed_id))
        assert coding.needs_review
        actions = sorted(db.session.scalars(select(CodingEvent.action)))
        assert actions == ["needs_review", "removed"]


def test_the_rebuild_command_reports_what_it_did_and_is_idempotent(synced):
    with synced.app_context():
        make_online_response(text_answers(**ANSWERS))
        db.session.execute(delete(Segment))
        db.session.commit()
    runner = synced.test_cli_runner()
    first = runner.invoke(args=["research", "segments", "rebuild"])
    assert first.exit_code == 0, first.output
    assert "1 responses: 2 segments added" in first.output
    second = runner.invoke(args=["research", "segments", "rebuild"])
    assert "0 segments added, 0 changed (0 codings to review), 0 removed; 2 segments" in (
        second.output
    )
