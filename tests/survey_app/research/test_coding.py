"""Codebooks synced by kind, machine coding that never overwrites, and the coding history."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import Codebook, CodebookVersion, Coding, CodingEvent, Theme, User
from survey_app.services import coding, definitions
from tests.conftest import make_user
from tests.survey_app.research.factories import make_segment
from tests.survey_app.research.workspace_data import suggestion


@pytest.fixture
def coded_app(synced):
    """The shipped questionnaires and codebook loaded through `questionnaires sync`."""
    result = synced.test_cli_runner().invoke(args=["questionnaires", "sync"])
    assert result.exit_code == 0, result.output
    return synced


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_sync_loads_the_codebook_by_its_kind_with_versions_and_themes(app, runner):
    first = runner.invoke(args=["questionnaires", "sync"])
    assert first.exit_code == 0, first.output
    assert "codebook victims-services: version 1 (new version) from codebooks/" in first.output
    again = runner.invoke(args=["questionnaires", "sync"])
    assert "codebook victims-services: version 1 (unchanged)" in again.output
    with app.app_context():
        book = db.session.scalar(select(Codebook))
        assert book.current_version.number == 1
        kept = db.session.scalar(select(Theme).where(Theme.key == "kept_informed"))
        assert kept.stage == "engagement"
        assert kept.label
        assert count(CodebookVersion) == 1


def test_a_changed_codebook_becomes_a_new_version(app, runner, tmp_path):
    source = Path(app.config["QUESTIONNAIRES_DIR"]) / "codebooks" / "victims-services.yaml"
    (tmp_path / "codebooks").mkdir()
    target = tmp_path / "codebooks" / "victims-services.yaml"
    target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    app.config["QUESTIONNAIRES_DIR"] = str(tmp_path)
    runner.invoke(args=["questionnaires", "sync"])
    target.write_text(
        target.read_text(encoding="utf-8").replace(
            "Being believed and taken seriously", "Believed"
        ),
        encoding="utf-8",
    )
    result = runner.invoke(args=["questionnaires", "sync"])
    assert "codebook victims-services: version 2 (new version)" in result.output
    with app.app_context():
        assert count(CodebookVersion) == 2


def test_a_file_of_unknown_kind_or_a_bad_codebook_is_named(app, runner, tmp_path):
    (tmp_path / "odd.yaml").write_text("kind: recipe\n")
    app.config["QUESTIONNAIRES_DIR"] = str(tmp_path)
    result = runner.invoke(args=["questionnaires", "sync"])
    assert result.exit_code != 0
    assert "odd.yaml: unknown kind 'recipe'" in result.output
    (tmp_path / "odd.yaml").write_text("kind: codebook\nname: x\nstages:\n  reporting: 3\n")
    result = runner.invoke(args=["questionnaires", "sync"])
    assert result.exit_code != 0
    assert "odd.yaml" in result.output
    (tmp_path / "odd.yaml").write_text("kind: codebook\nname: [x\n")
    result = runner.invoke(args=["questionnaires", "sync"])
    assert "odd.yaml" in result.output
    assert "(line " in result.output


def test_rules_code_each_segment_once_and_the_command_prints_a_summary(coded_app):
    with coded_app.app_context():
        informed = make_segment("Nobody kept me informed about my case.")
        make_segment("The weather was nice.", stage="none")
    runner = coded_app.test_cli_runner()
    result = runner.invoke(args=["research", "code"])
    assert result.exit_code == 0, result.output
    assert "2 segments looked at, 1 given a theme" in result.output
    assert "kept_informed: 1" in result.output
    assert "Time: prepare" in result.output
    with coded_app.app_context():
        stored = db.session.scalars(select(Coding).where(Coding.segment_id == informed)).all()
        assert [(c.theme, c.status) for c in stored] == [("kept_informed", "suggested")]
        assert stored[0].coder.startswith("rules@victims-services-")
        assert 0 < stored[0].confidence < 1
        assert count(CodingEvent) == 1
    again = runner.invoke(args=["research", "code"])
    assert "0 segments looked at" in again.output
    with coded_app.app_context():
        assert count(Coding) == 1


def test_machine_coding_never_overwrites_a_persons_coding_or_decision(coded_app):
    user_id = make_user(coded_app, "researcher")[0]
    with coded_app.app_context():
        segment_id = make_segment("Nobody kept me informed.")
        user = db.session.get(User, user_id)
        coding.code_by_person(segment_id, "kept_informed", user)
        coding.code_segments()
        suggestion = db.session.scalar(select(Coding).where(Coding.status == "suggested"))
        coding.decide(suggestion, user, accept=False)
        coding.code_segments()
        rows = {
            (c.coder.split("@")[0].split(":")[0], c.status)
            for c in db.session.scalars(select(Coding))
        }
        assert rows == {("person", "human"), ("rules", "rejected")}
        actions = [e.action for e in coding.history(segment_id)]
        assert sorted(actions) == ["created", "created", "rejected"]


def test_coding_one_questionnaire_leaves_the_others(coded_app):
    with coded_app.app_context():
        make_segment("Nobody kept me informed.")
        with pytest.raises(coding.CodingError, match="No questionnaire"):
            coding.code_segments("no-such-survey")
        summary = coding.code_segments("victims-experience")
        assert summary.segments == 0


def test_a_model_needs_enough_human_codings_and_then_codes_the_rest(coded_app):
    from analysis.combine import MODEL_READY_CODES

    user_id = make_user(coded_app, "researcher")[0]
    with coded_app.app_context():
        user = db.session.get(User, user_id)
        with pytest.raises(coding.CodingError, match=str(MODEL_READY_CODES)):
            coding.code_segments(coder="model")
        for i in range(MODEL_READY_CODES):
            a = make_segment(f"Nobody ever kept me informed, case {i}, no updates from police.")
            coding.code_by_person(a, "kept_informed", user)
            b = make_segment(f"I waited hours {i} for the police to arrive, far too slow.")
            coding.code_by_person(b, "speed_of_response", user)
        new = make_segment("No updates at all, nobody kept me informed.")
        summary = coding.code_segments(coder="model")
        assert summary.coder.startswith("model:trained-")
        themes = set(db.session.scalars(select(Coding.theme).where(Coding.segment_id == new)))
        assert "kept_informed" in themes


def test_definition_kinds_include_questionnaires_and_codebooks():
    assert {"questionnaire", "codebook"} <= set(definitions.KINDS)


def test_a_model_file_codes_segments_under_its_name_and_hash(coded_app, tmp_path):
    import pickle

    from analysis import ThemeCoder

    texts = [f"Nobody kept me informed, no updates {i}." for i in range(20)] + [
        f"I waited hours {i} for the police, far too slow." for i in range(20)
    ]
    labels = ["kept_informed"] * 20 + ["speed_of_response"] * 20
    path = tmp_path / "coder.pkl"
    path.write_bytes(pickle.dumps(ThemeCoder(cv=3).fit(texts, labels)))
    with coded_app.app_context():
        segment_id = make_segment("Nobody gave me any updates, I was never kept informed.")
    result = coded_app.test_cli_runner().invoke(
        args=["research", "code", "--coder", "model", "--model", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert "model:coder.pkl@" in result.output
    with coded_app.app_context():
        coding_row = db.session.scalar(select(Coding).where(Coding.segment_id == segment_id))
        assert coding_row.theme == "kept_informed"
        assert coding_row.coder.startswith("model:coder.pkl@")
        assert 0 < coding_row.confidence <= 1


OLD_MODEL = "model:old.pkl@0ld"  # a model that ran before, from another file


def test_a_newer_model_run_supersedes_an_older_models_unreviewed_suggestions(coded_app, tmp_path):
    """Retraining must not stack stale suggestions: the older model's pending ones on the
    segments the new model looked at stop counting and leave the review queue; people's
    decisions, and the rule coder's suggestions (another kind of coder), stay as they were."""
    import pickle

    from analysis import ThemeCoder
    from survey_app.services import review

    texts = [f"Nobody kept me informed, no updates {i}." for i in range(20)] + [
        f"I waited hours {i} for the police, far too slow." for i in range(20)
    ]
    labels = ["kept_informed"] * 20 + ["speed_of_response"] * 20
    path = tmp_path / "new.pkl"
    path.write_bytes(pickle.dumps(ThemeCoder(cv=3).fit(texts, labels)))
    user_id = make_user(coded_app, "researcher")[0]
    with coded_app.app_context():
        user = db.session.get(User, user_id)
        waited = make_segment("I waited hours for the police to come, far too slow.")
        informed = make_segment("Nobody kept me informed about my case.")
        stale = suggestion(waited, "kept_informed", 0.97, coder=OLD_MODEL)
        decided = suggestion(informed, "kept_informed", 0.97, coder=OLD_MODEL)
        coding.decide(db.session.get(Coding, decided), user, accept=True)
        coding.code_segments(coder="rules")
        rules_pending = count(Coding, Coding.coder.like("rules@%"), Coding.status == "suggested")
        assert rules_pending >= 1
    result = coded_app.test_cli_runner().invoke(
        args=["research", "code", "--coder", "model", "--model", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert "; 1 earlier unreviewed suggestion superseded" in result.output
    with coded_app.app_context():
        statuses = {c.id: c.status for c in db.session.scalars(select(Coding))}
        assert statuses[stale] == "superseded"
        assert statuses[decided] == "accepted"
        superseded = db.session.scalars(
            select(CodingEvent).where(CodingEvent.action == "superseded")
        ).all()
        mine = [(e.coding_id, e.status, e.actor_id) for e in superseded if e.coding_id == stale]
        assert mine == [(stale, "superseded", None)]
        assert count(Coding, Coding.coder.like("rules@%"), Coding.status == "suggested") == (
            rules_pending
        )
        assert count(Coding, Coding.coder.like("model:new.pkl@%")) >= 1
        # Waiting: the rule coder's and the new model's, not the old model's, and not theirs of
        # the theme a person accepted.
        pending = db.session.execute(
            select(Coding.segment_id, Coding.theme, Coding.coder).where(
                Coding.status == "suggested"
            )
        ).all()
        assert not any(coder == OLD_MODEL for *_, coder in pending)
        waiting = [p for p in pending if (p.segment_id, p.theme) != (informed, "kept_informed")]
        assert len(waiting) < len(pending)
        assert review.waiting() == len(waiting)
    again = coded_app.test_cli_runner().invoke(
        args=["research", "code", "--coder", "model", "--model", str(path)]
    )
    assert "0 segments looked at" in again.output
    assert "superseded" not in again.output


def test_rule_codings_keep_their_direction_so_praise_and_complaint_stay_apart(coded_app):
    """Issue 16: one theme holds "kept me informed" and "never told"; each coding says which."""
    from survey_app.services import research

    with coded_app.app_context():
        praise = make_segment("The officer kept me informed every week.")
        complaint = make_segment("Nobody kept me informed about my case.")
    result = coded_app.test_cli_runner().invoke(args=["research", "code"])
    assert result.exit_code == 0, result.output
    with coded_app.app_context():
        stored = {
            c.segment_id: c.direction
            for c in db.session.scalars(select(Coding).where(Coding.theme == "kept_informed"))
        }
        assert stored == {praise: "positive", complaint: "negative"}
        header, rows = research.segment_table(None)
        by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
        assert by_id[praise]["directions"] == "positive"
        assert by_id[complaint]["directions"] == "negative"
        view = research.segment_page(None, None, 1)[0]
        details = {v.id: v.details for v in view}
        assert "complaint" in details[complaint][0]
        assert "praise" in details[praise][0]
