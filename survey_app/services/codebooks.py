"""Codebooks in the database: each changed codebook file is a new version with its themes.

The YAML file stays the source of truth for its themes until the browser editor exists; a
version's source text is kept so that the analysis Codebook is rebuilt from it exactly.
"""

from dataclasses import dataclass
from datetime import date

import yaml
from flask import current_app
from sqlalchemy import func, select

from analysis.codebook import Codebook as CodebookDefinition
from analysis.codebook import codebook_from_dict
from survey_app.extensions import db
from survey_app.models import Codebook, CodebookVersion, Theme


@dataclass(frozen=True)
class CodebookSync:
    """What `questionnaires sync` did with one codebook file."""

    name: str
    source: str
    version_number: int
    created: bool
    themes: int


def sync_codebook(
    definition: CodebookDefinition, source: str, source_text: str, today: date
) -> CodebookSync:
    """Store a validated codebook as a new current version unless that content is stored."""
    row = db.session.scalar(select(Codebook).where(Codebook.name == definition.name))
    if row is None:
        row = Codebook(name=definition.name, title=definition.title or definition.name)
        db.session.add(row)
        db.session.flush()
    themes = definition.all_themes()
    existing = db.session.scalar(
        select(CodebookVersion).where(
            CodebookVersion.codebook_id == row.id,
            CodebookVersion.content_hash == definition.version,
        )
    )
    if existing is not None:
        return CodebookSync(definition.name, source, existing.number, False, len(themes))
    latest = db.session.scalar(
        select(func.max(CodebookVersion.number)).where(CodebookVersion.codebook_id == row.id)
    )
    version = CodebookVersion(
        codebook_id=row.id,
        number=(latest or 0) + 1,
        content_hash=definition.version,
        source=source,
        source_text=source_text,
        loaded_on=today,
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
        for position, theme in enumerate(themes)
    ]
    db.session.add(version)
    db.session.flush()
    row.title = definition.title or definition.name
    row.current_version_id = version.id
    return CodebookSync(definition.name, source, version.number, True, len(themes))


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
