"""Questionnaires: syncing definition files into versions, and finding what is open."""

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from survey_app.database import committing, read_row, transaction
from survey_app.extensions import db
from survey_app.models import QuestionnaireRow, QuestionnaireVersion
from survey_app.questionnaire import Questionnaire, load_directory, load_questionnaire_text
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

    row: QuestionnaireRow
    version: QuestionnaireVersion
    definition: Questionnaire


@transaction
def sync_questionnaires(directory: Path, today: date) -> list[SyncResult]:
    """Load and validate every questionnaire file; new content becomes a new current version.

    Every file is validated before anything is written, so one bad file changes nothing.
    """
    definitions = load_directory(directory)
    results = [sync_one(definition, today) for definition in definitions]
    return results


def sync_one(definition: Questionnaire, today: date) -> SyncResult:
    row = db.session.scalar(
        select(QuestionnaireRow).where(QuestionnaireRow.slug == definition.slug)
    )
    previous = None
    if row is None:
        row = QuestionnaireRow(slug=definition.slug, title=definition.title)
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
    row: QuestionnaireRow, definition: Questionnaire, previous: Questionnaire | None
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


def _audit_dates(actor, row: QuestionnaireRow, old: tuple) -> None:
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
_parsed_by_hash: dict[str, Questionnaire] = {}


def definition_of(version: QuestionnaireVersion) -> Questionnaire:
    """Return the parsed definition of a stored version."""
    return _parsed(version.content_hash, lambda: (version.source_text, version.source))


def _parsed(content_hash: str, source) -> Questionnaire:
    parsed = _parsed_by_hash.get(content_hash)
    if parsed is None:
        parsed = load_questionnaire_text(*source())
        _parsed_by_hash[content_hash] = parsed
    return parsed


@dataclass(frozen=True)
class PublishedRow:
    """A questionnaire row as respondents' pages read it: a snapshot, not an ORM object."""

    id: int
    slug: str
    title: str
    opens_on: date | None
    closes_on: date | None

    is_open = QuestionnaireRow.is_open  # the same rule as the model's


@dataclass(frozen=True)
class PublishedVersion:
    """A stored version with its parsed definition (versions never change once stored)."""

    id: int
    questionnaire_id: int
    number: int
    content_hash: str
    definition: Questionnaire


_RECENT = "survey_recently_published"  # app.extensions key: slug -> (read at, lookup)


def find_published(slug: str, max_age: float = 0) -> OpenQuestionnaire | None:
    """Like find_questionnaire, for respondents' pages: one small query and no ORM objects.

    Its `row` and `version` are read-only snapshots; use find_questionnaire to change a row.
    With `max_age` > 0, what this app read up to that many seconds ago may be returned.
    """
    recent = current_app.extensions.setdefault(_RECENT, {})
    now = _clock()
    if max_age > 0 and slug in recent and now - recent[slug][0] < max_age:
        return recent[slug][1]
    found = _find_published(slug)
    if found is not None:  # unknown slugs are not remembered: they could fill the memory
        if len(recent) >= MAX_RECENT:
            recent.clear()
        recent[slug] = (now, found)
    return found


def recent_lookup(app, slug: str) -> tuple | None:
    """The lookup `find_published` would reuse for `slug` (its time and result), or None."""
    return app.extensions.get(_RECENT, {}).get(slug)


def is_recent_lookup(app, slug: str, lookup: tuple, max_age: float) -> bool:
    """True while `find_published(slug, max_age)` would still return this very lookup."""
    recent = app.extensions.get(_RECENT, {})
    return recent.get(slug) is lookup and _clock() - lookup[0] < max_age


def last_published(slug: str) -> OpenQuestionnaire | None:
    """What this app last read of a questionnaire, however long ago, without the database (for
    showing a page again when the database cannot be reached); None if it never read it."""
    recent = current_app.extensions.get(_RECENT, {})
    return recent[slug][1] if slug in recent else None


MAX_RECENT = 100
_clock = time.monotonic


_QUESTIONNAIRE = QuestionnaireRow.__table__
# Built once: every answer POST runs it (answers are accepted only on a fresh read).
_PUBLISHED = select(
    _QUESTIONNAIRE.c.id,
    _QUESTIONNAIRE.c.slug,
    _QUESTIONNAIRE.c.title,
    _QUESTIONNAIRE.c.opens_on,
    _QUESTIONNAIRE.c.closes_on,
    _QUESTIONNAIRE.c.current_version_id,
).where(_QUESTIONNAIRE.c.slug == bindparam("slug"))


def _find_published(slug: str) -> OpenQuestionnaire | None:
    row = read_row(_PUBLISHED, {"slug": slug})  # slugs are unique: one row or none
    if row is None or row[-1] is None:
        return None
    *columns, version_id = row
    version = published_version(version_id)
    snapshot = PublishedRow(*columns)
    return OpenQuestionnaire(row=snapshot, version=version, definition=version.definition)


def published_version(version_id: int) -> PublishedVersion:
    """A stored version and its parsed definition, read from the database once per app."""
    cache = current_app.extensions.setdefault("survey_published_versions", {})
    version = cache.get(version_id)
    if version is None:
        table = QuestionnaireVersion.__table__
        row = db.session.execute(
            select(
                table.c.id,
                table.c.questionnaire_id,
                table.c.number,
                table.c.content_hash,
                table.c.source_text,
                table.c.source,
            ).where(table.c.id == version_id)
        ).one()
        definition = _parsed(row.content_hash, lambda: (row.source_text, row.source))
        version = PublishedVersion(
            row.id, row.questionnaire_id, row.number, row.content_hash, definition
        )
        cache[version_id] = version
    return version


def open_questionnaires(today: date) -> list[OpenQuestionnaire]:
    """Questionnaires that accept answers today, by title."""
    rows = db.session.scalars(
        select(QuestionnaireRow)
        .options(joinedload(QuestionnaireRow.current_version))
        .where(QuestionnaireRow.current_version_id.is_not(None))
        .order_by(QuestionnaireRow.title)
    )
    return [_with_definition(row) for row in rows if row.is_open(today)]


def find_questionnaire(slug: str) -> OpenQuestionnaire | None:
    """Return a questionnaire by slug (open or not), or None."""
    # One query: the version comes with the row (its large columns stay unloaded).
    row = db.session.scalar(
        select(QuestionnaireRow)
        .options(joinedload(QuestionnaireRow.current_version))
        .where(QuestionnaireRow.slug == slug)
    )
    if row is None or row.current_version is None:
        return None
    return _with_definition(row)


def find_version(version_id: int) -> QuestionnaireVersion | None:
    """Return a stored version by id."""
    return db.session.get(QuestionnaireVersion, version_id)


def _with_definition(row: QuestionnaireRow) -> OpenQuestionnaire:
    version = row.current_version
    return OpenQuestionnaire(row=row, version=version, definition=definition_of(version))


def all_questionnaires() -> list[QuestionnaireRow]:
    """Every questionnaire that has a version, by title."""
    return list(
        db.session.scalars(
            select(QuestionnaireRow)
            .where(QuestionnaireRow.current_version_id.is_not(None))
            .order_by(QuestionnaireRow.title)
        )
    )


def set_dates(
    row: QuestionnaireRow, opens_on: date | None, closes_on: date | None, actor=None
) -> None:
    """Set when a questionnaire opens and closes for respondents (None: no limit); audited."""
    old = (row.opens_on, row.closes_on)
    with committing():
        row.opens_on = opens_on
        row.closes_on = closes_on
        _audit_dates(actor, row, old)
    # This worker shows the change at once; others within PUBLISHED_CACHE_SECONDS.
    current_app.extensions.get(_RECENT, {}).pop(row.slug, None)
