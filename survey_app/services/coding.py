"""Coding segments: machine suggestions (rules or a model), people's codings, their history.

Codings are never overwritten: a machine run only adds codings for segments that coder has not
seen (a `machine_pass` row records that it looked, themes found or not), and each new coding or
change of status is written to the append-only `coding_event` table with who and when.

A machine run speaks for its kind of coder (rules, or a model) on the segments it looks at: the
pending suggestions an earlier coder of the same kind made there become "superseded" (kept, with
an event, but no longer counted or queued for review), so retraining never stacks one model's
stale suggestions under the next one's. People's decisions on suggestions are never touched.
"""

import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy.orm import aliased

from analysis.combine import MODEL_READY_CODES
from analysis.records import Segment as SegmentRecord
from survey_app.database import committing, transaction
from survey_app.extensions import db
from survey_app.models import (
    Coding,
    CodingEvent,
    MachinePass,
    QuestionnaireRow,
    Segment,
    User,
)
from survey_app.models.base import random_id
from survey_app.services import codebooks

CODERS = ("rules", "model")
HUMAN_STATUSES = ("human", "accepted")
#: Statuses that mean a person has decided a theme on a segment (present, or rejected).
DECIDED_STATUSES = (*HUMAN_STATUSES, "rejected")
BATCH = 2000


class CodingError(Exception):
    """Coding cannot start: no codebook, an unknown questionnaire, a bad model, too few codes."""


@dataclass
class CodingSummary:
    """What a coding run did, and where its time went."""

    coder: str
    segments: int = 0  # looked at
    coded: int = 0  # given at least one theme
    codings: int = 0
    superseded: int = 0  # earlier coders' pending suggestions replaced
    per_theme: Counter = field(default_factory=Counter)
    seconds: dict[str, float] = field(
        default_factory=lambda: {"prepare": 0.0, "read": 0.0, "code": 0.0, "write": 0.0}
    )
    # The same phases in CPU seconds of this process (a shared machine inflates wall time).
    cpu: dict[str, float] = field(
        default_factory=lambda: {"prepare": 0.0, "read": 0.0, "code": 0.0, "write": 0.0}
    )

    @property
    def superseded_note(self) -> str:
        """Empty, or how many earlier unreviewed suggestions this run replaced (for messages)."""
        if not self.superseded:
            return ""
        plural = "" if self.superseded == 1 else "s"
        return f"; {self.superseded} earlier unreviewed suggestion{plural} superseded"

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def as_record(segment_id: str, text: str, stage: str, source: str) -> SegmentRecord:
    """The plain record analysis/ works on."""
    return SegmentRecord(segment_id, text, None if stage == "none" else stage, source)


def _questionnaire_id(slug: str | None) -> int | None:
    if slug is None:
        return None
    found = db.session.scalar(select(QuestionnaireRow.id).where(QuestionnaireRow.slug == slug))
    if found is None:
        raise CodingError(f"No questionnaire with slug {slug!r}; run `questionnaires sync`.")
    return found


def _rules():
    from analysis.rules import RuleCoder  # here: it loads NLTK and scikit-learn, which the web
    # process does not need (the worker and the command do)

    codebook = codebooks.current_codebook()
    if codebook is None:
        raise CodingError("No codebook in the database: run `flask questionnaires sync`.")
    coder = RuleCoder(codebook)
    return f"rules@{codebook.name}-{codebook.version}", coder.code


def _model_file(path: str):
    from analysis.combine import model_codings
    from analysis.commands import CommandError, load_model, model_id

    try:
        model, names = load_model(path)
    except CommandError as error:
        raise CodingError(str(error)) from None
    coder_id = model_id(path)
    return coder_id, lambda records: model_codings(model, records, coder_id, names)


def human_examples() -> dict[str, set[str]]:
    """Segment id -> themes people gave it (their own codings and machine ones they accepted)."""
    rows = db.session.execute(
        select(Coding.segment_id, Coding.theme).where(Coding.status.in_(HUMAN_STATUSES))
    )
    out: dict[str, set[str]] = {}
    for segment_id, theme in rows:
        out.setdefault(segment_id, set()).add(theme)
    return out


def _model_trained_here():
    """A ThemeCoder fitted on people's codings, for the themes with enough of them."""
    import numpy as np

    from analysis import ThemeCoder
    from analysis.combine import model_codings

    examples = human_examples()
    counts = Counter(theme for themes in examples.values() for theme in themes)
    ready = sorted(t for t, n in counts.items() if n >= MODEL_READY_CODES)
    if not ready:
        most = max(counts.values(), default=0)
        raise CodingError(
            f"Training a model needs at least {MODEL_READY_CODES} segments coded by people for "
            f"a theme (the most any theme has is {most}); code more, or pass --model FILE."
        )
    ids = sorted(examples)
    coded = select(Coding.segment_id).where(Coding.status.in_(HUMAN_STATUSES))
    texts = dict(
        db.session.execute(select(Segment.id, Segment.text).where(Segment.id.in_(coded))).all()
    )
    ids = [i for i in ids if i in texts]
    y = np.array([[int(t in examples[i]) for t in ready] for i in ids])
    if len(ready) == 1:  # a single theme: present or not
        y = y[:, 0]
    model = ThemeCoder().fit([texts[i] for i in ids], y)
    digest = hashlib.sha256(
        "\n".join(f"{i}:{','.join(sorted(examples[i]))}" for i in ids).encode()
    ).hexdigest()[:8]
    coder_id = f"model:trained-{len(ids)}@{digest}"
    if len(ready) == 1:
        labels = [ready[0] if c == 1 else None for c in model.classes_]

        def code(records):
            return [
                c for c in model_codings(model, records, coder_id, labels) if c.theme_id is not None
            ]

        return coder_id, code
    return coder_id, lambda records: model_codings(model, records, coder_id, ready)


def machine_coder(coder: str, model_path: str | None) -> tuple[str, Callable]:
    """(coder id, function from segment records to analysis Codings)."""
    if coder not in CODERS:
        raise CodingError(f"coder must be one of {', '.join(CODERS)}")
    if coder == "rules":
        if model_path:
            raise CodingError("--model goes with --coder model")
        return _rules()
    if model_path:
        return _model_file(model_path)
    return _model_trained_here()


def code_segments(
    slug: str | None = None,
    coder: str = "rules",
    model_path: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch: int = BATCH,
) -> CodingSummary:
    """Code every segment (of one questionnaire, if given) that this machine coder has not seen.

    Suggestions are stored with their confidence and status "suggested"; one transaction per
    batch, so progress survives an interruption and the write lock is held only briefly.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    questionnaire_id = _questionnaire_id(slug)
    coder_id, code = machine_coder(coder, model_path)
    prepared, cpu_prepared = time.perf_counter(), time.process_time()
    seen = select(MachinePass.segment_id).where(
        MachinePass.coder == coder_id, MachinePass.segment_id == Segment.id
    )
    query = select(Segment.id, Segment.text, Segment.stage, Segment.source).where(
        ~seen.exists(),
        # Facilitators' turns carry a stage but are never coded (nor counted).
        or_(Segment.speaker.is_(None), Segment.speaker != "Facilitator"),
    )
    if questionnaire_id is not None:
        query = query.where(Segment.questionnaire_id == questionnaire_id)
    todo = db.session.execute(query.order_by(Segment.id)).all()
    # Themes this coder gave before a segment's text changed: never added twice.
    had = set(
        db.session.execute(select(Coding.segment_id, Coding.theme).where(Coding.coder == coder_id))
    )
    db.session.commit()  # end the read; each batch is its own write transaction
    summary = CodingSummary(coder=coder_id)
    summary.seconds["prepare"] = prepared - started
    summary.seconds["read"] = time.perf_counter() - prepared
    summary.cpu["prepare"] = cpu_prepared - cpu_started
    summary.cpu["read"] = time.process_time() - cpu_prepared
    if progress:
        progress(0, len(todo))
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        t0, c0 = time.perf_counter(), time.process_time()
        found = code([as_record(*row) for row in chunk])
        t1, c1 = time.perf_counter(), time.process_time()
        with committing():
            _supersede([row[0] for row in chunk], coder_id, summary)
            _store(found, chunk, coder_id, had, summary)
        t2, c2 = time.perf_counter(), time.process_time()
        summary.seconds["code"] += t1 - t0
        summary.seconds["write"] += t2 - t1
        summary.cpu["code"] += c1 - c0
        summary.cpu["write"] += c2 - c1
        summary.segments += len(chunk)
        if progress:
            progress(summary.segments, len(todo))
    return summary


def awaiting_decision():
    """SQL condition on `coding`: a pending machine suggestion of a theme no person has decided
    on its segment yet (a later model suggesting what a person accepted, coded or rejected is
    stored, for comparing machine with person, but not asked about again)."""
    other = aliased(Coding)
    decided = select(other.id).where(
        other.segment_id == Coding.segment_id,
        other.theme == Coding.theme,
        other.status.in_(DECIDED_STATUSES),
    )
    return and_(Coding.status == "suggested", Coding.user_id.is_(None), ~decided.exists())


def coder_kind(coder_id: str) -> str:
    """The kind of a machine coder id: "rules" (``rules@…``) or "model" (``model:…@…``)."""
    return coder_id.split("@", 1)[0].split(":", 1)[0]


def _supersede(segment_ids: list[str], coder_id: str, summary: CodingSummary) -> None:
    """Earlier coders' pending suggestions of this coder's kind on these segments become
    "superseded", one coding event each."""
    kind = coder_kind(coder_id)
    stale = [
        row
        for row in db.session.scalars(
            select(Coding).where(
                Coding.segment_id.in_(segment_ids),
                Coding.status == "suggested",
                Coding.user_id.is_(None),
                Coding.coder != coder_id,
            )
        )
        if coder_kind(row.coder) == kind
    ]
    now = _now()
    for row in stale:
        row.status = "superseded"
        row.updated_at = now
        db.session.add(coding_event(row, "superseded", None, now))
    summary.superseded += len(stale)


def _store(found, chunk, coder_id: str, had: set, summary: CodingSummary) -> None:
    now = _now()
    codings, events, coded = [], [], set()
    for c in found:
        if (c.segment_id, c.theme_id) in had:
            continue
        had.add((c.segment_id, c.theme_id))
        coding_id = random_id()
        confidence = float(c.confidence)
        codings.append(
            {
                "id": coding_id,
                "segment_id": c.segment_id,
                "theme": c.theme_id,
                "coder": coder_id,
                "user_id": None,
                "confidence": confidence,
                "status": "suggested",
                "needs_review": False,
                "matched": list(c.matched),
                "direction": c.direction,
                "created_at": now,
                "updated_at": now,
            }
        )
        events.append(
            {
                "id": random_id(),
                "at": now,
                "coding_id": coding_id,
                "segment_id": c.segment_id,
                "theme": c.theme_id,
                "coder": coder_id,
                "actor_id": None,
                "action": "created",
                "status": "suggested",
                "confidence": confidence,
            }
        )
        coded.add(c.segment_id)
        summary.per_theme[c.theme_id] += 1
    if codings:
        db.session.execute(insert(Coding), codings)
        db.session.execute(insert(CodingEvent), events)
    db.session.execute(
        insert(MachinePass), [{"segment_id": row[0], "coder": coder_id} for row in chunk]
    )
    summary.codings += len(codings)
    summary.coded += len(coded)


# ----- people's codings -------------------------------------------------------------------------


def person(user: User) -> str:
    """The coder id of a person (analysis.combine treats "person:..." as human)."""
    return f"person:{user.id}"


@transaction
def code_by_person(segment_id: str, theme: str, user: User) -> Coding:
    """A person's own coding of a segment (status "human"); commits."""
    now = _now()
    coding = Coding(
        id=random_id(),
        segment_id=segment_id,
        theme=theme,
        coder=person(user),
        user_id=user.id,
        confidence=None,
        status="human",
        matched=[],
        created_at=now,
        updated_at=now,
    )
    db.session.add(coding)
    db.session.add(coding_event(coding, "created", user, now))
    return coding


@transaction
def decide(coding: Coding, user: User, accept: bool) -> None:
    """A person accepts or rejects a machine suggestion; the suggestion's row changes status
    and the decision is a new coding event (the earlier ones stay); commits."""
    now = _now()
    coding.status = "accepted" if accept else "rejected"
    coding.needs_review = False
    coding.updated_at = now
    db.session.add(coding_event(coding, coding.status, user, now))


def coding_event(coding: Coding, action: str, user: User | None, at: datetime) -> CodingEvent:
    """The history row of one change to a coding, by a person (or None: a machine or command)."""
    return CodingEvent(
        at=at,
        coding_id=coding.id,
        segment_id=coding.segment_id,
        theme=coding.theme,
        coder=coding.coder,
        actor_id=user.id if user else None,
        action=action,
        status=coding.status,
        confidence=coding.confidence,
    )


def history(segment_id: str) -> list[CodingEvent]:
    """Every coding event of a segment, oldest first."""
    return list(
        db.session.scalars(
            select(CodingEvent).where(CodingEvent.segment_id == segment_id).order_by(CodingEvent.at)
        )
    )


def counts_by_coder_kind(questionnaire_id: int) -> dict[str, int]:
    """Segments of a questionnaire coded by machine (any suggestion) and by people."""
    base = (
        select(func.count(func.distinct(Coding.segment_id)))
        .join(Segment, Segment.id == Coding.segment_id)
        .where(Segment.questionnaire_id == questionnaire_id)
    )
    return {
        "machine": db.session.scalar(base.where(Coding.user_id.is_(None))) or 0,
        "people": db.session.scalar(base.where(Coding.status.in_(DECIDED_STATUSES))) or 0,
    }
