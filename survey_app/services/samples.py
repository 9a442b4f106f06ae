"""Two coders: a sample of segments coded blind by two people, their agreement, and settling
their disagreements in the statuses the summary counts.

Blind: until both coders have said they have finished, each sees only their own codes, and only
on their assignment pages (``research/agreement_views.py`` closes every other research page to
them meanwhile). The statistics are ``analysis.agreement``'s; this module turns rows into its
records.

What a settled disagreement counts as (``analysis.summary`` reads statuses, not decisions):

- "the theme applies": the coder's ``human`` coding of it stays (or is made ``human`` again, or,
  when it was removed meanwhile, is made again), so a person coded it and the summary counts
  it;
- "it does not": every ``human`` coding of it by the two coders on that segment becomes
  ``rejected``, so nobody in the sample coded it, and a rejected theme also outweighs a machine
  suggestion of it on that segment (a person's coding outside the sample would still count).

Each change is a coding event with action "settled", the settler and the time, and a
``sample_decision`` row keeps what each coder had said, so agreement is still measured on the
blind codes after settling.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, or_, select

from analysis.agreement import AgreementReport, compare_coders
from analysis.records import Coding as CodingRecord
from survey_app.database import transaction
from survey_app.extensions import db
from survey_app.models import (
    Coding,
    CodingSample,
    MachinePass,
    QuestionnaireRow,
    SampleDecision,
    SampleSegment,
    Segment,
    User,
)
from survey_app.models.base import random_id
from survey_app.models.research import SEGMENT_STAGES, SOURCES
from survey_app.services import audit, codebooks, research
from survey_app.services.coding import coding_event
from survey_app.services.segment_labels import shown_as

MAX_SIZE = 200
PAGE_SIZE = 25
CODER_ROLES = ("researcher", "admin")


class SampleError(ValueError):
    """A sample or a code that cannot be made; ``field`` names the form field it is about."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Draw:
    """What to sample: filters, how many, and the seed of the random draw (None: a new one)."""

    name: str
    questionnaire: str | None = None
    stage: str | None = None
    source: str | None = None
    size: int = 20
    seed: int | None = None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def person(user_id: int) -> str:
    return f"person:{user_id}"


# ----- making a sample --------------------------------------------------------------------------


def coders() -> list[User]:
    """People who may code a sample: active researchers and admins, by email."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_(CODER_ROLES), User.active.is_(True))
            .order_by(User.email)
        )
    )


def _questionnaire_id(slug: str | None) -> int | None:
    if not slug:
        return None
    found = db.session.scalar(select(QuestionnaireRow.id).where(QuestionnaireRow.slug == slug))
    if found is None:
        raise SampleError("questionnaire", "Select a questionnaire from the list")
    return found


def candidates(questionnaire_id: int | None, stage: str | None, source: str | None) -> list[str]:
    """Ids of the segments the filters match, sorted (facilitators' turns are never coded)."""
    query = select(Segment.id).where(
        or_(Segment.speaker.is_(None), Segment.speaker != "Facilitator")
    )
    if questionnaire_id is not None:
        query = query.where(Segment.questionnaire_id == questionnaire_id)
    if stage:
        query = query.where(Segment.stage == stage)
    if source:
        query = query.where(Segment.source == source)
    return list(db.session.scalars(query.order_by(Segment.id)))


def draw_ids(ids: list[str], size: int, seed: int) -> list[str]:
    """The seeded random draw: the same ids, size and seed always give the same sample."""
    return random.Random(seed).sample(sorted(ids), min(size, len(ids)))


@transaction
def create(wanted: Draw, coder_a_id: int | None, coder_b_id: int | None, user: User):
    """Draw a sample and assign it to two coders (commits); raises SampleError."""
    name = " ".join(wanted.name.split())
    if not name:
        raise SampleError("name", "Enter a name for the sample")
    if len(name) > 200:
        raise SampleError("name", "Enter a name of 200 characters or fewer")
    questionnaire_id = _questionnaire_id(wanted.questionnaire)
    if wanted.stage and wanted.stage not in SEGMENT_STAGES:
        raise SampleError("stage", "Select a stage from the list")
    if wanted.source and wanted.source not in SOURCES:
        raise SampleError("source", "Select a source from the list")
    if not 1 <= wanted.size <= MAX_SIZE:
        raise SampleError("size", f"Enter a size from 1 to {MAX_SIZE}")
    allowed = {u.id for u in coders()}
    if coder_a_id not in allowed:
        raise SampleError("coder_a", "Select the first coder from the list")
    if coder_b_id not in allowed:
        raise SampleError("coder_b", "Select the second coder from the list")
    if coder_a_id == coder_b_id:
        raise SampleError("coder_b", "Select a second coder who is not the first")
    seed = wanted.seed if wanted.seed is not None else secrets.randbelow(1_000_000)
    ids = draw_ids(candidates(questionnaire_id, wanted.stage, wanted.source), wanted.size, seed)
    if not ids:
        raise SampleError("stage", "Select filters that match at least one segment")
    sample = CodingSample(
        id=random_id(),
        name=name,
        questionnaire_id=questionnaire_id,
        stage=wanted.stage or None,
        source=wanted.source or None,
        size=len(ids),
        seed=seed,
        coder_a_id=coder_a_id,
        coder_b_id=coder_b_id,
        created_by_id=user.id,
        created_at=_now(),
    )
    db.session.add(sample)
    db.session.flush()
    db.session.add_all(
        SampleSegment(sample_id=sample.id, segment_id=s, position=i) for i, s in enumerate(ids)
    )
    audit.record(
        user,
        "sample.create",
        field=f"sample:{sample.id}",
        new=f"{name}: {len(ids)} segments, seed {seed}, coders {coder_a_id} and {coder_b_id}",
    )
    return sample


# ----- who may see what -------------------------------------------------------------------------


def is_finished(sample: CodingSample) -> bool:
    """Both coders have finished: codes are no longer blind."""
    return sample.a_done_at is not None and sample.b_done_at is not None


def is_blind(user_id: int) -> bool:
    """Whether the person codes a sample that is not finished (other codes stay hidden)."""
    return (
        db.session.scalar(
            select(CodingSample.id)
            .where(
                or_(CodingSample.coder_a_id == user_id, CodingSample.coder_b_id == user_id),
                or_(CodingSample.a_done_at.is_(None), CodingSample.b_done_at.is_(None)),
            )
            .limit(1)
        )
        is not None
    )


def all_samples() -> list[CodingSample]:
    """Every sample, newest first."""
    return list(db.session.scalars(select(CodingSample).order_by(CodingSample.created_at.desc())))


def find(sample_id: str) -> CodingSample | None:
    return db.session.get(CodingSample, sample_id) if sample_id else None


def assignment(sample_id: str, user: User) -> CodingSample | None:
    """The sample, when the person is one of its coders; None otherwise (a 404 for anyone else,
    so guessing an id tells nothing)."""
    sample = find(sample_id)
    if sample is None or user.id not in (sample.coder_a_id, sample.coder_b_id):
        return None
    return sample


def emails(sample: CodingSample) -> tuple[str, str]:
    a = db.session.get(User, sample.coder_a_id)
    b = db.session.get(User, sample.coder_b_id)
    return a.email, b.email


def done_at(sample: CodingSample, user_id: int) -> datetime | None:
    return sample.a_done_at if user_id == sample.coder_a_id else sample.b_done_at


# ----- coding one's assignment ------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """A segment of an assignment as its coder sees it: redacted text, own codes only."""

    view: research.SegmentView
    options: list[tuple[str, str]]  # (theme id, label) the coder may choose from
    mine: frozenset[str]


def segment_ids(sample: CodingSample) -> list[str]:
    """The sample's segments in its order (one removed since by a correction drops out)."""
    return list(
        db.session.scalars(
            select(SampleSegment.segment_id)
            .join(Segment, Segment.id == SampleSegment.segment_id)
            .where(SampleSegment.sample_id == sample.id)
            .order_by(SampleSegment.position)
        )
    )


def _own_codes(segment_ids: list[str], user_id: int) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for segment_id, theme in db.session.execute(
        select(Coding.segment_id, Coding.theme).where(
            Coding.segment_id.in_(segment_ids),
            Coding.coder == person(user_id),
            Coding.status == "human",
        )
    ):
        out.setdefault(segment_id, set()).add(theme)
    return out


def _options(stage: str) -> list[tuple[str, str]]:
    book = codebooks.current_codebook()
    if book is None:
        return []
    return [
        (t.id, t.label) for t in book.all_themes() if stage == "none" or t.stage in (stage, None)
    ]


def items(sample: CodingSample, user: User, page: int) -> tuple[list[Item], int, int, int]:
    """One page of the person's assignment: (items, page, pages, segments they have coded).

    The text is redacted and no one else's codes, machine suggestions included, are read."""
    ids = segment_ids(sample)
    pages = max(1, -(-len(ids) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    mine = _own_codes(ids, user.id)
    shown = ids[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    rows = {s.id: s for s in db.session.scalars(select(Segment).where(Segment.id.in_(shown)))}
    labels = shown_as(rows.values())
    out = []
    for segment_id in shown:
        segment = rows[segment_id]
        view = research.SegmentView(
            id=segment.id,
            source=segment.source,
            channel=segment.channel or "",
            stage=segment.stage,
            question=segment.question or segment.speaker or "",
            crime_type="; ".join(segment.crime_types or []),
            area=segment.area or "",
            text=research.redacted(segment.text),
            themes=(),
            shown=labels[segment_id],
        )
        out.append(Item(view, _options(segment.stage), frozenset(mine.get(segment_id, ()))))
    return out, page, pages, len(mine)


@transaction
def save_codes(sample: CodingSample, user: User, segment_id: str, themes: set[str]) -> None:
    """Set the person's own codes of one segment of their assignment (commits).

    A new theme is a ``human`` coding with a "created" event; an unticked one is removed with a
    "removed" event. Refused once the person has said they have finished."""
    if user.id not in (sample.coder_a_id, sample.coder_b_id):
        raise SampleError("segment", "This sample is not yours to code")
    if done_at(sample, user.id) is not None:
        raise SampleError("segment", "You have finished this sample: its codes are settled now")
    if segment_id not in segment_ids(sample):
        raise SampleError("segment", "Code segments of this sample only")
    segment = db.session.get(Segment, segment_id)
    allowed = {theme_id for theme_id, _ in _options(segment.stage)}
    unknown = themes - allowed
    if unknown:
        raise SampleError("segment", "Select themes from the list")
    now = _now()
    existing = {
        c.theme: c
        for c in db.session.scalars(
            select(Coding).where(Coding.segment_id == segment_id, Coding.coder == person(user.id))
        )
    }
    for theme in themes:
        row = existing.get(theme)
        if row is None:
            row = Coding(
                id=random_id(),
                segment_id=segment_id,
                theme=theme,
                coder=person(user.id),
                user_id=user.id,
                confidence=None,
                status="human",
                matched=[],
                created_at=now,
                updated_at=now,
            )
            db.session.add(row)
            db.session.add(coding_event(row, "created", user, now))
        elif row.status != "human":
            row.status = "human"
            row.updated_at = now
            db.session.add(coding_event(row, "created", user, now))
    for theme, row in existing.items():
        if theme not in themes and row.status == "human":
            db.session.add(coding_event(row, "removed", user, now))
            db.session.delete(row)


@transaction
def finish(sample: CodingSample, user: User) -> None:
    """The person has finished coding their part (commits); their codes are locked."""
    now = _now()
    if user.id == sample.coder_a_id and sample.a_done_at is None:
        sample.a_done_at = now
    elif user.id == sample.coder_b_id and sample.b_done_at is None:
        sample.b_done_at = now
    else:
        return
    audit.record(user, "sample.finish", field=f"sample:{sample.id}")


# ----- withdrawing a sample ---------------------------------------------------------------------


def may_withdraw(sample: CodingSample, user: User) -> bool:
    """A sample not yet finished may be withdrawn by an admin or by the person who drew it."""
    return not is_finished(sample) and (user.role == "admin" or user.id == sample.created_by_id)


def codes_so_far(sample: CodingSample) -> tuple[int, int]:
    """How many codings each coder has made on the sample's segments."""
    ids = segment_ids(sample)
    return tuple(
        sum(len(themes) for themes in _own_codes(ids, user_id).values())
        for user_id in (sample.coder_a_id, sample.coder_b_id)
    )


@transaction
def withdraw(sample: CodingSample, user: User) -> None:
    """Withdraw a sample that is not finished (commits): its list of segments goes and its
    coders are no longer blind. Each coder's codes so far stay as their own codings (a person
    made them). Raises SampleError when it is finished or the person may not withdraw it."""
    if is_finished(sample):
        raise SampleError(
            "sample", "Both coders have finished: the sample can no longer be withdrawn"
        )
    if not may_withdraw(sample, user):
        raise SampleError("sample", "Only an admin or the person who drew a sample can withdraw it")
    a_codes, b_codes = codes_so_far(sample)
    audit.record(
        user,
        "sample.withdraw",
        field=f"sample:{sample.id}",
        old=(
            f"{sample.name}: {sample.size} segments, seed {sample.seed}, coders "
            f"{sample.coder_a_id} ({a_codes} codes) and {sample.coder_b_id} ({b_codes} codes)"
        ),
    )
    db.session.execute(delete(SampleDecision).where(SampleDecision.sample_id == sample.id))
    db.session.execute(delete(SampleSegment).where(SampleSegment.sample_id == sample.id))
    db.session.delete(sample)


# ----- agreement and settling -------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One disagreement, side by side: the segment, the theme and what each coder said."""

    view: research.SegmentView
    theme: str
    label: str
    a_says: bool
    b_says: bool
    settled: bool | None  # None: not settled yet


def _answers(sample: CodingSample) -> tuple[list[CodingRecord], list[CodingRecord]]:
    """Each coder's blind codes: live codings, and for settled pairs what they had said."""
    ids = segment_ids(sample)
    decisions = {
        (d.segment_id, d.theme): d
        for d in db.session.scalars(
            select(SampleDecision).where(SampleDecision.sample_id == sample.id)
        )
    }
    out = []
    for user_id, said in ((sample.coder_a_id, "a_said"), (sample.coder_b_id, "b_said")):
        coder = person(user_id)
        live = {
            (segment_id, theme)
            for segment_id, theme in db.session.execute(
                select(Coding.segment_id, Coding.theme).where(
                    Coding.segment_id.in_(ids), Coding.coder == coder, Coding.status == "human"
                )
            )
            if (segment_id, theme) not in decisions
        }
        live |= {key for key, d in decisions.items() if getattr(d, said)}
        out.append([CodingRecord(s, t, coder) for s, t in sorted(live)])
    return out[0], out[1]


def agreement(sample: CodingSample) -> AgreementReport:
    """Cohen's kappa per theme and Krippendorff's alpha between the two coders' blind codes,
    over every segment of the sample (a segment neither coded counts as agreeing)."""
    a, b = _answers(sample)
    return compare_coders(a, b, segments=segment_ids(sample))


def machine_coders(sample: CodingSample) -> list[str]:
    """The machine coders that coded any segment of the sample."""
    return list(
        db.session.scalars(
            select(Coding.coder)
            .where(Coding.segment_id.in_(segment_ids(sample)), Coding.user_id.is_(None))
            .distinct()
            .order_by(Coding.coder)
        )
    )


def against_machine(sample: CodingSample, which: str, machine: str) -> AgreementReport:
    """A coder's blind codes (``which`` is "a" or "b") against a machine coder's on the same
    segments (those it looked at, when its machine passes say): every coding the machine made
    counts as its "yes", whatever people later decided."""
    a, b = _answers(sample)
    ids = segment_ids(sample)
    seen = set(
        db.session.scalars(
            select(MachinePass.segment_id).where(
                MachinePass.coder == machine, MachinePass.segment_id.in_(ids)
            )
        )
    )
    if seen:  # only the segments the machine looked at (its passes say which)
        ids = [i for i in ids if i in seen]
    made = [
        CodingRecord(s, t, machine)
        for s, t in db.session.execute(
            select(Coding.segment_id, Coding.theme).where(
                Coding.segment_id.in_(ids), Coding.coder == machine
            )
        )
    ]
    return compare_coders(a if which == "a" else b, made, segments=ids)


def sides(sample: CodingSample, report: AgreementReport) -> list[Side]:
    """Every disagreement with its segment (redacted) and the settled decision, if any."""
    decisions = {
        (d.segment_id, d.theme): d.present
        for d in db.session.scalars(
            select(SampleDecision).where(SampleDecision.sample_id == sample.id)
        )
    }
    wanted = sorted({d.segment_id for d in report.disagreements})
    rows = list(db.session.scalars(select(Segment).where(Segment.id.in_(wanted))))
    views = {v.id: v for v in research.segment_views_of(rows, original=False)}
    book = codebooks.current_codebook()
    labels = {t.id: t.label for t in book.all_themes()} if book else {}
    order = {s: i for i, s in enumerate(segment_ids(sample))}
    return [
        Side(
            views[d.segment_id],
            d.theme_id,
            labels.get(d.theme_id, d.theme_id),
            d.a_says,
            d.b_says,
            decisions.get((d.segment_id, d.theme_id)),
        )
        for d in sorted(report.disagreements, key=lambda d: (order[d.segment_id], d.theme_id))
    ]


@transaction
def settle(sample: CodingSample, segment_id: str, theme: str, present: bool, user: User) -> None:
    """Settle one disagreement (commits): the decision is kept with what each coder had said,
    and the coders' codings take the statuses the summary counts (see the module docstring)."""
    if not is_finished(sample):
        raise SampleError("decision", "Settle once both coders have finished")
    decision = db.session.get(SampleDecision, (sample.id, segment_id, theme))
    if decision is None:
        report = agreement(sample)
        found = next(
            (d for d in report.disagreements if d.segment_id == segment_id and d.theme_id == theme),
            None,
        )
        if found is None:
            raise SampleError("decision", "Settle a disagreement of this sample")
        decision = SampleDecision(
            sample_id=sample.id,
            segment_id=segment_id,
            theme=theme,
            a_said=found.a_says,
            b_said=found.b_says,
        )
        db.session.add(decision)
    now = _now()
    decision.present = present
    decision.settled_by_id = user.id
    decision.settled_at = now
    coders = (person(sample.coder_a_id), person(sample.coder_b_id))
    rows = list(
        db.session.scalars(
            select(Coding).where(
                Coding.segment_id == segment_id, Coding.theme == theme, Coding.coder.in_(coders)
            )
        )
    )
    status = "human" if present else "rejected"
    for row in rows:
        row.status = status
        row.updated_at = now
        db.session.add(coding_event(row, "settled", user, now))
    if present and not rows:  # the "yes" coder's coding was removed since: made again
        yes = sample.coder_a_id if decision.a_said else sample.coder_b_id
        row = Coding(
            id=random_id(),
            segment_id=segment_id,
            theme=theme,
            coder=person(yes),
            user_id=yes,
            confidence=None,
            status="human",
            matched=[],
            created_at=now,
            updated_at=now,
        )
        db.session.add(row)
        db.session.add(coding_event(row, "settled", user, now))
