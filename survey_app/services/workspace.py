"""The researchers' workspace: find segments (survey answers, paper and online, and focus-group
turns) by filters and words, and code them: people's codes, decisions on machine suggestions (one
by one or in bulk for a filtered set), memos on segments and themes.

Search runs over the *redacted* text (table `search_text`), never the original: otherwise a
search for a name that the page hides would confirm that it is there. Matches are highlighted by
finding them in the plain redacted text and escaping every piece before wrapping matches in
<mark>, so respondents' text can never become markup.
"""

import hashlib
import re
import time
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime

from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import exists, func, insert, literal, literal_column, or_, select, text
from sqlalchemy.exc import IntegrityError

from analysis.records import FACILITATOR
from survey_app.database import begin_writing, committing, transaction
from survey_app.extensions import db
from survey_app.models import Coding, Memo, SearchText, Segment, Theme, User
from survey_app.models.research import SEGMENT_STAGES, SOURCES
from survey_app.services import codebooks, coding
from survey_app.services.research import DIRECTION_WORDS, redacted
from survey_app.services.segment_labels import all_option_labels, shown_as
from survey_app.services.segments import sentiment_of

PAGE_SIZE = 25
MAX_WORDS = 8
MAX_QUERY = 200
MAX_MEMO = 5000
INDEX_BATCH = 1000
CHOICES_SECONDS = 60
#: Segments a page indexes before it answers (about 2 ms of CPU each).
INDEX_PER_PAGE = 500
COUNT_LIMIT = 1_000
CHANNELS = ("online", "paper")
SENTIMENTS = ("negative", "neutral", "positive")
YES_NO = ("yes", "no")
#: Statuses that make a theme present on a segment (a rejected suggestion does not).
PRESENT = ("suggested", "accepted", "human")
#: Statuses that mean a person has looked at the segment's coding.
REVIEWED = coding.DECIDED_STATUSES
WORD = re.compile(r"\w+", re.UNICODE)


class WorkspaceError(ValueError):
    """A request the workspace cannot carry out; the message is for the page."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# ----- the search index -------------------------------------------------------------------------


def doc_number(segment_id: str) -> int:
    """The full-text index's row number for a segment: random-looking (from a hash of the
    random segment id), so the index's order says nothing about when a segment was stored."""
    return int(hashlib.sha256(segment_id.encode()).hexdigest()[:15], 16)


def unindexed() -> int:
    """How many segments have no search_text row yet.

    Every search_text row has its segment (triggers drop a row with its segment or its old
    text), so the difference of two quick counts says it, instead of an anti-join over every
    segment on each page."""
    segments = db.session.scalar(select(func.count()).select_from(Segment)) or 0
    return max(0, segments - (db.session.scalar(select(func.count()).select_from(SearchText)) or 0))


def index_missing(limit: int | None = None, missing: int | None = None) -> int:
    """Make the search_text row (redacted text, sentiment) of segments that lack one (new
    segments, and those whose text changed: a trigger dropped their row), at most ``limit``;
    returns how many. ``missing``: what `unindexed()` just said, if the caller knows. Commits
    once per batch."""
    from analysis.sentiment import sentiment_band

    if not (unindexed() if missing is None else missing):
        return 0
    missing = (
        select(Segment.id, Segment.text, Segment.sentiment)
        .where(~exists().where(SearchText.segment_id == Segment.id))
        .order_by(Segment.id)
    )
    if limit is not None:
        missing = missing.limit(limit)
    todo = db.session.execute(missing).all()
    db.session.commit()  # end the read
    if todo:
        begin_writing()  # a GET that fills the index takes the write lock from here on
    for start in range(0, len(todo), INDEX_BATCH):
        rows = [
            {
                "segment_id": segment_id,
                "doc": doc_number(segment_id),
                "redacted": redacted(original),
                # The segment's stored score (made with it); scored here only when a row was
                # written around the services and has none.
                "sentiment": sentiment_band(sentiment_of(original) if score is None else score),
            }
            for segment_id, original, score in todo[start : start + INDEX_BATCH]
        ]
        try:
            with committing():
                db.session.execute(insert(SearchText), rows)
        except IntegrityError:  # another request indexed some of them meanwhile: one by one
            for row in rows:
                with committing():
                    if db.session.get(SearchText, row["segment_id"]) is None:
                        db.session.execute(insert(SearchText), [row])
    return len(todo)


# ----- filters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the researcher asked for, as the URL carries it (empty string: any)."""

    stage: str = ""
    theme: str = ""
    crime_type: str = ""
    area: str = ""
    channel: str = ""
    source: str = ""
    sentiment: str = ""
    coded: str = ""
    reviewed: str = ""
    q: str = ""

    def as_args(self, **changes) -> dict[str, str]:
        """The non-empty filters, for url_for (with ``changes`` applied)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}

    @property
    def words(self) -> list[str]:
        return [w.lower() for w in WORD.findall(self.q)][:MAX_WORDS]

    @property
    def any(self) -> bool:
        return bool(self.as_args())


@dataclass(frozen=True)
class Choices:
    """The values each filter offers (from the codebook and the segments stored)."""

    stages: tuple[str, ...]
    themes: tuple[tuple[str, str], ...]  # (key, label)
    crime_types: tuple[str, ...]
    areas: tuple[str, ...]
    # value -> the questionnaires' label, for "crime_type" and "area" (values no version
    # offers show as stored)
    option_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    channels: tuple[str, ...] = CHANNELS
    sources: tuple[str, ...] = SOURCES
    sentiments: tuple[str, ...] = SENTIMENTS

    @property
    def theme_labels(self) -> dict[str, str]:
        return dict(self.themes)


def current_themes() -> tuple[tuple[str, str], ...]:
    """(key, label) of the current codebook's themes, in the codebook's order."""
    version = codebooks.current_version()
    if version is None:
        return ()
    return tuple(
        db.session.execute(
            select(Theme.key, Theme.label)
            .where(Theme.version_id == version.id)
            .order_by(Theme.position)
        ).all()
    )


def _areas_and_crime_types() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The areas and crime types segments carry: remembered by each app for CHOICES_SECONDS
    (reading them means a scan of every segment, too slow for every page at 100,000)."""
    remembered = current_app.extensions.get("survey_workspace_choices")
    if remembered is not None and time.monotonic() - remembered[0] < CHOICES_SECONDS:
        return remembered[1]
    areas = db.session.scalars(
        select(Segment.area).where(Segment.area.is_not(None)).distinct().order_by(Segment.area)
    ).all()
    if db.engine.dialect.name == "postgresql":
        elements = "SELECT DISTINCT json_array_elements_text(crime_types) FROM segment"
    else:
        elements = "SELECT DISTINCT json_each.value FROM segment, json_each(segment.crime_types)"
    crime_types = {str(v) for v in db.session.scalars(text(elements)) if v is not None}
    found = (tuple(areas), tuple(sorted(crime_types)))
    current_app.extensions["survey_workspace_choices"] = (time.monotonic(), found)
    return found


def choices() -> Choices:
    areas, crime_types = _areas_and_crime_types()
    return Choices(
        stages=SEGMENT_STAGES,
        themes=current_themes(),
        crime_types=crime_types,
        areas=areas,
        option_labels=all_option_labels(),
    )


# Field, message when the value is not one offered.
PROBLEMS = {
    "stage": "Select a stage from the list",
    "theme": "Select a theme from the list",
    "crime_type": "Select a crime type from the list",
    "area": "Select an area from the list",
    "channel": "Select online or paper",
    "source": "Select a source from the list",
    "sentiment": "Select negative, neutral or positive",
    "coded": "Select whether coded or not",
    "reviewed": "Select whether reviewed or not",
}


def parse_filters(args, offered: Choices) -> tuple[Filters, dict[str, str]]:
    """Filters from request arguments, and a message per field whose value is not offered
    (that filter is then left out, the others still apply)."""
    allowed = {
        "stage": offered.stages,
        "theme": tuple(k for k, _ in offered.themes),
        "crime_type": offered.crime_types,
        "area": offered.areas,
        "channel": offered.channels,
        "source": offered.sources,
        "sentiment": offered.sentiments,
        "coded": YES_NO,
        "reviewed": YES_NO,
    }
    values, errors = {}, {}
    for name, allowed_values in allowed.items():
        value = (args.get(name) or "").strip()
        if value and value not in allowed_values:
            errors[name] = PROBLEMS[name]
            value = ""
        values[name] = value
    q = (args.get("q") or "").strip()
    if len(q) > MAX_QUERY:
        errors["q"] = f"Enter {MAX_QUERY} characters or fewer to search for"
        q = q[:MAX_QUERY]
    elif q and not WORD.search(q):
        errors["q"] = "Enter words to search for (letters or numbers)"
        q = ""
    values["q"] = q
    return Filters(**values), errors


def _crime_type_clause(crime_type: str):
    if db.engine.dialect.name == "postgresql":
        return text("CAST(segment.crime_types AS JSONB) ? :crime_type").bindparams(
            crime_type=crime_type
        )
    return text(
        "EXISTS (SELECT 1 FROM json_each(segment.crime_types) WHERE json_each.value = :crime_type)"
    ).bindparams(crime_type=crime_type)


def _match_clause(words: list[str]):
    """Segments whose redacted text has every word (as a word or the start of one)."""
    if db.engine.dialect.name == "postgresql":
        query = " & ".join(f"{w}:*" for w in words)
        # search_text.tsv: a stored column with a GIN index, on PostgreSQL only (migration).
        return literal_column("search_text.tsv").op("@@")(
            func.to_tsquery(literal_column("'simple'::regconfig"), query)
        )
    match = " ".join(f'"{w}"*' for w in words)
    return SearchText.doc.in_(
        select(literal_column("rowid"))
        .select_from(text("search_fts"))
        .where(text("search_fts MATCH :match").bindparams(match=match))
    )


def _coding_exists(*conditions):
    return exists().where(Coding.segment_id == Segment.id, *conditions)


def _where(filters: Filters) -> list:
    clauses = []
    # With words to find, SQLite should start from the full-text index (few matches, in `doc`
    # order) rather than from the stage index (a quarter of all segments): `column || ''` keeps
    # the planner off the column's index.
    unindexed = bool(filters.words) and db.engine.dialect.name == "sqlite"
    for name in ("stage", "area", "channel", "source"):
        value = getattr(filters, name)
        if value:
            column = getattr(Segment, name)
            clauses.append((column + literal("") if unindexed else column) == value)
    if filters.crime_type:
        clauses.append(_crime_type_clause(filters.crime_type))
    if filters.theme:  # a list to drive from (the theme index), not a check on every segment
        clauses.append(
            Segment.id.in_(
                select(Coding.segment_id).where(
                    Coding.theme == filters.theme, Coding.status.in_(PRESENT)
                )
            )
        )
    if filters.coded:
        has = _coding_exists(Coding.status.in_(PRESENT))
        clauses.append(has if filters.coded == "yes" else ~has)
    if filters.reviewed:
        has = _coding_exists(Coding.status.in_(REVIEWED))
        clauses.append(has if filters.reviewed == "yes" else ~has)
    if filters.sentiment:
        clauses.append(SearchText.sentiment == filters.sentiment)
    if filters.words:
        clauses.append(_match_clause(filters.words))
    return clauses


def _filtered(columns, filters: Filters):
    return (
        select(*columns)
        .select_from(SearchText)
        .join(Segment, Segment.id == SearchText.segment_id)
        .where(*_where(filters))
    )


def matching_ids(filters: Filters):
    """A subquery of the ids of the segments that match."""
    return _filtered([Segment.id], filters)


# ----- what a page shows ------------------------------------------------------------------------


@dataclass(frozen=True)
class CodingView:
    id: str
    theme: str
    label: str
    status: str
    by_person: bool
    coder: str
    confidence: float | None
    why: tuple[str, ...]
    direction: str
    needs_review: bool


@dataclass(frozen=True)
class MemoView:
    id: str
    author: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class SegmentCard:
    """A segment as the workspace shows it (question, crime types and area as labels)."""

    id: str
    source: str
    channel: str
    stage: str
    question: str
    crime_type: str
    area: str
    session_ref: str
    turn: int | None
    speaker: str
    sentiment: str
    html: Markup  # redacted text, escaped, matches in <mark>
    codings: tuple[CodingView, ...] = ()
    memos: tuple[MemoView, ...] = ()

    @property
    def facilitator(self) -> bool:
        return self.speaker == FACILITATOR

    @property
    def title(self) -> str:
        if self.source == "survey":
            return f"{self.question} ({self.channel or 'survey'}, {self.stage})"
        where = f"{self.source.replace('_', ' ')} {self.session_ref}, turn {self.turn}"
        return f"{where}: {self.speaker} ({self.stage})"

    @property
    def decided_themes(self) -> frozenset[str]:
        """Themes a person has accepted, coded or rejected on this segment."""
        return frozenset(c.theme for c in self.codings if c.status in REVIEWED)

    @property
    def suggestions(self) -> tuple[CodingView, ...]:
        """Pending suggestions of themes no person has decided here yet (to accept or reject)."""
        decided = self.decided_themes
        return tuple(c for c in self.codings if c.status == "suggested" and c.theme not in decided)


@dataclass(frozen=True)
class Page:
    cards: list[SegmentCard]
    total: int
    page: int
    pages: int  # when the total is known
    known: bool = True  # False: more than COUNT_LIMIT match (`total` is COUNT_LIMIT + 1)
    more: bool = False  # a next page exists
    unindexed: int = 0  # segments not searchable yet


def highlight(text_: str, words: list[str]) -> Markup:
    """``text_`` escaped, with each word that starts with one of ``words`` in <mark>."""
    if not words:
        return escape(text_)
    pattern = re.compile(
        r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\w*", re.IGNORECASE | re.UNICODE
    )
    out, at = [], 0
    for found in pattern.finditer(text_):
        out.append(escape(text_[at : found.start()]))
        out.append(Markup("<mark>%s</mark>") % found.group(0))
        at = found.end()
    out.append(escape(text_[at:]))
    return Markup("").join(out)


def _why(row: Coding) -> tuple[str, ...]:
    return tuple(str(m) for m in (row.matched or []))[:6]


def coding_views(segment_ids: list[str], labels: dict[str, str]) -> dict[str, list[CodingView]]:
    found: dict[str, list[CodingView]] = {}
    if not segment_ids:
        return found
    for row in db.session.scalars(
        select(Coding)
        .where(Coding.segment_id.in_(segment_ids))
        .order_by(Coding.theme, Coding.coder)
    ):
        found.setdefault(row.segment_id, []).append(
            CodingView(
                id=row.id,
                theme=row.theme,
                label=labels.get(row.theme, row.theme),
                status=row.status,
                by_person=row.user_id is not None,
                coder="a person" if row.user_id else row.coder.split("@")[0].split(":")[0],
                confidence=row.confidence,
                why=_why(row),
                direction=DIRECTION_WORDS.get(row.direction or "", ""),
                needs_review=row.needs_review,
            )
        )
    return found


def memo_views(segment_ids: list[str] | None = None, theme: str | None = None) -> dict:
    """Memos by segment id (or, with ``theme``, that theme's memos under the key ``theme``)."""
    query = select(Memo, User.email).join(User, User.id == Memo.author_id)
    if theme is not None:
        query = query.where(Memo.theme == theme)
    else:
        if not segment_ids:
            return {}
        query = query.where(Memo.segment_id.in_(segment_ids))
    found: dict[str, list[MemoView]] = {}
    for memo, email in db.session.execute(query.order_by(Memo.created_at)):
        key = memo.theme if theme is not None else memo.segment_id
        found.setdefault(key, []).append(MemoView(memo.id, email, memo.text, memo.created_at))
    return found


def cards_of(ids: list[str], words: list[str], labels: dict[str, str]) -> list[SegmentCard]:
    """Cards for the segments ``ids`` in that order."""
    if not ids:
        return []
    rows = {
        s.id: (s, t)
        for s, t in db.session.execute(
            select(Segment, SearchText)
            .join(SearchText, SearchText.segment_id == Segment.id)
            .where(Segment.id.in_(ids))
        )
    }
    codings = coding_views(ids, labels)
    memos = memo_views(ids)
    shown = shown_as(s for s, _ in rows.values())
    cards = []
    for segment_id in ids:
        if segment_id not in rows:
            continue
        s, t = rows[segment_id]
        cards.append(
            SegmentCard(
                id=s.id,
                source=s.source,
                channel=s.channel or "",
                stage=s.stage,
                question=shown[s.id].question,
                crime_type=shown[s.id].crime_type,
                area=shown[s.id].area,
                session_ref=s.session_ref or "",
                turn=s.turn,
                speaker=s.speaker or "",
                sentiment=t.sentiment,
                html=highlight(t.redacted, words),
                codings=tuple(codings.get(s.id, [])),
                memos=tuple(memos.get(s.id, [])),
            )
        )
    return cards


def find(filters: Filters, page: int, labels: dict[str, str]) -> Page:
    """One page of the segments that match, redacted, highlighted, with their codings.

    Segments not yet in the search index are indexed first, at most INDEX_PER_PAGE of them (a
    page must not wait minutes after a large import; `flask research segments index` does all)."""
    waiting = unindexed()
    if waiting:
        waiting -= index_missing(INDEX_PER_PAGE, waiting)
    query = _filtered([Segment.id], filters)
    # Counting stops past COUNT_LIMIT ("more than 1,000"): a count visits every match, which
    # for a common word is a good part of 100,000 segments; pages go on past it ("Next").
    total = (
        db.session.scalar(select(func.count()).select_from(query.limit(COUNT_LIMIT + 1).subquery()))
        or 0
    )
    known = total <= COUNT_LIMIT
    pages = max(1, -(-total // PAGE_SIZE))
    page = max(page, 1)
    if known:
        page = min(page, pages)
    # In the order of `doc`: random (nothing about when a segment came), fixed from page to
    # page, and the full-text index's own order, so a search needs no sort of its matches.
    ids = list(
        db.session.scalars(
            query.order_by(SearchText.doc).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
        )
    )
    more = len(ids) > PAGE_SIZE
    ids = ids[:PAGE_SIZE]
    return Page(cards_of(ids, filters.words, labels), total, page, pages, known, more, waiting)


def card(segment_id: str, labels: dict[str, str]) -> SegmentCard | None:
    index_missing(INDEX_PER_PAGE)
    found = cards_of([segment_id], [], labels)
    return found[0] if found else None


# ----- coding -----------------------------------------------------------------------------------


def _segment(segment_id: str) -> Segment:
    segment = db.session.get(Segment, segment_id)
    if segment is None:
        raise WorkspaceError("That segment no longer exists")
    if segment.speaker == FACILITATOR:
        raise WorkspaceError("Facilitator turns are not coded")
    return segment


@transaction
def code(segment_id: str, themes: list[str], user: User) -> int:
    """A person codes a segment with themes: a machine suggestion of the same theme is accepted,
    otherwise a coding of the person's own is added (one coding event each); returns how many
    codes are new. Commits."""
    known = {k for k, _ in current_themes()}
    themes = list(dict.fromkeys(t for t in themes if t))
    if not themes:
        raise WorkspaceError("Select at least one theme")
    unknown = [t for t in themes if t not in known]
    if unknown:
        raise WorkspaceError("Select themes from the codebook")
    segment = _segment(segment_id)
    existing = db.session.scalars(select(Coding).where(Coding.segment_id == segment.id)).all()
    added = 0
    for theme in themes:
        mine = [c for c in existing if c.theme == theme]
        if any(c.status in coding.HUMAN_STATUSES for c in mine):
            continue
        suggested = [c for c in mine if c.user_id is None and c.status in ("suggested", "rejected")]
        if suggested:
            coding.decide(suggested[0], user, accept=True)
        else:
            coding.code_by_person(segment.id, theme, user)
        added += 1
    return added


def _coding(coding_id: str) -> Coding:
    row = db.session.get(Coding, coding_id)
    if row is None:
        raise WorkspaceError("That code no longer exists")
    return row


@transaction
def remove(coding_id: str, user: User) -> Coding:
    """Take a code off a segment: a person's own coding is deleted (a "removed" event keeps the
    history); a machine's is rejected, so it stops counting. Commits."""
    row = _coding(coding_id)
    if row.user_id is None:
        coding.decide(row, user, accept=False)
        return row
    db.session.add(coding.coding_event(row, "removed", user, _now()))
    db.session.delete(row)
    return row


@transaction
def decide_one(coding_id: str, user: User, accept: bool) -> Coding:
    """Accept or reject one machine suggestion. Commits."""
    row = _coding(coding_id)
    if row.user_id is not None:
        raise WorkspaceError("Only a machine's suggestions are accepted or rejected")
    coding.decide(row, user, accept)
    return row


def _pending(filters: Filters):
    """Machine suggestions awaiting a decision on the filtered segments (of the filtered theme
    only, when one is chosen), facilitator turns left out."""
    conditions = [Coding.segment_id.in_(matching_ids(filters)), coding.awaiting_decision()]
    if filters.theme:
        conditions.append(Coding.theme == filters.theme)
    return (
        select(Coding)
        .join(Segment, Segment.id == Coding.segment_id)
        .where(*conditions, or_(Segment.speaker.is_(None), Segment.speaker != FACILITATOR))
    )


def pending_count(filters: Filters) -> int:
    index_missing(INDEX_PER_PAGE)
    return db.session.scalar(select(func.count()).select_from(_pending(filters).subquery())) or 0


@transaction
def decide_all(filters: Filters, user: User, accept: bool, expected: int) -> int:
    """Accept or reject every pending suggestion of the filtered set, one coding event each, if
    their number is still the one the person confirmed; returns how many. Commits."""
    rows = db.session.scalars(_pending(filters)).all()
    if len(rows) != expected:
        raise WorkspaceError(
            f"The number of suggestions changed from {expected} to {len(rows)} since you "
            "confirmed; check the new number and confirm again"
        )
    now = _now()
    status = "accepted" if accept else "rejected"
    for row in rows:
        row.status = status
        row.needs_review = False
        row.updated_at = now
        db.session.add(coding.coding_event(row, status, user, now))
    return len(rows)


# ----- memos ------------------------------------------------------------------------------------


def memo_problem(text_: str) -> str | None:
    if not text_.strip():
        return "Enter a memo"
    if len(text_) > MAX_MEMO:
        return f"Enter a memo of {MAX_MEMO} characters or fewer"
    return None


@transaction
def add_memo(user: User, text_: str, segment_id: str | None = None, theme: str | None = None):
    """A memo on one segment or one theme. Commits."""
    problem = memo_problem(text_)
    if problem:
        raise WorkspaceError(problem)
    if segment_id is not None and db.session.get(Segment, segment_id) is None:
        raise WorkspaceError("That segment no longer exists")
    if theme is not None and theme not in {k for k, _ in current_themes()}:
        raise WorkspaceError("Select a theme from the codebook")
    memo = Memo(
        segment_id=segment_id,
        theme=theme,
        author_id=user.id,
        text=text_.strip(),
        created_at=_now(),
    )
    db.session.add(memo)
    return memo
