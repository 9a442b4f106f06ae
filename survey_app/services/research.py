"""What researchers see and download: counts per questionnaire, segments (redacted unless a
person asks for the original, which is audited), responses with theme columns, the codebook.

Redaction (names, phone numbers, emails, addresses, postcodes: ``analysis.redaction``) is applied
here, where segment text leaves the database for people, so no page or file can forget it.
"""

from dataclasses import dataclass

from sqlalchemy import func, select

from analysis.redaction import redact
from analysis.spreadsheet import csv_bytes, xlsx_bytes
from survey_app.database import committing, transaction
from survey_app.extensions import db
from survey_app.models import (
    Coding,
    QuestionnaireRow,
    QuestionnaireVersion,
    ResearchJob,
    Response,
    Segment,
    User,
)
from survey_app.services import audit, codebook_edits, codebooks, coding, exports
from survey_app.services.questionnaires import OpenQuestionnaire
from survey_app.services.segment_labels import ShownAs, shown_as

SEGMENT_COLUMNS = (
    "segment_id",
    "source",
    "channel",
    "stage",
    "question",
    "crime_type",
    "area",
    "text",
    "themes",
    # Per theme, in the order of `themes`, the directions of its codings ("negative",
    # "positive; negative"), separated by " | "; empty when no coding has one.
    "directions",
    # Focus groups and workshops: the session's id, the turn's number, the speaker's pseudonym
    # ("Facilitator", "P1" ...); empty for survey answers.
    "session",
    "turn",
    "speaker",
)
# How a direction reads on a page.
DIRECTION_WORDS = {"positive": "praise", "negative": "complaint", "mixed": "praise and complaint"}
SEGMENT_FORMATS = ("csv", "xlsx")
RESPONSE_FORMATS = ("csv", "xlsx", "sav")
CODEBOOK_FORMATS = ("qdc", "xlsx")
PAGE_SIZE = 50
# Codings that count as a theme being present: everything but a rejected suggestion.
PRESENT = ("suggested", "accepted", "human")


def redacted(text: str) -> str:
    """Segment text as shown to people by default."""
    return redact(text).text


# ----- the overview -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """One questionnaire's research figures."""

    slug: str
    title: str
    responses_by_channel: dict[str, int]
    segments_by_stage: dict[str, int]
    segments_by_source: dict[str, int]
    segments: int
    coded_by_machine: int
    coded_by_people: int


def overview() -> list[Overview]:
    """Figures for every questionnaire that has a version, by title."""
    out = []
    for row in db.session.scalars(
        select(QuestionnaireRow)
        .where(QuestionnaireRow.current_version_id.is_not(None))
        .order_by(QuestionnaireRow.title)
    ):
        channels = dict(
            db.session.execute(
                select(Response.channel, func.count())
                .join(QuestionnaireVersion)
                .where(QuestionnaireVersion.questionnaire_id == row.id)
                .group_by(Response.channel)
            ).all()
        )
        by = {}
        for column in (Segment.stage, Segment.source):
            by[column.key] = dict(
                db.session.execute(
                    select(column, func.count())
                    .where(Segment.questionnaire_id == row.id)
                    .group_by(column)
                ).all()
            )
        coded = coding.counts_by_coder_kind(row.id)
        out.append(
            Overview(
                slug=row.slug,
                title=row.title,
                responses_by_channel=channels,
                segments_by_stage=by["stage"],
                segments_by_source=by["source"],
                segments=sum(by["stage"].values()),
                coded_by_machine=coded["machine"],
                coded_by_people=coded["people"],
            )
        )
    return out


def recent_jobs(limit: int = 10) -> list[ResearchJob]:
    """The latest jobs, newest first."""
    return list(
        db.session.scalars(select(ResearchJob).order_by(ResearchJob.created_at.desc()).limit(limit))
    )


# ----- segments ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentView:
    """A segment as a page or file shows it: redacted text unless the original was asked for."""

    id: str
    source: str
    channel: str
    stage: str
    question: str
    crime_type: str
    area: str
    text: str
    themes: tuple[str, ...]
    # How each theme was coded, for pages: "kept_informed (rules 0.54, complaint, to review)".
    details: tuple[str, ...] = ()
    # Per theme, the directions its codings carry ("negative", "positive; negative", or "").
    directions: tuple[str, ...] = ()
    # Focus-group and workshop turns: session id, turn number, speaker's pseudonym.
    session_ref: str = ""
    turn: int | None = None
    speaker: str = ""
    # What pages show: the question's label and the options' labels (files keep the names).
    shown: ShownAs | None = None

    @property
    def question_label(self) -> str:
        return (self.shown and self.shown.question) or self.question

    @property
    def crime_type_label(self) -> str:
        return (self.shown and self.shown.crime_type) or self.crime_type

    @property
    def area_label(self) -> str:
        return (self.shown and self.shown.area) or self.area


def _codings_of(segment_ids: list[str]) -> dict[str, list[Coding]]:
    found: dict[str, list[Coding]] = {}
    if not segment_ids:
        return found
    for row in db.session.scalars(
        select(Coding)
        .where(Coding.segment_id.in_(segment_ids), Coding.status.in_(PRESENT))
        .order_by(Coding.theme, Coding.coder)
    ):
        found.setdefault(row.segment_id, []).append(row)
    return found


def _detail(row: Coding) -> str:
    who = "a person" if row.user_id else row.coder.split("@")[0].split(":")[0]
    parts = [who if row.status != "accepted" else f"{who}, accepted"]
    if row.confidence is not None and row.status == "suggested":
        parts[0] += f" {row.confidence:.2f}"
    if row.direction:
        parts.append(DIRECTION_WORDS.get(row.direction, row.direction))
    if row.needs_review:
        parts.append("text changed: to review")
    return f"{row.theme} ({', '.join(parts)})"


def _directions(codings: list[Coding], themes: tuple[str, ...]) -> tuple[str, ...]:
    """For each theme, the distinct directions of its codings, joined with "; "."""
    return tuple(
        "; ".join(dict.fromkeys(c.direction for c in codings if c.theme == t and c.direction))
        for t in themes
    )


def _query(questionnaire_id: int | None, source: str | None = None, stage: str | None = None):
    query = select(Segment)
    if questionnaire_id is not None:
        query = query.where(Segment.questionnaire_id == questionnaire_id)
    if source:
        query = query.where(Segment.source == source)
    if stage:
        query = query.where(Segment.stage == stage)
    # Random ids: this order says nothing about when anything was submitted. Turns of a
    # session keep their order.
    return query.order_by(
        Segment.stage, Segment.question, Segment.session_ref, Segment.turn, Segment.id
    )


def segment_views_of(
    rows: list[Segment], original: bool, labelled: bool = True
) -> list[SegmentView]:
    """Segments as pages and files show them: redacted unless ``original``, with their codings,
    and with the questionnaire's wording for their question and answers unless not
    ``labelled`` (files keep the stored names)."""
    codings = _codings_of([s.id for s in rows])
    shown = shown_as(rows) if labelled else {}
    views = []
    for s in rows:
        mine = codings.get(s.id, [])
        themes = tuple(dict.fromkeys(c.theme for c in mine))
        views.append(
            SegmentView(
                id=s.id,
                source=s.source,
                channel=s.channel or "",
                stage=s.stage,
                question=s.question or "",
                crime_type="; ".join(s.crime_types or []),
                area=s.area or "",
                text=s.text if original else redacted(s.text),
                themes=themes,
                details=tuple(_detail(c) for c in mine),
                directions=_directions(mine, themes),
                session_ref=s.session_ref or "",
                turn=s.turn,
                speaker=s.speaker or "",
                shown=shown.get(s.id),
            )
        )
    return views


def segment_page(
    questionnaire_id: int, stage: str | None, page: int
) -> tuple[list[SegmentView], int]:
    """One page of a questionnaire's segments, redacted, and the number of pages."""
    query = _query(questionnaire_id, stage=stage)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = list(db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    return segment_views_of(rows, original=False), pages


@transaction
def reveal(segment_id: str, user: User) -> SegmentView | None:
    """A segment's original text, for one person who asked; the reveal is audited (commits)."""
    segment = db.session.get(Segment, segment_id)
    if segment is None:
        return None
    audit.record(
        user,
        "segment.original",
        response_id=segment.response_id,
        field=f"segment:{segment.id}",
    )
    return segment_views_of([segment], original=True)[0]


def segment_table(
    questionnaire_id: int | None,
    source: str | None = None,
    original: bool = False,
    user: User | None = None,
) -> tuple[list[str], list[list]]:
    """Header and rows of coded segments: redacted text unless ``original``, whose download is
    audited (with ``user``, None for the command line); themes joined with "; "."""
    rows = list(db.session.scalars(_query(questionnaire_id, source)))
    table = [
        [
            v.id,
            v.source,
            v.channel,
            v.stage,
            v.question,
            v.crime_type,
            v.area,
            v.text,
            "; ".join(v.themes),
            " | ".join(v.directions) if any(v.directions) else "",
            v.session_ref,
            v.turn if v.turn is not None else "",
            v.speaker,
        ]
        for v in segment_views_of(rows, original, labelled=False)
    ]
    if original:
        with committing():
            audit.record(
                user,
                "segments.original_download",
                field=f"questionnaire:{questionnaire_id or 'all'}",
                new=f"{len(table)} segments",
            )
    return list(SEGMENT_COLUMNS), table


# ----- files ------------------------------------------------------------------------------------


def as_file(header: list[str], table: list[list], fmt: str, sheet: str) -> bytes:
    """A table as CSV (UTF-8 with BOM) or XLSX, formula-like cells neutralised."""
    if fmt == "csv":
        return csv_bytes(header, table)
    if fmt == "xlsx":
        return xlsx_bytes([(sheet, header, table)])
    raise ValueError(f"Unknown format {fmt!r}")


def theme_keys() -> list[str]:
    """Theme ids of the current codebook, in codebook order (none before a sync)."""
    book = codebooks.current_codebook()
    return book.theme_ids if book is not None else []


def responses_with_themes(
    found: OpenQuestionnaire, redact_text: bool = True
) -> tuple[list[str], list[list]]:
    """The responses export with one 0/1 column per theme (`theme_<id>`) after the answers: 1
    when any of the response's segments carries the theme (a rejected suggestion does not).
    Free-text answers are redacted unless ``redact_text`` is False."""
    header, table = exports.rows(found)
    if redact_text:
        free = {q.name for q in found.definition.questions if q.is_free_text}
        columns = [i for i, name in enumerate(header) if name in free]
        for row in table:
            for i in columns:
                if isinstance(row[i], str) and row[i]:
                    row[i] = redacted(row[i])
    keys = theme_keys()
    present: dict[str, set[str]] = {}
    for response_id, theme in db.session.execute(
        select(Segment.response_id, Coding.theme)
        .join(Coding, Coding.segment_id == Segment.id)
        .where(Segment.questionnaire_id == found.row.id, Coding.status.in_(PRESENT))
    ):
        present.setdefault(response_id, set()).add(theme)
    header = [*header, *(f"theme_{key}" for key in keys)]
    table = [[*row, *(int(k in present.get(row[0], ())) for k in keys)] for row in table]
    return header, table


def responses_file(found: OpenQuestionnaire, fmt: str, original: bool = False) -> tuple[bytes, int]:
    """The responses with theme columns as CSV, XLSX or SPSS (.sav: the labels inside, free
    text left out), and how many; free text redacted unless ``original`` (the caller audits)."""
    header, table = responses_with_themes(found, redact_text=not original)
    if fmt != "sav":
        return as_file(header, table, fmt, "responses"), len(table)
    book = codebooks.current_codebook()
    themes = {t.id: t.label for t in book.all_themes()} if book is not None else {}
    data = exports.sav_file(found.definition, header, table, found.row.title, themes)
    return data, len(table)


@transaction
def audit_original_responses(found: OpenQuestionnaire, count: int, user: User | None) -> None:
    """Record a download of responses with unredacted free text (commits)."""
    audit.record(
        user,
        "responses.original_download",
        field=f"questionnaire:{found.row.slug}",
        new=f"{count} responses",
    )


def codebook_file(fmt: str) -> tuple[bytes, str] | None:
    """The current codebook as REFI-QDA (.qdc) or XLSX, with a file name; None before a sync."""
    current = codebooks.current_version()
    if current is None:
        return None
    return codebook_edits.version_file(current.number, fmt)
