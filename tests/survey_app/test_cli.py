"""The flask commands: questionnaires sync and users create."""

import shutil

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import QuestionnaireVersion, User
from survey_app.services.users import check_password


def test_sync_creates_a_version_then_reports_unchanged(app, runner):
    first = runner.invoke(args=["questionnaires", "sync"])
    assert first.exit_code == 0, first.output
    assert "version 1 (new version)" in first.output
    again = runner.invoke(args=["questionnaires", "sync"])
    assert "version 1 (unchanged)" in again.output


def test_changed_file_becomes_a_new_version(app, runner, tmp_path):
    source = app.config["QUESTIONNAIRES_DIR"]
    for name in ("victims-experience-survey.yaml", "support-services.yaml"):
        shutil.copy(f"{source}/{name}", tmp_path / name)
    app.config["QUESTIONNAIRES_DIR"] = str(tmp_path)
    runner.invoke(args=["questionnaires", "sync"])
    path = tmp_path / "victims-experience-survey.yaml"
    path.write_text(path.read_text().replace("What happened to you?", "What happened?"))
    result = runner.invoke(args=["questionnaires", "sync"])
    assert "version 2 (new version)" in result.output
    with app.app_context():
        versions = db.session.scalars(select(QuestionnaireVersion)).all()
        assert [v.number for v in versions] == [1, 2]


def test_sync_names_the_file_and_question_of_a_bad_definition(app, runner, tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "kind: questionnaire\nslug: bad\ntitle: Bad\nestimated_minutes: 5\nsections:\n"
        "  - id: s\n    title: S\n    pages:\n      - id: p\n        questions:\n"
        "          - name: q1\n            type: dropdown\n            label: Q\n"
    )
    app.config["QUESTIONNAIRES_DIR"] = str(tmp_path)
    result = runner.invoke(args=["questionnaires", "sync"])
    assert result.exit_code != 0
    assert "bad.yaml" in result.output
    assert "q1" in result.output


def test_users_create_reads_password_from_stdin(app, runner):
    result = runner.invoke(
        args=["users", "create", "admin@example.org", "--role", "admin", "--password-stdin"],
        input="a long unusual passphrase\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.role == "admin"
        assert check_password(user, "a long unusual passphrase")
        assert "passphrase" not in user.password_hash


def test_users_create_refuses_common_and_short_passwords(app, runner):
    for password in ("password1", "short"):
        result = runner.invoke(
            args=["users", "create", "a@example.org", "--role", "entry", "--password-stdin"],
            input=password + "\n",
        )
        assert result.exit_code != 0
        assert "Password" in result.output


def test_users_create_refuses_unknown_role(app, runner):
    result = runner.invoke(
        args=["users", "create", "a@example.org", "--role", "boss", "--password-stdin"],
        input="a long unusual passphrase\n",
    )
    assert result.exit_code != 0
