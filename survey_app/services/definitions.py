"""`flask questionnaires sync`: every YAML file under questionnaires/ loads through one path,
dispatched on its `kind` (questionnaire, codebook, topic-guide; support-services is read where
it is used).

Every file is read and validated before anything is written, so one bad file changes nothing,
and each error names the file (and, for YAML errors, the line).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from analysis.codebook import CodebookError
from survey_app.database import transaction
from survey_app.questionnaire import QuestionnaireError, load_questionnaire_text
from survey_app.questionnaire.loader import read_yaml
from survey_app.services import codebooks, questionnaires, topic_guides


class DefinitionError(Exception):
    """A definition file that cannot be loaded; the message names the file."""


@dataclass(frozen=True)
class Synced:
    """One line of what the sync did."""

    kind: str
    name: str
    source: str
    version_number: int
    created: bool
    note: str = ""


@dataclass(frozen=True)
class _Loaded:
    kind: str
    source: str
    value: Any


def _questionnaire(text: str, source: str):
    return load_questionnaire_text(text, source)


def _codebook(text: str, source: str):
    try:
        return codebooks.parse_codebook(text, source)
    except CodebookError as error:
        raise DefinitionError(str(error)) from None


def _topic_guide(text: str, source: str):
    try:
        return topic_guides.parse(text, source)
    except topic_guides.TopicGuideError as error:
        raise DefinitionError(str(error)) from None


# kind -> validating loader (None: a kind that is read elsewhere, not synced).
KINDS: dict[str, Callable[[str, str], Any] | None] = {
    "questionnaire": _questionnaire,
    "codebook": _codebook,
    "topic-guide": _topic_guide,
    "support-services": None,
}


def definition_files(directory: Path) -> list[Path]:
    """The YAML files in the folder and its sub-folders (codebooks/, topic-guides/ ...)."""
    return sorted(p for p in directory.rglob("*.yaml") if p.is_file())


def load_all(directory: Path) -> list[_Loaded]:
    """Read and validate every definition file; raises on the first bad file."""
    loaded: list[_Loaded] = []
    names: dict[tuple[str, str], str] = {}
    for path in definition_files(directory):
        source = str(path.relative_to(directory))
        text = path.read_text(encoding="utf-8")
        parsed = read_yaml(text.encode("utf-8"), source)
        kind = parsed.get("kind") if isinstance(parsed, dict) else None
        if kind is None:
            raise DefinitionError(f"{source}: missing required key 'kind' (e.g. 'kind: codebook')")
        if kind not in KINDS:
            known = ", ".join(sorted(KINDS))
            raise DefinitionError(f"{source}: unknown kind {kind!r} (known kinds: {known})")
        loader = KINDS[kind]
        if loader is None:
            continue
        value = loader(text, source)
        name = getattr(value, "slug", None) or value.name
        if (kind, name) in names:
            raise DefinitionError(
                f"{source}: {kind} {name!r} is already defined by {names[(kind, name)]}"
            )
        names[(kind, name)] = source
        loaded.append(_Loaded(kind, source, (value, text)))
    return loaded


@transaction
def sync_definitions(directory: Path, today: date) -> list[Synced]:
    """Validate every file, then store what is new (a new version per changed file); commits."""
    try:
        loaded = load_all(directory)
    except QuestionnaireError as error:
        raise DefinitionError(str(error)) from None
    results = []
    for item in loaded:
        value, text = item.value
        if item.kind == "questionnaire":
            done = questionnaires.sync_one(value, today)
            results.append(
                Synced(item.kind, done.slug, item.source, done.version_number, done.created)
            )
        elif item.kind == "topic-guide":
            done = topic_guides.sync_topic_guide(value, item.source, text, today)
            results.append(
                Synced(item.kind, done.name, item.source, done.version_number, done.created)
            )
        else:
            done = codebooks.sync_codebook(value, item.source, text, today)
            results.append(
                Synced(
                    item.kind, done.name, item.source, done.version_number, done.created, done.note
                )
            )
    return results
