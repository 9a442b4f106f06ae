"""Focus-group and workshop topic guides: sections mapped to the survey's stages, with prompts.

A topic guide is data (``kind: topic-guide`` in ``questionnaires/``). Its sections carry the stage
(reporting, engagement, recovery, or none for introductions and closing) that a transcript's turns
take when they fall in the section, and prompts (and optional keywords) from which the section a
facilitator's question opens can be suggested.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["GUIDE_STAGES", "Section", "TopicGuide", "TopicGuideError", "parse_topic_guide"]

#: A section's stage: one of the survey's stages, or "none" (introductions, closing).
GUIDE_STAGES = ("reporting", "engagement", "recovery", "none")
SESSION_KINDS = ("focus_group", "workshop")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class TopicGuideError(ValueError):
    """A topic guide that cannot be loaded; the message names the file and the problem."""


@dataclass(frozen=True)
class Section:
    """One section of a guide: its key, title, stage, prompts and extra keywords."""

    key: str
    title: str
    stage: str
    prompts: tuple[str, ...]
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class TopicGuide:
    """A topic guide: a name, a title, the session kinds it is for and its sections, in order."""

    name: str
    title: str
    kinds: tuple[str, ...]
    sections: tuple[Section, ...]

    @property
    def version(self) -> str:
        """A short hash of the content (new content, new version)."""
        body = json.dumps(
            [self.name, self.title, self.kinds, [s.__dict__ for s in self.sections]],
            sort_keys=True,
            default=list,
        )
        return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]

    def section(self, key: str) -> Section | None:
        """The section with this key, or None."""
        return next((s for s in self.sections if s.key == key), None)


def _strings(value: Any, where: str, *, required: bool) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise TopicGuideError(f"{where} must be a list of non-empty texts")
    if required and not value:
        raise TopicGuideError(f"{where} needs at least one entry")
    return tuple(v.strip() for v in value)


def parse_topic_guide(data: Any, source: str) -> TopicGuide:
    """Validate a parsed YAML mapping as a topic guide; errors name ``source`` and the section."""
    if not isinstance(data, dict):
        raise TopicGuideError(f"{source}: a topic guide must be a mapping")
    if data.get("kind") != "topic-guide":
        raise TopicGuideError(f"{source}: kind must be 'topic-guide'")
    unknown = set(data) - {"kind", "name", "title", "for", "sections"}
    if unknown:
        raise TopicGuideError(f"{source}: unknown keys {sorted(unknown)}")
    name = data.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,99}", name):
        raise TopicGuideError(f"{source}: name must be lower-case letters, digits and hyphens")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise TopicGuideError(f"{source}: enter a title")
    kinds = _strings(data.get("for", list(SESSION_KINDS)), f"{source}: for", required=True)
    bad = [k for k in kinds if k not in SESSION_KINDS]
    if bad:
        raise TopicGuideError(f"{source}: for: unknown session kind(s) {bad} {SESSION_KINDS}")
    raw = data.get("sections")
    if not isinstance(raw, list) or not raw:
        raise TopicGuideError(f"{source}: sections must be a non-empty list")
    sections = []
    seen: set[str] = set()
    for i, item in enumerate(raw, 1):
        where = f"{source}: section {i}"
        if not isinstance(item, dict):
            raise TopicGuideError(f"{where} must be a mapping")
        unknown = set(item) - {"key", "title", "stage", "prompts", "keywords"}
        if unknown:
            raise TopicGuideError(f"{where}: unknown keys {sorted(unknown)}")
        key = item.get("key")
        if not isinstance(key, str) or not _KEY_RE.match(key):
            raise TopicGuideError(f"{where}: key must be lower-case letters, digits, underscores")
        where = f"{source}: section {key!r}"
        if key in seen:
            raise TopicGuideError(f"{where} appears twice")
        seen.add(key)
        stage = item.get("stage")
        if stage not in GUIDE_STAGES:
            raise TopicGuideError(f"{where}: stage must be one of {', '.join(GUIDE_STAGES)}")
        section_title = item.get("title")
        if not isinstance(section_title, str) or not section_title.strip():
            raise TopicGuideError(f"{where}: enter a title")
        sections.append(
            Section(
                key=key,
                title=section_title.strip(),
                stage=stage,
                prompts=_strings(item.get("prompts"), f"{where}: prompts", required=True),
                keywords=_strings(item.get("keywords"), f"{where}: keywords", required=False),
            )
        )
    return TopicGuide(name=name, title=title.strip(), kinds=kinds, sections=tuple(sections))
