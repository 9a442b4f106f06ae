"""The method as the platform's records tell it, for a report's methods section: who took part
(with the summary's disclosure control), the codebook, how the free text was coded (by people
and by machine, and how much a person checked), the learned coder's measured quality, agreement
between two coders on the samples they finished, and how text and small numbers were protected.

Everything is read from what is stored, so the page says what was done, not what was planned.
People are named by account number only ("Person 12"); no count of people below the summary's
threshold is shown."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import distinct, func, or_, select

from analysis.disclosure import Cell, Disclosure
from analysis.records import FACILITATOR
from survey_app.extensions import db
from survey_app.models import (
    Coding,
    CodingSample,
    QuestionnaireVersion,
    Response,
    SampleDecision,
    Segment,
    ThemeQuality,
)
from survey_app.services import codebooks, coding, samples
from survey_app.services import summary as summaries
from survey_app.services.questionnaires import OpenQuestionnaire

SESSION_SOURCES = ("focus_group", "workshop")
SESSION_KINDS = {"focus_group": "focus groups", "workshop": "workshops"}


@dataclass(frozen=True)
class Taking:
    """Who took part: respondents (by channel) and focus-group participants, as published."""

    respondents: Cell
    by_channel: dict[str, Cell]
    first_month: str
    last_month: str
    double_entry: bool
    sessions: dict[str, int]  # kind -> how many sessions with a transcript
    participants: Cell


@dataclass(frozen=True)
class ThemeLine:
    key: str
    label: str
    definition: str


@dataclass(frozen=True)
class CodebookPart:
    name: str
    title: str
    version: int
    made: str
    stages: tuple[tuple[str, tuple[ThemeLine, ...]], ...]  # (stage label, themes)


@dataclass(frozen=True)
class CodingPart:
    segments: int
    segments_by_source: dict[str, int]
    people_coded: int  # segments with a code a person made or accepted
    machine_only: int  # segments whose only codes are unreviewed suggestions
    uncoded: int
    by_people: int  # codings people made themselves
    accepted: int
    rejected: int
    unreviewed: int
    superseded: int
    machine_coders: tuple[tuple[str, int], ...]  # (description, suggestions made)


@dataclass(frozen=True)
class QualityLine:
    label: str
    precision: float
    recall: float
    support: int


@dataclass(frozen=True)
class AgreementPart:
    name: str
    segments: int
    filters: str
    seed: int
    coders: str
    alpha: float | None
    percent_agreement: float
    themes: tuple[tuple[str, float | None, int, int], ...]  # (label, kappa, a used, b used)
    settled: int


@dataclass(frozen=True)
class Method:
    title: str
    made_on: datetime.date
    threshold: int
    taking: Taking
    codebook: CodebookPart | None
    coding: CodingPart
    quality: tuple[QualityLine, ...]
    quality_computed: str
    agreement: tuple[AgreementPart, ...]


def method_of(found: OpenQuestionnaire) -> Method:
    """The method of one questionnaire (with every focus group and workshop)."""
    made = summaries.summary_for(summaries.Request(slug=found.row.slug))
    book = codebooks.current_codebook()
    labels = {t.id: t.label for t in book.all_themes()} if book is not None else {}
    quality = list(db.session.scalars(select(ThemeQuality).order_by(ThemeQuality.theme)))
    return Method(
        title=found.row.title,
        made_on=datetime.datetime.now(datetime.UTC).date(),
        threshold=made.threshold,
        taking=_taking(found, made),
        codebook=_codebook(),
        coding=_coding(found.row.id),
        quality=tuple(
            QualityLine(labels.get(q.theme, q.theme), q.precision, q.recall, q.support)
            for q in quality
        ),
        quality_computed=(
            max(q.computed_at for q in quality).date().isoformat() if quality else ""
        ),
        agreement=_agreement(found.row.id, labels),
    )


def _month(day: datetime.date | None) -> str:
    return day.strftime("%B %Y") if day else ""


def _taking(found: OpenQuestionnaire, made) -> Taking:
    first, last = db.session.execute(
        select(func.min(Response.submitted_on), func.max(Response.submitted_on))
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Response.version_id)
        .where(QuestionnaireVersion.questionnaire_id == found.row.id)
    ).one()
    sessions = dict(
        db.session.execute(
            select(Segment.source, func.count(distinct(Segment.session_ref)))
            .where(Segment.source.in_(SESSION_SOURCES))
            .group_by(Segment.source)
        ).all()
    )
    speakers = db.session.execute(
        select(Segment.source, Segment.session_ref, Segment.speaker)
        .where(Segment.source.in_(SESSION_SOURCES), Segment.speaker != FACILITATOR)
        .distinct()
    ).all()
    ledger = Disclosure(made.threshold)
    ledger.count("participants", len(speakers))
    ledger.resolve()
    return Taking(
        respondents=made.respondents,
        by_channel=made.by_channel,
        first_month=_month(first),
        last_month=_month(last),
        double_entry=found.row.double_entry,
        sessions={SESSION_KINDS.get(k, k): n for k, n in sorted(sessions.items())},
        participants=ledger.cell("participants"),
    )


def _codebook() -> CodebookPart | None:
    version = codebooks.current_version()
    if version is None:
        return None
    book = codebooks.definition_of(version)
    made = version.made_at.date() if version.made_at else version.loaded_on
    stages = []
    for stage in (*book.stage_labels, None):
        themes = tuple(
            ThemeLine(t.id, t.label, t.definition) for t in book.all_themes() if t.stage == stage
        )
        if themes:
            stages.append((book.stage_labels.get(stage, "Any stage"), themes))
    return CodebookPart(
        book.name, book.title or book.name, version.number, made.isoformat(), tuple(stages)
    )


def _mine(questionnaire_id: int):
    return or_(Segment.questionnaire_id == questionnaire_id, Segment.source.in_(SESSION_SOURCES))


def _coding(questionnaire_id: int) -> CodingPart:
    mine = _mine(questionnaire_id)
    by_source = dict(
        db.session.execute(
            select(Segment.source, func.count()).where(mine).group_by(Segment.source)
        ).all()
    )
    statuses = dict(
        db.session.execute(
            select(Coding.status, func.count())
            .join(Segment, Segment.id == Coding.segment_id)
            .where(mine)
            .group_by(Coding.status)
        ).all()
    )
    unreviewed = db.session.scalar(
        select(func.count())
        .select_from(Coding)
        .join(Segment, Segment.id == Coding.segment_id)
        .where(mine, coding.awaiting_decision())
    )

    def segments_where(*conditions) -> int:
        return db.session.scalar(
            select(func.count(distinct(Coding.segment_id)))
            .join(Segment, Segment.id == Coding.segment_id)
            .where(mine, *conditions)
        )

    people = segments_where(Coding.status.in_(coding.HUMAN_STATUSES))
    any_live = segments_where(
        or_(Coding.status.in_(coding.HUMAN_STATUSES), coding.awaiting_decision())
    )
    machine = db.session.execute(
        select(Coding.coder, func.count())
        .join(Segment, Segment.id == Coding.segment_id)
        .where(mine, Coding.user_id.is_(None))
        .group_by(Coding.coder)
        .order_by(Coding.coder)
    ).all()
    total = sum(by_source.values())
    return CodingPart(
        segments=total,
        segments_by_source=by_source,
        people_coded=people,
        machine_only=any_live - people,
        uncoded=total - any_live,
        by_people=statuses.get("human", 0),
        accepted=statuses.get("accepted", 0),
        rejected=statuses.get("rejected", 0),
        unreviewed=unreviewed,
        superseded=statuses.get("superseded", 0),
        machine_coders=tuple((_describe(coder), n) for coder, n in machine),
    )


def _describe(coder_id: str) -> str:
    """A machine coder as a methods section names it."""
    kind = coding.coder_kind(coder_id)
    if kind == "rules":
        return f"the codebook's indicator rules ({coder_id})"
    if kind == "model":
        return f"ThemeCoder, trained on people's codings ({coder_id})"
    return coder_id


def _agreement(questionnaire_id: int, labels: dict[str, str]) -> tuple[AgreementPart, ...]:
    out = []
    for sample in db.session.scalars(
        select(CodingSample)
        .where(
            or_(
                CodingSample.questionnaire_id == questionnaire_id,
                CodingSample.questionnaire_id.is_(None),
            )
        )
        .order_by(CodingSample.created_at)
    ):
        if not samples.is_finished(sample):
            continue
        report = samples.agreement(sample)
        settled = db.session.scalar(
            select(func.count())
            .select_from(SampleDecision)
            .where(SampleDecision.sample_id == sample.id)
        )
        data = report.as_dict()
        filters = ", ".join(
            part
            for part in (
                f"stage {sample.stage}" if sample.stage else "",
                f"source {sample.source.replace('_', ' ')}" if sample.source else "",
            )
            if part
        )
        out.append(
            AgreementPart(
                name=sample.name,
                segments=report.n_segments,
                filters=filters or "all segments",
                seed=sample.seed,
                coders=f"Person {sample.coder_a_id} and Person {sample.coder_b_id}",
                alpha=data["alpha"],
                percent_agreement=report.percent_agreement,
                themes=tuple(
                    (
                        labels.get(t["theme_id"], t["theme_id"]),
                        t["kappa"],
                        t["a_count"],
                        t["b_count"],
                    )
                    for t in data["themes"]
                ),
                settled=settled,
            )
        )
    return tuple(out)
