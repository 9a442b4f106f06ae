"""`questionnaires sync` keeps the dates an admin set unless the file's own dates change."""

from datetime import date

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AuditEvent, QuestionnaireRow
from survey_app.services.questionnaires import set_dates, sync_questionnaires

SMALL = """
kind: questionnaire
slug: dates-test
title: Dates test
estimated_minutes: 1
{dates}
sections:
  - id: only
    title: Only
    pages:
      - id: first
        questions:
          - name: first
            type: short_text
            label: {label}
"""


def write(folder, label="What happened?", opens="2027-01-01", closes="2027-12-31"):
    """A one-question questionnaire file with the given dates (None: no date line)."""
    dates = "\n".join(
        f"{key}: {value}" for key, value in (("opens", opens), ("closes", closes)) if value
    )
    (folder / "dates-test.yaml").write_text(SMALL.format(dates=dates, label=label))


def sync(app, folder):
    with app.app_context():
        sync_questionnaires(folder, date(2027, 1, 1))


def dates(app):
    with app.app_context():
        row = db.session.scalar(
            select(QuestionnaireRow).where(QuestionnaireRow.slug == "dates-test")
        )
        return row.opens_on, row.closes_on


def admin_sets(app, opens, closes):
    with app.app_context():
        row = db.session.scalar(
            select(QuestionnaireRow).where(QuestionnaireRow.slug == "dates-test")
        )
        set_dates(row, opens, closes)


def test_a_new_questionnaire_takes_its_dates_from_the_file(app, tmp_path):
    write(tmp_path)
    sync(app, tmp_path)
    assert dates(app) == (date(2027, 1, 1), date(2027, 12, 31))


def test_a_new_version_keeps_the_dates_an_admin_set(app, tmp_path):
    write(tmp_path)
    sync(app, tmp_path)
    admin_sets(app, date(2027, 3, 1), None)
    write(tmp_path, label="What happened to you?")  # wording only
    sync(app, tmp_path)
    assert dates(app) == (date(2027, 3, 1), None)


def test_a_date_changed_in_the_file_replaces_only_that_date(app, tmp_path):
    write(tmp_path)
    sync(app, tmp_path)
    admin_sets(app, date(2027, 3, 1), date(2027, 6, 30))
    write(tmp_path, closes="2028-01-31")  # the file's closing date changed, opening did not
    sync(app, tmp_path)
    assert dates(app) == (date(2027, 3, 1), date(2028, 1, 31))
    with app.app_context():
        changes = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "questionnaire.dates")
        ).all()
        from_sync = [e for e in changes if e.actor_id is None and e.old_value == "2027-06-30"]
        assert [(e.field, e.new_value) for e in from_sync] == [
            ("dates-test.closes_on", "2028-01-31")
        ]


def test_removing_a_date_from_the_file_removes_it(app, tmp_path):
    write(tmp_path)
    sync(app, tmp_path)
    admin_sets(app, date(2027, 3, 1), date(2027, 6, 30))
    write(tmp_path, opens=None)
    sync(app, tmp_path)
    assert dates(app) == (None, date(2027, 6, 30))
