"""The summary's kept records (services/summary.py `records_for`): after each kind of change to
the data, the summary made from what was kept (and updated) equals one made from scratch, and
each segment's sentiment score is stored with it."""

from dataclasses import replace

import pytest
from sqlalchemy import func, select, update

from survey_app.extensions import db
from survey_app.models import AnswerRow, Coding, PaperCopy, SearchText, Segment, User
from survey_app.questionnaire import Answer
from survey_app.services import summary as summaries
from tests.survey_app.research import summary_data as data
from tests.survey_app.research import test_summary
from tests.survey_app.research.factories import (
    PASSWORD,
    SLUG,
    make_online_response,
    make_paper_response,
    make_segment,
    text_answers,
)

small_set = test_summary.small_set  # the hand-built data set, as a fixture

REQUESTS = (
    summaries.Request(slug=SLUG),
    summaries.Request(slug=SLUG, crime_type="domestic_abuse"),
    summaries.Request(slug=SLUG, channel="online"),
)


def kept_records():
    from survey_app.services.questionnaires import find_questionnaire

    return summaries.records_for(find_questionnaire(SLUG).row.id)[1]


def warm() -> object:
    """Summaries of every request made (and kept); returns the records they came from."""
    for request in REQUESTS:
        summaries.summary_for(request)
    return kept_records()


def assert_kept_equals_fresh(app) -> list:
    """Each request's summary through the kept records equals one from scratch; returns the
    kept ones."""
    kept = [summaries.summary_for(r) for r in REQUESTS]
    app.extensions.pop("summary_cache")
    fresh = [summaries.summary_for(r) for r in REQUESTS]
    for a, b in zip(kept, fresh, strict=True):
        assert a.to_json() == b.to_json()
        assert a == b
    return kept


def a_researcher() -> User:
    from survey_app.services.users import create_user

    made = create_user("cache-researcher@example.org", "researcher", PASSWORD)
    return db.session.get(User, made.id)


def believed(stage: str = "reporting"):
    summary = summaries.summary_for(summaries.Request(slug=SLUG))
    return next(t for t in summary.stages[stage].themes if t.theme == data.BELIEVED)


@pytest.fixture
def full_coding_reads(monkeypatch):
    """How many times every coding was read (rather than those of some segments)."""
    reads = []
    read = summaries.codings_of

    def counted(questionnaire_id, segment_ids=None):
        if segment_ids is None:
            reads.append(questionnaire_id)
        return read(questionnaire_id, segment_ids)

    monkeypatch.setattr(summaries, "codings_of", counted)
    return reads


def test_a_coding_added_rereads_only_the_codings_of_its_segment(small_set, full_coding_reads):
    from survey_app.services import coding

    with small_set.app_context():
        before = warm()
        researcher = a_researcher()  # audited, but changes no answer or segment
        assert believed().segments.value == 15
        spare = data_segment_without(data.BELIEVED)
        coding.code_by_person(spare, data.BELIEVED, researcher)
        full_coding_reads.clear()
        after = kept_records()
        assert full_coding_reads == []  # the coding events named the one segment
        assert after is not before
        assert after.segments is before.segments  # the work on segments was kept
        assert after.respondents is before.respondents
        assert_kept_equals_fresh(small_set)
        assert believed().segments.value == 16


@pytest.fixture
def full_reads(monkeypatch):
    """How many times every response and every segment was read (rather than some)."""
    reads = []
    respondents, segments_ = summaries.respondents_of, summaries.segments_of

    def counted_respondents(questionnaire_id, questions, only=None):
        if only is None:
            reads.append("respondents")
        return respondents(questionnaire_id, questions, only)

    def counted_segments(questionnaire_id, only=None, sessions=()):
        if only is None:
            reads.append("segments")
        return segments_(questionnaire_id, only, sessions)

    monkeypatch.setattr(summaries, "respondents_of", counted_respondents)
    monkeypatch.setattr(summaries, "segments_of", counted_segments)
    return reads


def data_segment_without(theme: str) -> str:
    """A reporting segment that says something and does not carry ``theme``."""
    coded = set(db.session.scalars(select(Coding.segment_id).where(Coding.theme == theme)))
    return next(
        s.id
        for s in db.session.scalars(
            select(Segment).where(Segment.question == "reporting_experience").order_by(Segment.id)
        )
        if s.id not in coded and s.text != "n/a"
    )


@pytest.mark.parametrize("accept", [True, False])
def test_a_suggestion_accepted_or_rejected_matches_a_fresh_summary(
    small_set, accept, full_coding_reads
):
    from survey_app.services import coding

    with small_set.app_context():
        researcher = a_researcher()
        before = warm()
        suggestion = db.session.scalar(
            select(Coding).where(Coding.theme == data.SPEED).order_by(Coding.id).limit(1)
        )
        coding.decide(suggestion, researcher, accept)
        full_coding_reads.clear()
        assert kept_records().segments is before.segments
        assert full_coding_reads == []
        kept = assert_kept_equals_fresh(small_set)
        speed = next(t for t in kept[0].stages["reporting"].themes if t.theme == data.SPEED)
        assert speed.segments.value == (12 if accept else 11)


def test_a_code_removed_matches_a_fresh_summary(small_set, full_coding_reads):
    """A person's own code taken off (deleted, with a "removed" event) and a machine's
    (rejected)."""
    from survey_app.services import workspace

    with small_set.app_context():
        researcher = a_researcher()
        warm()
        own = db.session.scalar(
            select(Coding).where(Coding.theme == data.BELIEVED).order_by(Coding.id).limit(1)
        )
        machine = db.session.scalar(
            select(Coding).where(Coding.theme == data.SPEED).order_by(Coding.id).limit(1)
        )
        workspace.remove(own.id, researcher)
        workspace.remove(machine.id, researcher)
        full_coding_reads.clear()
        kept = assert_kept_equals_fresh(small_set)
        assert full_coding_reads == [small_set_qid()]  # only the fresh summary read them all
        believed_ = next(t for t in kept[0].stages["reporting"].themes if t.theme == data.BELIEVED)
        assert believed_.segments.value == 14


def small_set_qid() -> int:
    from survey_app.services.questionnaires import find_questionnaire

    return find_questionnaire(SLUG).row.id


def test_a_machine_run_superseding_suggestions_matches_a_fresh_summary(
    small_set, full_coding_reads
):
    """A newer rules run marks the earlier rules coder's pending suggestions "superseded"
    (one event each) and adds its own ("created"): both read through the events."""
    from survey_app.services import coding

    with small_set.app_context():
        before = warm()
        done = coding.code_segments(SLUG, "rules")
        assert done.superseded == 12
        full_coding_reads.clear()
        after = kept_records()
        assert after.segments is before.segments and full_coding_reads == []
        assert {c.status for c in after.codings if c.coder == "rules@test"} == {"superseded"}
        kept = assert_kept_equals_fresh(small_set)
        speed = [t for t in kept[0].stages["reporting"].themes if t.theme == data.SPEED]
        assert not speed or speed[0].segments.value != 12


def test_an_event_stamped_before_the_last_read_means_every_coding_is_read(
    small_set, full_coding_reads
):
    """A coding whose event carries a time before the latest one already read (a transaction
    that committed late, a clock set back) is not found by time: the count of events tells,
    and every coding is read again."""
    from datetime import datetime

    from survey_app.services import coding

    with small_set.app_context():
        warm()
        spare = data_segment_without(data.BELIEVED)
        row = Coding(
            segment_id=spare,
            theme=data.BELIEVED,
            coder="person:1",
            confidence=1.0,
            status="human",
            matched=[],
            created_at=datetime(2000, 1, 1),
            updated_at=datetime(2000, 1, 1),
        )
        db.session.add(row)
        db.session.flush()
        db.session.add(coding.coding_event(row, "created", None, datetime(2000, 1, 1)))
        db.session.commit()
        full_coding_reads.clear()
        kept_records()
        assert full_coding_reads == [small_set_qid()]
        assert_kept_equals_fresh(small_set)
        assert believed().segments.value == 16


def test_a_new_online_response_matches_a_fresh_summary(small_set):
    with small_set.app_context():
        before = warm()
        make_online_response(
            text_answers(
                crime_type=["domestic_abuse"],
                area="liverpool",
                reported="yes",
                reporting_experience="Nobody believed me at first.",
            )
        )
        after = kept_records()
        assert len(after.respondents) == len(before.respondents) + 1
        assert after.respondents[0] is before.respondents[0]  # added to, not read again
        summaries.summary_for(REQUESTS[0])
        kept_from = {id(r) for _, r in small_set.extensions["summary_cache"].summaries.values()}
        assert kept_from == {id(after)}  # nothing keeps the replaced records alive
        kept = assert_kept_equals_fresh(small_set)
        assert kept[0].by_area["liverpool"].value == 16


def test_a_new_response_stored_with_an_old_date_is_found_all_the_same(small_set):
    """New responses are looked for among the latest days' first; one dated earlier (however
    that came about) is found by reading every id, and added as the others are."""
    from datetime import date

    from survey_app.models import Response

    with small_set.app_context():
        before = warm()
        made = make_online_response(
            text_answers(crime_type=["hate_crime"], area="liverpool", reported="no")
        )
        db.session.execute(
            update(Response).where(Response.id == made).values(submitted_on=date(2001, 1, 1))
        )
        db.session.commit()
        after = kept_records()
        assert after.respondents[0] is before.respondents[0]  # added to, not read again
        assert made in after.respondent_ids
        assert_kept_equals_fresh(small_set)


def test_a_paper_response_made_final_matches_a_fresh_summary(small_set, full_coding_reads):
    """Keying a paper copy and making it final is audited, and only adds a response: it is
    added to the kept records as an online one is."""
    with small_set.app_context():
        before = warm()
        full_coding_reads.clear()
        make_paper_response(
            text_answers(
                crime_type=["domestic_abuse"],
                area="liverpool",
                reported="yes",
                reporting_experience="I filled in the form at the library.",
            )
        )
        after = kept_records()
        assert after.respondents[0] is before.respondents[0]  # added to, not read again
        assert len(after.respondents) == len(before.respondents) + 1
        assert full_coding_reads == []
        kept = assert_kept_equals_fresh(small_set)
        assert kept[0].by_area["liverpool"].value == 16


def kept_objects(before: list, after: list) -> int:
    """How many of ``after``'s records are ``before``'s very objects (not read again)."""
    kept = {id(record) for record in before}
    return sum(id(record) in kept for record in after)


def paper_copy(response_id: str) -> PaperCopy:
    return db.session.scalar(select(PaperCopy).where(PaperCopy.response_id == response_id))


@pytest.mark.parametrize("what", ["area", "text", "both"])
def test_a_correction_reads_only_its_response_again_and_matches_a_fresh_summary(
    small_set, full_reads, what
):
    """A correction (audited with the response's id) of the area (another group and cell) or
    of a free-text answer (its segment's text, sentiment and codings to review): the response
    is taken out of the kept records and read again, nothing else."""
    from survey_app.services import corrections, questionnaires
    from survey_app.services.users import create_user

    with small_set.app_context():
        before = warm()
        admin = create_user("cache-admin@example.org", "admin", PASSWORD)
        admin = db.session.get(User, admin.id)
        copy = paper_copy(small_set.config["TEST_IDS"]["paper"][0])
        found = questionnaires.find_questionnaire(SLUG)
        answers = corrections.final_answers(copy)
        if what in ("area", "both"):
            answers["area"] = Answer.answered_with("liverpool")
        if what in ("text", "both"):
            answers["reporting_experience"] = Answer.answered_with("They were wonderful.")
        corrections.correct(copy, admin, found.definition, answers, "keyed wrongly", 1)
        full_reads.clear()
        after = kept_records()
        assert full_reads == []
        assert len(after.respondents) == len(before.respondents)
        assert kept_objects(before.respondents, after.respondents) == len(before.respondents) - 1
        kept = assert_kept_equals_fresh(small_set)
        if what != "text":
            assert kept[0].by_area["liverpool"].value == 16


def test_a_codebook_merge_matches_a_fresh_summary(small_set):
    from survey_app.services import codebook_edits

    with small_set.app_context():
        warm()
        codebook_edits.merge(data.SPEED, "waiting_times", a_researcher())
        kept = assert_kept_equals_fresh(small_set)
        themes = {t.theme: t for stage in kept[0].stages.values() for t in stage.themes}
        assert data.SPEED not in themes and themes["waiting_times"].segments.value == 12


def test_a_segment_rebuild_after_an_answer_changed_matches_a_fresh_summary(small_set, full_reads):
    """A rebuild that changes a coded segment's text writes coding events (needs review) and
    an audit event: the kept segments are read again, not only the codings."""
    from survey_app.services import questionnaires, segments

    with small_set.app_context():
        before = warm()
        response_id = small_set.config["TEST_IDS"]["liverpool"][0]
        db.session.execute(
            update(AnswerRow)
            .where(AnswerRow.response_id == response_id)
            .where(AnswerRow.question == "reporting_experience")
            .values(value="n/a")
        )
        db.session.commit()
        changes = segments.rebuild(questionnaires.definition_of)
        assert changes.changed == 1
        full_reads.clear()
        after = kept_records()
        assert full_reads == []  # the audit event named the one response
        assert after.segments is not before.segments
        assert kept_objects(before.respondents, after.respondents) == len(before.respondents) - 1
        assert_kept_equals_fresh(small_set)
        assert believed().segments.value == 14  # "n/a" says nothing: out of the theme


def test_a_full_read_lets_the_old_records_go_first(small_set, monkeypatch):
    """Nothing kept (records, or summaries made from them) holds the old records while the new
    ones are read: at 100,000 responses the two copies took the process to 5 GB."""
    from survey_app.services import audit

    with small_set.app_context():
        warm()
        audit.record(None, "segments.rebuild", new={"added": 0, "changed": 1, "removed": 0})
        db.session.commit()
        seen = []
        respondents = summaries.respondents_of

        def looked_at(questionnaire_id, questions, only=None):
            if only is None:
                cache = small_set.extensions["summary_cache"]
                seen.append((dict(cache.records), len(cache.summaries)))
            return respondents(questionnaire_id, questions, only)

        monkeypatch.setattr(summaries, "respondents_of", looked_at)
        kept_records()
        assert seen == [({}, 0)]
        assert_kept_equals_fresh(small_set)


def test_an_audit_event_that_names_nothing_means_everything_is_read(small_set, full_reads):
    """A counted audit event the summary cannot interpret (here a rebuild's event as written
    before rebuilds named their responses) makes it read everything again."""
    from survey_app.services import audit

    with small_set.app_context():
        warm()
        audit.record(None, "segments.rebuild", new={"added": 0, "changed": 1, "removed": 0})
        db.session.commit()
        full_reads.clear()
        kept_records()
        assert full_reads == ["respondents", "segments"]
        assert_kept_equals_fresh(small_set)


def test_an_audit_event_with_an_earlier_id_committed_late_means_everything_is_read(
    small_set, full_reads
):
    """Counted audit events are found by id after the kept one; one that committed after a
    higher id was read (a PostgreSQL sequence allows it) is not found that way: the count of
    events tells, and everything is read again."""
    from survey_app.models import AuditEvent

    with small_set.app_context():
        warm()
        highest = db.session.scalar(select(func.max(AuditEvent.id)))
        kept = small_set.extensions["summary_cache"].records[small_set_qid()]
        small_set.extensions["summary_cache"].records[small_set_qid()] = kept._replace(
            audits=summaries.AuditMark(kept.audits.count, highest + 10)
        )
        response_id = small_set.config["TEST_IDS"]["liverpool"][0]
        from survey_app.services import audit

        audit.record(None, "response.correct", response_id=response_id, field="area")
        db.session.commit()
        full_reads.clear()
        kept_records()
        assert full_reads == ["respondents", "segments"]
        assert_kept_equals_fresh(small_set)


TRANSCRIPT = [
    "Jane (Facilitator): Thinking about what happened, did you report it to the police?",
    "Sam: I rang 101 twice and nobody believed me at first.",
    "Alex: They never told me what was happening with my case.",
    "Facilitator: How have you coped since it happened?",
    "Sam: Counselling helped me cope.",
]


def import_session(tmp_path, area="liverpool") -> str:
    """A focus-group transcript stored through the command line's service; every turn coded
    by a person. Returns the session's id."""
    from datetime import date

    from survey_app.services import coding, topic_guides, transcripts

    path = tmp_path / "t.txt"
    path.write_text("\n".join(TRANSCRIPT))
    guide = topic_guides.guide_of(topic_guides.current_version("victims-focus-group"))
    preview = transcripts.read_for_import(path, guide).preview
    session, turns = transcripts.store_new_session(
        kind="focus_group",
        held_on=date(2015, 3, 4),
        area=area,
        crime_types=["domestic_abuse"],
        guide_name="victims-focus-group",
        preview=preview,
    )
    assert turns == 5
    coder = a_researcher()
    for sid in db.session.scalars(
        select(Segment.id).where(
            Segment.session_ref == session.id, Segment.speaker != "Facilitator"
        )
    ):
        coding.code_by_person(sid, data.BELIEVED, coder)
    return session.id


def test_a_transcript_stored_changed_and_deleted_matches_a_fresh_summary(
    small_set, full_reads, tmp_path
):
    """A transcript's import, its session's change (the turns follow its area) and its
    turns' deletion are audited with the session's id: its turns are taken out of the kept
    records and read again, nothing else."""
    from datetime import date

    from survey_app.services import focus_groups, transcripts

    with small_set.app_context():
        before = warm()
        session_id = import_session(tmp_path)
        full_reads.clear()
        after = kept_records()
        assert full_reads == [] and after.respondents is not before.respondents
        kept = assert_kept_equals_fresh(small_set)
        assert kept[0].themes_base["participants"].suppressed == "small"  # 2 of them
        entered = focus_groups.SessionInput.of(focus_groups.find_session(session_id))
        researcher = db.session.scalar(select(User).where(User.email.like("cache-%")))
        entered = replace(
            entered,
            area="wirral",
            facilitators=[str(researcher.id)],
            consent_obtained="yes",
            consent_method="written",
        )
        focus_groups.update_session(session_id, entered, researcher, date(2015, 3, 5))
        full_reads.clear()
        kept_records()
        assert full_reads == []
        assert {s.metadata["area"] for s in kept_records().segments if s.source != "survey"} == {
            "wirral"
        }
        assert_kept_equals_fresh(small_set)
        transcripts.delete_stored(session_id, researcher, 5)
        full_reads.clear()
        kept_records()
        assert full_reads == []
        assert not any(s.source == "focus_group" for s in kept_records().segments)
        assert_kept_equals_fresh(small_set)


def test_a_segment_stores_its_sentiment_and_a_new_text_gets_a_new_score(small_set):
    from analysis.sentiment import sentiment_score
    from survey_app.services import corrections, questionnaires
    from survey_app.services.users import create_user

    with small_set.app_context():
        copy = paper_copy(small_set.config["TEST_IDS"]["paper"][0])
        segment = db.session.scalar(select(Segment).where(Segment.response_id == copy.response_id))
        assert segment.sentiment == sentiment_score(segment.text)
        admin = create_user("cache-admin@example.org", "admin", PASSWORD)
        admin = db.session.get(User, admin.id)
        found = questionnaires.find_questionnaire(SLUG)
        answers = corrections.final_answers(copy)
        answers["reporting_experience"] = Answer.answered_with("They were wonderful and kind.")
        corrections.correct(copy, admin, found.definition, answers, "keyed wrongly", 1)
        db.session.refresh(segment)
        assert segment.sentiment == sentiment_score("They were wonderful and kind.") > 0.5


def test_the_summary_and_the_workspace_read_the_stored_score(small_set):
    """A stored score is used as it is (a segment written around the services, without one,
    is scored by the reader)."""
    from survey_app.services import questionnaires, workspace

    with small_set.app_context():
        qid = questionnaires.find_questionnaire(SLUG).row.id
        sid = make_segment("I am furious and miserable.", stage="reporting", questionnaire_id=qid)
        unscored = make_segment("I am furious.", stage="reporting", questionnaire_id=qid)
        assert db.session.get(Segment, sid).sentiment is None
        db.session.execute(update(Segment).where(Segment.id == sid).values(sentiment=0.9))
        db.session.commit()
        workspace.index_missing()
        assert db.session.get(SearchText, sid).sentiment == "positive"
        assert db.session.get(SearchText, unscored).sentiment == "negative"
        records = kept_records()
        assert records.scores[sid] == 0.9
        assert unscored not in records.scores and unscored in {s.id for s in records.segments}


def test_the_migration_scores_the_segments_already_there_and_downgrades(fresh_database_url):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, text

    from analysis.sentiment import sentiment_score
    from tests.conftest import make_app

    app = make_app(fresh_database_url)
    with app.app_context():
        upgrade(revision="0007_codebook_agreement")
        db.session.execute(
            text(
                "INSERT INTO segment (id, source, stage, text, crime_types) "
                "VALUES ('s1', 'survey', 'recovery', 'The counselling was brilliant.', '[]')"
            )
        )
        db.session.commit()
        upgrade(revision="0008_segment_sentiment")
        stored = db.session.scalar(text("SELECT sentiment FROM segment WHERE id = 's1'"))
        assert stored == sentiment_score("The counselling was brilliant.") > 0.5
        db.session.commit()
        db.engine.dispose()
        downgrade(revision="0007_codebook_agreement")
        db.engine.dispose()
        assert "sentiment" not in {c["name"] for c in inspect(db.engine).get_columns("segment")}
        db.engine.dispose()


def test_showing_a_segments_original_text_keeps_the_records(small_set):
    """An audited read (a segment's original shown) changes nothing the summary reads."""
    from survey_app.services import research

    with small_set.app_context():
        researcher = a_researcher()
        before = warm()
        research.reveal(small_set.config["TEST_IDS"]["believed"][0], researcher)
        assert kept_records() is before
        assert_kept_equals_fresh(small_set)


def test_warming_reads_every_questionnaires_records(small_set):
    with small_set.app_context():
        assert SLUG in summaries.warm()
        before = kept_records()
        assert len(before.respondents) == data.TOTAL
        summaries.summary_for(summaries.Request(slug=SLUG))
        assert kept_records() is before


def test_the_gunicorn_hook_warms_only_when_asked(small_set, monkeypatch):
    """post_worker_init (gunicorn.conf.py) warms the summary in a thread when
    SURVEY_WARM_SUMMARY=1, and does nothing otherwise."""
    import runpy
    import threading
    import types
    from pathlib import Path

    hook = runpy.run_path(str(Path(__file__).parents[3] / "gunicorn.conf.py"))["post_worker_init"]
    worker = types.SimpleNamespace(wsgi=small_set, log=None)
    monkeypatch.delenv("SURVEY_WARM_SUMMARY", raising=False)
    hook(worker)
    assert "summary_cache" not in small_set.extensions
    monkeypatch.setenv("SURVEY_WARM_SUMMARY", "1")
    hook(worker)
    for thread in threading.enumerate():
        if thread.name == "warm-summary":
            thread.join(60)
    with small_set.app_context():
        kept = small_set.extensions["summary_cache"].records.values()
        assert summaries.fingerprint(small_set_qid()) in {entry[0] for entry in kept}


def test_the_gunicorn_master_warms_before_forking_when_asked(small_set, monkeypatch):
    """when_ready (gunicorn.conf.py) reads the records in the master when
    SURVEY_WARM_SUMMARY=preload, so the workers it forks start with them, besides compiling the
    templates as it always does."""
    import logging
    import runpy
    import types
    from pathlib import Path

    conf = runpy.run_path(str(Path(__file__).parents[3] / "gunicorn.conf.py"))
    server = types.SimpleNamespace(
        app=types.SimpleNamespace(callable=small_set), log=logging.getLogger("test")
    )
    monkeypatch.setenv("SURVEY_WARM_SUMMARY", "1")
    conf["when_ready"](server)
    assert "summary_cache" not in small_set.extensions
    # The same hook compiles the templates first (survey_app/warm_up.py): one when_ready does both.
    assert any(name == "respond/question.html" for _, name in small_set.jinja_env.cache)
    monkeypatch.setenv("SURVEY_WARM_SUMMARY", "preload")
    conf["post_worker_init"](types.SimpleNamespace(wsgi=small_set, log=None))  # not in workers
    assert "summary_cache" not in small_set.extensions
    conf["when_ready"](server)
    assert "summary_cache" in small_set.extensions
    with small_set.app_context():
        assert len(kept_records().respondents) == data.TOTAL


def new_version(app, tmp_path, minutes: int) -> None:
    """A new version of the questionnaire that asks the same questions (another estimate of
    the minutes it takes)."""
    import shutil
    from datetime import date

    from survey_app.services.definitions import sync_definitions

    folder = tmp_path / f"q{minutes}"
    shutil.copytree(app.config["QUESTIONNAIRES_DIR"], folder)
    path = folder / "victims-experience-survey.yaml"
    path.write_text(
        path.read_text().replace("estimated_minutes: 15", f"estimated_minutes: {minutes}")
    )
    assert any(done.created for done in sync_definitions(folder, date.today()))


def test_a_new_version_with_the_same_closed_questions_keeps_the_records(
    small_set, full_reads, tmp_path, monkeypatch
):
    """A new questionnaire version changes no stored answer or segment: when it asks the same
    closed questions the kept records stay; when it asks others, everything is read again
    (the answers to read are those of every version's closed questions)."""
    with small_set.app_context():
        before = warm()
        new_version(small_set, tmp_path, 16)
        full_reads.clear()
        assert kept_records() is before and full_reads == []
        assert_kept_equals_fresh(small_set)
        warm()
        names = summaries.closed_names(small_set_qid())
        monkeypatch.setattr(summaries, "closed_names", lambda _qid: names | {"a_new_question"})
        new_version(small_set, tmp_path, 17)
        full_reads.clear()
        kept_records()
        assert full_reads == ["respondents", "segments"]
