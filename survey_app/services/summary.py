"""The thematic summary from the database: rows become the plain records of `analysis.records`
and `analysis.build_summary` does the counting and the disclosure control.

One function, `summary_for`, serves the summary page, its downloads and `flask research
summary`, so the three can never disagree. Nothing here renders a number itself: pages and files
show the `Cell`s the engine returns (hidden counts are already hidden there).

`analysis.summary` and `analysis.report_files` are imported where they are used: they bring
NLTK and scikit-learn (through the text and quote modules), which the web process must not load
at start-up (tests/survey_app/research/test_jobs.py).
"""

from __future__ import annotations

import datetime
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from analysis.disclosure import DEFAULT_THRESHOLD
from analysis.records import Coding as CodingRecord
from analysis.records import Respondent
from analysis.records import Segment as SegmentRecord
from survey_app.extensions import db
from survey_app.models import Coding, QuestionnaireVersion, Response, Segment
from survey_app.services import codebooks, questionnaires
from survey_app.services.segments import AREA_QUESTION, CRIME_TYPE_QUESTION, NO_STAGE

if TYPE_CHECKING:
    from analysis.summary import ClosedQuestion, Summary

FORMATS = ("json", "csv", "xlsx")
CHANNELS = ("online", "paper")
SUMMARY_SOURCES = ("survey", "focus_group")
#: Filters a page or command may set, in the order the form shows them.
FILTER_NAMES = ("version", "date_from", "date_to", "crime_type", "area", "channel", "source")


class SummaryError(Exception):
    """A filter or questionnaire that cannot be used, with a message for people."""


@dataclass(frozen=True)
class ThemeOf:
    """A codebook theme as the summary needs it (the database's `key` is the theme's id)."""

    id: str
    label: str
    stage: str | None
    definition: str


@dataclass
class StoredCodebook:
    """The current codebook version's themes, as edited in the browser, with stage labels."""

    themes: list[ThemeOf]
    stage_labels: dict[str, str] = field(default_factory=dict)

    def all_themes(self) -> list[ThemeOf]:
        return list(self.themes)


@dataclass(frozen=True)
class Request:
    """What to summarise: a questionnaire (by slug), a version number and other filters."""

    slug: str
    version: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    crime_type: str | None = None
    area: str | None = None
    channel: str | None = None
    source: str | None = None

    def query_args(self) -> dict[str, str]:
        """The filters as URL query values (only those set)."""
        out = {}
        for name in FILTER_NAMES:
            value = getattr(self, name)
            if value is not None:
                out[name] = value.isoformat() if isinstance(value, datetime.date) else str(value)
        return out


def parse_request(slug: str, args) -> tuple[Request, dict[str, str]]:
    """A Request from URL or command-line values (a mapping of text), and errors by field name
    ("Enter ..." messages); unknown or empty values are left out."""
    errors: dict[str, str] = {}
    values: dict = {}
    version = (args.get("version") or "").strip()
    if version:
        # ASCII digits, not too many: str.isdigit() passes "²", which int() refuses, and int()
        # refuses more than 4,300 digits (both were server errors).
        if version.isascii() and version.isdigit() and len(version) <= 9:
            values["version"] = int(version)
        else:
            errors["version"] = "Select a version"
    for name, words in (("date_from", "the start date"), ("date_to", "the end date")):
        text = (args.get(name) or "").strip()
        if not text:
            continue
        try:
            values[name] = datetime.date.fromisoformat(text)
        except ValueError:
            errors[name] = f"Enter {words} as a date, for example 2014-10-01"
    if "date_from" in values and "date_to" in values and values["date_from"] > values["date_to"]:
        errors["date_to"] = "Enter an end date on or after the start date"
    for name in ("crime_type", "area", "channel", "source"):
        text = (args.get(name) or "").strip()
        if text:
            values[name] = text
    if values.get("channel") not in (None, *CHANNELS):
        errors["channel"] = "Select online or paper"
    if values.get("source") not in (None, *SUMMARY_SOURCES):
        errors["source"] = "Select a source"
    for name in errors:
        values.pop(name, None)
    return Request(slug=slug, **values), errors


# ----- rows to records --------------------------------------------------------------------------

_yaml_by_hash: dict[str, dict] = {}


def _questionnaire_yaml(version: QuestionnaireVersion) -> dict:
    found = _yaml_by_hash.get(version.content_hash)
    if found is None:
        found = yaml.safe_load(version.source_text) or {}
        _yaml_by_hash[version.content_hash] = found
    return found


def questions_of(version: QuestionnaireVersion) -> list[ClosedQuestion]:
    """The closed questions of a stored questionnaire version (from its source YAML)."""
    from analysis.summary import closed_questions

    return closed_questions(_questionnaire_yaml(version))


def choice_labels(version: QuestionnaireVersion, name: str) -> list[tuple[str, str]]:
    """(value, label) of a closed question's options, for filter menus."""
    for question in questions_of(version):
        if question.name == name:
            return [(str(v), label) for v, label in question.options]
    return []


def stored_codebook() -> StoredCodebook | None:
    """The current codebook version's themes from the database, or None when none is synced."""
    version = codebooks.current_version()
    if version is None:
        return None
    labels = dict(getattr(codebooks.definition_of(version), "stage_labels", {}) or {})
    themes = [
        ThemeOf(id=t.key, label=t.label, stage=t.stage, definition=t.definition or "")
        for t in version.themes
    ]
    return StoredCodebook(themes=themes, stage_labels=labels)


def _values(answer) -> tuple[str, ...]:
    if answer is None or answer.state != "answered" or answer.value is None:
        return ()
    if isinstance(answer.value, list | tuple):
        return tuple(str(v) for v in answer.value)
    return (str(answer.value),)


def respondents_of(questionnaire_id: int) -> list[Respondent]:
    """Every response to a questionnaire as a Respondent, its answer rows as closed answers."""
    rows = db.session.scalars(
        select(Response)
        .join(QuestionnaireVersion, Response.version_id == QuestionnaireVersion.id)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
        .options(selectinload(Response.answers), selectinload(Response.version))
    )
    out = []
    for row in rows:
        answers = {a.question: a for a in row.answers}
        area = _values(answers.get(AREA_QUESTION))
        out.append(
            Respondent(
                id=row.id,
                channel=row.channel,
                questionnaire="",
                version=row.version.content_hash,
                submitted=row.submitted_on,
                crime_types=_values(answers.get(CRIME_TYPE_QUESTION)),
                area=area[0] if area else None,
                answers=answers,
            )
        )
    return out


def segments_of(questionnaire_id: int) -> tuple[list[SegmentRecord], list[CodingRecord]]:
    """A questionnaire's segments and all their codings (rejected ones too: they matter)."""
    segments = list(
        db.session.scalars(select(Segment).where(Segment.questionnaire_id == questionnaire_id))
    )
    records = [
        SegmentRecord(
            id=s.id,
            text=s.text,
            stage=None if s.stage == NO_STAGE else s.stage,
            source=s.source,
            metadata={
                "response_id": s.response_id,
                "question": s.question,
                "channel": s.channel,
                "crime_types": list(s.crime_types or []),
                "area": s.area,
            },
        )
        for s in segments
    ]
    codings = [
        CodingRecord(
            segment_id=c.segment_id,
            theme_id=c.theme,
            coder=c.coder,
            confidence=1.0 if c.confidence is None else float(c.confidence),
            matched=tuple(c.matched or ()),
            status=c.status,
            direction=c.direction,
        )
        for c in db.session.scalars(
            select(Coding)
            .join(Segment, Coding.segment_id == Segment.id)
            .where(Segment.questionnaire_id == questionnaire_id)
        )
    ]
    return records, codings


# ----- the summary ------------------------------------------------------------------------------


def threshold_in_force(threshold: int | None = None) -> int:
    """The threshold asked for, else SUMMARY_THRESHOLD from the configuration (default 10)."""
    if threshold is None:
        threshold = int(current_app.config.get("SUMMARY_THRESHOLD", DEFAULT_THRESHOLD))
    return threshold


def versions_of(questionnaire_id: int) -> list[QuestionnaireVersion]:
    """A questionnaire's stored versions, newest first."""
    return list(
        db.session.scalars(
            select(QuestionnaireVersion)
            .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
            .order_by(QuestionnaireVersion.number.desc())
        )
    )


def summary_for(request: Request, threshold: int | None = None) -> Summary:
    """The thematic summary of one questionnaire under the filters of ``request``.

    Raises SummaryError for an unknown questionnaire or version, or a threshold below 5.
    """
    from analysis.summary import SummaryFilter, build_summary

    found = questionnaires.find_questionnaire(request.slug)
    if found is None:
        raise SummaryError(
            f"No questionnaire with slug {request.slug!r}; run `questionnaires sync`."
        )
    threshold = threshold_in_force(threshold)
    if threshold < 5:
        raise SummaryError("The threshold can never be below 5.")
    version = found.version
    if request.version is not None:
        version = next((v for v in versions_of(found.row.id) if v.number == request.version), None)
        if version is None:
            raise SummaryError(f"{request.slug} has no version {request.version}.")
    respondents = respondents_of(found.row.id)
    segments, codings = segments_of(found.row.id)
    filters = SummaryFilter(
        version=version.content_hash if request.version is not None else None,
        date_from=request.date_from,
        date_to=request.date_to,
        crime_type=request.crime_type,
        area=request.area,
        channel=request.channel,
        source=request.source,
    )
    return build_summary(
        respondents,
        segments,
        codings,
        stored_codebook(),
        questions=questions_of(version),
        filters=filters,
        threshold=threshold,
        questionnaire=request.slug,
    )


def summary_file(summary: Summary, fmt: str) -> bytes:
    """The summary as a file: JSON, a zip of CSV tables, or XLSX (one sheet per table)."""
    from analysis.report_files import write_summary

    if fmt not in FORMATS:
        raise SummaryError(f"Choose one of {', '.join(FORMATS)}.")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"summary.{fmt}"
        write_summary(summary, path, fmt)
        return path.read_bytes()


def tables(summary: Summary):
    """The summary's tables as the files hold them (for a page that lists them)."""
    from analysis.report_files import summary_tables

    return summary_tables(summary)


def theme_segment_ids(summary: Summary, stage: str, theme: str) -> tuple[str, ...] | None:
    """The segments behind a theme's counts (empty when its counts are hidden), or None when
    the summary has no such theme."""
    found = summary.stages.get(stage)
    if found is None:
        return None
    for entry in found.themes:
        if entry.theme == theme:
            return entry.segment_ids
    return None


def segment_views(ids: tuple[str, ...]):
    """The segments of ``ids`` as the segment pages show them (redacted), in a stable order."""
    from survey_app.services import research

    if not ids:
        return []
    rows = list(
        db.session.scalars(
            select(Segment).where(Segment.id.in_(ids)).order_by(Segment.question, Segment.id)
        )
    )
    return research.segment_views_of(rows, original=False)
