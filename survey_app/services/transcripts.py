"""Transcripts into a session's turns: upload, preview, the researcher's changes, confirm.

The upload is parsed in memory (``analysis.transcripts``) and never stored. What it yields waits
in a `pending_import` row: owned by the person who uploaded, expiring after
``PENDING_MINUTES``, deleted on confirm or cancel, and in the database so that any app server
can serve the next request. The preview and the stored turns are both computed here from that
row alone; the browser only ever sends the pending import's id, its revision, and the
researcher's choices (terms to add, replacements to undo, section marks), each checked, so no
text from the browser can reach the research data, and a speaker's name can never be kept.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select

from analysis.topic_guides import TopicGuide
from analysis.transcripts import (
    CONTINUE,
    FACILITATOR,
    MAX_TRANSCRIPT_BYTES,
    RawTurn,
    StagedTurn,
    Transcript,
    TranscriptError,
    assign_stages,
    clean_term,
    parse_turns,
    pseudonymise,
    read_transcript,
)
from survey_app.database import transaction
from survey_app.extensions import db
from survey_app.models import Coding, FocusSession, Memo, PendingImport, Segment, User
from survey_app.services import audit, segments, topic_guides

#: How long a transcript may wait between upload and confirm.
PENDING_MINUTES = 30
MAX_ADDED_TERMS = 200
STAGE_ORDER = ("reporting", "engagement", "recovery", "none")


class ImportRefused(ValueError):
    """A transcript that cannot be imported now; the message is for the page or the terminal."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Parsed:
    """A transcript file read and split into turns (names still in it)."""

    file_format: str
    turns: list[RawTurn]
    register: list[str]


def parse_file(data: bytes, facilitator_names=()) -> Parsed:
    """Read a transcript's bytes (type by content) into turns; raises TranscriptError."""
    file_format, lines = read_transcript(data)
    turns, register = parse_turns(lines, facilitator_names)
    if not turns:
        raise TranscriptError(
            "No speakers' turns were found: each turn should start with the speaker, as in "
            "“Facilitator: …” or “Sarah: …”, or with the speaker's name on a line of its own"
        )
    return Parsed(file_format, turns, register)


@dataclass(frozen=True)
class Preview:
    """What would be stored: the pseudonymised transcript and each turn's section and stage."""

    transcript: Transcript
    staged: list[StagedTurn]
    guide: TopicGuide

    def turns_by_stage(self) -> dict[str, int]:
        counts = {stage: 0 for stage in STAGE_ORDER}
        for item in self.staged:
            counts[item.stage] += 1
        return counts

    def turns_by_section(self) -> list[tuple[str, str, int]]:
        """(section title, stage, turns) in guide order, then turns in no section."""
        counts: dict[str | None, int] = {}
        for item in self.staged:
            counts[item.section] = counts.get(item.section, 0) + 1
        rows = [(s.title, s.stage, counts[s.key]) for s in self.guide.sections if s.key in counts]
        if None in counts:
            rows.append(("Before any section", "none", counts[None]))
        return rows


def build_preview(
    parsed_turns: list[RawTurn],
    register: list[str],
    guide: TopicGuide,
    added=(),
    kept=(),
    marks=None,
) -> Preview:
    """Pseudonymise and stage turns (the one path for the browser and the command line)."""
    transcript = pseudonymise(parsed_turns, register=register, added=added, kept=kept)
    staged = assign_stages(transcript.turns, guide, marks or {})
    return Preview(transcript, staged, guide)


def _store_turns(session: FocusSession, preview: Preview) -> int:
    for item in preview.staged:
        db.session.add(
            Segment(
                source=session.kind,
                channel=None,
                stage=item.stage,
                text=item.turn.text,
                questionnaire_id=None,
                version_id=None,
                question=None,
                response_id=None,
                crime_types=list(session.crime_types),
                area=session.area,
                session_ref=session.id,
                turn=item.turn.number,
                speaker=item.turn.speaker,
                sentiment=segments.sentiment_of(item.turn.text),
            )
        )
    session.transcript_imported_at = _now()
    return len(preview.staged)


def _has_turns(session_id: str) -> bool:
    return (
        db.session.scalar(select(Segment.id).where(Segment.session_ref == session_id).limit(1))
        is not None
    )


# ----- the browser: pending imports -------------------------------------------------------------


def _raw_turns(pending: PendingImport) -> list[RawTurn]:
    return [RawTurn(t["speaker"], bool(t["facilitator"]), t["text"]) for t in pending.turns]


@transaction
def start_import(session_id: str, data: bytes, user: User) -> PendingImport:
    """Parse an upload into a pending import for ``user`` (commits); raises TranscriptError or
    ImportRefused. The bytes are not kept; expired pending imports are deleted on the way."""
    purge_expired()
    session = db.session.get(FocusSession, session_id)
    if session is None:
        raise ImportRefused("The session does not exist")
    if session.transcript_imported_at is not None or _has_turns(session_id):
        raise ImportRefused("This session's transcript is already stored")
    parsed = parse_file(data)
    build_preview(parsed.turns, parsed.register, topic_guides.guide_of(session.topic_guide))
    db.session.execute(
        delete(PendingImport).where(
            PendingImport.session_id == session_id, PendingImport.user_id == user.id
        )
    )
    now = _now()
    pending = PendingImport(
        session_id=session_id,
        user_id=user.id,
        created_at=now,
        expires_at=now + timedelta(minutes=PENDING_MINUTES),
        file_format=parsed.file_format,
        turns=[
            {"speaker": t.speaker, "facilitator": t.facilitator, "text": t.text}
            for t in parsed.turns
        ],
        register=list(parsed.register),
        added=[],
        kept=[],
        marks={},
        revision=0,
    )
    db.session.add(pending)
    db.session.flush()
    return pending


def find_pending(session_id: str, pending_id: str, user: User) -> PendingImport | None:
    """The user's own pending import of this session, unless expired."""
    pending = db.session.get(PendingImport, pending_id)
    if (
        pending is None
        or pending.session_id != session_id
        or pending.user_id != user.id
        or pending.expires_at <= _now()
    ):
        return None
    return pending


def preview_of(pending: PendingImport) -> Preview:
    session = db.session.get(FocusSession, pending.session_id)
    return build_preview(
        _raw_turns(pending),
        list(pending.register),
        topic_guides.guide_of(session.topic_guide),
        added=pending.added,
        kept=pending.kept,
        marks={int(k): v for k, v in pending.marks.items()},
    )


@dataclass
class Changes:
    """The researcher's changes from the preview form (all checked in `update_pending`)."""

    add_term: str = ""
    remove_added: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()  # originals (keys) to keep: every other undoable one is replaced
    marks: dict[int, str] | None = None


class StaleRevision(ImportRefused):
    """The preview was changed (another tab) since this page was drawn."""


@transaction
def update_pending(
    session_id: str, pending_id: str, user: User, revision: int, changes: Changes
) -> PendingImport | None:
    """Apply the researcher's changes to a pending import (commits); None when it is gone.
    Raises ValueError for a bad term and StaleRevision for an outdated page."""
    purge_expired()
    pending = find_pending(session_id, pending_id, user)
    if pending is None:
        return None
    if revision != pending.revision:
        raise StaleRevision("The preview changed since this page was shown: check it again")
    current = preview_of(pending)
    added = list(pending.added)
    removed = {t.casefold() for t in changes.remove_added}
    added = [t for t in added if t.casefold() not in removed]
    if changes.add_term.strip():
        term = clean_term(changes.add_term)
        if term.casefold() not in {t.casefold() for t in added}:
            if len(added) >= MAX_ADDED_TERMS:
                raise ValueError(f"At most {MAX_ADDED_TERMS} terms can be added")
            added.append(term)
    # Only replacements that can be undone, as shown, can be kept.
    undoable = {r.key for r in current.transcript.replacements if r.can_undo and r.kind != "added"}
    undoable |= {r.key for r in current.transcript.kept}
    pending.kept = sorted({k for k in changes.keep if k in undoable})
    pending.added = added
    if changes.marks is not None:
        guide = current.guide
        numbers = {t.turn.number for t in current.staged}
        pending.marks = {
            str(n): key
            for n, key in changes.marks.items()
            if n in numbers and (key == CONTINUE or guide.section(key) is not None)
        }
    pending.revision = pending.revision + 1
    pending.expires_at = _now() + timedelta(minutes=PENDING_MINUTES)
    return pending


@transaction
def confirm_pending(session_id: str, pending_id: str, user: User, revision: int) -> int | None:
    """Store the pending import's turns as segments, in this one transaction, and delete it
    (commits); the number of turns, or None when it is gone. Raises ImportRefused."""
    purge_expired()
    pending = find_pending(session_id, pending_id, user)
    if pending is None:
        return None
    if revision != pending.revision:
        raise StaleRevision("The preview changed since this page was shown: check it again")
    session = db.session.scalar(
        select(FocusSession).where(FocusSession.id == session_id).with_for_update()
    )
    if session.transcript_imported_at is not None or _has_turns(session_id):
        raise ImportRefused("This session's transcript is already stored")
    preview = preview_of(pending)
    # Deleting the row is the claim: a second confirm (a double click, another server) finds
    # nothing to delete and stores nothing.
    gone = db.session.execute(delete(PendingImport).where(PendingImport.id == pending.id))
    if gone.rowcount != 1:
        return None
    stored = _store_turns(session, preview)
    audit.record(
        user,
        "focus_session.transcript",
        field=f"focus_session:{session.id}",
        new=f"{stored} turns, {preview.transcript.participants} participants",
    )
    return stored


@transaction
def purge() -> int:
    """Delete expired pending imports (commits); how many."""
    return purge_expired()


@transaction
def cancel_pending(session_id: str, pending_id: str, user: User) -> None:
    """Forget a pending import (commits)."""
    purge_expired()
    pending = find_pending(session_id, pending_id, user)
    if pending is not None:
        db.session.delete(pending)


def purge_expired() -> int:
    """Delete every expired pending import (in the caller's transaction); how many. Every
    transcript action runs it, and so does `flask focus-groups purge` (for a daily cron)."""
    result = db.session.execute(delete(PendingImport).where(PendingImport.expires_at <= _now()))
    return result.rowcount or 0


# ----- deleting a stored transcript ------------------------------------------------------------


@dataclass(frozen=True)
class StoredTranscript:
    """What deleting a session's transcript would remove."""

    turns: int
    codings: int
    people_codings: int
    memos: int


def stored_transcript(session_id: str) -> StoredTranscript:
    """Counts of a session's stored turns and of what hangs on them."""
    turn_ids = select(Segment.id).where(Segment.session_ref == session_id)
    codings = db.session.execute(
        select(Coding.coder).where(Coding.segment_id.in_(turn_ids))
    ).scalars()
    coders = list(codings)
    return StoredTranscript(
        turns=db.session.scalar(select(func.count()).select_from(turn_ids.subquery())),
        codings=len(coders),
        people_codings=sum(coder.startswith("person:") for coder in coders),
        memos=db.session.scalar(
            select(func.count()).select_from(Memo).where(Memo.segment_id.in_(turn_ids))
        ),
    )


@transaction
def delete_stored(session_id: str, user: User, expected_turns: int) -> StoredTranscript | None:
    """Delete a session's stored turns with their codings (recorded as removed in the coding
    history), machine passes and memos, so that a corrected transcript can be uploaded
    (commits). The session's details stay. None when there is no such session; raises
    ImportRefused when nothing is stored, and StaleRevision when the number of turns is not
    the one the researcher was shown."""
    session = db.session.scalar(
        select(FocusSession).where(FocusSession.id == session_id).with_for_update()
    )
    if session is None:
        return None
    found = stored_transcript(session_id)
    if found.turns == 0:
        raise ImportRefused("This session has no stored transcript")
    if found.turns != expected_turns:
        raise StaleRevision("The transcript changed since this page was shown: check it again")
    for segment in db.session.scalars(select(Segment).where(Segment.session_ref == session_id)):
        segments.remove_segment(segment, user)
    session.transcript_imported_at = None
    audit.record(
        user,
        "focus_session.transcript_deleted",
        field=f"focus_session:{session.id}",
        old=f"{found.turns} turns, {found.codings} codings, {found.memos} memos",
    )
    return found


# ----- the command line ------------------------------------------------------------------------


@dataclass(frozen=True)
class FileImport:
    """One transcript file read for the command line: its preview, or why it failed."""

    path: Path
    preview: Preview | None
    error: str | None = None
    file_format: str = ""


def transcript_files(path: Path) -> list[Path]:
    """The file, or the visible files of a folder (by name; each is checked by content)."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    return [path]


def read_for_import(path: Path, guide: TopicGuide, facilitator_names=()) -> FileImport:
    """Read and preview one file for the command line (nothing stored)."""
    try:
        if path.stat().st_size > MAX_TRANSCRIPT_BYTES:
            raise TranscriptError("The file is larger than 5 MB: split the transcript")
        parsed = parse_file(path.read_bytes(), facilitator_names)
        preview = build_preview(parsed.turns, parsed.register, guide)
    except (TranscriptError, OSError) as error:
        return FileImport(path, None, str(error))
    return FileImport(path, preview, file_format=parsed.file_format)


@transaction
def store_new_session(
    *,
    kind: str,
    held_on,
    area: str,
    crime_types: list[str],
    guide_name: str,
    preview: Preview,
    attendees: int | None = None,
    consent_method: str | None = None,
    notes: str = "",
) -> tuple[FocusSession, int]:
    """Record a session and store its turns in one transaction (commits): the command line."""
    version = topic_guides.current_version(guide_name)
    session = FocusSession(
        kind=kind,
        held_on=held_on,
        area=area,
        crime_types=list(crime_types),
        attendees=attendees,
        topic_guide_id=version.id,
        consent_obtained=consent_method is not None,
        consent_method=consent_method,
        notes=notes,
        created_at=_now(),
    )
    db.session.add(session)
    db.session.flush()
    stored = _store_turns(session, preview)
    audit.record(
        None,
        "focus_session.transcript",
        field=f"focus_session:{session.id}",
        new=f"{stored} turns, {preview.transcript.participants} participants",
    )
    return session, stored


__all__ = [
    "FACILITATOR",
    "Changes",
    "ImportRefused",
    "Preview",
    "StaleRevision",
    "TranscriptError",
    "build_preview",
    "cancel_pending",
    "confirm_pending",
    "find_pending",
    "preview_of",
    "purge_expired",
    "read_for_import",
    "start_import",
    "store_new_session",
    "transcript_files",
    "update_pending",
]
