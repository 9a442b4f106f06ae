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
import gc
import json
import tempfile
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import yaml
from flask import current_app
from sqlalchemy import Text, cast, func, or_, select, true

from analysis.disclosure import DEFAULT_THRESHOLD
from analysis.records import ClosedAnswer, Respondent
from analysis.records import Coding as CodingRecord
from analysis.records import Segment as SegmentRecord
from survey_app.database import reading_only
from survey_app.extensions import db
from survey_app.models import (
    AnswerRow,
    AuditEvent,
    Coding,
    CodingEvent,
    QuestionnaireVersion,
    Response,
    Segment,
)
from survey_app.services import codebooks, questionnaires
from survey_app.services.segments import AREA_QUESTION, CRIME_TYPE_QUESTION, NO_STAGE

if TYPE_CHECKING:
    from analysis.summary import ClosedQuestion, Summary

FORMATS = ("json", "csv", "xlsx", "svg", "pdf")
CHANNELS = ("online", "paper")
SUMMARY_SOURCES = ("survey", "focus_group", "workshop")
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


#: The filters whose values are a closed question's options, and what a wrong one says.
CHOICE_FILTERS = {
    "crime_type": "Select a crime type from the list",
    "area": "Select an area from the list",
}


def offered_choices(questionnaire_id: int) -> dict[str, list[tuple[str, str]]]:
    """For each of CHOICE_FILTERS, (value, label) of the question's options in any version of
    the questionnaire, the newest version's first: what the filter menus offer and accept."""
    offered: dict[str, dict[str, str]] = {name: {} for name in CHOICE_FILTERS}
    for version in versions_of(questionnaire_id):
        for name, options in offered.items():
            for value, label in choice_labels(version, name):
                options.setdefault(value, label)
    return {name: list(options.items()) for name, options in offered.items()}


def without_unoffered(
    request: Request, offered: dict[str, list[tuple[str, str]]]
) -> tuple[Request, dict[str, str]]:
    """The request without crime-type and area values that no version offers, and an error for
    each: such a value (a stale or edited link, a typo on the command line) would otherwise give
    an empty summary without a word."""
    errors = {}
    for name, message in CHOICE_FILTERS.items():
        if getattr(request, name) not in (None, *(value for value, _ in offered[name])):
            errors[name] = message
            request = replace(request, **{name: None})
    return request, errors


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


#: Sources whose segments are focus-group or workshop turns (no questionnaire, no response).
SESSION_SOURCES = ("focus_group", "workshop")


def _loads(raw: str | None, parsed: dict) -> Any:
    """JSON text parsed once per distinct text (answers repeat the same few values)."""
    if raw is None:
        return None
    found = parsed.get(raw, parsed)
    if found is parsed:
        value = json.loads(raw)
        found = parsed[raw] = tuple(value) if isinstance(value, list) else value
    return found


def _texts(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, tuple):
        return tuple(str(v) for v in value)
    return (str(value),)


def respondents_of(
    questionnaire_id: int, questions: frozenset[str], only: Collection[str] | None = None
) -> list[Respondent]:
    """Every response to a questionnaire (or those of ``only``) as a Respondent with its
    answers to ``questions`` (and the crime type and area), read as plain rows: one answer
    object per distinct (state, value), values parsed once per distinct JSON text."""
    of_questionnaire = (
        select(Response.id)
        .join(QuestionnaireVersion, Response.version_id == QuestionnaireVersion.id)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
    )
    if only is not None:
        of_questionnaire = of_questionnaire.where(Response.id.in_(only))
    names = sorted(questions | {CRIME_TYPE_QUESTION, AREA_QUESTION})
    parsed: dict = {}
    answers_of: dict[tuple[str, Any], ClosedAnswer] = {}
    by_response: dict[str, dict[str, ClosedAnswer]] = defaultdict(dict)
    rows = db.session.execute(
        select(
            AnswerRow.response_id, AnswerRow.question, AnswerRow.state, cast(AnswerRow.value, Text)
        ).where(AnswerRow.response_id.in_(of_questionnaire), AnswerRow.question.in_(names))
    )
    for response_id, question, state, raw in rows:
        key = (state, raw)
        answer = answers_of.get(key)
        if answer is None:
            answer = answers_of[key] = ClosedAnswer(state, _loads(raw, parsed))
        by_response[response_id][question] = answer
    out = []
    empty: dict[str, ClosedAnswer] = {}
    for rid, channel, submitted, content_hash in db.session.execute(
        select(
            Response.id, Response.channel, Response.submitted_on, QuestionnaireVersion.content_hash
        )
        .join(QuestionnaireVersion, Response.version_id == QuestionnaireVersion.id)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
        .where(true() if only is None else Response.id.in_(only))
    ):
        answers = by_response.get(rid, empty)
        crime = answers.get(CRIME_TYPE_QUESTION)
        area = answers.get(AREA_QUESTION)
        out.append(
            Respondent(
                id=rid,
                channel=channel,
                questionnaire="",
                version=content_hash,
                submitted=submitted,
                crime_types=_texts(crime.value) if crime and crime.state == "answered" else (),
                area=(_texts(area.value) or (None,))[0]
                if area and area.state == "answered"
                else None,
                answers=answers,
            )
        )
    return out


def _segment_scope(questionnaire_id: int):
    """A questionnaire's segments and every focus-group and workshop turn."""
    return or_(Segment.questionnaire_id == questionnaire_id, Segment.source.in_(SESSION_SOURCES))


def segments_of(
    questionnaire_id: int, only: Collection[str] | None = None, sessions: Collection[str] = ()
) -> tuple[list[SegmentRecord], dict[str, float]]:
    """A questionnaire's segments and every focus-group and workshop turn (or the segments of
    the responses in ``only`` and the turns of the focus-group ``sessions``), read as plain
    rows, and their stored sentiment scores (by id; a segment without one is scored by the
    engine)."""
    scopes = [_segment_scope(questionnaire_id)]
    if only is not None:
        # Apart, so that each uses its index (their OR reads every segment on SQLite).
        scopes = [Segment.response_id.in_(only) & (Segment.questionnaire_id == questionnaire_id)]
        if sessions:
            scopes.append(Segment.session_ref.in_(sessions) & Segment.source.in_(SESSION_SOURCES))
    parsed: dict = {}
    scores: dict[str, float] = {}
    records = []
    rows = chain.from_iterable(
        db.session.execute(
            select(
                Segment.id,
                Segment.text,
                Segment.stage,
                Segment.source,
                Segment.response_id,
                Segment.question,
                Segment.channel,
                cast(Segment.crime_types, Text),
                Segment.area,
                Segment.session_ref,
                Segment.speaker,
                Segment.sentiment,
            ).where(scope)
        )
        for scope in scopes
    )
    for (
        sid,
        text,
        stage,
        source,
        response_id,
        question,
        channel,
        crime_types,
        area,
        session_ref,
        speaker,
        sentiment,
    ) in rows:
        records.append(
            SegmentRecord(
                id=sid,
                text=text,
                stage=None if stage == NO_STAGE else stage,
                source=source,
                metadata={
                    "response_id": response_id,
                    "question": question,
                    "channel": channel,
                    "crime_types": list(_texts(_loads(crime_types, parsed))),
                    "area": area,
                    "session": session_ref,
                    "speaker": speaker,
                },
            )
        )
        if sentiment is not None:
            scores[sid] = sentiment
    return records, scores


def codings_of(
    questionnaire_id: int, segment_ids: Collection[str] | None = None
) -> list[CodingRecord]:
    """Every coding of those segments (rejected ones too: they matter), or of the segments of
    ``segment_ids`` among them, as plain rows."""
    query = (
        select(
            Coding.segment_id,
            Coding.theme,
            Coding.coder,
            Coding.confidence,
            Coding.status,
            Coding.direction,
        )
        .join(Segment, Coding.segment_id == Segment.id)
        .where(_segment_scope(questionnaire_id))
    )
    if segment_ids is None:
        chunks: list = [query]
    else:
        ids = sorted(segment_ids)
        chunks = [
            query.where(Coding.segment_id.in_(ids[start : start + _IN_CHUNK]))
            for start in range(0, len(ids), _IN_CHUNK)
        ]
    return [
        CodingRecord(
            segment_id=segment_id,
            theme_id=theme,
            coder=coder,
            confidence=1.0 if confidence is None else float(confidence),
            status=status,
            direction=direction,
        )
        for chunk in chunks
        for segment_id, theme, coder, confidence, status, direction in db.session.execute(chunk)
    ]


#: Ids per IN (...) list (SQLite's older builds allow 999 parameters in a statement).
_IN_CHUNK = 900


@dataclass(frozen=True)
class EventMark:
    """How far the coding events had gone when codings were read: how many there were, the
    latest time among them and the ids of the events at that time. Read in one statement, so
    the three agree; the codings are read after it, so they reflect at least these events."""

    count: int
    last: datetime.datetime | None
    at_last: frozenset[str]


def event_mark() -> EventMark:
    """The coding events' mark now (before codings are read)."""
    latest = select(func.max(CodingEvent.at)).scalar_subquery()
    total = select(func.count()).select_from(CodingEvent).scalar_subquery()
    rows = db.session.execute(
        select(CodingEvent.id, CodingEvent.at, total).where(CodingEvent.at == latest)
    ).all()
    if not rows:  # no latest time: no event (every event has a time)
        return EventMark(0, None, frozenset())
    return EventMark(rows[0][2], rows[0][1], frozenset(row[0] for row in rows))


#: Beyond this many segments named by new coding events, read every coding again.
MOST_CODED_SEGMENTS = 20_000


def coding_changes(kept: EventMark) -> tuple[EventMark, set[str]] | None:
    """The coding events since ``kept``: the mark after them and the segments they name, or
    None when that cannot be told for sure (then every coding is read again).

    Coding events are append-only and their ids random, so "since" is by time: the events at
    or after the kept latest time, less those already seen at that time, read in the same
    statement as the count of every event. They are all the new events exactly when the kept
    count plus theirs is that count; an event stamped earlier but committed later (or a clock
    set back) makes them differ, and so does a change made without an event."""
    total = select(func.count()).select_from(CodingEvent).scalar_subquery()
    query = select(CodingEvent.id, CodingEvent.at, CodingEvent.segment_id, total)
    if kept.last is not None:
        query = query.where(CodingEvent.at >= kept.last)
    rows = db.session.execute(query).all()
    new = [row for row in rows if row[0] not in kept.at_last]
    if not new or rows[0][3] != kept.count + len(new):
        return None
    segment_ids = {row[2] for row in new}
    if len(segment_ids) > MOST_CODED_SEGMENTS:
        return None
    last = max(row[1] for row in new)
    at_last = {row[0] for row in new if row[1] == last}
    if last == kept.last:
        at_last |= kept.at_last
    return EventMark(rows[0][3], last, frozenset(at_last)), segment_ids


@dataclass(frozen=True)
class AuditMark:
    """How far the counted audit events (see `fingerprint`) had gone when records were read:
    how many there were and the highest id. Read before the records, so they reflect at least
    these events."""

    count: int
    last: int


def _counted_audits():
    """The audit events the fingerprint counts apart from the adding ones: those that may
    change an answer or a segment."""
    return AuditEvent.action.not_in(READ_ONLY_ACTIONS + ADDING_ACTIONS)


def audit_mark() -> AuditMark:
    """The counted audit events' mark now (before records are read)."""
    count, last = db.session.execute(
        select(func.count(), func.max(AuditEvent.id))
        .select_from(AuditEvent)
        .where(_counted_audits())
    ).one()
    return AuditMark(count, last or 0)


#: Audit events that name a response changed (its answers, and with them its segments).
RESPONSE_ACTIONS = ("response.correct", "response.correct.reason")
#: Audit events that name a focus-group session changed (``field`` "focus_session:<id>"):
#: its turns stored, deleted, or given its new area, groups and kind.
SESSION_ACTIONS = (
    "focus_session.create",
    "focus_session.update",
    "focus_session.transcript",
    "focus_session.transcript_deleted",
)


def touched_by(action: str, response_id: str | None, field: str | None, new: str | None):
    """The responses and focus-group sessions one counted audit event says were changed, as
    (response ids, session ids), or None when it does not say (an action this does not know,
    or an event without the details: then everything is read again)."""
    if action in RESPONSE_ACTIONS and response_id:
        return {response_id}, set()
    if action in SESSION_ACTIONS and field and field.startswith("focus_session:"):
        return set(), {field.removeprefix("focus_session:")}
    if action == "segments.rebuild":
        try:
            changed = json.loads(new or "")["responses"]
        except (ValueError, TypeError, KeyError):
            return None  # written before rebuilds named their responses
        if isinstance(changed, list) and all(isinstance(rid, str) for rid in changed):
            return set(changed), set()
    return None


def audit_changes(kept: AuditMark) -> tuple[AuditMark, set[str], set[str]] | None:
    """The counted audit events since ``kept``: the mark after them and the responses and
    focus-group sessions they name, or None when that cannot be told for sure (an event
    `touched_by` does not understand, or counts that do not agree: an event with a lower id
    committed after a higher one, as PostgreSQL's sequences allow)."""
    total = select(func.count()).select_from(AuditEvent).where(_counted_audits()).scalar_subquery()
    rows = db.session.execute(
        select(
            AuditEvent.id,
            AuditEvent.action,
            AuditEvent.response_id,
            AuditEvent.field,
            AuditEvent.new_value,
            total,
        ).where(_counted_audits(), AuditEvent.id > kept.last)
    ).all()
    if not rows or rows[0][5] != kept.count + len(rows):
        return None
    responses: set[str] = set()
    sessions: set[str] = set()
    for _id, action, response_id, field_, new, _total in rows:
        found = touched_by(action, response_id, field_, new)
        if found is None:
            return None
        responses |= found[0]
        sessions |= found[1]
    return AuditMark(rows[0][5], max(row[0] for row in rows)), responses, sessions


#: Audited actions that change no answer and no segment (reading, accounts, printing, paper
#: deliveries and settings, codebook edits and merges, two-coder samples: their changes to
#: codings write coding events): they leave kept records as they are.
READ_ONLY_ACTIONS = (
    "segment.original",
    "segments.original_download",
    "responses.original_download",
    "user.create",
    "user.role",
    "user.active",
    "paper.print",
    "paper.return",
    "questionnaire.double_entry",
    "questionnaire.dates",
    "codebook.edit",
    "codebook.merge_codings",
    "sample.create",
    "sample.withdraw",
    "sample.finish",
)
#: Audited actions that at most add a response and its segments (keying a paper copy, and
#: making it final): the kept records are added to, as after an online response.
ADDING_ACTIONS = ("entry.create", "entry.change", "reconcile", "response.final")


def fingerprint(questionnaire_id: int) -> tuple:
    """A cheap mark of everything a summary reads, which changes whenever it does:
    ``(questionnaire id, (responses, segments, other audit events, versions, adding audit
    events), (codings, coding events))``.

    Responses are only ever added (counted); a correction of an answer writes an audit event
    (append-only, counted unless its action is in READ_ONLY_ACTIONS), and so does a segment
    rebuild that changed a segment, a focus-group session's change and a transcript's import
    (each naming the responses or the session it changed: `touched_by`); segments are
    counted; a new questionnaire version is counted. Keying a paper copy and making it final
    (ADDING_ACTIONS) are counted apart: they only add. Every change to a coding writes a
    coding event (append-only, counted). The codebook is read afresh for every summary. The
    last part alone changing means only the codings changed.
    """
    counts = [
        select(func.count()).select_from(table).scalar_subquery()
        for table in (
            Response.__table__,
            Segment.__table__,
            QuestionnaireVersion.__table__,
            Coding.__table__,
            CodingEvent.__table__,
        )
    ]
    audits = select(func.count()).select_from(AuditEvent)
    counts.insert(2, audits.where(_counted_audits()).scalar_subquery())
    counts.insert(4, audits.where(AuditEvent.action.in_(ADDING_ACTIONS)).scalar_subquery())
    found = tuple(db.session.execute(select(*counts)).one())
    return (questionnaire_id, found[:5], found[5:])


class _Kept(NamedTuple):
    """A questionnaire's kept records with the data's fingerprint, the coding events' and
    counted audit events' marks when they were read, the day they were read and the closed
    questions' names they hold answers to."""

    mark: tuple
    records: Any
    events: EventMark
    read_on: datetime.date
    audits: AuditMark
    names: frozenset[str]


class _Cache:
    """Per app: a questionnaire's records ready to summarise (`_Kept`), kept while the
    fingerprint stays the same, and the last few summaries made from them."""

    SUMMARIES = 16

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.records: dict[int, _Kept] = {}
        self.summaries: OrderedDict[tuple, tuple] = OrderedDict()


def _drop_stale_summaries(cache: _Cache) -> None:
    """Forget the summaries made from records no longer kept (the caller holds the lock): their
    key holds the old fingerprint, so they are never asked for again, and each would keep its
    records alive (after a full read, two copies of tens of millions of objects)."""
    kept = {id(k.records) for k in cache.records.values()}
    for key in [k for k, (_, records) in cache.summaries.items() if id(records) not in kept]:
        del cache.summaries[key]


def _cache() -> _Cache:
    found = current_app.extensions.get("summary_cache")
    if found is None:
        found = current_app.extensions["summary_cache"] = _Cache()
    return found


def closed_names(questionnaire_id: int) -> frozenset[str]:
    """Names of the closed questions in any version of a questionnaire (and the journey's)."""
    from analysis.summary import DEFAULT_JOURNEY

    names = {q.name for v in versions_of(questionnaire_id) for q in questions_of(v)}
    names |= {step.question for step in DEFAULT_JOURNEY.steps}
    return frozenset(names)


def records_for(questionnaire_id: int):
    """The questionnaire's records (see `_records_for`), read or updated with the cyclic garbage
    collector paused, and then frozen (`gc.freeze`) when they were read or updated: at 100,000
    responses the records are tens of millions of objects, which a full collection would
    otherwise walk again and again (2 to 3 s of CPU each time, at random requests). They hold
    no reference cycles to collect."""
    kept = _cache().records.get(questionnaire_id)
    if kept is not None and kept.mark == fingerprint(questionnaire_id):
        return kept.mark, kept.records
    del kept  # a full read lets the old records go first (_records_for)
    enabled = gc.isenabled()
    gc.disable()
    try:
        found = _records_for(questionnaire_id)
        gc.collect(1)  # the young garbage, so that little of it is frozen
        gc.freeze()
    finally:
        if enabled:
            gc.enable()
    return found


def _records_for(questionnaire_id: int):
    """The questionnaire's records as `analysis.summary.SummaryRecords`, read from the database
    only when its fingerprint changed since they were last read, and then only what changed
    when that can be told: new responses (and paper copies made final) are added, responses
    and focus-group sessions that audit events name (a correction, a segment rebuild, a
    transcript or a session changed) are read again in place of the kept ones, and the
    codings of the segments that coding events name since are read again."""
    from analysis.summary import SummaryRecords

    today = datetime.date.today()
    mark = fingerprint(questionnaire_id)
    cache = _cache()
    found = cache.records.get(questionnaire_id)
    if found is not None and found.mark == mark:
        return mark, found.records
    records = None
    if found is not None:
        records, events, audits, names = found.records, found.events, found.audits, found.names
        if found.mark[1] != mark[1]:
            records, audits, names = _with_data_changes(questionnaire_id, found, mark)
        if records is not None and found.mark[2] != mark[2]:
            changes = coding_changes(events)
            if changes is None:
                events = event_mark()
                records = records.with_codings(codings_of(questionnaire_id))
            else:
                events, segment_ids = changes
                records = records.with_coding_changes(
                    segment_ids, codings_of(questionnaire_id, segment_ids)
                )
    if records is None:
        found = None  # nothing may keep the old records alive while the new ones are read
        with cache.lock:
            cache.records.pop(questionnaire_id, None)
            _drop_stale_summaries(cache)
        events, audits = event_mark(), audit_mark()
        names = closed_names(questionnaire_id)
        respondents = respondents_of(questionnaire_id, names)
        segments, scores = segments_of(questionnaire_id)
        records = SummaryRecords(respondents, segments, codings_of(questionnaire_id), scores)
    with cache.lock:
        cache.records[questionnaire_id] = _Kept(mark, records, events, today, audits, names)
    return mark, records


#: Beyond this many responses added or read again since the records were kept, read
#: everything again.
MOST_ADDED = 5_000


def _with_data_changes(questionnaire_id: int, kept: _Kept, mark: tuple) -> tuple:
    """The kept records with the responses added since (online, or paper copies made final)
    and the responses and focus-group sessions that audit events name since read again (their
    answers, segments and those segments' codings), with the audit events' mark after them and
    the closed questions' names; the kept records themselves when only a paper copy was keyed
    (nothing added yet); (None, ...) when the change cannot be told (then everything is read
    again): an audit event this does not know, a new version that asks other closed
    questions, more than MOST_ADDED responses, or counts that do not agree afterwards.

    Responses are only ever added, and every other change to an answer or a segment writes an
    audit event that names what it changed (see `fingerprint` and `touched_by`)."""
    responses, segments_, _audits, versions, _adding = kept.mark[1]
    now_responses, now_segments, now_audits, now_versions, _now_adding = mark[1]
    names = kept.names
    if versions != now_versions and closed_names(questionnaire_id) != names:
        return None, None, None
    audits, changed, sessions = kept.audits, set(), set()
    if now_audits != _audits:
        found = audit_changes(kept.audits)
        if found is None:
            return None, None, None
        audits, changed, sessions = found
    added = now_responses - responses
    if added == 0 and now_segments == segments_ and not changed and not sessions:
        return kept.records, audits, names  # a paper copy keyed, or a new version
    if added < 0 or added + len(changed) > MOST_ADDED:
        return None, None, None
    new_ids = _new_responses(questionnaire_id, kept, added) if added else set()
    if new_ids is None:
        return None, None, None
    again = sorted(new_ids | changed)
    respondents = respondents_of(questionnaire_id, names, again)
    segments, scores = segments_of(questionnaire_id, again, sorted(sessions))
    codings = codings_of(questionnaire_id, [s.id for s in segments]) if segments else []
    # Responses stored while the kept records were read may have some segments in them: the
    # responses added are taken out (if there at all) and put in whole, like those corrected.
    records = kept.records.with_replaced(again, sessions, respondents, segments, codings, scores)
    if (len(records.respondents), len(records.segments)) != _rows_in(questionnaire_id):
        return None, None, None
    return records, audits, names


def _new_responses(questionnaire_id: int, kept: _Kept, added: int) -> set[str] | None:
    """The ids of the ``added`` responses to the questionnaire that the kept records do not
    hold, or None when there are not exactly that many (another questionnaire's, or more
    since the fingerprint was read)."""
    of_questionnaire = (
        select(Response.id)
        .join(QuestionnaireVersion, Response.version_id == QuestionnaireVersion.id)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
    )
    # A response carries the date it was stored: the new ones are among the latest few days'
    # (read_on: when the kept records were read). One stored with an earlier date is missed
    # here, and then the count says so and every id is read.
    recent = set(
        db.session.scalars(
            of_questionnaire.where(
                Response.submitted_on >= kept.read_on - datetime.timedelta(days=2)
            )
        )
    )
    held = kept.records.respondent_ids
    new_ids = recent - held
    if len(new_ids) != added:
        ids = set(db.session.scalars(of_questionnaire))
        new_ids = ids - held
        if len(new_ids) != added or len(ids) != len(held) + added:
            return None
    return new_ids


def _rows_in(questionnaire_id: int) -> tuple[int, int]:
    """How many responses the questionnaire has, and how many segments the summary reads
    (its own and every focus-group and workshop turn): what updated records must hold."""
    responses = (
        select(func.count())
        .select_from(Response)
        .join(QuestionnaireVersion, Response.version_id == QuestionnaireVersion.id)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
        .scalar_subquery()
    )
    segments = (
        select(func.count())
        .select_from(Segment)
        .where(_segment_scope(questionnaire_id))
        .scalar_subquery()
    )
    return tuple(db.session.execute(select(responses, segments)).one())


def warm() -> list[str]:
    """Read every questionnaire's records into this process and make its summary with no
    filter (and the counts per cell that channel and date filters add up), so that the first
    researcher to ask does not wait for them; returns the slugs warmed. gunicorn.conf.py calls
    it in a thread of each new worker when SURVEY_WARM_SUMMARY=1."""
    warmed = []
    with reading_only():  # half a minute of reading at 100,000 responses: not under the lock
        for row in questionnaires.all_questionnaires():
            summary_for(Request(slug=row.slug))
            warmed.append(row.slug)
    db.session.remove()
    return warmed


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
    return _summary_and_records(request, threshold)[0]


def _summary_and_records(request: Request, threshold: int | None = None) -> tuple:
    """The summary of ``request`` and the records it was made from."""
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
    mark, records = records_for(found.row.id)
    codebook = stored_codebook()
    key = (
        mark,
        request,
        threshold,
        version.content_hash,
        None
        if codebook is None
        else (tuple(codebook.themes), tuple(codebook.stage_labels.items())),
    )
    cache = _cache()
    kept = cache.summaries.get(key)
    if kept is not None:
        return kept
    filters = SummaryFilter(
        version=version.content_hash if request.version is not None else None,
        date_from=request.date_from,
        date_to=request.date_to,
        crime_type=request.crime_type,
        area=request.area,
        channel=request.channel,
        source=request.source,
    )
    made = build_summary(
        records,
        codebook=codebook,
        questions=questions_of(version),
        filters=filters,
        threshold=threshold,
        questionnaire=request.slug,
    )
    with cache.lock:
        _drop_stale_summaries(cache)
        cache.summaries[key] = (made, records)
        while len(cache.summaries) > cache.SUMMARIES:
            cache.summaries.popitem(last=False)
    return made, records


def summary_file(summary: Summary, fmt: str) -> bytes:
    """The summary as a file: JSON, a zip of CSV tables, XLSX (one sheet per table), a zip of
    SVG charts, or the findings report (PDF)."""
    from analysis.report_files import write_summary

    if fmt == "pdf":
        from survey_app.services.findings import findings_pdf

        return findings_pdf(summary)
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


#: Breakdowns a count may be taken within (see analysis.summary.CountRef).
COUNT_DIMS = (
    "crime_type",
    "area",
    "channel",
    "source",
    "participants_crime_type",
    "participants_area",
    "participants_source",
)
SEGMENTS_PER_PAGE = 50


def count_ref(args):
    """The count a URL names (``stage``/``theme``, ``question``/``option``, ``by``/``group``),
    or None when it names none."""
    from analysis.summary import CountRef

    def text(name: str) -> str | None:
        value = (args.get(name) or "").strip()
        return value[:100] or None

    ref = CountRef(
        stage=text("stage"),
        theme=text("theme"),
        question=text("question"),
        option=text("option"),
        dim=text("by"),
        group=text("group"),
    )
    if ref.dim is not None and (ref.dim not in COUNT_DIMS or ref.group is None):
        return None
    if ref.theme is None and ref.question is None and ref.dim is None:
        return None
    if ref.theme is not None and ref.stage is None:
        return None
    if ref.question is not None and ref.option is None:
        return None
    return ref


@dataclass(frozen=True)
class Behind:
    """The segments behind one count: what the count is, its cell, and one page of ids."""

    summary: Summary
    title: str
    cell: Any
    listed: str
    ids: tuple[str, ...]
    total: int
    page: int
    pages: int


def segments_behind(request: Request, args) -> Behind | None:
    """The segments behind the count named in ``args``, worked out on the server from the
    published summary (a hidden count lists none); None when the summary has no such count."""
    from analysis.summary import cell_of
    from analysis.summary import segments_behind as behind

    made, records = _summary_and_records(request)
    ref = count_ref(args)
    if ref is None:
        return None
    ids = behind(records, made, ref)
    if ids is None:
        return None
    title, listed = _describe(made, ref)
    pages = max(1, -(-len(ids) // SEGMENTS_PER_PAGE))
    page = (args.get("page") or "1").strip()
    page = min(int(page), pages) if page.isdigit() and int(page) > 0 else 1
    start = (page - 1) * SEGMENTS_PER_PAGE
    return Behind(
        summary=made,
        title=title,
        cell=cell_of(made, ref),
        listed=listed,
        ids=ids[start : start + SEGMENTS_PER_PAGE],
        total=len(ids),
        page=page,
        pages=pages,
    )


def _group_label(summary: Summary, dim: str, group: str) -> str:
    base = dim.removeprefix("participants_")
    if group == "not_given":
        return "not given"
    return summary.labels.get(base, {}).get(group, group.replace("_", " "))


def _describe(summary: Summary, ref) -> tuple[str, str]:
    """A title for the count and a sentence saying what is listed behind it."""
    within = ""
    if ref.dim is not None:
        who = "participants" if ref.dim.startswith("participants_") else "respondents"
        kind = ref.dim.removeprefix("participants_").replace("_", " ")
        within = f" ({who}, {kind}: {_group_label(summary, ref.dim, ref.group)})"
        if ref.dim == "source":
            within = f" (source: {_group_label(summary, 'source', ref.group)})"
    if ref.theme is not None:
        stage = summary.stages[ref.stage]
        entry = next(t for t in stage.themes if t.theme == ref.theme)
        return (
            f"{entry.label}{within}",
            f"The segments coded with this theme at the {stage.label.lower()} stage"
            f"{' in this group' if within else ''}.",
        )
    listed = (
        "The free-text answers (those that say something) of the respondents counted here. "
        "The count is of respondents: some wrote nothing, some wrote several answers."
    )
    if ref.question is not None:
        question = summary.questions[ref.question]
        option = next(o for o in question.options if o.value == ref.option)
        return f"{question.label}: {option.label}{within}", listed
    return f"Respondents{within}", listed


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
