"""Edits of a codebook as data: add, change and merge themes, and say in words what changed.

Each edit takes a :class:`analysis.codebook.Codebook` and returns a new, validated one (the
input is never changed), so the app stores every edit as a new version. A theme's ``id`` never
changes: codings name it. Renaming a theme changes its ``label``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from analysis.codebook import Codebook, CodebookError, Theme, codebook_from_dict
from analysis.records import STAGES

__all__ = [
    "CodebookEditError",
    "ThemeChange",
    "add_theme",
    "change_theme",
    "describe_changes",
    "merge_themes",
    "new_theme_id",
]


class CodebookEditError(ValueError):
    """An edit that cannot be made; ``field`` names the form field it is about."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class ThemeChange:
    """The fields of a theme a person may set: label, definition, stage and parent."""

    label: str
    definition: str
    stage: str | None
    parent: str | None = None


def _entries(book: Codebook) -> list[dict[str, Any]]:
    """Every theme as a flat, editable entry (depth first), with its parent's id."""
    return [
        {"theme": replace(t, subthemes=()), "parent": t.parent, "stage": t.stage}
        for t in book.all_themes()
    ]


def _build(book: Codebook, entries: list[dict[str, Any]]) -> Codebook:
    """Nest the entries again (a sub-theme takes its root's stage) and validate the result."""
    children: dict[str | None, list[dict[str, Any]]] = {}
    for entry in entries:
        children.setdefault(entry["parent"], []).append(entry)

    def nest(entry: dict[str, Any], stage: str | None) -> Theme:
        subs = tuple(nest(c, stage) for c in children.get(entry["theme"].id, []))
        return replace(entry["theme"], stage=stage, parent=entry["parent"], subthemes=subs)

    tops = tuple(nest(e, e["stage"]) for e in children.get(None, []))
    built = replace(book, themes=tops)
    try:  # the same checks as a file: ids, labels, definitions, duplicates
        return codebook_from_dict(built.to_dict(), source=book.name)
    except CodebookError as error:
        raise CodebookEditError("label", "; ".join(error.problems)) from None


def _check(book: Codebook, change: ThemeChange, theme_id: str | None) -> ThemeChange:
    label = " ".join(change.label.split())
    definition = change.definition.strip()
    if not label:
        raise CodebookEditError("label", "Enter a label")
    if len(label) > 300:
        raise CodebookEditError("label", "Enter a label of 300 characters or fewer")
    if not definition:
        raise CodebookEditError("definition", "Enter a definition")
    if change.stage is not None and change.stage not in STAGES:
        raise CodebookEditError("stage", "Select a stage")
    parent = change.parent or None
    if parent is not None:
        if parent not in book.theme_ids:
            raise CodebookEditError("parent", "Select a parent theme from the list")
        if theme_id is not None:
            below = {t.id for t in book.theme(theme_id).walk()}
            if parent in below:
                raise CodebookEditError(
                    "parent", "Select a parent that is not this theme or one of its sub-themes"
                )
    taken = [t.id for t in book.all_themes() if t.label == label and t.id != theme_id]
    if taken:
        raise CodebookEditError("label", f"Enter a label no other theme has ({taken[0]} has it)")
    return ThemeChange(label, definition, change.stage, parent)


def new_theme_id(book: Codebook, label: str) -> str:
    """A theme id made from a label, unique in the codebook ("Kept informed" -> kept_informed)."""
    base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:60] or "theme"
    if not base[0].isalpha():
        base = f"theme_{base}"
    taken = set(book.theme_ids)
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    return candidate


def add_theme(book: Codebook, change: ThemeChange) -> tuple[Codebook, str]:
    """The codebook with a new theme (last of its stage, or of its parent); returns its id."""
    change = _check(book, change, None)
    theme_id = new_theme_id(book, change.label)
    entries = _entries(book)
    parent_stage = book.theme(change.parent).stage if change.parent else change.stage
    entries.append(
        {
            "theme": Theme(theme_id, change.label, parent_stage, change.definition),
            "parent": change.parent,
            "stage": parent_stage,
        }
    )
    return _build(book, entries), theme_id


def change_theme(book: Codebook, theme_id: str, change: ThemeChange) -> Codebook:
    """The codebook with a theme's label, definition, stage or parent changed.

    A sub-theme takes its parent's stage; a top-level theme's sub-themes move with it."""
    if theme_id not in book.theme_ids:
        raise CodebookEditError("theme", "Select a theme from the list")
    change = _check(book, change, theme_id)
    entries = _entries(book)
    for entry in entries:
        if entry["theme"].id == theme_id:
            entry["theme"] = replace(
                entry["theme"], label=change.label, definition=change.definition
            )
            entry["parent"] = change.parent
            entry["stage"] = book.theme(change.parent).stage if change.parent else change.stage
    return _build(book, entries)


def merge_themes(book: Codebook, source_id: str, target_id: str) -> Codebook:
    """The codebook with ``source_id`` merged into ``target_id``: the target keeps its id, label
    and stage, gains the source's examples and indicators, and the source's sub-themes."""
    ids = book.theme_ids
    if source_id not in ids:
        raise CodebookEditError("source", "Select the theme to merge from the list")
    if target_id not in ids:
        raise CodebookEditError("target", "Select the theme to merge into from the list")
    if source_id == target_id:
        raise CodebookEditError("target", "Select a different theme to merge into")
    if target_id in {t.id for t in book.theme(source_id).walk()}:
        raise CodebookEditError("target", "Select a theme that is not a sub-theme of the other")
    source = book.theme(source_id)
    entries = []
    for entry in _entries(book):
        theme = entry["theme"]
        if theme.id == source_id:
            continue
        if theme.id == target_id:
            entry["theme"] = replace(
                theme,
                examples=tuple(dict.fromkeys((*theme.examples, *source.examples))),
                indicators=tuple(dict.fromkeys((*theme.indicators, *source.indicators))),
            )
        if entry["parent"] == source_id:
            entry["parent"] = target_id
        entries.append(entry)
    return _build(book, entries)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_changes(old: Codebook | None, new: Codebook) -> list[str]:
    """What changed between two versions, one line per theme added, removed or changed."""
    if old is None:
        return [f"first version: {len(new.all_themes())} themes"]
    before = {t.id: t for t in old.all_themes()}
    after = {t.id: t for t in new.all_themes()}
    lines = []
    for theme_id, theme in after.items():
        was = before.get(theme_id)
        if was is None:
            lines.append(f"added {theme_id} ({_short(theme.label)})")
            continue
        if was.label != theme.label:
            lines.append(f"renamed {theme_id}: {_short(was.label)} → {_short(theme.label)}")
        if was.definition != theme.definition:
            lines.append(f"definition of {theme_id} changed")
        if was.stage != theme.stage:
            lines.append(
                f"{theme_id} moved from stage {was.stage or 'none'} to {theme.stage or 'none'}"
            )
        if was.parent != theme.parent:
            lines.append(f"{theme_id} now under {theme.parent or 'no parent'}")
        rest = ("when_to_use", "when_not_to_use", "examples", "indicators", "color")
        if any(getattr(was, k) != getattr(theme, k) for k in rest):
            lines.append(f"guidance, examples or indicators of {theme_id} changed")
    for theme_id in before:
        if theme_id not in after:
            lines.append(f"removed {theme_id}")
    if (old.title, old.description, old.stage_labels) != (
        new.title,
        new.description,
        new.stage_labels,
    ):
        lines.append("title, description or stage labels changed")
    return lines or ["no change to the themes"]
