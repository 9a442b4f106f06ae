"""Topic guides in the database: each changed topic-guide file is a new version; sessions keep
the version they used. The analysis TopicGuide is rebuilt from a version's stored source text."""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import yaml
from sqlalchemy import func, select

from analysis.topic_guides import TopicGuide, TopicGuideError, parse_topic_guide
from survey_app.extensions import db
from survey_app.models import TopicGuideVersion

#: The guide used when none is named (the one shipped in questionnaires/topic-guides/).
DEFAULT_TOPIC_GUIDE = "victims-focus-group"


@dataclass(frozen=True)
class TopicGuideSync:
    """What `questionnaires sync` did with one topic-guide file."""

    name: str
    version_number: int
    created: bool


def parse(text: str, source: str) -> TopicGuide:
    """Validate topic-guide YAML text (raises TopicGuideError naming the file)."""
    return parse_topic_guide(yaml.safe_load(text), source)


def sync_topic_guide(guide: TopicGuide, source: str, text: str, today: date) -> TopicGuideSync:
    """Store a validated guide as a new version unless that content is stored (no commit)."""
    existing = db.session.scalar(
        select(TopicGuideVersion).where(
            TopicGuideVersion.name == guide.name,
            TopicGuideVersion.content_hash == guide.version,
        )
    )
    if existing is not None:
        return TopicGuideSync(guide.name, existing.number, False)
    latest = db.session.scalar(
        select(func.max(TopicGuideVersion.number)).where(TopicGuideVersion.name == guide.name)
    )
    row = TopicGuideVersion(
        name=guide.name,
        number=(latest or 0) + 1,
        title=guide.title,
        content_hash=guide.version,
        source=source,
        source_text=text,
        loaded_on=today,
    )
    db.session.add(row)
    db.session.flush()
    return TopicGuideSync(guide.name, row.number, True)


def current_versions() -> list[TopicGuideVersion]:
    """The newest version of each guide, by title."""
    newest = (
        select(TopicGuideVersion.name, func.max(TopicGuideVersion.number).label("number"))
        .group_by(TopicGuideVersion.name)
        .subquery()
    )
    return list(
        db.session.scalars(
            select(TopicGuideVersion)
            .join(
                newest,
                (TopicGuideVersion.name == newest.c.name)
                & (TopicGuideVersion.number == newest.c.number),
            )
            .order_by(TopicGuideVersion.title)
        )
    )


def current_version(name: str) -> TopicGuideVersion | None:
    """The newest version of the named guide, or None."""
    return db.session.scalar(
        select(TopicGuideVersion)
        .where(TopicGuideVersion.name == name)
        .order_by(TopicGuideVersion.number.desc())
        .limit(1)
    )


def guide_of(version: TopicGuideVersion) -> TopicGuide:
    """The analysis TopicGuide of a stored version."""
    return _parsed(version.content_hash, version.source, version.source_text)


@lru_cache(maxsize=32)
def _parsed(content_hash: str, source: str, text: str) -> TopicGuide:
    return parse(text, source)


__all__ = [
    "DEFAULT_TOPIC_GUIDE",
    "TopicGuideError",
    "current_version",
    "current_versions",
    "guide_of",
    "parse",
    "sync_topic_guide",
]
