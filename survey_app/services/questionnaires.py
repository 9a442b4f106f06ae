"""Questionnaires: syncing definition files into versions, and finding what is open."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import Questionnaire, QuestionnaireVersion
from survey_app.questionnaire import Questionnaire as Definition
from survey_app.questionnaire import load_directory, load_questionnaire_text
from survey_app.services import audit


@dataclass(frozen=True)
class SyncResult:
    """What `questionnaires sync` did with one file."""

    slug: str
    source: str
    version_number: int
    created: bool  # False when the file was unchanged


@dataclass(frozen=True)
class OpenQuestionnaire:
    """A questionnaire row with the definition of its current version."""

    row: Questionnaire
    version: QuestionnaireVersion
    definition: Definition


def sync_questionnaires(directory: Path, today: date) -> list[SyncResult]:
    """Load and validate every questionnaire file; new content becomes a new current version.

    Every file is validated before anything is written, so one bad file changes nothing.
    """
    definitions = load_directory(directory)
    results = [_sync_one(definition, today) for definition in definitions]
    db.session.commit()
    return results


def _sync_one(definition: Definition, today: date) -> SyncResult:
    row = db.session.scalar(select(Questionnaire).where(Questionnaire.slug == definition.slug))
    previous = None
    if row is None:
        row = Questionnaire(slug=definition.slug, title=definition.title)
        db.session.add(row)
        db.session.flush()
    elif row.current_version is not None:
        previous = definition_of(row.current_version)
    existing = db.session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == row.id,
            QuestionnaireVersion.content_hash == definition.version,
        )
    )
    if existing is not None:
        return SyncResult(definition.slug, definition.source, existing.number, created=False)
    latest = db.session.scalar(
        select(func.max(QuestionnaireVersion.number)).where(
            QuestionnaireVersion.questionnaire_id == row.id
        )
    )
    version = QuestionnaireVersion(
        questionnaire_id=row.id,
        number=(latest or 0) + 1,
        content_hash=definition.version,
        source=definition.source,
        source_text=definition.source_text,
        definition=definition.definition,
        loaded_on=today,
    )
    db.session.add(version)
    db.session.flush()
    row.title = definition.title
    _dates_from_file(row, definition, previous)
    row.current_version_id = version.id
    return SyncResult(definition.slug, definition.source, version.number, created=True)


def _dates_from_file(
    row: Questionnaire, definition: Definition, previous: Definition | None
) -> None:
    """Take a date from the file only if the file is new or its date changed since the last version.

    Otherwise the date an admin set at /staff/admin/questionnaires stays: loading a new version
    for a wording change must not reopen or close a questionnaire.
    """
    old = (row.opens_on, row.closes_on)
    if previous is None or definition.opens != previous.opens:
        row.opens_on = definition.opens
    if previous is None or definition.closes != previous.closes:
        row.closes_on = definition.closes
    if previous is not None and (row.opens_on, row.closes_on) != old:
        _audit_dates(None, row, old)


def _audit_dates(actor, row: Questionnaire, old: tuple) -> None:
    """Record a change of opening or closing date (actor None: the sync command)."""
    for field, before, after in (
        ("opens_on", old[0], row.opens_on),
        ("closes_on", old[1], row.closes_on),
    ):
        if before != after:
            audit.record(
                actor,
                "questionnaire.dates",
                field=f"{row.slug}.{field}",
                old=before.isoformat() if before else None,
                new=after.isoformat() if after else None,
            )


# Versions never change once stored, so a parsed definition is reused by every request.
_parsed_by_hash: dict[str, Definition] = {}


def definition_of(version: QuestionnaireVersion) -> Definition:
    """Return the parsed definition of a stored version."""
    parsed = _parsed_by_hash.get(version.content_hash)
    if parsed is None:
        parsed = load_questionnaire_text(version.source_text, version.source)
        _parsed_by_hash[version.content_hash] = parsed
    return parsed


def open_questionnaires(today: date) -> list[OpenQuestionnaire]:
    """Questionnaires that accept answers today, by title."""
    rows = db.session.scalars(
        select(Questionnaire)
        .where(Questionnaire.current_version_id.is_not(None))
        .order_by(Questionnaire.title)
    )
    return [_with_definition(row) for row in rows if row.is_open(today)]


def find_questionnaire(slug: str) -> OpenQuestionnaire | None:
    """Return a questionnaire by slug (open or not), or None."""
    row = db.session.scalar(select(Questionnaire).where(Questionnaire.slug == slug))
    if row is None or row.current_version is None:
        return None
    return _with_definition(row)


def find_version(version_id: int) -> QuestionnaireVersion | None:
    """Return a stored version by id."""
    return db.session.get(QuestionnaireVersion, version_id)


def _with_definition(row: Questionnaire) -> OpenQuestionnaire:
    version = row.current_version
    return OpenQuestionnaire(row=row, version=version, definition=definition_of(version))


def all_questionnaires() -> list[Questionnaire]:
    """Every questionnaire that has a version, by title."""
    return list(
        db.session.scalars(
            select(Questionnaire)
            .where(Questionnaire.current_version_id.is_not(None))
            .order_by(Questionnaire.title)
        )
    )


def set_dates(
    row: Questionnaire, opens_on: date | None, closes_on: date | None, actor=None
) -> None:
    """Set when a questionnaire opens and closes for respondents (None: no limit); audited."""
    old = (row.opens_on, row.closes_on)
    row.opens_on = opens_on
    row.closes_on = closes_on
    _audit_dates(actor, row, old)
    db.session.commit()
