"""Editing the codebook in the browser: every change is a new version, audited, and a merge
moves the merged theme's codings onto the theme it was merged into.

The edits themselves are pure (``analysis.codebook_edit``); this module stores the result as a
version (``codebooks.store_version``), records who did it in the audit trail, and rewrites
codings. How edits and `questionnaires sync` live together: see ``codebooks.sync_codebook``.
"""

import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import delete, select

from analysis.codebook import Codebook as CodebookDefinition
from analysis.codebook import export_qdc
from analysis.codebook import export_xlsx as codebook_xlsx
from analysis.codebook_edit import (
    CodebookEditError,
    ThemeChange,
    add_theme,
    change_theme,
    describe_changes,
    merge_themes,
)
from survey_app.database import transaction
from survey_app.extensions import db
from survey_app.models import (
    Codebook,
    CodebookVersion,
    Coding,
    SampleDecision,
    User,
)
from survey_app.services import audit, codebooks
from survey_app.services.coding import coding_event

__all__ = [
    "CodebookEditError",
    "MergeResult",
    "ThemeChange",
    "add",
    "change",
    "merge",
    "version_file",
    "versions",
]

FORMATS = ("qdc", "xlsx")
# A merge keeps, of one coder's two codings of a segment, the one saying most about it.
STATUS_RANK = {"human": 4, "accepted": 3, "suggested": 2, "rejected": 1, "superseded": 0}


class NoCodebook(Exception):
    """No codebook has been synced yet."""


@dataclass(frozen=True)
class MergeResult:
    """What a merge did: the new version, codings moved, and codings folded into another."""

    version: CodebookVersion
    moved: int
    folded: int


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _current(based_on: int | None = None) -> tuple[Codebook, CodebookVersion, CodebookDefinition]:
    """The codebook row (locked for this transaction on PostgreSQL; SQLite writes one at a time
    anyway), its current version and definition. ``based_on`` is the version number the person's
    form was made from: a change since is refused, so nobody overwrites an edit unseen."""
    version = codebooks.current_version()
    if version is None:
        raise NoCodebook("No codebook yet: run `flask questionnaires sync`.")
    row = db.session.scalar(
        select(Codebook)
        .where(Codebook.id == version.codebook_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    version = row.current_version
    if based_on is not None and based_on != version.number:
        raise CodebookEditError(
            "label",
            f"The codebook changed while you were editing (it is now version {version.number}):"
            " check the form and save again",
        )
    return row, version, codebooks.definition_of(version)


def _store(
    row: Codebook, old: CodebookDefinition, new: CodebookDefinition, user: User, what: str
) -> CodebookVersion:
    """Store the edited codebook as a new version; ``what`` heads the list of changes."""
    lines = [what, *describe_changes(old, new)] if what else describe_changes(old, new)
    change = "; ".join(dict.fromkeys(lines))
    version = codebooks.store_version(row, new, "browser", "browser", change, user, date.today())
    audit.record(
        user,
        "codebook.edit",
        field=f"codebook:{row.name}",
        new=f"version {version.number}: {change}",
    )
    return version


@transaction
def add(
    wanted: ThemeChange, user: User, based_on: int | None = None
) -> tuple[CodebookVersion, str]:
    """Add a theme; returns the new version and the theme's id (commits)."""
    row, _version, book = _current(based_on)
    new, theme_id = add_theme(book, wanted)
    return _store(row, book, new, user, ""), theme_id


@transaction
def change(
    theme_id: str, wanted: ThemeChange, user: User, based_on: int | None = None
) -> CodebookVersion:
    """Change a theme's label, definition, stage or parent (commits)."""
    row, _version, book = _current(based_on)
    new = change_theme(book, theme_id, wanted)
    if new.version == book.version:
        raise CodebookEditError("label", "Change the label, definition, stage or parent")
    return _store(row, book, new, user, "")


@transaction
def merge(source_id: str, target_id: str, user: User, based_on: int | None = None) -> MergeResult:
    """Merge a theme into another and move its codings (commits).

    Each coding of the source theme becomes a coding of the target, with a "merged" coding
    event. Where one coder had coded a segment with both, one coding is kept (the one with the
    status that says most: human, accepted, suggested, rejected; the higher confidence), and
    the other is removed with a "removed" event, since (segment, theme, coder) is unique.
    Settled decisions of two-coder samples follow too."""
    row, _version, book = _current(based_on)
    new = merge_themes(book, source_id, target_id)
    version = _store(row, book, new, user, f"merged theme {source_id} into {target_id}")
    now = _now()
    targets = {
        (c.segment_id, c.coder): c
        for c in db.session.scalars(select(Coding).where(Coding.theme == target_id))
    }
    moved = folded = 0
    for coding in list(db.session.scalars(select(Coding).where(Coding.theme == source_id))):
        kept = targets.get((coding.segment_id, coding.coder))
        if kept is None:
            coding.theme = target_id
            coding.updated_at = now
            db.session.add(coding_event(coding, "merged", user, now))
            moved += 1
            continue
        if (STATUS_RANK.get(coding.status, 0), coding.confidence or 0.0) > (
            STATUS_RANK.get(kept.status, 0),
            kept.confidence or 0.0,
        ):
            kept.status = coding.status
            kept.confidence = coding.confidence
            kept.direction = coding.direction or kept.direction
            kept.matched = list(dict.fromkeys([*(kept.matched or []), *(coding.matched or [])]))
        kept.needs_review = kept.needs_review or coding.needs_review
        kept.updated_at = now
        db.session.add(coding_event(kept, "merged", user, now))
        db.session.add(coding_event(coding, "removed", user, now))
        db.session.delete(coding)
        folded += 1
    db.session.flush()
    decided = {
        (d.sample_id, d.segment_id)
        for d in db.session.scalars(select(SampleDecision).where(SampleDecision.theme == target_id))
    }
    for decision in list(
        db.session.scalars(select(SampleDecision).where(SampleDecision.theme == source_id))
    ):
        if (decision.sample_id, decision.segment_id) in decided:
            db.session.execute(
                delete(SampleDecision).where(
                    SampleDecision.sample_id == decision.sample_id,
                    SampleDecision.segment_id == decision.segment_id,
                    SampleDecision.theme == source_id,
                )
            )
        else:
            decision.theme = target_id
    audit.record(
        user,
        "codebook.merge_codings",
        field=f"theme:{source_id}",
        new=f"into {target_id}: {moved} codings moved, {folded} folded into existing ones",
    )
    return MergeResult(version, moved, folded)


def versions() -> list[CodebookVersion]:
    """Every version of the current codebook, newest first (empty before a sync)."""
    current = codebooks.current_version()
    if current is None:
        return []
    return list(
        db.session.scalars(
            select(CodebookVersion)
            .where(CodebookVersion.codebook_id == current.codebook_id)
            .order_by(CodebookVersion.number.desc())
        )
    )


def version_file(number: int, fmt: str) -> tuple[bytes, str] | None:
    """One version of the current codebook as REFI-QDA (.qdc) or XLSX, with a file name; None
    when there is no such version."""
    current = codebooks.current_version()
    if current is None or fmt not in FORMATS:
        return None
    version = db.session.scalar(
        select(CodebookVersion).where(
            CodebookVersion.codebook_id == current.codebook_id, CodebookVersion.number == number
        )
    )
    if version is None:
        return None
    book = codebooks.definition_of(version)
    writer = {"qdc": export_qdc, "xlsx": codebook_xlsx}[fmt]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{book.name}-v{number}.{fmt}"
        writer(book, path)
        return path.read_bytes(), path.name
