"""Drafts: answers in progress on the server, resumable with a code shown once."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, update

from survey_app.database import begin_writing, committing, read_row
from survey_app.extensions import db
from survey_app.models import Draft, QuestionnaireVersion
from survey_app.questionnaire import Answer, Page, Questionnaire

# Crockford's base32: no I, L, O or U, so a code read aloud or written down survives.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS = 3
CODE_GROUP_LENGTH = 5  # 15 characters x 5 bits = 75 bits of entropy
# A submitted draft (kept only for the confirmation page) lapses 15 to 30 minutes later, on a
# quarter-hour mark: its expiry tells the time of submission no closer than a quarter of an hour.
SPENT_DRAFT_GRAIN = timedelta(minutes=15)


def start_draft(version: QuestionnaireVersion, now: datetime, hours: int) -> Draft:
    """Create an empty draft for a version; it lapses after `hours` unless saved with a code.

    Lapsed drafts are deleted here, so abandoned answers never outlive their expiry for long.
    """
    begin_writing()  # the start button is a link: this runs in a GET
    with committing():
        delete_lapsed(now)
        draft = Draft(
            id=secrets.token_urlsafe(32),
            version_id=version.id,
            answers={},
            expires_at=now + timedelta(hours=hours),
            status="open",
        )
        db.session.add(draft)
    return draft


def delete_lapsed(now: datetime, keep: str | None = None) -> None:
    """Delete every lapsed draft (except `keep`) in the current transaction; the caller commits."""
    lapsed = delete(Draft).where(Draft.expires_at <= now)
    if keep is not None:
        lapsed = lapsed.where(Draft.id != keep)
    db.session.execute(lapsed.execution_options(synchronize_session=False))


def spent_expiry(now: datetime) -> datetime:
    """When a draft submitted at `now` lapses: the quarter-hour mark 15 to 30 minutes ahead."""
    grain = int(SPENT_DRAFT_GRAIN.total_seconds())
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    seconds = int((now - midnight).total_seconds())
    return midnight + timedelta(seconds=seconds - seconds % grain) + 2 * SPENT_DRAFT_GRAIN


def forget_submitted(draft_id: str) -> None:
    """Delete a submitted draft once its confirmation page has been shown."""
    begin_writing()  # the confirmation page is a GET
    with committing():
        db.session.execute(
            delete(Draft)
            .where(Draft.id == draft_id, Draft.status == "submitted")
            .execution_options(synchronize_session=False)
        )


def find_draft(draft_id: str | None, now: datetime) -> Draft | None:
    """Return the draft with this id unless it has lapsed."""
    if not draft_id:
        return None
    draft = db.session.get(Draft, draft_id)
    if draft is None or draft.expires_at <= now:
        return None
    return draft


@dataclass(frozen=True)
class DraftSnapshot:
    """A draft as the question pages read it: one small query, no ORM object (read-only)."""

    id: str
    version_id: int
    answers: dict
    status: str


_DRAFT = Draft.__table__
# Built once: the question pages run it on every request.
_SNAPSHOT = select(_DRAFT.c.version_id, _DRAFT.c.answers, _DRAFT.c.status).where(
    _DRAFT.c.id == bindparam("draft_id"), _DRAFT.c.expires_at > bindparam("now")
)


def find_draft_snapshot(draft_id: str | None, now: datetime) -> DraftSnapshot | None:
    """Like find_draft, as a snapshot: for pages that only read the draft or save answers."""
    if not draft_id:
        return None
    row = read_row(_SNAPSHOT, {"draft_id": draft_id, "now": now})
    return None if row is None else DraftSnapshot(draft_id, *row)


def answers_of(draft: Draft | DraftSnapshot) -> dict[str, Answer]:
    """The draft's answers as typed Answer objects, by question name."""
    return {name: Answer.from_json(data) for name, data in draft.answers.items()}


def save_answers(
    draft: Draft | DraftSnapshot, definition: Questionnaire, page: Page, answers: dict[str, Answer]
) -> dict[str, Answer]:
    """Store one page's answers and drop answers that later routing made irrelevant.

    Returns the draft's answers as now stored. A page sent again unchanged writes nothing; a
    draft submitted meanwhile (another tab) is left as it is.
    """
    merged, stored = _merged(draft.answers, definition, answers)
    if stored == draft.answers:
        return merged
    with committing():
        # The page may have been read without the write lock (database.read_before_writing):
        # take the lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: the row's, FOR UPDATE), then merge
        # with the answers as stored now, so that a page answered meanwhile in another tab is kept.
        db.session.connection()
        current = read_row(_ANSWERS, {"draft_id": draft.id})
        if current is None or current[1] != "open":
            return merged  # lapsed or submitted meanwhile: left as it is
        merged, stored = _merged(current[0], definition, answers)
        if stored != current[0]:
            db.session.execute(
                update(Draft)
                .where(Draft.id == draft.id, Draft.status == "open")
                .values(answers=stored)
                .execution_options(synchronize_session=False)
            )
    return merged


# FOR UPDATE: on PostgreSQL a second tab saving the same draft waits for this one's commit and
# then merges into its answers (SQLite's write lock, taken at BEGIN, already does that).
_ANSWERS = (
    select(_DRAFT.c.answers, _DRAFT.c.status)
    .where(_DRAFT.c.id == bindparam("draft_id"))
    .with_for_update()
)


def _merged(stored_answers: dict, definition: Questionnaire, answers: dict[str, Answer]):
    """The stored answers with one page's answers put in and what no longer applies dropped:
    (answers by question name, the same as stored)."""
    merged = {name: Answer.from_json(data) for name, data in stored_answers.items()}
    merged.update(answers)
    merged = definition.prune(merged)
    return merged, {name: answer.to_json() for name, answer in merged.items()}


def save_for_later(draft: Draft, now: datetime, days: int) -> str:
    """Give the draft a new resume code (the only time it is shown) and keep it for `days`."""
    code = new_resume_code()
    with committing():
        draft.resume_code_hash = hash_code(code)
        draft.expires_at = now + timedelta(days=days)
    return code


def resume(code: str, now: datetime) -> Draft | None:
    """Return the open draft saved under this code, or None (wrong, lapsed or used)."""
    normalised = normalise_code(code)
    if normalised is None:
        return None
    draft = db.session.scalar(select(Draft).where(Draft.resume_code_hash == hash_code(normalised)))
    if draft is None or draft.expires_at <= now or draft.status != "open":
        return None
    return draft


def discard(draft_id: str | None) -> None:
    """Delete a draft (quick exit); a draft saved with a code stays for its owner to resume."""
    if not draft_id:
        return
    begin_writing()  # the quick exit is a GET (a plain link must work without JavaScript)
    with committing():
        draft = db.session.get(Draft, draft_id)
        if draft is not None and draft.resume_code_hash is None:
            db.session.delete(draft)


def new_resume_code() -> str:
    """Return a random code like 7K3QM-XPD9R-TVW2A."""
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
        for _ in range(CODE_GROUPS)
    )
    return "-".join(groups)


def normalise_code(code: str) -> str | None:
    """Accept any case, spaces and dashes, and the letters people confuse with digits."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    length = CODE_GROUPS * CODE_GROUP_LENGTH
    if len(cleaned) != length or any(ch not in CODE_ALPHABET for ch in cleaned):
        return None
    return "-".join(cleaned[i : i + CODE_GROUP_LENGTH] for i in range(0, length, CODE_GROUP_LENGTH))


def hash_code(code: str) -> str:
    """Only this hash is stored: 75 random bits need no slow hash to resist guessing."""
    return hashlib.sha256(code.encode()).hexdigest()
