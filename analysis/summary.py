"""The thematic summary per stage: closed questions, themes, quotes and the journey, made safe.

One function, :func:`build_summary`, serves the summary page, the downloadable tables and
``flask research summary``: the app turns its rows into plain records
(:class:`analysis.records.Respondent`, :class:`~analysis.records.Segment`,
:class:`~analysis.records.Coding`, a :class:`analysis.codebook.Codebook`) and renders the
:class:`Summary` it gets back, which holds only what may be published. Every count goes through
one :class:`analysis.disclosure.Disclosure` ledger (ACRO's threshold rule, zeros included, plus
secondary suppression), so a number hidden in one table is hidden in all of them; quotes are
redacted, checked for names, places and dates left over, and never taken from a hidden cell.
``Summary.to_json()`` is the JSON contract of ``flask research summary`` (see
``docs/analysis.md``); :mod:`analysis.report_files` writes the same figures as CSV and XLSX.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from itertools import accumulate, chain, compress, count, islice, repeat
from math import fsum
from operator import attrgetter, eq, itemgetter, methodcaller, not_
from typing import Any

from analysis.disclosure import DEFAULT_THRESHOLD, SMALL, Cell, Disclosure
from analysis.quotes import (
    DEFAULT_PLACES,
    EMPTY_ANSWERS,
    Quote,
    QuoteCandidate,
    pick_quotes,
    says_nothing,
)
from analysis.records import FACILITATOR, STAGES, Coding, Respondent, Segment, coding_status

__all__ = [
    "DEFAULT_JOURNEY",
    "NOT_GIVEN",
    "ClosedQuestion",
    "CountRef",
    "GroupCounts",
    "Journey",
    "JourneyRow",
    "JourneyStep",
    "JourneyStepCount",
    "OptionCount",
    "QuestionSummary",
    "StageSummary",
    "Summary",
    "SummaryFilter",
    "SummaryRecords",
    "ThemeSummary",
    "build_summary",
    "cell_of",
    "closed_questions",
    "segments_behind",
]

#: Group name for respondents who did not give a crime type or an area.
NOT_GIVEN = "not_given"
NOT_GIVEN_LABEL = "Not given"
#: Answer states counted as "not answered" (apart from "prefer not to say").
_NOT_ANSWERED = frozenset({"skipped", "illegible", "multiple_ticked"})
_CLOSED_TYPES = {"single_choice": False, "rating_scale": False, "multiple_choice": True}
_BANDS = ("negative", "neutral", "positive")
_DIRECTIONS = ("positive", "negative", "mixed")
CHANNEL_LABELS = {"online": "Online", "paper": "Paper"}
SOURCE_LABELS = {"survey": "Survey", "focus_group": "Focus groups", "workshop": "Workshops"}
#: Who coded the segments behind a theme's counts.
CODED_BY_PEOPLE = "people"
CODED_BY_MACHINE = "machine"
CODED_BY_BOTH = "people and machine"


# -- what the caller describes ---------------------------------------------------------------


@dataclass(frozen=True)
class ClosedQuestion:
    """A closed question to count.

    Parameters
    ----------
    name : str
        The question's name (key of :attr:`Respondent.answers`).
    label : str, default=""
    options : tuple of (value, label), default=()
        The choices in the order to show them. Values are compared as text, so a rating of 5
        and ``"5"`` are the same option.
    multiple : bool, default=False
        True when several options can be ticked (counts then need not add up to the base).
    stage : str or None, default=None
    """

    name: str
    label: str = ""
    options: tuple[tuple[Any, str], ...] = ()
    multiple: bool = False
    stage: str | None = None


def closed_questions(questionnaire: Mapping[str, Any]) -> list[ClosedQuestion]:
    """The closed questions of a questionnaire definition (the parsed YAML), in order.

    Single choice, multiple choice and rating scale questions are closed; choice lists named
    under ``choice_lists`` are resolved.

    Parameters
    ----------
    questionnaire : mapping
        A ``kind: questionnaire`` document as loaded by ``yaml.safe_load``.

    Returns
    -------
    list of ClosedQuestion
    """
    lists = questionnaire.get("choice_lists") or {}
    found = []
    for section in questionnaire.get("sections") or ():
        for page in section.get("pages") or ():
            for question in page.get("questions") or ():
                kind = question.get("type")
                if kind not in _CLOSED_TYPES:
                    continue
                choices = question.get("choices") or ()
                if isinstance(choices, str):
                    choices = lists.get(choices, ())
                options = tuple(
                    (str(c["value"]), str(c.get("label", c["value"])))
                    for c in choices
                    if not c.get("exclusive") or c.get("value") != "prefer_not_to_say"
                )
                found.append(
                    ClosedQuestion(
                        name=question["name"],
                        label=str(question.get("label", "")),
                        options=options,
                        multiple=_CLOSED_TYPES[kind],
                        stage=question.get("stage"),
                    )
                )
    return found


@dataclass(frozen=True)
class JourneyStep:
    """One step of the journey: the respondents whose answer to ``question`` counts.

    Parameters
    ----------
    key : str
        Name of the step in outputs (``"reported"``).
    label : str
        What it means to people ("Reported it").
    question : str
        The closed question that decides it.
    values : tuple of str, default=()
        Answer values that pass; empty means any answered value.
    exclude : tuple of str, default=()
        Values that do not count (an answer made only of them fails: "none of these").
    """

    key: str
    label: str
    question: str
    values: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @cached_property
    def _sets(self) -> tuple[frozenset[str], frozenset[str]]:
        return frozenset(self.values), frozenset(self.exclude)

    def passes(self, answer: Any) -> bool:
        """True when ``answer`` (a :class:`~analysis.records.ClosedAnswer` or None) passes."""
        if answer is None or answer.state != "answered":
            return False
        values, exclude = self._sets
        value = answer.value
        if not isinstance(value, tuple | list):
            value = str(value)
            return value not in exclude and (not values or value in values)
        given = {str(v) for v in value} - exclude
        return bool(given) and (not values or not given.isdisjoint(values))


@dataclass(frozen=True)
class Journey:
    """How far respondents got: steps counted in turn among those who passed the step before,
    then the answers to an outcome question among those who passed them all.

    Parameters
    ----------
    steps : tuple of JourneyStep
    outcome : str or None, default=None
        A closed question (listed in ``questions``) counted among those who passed every step.
    outcome_label : str, default=""
    """

    steps: tuple[JourneyStep, ...]
    outcome: str | None = None
    outcome_label: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Journey:
        """Build a journey from a mapping such as a ``journey:`` block of YAML::

        steps:
          - {key: reported, label: Reported it, question: reported, values: ["yes"]}
          - {key: contact, label: Had contact with services,
             question: services_contacted, exclude: [none]}
        outcome: needs_met
        outcome_label: How far needs were met
        """
        steps = tuple(
            JourneyStep(
                key=str(s["key"]),
                label=str(s.get("label", s["key"])),
                question=str(s["question"]),
                values=tuple(str(v) for v in s.get("values") or ()),
                exclude=tuple(str(v) for v in s.get("exclude") or ()),
            )
            for s in data.get("steps") or ()
        )
        return cls(steps, data.get("outcome"), str(data.get("outcome_label", "")))


#: The journey of the shipped questionnaire (``questionnaires/victims-experience-survey.yaml``):
#: reported it (``reported`` is yes), then had contact with services (``services_contacted``
#: ticked, other than "none of these"), then how far needs were met (``needs_met``).
DEFAULT_JOURNEY = Journey(
    steps=(
        JourneyStep("reported", "Reported it", "reported", values=("yes",)),
        JourneyStep(
            "contact", "Had contact with services", "services_contacted", exclude=("none",)
        ),
    ),
    outcome="needs_met",
    outcome_label="How far needs were met",
)


@dataclass(frozen=True)
class SummaryFilter:
    """Which records a summary covers; ``None`` means no restriction.

    Parameters
    ----------
    questionnaire, version : str or None
        Slug and version (content hash) answered.
    date_from, date_to : datetime.date or None
        Submission dates, both ends included.
    crime_type, area, channel, source : str or None
        A crime type the respondent ticked, their area, ``"online"``/``"paper"``, and the
        segment source (``"survey"``, ``"focus_group"``).
    """

    questionnaire: str | None = None
    version: str | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    crime_type: str | None = None
    area: str | None = None
    channel: str | None = None
    source: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """The filters in force, dates as ISO text (for JSON)."""
        return {
            k: (v.isoformat() if isinstance(v, datetime.date) else v)
            for k, v in asdict(self).items()
            if v is not None
        }

    def _facts_match(self, facts: _Facts) -> bool:
        if self.questionnaire is not None and facts.questionnaire != self.questionnaire:
            return False
        if self.version is not None and facts.version != self.version:
            return False
        if self.date_from is not None and (facts.date is None or facts.date < self.date_from):
            return False
        if self.date_to is not None and (facts.date is None or facts.date > self.date_to):
            return False
        if self.crime_type is not None and self.crime_type not in facts.crime_types:
            return False
        if self.area is not None and facts.area != self.area:
            return False
        if self.channel is not None and facts.channel != self.channel:
            return False
        return self.source is None or facts.source == self.source


@dataclass(frozen=True)
class _Facts:
    """What filters and breakdowns look at, for a respondent or a segment."""

    questionnaire: str | None
    version: str | None
    date: datetime.date | None
    crime_types: tuple[str, ...]
    area: str | None
    channel: str | None
    source: str | None


def _respondent_facts(r: Respondent) -> _Facts:
    return _Facts(
        r.questionnaire,
        r.version,
        r.submitted,
        tuple(r.crime_types),
        r.area,
        r.channel,
        "survey",
    )


def _as_date(value: Any) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def _segment_facts(segment: Segment) -> _Facts:
    md = segment.metadata
    crime_types = md.get("crime_types")
    if crime_types is None:
        crime_types = (md["crime_type"],) if md.get("crime_type") else ()
    return _Facts(
        md.get("questionnaire"),
        md.get("version"),
        _as_date(md.get("date")),
        tuple(crime_types),
        md.get("area"),
        md.get("channel"),
        segment.source,
    )


# -- what comes back -------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionCount:
    """The count of one answer option (with its percentage of the base)."""

    value: str
    label: str
    count: Cell


@dataclass(frozen=True)
class GroupCounts:
    """A closed question's counts within one group (a crime type, an area)."""

    group: str
    label: str
    base: Cell
    options: tuple[OptionCount, ...]


@dataclass(frozen=True)
class QuestionSummary:
    """A closed question: who was asked, the base (asked and answered), counts per option.

    ``asked`` = ``base`` + ``prefer_not_to_say`` + ``not_answered`` (skipped, illegible or
    several boxes ticked on paper); percentages of options are of ``base``.
    """

    name: str
    label: str
    multiple: bool
    asked: Cell
    base: Cell
    prefer_not_to_say: Cell
    not_answered: Cell
    options: tuple[OptionCount, ...]
    by_crime_type: tuple[GroupCounts, ...]
    by_area: tuple[GroupCounts, ...]


@dataclass(frozen=True)
class ThemeSummary:
    """One theme of a stage: how many carry it, who checked that, sentiment and quotes.

    Attributes
    ----------
    respondents, participants : Cell
        Survey respondents and focus-group participants with at least one segment that says
        something and carries the theme; percentages of those who said something at all.
    segments : Cell
        Segments carrying the theme.
    unreviewed : Cell
        Of those segments, how many carry it only through machine suggestions nobody has
        reviewed yet.
    coded_by : str
        ``"people"``, ``"machine"`` (machine-only figures) or ``"people and machine"``.
    sentiment_mean : float or None
        Mean VADER compound score of the segments (withheld when ``segments`` is hidden).
    sentiment : dict
        ``negative``/``neutral``/``positive`` segment counts.
    directions : dict
        Segment counts per coding direction (empty when no coding gives one).
    breakdown : dict
        ``{"crime_type"|"area"|"channel": {value: Cell}}`` of respondents,
        ``{"participants_crime_type"|"participants_area"|"participants_source": ...}`` of
        participants and ``{"source": ...}`` of segments.
    quotes : tuple of Quote
    segment_ids : tuple of str
        The segments behind the counts (empty when the counts are hidden), for links.
    """

    theme: str
    label: str
    stage: str
    definition: str
    rank: int
    respondents: Cell
    participants: Cell
    segments: Cell
    unreviewed: Cell
    coded_by: str
    sentiment_mean: float | None
    sentiment: dict[str, Cell]
    directions: dict[str, Cell]
    breakdown: dict[str, dict[str, Cell]]
    quotes: tuple[Quote, ...]
    segment_ids: tuple[str, ...] = ()

    @property
    def machine_only(self) -> bool:
        """True when every count rests on machine suggestions nobody has reviewed."""
        return self.coded_by == CODED_BY_MACHINE


@dataclass(frozen=True)
class StageSummary:
    """A stage: who said something in it, answers that said nothing, its themes ranked."""

    stage: str
    label: str
    respondents: Cell
    participants: Cell
    segments: Cell
    answers_saying_nothing: Cell
    themes: tuple[ThemeSummary, ...]


@dataclass(frozen=True)
class JourneyStepCount:
    """Of those who passed the step before, how many passed this one and how many did not."""

    key: str
    label: str
    reached: Cell
    not_reached: Cell


@dataclass(frozen=True)
class JourneyRow:
    """The journey of one group (``"all"``, a crime type, or ``"not_given"``)."""

    group: str
    label: str
    respondents: Cell
    steps: tuple[JourneyStepCount, ...]
    outcome_base: Cell | None
    outcome_not_answered: Cell | None
    outcome: tuple[OptionCount, ...]


@dataclass(frozen=True)
class Summary:
    """Everything a thematic summary shows, already made safe to publish.

    Every number is a :class:`analysis.disclosure.Cell`: its ``value`` is ``None`` when hidden.
    """

    questionnaire: str
    threshold: int
    filters: SummaryFilter
    respondents: Cell
    by_channel: dict[str, Cell]
    by_area: dict[str, Cell]
    by_crime_type: dict[str, Cell]
    questions: dict[str, QuestionSummary]
    themes_base: dict[str, Cell]
    stages: dict[str, StageSummary]
    journey: tuple[JourneyRow, ...]
    journey_outcome: str | None = None
    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The summary as the JSON of ``flask research summary`` (hidden numbers are null)."""
        return _to_json(self)


# -- building it -----------------------------------------------------------------------------


def _person(segment: Segment) -> tuple[str, ...]:
    md = segment.metadata
    if md.get("response_id"):
        return ("r", str(md["response_id"]))
    speaker = md.get("participant") or md.get("speaker")
    if speaker:
        return ("p", str(md.get("session", "")), str(speaker))
    return ("s", segment.id)


def _key(value: Any) -> str:
    return NOT_GIVEN if value is None or value == "" else str(value)


def _order(values: Iterable[str], known: Sequence[str]) -> list[str]:
    """Known values in their order, then others sorted, then NOT_GIVEN."""
    present = set(values)
    ordered = [v for v in known if v in present]
    ordered += sorted(v for v in present - set(known) - {NOT_GIVEN})
    if NOT_GIVEN in present:
        ordered.append(NOT_GIVEN)
    return ordered


def _themes_of(codebook: Any) -> list[Any]:
    if codebook is None:
        return []
    if hasattr(codebook, "all_themes"):
        return list(codebook.all_themes())
    return list(codebook)


def _stage_label(codebook: Any, stage: str) -> str:
    labels = getattr(codebook, "stage_labels", None) or {}
    return labels.get(stage, stage.capitalize())


@dataclass(frozen=True)
class _SegmentItems:
    """Segments that say something, as ``(segment, person, facts, length band, source)``, and
    those that do not, as ``(stage, facts, source, id)``; each with its respondent's index or
    -1."""

    said: list[tuple[Segment, tuple[str, ...], _Facts, int, str]]
    said_owners: list[int]
    empty: list[tuple[str | None, _Facts, str]]
    empty_owners: list[int]

    @cached_property
    def index(self) -> dict[str, int]:
        return dict(zip(map(_ID, map(_FIRST, self.said)), count()))


def _people_counts(said: Sequence[tuple]) -> tuple[Counter, Counter, int, int]:
    """Segments per stage, (stage, person kind) counts of people, respondents and
    participants overall; counted with C loops (sets of (stage, person))."""
    stages = [item[0].stage for item in said]
    pairs = set(zip(stages, map(_SECOND, said), strict=True))
    kinds = Counter(person[0] for person in set(map(_SECOND, said)))
    return (
        Counter(stages),
        Counter((stage, person[0]) for stage, person in pairs),
        kinds["r"],
        kinds["p"],
    )


def _answer_numbers(
    respondents: Iterable[Respondent], wanted: frozenset[str], numbers: dict[tuple, int]
) -> list[tuple[int, ...]]:
    """Per respondent, its answers to ``wanted`` questions as numbers of
    ``(question, state, value)`` (lists of values made tuples); new items are added to
    ``numbers``."""
    per_respondent = []
    for r in respondents:
        items = []
        for name, a in r.answers.items():
            if name in wanted:
                value = a.value
                if isinstance(value, list):
                    value = tuple(value)
                key = (name, a.state, value)
                n = numbers.get(key)
                if n is None:
                    n = numbers[key] = len(numbers)
                items.append(n)
        per_respondent.append(tuple(items))
    return per_respondent


def _group_key(r: Respondent) -> tuple[str, tuple[str, ...]]:
    return (_key(r.area), tuple(r.crime_types) or (NOT_GIVEN,))


def _journey_positions(respondents: Iterable[Respondent], journey: Journey) -> list[tuple]:
    """Per respondent: how many journey steps in a row they passed, and their outcome answer's
    option keys (None when not reached or not answered)."""
    steps = journey.steps
    last = len(steps)
    outcome = journey.outcome
    out: list[tuple[int, Any]] = []
    for r in respondents:
        answers = r.answers
        k = 0
        for step in steps:
            if not step.passes(answers.get(step.question)):
                break
            k += 1
        if k < last or not outcome:
            out.append((k, None))
            continue
        answer = answers.get(outcome)
        if answer is None or str(answer.state) != "answered":
            out.append((k, None))
        else:
            out.append((k, _value_keys(answer.value)))
    return out


def _add_segment_items(
    items: _SegmentItems,
    segments: Iterable[Segment],
    index: Mapping[str, int],
    facts_of: Sequence[_Facts],
    empty_answers: frozenset[str],
) -> _SegmentItems:
    """Add ``segments`` (facilitators' turns left out) to ``items``: those that say something
    and those that do not, each with its respondent's index in ``index`` or -1."""
    said, said_owners, empty, empty_owners = (
        items.said,
        items.said_owners,
        items.empty,
        items.empty_owners,
    )
    for segment in segments:
        md = segment.metadata
        if md.get("speaker") == FACILITATOR:
            continue
        owner = index.get(md.get("response_id"), -1)
        facts = facts_of[owner] if owner >= 0 else _segment_facts(segment)
        if says_nothing(segment.text, empty_answers):
            empty.append((segment.stage, facts, segment.source, segment.id))
            empty_owners.append(owner)
            continue
        said.append(
            (segment, _person(segment), facts, _length_band(segment.text), _key(segment.source))
        )
        said_owners.append(owner)
    return items


def _cell_of(facts: _Facts) -> tuple:
    """The cell of a respondent or segment: (channel, (year, month) of the date or None,
    area, crime types)."""
    date = facts.date
    return (
        facts.channel,
        None if date is None else (date.year, date.month),
        facts.area,
        facts.crime_types,
    )


def _cell_state(filters: SummaryFilter, cell: tuple) -> str:
    """Whether a filter of channel, dates, area and crime type keeps "all" of a cell, "none"
    or "some"."""
    channel, month, area, crime_types = cell
    if filters.channel is not None and channel != filters.channel:
        return "none"
    if filters.area is not None and area != filters.area:
        return "none"
    if filters.crime_type is not None and filters.crime_type not in crime_types:
        return "none"
    low, high = filters.date_from, filters.date_to
    if low is None and high is None:
        return "all"
    if month is None:
        return "none"
    first = datetime.date(month[0], month[1], 1)
    last = (first + datetime.timedelta(days=31)).replace(day=1) - datetime.timedelta(days=1)
    if (low is not None and last < low) or (high is not None and first > high):
        return "none"
    if (low is None or first >= low) and (high is None or last <= high):
        return "all"
    return "some"


def _by_cells(filters: SummaryFilter) -> bool:
    """Whether a filter sets only channel, dates, area and crime type (and sets one): what
    cells can serve."""
    rest = replace(filters, channel=None, date_from=None, date_to=None, area=None, crime_type=None)
    return rest == SummaryFilter() and filters != SummaryFilter()


def _exact_parts(values: Sequence[float]) -> list[float]:
    """Floats whose exact sum is the exact sum of ``values``, so that ``fsum`` over the parts
    of several lists equals ``fsum`` over all their values (it rounds the exact sum once)."""
    parts: list[float] = []
    while True:
        part = fsum(chain(values, (-p for p in parts)))
        if part == 0.0:  # the exact rest is a multiple of the smallest float: it is zero
            return parts
        parts.append(part)


@dataclass(frozen=True)
class _Cells:
    """Respondents and segments split by cell (channel, month), for channel and date filters:
    respondent indices, positions of segments that say something and of those that do not,
    and what is counted per cell (people per stage, sources and participants' groups seen).
    ``disjoint`` says no person has segments in two cells (their counts then add up)."""

    respondents: dict[tuple, list[int]]
    groups: dict[tuple[str, tuple[str, ...]], dict[tuple, list[int]]]
    said: dict[tuple, list[int]]
    said_cells: list[tuple]
    empty: dict[tuple, list[int]]
    people: dict[tuple, tuple]
    seen: dict[tuple, tuple[set, set, set, set]]
    disjoint: bool


def _seen(said: Iterable[tuple]) -> tuple[set, set, set, set]:
    """Sources, and participants' areas, crime types and sources, of segments."""
    fg_areas, fg_crimes, fg_sources, sources = set(), set(), set(), set()
    for _segment, person, facts, _band, source in said:
        sources.add(source)
        if person[0] == "p":
            fg_areas.add(_key(facts.area))
            fg_crimes.update(facts.crime_types or (NOT_GIVEN,))
            fg_sources.add(_key(facts.source))
    return sources, fg_areas, fg_crimes, fg_sources


_THEME_DIMS = (
    "crime_type",
    "area",
    "channel",
    "participants_crime_type",
    "participants_area",
    "participants_source",
)


def _sum_counts(parts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """:func:`_theme_counts` of the union of disjoint sets of members, from theirs (made with
    ``exact=True``)."""
    out: dict[str, Any] = {
        "kinds": Counter(),
        "directions": Counter(),
        "sources": Counter(),
        "bands": Counter(),
        "respondents": 0,
        "participants": 0,
        "by": {dim: Counter() for dim in _THEME_DIMS},
    }
    score_parts: list[float] = []
    for part in parts:
        for name in ("kinds", "directions", "sources", "bands"):
            out[name].update(part[name])
        out["respondents"] += part["respondents"]
        out["participants"] += part["participants"]
        for dim in _THEME_DIMS:
            out["by"][dim].update(part["by"][dim])
        score_parts += part["score_parts"]
    out["score_sum"] = fsum(score_parts)
    return out


def _grown_cells(
    groups: Mapping[tuple, Mapping[tuple, list[int]]],
    groups_of: Mapping[int, tuple],
    cell_of: Mapping[int, tuple],
) -> dict[tuple, dict[tuple, list[int]]]:
    """Respondents by group and cell with new ones (indices ``groups_of``) added."""
    added: dict[tuple, dict[tuple, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, group in groups_of.items():
        added[group][cell_of[i]].append(i)
    out = dict(groups)
    for group, more in added.items():
        cells = out[group] = dict(out.get(group, {}))
        for cell, indices in more.items():
            cells[cell] = [*cells.get(cell, ()), *indices]
    return out


def _grown(
    kept: _Cells,
    groups_of: Mapping[int, tuple],
    cell_of: Mapping[int, tuple],
    items: _SegmentItems,
    said_added: range,
    empty_from: int,
) -> _Cells:
    """Kept cells with new respondents (indices ``groups_of``) and their segments (positions
    ``said_added`` in ``items.said``, and from ``empty_from`` in ``items.empty``) added; the
    new segments are new people's."""
    respondents = dict(kept.respondents)
    new_respondents: dict[tuple, list[int]] = defaultdict(list)
    for i, cell in cell_of.items():
        new_respondents[cell].append(i)
    for cell, indices in new_respondents.items():
        respondents[cell] = [*respondents.get(cell, ()), *indices]
    said = dict(kept.said)
    said_cells = kept.said_cells + [_cell_of(items.said[p][2]) for p in said_added]
    new_said: dict[tuple, list[int]] = defaultdict(list)
    for p in said_added:
        new_said[said_cells[p]].append(p)
    people, seen = dict(kept.people), dict(kept.seen)
    for cell, positions in new_said.items():
        said[cell] = [*said.get(cell, ()), *positions]
        members = [items.said[p] for p in positions]
        counted = _people_counts(members)
        if cell in people:
            old = people[cell]
            counted = (
                old[0] + counted[0],
                old[1] + counted[1],
                old[2] + counted[2],
                old[3] + counted[3],
            )
        people[cell] = counted
        seen_here = _seen(members)
        if cell in seen:
            seen_here = tuple(a | b for a, b in zip(seen[cell], seen_here, strict=True))
        seen[cell] = seen_here
    empty = dict(kept.empty)
    new_empty: dict[tuple, list[int]] = defaultdict(list)
    for p in range(empty_from, len(items.empty)):
        new_empty[_cell_of(items.empty[p][1])].append(p)
    for cell, positions in new_empty.items():
        empty[cell] = [*empty.get(cell, ()), *positions]
    return _Cells(
        respondents,
        _grown_cells(kept.groups, groups_of, cell_of),
        said,
        said_cells,
        empty,
        people,
        seen,
        kept.disjoint,
    )


@dataclass(frozen=True)
class _Renumbering:
    """Positions in a list some of whose items are taken out: ``new[p]`` is item ``p``'s
    position afterwards, -1 when it is taken out (``new[-1]`` is -1 too, so "no respondent"
    stays -1); ``keep`` says which are kept; ``gone`` lists those taken out, in order."""

    new: list[int]
    keep: list[bool]
    gone: list[int]

    @classmethod
    def of(cls, n: int, gone: Iterable[int]) -> _Renumbering:
        gone = sorted(set(gone))
        keep = [True] * n
        for p in gone:
            keep[p] = False
        new = list(accumulate(keep, initial=0))  # kept before each position, then -1 at the end
        for p in gone:
            new[p] = -1
        new[n] = -1
        return cls(new, keep, gone)

    def kept(self, items: Sequence[Any]) -> list[Any]:
        """The items kept, of a list in these positions."""
        return list(compress(items, self.keep))

    def renumber(self, positions: Iterable[int]) -> list[int]:
        """Positions (or -1) as they are afterwards (-1 for those taken out)."""
        return list(map(self.new.__getitem__, positions))

    def indices(self, positions: Iterable[int]) -> list[int]:
        """Positions as they are afterwards, those taken out left out."""
        out = self.renumber(positions)
        return [p for p in out if p >= 0] if -1 in out else out


def _not_in(gone: set[str], ids: Iterable[str]) -> Iterator[bool]:
    """Per id, whether it is not in ``gone`` (counted in C)."""
    return map(not_, map(gone.__contains__, ids))


def _renumbered_map(
    by_key: Mapping[Hashable, list[int]], renumbered: Any
) -> dict[Hashable, list[int]]:
    """Lists of indices renumbered (those taken out left out), empty lists left out."""
    return {key: left for key, indices in by_key.items() if (left := renumbered(indices))}


def _people_less(counted: tuple, taken: tuple) -> tuple:
    """:func:`_people_counts` of some segments less those of whole people among them."""
    return (
        counted[0] - taken[0],
        counted[1] - taken[1],
        counted[2] - taken[2],
        counted[3] - taken[3],
    )


def _shrunk(
    kept: _Cells,
    items: _SegmentItems,
    said: _Renumbering,
    empty: _Renumbering,
    people: _Renumbering,
    groups: Mapping[tuple, dict[tuple, list[int]]] | None,
) -> _Cells:
    """Kept cells less the respondents (``people``) and segments (``said`` and ``empty``, of
    ``items``) taken out. Whole people were taken out, so a cell's people counts lose theirs;
    its sets of what was seen are made again from the segments left."""
    touched = {kept.said_cells[p] for p in said.gone}
    by_cell: dict[tuple, list[int]] = {}
    counted, seen = dict(kept.people), dict(kept.seen)
    for cell, positions in kept.said.items():
        if cell not in touched:
            by_cell[cell] = said.renumber(positions)
            continue
        left = [p for p in positions if said.keep[p]]
        taken = [items.said[p] for p in positions if not said.keep[p]]
        counted[cell] = _people_less(counted[cell], _people_counts(taken))
        if left:
            by_cell[cell] = said.renumber(left)
            seen[cell] = _seen([items.said[p] for p in left])
        else:
            del counted[cell], seen[cell]
    if groups is None:
        groups = {
            group: cells
            for group, cells_of in kept.groups.items()
            if (cells := _renumbered_map(cells_of, people.indices))
        }
    return _Cells(
        _renumbered_map(kept.respondents, people.indices),
        groups,
        by_cell,
        said.kept(kept.said_cells),
        _renumbered_map(kept.empty, empty.indices),
        counted,
        seen,
        kept.disjoint,
    )


def _kind(key: Hashable) -> Hashable:
    """The kind of a kept item of SummaryRecords (its key, or the key's first part)."""
    return key[0] if isinstance(key, tuple) else key


def _band(score: float) -> str:
    """The sentiment band of a VADER compound score."""
    return "positive" if score >= 0.05 else "negative" if score <= -0.05 else "neutral"


class SummaryRecords:
    """Respondents, segments and codings made ready to summarise, once or many times.

    :func:`build_summary` does per-record work (the facts filters look at, answers as counting
    keys, whether an answer says anything, sentiment scores, which codings count) once per
    ``SummaryRecords`` and keeps it, so the same records summarised again under other filters
    cost only the counting. The records must not change after they are given.

    Parameters
    ----------
    respondents, segments, codings : iterable
        As for :func:`build_summary`.
    scores : mapping, optional
        Sentiment scores already known by segment id (stored with the segments); a segment
        without one is scored with VADER. ``build_summary(sentiment_scores=...)`` overrides it.
    """

    def __init__(
        self,
        respondents: Iterable[Respondent] = (),
        segments: Iterable[Segment] = (),
        codings: Iterable[Coding] = (),
        scores: Mapping[str, float] | None = None,
    ) -> None:
        self.respondents = list(respondents)
        self.segments = list(segments)
        self.codings = list(codings)
        self.scores = scores
        self.respondent_ids = {r.id for r in self.respondents}
        self.facts = [_respondent_facts(r) for r in self.respondents]
        self._memo: dict[Hashable, Any] = {}

    #: Kept work that depends on the codings (the rest depends on respondents and segments).
    _OF_CODINGS = frozenset({"decided", "quotes", "sentiment", "counts", "theme cells"})

    def with_codings(self, codings: Iterable[Coding]) -> SummaryRecords:
        """The same respondents and segments with other codings, keeping the work done on the
        respondents and segments (answers as counting keys, groups, the journey, which
        segments say something, people per stage); only what rests on codings is redone."""
        new = object.__new__(SummaryRecords)
        new.respondents, new.segments, new.scores = self.respondents, self.segments, self.scores
        new.codings = list(codings)
        new.respondent_ids, new.facts = self.respondent_ids, self.facts
        new._memo = {
            key: value for key, value in self._memo.items() if _kind(key) not in self._OF_CODINGS
        }
        return new

    def with_coding_changes(
        self, segment_ids: Iterable[str], codings: Iterable[Coding]
    ) -> SummaryRecords:
        """The same respondents and segments with the codings of ``segment_ids`` replaced by
        ``codings`` (every coding those segments have now, none when they have none). What
        rests on codings is updated for those segments only: which codings count, their
        sentiment, and the quote order of the themes whose members changed; a summary made
        from them equals one made from records with every coding given afresh."""
        changed = set(segment_ids)
        codings = [c for c in codings if c.segment_id in changed]
        new = object.__new__(SummaryRecords)
        new.respondents, new.segments, new.scores = self.respondents, self.segments, self.scores
        new.respondent_ids, new.facts = self.respondent_ids, self.facts
        new.codings = [c for c in self.codings if c.segment_id not in changed] + codings
        new._memo = {
            key: value for key, value in self._memo.items() if _kind(key) not in self._OF_CODINGS
        }
        new._carry_codings(self._memo, changed, codings)
        return new

    def _carry_codings(
        self, old_memo: Mapping[Hashable, Any], changed: set[str], codings: list[Coding]
    ) -> None:
        """Update the kept work on codings of ``old_memo`` (of records these were made from)
        for the segments of ``changed``, whose codings are now ``codings``, into this one's."""
        again: dict[int, tuple[Any, set[str]]] = {}  # id of old decided: (new one, themes)
        for key, value in old_memo.items():
            if _kind(key) == "decided":
                _, theme_ids, include_suggestions, min_confidence, empties = key
                made, touched = _decide_again(
                    value,
                    changed,
                    codings,
                    self.segment_items(empties).index,
                    theme_ids,
                    include_suggestions,
                    min_confidence,
                )
                self._memo[key] = made
                again[id(value)] = (made, touched)
        for key, value in old_memo.items():
            kind = _kind(key)
            if kind not in ("quotes", "sentiment", "counts", "theme cells") or key[1] not in again:
                continue
            made, touched = again[key[1]]
            if kind in ("quotes", "counts", "theme cells") and key[2] not in touched:
                if kind == "quotes" or key[3] is None or key[3] is False:
                    self._memo[(kind, id(made), *key[2:])] = value
            elif kind == "sentiment" and key[2] is None:
                self._memo[("sentiment", id(made), None)] = self._sentiments_again(
                    value, made, touched, changed
                )

    def _sentiments_again(
        self, kept: tuple, decided: Mapping[str, Mapping[str, Any]], touched: set[str], changed
    ) -> tuple:
        """Kept sentiment scores and bands with those of ``changed`` segments taken again (a
        text may have changed) or left out as they are now members of a theme in ``decided``
        or not."""
        scores, bands = dict(kept[0]), dict(kept[1])
        members = {sid for theme in touched for sid in changed if sid in decided.get(theme, {})}
        text = None
        known = self.scores or {}
        for sid in changed:
            scores.pop(sid, None)
            bands.pop(sid, None)
            if sid in members:
                found = known.get(sid)
                if found is None:
                    from analysis.sentiment import sentiment_score

                    if text is None:
                        text = {s.id: s.text for s in self.segments}
                    found = sentiment_score(text[sid])
                scores[sid] = found
                bands[sid] = _band(found)
        return scores, bands, decided, None

    def with_replaced(
        self,
        response_ids: Iterable[str],
        sessions: Iterable[str],
        respondents: Iterable[Respondent],
        segments: Iterable[Segment],
        codings: Iterable[Coding],
        scores: Mapping[str, float] | None = None,
    ) -> SummaryRecords:
        """These records with the respondents of ``response_ids`` and the segments of those
        responses and of the focus-group ``sessions`` (all their turns) taken out, and
        ``respondents``, ``segments`` and ``codings`` (those responses and sessions as they
        are now, and any new ones, with every coding of those segments) put in (responses
        added are responses named that were not kept). What was kept
        is updated, not redone: the counts over groups, cells and people per stage have the
        old records' part taken off and the new records' added; which codings count, their
        sentiment and the counts and quote order of the themes whose members changed are
        redone as after a coding. A summary made from them equals one made from scratch."""
        response_ids, sessions = set(response_ids), set(sessions)
        respondents, segments = list(respondents), list(segments)
        metadata = list(map(_METADATA, self.segments))
        gone = set(
            compress(
                map(_ID, self.segments),
                map(response_ids.__contains__, map(methodcaller("get", "response_id"), metadata)),
            )
        )
        if sessions:  # a survey answer's session is None, never one named
            of_session = map(sessions.__contains__, map(methodcaller("get", "session"), metadata))
            gone.update(compress(map(_ID, self.segments), of_session))
        added = {s.id for s in segments}
        codings = [c for c in codings if c.segment_id in added]
        kept = self
        if gone or not response_ids.isdisjoint(self.respondent_ids):
            kept = self._without(response_ids, gone)
        new = kept._added(respondents, segments, codings, scores, fresh_sessions=sessions)
        new._carry_codings(self._memo, gone | added, codings)
        return new

    def _without(self, response_ids: set[str], segment_ids: set[str]) -> SummaryRecords:
        """These records without the respondents of ``response_ids`` and the segments of
        ``segment_ids`` (with their codings), which must be every segment of those respondents
        and whole focus-group sessions (so that the people taken out have no segment left).
        Kept work on respondents and segments is updated (counts taken off, positions
        renumbered); kept work on codings is left out (the caller carries it over)."""
        people = _Renumbering.of(
            len(self.respondents),
            compress(count(), map(response_ids.__contains__, map(_ID, self.respondents))),
        )
        new = object.__new__(SummaryRecords)
        new.respondents = people.kept(self.respondents)
        new.segments = list(compress(self.segments, _not_in(segment_ids, map(_ID, self.segments))))
        new.scores = None
        if self.scores is not None:
            new.scores = dict(self.scores)
            for sid in segment_ids:
                new.scores.pop(sid, None)
        new.respondent_ids = self.respondent_ids - response_ids
        new.facts = people.kept(self.facts)
        new.codings = list(
            compress(self.codings, _not_in(segment_ids, map(_SEGMENT_ID, self.codings)))
        )
        new._memo = {}
        gone_r = people.gone
        old_groups = self._memo.get("groups")
        groups_gone = [
            old_groups[i] if old_groups is not None else _group_key(self.respondents[i])
            for i in gone_r
        ]
        cells_gone = [_cell_of(self.facts[i]) for i in gone_r]
        renumbered: dict[Hashable, tuple[_Renumbering, _Renumbering]] = {}  # said, empty
        for key, value in self._memo.items():
            kind = _kind(key)
            if kind == "answers":
                new._memo[key] = (people.kept(value[0]), value[1])
            elif kind in ("groups", "journey", "respondent cells"):
                new._memo[key] = people.kept(value)
            elif kind == "group members":
                new._memo[key] = _renumbered_map(value, people.indices)
            elif kind == "group cells":
                new._memo[key] = {
                    group: cells
                    for group, by_cell in value.items()
                    if (cells := _renumbered_map(by_cell, people.indices))
                }
            elif kind in ("cell tally", "tally") and ("answers", key[1]) in self._memo:
                per_respondent = self._memo[("answers", key[1])][0]
                where = key[2] if kind == "tally" else (key[2], key[3])
                taken = [
                    per_respondent[i]
                    for i, group, cell in zip(gone_r, groups_gone, cells_gone, strict=True)
                    if (group if kind == "tally" else (group, cell)) == where
                ]
                new._memo[key] = value - Counter(chain.from_iterable(taken)) if taken else value
            elif kind == "segment ids":
                new._memo[key] = value - segment_ids
            elif kind == "segments":
                index = value.__dict__.get("index")  # kept (cached_property): used
                said = _Renumbering.of(
                    len(value.said),
                    (index[sid] for sid in segment_ids if sid in index)
                    if index is not None
                    else compress(
                        count(), map(segment_ids.__contains__, map(_ID, map(_FIRST, value.said)))
                    ),
                )
                empty = _Renumbering.of(
                    len(value.empty),
                    compress(count(), map(segment_ids.__contains__, map(_FOURTH, value.empty))),
                )
                renumbered[key[1]] = (said, empty)
                new._memo[key] = _SegmentItems(
                    said.kept(value.said),
                    people.renumber(said.kept(value.said_owners)),
                    empty.kept(value.empty),
                    people.renumber(empty.kept(value.empty_owners)),
                )
        for key, value in self._memo.items():
            kind = _kind(key)
            if kind == "cells" and value.disjoint and key[1] in renumbered:
                said, empty = renumbered[key[1]]
                new._memo[key] = _shrunk(
                    value,
                    self._memo[("segments", key[1])],
                    said,
                    empty,
                    people,
                    new._memo.get("group cells"),
                )
            elif kind == "people" and key[1] in renumbered:
                items = self._memo[("segments", key[1])].said
                taken = [items[p] for p in renumbered[key[1]][0].gone]
                new._memo[key] = _people_less(value, _people_counts(taken))
        return new

    def _added(
        self,
        respondents: list[Respondent],
        segments: list[Segment],
        codings: list[Coding],
        scores: Mapping[str, float] | None,
        fresh_sessions: Collection[str] = (),
    ) -> SummaryRecords:
        """These records with ``respondents`` (none of them kept), ``segments`` and ``codings``
        (of those segments) added, the kept work on respondents and segments added to (that on
        codings is carried over by the caller). The people of ``fresh_sessions`` have no kept
        segment (their sessions were taken out)."""
        new = object.__new__(SummaryRecords)
        new.respondents = self.respondents + respondents
        new.segments = self.segments + segments
        new.scores = (
            None
            if self.scores is None and scores is None
            else {**(self.scores or {}), **(scores or {})}
        )
        new.respondent_ids = self.respondent_ids | {r.id for r in respondents}
        new.facts = self.facts + [_respondent_facts(r) for r in respondents]
        changed = {s.id for s in segments}
        new.codings = list(compress(self.codings, _not_in(changed, map(_SEGMENT_ID, self.codings))))
        new.codings += [c for c in codings if c.segment_id in changed]
        new._memo = {}
        first = len(self.respondents)
        added = range(first, len(new.respondents))
        new_people = {r.id for r in respondents}
        fresh_people = new_people.isdisjoint(self.respondent_ids)
        fresh_sessions = set(fresh_sessions)

        def all_new(said: Iterable[tuple]) -> bool:
            """Whether the people of these segments have no kept segment."""
            return all(
                (item[1][0] == "r" and item[1][1] in new_people)
                or (item[1][0] == "p" and item[1][1] in fresh_sessions)
                for item in said
            )

        index = None
        said_before: dict[Hashable, int] = {}
        empty_before: dict[Hashable, int] = {}
        for key, value in self._memo.items():
            kind = _kind(key)
            if kind == "answers":
                per_respondent, item_of = value
                numbers = {item: n for n, item in enumerate(item_of)}
                more = _answer_numbers(respondents, key[1], numbers)
                new._memo[key] = (per_respondent + more, list(numbers))
            elif kind == "groups":
                new._memo[key] = value + list(map(_group_key, respondents))
            elif kind == "journey":
                new._memo[key] = value + _journey_positions(respondents, key[1])
            elif kind == "segments":
                if index is None:
                    # The new segments' respondents are new (else every respondent is looked
                    # up, as a fresh read does).
                    index = {r.id: first + j for j, r in enumerate(respondents)}
                    owners = (s.metadata.get("response_id") for s in segments)
                    if any(o is not None and o not in index for o in owners):
                        index = {r.id: i for i, r in enumerate(new.respondents)}
                items = _SegmentItems(
                    list(value.said),
                    list(value.said_owners),
                    list(value.empty),
                    list(value.empty_owners),
                )
                said_before[key[1]] = len(value.said)
                empty_before[key[1]] = len(value.empty)
                made = _add_segment_items(items, segments, index, new.facts, key[1])
                if "index" in value.__dict__:  # kept (cached_property): added to
                    start = said_before[key[1]]
                    made.__dict__["index"] = {
                        **value.index,
                        **{item[0].id: p for p, item in enumerate(made.said[start:], start)},
                    }
                new._memo[key] = made
            elif kind == "segment ids":
                new._memo[key] = value | {s.id for s in segments}
        # Counts over whole groups and cells, and people per stage: the new respondents' added.
        groups_of = {i: _group_key(respondents[i - first]) for i in added}
        grown = set(groups_of.values())
        cell_of = {i: _cell_of(new.facts[i]) for i in added}
        grown_cells = {(groups_of[i], cell_of[i]) for i in added}
        for key, value in self._memo.items():
            kind = _kind(key)
            if kind == "group cells":
                new._memo[key] = _grown_cells(value, groups_of, cell_of)
            elif kind == "respondent cells":
                new._memo[key] = value + [cell_of[i] for i in added]
            elif kind == "cell tally":
                _, wanted, group, cell = key
                if (group, cell) not in grown_cells:
                    new._memo[key] = value
                elif ("answers", wanted) in new._memo:
                    per_respondent = new._memo[("answers", wanted)][0]
                    more = [
                        per_respondent[i]
                        for i in added
                        if (groups_of[i], cell_of[i]) == (group, cell)
                    ]
                    new._memo[key] = value + Counter(chain.from_iterable(more))
            elif kind == "cells" and fresh_people and key[1] in said_before:
                grown_said = new._memo[("segments", key[1])]
                more = range(said_before[key[1]], len(grown_said.said))
                if all_new(grown_said.said[p] for p in more):
                    new._memo[key] = _grown(
                        value, groups_of, cell_of, grown_said, more, empty_before[key[1]]
                    )
            elif kind == "group members":
                members = dict(value)
                for group in grown:
                    more = [i for i, g in groups_of.items() if g == group]
                    members[group] = [*members.get(group, ()), *more]
                new._memo[key] = members
            elif kind == "tally":
                _, wanted, group = key
                if group not in grown:
                    new._memo[key] = value
                elif ("answers", wanted) in new._memo:
                    per_respondent = new._memo[("answers", wanted)][0]
                    more = [per_respondent[i] for i, g in groups_of.items() if g == group]
                    new._memo[key] = value + Counter(chain.from_iterable(more))
            elif kind == "people" and fresh_people and key[1] in said_before:
                said = new._memo[("segments", key[1])].said[said_before[key[1]] :]
                if all_new(said):
                    stages, pairs, n_resp, n_part = _people_counts(said)
                    new._memo[key] = (
                        value[0] + stages,
                        value[1] + pairs,
                        value[2] + n_resp,
                        value[3] + n_part,
                    )
        new._carry_codings(self._memo, changed, codings)
        return new

    def _memoised(self, key: Hashable, make: Any) -> Any:
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = make()
        return found

    def segment_ids(self) -> frozenset[str]:
        """The ids of every segment given."""
        return self._memoised("segment ids", lambda: frozenset(s.id for s in self.segments))

    def answer_items(self, wanted: frozenset[str]) -> tuple[list[tuple[int, ...]], list[tuple]]:
        """Per respondent, its answers to ``wanted`` questions as item numbers, and the
        ``(question, state, value)`` of each number (lists of values made tuples)."""

        def make() -> tuple[list[tuple[int, ...]], list[tuple]]:
            numbers: dict[tuple, int] = {}
            return _answer_numbers(self.respondents, wanted, numbers), list(numbers)

        return self._memoised(("answers", wanted), make)

    def group_keys(self) -> list[tuple[str, tuple[str, ...]]]:
        """Per respondent: (area, crime types), the groups closed questions are counted in."""
        return self._memoised("groups", lambda: list(map(_group_key, self.respondents)))

    def group_members(self) -> dict[tuple[str, tuple[str, ...]], list[int]]:
        """The respondents of each group of :meth:`group_keys`."""

        def make() -> dict[tuple[str, tuple[str, ...]], list[int]]:
            out: dict[tuple[str, tuple[str, ...]], list[int]] = defaultdict(list)
            for i, key in enumerate(self.group_keys()):
                out[key].append(i)
            return dict(out)

        return self._memoised("group members", make)

    def journey_positions(self, journey: Journey) -> list[tuple[int, Any]]:
        """Per respondent: how many journey steps in a row they passed, and their outcome
        answer's option keys (None when not reached or not answered)."""

        return self._memoised(
            ("journey", journey), lambda: _journey_positions(self.respondents, journey)
        )

    def segment_items(self, empty_answers: frozenset[str]) -> _SegmentItems:
        """The segments counted (facilitators' turns left out), split into those that say
        something and those that do not, with what filters and counts look at."""

        def make() -> _SegmentItems:
            items = _SegmentItems([], [], [], [])
            index = {r.id: i for i, r in enumerate(self.respondents)}
            _add_segment_items(items, self.segments, index, self.facts, empty_answers)
            return items

        return self._memoised(("segments", empty_answers), make)

    def tally(self, wanted: frozenset[str], group: Hashable, members: Sequence[int]) -> Counter:
        """Answer items of ``members`` (all the respondents of ``group``) counted, kept."""

        def make() -> Counter:  # the sum of its cells' (kept for channel and date filters)
            counted: Counter = Counter()
            for cell, in_cell in self.group_cells()[group].items():
                counted.update(self.cell_tally(wanted, group, cell, in_cell))
            return counted

        return self._memoised(("tally", wanted, group), make)

    def group_cells(self) -> dict[tuple[str, tuple[str, ...]], dict[tuple, list[int]]]:
        """The respondents of each group of :meth:`group_keys` by cell (channel, month)."""

        def make() -> dict:
            groups: dict[tuple, dict[tuple, list[int]]] = defaultdict(lambda: defaultdict(list))
            for i, (cell, group) in enumerate(
                zip(self.respondent_cells(), self.group_keys(), strict=True)
            ):
                groups[group][cell].append(i)
            return {group: dict(cells) for group, cells in groups.items()}

        return self._memoised("group cells", make)

    def respondent_cells(self) -> list[tuple]:
        """Per respondent: its cell (channel, month)."""
        return self._memoised("respondent cells", lambda: list(map(_cell_of, self.facts)))

    def quote_order(
        self,
        decided: Mapping[str, Mapping[str, tuple[str, float, str | None]]],
        theme: str,
        min_strength: float,
        empty_answers: frozenset[str],
    ) -> list[tuple[float, int, str]]:
        """A theme's segments that may give a quote, best first as pick_quotes ranks them:
        strongest coding, readable length, then id."""

        def make() -> list[tuple[float, int, str]]:
            items = self.segment_items(empty_answers)
            said, index = items.said, items.index  # kept with the segments, not per theme
            return sorted(
                (-strength, said[index[sid]][3], sid)
                for sid, (_kind, strength, _direction) in decided.get(theme, {}).items()
                if strength >= min_strength
            )

        return self._memoised(("quotes", id(decided), theme, min_strength), make)

    def people_counts(self, empty_answers: frozenset[str]) -> tuple:
        """:func:`_people_counts` of every segment that says something, kept."""

        def make() -> tuple:
            cells = self.cells(empty_answers)
            if not cells.disjoint:
                return _people_counts(self.segment_items(empty_answers).said)
            stages, pairs, n_resp, n_part = Counter(), Counter(), 0, 0
            for counted in cells.people.values():  # each person's segments in one cell
                stages.update(counted[0])
                pairs.update(counted[1])
                n_resp += counted[2]
                n_part += counted[3]
            return stages, pairs, n_resp, n_part

        return self._memoised(("people", empty_answers), make)

    def cells(self, empty_answers: frozenset[str]) -> _Cells:
        """The respondents and segments by cell (channel, month), kept."""

        def make() -> _Cells:
            items = self.segment_items(empty_answers)
            of_respondent = self.respondent_cells()
            respondents: dict[tuple, list[int]] = defaultdict(list)
            for i, cell in enumerate(of_respondent):
                respondents[cell].append(i)
            said_cells = [
                of_respondent[owner] if owner >= 0 else _cell_of(item[2])
                for item, owner in zip(items.said, items.said_owners, strict=True)
            ]
            said: dict[tuple, list[int]] = defaultdict(list)
            for p, cell in enumerate(said_cells):
                said[cell].append(p)
            empty: dict[tuple, list[int]] = defaultdict(list)
            for p, ((_stage, facts, _source, _id), owner) in enumerate(
                zip(items.empty, items.empty_owners, strict=True)
            ):
                empty[of_respondent[owner] if owner >= 0 else _cell_of(facts)].append(p)
            people, seen, persons = {}, {}, 0
            for cell, positions in said.items():
                members = [items.said[p] for p in positions]
                people[cell] = _people_counts(members)
                seen[cell] = _seen(members)
                persons += len(set(map(_SECOND, members)))
            return _Cells(
                dict(respondents),
                self.group_cells(),
                dict(said),
                said_cells,
                dict(empty),
                people,
                seen,
                persons == len(set(map(_SECOND, items.said))),
            )

        return self._memoised(("cells", empty_answers), make)

    def cell_tally(
        self, wanted: frozenset[str], group: Hashable, cell: tuple, members: Sequence[int]
    ) -> Counter:
        """Answer items of ``members`` (all the respondents of ``group`` in ``cell``), kept."""
        per_respondent = self.answer_items(wanted)[0]
        return self._memoised(
            ("cell tally", wanted, group, cell),
            lambda: Counter(chain.from_iterable(per_respondent[i] for i in members)),
        )

    def theme_cells(
        self,
        decided: Mapping[str, Mapping[str, tuple[str, float, str | None]]],
        theme: str,
        given: Mapping[str, float] | bool | None,
        empty_answers: frozenset[str],
    ) -> dict[tuple, tuple[dict[str, tuple[str, float, str | None]], dict[str, Any]]]:
        """A theme's members by cell, each with its :func:`_theme_counts` (exact), kept."""

        def make() -> dict:
            items = self.segment_items(empty_answers)
            said, index = items.said, items.index
            if given is False:
                scores: Mapping[str, float] = {}
                bands: Mapping[str, str] = {}
            else:
                scores, bands = self.sentiments(decided, given)  # type: ignore[arg-type]
            said_cells = self.cells(empty_answers).said_cells
            by_cell: dict[tuple, dict] = defaultdict(dict)
            for sid, code in decided.get(theme, {}).items():
                by_cell[said_cells[index[sid]]][sid] = code
            return {
                cell: (members, _theme_counts(members, said, index, scores, bands, exact=True))
                for cell, members in by_cell.items()
            }

        kind = given if given is None or given is False else id(given)
        return self._memoised(("theme cells", id(decided), theme, kind, empty_answers), make)

    def theme_counts(
        self,
        decided: Mapping[str, Mapping[str, tuple[str, float, str | None]]],
        theme: str,
        given: Mapping[str, float] | bool | None,
        empty_answers: frozenset[str] = frozenset(EMPTY_ANSWERS),
    ) -> dict[str, Any]:
        """:func:`_theme_counts` of a theme over every segment that says something, kept
        (``given``: the sentiment scores given to build_summary, or False for none)."""

        def make() -> dict[str, Any]:
            items = self.segment_items(empty_answers)
            if given is False:
                scores: Mapping[str, float] = {}
                bands: Mapping[str, str] = {}
            else:
                scores, bands = self.sentiments(decided, given)  # type: ignore[arg-type]
            members = decided.get(theme, {})
            if self.cells(empty_answers).disjoint:  # the sum of its cells' (kept for filters)
                by_cell = self.theme_cells(decided, theme, given, empty_answers)
                counted = _sum_counts([counted for _members, counted in by_cell.values()])
            else:
                counted = _theme_counts(members, items.said, items.index, scores, bands)
            return {**counted, "ids": tuple(sorted(members))}  # the segments behind, in order

        kind = given if given is None or given is False else id(given)
        return self._memoised(("counts", id(decided), theme, kind, empty_answers), make)

    def decided(
        self,
        theme_ids: frozenset[str],
        include_suggestions: bool,
        min_confidence: float,
        empty_answers: frozenset[str] | tuple[str, ...],
    ) -> dict[str, dict[str, tuple[str, float, str | None]]]:
        """Which codings count (see :func:`_decide`), over the segments that are counted and
        say something."""
        return self._memoised(
            ("decided", theme_ids, include_suggestions, min_confidence, empty_answers),
            lambda: _decide(
                self.codings,
                self.segment_items(empty_answers).index,
                theme_ids,
                include_suggestions,
                min_confidence,
            ),
        )

    def sentiments(
        self, decided: Mapping[str, Mapping[str, Any]], given: Mapping[str, float] | None
    ) -> tuple[dict[str, float], dict[str, str]]:
        """Sentiment score and band of every segment in ``decided``: ``given[id]`` when there,
        else VADER's."""

        def make() -> tuple:
            from analysis.sentiment import sentiment_score

            text = {s.id: s.text for s in self.segments}
            known = (self.scores if given is None else given) or {}
            scores: dict[str, float] = {}
            for members in decided.values():
                for sid in members:
                    if sid not in scores:
                        found = known.get(sid)
                        scores[sid] = sentiment_score(text[sid]) if found is None else found
            bands = {sid: _band(x) for sid, x in scores.items()}
            return scores, bands, decided, given  # the last two keep their ids unique

        key = ("sentiment", id(decided), None if given is None else id(given))
        found = self._memoised(key, make)
        return found[0], found[1]


def build_summary(
    respondents: Iterable[Respondent] = (),
    segments: Iterable[Segment] = (),
    codings: Iterable[Coding] = (),
    codebook: Any = None,
    *,
    questions: Sequence[ClosedQuestion] = (),
    journey: Journey | Mapping[str, Any] | None = DEFAULT_JOURNEY,
    filters: SummaryFilter | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    zeros_disclosive: bool = True,
    questionnaire: str = "",
    include_suggestions: bool = True,
    min_confidence: float = 0.0,
    sentiment: bool = True,
    sentiment_scores: Mapping[str, float] | None = None,
    quotes_per_theme: int = 3,
    quote_min_confidence: float = 0.7,
    empty_answers: Iterable[str] = EMPTY_ANSWERS,
    names: Sequence[str] = (),
    places: Iterable[str] = DEFAULT_PLACES,
    crime_type_question: str = "crime_type",
    area_question: str = "area",
) -> Summary:
    """Build the thematic summary of some responses, segments and codings.

    Parameters
    ----------
    respondents : iterable of Respondent
        The responses, with their closed answers.
    segments : iterable of Segment
        Free-text answers (``metadata["response_id"]`` names their respondent) and focus-group
        turns (``metadata["session"]`` and ``["participant"]`` or ``["speaker"]``). Survey
        segments take crime type, area, channel and date from their respondent when it is
        given, else from ``metadata`` (``crime_types``, ``area``, ``channel``, ``date``,
        ``questionnaire``, ``version``). Only stages in :data:`analysis.records.STAGES` are
        summarised per stage; segments of no stage still count towards themes.
    codings : iterable of Coding
        Codings of the segments. A person's coding (status ``human`` or ``accepted``) counts; a
        ``rejected`` one removes that theme from the segment unless a person coded it; an
        unreviewed ``suggested`` one counts (as machine-only) when ``include_suggestions`` and
        its confidence is at least ``min_confidence``.
    codebook : Codebook or iterable of Theme
        The themes (``id``, ``label``, ``stage``, ``definition``); themes of no stage are left
        out.
    questions : sequence of ClosedQuestion
        The closed questions to count (see :func:`closed_questions`); their options give the
        order and labels, including those of ``crime_type_question`` and ``area_question``.
    journey : Journey or mapping or None, default=DEFAULT_JOURNEY
    filters : SummaryFilter, optional
    threshold : int, default=10
        Disclosure threshold (at least 5).
    zeros_disclosive : bool, default=True
        Hide zero counts too (ACRO's default); False shows them as 0.
    questionnaire : str, default=""
        Slug reported in the output.
    include_suggestions, min_confidence
        Whether unreviewed machine suggestions count, and from what confidence.
    sentiment : bool, default=True
        Compute sentiment per theme (VADER, or ``sentiment_scores`` by segment id when given).
    quotes_per_theme : int, default=3
    quote_min_confidence : float, default=0.7
        Weakest machine confidence a quote's coding may have.
    empty_answers : iterable of str
        Answers that say nothing (see :func:`analysis.quotes.says_nothing`).
    names, places : iterable of str
        Names redacted from quotes, and places a quote must not name.
    crime_type_question, area_question : str
        Names of the questions whose options label crime types and areas.

    Returns
    -------
    Summary
    """
    filters = filters or SummaryFilter()
    if journey is not None and not isinstance(journey, Journey):
        journey = Journey.from_dict(journey)
    ledger = Disclosure(threshold, zeros_disclosive)
    by_name = {q.name: q for q in questions}
    ct_labels = dict(by_name[crime_type_question].options) if crime_type_question in by_name else {}
    area_labels = dict(by_name[area_question].options) if area_question in by_name else {}
    labels = {
        "crime_type": ct_labels,
        "area": area_labels,
        "channel": dict(CHANNEL_LABELS),
        "source": dict(SOURCE_LABELS),
    }

    records = (
        respondents
        if isinstance(respondents, SummaryRecords)
        else SummaryRecords(respondents, segments, codings)
    )

    # Records kept by the filters. A filter of channel and dates alone takes whole cells
    # (channel, month) of kept counts, and looks at records only in months it cuts.
    all_facts = records.facts
    empties = empty_answers if isinstance(empty_answers, frozenset) else frozenset(empty_answers)
    respondent_filter = replace(filters, source=None) != SummaryFilter()
    match = filters._facts_match
    cells = records.cells(empties) if _by_cells(filters) else None
    if cells is not None and not cells.disjoint:
        cells = None
    states = {} if cells is None else {c: _cell_state(filters, c) for c in cells.said}
    if cells is not None:
        states.update({c: _cell_state(filters, c) for c in [*cells.respondents, *cells.empty]})
        kept_idx = sorted(
            chain.from_iterable(
                members if states[c] == "all" else [i for i in members if match(all_facts[i])]
                for c, members in cells.respondents.items()
                if states[c] != "none"
            )
        )
    elif filters.source not in (None, "survey"):
        kept_idx: list[int] = []
    elif respondent_filter:
        kept_idx = [i for i, f in enumerate(all_facts) if match(f)]
    else:
        kept_idx = list(range(len(all_facts)))
    everyone = records.respondents
    kept = [everyone[i] for i in kept_idx]

    # Respondents: totals by channel, area and crime type.
    total_key = ledger.count(("resp",), len(kept))
    channels = Counter(_key(r.channel) for r in kept)
    areas = Counter(_key(r.area) for r in kept)
    kept_list = [all_facts[i] for i in kept_idx]
    crime_counts = _crime_tally(kept_list)
    exclusive_crime = max(map(len, map(_CRIMES, kept_list)), default=0) <= 1
    channel_order = _order(channels, ("online", "paper"))
    area_order = _order(areas, list(area_labels))
    crime_order = _order(crime_counts, list(ct_labels))
    for dim, counts in (("channel", channels), ("area", areas), ("crime_type", crime_counts)):
        keys = [ledger.count(("resp", dim, v), n) for v, n in counts.items()]
        if dim != "crime_type" or exclusive_crime:
            ledger.add_total(total_key, keys)

    # Closed questions: the answers were made item numbers once (SummaryRecords); count them
    # per group of respondents (area, crime types) in C, then spread over the groups, which
    # are few.
    group_keys = records.group_keys()
    members_by_group: dict[tuple[str, tuple[str, ...]], list[int]] = defaultdict(list)
    for i in kept_idx:
        members_by_group[group_keys[i]].append(i)
    group_of = dict(enumerate(members_by_group))
    wanted_questions = frozenset(by_name)
    per_respondent, item_of = records.answer_items(wanted_questions)
    everyone_by_group = records.group_members()
    tallies: dict[str, list[tuple[str, Any, int, int]]] = defaultdict(list)
    for gid, (group, members) in enumerate(members_by_group.items()):
        if len(members) == len(everyone_by_group[group]):  # the whole group: counted once
            counted = records.tally(wanted_questions, group, members)
        elif cells is not None:  # whole cells of the group counted once, cut ones here
            counted = Counter()
            for cell, in_cell in cells.groups[group].items():
                if states[cell] == "all":
                    counted.update(records.cell_tally(wanted_questions, group, cell, in_cell))
                elif states[cell] == "some":
                    counted.update(
                        chain.from_iterable(
                            per_respondent[i] for i in in_cell if match(all_facts[i])
                        )
                    )
        else:
            counted = Counter(chain.from_iterable(per_respondent[i] for i in members))
        for item, n in counted.items():
            name, state, value = item_of[item]
            tallies[name].append((str(state), value, gid, n))
    own_dim = {crime_type_question: "crime_type", area_question: "area"}
    question_plans = [
        _count_question(
            q, tallies.get(q.name, ()), group_of, ledger, exclusive_crime, own_dim.get(q.name)
        )
        for q in questions
    ]

    # Journey.
    journey_plan = (
        _count_journey(
            journey,
            kept,
            list(map(records.journey_positions(journey).__getitem__, kept_idx)),
            ledger,
            crime_order,
            by_name.get(journey.outcome or ""),
            exclusive_crime,
        )
        if journey
        else None
    )

    # Segments, then codings.
    items = records.segment_items(empties)
    segment_filter = filters != SummaryFilter()
    cut: dict[tuple, list] = {}  # cells the filter cuts: the segments it keeps there
    if cells is not None:
        # Each person's segments lie in one cell (cells.disjoint): counts of people add up.
        seg_list, seg_index = items.said, items.index  # for looking up members only
        stage_segments, stage_people, n_resp, n_part = Counter(), Counter(), 0, 0
        seen: list[tuple[set, set, set, set]] = []
        for cell, positions in cells.said.items():
            if states[cell] == "none":
                continue
            if states[cell] == "all":
                people, seen_here = cells.people[cell], cells.seen[cell]
            else:
                kept_items = [items.said[p] for p in positions if match(items.said[p][2])]
                cut[cell] = kept_items
                people, seen_here = _people_counts(kept_items), _seen(kept_items)
            stage_segments.update(people[0])
            stage_people.update(people[1])
            n_resp += people[2]
            n_part += people[3]
            seen.append(seen_here)
        empty_stages = [
            items.empty[p][0]
            for cell, positions in cells.empty.items()
            if states[cell] != "none"
            for p in positions
            if states[cell] == "all" or match(items.empty[p][1])
        ]
    elif segment_filter:
        kept_set = set(kept_idx)
        match = filters._facts_match
        source = filters.source

        def wanted(facts: _Facts, owner: int, segment_source: str) -> bool:
            if owner >= 0:
                return owner in kept_set and (source is None or segment_source == source)
            return match(facts)

        seg_list = [
            item
            for item, owner in zip(items.said, items.said_owners, strict=True)
            if wanted(item[2], owner, item[0].source)
        ]
        empty_stages = [
            stage
            for (stage, facts, segment_source, _id), owner in zip(
                items.empty, items.empty_owners, strict=True
            )
            if wanted(facts, owner, segment_source)
        ]
        seg_index = {item[0].id: i for i, item in enumerate(seg_list)}
        stage_segments, stage_people, n_resp, n_part = _people_counts(seg_list)
    else:
        seg_list = items.said
        empty_stages = [item[0] for item in items.empty]
        seg_index = items.index
        stage_segments, stage_people, n_resp, n_part = records.people_counts(empties)
    empty_by_stage = Counter(empty_stages)
    base_resp = ledger.count(("tb", "respondents"), n_resp)
    base_part = ledger.count(("tb", "participants"), n_part)
    ledger.count(("tb", "empty"), len(empty_stages))
    for stage in STAGES:
        ledger.count(("stage", stage, "respondents"), stage_people[stage, "r"])
        ledger.count(("stage", stage, "participants"), stage_people[stage, "p"])
        ledger.count(("stage", stage, "segments"), stage_segments.get(stage, 0))
        ledger.count(("stage", stage, "empty"), empty_by_stage.get(stage, 0))

    themes = [t for t in _themes_of(codebook) if t.stage in STAGES]
    every = records.decided(
        frozenset(t.id for t in themes), include_suggestions, float(min_confidence), empties
    )
    scores, bands = records.sentiments(every, sentiment_scores) if sentiment else ({}, {})
    given = sentiment_scores if sentiment else False
    cell_counts: dict[str, dict[str, Any]] = {}
    if cells is not None:
        decided = {}
        cut_ids = {cell: {item[0].id for item in kept} for cell, kept in cut.items()}
        for t in themes:
            members, parts = {}, []
            for cell, (in_cell, counted) in records.theme_cells(
                every, t.id, given, empties
            ).items():
                if states.get(cell, "none") == "none":
                    continue
                if states[cell] == "some":
                    in_cell = {sid: v for sid, v in in_cell.items() if sid in cut_ids[cell]}
                    scores_, bands_ = (
                        records.sentiments(every, sentiment_scores) if sentiment else ({}, {})
                    )
                    counted = _theme_counts(
                        in_cell, items.said, items.index, scores_, bands_, exact=True
                    )
                members.update(in_cell)
                parts.append(counted)
            decided[t.id] = members
            cell_counts[t.id] = _sum_counts(parts)
    elif segment_filter:
        decided = {
            theme: {sid: members[sid] for sid in members.keys() & seg_index.keys()}
            for theme, members in every.items()
        }
    else:  # every segment that says something is counted
        decided = every

    # Every group of a breakdown is listed for every theme, zeros included (a missing group
    # would say "nobody" as plainly as a zero).
    if cells is not None:
        sources_seen, fg_areas, fg_crimes, fg_sources = (
            set().union(*(part[i] for part in seen)) for i in range(4)
        )
    elif not segment_filter and records.cells(empties).disjoint:
        parts = records.cells(empties).seen.values()
        sources_seen, fg_areas, fg_crimes, fg_sources = (
            set().union(*(part[i] for part in parts)) for i in range(4)
        )
    else:
        sources_seen, fg_areas, fg_crimes, fg_sources = _seen(seg_list)
    group_orders = {
        "crime_type": crime_order,
        "area": area_order,
        "channel": channel_order,
        "participants_crime_type": _order(fg_crimes, list(ct_labels)),
        "participants_area": _order(fg_areas, list(area_labels)),
        "participants_source": _order(fg_sources, list(SOURCE_LABELS)),
        "source": _order(sources_seen, list(SOURCE_LABELS)),
    }
    theme_plans = {}
    for t in themes:
        members = decided.get(t.id, {})
        if cells is not None:
            counted = cell_counts[t.id]
        elif segment_filter:
            counted = _theme_counts(members, seg_list, seg_index, scores, bands)
        else:  # every segment counted: kept with the records
            counted = records.theme_counts(every, t.id, given, empties)
        theme_plans[t.id] = _count_theme(t, members, counted, ledger, group_orders, bool(scores))

    ledger.resolve()

    # Read back what may be shown.
    def cells(prefix: tuple, counts: Iterable[str], base: Hashable | None) -> dict[str, Cell]:
        return {v: ledger.cell((*prefix, v), base) for v in counts}

    summary_questions = {
        plan["question"].name: _question_summary(plan, ledger, labels) for plan in question_plans
    }
    redactor = None
    stages: dict[str, StageSummary] = {}
    for stage in STAGES:
        entries = []
        for theme in (t for t in themes if t.stage == stage):
            plan = theme_plans[theme.id]
            if redactor is None:
                from analysis.redaction import Redactor

                redactor = Redactor(names=names)
            entries.append(
                _theme_summary(
                    theme,
                    plan,
                    seg_list,
                    seg_index,
                    ledger,
                    quote_order=records.quote_order(every, theme.id, quote_min_confidence, empties),
                    redactor=redactor,
                    quotes_per_theme=quotes_per_theme,
                    quote_min_confidence=quote_min_confidence,
                    places=places,
                    names=names,
                )
            )
        entries = _ranked(entries)
        stages[stage] = StageSummary(
            stage=stage,
            label=_stage_label(codebook, stage),
            respondents=ledger.cell(("stage", stage, "respondents")),
            participants=ledger.cell(("stage", stage, "participants")),
            segments=ledger.cell(("stage", stage, "segments")),
            answers_saying_nothing=ledger.cell(("stage", stage, "empty")),
            themes=tuple(entries),
        )

    return Summary(
        questionnaire=questionnaire,
        threshold=ledger.threshold,
        filters=filters,
        respondents=ledger.cell(total_key),
        by_channel=cells(("resp", "channel"), channel_order, total_key),
        by_area=cells(("resp", "area"), area_order, total_key),
        by_crime_type=cells(("resp", "crime_type"), crime_order, total_key),
        questions=summary_questions,
        themes_base={
            "respondents": ledger.cell(base_resp),
            "participants": ledger.cell(base_part),
            "answers_saying_nothing": ledger.cell(("tb", "empty")),
        },
        stages=stages,
        journey=_journey_rows(journey_plan, ledger, labels) if journey_plan else (),
        journey_outcome=journey.outcome if journey else None,
        labels=labels,
    )


def _ranked(entries: list[ThemeSummary]) -> list[ThemeSummary]:
    """Shown themes by respondents, participants then segments; hidden ones after, in codebook
    order, so the order never hints at a hidden count."""

    def shown_key(e: ThemeSummary) -> tuple:
        return (
            -(e.respondents.value or 0),
            -(e.participants.value or 0),
            -(e.segments.value or 0),
        )

    visible = [
        e for e in entries if e.respondents.shown or e.participants.shown or e.segments.shown
    ]
    hidden = [e for e in entries if e not in visible]
    order = sorted(range(len(visible)), key=lambda i: (shown_key(visible[i]), i))
    out = [visible[i] for i in order] + hidden
    return [_with_rank(e, i + 1) for i, e in enumerate(out)]


def _with_rank(entry: ThemeSummary, rank: int) -> ThemeSummary:
    return replace(entry, rank=rank)


# -- closed questions ------------------------------------------------------------------------


def _value_keys(value: Any) -> tuple[str, ...]:
    """An answer's value as option keys (text), each once."""
    if isinstance(value, tuple | list):
        return tuple(dict.fromkeys(str(v) for v in value))
    return (str(value),)


def _count_question(
    question: ClosedQuestion,
    tally: Iterable[tuple[str, Any, int, int]],
    group_of: Mapping[int, tuple[str, tuple[str, ...]]],
    ledger: Disclosure,
    exclusive_crime: bool,
    own_dim: str | None = None,
) -> dict[str, Any]:
    """Count a closed question overall and by area and crime type, registering every count.

    ``tally`` holds ``(state, value, group id, respondents)``; ``group_of`` maps a group id to
    its (area, crime types). ``own_dim`` names the respondents' grouping this question itself
    provides ("crime_type", "area"): its counts are then the same cells as the respondents
    table, and it is not cross-tabulated by itself.
    """
    name = question.name
    states: Counter[str] = Counter()
    options: Counter[str] = Counter()
    by_area: dict[str, Counter[str]] = defaultdict(Counter)
    area_base: Counter[str] = Counter()
    by_crime: dict[str, Counter[str]] = defaultdict(Counter)
    crime_base: Counter[str] = Counter()
    for state, value, gid, n in tally:
        if state == "not_asked":
            continue
        states[state] += n
        if state != "answered":
            continue
        values = _value_keys(value)
        area, crimes = group_of[gid]
        area_base[area] += n
        area_counts = by_area[area]
        for v in values:
            options[v] += n
            area_counts[v] += n
        for crime in crimes:
            crime_base[crime] += n
            crime_counts = by_crime[crime]
            for v in values:
                crime_counts[v] += n
    prefix = ("q", name)
    base = ledger.count((*prefix, "base"), states["answered"])
    pnts = ledger.count((*prefix, "pnts"), states["prefer_not_to_say"])
    not_answered = ledger.count(
        (*prefix, "na"), sum(n for s, n in states.items() if s in _NOT_ANSWERED)
    )
    other = sum(
        n for s, n in states.items() if s not in _NOT_ANSWERED | {"answered", "prefer_not_to_say"}
    )
    asked = ledger.count((*prefix, "asked"), states.total() - other)
    ledger.add_total(asked, [base, pnts, not_answered])
    known = [str(v) for v, _label in question.options]
    option_order = known + sorted(set(options) - set(known))
    option_keys = [
        ledger.count((*prefix, "opt", v), options[v], ("resp", own_dim, v) if own_dim else None)
        for v in option_order
    ]
    if not question.multiple:
        ledger.add_total(base, option_keys)
    crosstabs = [
        ("area", by_area, area_base, True),
        ("crime_type", by_crime, crime_base, exclusive_crime),
    ]
    if own_dim:
        crosstabs, by_area, by_crime = [], {}, {}
        area_base, crime_base = Counter(), Counter()
    for dim, counts, bases, exclusive in crosstabs:
        group_base_keys = []
        for group, n in bases.items():
            gbase = ledger.count((*prefix, dim, group, "base"), n)
            group_base_keys.append(gbase)
            keys = [
                ledger.count((*prefix, dim, group, "opt", v), counts[group][v])
                for v in option_order
            ]
            if not question.multiple:
                ledger.add_total(gbase, keys)
        if exclusive:
            ledger.add_total(base, group_base_keys)
            for v in option_order:
                ledger.add_total((*prefix, "opt", v), [(*prefix, dim, g, "opt", v) for g in bases])
    return {
        "question": question,
        "option_order": option_order,
        "area_groups": list(area_base),
        "crime_groups": list(crime_base),
    }


def _question_summary(
    plan: Mapping[str, Any], ledger: Disclosure, labels: Mapping[str, Mapping[str, str]]
) -> QuestionSummary:
    question: ClosedQuestion = plan["question"]
    prefix = ("q", question.name)
    option_labels = {str(v): label for v, label in question.options}
    base = (*prefix, "base")
    asked = (*prefix, "asked")

    def options(group_prefix: tuple, group_base: tuple) -> tuple[OptionCount, ...]:
        return tuple(
            OptionCount(
                v, option_labels.get(v, v), ledger.cell((*group_prefix, "opt", v), group_base)
            )
            for v in plan["option_order"]
        )

    def groups(dim: str, present: list[str]) -> tuple[GroupCounts, ...]:
        order = _order(present, list(labels.get(dim, {})))
        out = []
        for group in order:
            gprefix = (*prefix, dim, group)
            out.append(
                GroupCounts(
                    group,
                    _group_label(labels, dim, group),
                    ledger.cell((*gprefix, "base")),
                    options(gprefix, (*gprefix, "base")),
                )
            )
        return tuple(out)

    return QuestionSummary(
        name=question.name,
        label=question.label,
        multiple=question.multiple,
        asked=ledger.cell(asked),
        base=ledger.cell(base, asked),
        prefer_not_to_say=ledger.cell((*prefix, "pnts"), asked),
        not_answered=ledger.cell((*prefix, "na"), asked),
        options=options(prefix, base),
        by_crime_type=groups("crime_type", plan["crime_groups"]),
        by_area=groups("area", plan["area_groups"]),
    )


def _group_label(labels: Mapping[str, Mapping[str, str]], dim: str, group: str) -> str:
    if group == NOT_GIVEN:
        return NOT_GIVEN_LABEL
    if group == "all":
        return "All respondents"
    return labels.get(dim, {}).get(group, group)


# -- the journey -----------------------------------------------------------------------------


def _count_journey(
    journey: Journey,
    kept: Sequence[Respondent],
    positions: Sequence[tuple[int, Any]],
    ledger: Disclosure,
    crime_order: list[str],
    outcome_question: ClosedQuestion | None,
    exclusive_crime: bool = False,
) -> dict[str, Any]:
    """Count the journey per group, joining its counts to the same counts of the closed
    questions (a step's "reached" is the answers that pass it; the outcome is the question's
    answers when everyone who answered it passed every step), so both show or hide together.
    When no respondent has more than one crime type, the groups' counts add up to the "all"
    row's, and those sums are protected too.

    ``positions`` holds, per respondent of ``kept``, how many steps in a row they passed and
    their outcome answer (see :meth:`SummaryRecords.journey_positions`); they are counted per
    crime-type combination in C, then spread.
    """
    steps = journey.steps
    last = len(steps)
    outcome = journey.outcome
    tally = Counter(
        (tuple(r.crime_types) or (NOT_GIVEN,), *where)
        for r, where in zip(kept, positions, strict=True)
    )
    per_group: dict[str, Counter] = defaultdict(Counter)
    for (crimes, k, out), n in tally.items():
        per_group["all"][(k, out)] += n
        for crime in crimes:
            per_group[crime][(k, out)] += n
    order = ["all"] + [c for c in crime_order if c in per_group]
    outcomes: dict[str, tuple] = {}
    for group in order:
        counts = per_group[group]
        # The group's size is the count already registered with the respondents table.
        previous = ("resp",) if group == "all" else ("resp", "crime_type", group)
        question_prefix = ("q",) if group == "all" else ("q", None, "crime_type", group)
        at_step = sum(counts.values())
        for i, step in enumerate(steps):
            n_passed = sum(n for (k, _out), n in counts.items() if k > i)
            same_keys = [_q_key(question_prefix, step.question, "opt", v) for v in step.values]
            same_as = same_keys[0] if i == 0 and len(same_keys) == 1 else None
            reached = ledger.count(("j", group, step.key, "yes"), n_passed, same_as)
            if (
                i == 0
                and len(same_keys) > 1
                and not step.exclude
                and all(k in ledger for k in same_keys)
                and sum(ledger.true_value(k) for k in same_keys) == n_passed
            ):
                ledger.add_total(reached, same_keys)
            missed = ledger.count(("j", group, step.key, "no"), at_step - n_passed)
            ledger.add_total(previous, [reached, missed])
            previous, at_step = reached, n_passed
        if outcome:
            answered: Counter[str] = Counter()
            n_answered = 0
            for (k, out), n in counts.items():
                if k == last and out is not None:
                    n_answered += n
                    for v in out:
                        answered[v] += n
            outcomes[group] = (answered, previous, at_step, n_answered, question_prefix)
    known = [str(v) for v, _label in outcome_question.options] if outcome_question else []
    seen = {v for item in outcomes.values() for v in item[0]}
    outcome_order = known + sorted(seen - set(known))
    multiple = bool(outcome_question and outcome_question.multiple)
    for group, (answered, previous, n, n_answered, qprefix) in outcomes.items():
        prefix = ("j", group, "outcome")
        same_base = _q_key(qprefix, journey.outcome, "base")
        base = ledger.count((*prefix, "base"), n_answered, same_base)
        na = ledger.count((*prefix, "na"), n - n_answered)
        ledger.add_total(previous, [base, na])
        keys = [
            ledger.count(
                (*prefix, "opt", v), answered[v], _q_key(qprefix, journey.outcome, "opt", v)
            )
            for v in outcome_order
        ]
        if not multiple:
            ledger.add_total(base, keys)
    groups = order[1:]
    if exclusive_crime and groups:
        columns = [(step.key, "yes") for step in journey.steps]
        columns += [(step.key, "no") for step in journey.steps]
        if journey.outcome:
            columns += [("outcome", "base"), ("outcome", "na")]
            columns += [("outcome", "opt", v) for v in outcome_order]
        for column in columns:
            ledger.add_total(("j", "all", *column), [("j", g, *column) for g in groups])
    return {
        "journey": journey,
        "order": order,
        "outcome_order": outcome_order,
        "outcome_labels": dict(outcome_question.options) if outcome_question else {},
    }


def _q_key(prefix: tuple, question: str, *rest: str) -> tuple:
    """Key of a closed question's count: overall (``("q",)``) or in a crime-type group."""
    if len(prefix) == 1:
        return ("q", question, *rest)
    return ("q", question, *prefix[2:], *rest)


def _journey_rows(
    plan: dict[str, Any], ledger: Disclosure, labels: Mapping[str, Mapping[str, str]]
) -> tuple[JourneyRow, ...]:
    journey: Journey = plan["journey"]
    rows = []
    for group in plan["order"]:
        total = ("resp",) if group == "all" else ("resp", "crime_type", group)
        previous = total
        steps = []
        for step in journey.steps:
            reached = ("j", group, step.key, "yes")
            steps.append(
                JourneyStepCount(
                    step.key,
                    step.label,
                    ledger.cell(reached, previous),
                    ledger.cell(("j", group, step.key, "no"), previous),
                )
            )
            previous = reached
        outcome: tuple[OptionCount, ...] = ()
        base = na = None
        if journey.outcome:
            prefix = ("j", group, "outcome")
            base = ledger.cell((*prefix, "base"), previous)
            na = ledger.cell((*prefix, "na"), previous)
            outcome_labels = plan["outcome_labels"]
            outcome = tuple(
                OptionCount(
                    v, outcome_labels.get(v, v), ledger.cell((*prefix, "opt", v), (*prefix, "base"))
                )
                for v in plan["outcome_order"]
            )
        rows.append(
            JourneyRow(
                group,
                _group_label(labels, "crime_type", group),
                ledger.cell(total),
                tuple(steps),
                base,
                na,
                outcome,
            )
        )
    return tuple(rows)


# -- themes ----------------------------------------------------------------------------------


def _decide(
    codings: Iterable[Coding],
    seg_index: Mapping[str, int],
    theme_ids: Collection[str],
    include_suggestions: bool,
    min_confidence: float,
) -> dict[str, dict[str, tuple[str, float, str | None]]]:
    """Per theme, per segment: ``("person"|"machine", strength, direction)``.

    The result does not depend on the order of ``codings`` (so codings read again for a few
    segments give what a full read gives): a person's coding counts with the first direction
    in sorted order among people's codings of that theme there; a suggestion counts with the
    highest confidence, and the direction of the most confident suggestion that has one (the
    first in sorted order among equals)."""
    by_person: dict[tuple[str, str], str | None] = {}
    rejected: set[tuple[str, str]] = set()
    suggested: dict[tuple[str, str], float] = {}
    suggested_direction: dict[tuple[str, str], tuple[float, str]] = {}
    for c in codings:
        sid = c.segment_id
        tid = c.theme_id
        if sid not in seg_index or tid not in theme_ids:
            continue
        key = (tid, sid)
        status = c.status or coding_status(c)
        direction = c.direction
        if status == "human" or status == "accepted":
            if key not in by_person:
                by_person[key] = direction
            elif direction is not None:
                old = by_person[key]
                if old is None or direction < old:
                    by_person[key] = direction
        elif status == "rejected":
            rejected.add(key)
        elif status == "suggested" and include_suggestions and c.confidence >= min_confidence:
            confidence = float(c.confidence)
            if key not in suggested or confidence > suggested[key]:
                suggested[key] = confidence
            if direction is not None:
                best = suggested_direction.get(key)
                if best is None or (-confidence, direction) < (-best[0], best[1]):
                    suggested_direction[key] = (confidence, direction)
    decided: dict[str, dict[str, tuple[str, float, str | None]]] = defaultdict(dict)
    for (theme, sid), direction in by_person.items():
        decided[theme][sid] = ("person", 1.0, direction)
    for key, confidence in suggested.items():
        if key not in by_person and key not in rejected:
            best = suggested_direction.get(key)
            decided[key[0]][key[1]] = ("machine", confidence, best[1] if best else None)
    return decided


def _decide_again(
    decided: Mapping[str, Mapping[str, tuple[str, float, str | None]]],
    changed: Collection[str],
    codings: Iterable[Coding],
    seg_index: Mapping[str, int],
    theme_ids: Collection[str],
    include_suggestions: bool,
    min_confidence: float,
) -> tuple[dict[str, dict[str, tuple[str, float, str | None]]], set[str]]:
    """``decided`` with the segments of ``changed`` decided again from ``codings`` (all the
    codings those segments have now), and the themes whose members changed. Equal to
    :func:`_decide` over every coding (it is decided per theme and segment, in no order)."""
    partial = _decide(codings, seg_index, theme_ids, include_suggestions, min_confidence)
    out: dict[str, dict[str, tuple[str, float, str | None]]] = {}
    touched: set[str] = set()
    for theme in dict.fromkeys([*decided, *partial]):
        members = decided.get(theme, {})
        added = partial.get(theme, {})
        if not added and not any(sid in members for sid in changed):
            if members:
                out[theme] = members  # type: ignore[assignment]
            continue
        touched.add(theme)
        again = {sid: v for sid, v in members.items() if sid not in changed}
        again.update(added)
        if again:
            out[theme] = again
        else:
            out.pop(theme, None)
    return out, touched


_FIRST, _SECOND, _THIRD, _FOURTH, _FIFTH = (itemgetter(i) for i in (0, 1, 2, 3, 4))
_ID, _SEGMENT_ID, _METADATA = (attrgetter(name) for name in ("id", "segment_id", "metadata"))
_AREA, _CHANNEL, _SOURCE, _CRIMES = (
    attrgetter(name) for name in ("area", "channel", "source", "crime_types")
)


def _tally(values: Iterable[Any]) -> Counter[str]:
    """Counter of values as group keys (None and "" are NOT_GIVEN), counted in C."""
    out: Counter[str] = Counter()
    for value, n in Counter(values).items():
        out[_key(value)] += n
    return out


def _crime_tally(facts: Iterable[_Facts]) -> Counter[str]:
    """Counter of crime types over people (NOT_GIVEN for those with none), counted in C."""
    lists = list(map(_CRIMES, facts))
    out = Counter(chain.from_iterable(lists))
    empty = lists.count(())
    if empty:
        out[NOT_GIVEN] += empty
    return out


def _theme_counts(
    members: Mapping[str, tuple[str, float, str | None]],
    seg_list: Sequence[tuple[Segment, tuple, _Facts, int, str]],
    seg_index: Mapping[str, int],
    scores: Mapping[str, float],
    bands_of: Mapping[str, str],
    exact: bool = False,
) -> dict[str, Any]:
    """What a theme's counts are made of (nothing registered yet): coded by, direction,
    source, sentiment, and people by group. Not to be changed: SummaryRecords keeps it.
    ``exact`` adds the scores' exact parts (see :func:`_sum_counts`)."""
    # Counted with C loops (map, Counter, sort): a theme can have tens of thousands of segments.
    codes = members.values()
    items = list(map(seg_list.__getitem__, map(seg_index.__getitem__, members)))
    # Each person counts once per theme, in the groups of their first segment (a person's
    # segments share their facts).
    people = dict(zip(map(_SECOND, reversed(items)), map(_THIRD, reversed(items)), strict=True))
    kind = list(map(_FIRST, people))
    respondents = list(compress(people.values(), map(eq, kind, repeat("r"))))
    participants = list(compress(people.values(), map(eq, kind, repeat("p"))))
    return {
        "kinds": Counter(map(_FIRST, codes)),
        "directions": _tally(map(_THIRD, codes)),
        "sources": Counter(map(_FIFTH, items)),
        "bands": Counter(map(bands_of.__getitem__, members)) if scores else Counter(),
        "score_sum": fsum(map(scores.__getitem__, members)) if scores else 0.0,
        "score_parts": _exact_parts(list(map(scores.__getitem__, members)))
        if exact and scores
        else [],
        "respondents": len(respondents),
        "participants": len(participants),
        "by": {
            "crime_type": _crime_tally(respondents),
            "area": _tally(map(_AREA, respondents)),
            "channel": _tally(map(_CHANNEL, respondents)),
            "participants_crime_type": _crime_tally(participants),
            "participants_area": _tally(map(_AREA, participants)),
            "participants_source": _tally(map(_SOURCE, participants)),
        },
    }


def _count_theme(
    theme: Any,
    members: Mapping[str, tuple[str, float, str | None]],
    counted: Mapping[str, Any],
    ledger: Disclosure,
    group_orders: Mapping[str, list[str]],
    has_scores: bool,
) -> dict[str, Any]:
    """Register a theme's counts (``counted``: :func:`_theme_counts`) with the ledger."""
    tid = theme.id
    kinds, bands = counted["kinds"], counted["bands"]
    # In a fixed order (not that of the codings read): ties in secondary suppression go the
    # same way however the codings came.
    directions = {d: counted["directions"][d] for d in _order(counted["directions"], _DIRECTIONS)}
    n_respondents, n_participants = counted["respondents"], counted["participants"]
    prefix = ("t", tid)
    resp_key = ledger.count((*prefix, "respondents"), n_respondents)
    part_key = ledger.count((*prefix, "participants"), n_participants)
    seg_key = ledger.count((*prefix, "segments"), len(members))
    ledger.count((*prefix, "unreviewed"), kinds["machine"])
    breakdown_keys: dict[str, list[str]] = {}
    by = {
        dim: {g: groups[g] for g in _order([*groups, *group_orders[dim]], group_orders[dim])}
        for dim, groups in counted["by"].items()
    }
    sources = Counter(counted["sources"])
    for source in group_orders["source"]:
        sources.setdefault(source, 0)
    sources = Counter({s: sources[s] for s in _order(sources, group_orders["source"])})
    for dim, groups in by.items():
        keys = [ledger.count((*prefix, "by", dim, g), n) for g, n in groups.items()]
        breakdown_keys[dim] = list(groups)
        # Each person falls in one group (area, channel, or a crime type when nobody has two):
        # the groups then add up to the theme's count, and that sum is protected.
        people = n_participants if dim.startswith("participants") else n_respondents
        if keys and sum(groups.values()) == people:
            ledger.add_total(part_key if dim.startswith("participants") else resp_key, keys)
    ledger.add_total(seg_key, [ledger.count((*prefix, "src", s), n) for s, n in sources.items()])
    if has_scores:
        band_keys = [ledger.count((*prefix, "sent", b), bands[b]) for b in _BANDS]
        if sum(bands.values()) == len(members):
            ledger.add_total(seg_key, band_keys)
    has_direction = any(d != NOT_GIVEN for d in directions)
    if has_direction:
        ledger.add_total(
            seg_key, [ledger.count((*prefix, "dir", d), n) for d, n in directions.items()]
        )
    return {
        "members": members,
        "breakdown": breakdown_keys,
        "sources": list(sources),
        "directions": list(directions) if has_direction else [],
        "kinds": kinds,
        "score_mean": round(counted["score_sum"] / sum(bands.values()), 4) if bands else None,
        "has_sentiment": has_scores,
        "ids": counted.get("ids"),
    }


_QUOTE_TRIES = 200


def _length_band(text: str) -> int:
    """0 for a quote of readable length (8 to 60 words), else 1 (as pick_quotes ranks)."""
    return 0 if 7 <= text.count(" ") <= 59 else 1


def _theme_summary(
    theme: Any,
    plan: Mapping[str, Any],
    seg_list: Sequence[tuple[Segment, tuple, _Facts, int, str]],
    seg_index: Mapping[str, int],
    ledger: Disclosure,
    *,
    quote_order: Sequence[tuple[float, int, str]],
    redactor: Any,
    quotes_per_theme: int,
    quote_min_confidence: float,
    places: Iterable[str],
    names: Sequence[str],
) -> ThemeSummary:
    prefix = ("t", theme.id)
    respondents = ledger.cell((*prefix, "respondents"), ("tb", "respondents"))
    participants = ledger.cell((*prefix, "participants"), ("tb", "participants"))
    segments = ledger.cell((*prefix, "segments"))
    kinds = plan["kinds"]
    if kinds["machine"] and kinds["person"]:
        coded_by = CODED_BY_BOTH
    elif kinds["machine"]:
        coded_by = CODED_BY_MACHINE
    elif kinds["person"]:
        coded_by = CODED_BY_PEOPLE
    else:
        coded_by = ""  # nothing coded
    breakdown = {
        dim: {g: ledger.cell((*prefix, "by", dim, g)) for g in groups}
        for dim, groups in plan["breakdown"].items()
        if groups
    }
    breakdown["source"] = {
        s: ledger.cell((*prefix, "src", s), (*prefix, "segments")) for s in plan["sources"]
    }
    sentiment = (
        {b: ledger.cell((*prefix, "sent", b), (*prefix, "segments")) for b in _BANDS}
        if plan["has_sentiment"]
        else {}
    )
    directions = {
        d: ledger.cell((*prefix, "dir", d), (*prefix, "segments")) for d in plan["directions"]
    }
    members = plan["members"]
    lookup: dict[str, tuple] = {}

    def allowed(candidate: QuoteCandidate) -> bool:
        segment, person, *_rest = lookup[candidate.segment_id]
        if ledger.hidden((*prefix, "src", _key(segment.source))) == SMALL:
            return False
        # A quote is shown with the theme's count under the filters in force, never with a
        # breakdown cell (it names no group): it is left out when that count, or its source's,
        # is hidden as small. A filter to a small group makes the theme's count small.
        if person[0] == "r":
            return respondents.suppressed != SMALL
        if person[0] == "p":
            return participants.suppressed != SMALL
        return segments.suppressed != SMALL

    quotes: list[Quote] = []
    if segments.suppressed != SMALL and quotes_per_theme > 0:
        # The theme's segments were ranked once (SummaryRecords.quote_order); take the best
        # few of those counted here and make candidates of them only, in pick_quotes' order.
        ranked = list(islice((t for t in quote_order if t[2] in members), _QUOTE_TRIES))
        candidates = []
        for neg_strength, _band, sid in ranked:
            item = seg_list[seg_index[sid]]
            lookup[sid] = item
            candidates.append(QuoteCandidate(sid, item[0].text, item[1], -neg_strength))
        quotes = pick_quotes(
            candidates,
            quotes_per_theme,
            min_strength=quote_min_confidence,
            redactor=redactor,
            places=places,
            names=names,
            allowed=allowed,
        )
    shown_any = respondents.shown or participants.shown or segments.shown
    return ThemeSummary(
        theme=theme.id,
        label=theme.label,
        stage=theme.stage,
        definition=getattr(theme, "definition", ""),
        rank=0,
        respondents=respondents,
        participants=participants,
        segments=segments,
        unreviewed=ledger.cell((*prefix, "unreviewed"), (*prefix, "segments")),
        coded_by=coded_by,
        sentiment_mean=plan["score_mean"] if segments.shown else None,
        sentiment=sentiment,
        directions=directions,
        breakdown=breakdown,
        quotes=tuple(quotes),
        segment_ids=(plan["ids"] or tuple(sorted(members))) if shown_any else (),
    )


# -- JSON ------------------------------------------------------------------------------------


def _to_json(summary: Summary) -> dict[str, Any]:
    def counts(options: Iterable[OptionCount]) -> dict[str, int | None]:
        return {o.value: o.count.value for o in options}

    def percents(options: Iterable[OptionCount]) -> dict[str, float | None]:
        return {o.value: o.count.percent for o in options}

    def values(cells: Mapping[str, Cell]) -> dict[str, int | None]:
        return {k: c.value for k, c in cells.items()}

    questions = {}
    for name, q in summary.questions.items():
        questions[name] = {
            "label": q.label,
            "multiple": q.multiple,
            "base": q.base.value,
            "counts": counts(q.options),
            "percentages": percents(q.options),
            "asked": q.asked.value,
            "prefer_not_to_say": q.prefer_not_to_say.value,
            "not_answered": q.not_answered.value,
            "by_crime_type": {
                g.group: {"base": g.base.value, "counts": counts(g.options)}
                for g in q.by_crime_type
            },
            "by_area": {
                g.group: {"base": g.base.value, "counts": counts(g.options)} for g in q.by_area
            },
        }
    stages = {}
    for stage, s in summary.stages.items():
        stages[stage] = {
            "label": s.label,
            "respondents": s.respondents.value,
            "participants": s.participants.value,
            "segments": s.segments.value,
            "answers_saying_nothing": s.answers_saying_nothing.value,
            "themes": [
                {
                    "theme": t.theme,
                    "label": t.label,
                    "definition": t.definition,
                    "rank": t.rank,
                    "respondents": t.respondents.value,
                    "respondents_percent": t.respondents.percent,
                    "participants": t.participants.value,
                    "participants_percent": t.participants.percent,
                    "segments": t.segments.value,
                    "unreviewed": t.unreviewed.value,
                    "coded_by": t.coded_by,
                    "machine_only": t.machine_only,
                    "sentiment": {"mean": t.sentiment_mean, **values(t.sentiment)},
                    "directions": values(t.directions),
                    "by": {dim: values(cells) for dim, cells in t.breakdown.items()},
                    "quotes": [q.text for q in t.quotes],
                }
                for t in s.themes
            ],
        }
    journey = []
    for row in summary.journey:
        entry: dict[str, Any] = {
            "group": row.group,
            "label": row.label,
            "respondents": row.respondents.value,
            "steps": {
                s.key: {"reached": s.reached.value, "not_reached": s.not_reached.value}
                for s in row.steps
            },
        }
        if row.outcome_base is not None:
            entry["outcome"] = {
                "question": summary.journey_outcome,
                "base": row.outcome_base.value,
                "not_answered": row.outcome_not_answered.value
                if row.outcome_not_answered
                else None,
                "counts": counts(row.outcome),
            }
        journey.append(entry)
    return {
        "questionnaire": summary.questionnaire,
        "threshold": summary.threshold,
        "disclosure": (
            f"Counts below {summary.threshold} (and zeros) are null (ACRO's threshold rule); "
            "so is any count from which a hidden count could be worked out (secondary "
            "suppression)."
        ),
        "filters": summary.filters.as_dict(),
        "respondents": {
            "total": summary.respondents.value,
            "by_channel": values(summary.by_channel),
            "by_area": values(summary.by_area),
            "by_crime_type": values(summary.by_crime_type),
        },
        "questions": questions,
        "themes_base": values(summary.themes_base),
        "stages": stages,
        "journey": journey,
    }


# -- the segments behind a count -------------------------------------------------------------


@dataclass(frozen=True)
class CountRef:
    """Names one count of a :class:`Summary`, to list the segments behind it.

    A theme's count (``stage`` and ``theme``), a closed question's option count (``question``
    and ``option``) or a respondents' group count (neither); each optionally within a group
    of a breakdown (``dim`` and ``group``: ``crime_type``, ``area``, ``channel``, ``source``,
    ``participants_crime_type``, ``participants_area``, ``participants_source``).
    """

    stage: str | None = None
    theme: str | None = None
    question: str | None = None
    option: str | None = None
    dim: str | None = None
    group: str | None = None


_RESPONDENT_DIMS = ("crime_type", "area", "channel")


def cell_of(summary: Summary, ref: CountRef) -> Cell | None:
    """The published cell ``ref`` names, or None when the summary has no such count."""
    if ref.theme is not None:
        stage = summary.stages.get(ref.stage or "")
        entry = next((t for t in stage.themes if t.theme == ref.theme), None) if stage else None
        if entry is None:
            return None
        if ref.dim is None:
            shown = [c for c in (entry.respondents, entry.participants, entry.segments) if c.shown]
            return shown[0] if shown else entry.segments
        return entry.breakdown.get(ref.dim, {}).get(ref.group or "")
    if ref.question is not None:
        question = summary.questions.get(ref.question)
        if question is None:
            return None
        options = question.options
        if ref.dim is not None:
            groups = {"crime_type": question.by_crime_type, "area": question.by_area}
            found = next((g for g in groups.get(ref.dim, ()) if g.group == ref.group), None)
            if found is None:
                return None
            options = found.options
        return next((o.count for o in options if o.value == ref.option), None)
    tables = {
        "channel": summary.by_channel,
        "area": summary.by_area,
        "crime_type": summary.by_crime_type,
    }
    return tables.get(ref.dim or "", {}).get(ref.group or "")


def _in_group(person: tuple, facts: _Facts, source: str, dim: str, group: str) -> bool:
    """Whether a segment's person falls in ``group`` of breakdown ``dim`` (as counted)."""
    if dim == "source":
        return source == group
    participants = dim.startswith("participants_")
    if person[0] != ("p" if participants else "r"):
        return False
    base = dim.removeprefix("participants_")
    if base == "crime_type":
        return group in (facts.crime_types or (NOT_GIVEN,))
    if base in ("area", "channel", "source"):
        return _key(getattr(facts, base)) == group
    return False


def segments_behind(
    records: SummaryRecords,
    summary: Summary,
    ref: CountRef,
    *,
    empty_answers: Iterable[str] = EMPTY_ANSWERS,
) -> tuple[str, ...] | None:
    """The ids of the segments behind one count of ``summary`` (made from ``records``).

    A theme's count: the segments carrying the theme (within the group, when ``ref`` names
    one). A closed question's count or a respondents' group: the free-text segments that say
    something of the respondents counted in it. Worked out from the published summary: a
    hidden count has no segments behind it (an empty tuple); None when the summary has no such
    count.
    """
    cell = cell_of(summary, ref)
    if cell is None:
        return None
    if not cell.shown:
        return ()
    empties = empty_answers if isinstance(empty_answers, frozenset) else frozenset(empty_answers)
    items = records.segment_items(empties)
    if ref.theme is not None:
        stage = summary.stages[ref.stage or ""]
        entry = next(t for t in stage.themes if t.theme == ref.theme)
        ids = set(entry.segment_ids)
        if ref.dim is None:
            return tuple(sorted(ids))
        return tuple(
            sorted(
                segment.id
                for segment, person, facts, _band, source in items.said
                if segment.id in ids and _in_group(person, facts, source, ref.dim, ref.group or "")
            )
        )
    filters = summary.filters
    if filters.source not in (None, "survey"):
        return ()
    chosen = set()
    for i, (r, facts) in enumerate(zip(records.respondents, records.facts, strict=True)):
        if not filters._facts_match(facts):
            continue
        if ref.dim is not None and not _in_group(("r",), facts, "", ref.dim, ref.group or ""):
            continue
        if ref.question is not None:
            answer = r.answers.get(ref.question)
            if answer is None or str(answer.state) != "answered":
                continue
            if ref.option not in _value_keys(answer.value):
                continue
        chosen.add(i)
    return tuple(
        sorted(
            item[0].id
            for item, owner in zip(items.said, items.said_owners, strict=True)
            if owner in chosen
        )
    )
