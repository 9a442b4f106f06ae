"""Codebooks in the database: every change (a changed file, an edit in the browser) is a new
version with its themes.

A version's source text is kept so that the analysis Codebook is rebuilt from it exactly: the
file's own text for a synced file, the edited codebook written as YAML for a browser edit.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import yaml
from flask import current_app
from sqlalchemy import func, select

from analysis.codebook import Codebook as CodebookDefinition
from analysis.codebook import codebook_from_dict
from survey_app.extensions import db
from survey_app.models import Codebook, CodebookVersion, Theme, User


@dataclass(frozen=True)
class CodebookSync:
    """What `questionnaires sync` did with one codebook file."""

    name: str
    source: str
    version_number: int
    created: bool
    themes: int
    # Said when a changed file replaced edits made in the browser.
    note: str = ""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def store_version(
    row: Codebook,
    definition: CodebookDefinition,
    source: str,
    origin: str,
    change: str,
    user: User | None,
    today: date,
    source_text: str | None = None,
) -> CodebookVersion:
    """A new current version of the codebook with its themes (every change is one). Without
    ``source_text`` (a browser edit) the codebook is written as YAML."""
    latest = db.session.scalar(
        select(func.max(CodebookVersion.number)).where(CodebookVersion.codebook_id == row.id)
    )
    number = (latest or 0) + 1
    content_hash = definition.version
    taken = db.session.scalar(
        select(CodebookVersion.id).where(
            CodebookVersion.codebook_id == row.id, CodebookVersion.content_hash == content_hash
        )
    )
    if taken is not None:  # back to an earlier content (a rename undone): still a new version
        content_hash = f"{content_hash}.{number}"
    version = CodebookVersion(
        codebook_id=row.id,
        number=number,
        content_hash=content_hash,
        source=source,
        source_text=source_text
        if source_text is not None
        else yaml.safe_dump(definition.to_dict(), sort_keys=False, allow_unicode=True, width=100),
        loaded_on=today,
        origin=origin,
        change=change,
        made_by_id=user.id if user else None,
        made_by_email=user.email if user else None,
        made_at=_now(),
    )
    version.themes = [
        Theme(
            key=theme.id,
            label=theme.label,
            stage=theme.stage,
            definition=theme.definition,
            parent_key=theme.parent,
            position=position,
        )
        for position, theme in enumerate(definition.all_themes())
    ]
    db.session.add(version)
    db.session.flush()
    row.current_version_id = version.id
    return version


def sync_codebook(
    definition: CodebookDefinition, source: str, source_text: str, today: date
) -> CodebookSync:
    """Store a validated codebook file as a new current version when the file changed.

    A file whose content is the one last synced changes nothing, so edits made in the browser
    since then stay. A changed file becomes the current version (the file wins), and when it
    replaces browser edits the result says so."""
    row = db.session.scalar(select(Codebook).where(Codebook.name == definition.name))
    if row is None:
        row = Codebook(name=definition.name, title=definition.title or definition.name)
        db.session.add(row)
        db.session.flush()
    themes = definition.all_themes()
    current = row.current_version
    if row.file_hash == definition.version and current is not None:
        return CodebookSync(definition.name, source, current.number, False, len(themes))
    browser = []
    if current is not None:
        browser = list(
            db.session.scalars(
                select(CodebookVersion.number)
                .where(CodebookVersion.codebook_id == row.id, CodebookVersion.origin == "browser")
                .where(CodebookVersion.number > _last_file_number(row.id))
                .order_by(CodebookVersion.number)
            )
        )
    note = ""
    if browser:
        span = f"{browser[0]}" if len(browser) == 1 else f"{browser[0]}-{browser[-1]}"
        note = (
            f"the changed file replaces edits made in the browser (version {span}); "
            "make them again in the browser or in the file"
        )
    old = definition_of(current) if current is not None else None
    from analysis.codebook_edit import describe_changes

    lines = [f"file {source} synced", *describe_changes(old, definition)]
    if note:
        lines.append(note)
    version = store_version(
        row, definition, source, "file", "; ".join(lines), None, today, source_text
    )
    row.title = definition.title or definition.name
    row.file_hash = definition.version
    return CodebookSync(definition.name, source, version.number, True, len(themes), note)


def _last_file_number(codebook_id: int) -> int:
    return (
        db.session.scalar(
            select(func.max(CodebookVersion.number)).where(
                CodebookVersion.codebook_id == codebook_id, CodebookVersion.origin == "file"
            )
        )
        or 0
    )


def parse_codebook(text: str, source: str) -> CodebookDefinition:
    """Validate codebook YAML text (raises analysis.codebook.CodebookError naming the file)."""
    return codebook_from_dict(yaml.safe_load(text), source=source)


# Versions never change, so the parsed codebook is kept per content hash.
_parsed: dict[str, CodebookDefinition] = {}


def current_version(name: str | None = None) -> CodebookVersion | None:
    """The current version of the named codebook (default: RESEARCH_CODEBOOK, else the only
    or first codebook by name); None when no codebook has been synced."""
    name = name or current_app.config.get("RESEARCH_CODEBOOK")
    query = select(Codebook).where(Codebook.current_version_id.is_not(None))
    if name:
        query = query.where(Codebook.name == name)
    row = db.session.scalar(query.order_by(Codebook.name).limit(1))
    return row.current_version if row is not None else None


def definition_of(version: CodebookVersion) -> CodebookDefinition:
    """The analysis Codebook of a stored version."""
    parsed = _parsed.get(version.content_hash)
    if parsed is None:
        parsed = parse_codebook(version.source_text, version.source)
        _parsed[version.content_hash] = parsed
    return parsed


def current_codebook(name: str | None = None) -> CodebookDefinition | None:
    """The analysis Codebook of the current version, or None."""
    version = current_version(name)
    return definition_of(version) if version is not None else None
