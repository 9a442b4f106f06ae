"""Segments: every free-text answer becomes a row to code, in the transaction that stores it.

A segment copies what summaries filter on (stage, channel, crime types, area, question) from the
response, so summaries never join back through answers. Segments of a response are derived from
its answer rows; `sync_response` brings them in line after a correction and `rebuild` does so
for every response (both idempotent). No function here commits: the caller's transaction does.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import delete, func, select

from survey_app.database import committing
from survey_app.extensions import db
from survey_app.models import (
    Coding,
    MachinePass,
    Memo,
    QuestionnaireVersion,
    Response,
    Segment,
)
from survey_app.questionnaire import Questionnaire
from survey_app.services import audit
from survey_app.services.coding import coding_event

# Answers copied onto every segment of a response (what summaries filter on).
CRIME_TYPE_QUESTION = "crime_type"
AREA_QUESTION = "area"
NO_STAGE = "none"
#: Responses per transaction in a rebuild (a large one must not hold the write lock long).
REBUILD_BATCH = 500


@dataclass
class SegmentChanges:
    """What bringing segments in line with answers did."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    codings_to_review: int = 0
    responses: int = 0
    questions: list[str] = field(default_factory=list)

    def __iadd__(self, other: "SegmentChanges") -> "SegmentChanges":
        self.added += other.added
        self.changed += other.changed
        self.removed += other.removed
        self.codings_to_review += other.codings_to_review
        self.responses += other.responses
        return self


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def wanted(response: Response, definition: Questionnaire, questionnaire_id: int) -> list[dict]:
    """The segments a response's answers call for, as column values (no id)."""
    by_name = {row.question: row for row in response.answers}
    crime = by_name.get(CRIME_TYPE_QUESTION)
    area = by_name.get(AREA_QUESTION)
    crime_types = _codes(crime)
    area_code = area.value if area is not None and area.state == "answered" else None
    out = []
    for question in definition.questions:
        if not question.is_free_text:
            continue
        row = by_name.get(question.name)
        if row is None or row.state != "answered" or not isinstance(row.value, str):
            continue
        text = row.value.strip()
        if not text:
            continue
        out.append(
            {
                "source": "survey",
                "channel": response.channel,
                "stage": question.stage or NO_STAGE,
                "text": text,
                "questionnaire_id": questionnaire_id,
                "version_id": response.version_id,
                "question": question.name,
                "response_id": response.id,
                "crime_types": crime_types,
                "area": str(area_code) if area_code is not None else None,
            }
        )
    return out


def _codes(row) -> list[str]:
    if row is None or row.state != "answered" or row.value is None:
        return []
    if isinstance(row.value, list | tuple):
        return [str(v) for v in row.value]
    return [str(row.value)]


def sentiment_of(text: str) -> float:
    """The sentiment score a segment stores for its text (VADER's compound, -1 to 1), computed
    when the segment is made or its text changes so that readers never score it again."""
    from analysis.sentiment import sentiment_score  # vaderSentiment: load late

    return sentiment_score(text)


def add_for_new_response(response: Response, definition: Questionnaire) -> int:
    """Add the segments of a response being stored now (it has none yet); returns how many."""
    questionnaire_id = _questionnaire_id(response.version_id)
    rows = wanted(response, definition, questionnaire_id)
    for values in rows:
        db.session.add(Segment(**values, sentiment=sentiment_of(values["text"])))
    return len(rows)


def _questionnaire_id(version_id: int) -> int:
    # A version never moves to another questionnaire: remembered per app (one database each).
    known = current_app.extensions.setdefault("survey_questionnaire_of_version", {})
    found = known.get(version_id)
    if found is None:
        found = db.session.get(QuestionnaireVersion, version_id).questionnaire_id
        known[version_id] = found
    return found


def sync_response(response: Response, definition: Questionnaire, actor=None) -> SegmentChanges:
    """Bring a stored response's segments in line with its answers.

    A segment whose text changed keeps its id and codings, and each of those codings is marked
    as needing review (with a coding event); a segment whose answer is gone is removed with its
    codings (each removal is a coding event). Running it twice changes nothing the second time.
    """
    changes = SegmentChanges(responses=1)
    target = {
        v["question"]: v
        for v in wanted(response, definition, _questionnaire_id(response.version_id))
    }
    existing = {
        s.question: s
        for s in db.session.scalars(select(Segment).where(Segment.response_id == response.id))
    }
    for name, values in target.items():
        segment = existing.get(name)
        if segment is None:
            db.session.add(Segment(**values, sentiment=sentiment_of(values["text"])))
            changes.added += 1
            changes.questions.append(name)
            continue
        if segment.text != values["text"] or segment.sentiment is None:
            segment.sentiment = sentiment_of(values["text"])  # not a change of what it says
        differs = False
        for key, value in values.items():
            if getattr(segment, key) != value:
                setattr(segment, key, value)
                differs = True
        if differs:
            changes.changed += 1
            changes.questions.append(name)
            changes.codings_to_review += _review_codings(segment.id, actor)
            # Machines see the new text afresh.
            db.session.execute(delete(MachinePass).where(MachinePass.segment_id == segment.id))
    for name, segment in existing.items():
        if name not in target:
            remove_segment(segment, actor)
            changes.removed += 1
            changes.questions.append(name)
    return changes


def _review_codings(segment_id: str, actor) -> int:
    codings = db.session.scalars(select(Coding).where(Coding.segment_id == segment_id)).all()
    now = _now()
    for coding in codings:
        coding.needs_review = True
        coding.updated_at = now
        db.session.add(coding_event(coding, "needs_review", actor, now))
    return len(codings)


def remove_segment(segment: Segment, actor) -> None:
    """Delete a segment with its codings (each recorded as removed), machine passes and memos
    (a memo may quote the text that is going)."""
    now = _now()
    for coding in db.session.scalars(select(Coding).where(Coding.segment_id == segment.id)):
        db.session.add(coding_event(coding, "removed", actor, now))
        db.session.delete(coding)
    db.session.execute(delete(MachinePass).where(MachinePass.segment_id == segment.id))
    db.session.execute(delete(Memo).where(Memo.segment_id == segment.id))
    db.session.flush()
    db.session.delete(segment)


def rebuild(
    definition_of: Callable[[QuestionnaireVersion], Questionnaire],
    progress: Callable[[int, int], None] | None = None,
) -> SegmentChanges:
    """Bring every response's segments in line with its answers (idempotent); commits in
    batches so that a large rebuild does not hold the write lock for long."""
    ids = list(db.session.scalars(select(Response.id).order_by(Response.id)))
    versions: dict[int, Questionnaire] = {}
    total = SegmentChanges()
    for start in range(0, len(ids), REBUILD_BATCH):
        batch = ids[start : start + REBUILD_BATCH]
        with committing():
            done = SegmentChanges()
            changed = []
            for response_id in batch:
                response = db.session.get(Response, response_id)
                if response.version_id not in versions:
                    versions[response.version_id] = definition_of(response.version)
                made = sync_response(response, versions[response.version_id])
                if made.added or made.changed or made.removed:
                    changed.append(response_id)
                done += made
            if changed:
                # With the change, naming the responses whose segments changed: the summary's
                # fingerprint counts audit events, so a kept summary cannot outlive segments
                # changed here, and it reads only those responses again (services/summary.py).
                audit.record(
                    None,
                    "segments.rebuild",
                    new={
                        "added": done.added,
                        "changed": done.changed,
                        "removed": done.removed,
                        "responses": changed,
                    },
                )
            total += done
        if progress:
            progress(start + len(batch), len(ids))
    return total


def count_segments() -> int:
    """How many segments are stored."""
    return db.session.scalar(select(func.count()).select_from(Segment)) or 0
