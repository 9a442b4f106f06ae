"""Redaction of identifying details from quotes, with typed placeholders and explainable spans.

Rules, not a trained model: each detail type has patterns that need a cue or a distinctive shape,
so ordinary capitalised words (sentence starts, "Police", "Victim Support", "Liverpool") are kept.
Found spans are reported with their type and offsets so a reviewer can see why text was hidden.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from analysis._redaction_lists import (
    AMBIGUOUS_NAMES,
    COMMON_FIRST_NAMES,
    MONTHS,
    NAMED_STREET_SUFFIXES,
    NEVER_NAMES,
    RELATION_CUES,
    STREET_SUFFIXES,
    TITLES,
    words,
)

__all__ = [
    "MAX_CHARS",
    "PLACEHOLDERS",
    "REDACTION_TYPES",
    "RedactionResult",
    "RedactionSpan",
    "Redactor",
    "TextTooLongError",
    "evaluate_redaction",
    "redact",
]

REDACTION_TYPES = (
    "email",
    "url",
    "phone",
    "postcode",
    "vehicle",
    "date of birth",
    "address",
    "name",
)
"""Detail types, in priority order: when two spans overlap the earlier type wins."""

PLACEHOLDERS = {kind: f"[{kind}]" for kind in REDACTION_TYPES}
"""Placeholder written in place of each detail type."""

MAX_CHARS = 1_000_000
"""Longest text redacted by default (about 1 MB of prose, some 150,000 words; a few seconds)."""


class TextTooLongError(ValueError):
    """A text longer than the redactor accepts: it is refused, never returned unredacted."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(
            f"text of {length:,} characters is longer than the {limit:,} that redaction accepts; "
            "split it into answers or paragraphs first"
        )
        self.length = length
        self.limit = limit


def _resolve(candidates: Mapping[str, list[tuple[int, int]]]) -> list[tuple[int, int, str]]:
    """Non-overlapping spans ``(start, end, type)`` by position, from each type's candidates.

    A span overlapping one of an earlier type (``REDACTION_TYPES`` order) is dropped; among
    overlapping spans of one type the longest wins, then the earliest. That is the result of
    taking every candidate in (type, -length, start) order and keeping those that overlap
    nothing kept, but in O(n log n): per type, a sweep against the kept spans (sorted and
    disjoint, so their ends are sorted too), then the longest-first choice only inside each
    group of the type's spans that overlap one another.
    """
    kept: list[tuple[int, int, str]] = []
    for kind in REDACTION_TYPES:
        spans = sorted(set(candidates.get(kind, ())))
        free: list[tuple[int, int]] = []
        j = 0
        for start, end in spans:
            while j < len(kept) and kept[j][1] <= start:
                j += 1
            if j == len(kept) or kept[j][0] >= end:
                free.append((start, end))
        chosen: list[tuple[int, int, str]] = []
        group: list[tuple[int, int]] = []
        group_end = -1
        for span in [*free, (-1, -1)]:  # the sentinel closes the last group
            if group and (span[0] >= group_end or span[0] < 0):
                chosen.extend((s, e, kind) for s, e in _longest_first(group))
                group = []
            if span[0] >= 0:
                group.append(span)
                group_end = span[1] if len(group) == 1 else max(group_end, span[1])
        if chosen:
            kept = sorted(kept + chosen)
    return kept


def _longest_first(group: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans of one type that overlap one another: keep the longest, then the earliest, and so
    on, each only if it overlaps none kept (kept spans are found by bisection)."""
    if len(group) == 1:
        return group
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted(group, key=lambda sp: (sp[0] - sp[1], sp[0])):
        i = bisect.bisect_right(starts, start)
        if (i > 0 and ends[i - 1] > start) or (i < len(starts) and starts[i] < end):
            continue
        starts.insert(i, start)
        ends.insert(i, end)
    return list(zip(starts, ends, strict=True))


@dataclass(frozen=True)
class RedactionSpan:
    """One identifying detail found in a text: its type and character offsets (end exclusive)."""

    type: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class RedactionResult:
    """The redacted text and the spans of the original text that were replaced."""

    text: str
    spans: tuple[RedactionSpan, ...] = field(default_factory=tuple)


def _alternation(words: Iterable[str]) -> str:
    """Regex alternation of literal words, longest first so "ex-partner" wins over "ex"."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_NAME_WORD = r"(?:Mc|Mac|O')?[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
_TITLE_WORDS = frozenset(TITLES)
_NAME_WORD_RE = re.compile(rf"\b{_NAME_WORD}\b")
_FOLLOWING_NAME_RE = re.compile(rf"[ \t]+({_NAME_WORD})\b")

# Linear time (issue 13). The old pattern, \b[\w.+'-]+@domain, rescanned a run of local-part
# characters from every word boundary in it. This one visits each run once, from its start, and
# only when "@" and a domain follow (the domain is a look-ahead, so the next run may begin inside
# it, as in "a@x.com-b@y.org"); Redactor._emails then starts the address where the old pattern
# would have: at the first word boundary in the run at or after the end of the previous address.
_EMAIL_RE = re.compile(
    r"(?<![\w.+'-])[\w.+'-]*+@(?=(?P<d>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b))"
)
_WORD_BOUNDARY_RE = re.compile(r"\b")
# A bare domain is tried only where a chain of dotted labels begins (not after a label
# character, nor after a dot that follows one), then from the chain's first word boundary, as
# the leftmost match would have been; a failed chain is thus scanned once, not once per label.
_URL_RE = re.compile(
    r"(?i:\b(?:https?://|www\.)[^\s<>\"']++"
    r"|(?<![a-z0-9-])(?<![a-z0-9-]\.)(?>(?:[a-z0-9-]|\.(?=[a-z0-9-]))*?\b(?=[a-z0-9-]))"
    r"(?:(?P<h>(?:https?://|www\.)[^\s<>\"']++)|(?P<d>[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:co\.uk|org\.uk|gov\.uk|ac\.uk|com|org|net|uk|io|me)"
    r"(?:/[^\s<>\"']*)?(?![\w@]))))"
)
_PHONE_RES = (
    re.compile(r"(?<![\w+])(?:\+44|0044)[\s-]?(?:\(0\)[\s-]?)?[1-9](?:[\s-]?\d){8,9}(?![\s-]?\d)"),
    re.compile(r"(?<![\w/.])\(0\d{2,4}\)[\s-]?\d{3,4}[\s-]?\d{3,4}(?![\s-]?\d)"),
    re.compile(r"(?<![\w/.+])0[1-9](?:[\s-]?\d){8,9}(?![\s-]?\d)(?!/)"),
)
_POSTCODE_RE = re.compile(
    r"(?i:\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?|GIR)[ \t]?\d[ABD-HJLNP-UW-Z]{2}\b)"
)
_PARTIAL_POSTCODE_RE = re.compile(
    r"(?i:\bpost\s?code\s*+(?:is|was|:)?\s*+)(?P<v>(?i:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?))\b"
)
_VEHICLE_RES = (
    re.compile(r"\b[A-Z]{2}\d{2}[ \t]?[A-Z]{3}\b"),  # current format, from 2001: AB12 CDE
    re.compile(r"\b[A-HJ-NP-Y]\d{1,3}[ \t]?[A-Z]{3}\b"),  # prefix format, 1983-2001: A123 BCD
    re.compile(r"\b[A-Z]{3}[ \t]?\d{1,3}[A-HJ-NP-Y]\b"),  # suffix format, 1963-1983: ABC 123D
    re.compile(
        r"(?i:\b(?:reg(?:istration)?(?:\s++(?:number|no\.?|plate))?|number\s?plate|plate)"
        r"\s*+(?:number\s*+)?(?:is|was|:|of)?\s*+)"
        # The value must hold a digit and a letter (checked in _vehicles): look-aheads for them
        # scanned the rest of the text from every cue, and passed on a digit beyond the value.
        r"(?P<v>(?i:[A-Z0-9]{2,4}[ \t]?[A-Z0-9]{1,3}))\b"
    ),
)
_HAS_DIGIT_AND_LETTER = re.compile(r"(?=.*\d)(?=.*[A-Za-z])")
_MONTH = _alternation(MONTHS)
_DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s++(?:of\s++)?(?:{_MONTH})\.?(?:,?\s++\d{{4}})?"
    rf"|(?:{_MONTH})\.?\s++\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s++\d{{4}})?)"
)
_DOB_RE = re.compile(
    r"(?i:\b(?:d\.?o\.?b\.?|date\s++of\s++birth|birth\s?date|born(?:\s++on)?"
    r"|birthday(?:\s++is)?)\s*+(?:is|was|:|-)?\s*+(?:the\s++)?)"
    rf"(?P<v>{_DATE})(?!\d)"
)
_ADDRESS_NUMBERED_RE = re.compile(
    r"(?:\b(?i:flat|apartment|apt|unit)\s*+\d++[A-Za-z]?,?\s++)?"
    r"\b\d{1,4}[A-Za-z]?,?[ \t]++(?:[A-Z][a-z']++[ \t]++){1,3}"
    rf"(?:{_alternation(STREET_SUFFIXES)})\b"
)
_ADDRESS_NAMED_RE = re.compile(
    rf"\b(?:[A-Z][a-z']++[ \t]++){{1,2}}(?:{_alternation(NAMED_STREET_SUFFIXES)})\b"
)
_ADDRESS_LEADING_WORDS = frozenset(
    words(
        "on in at from near the to by off up down outside behind along of round around and "
        "my our his her their a an"
    )
)
_RELATION_RE = re.compile(
    r"(?i:\b(?:(?:my|our|his|her|their|the|your|a|an)\s++)?"
    # At most three describing words: with "*" a run of them was rescanned from each word. Only
    # the match's end is used, which a later start in a longer run still finds.
    r"(?:(?:new|old|former|late|elderly|young|younger|older|little|big|eldest|youngest"
    r"|next[- ]door|male|female|lovely)\s++){0,3}"
    rf"(?:{_alternation(RELATION_CUES)}))\b,?[ \t]++"
)
_LOWER_WORD_RE = re.compile(r"[a-z]+\b")
_NAMING_RE = re.compile(
    r"(?i:\b(?:called|named|name\s++(?:is|was)|name's|known\s++as|spoke\s++(?:to|with)"
    r"|talked\s++to|asked\s++for|thanks\s++to|thank\s++you|thanks|thank|signed)"
    r"),?[ \t]++(?=[A-Z])"
)
_TITLE_RE = re.compile(rf"\b(?:{_alternation(TITLES)})\.?[ \t]++(?=[A-Z])")
_ORG_AFTER = (
    r"(?:victim support|police|the police|witness care|the council|council|cps|"
    r"women's aid|refuge|rape crisis|the nhs|nhs|the hospital|housing|social services|"
    r"the idva service|the isva service|citizens advice|the charity|the refuge|the hub|"
    r"the station|the front desk|the court|court)"
)
_NAME_BEFORE_ORG_RE = re.compile(
    rf"\b(?P<v>{_NAME_WORD})(?=[ \t]+(?i:from|at|with)[ \t]+(?i:{_ORG_AFTER})\b)"
)
_NAME_APPOSITION_RE = re.compile(
    rf"\b(?P<v>{_NAME_WORD})(?:,|[ \t]+(?:was|is|became))[ \t]+(?i:(?:my|our|the|her|his)[ \t]+"
    rf"(?:{_alternation(RELATION_CUES)}))\b"
)


_OPENERS = frozenset(" \t\"'“‘(")


def _is_sentence_start(text: str, start: int) -> bool:
    """True when only spaces and opening quotes separate ``start`` from a sentence boundary."""
    # Walk back over the openers only: slicing text[:start] made each check cost the whole prefix.
    i = start - 1
    while i >= 0 and text[i] in _OPENERS:
        i -= 1
    return i < 0 or text[i] in ".!?\n:;"


class Redactor:
    """Finds and replaces identifying details in free text with typed placeholders.

    Parameters
    ----------
    names : iterable of str, optional
        Extra personal names to redact wherever they appear as whole words (case-insensitive),
        for example participants' names from a focus-group register.
    never_names : iterable of str, optional
        Extra capitalised words that must never be taken for a person's name (local places,
        organisations). Added to the built-in list.
    types : sequence of str, optional
        Detail types to look for; all of :data:`REDACTION_TYPES` by default.
    use_common_names : bool, default True
        Also treat common UK first names as names without a context cue.
    max_chars : int, default MAX_CHARS (1,000,000)
        Longest text accepted; a longer one raises :class:`TextTooLongError` rather than being
        cut into pieces (a detail split between two pieces could be missed).
    """

    def __init__(
        self,
        names: Iterable[str] = (),
        never_names: Iterable[str] = (),
        types: Sequence[str] | None = None,
        use_common_names: bool = True,
        max_chars: int = 1_000_000,
    ) -> None:
        self.names = tuple(names)
        self.never_names = tuple(never_names)
        self.types = tuple(types) if types is not None else REDACTION_TYPES
        self.use_common_names = use_common_names
        self.max_chars = max_chars
        unknown = set(self.types) - set(REDACTION_TYPES)
        if unknown:
            raise ValueError(f"unknown redaction types: {sorted(unknown)}")
        self._never = NEVER_NAMES | {w.lower() for w in self.never_names}
        self._custom_re = (
            re.compile(rf"(?i:\b(?:{_alternation(self.names)})\b)") if self.names else None
        )

    def find(self, text: str) -> list[RedactionSpan]:
        """Return the non-overlapping identifying spans in ``text``, ordered by position.

        Parameters
        ----------
        text : str
            The text to scan.

        Returns
        -------
        list of RedactionSpan

        Raises
        ------
        TextTooLongError
            When ``text`` is longer than ``max_chars``; it takes time in proportion to the
            length otherwise.
        """
        if len(text) > self.max_chars:
            raise TextTooLongError(len(text), self.max_chars)
        finders = {
            "email": self._emails,
            "url": self._urls,
            "phone": self._phones,
            "postcode": self._postcodes,
            "vehicle": self._vehicles,
            "date of birth": self._dates_of_birth,
            "address": self._addresses,
            "name": self._names,
        }
        candidates = {
            kind: [(s, e) for s, e in finders[kind](text) if e > s] for kind in self.types
        }
        return [RedactionSpan(kind, s, e, text[s:e]) for s, e, kind in _resolve(candidates)]

    def redact(self, text: str) -> RedactionResult:
        """Replace each identifying span with its placeholder, e.g. "[phone]".

        Parameters
        ----------
        text : str
            The text to redact.

        Returns
        -------
        RedactionResult
            The redacted text and the spans (offsets into the original text).

        Raises
        ------
        TextTooLongError
            When ``text`` is longer than ``max_chars`` (never returned unredacted).
        """
        spans = self.find(text)
        parts: list[str] = []
        last = 0
        for span in spans:
            parts.append(text[last : span.start])
            parts.append(PLACEHOLDERS[span.type])
            last = span.end
        parts.append(text[last:])
        return RedactionResult("".join(parts), tuple(spans))

    # -- finders: each yields (start, end) pairs -------------------------------------------

    @staticmethod
    def _emails(text: str) -> Iterable[tuple[int, int]]:
        after = 0  # end of the previous address: the next may start there, inside a run
        for m in _EMAIL_RE.finditer(text):
            at = m.end() - 1
            start = _WORD_BOUNDARY_RE.search(text, max(m.start(), after), at)
            if start is not None and start.start() < at:  # not the boundary just before "@"
                yield start.start(), m.end("d")
                after = m.end("d")

    @staticmethod
    def _urls(text: str) -> Iterable[tuple[int, int]]:
        for m in _URL_RE.finditer(text):
            inner = "d" if m.group("d") is not None else "h" if m.group("h") is not None else 0
            start, end = m.span(inner)
            while end > start and text[end - 1] in ".,;:!?)]}'\"":
                end -= 1
            yield start, end

    @staticmethod
    def _phones(text: str) -> Iterable[tuple[int, int]]:
        for pattern in _PHONE_RES:
            for m in pattern.finditer(text):
                digits = re.sub(r"\D", "", m.group())
                if digits.startswith("44"):
                    digits = "0" + digits[2:].removeprefix("0")
                elif digits.startswith("0044"):
                    digits = "0" + digits[4:].removeprefix("0")
                # 03xx, 080x and 084x-087x are organisations' and helplines' numbers, not people's.
                if len(digits) not in (10, 11) or digits[:2] in ("03", "08"):
                    continue
                yield m.span()

    @staticmethod
    def _postcodes(text: str) -> Iterable[tuple[int, int]]:
        yield from (m.span() for m in _POSTCODE_RE.finditer(text))
        yield from (m.span("v") for m in _PARTIAL_POSTCODE_RE.finditer(text))

    @staticmethod
    def _vehicles(text: str) -> Iterable[tuple[int, int]]:
        for pattern in _VEHICLE_RES:
            for m in pattern.finditer(text):
                if "v" not in pattern.groupindex:
                    yield m.span()
                elif _HAS_DIGIT_AND_LETTER.match(m.group("v")):
                    yield m.span("v")

    @staticmethod
    def _dates_of_birth(text: str) -> Iterable[tuple[int, int]]:
        return (m.span("v") for m in _DOB_RE.finditer(text))

    @staticmethod
    def _addresses(text: str) -> Iterable[tuple[int, int]]:
        yield from (m.span() for m in _ADDRESS_NUMBERED_RE.finditer(text))
        for m in _ADDRESS_NAMED_RE.finditer(text):
            start, end = m.span()
            words = m.group().split()
            # Drop leading function words ("On Church Street" starts a sentence).
            while len(words) > 1 and words[0].lower() in _ADDRESS_LEADING_WORDS:
                start = text.index(words[1], start + len(words[0]))
                words = words[1:]
            if len(words) > 1:
                yield start, end

    def _is_name_word(self, word: str) -> bool:
        return (
            word.lower() not in self._never
            and word not in STREET_SUFFIXES
            and word not in _TITLE_WORDS
        )

    def _extend(self, text: str, start: int, end: int, grown: dict[int, int]) -> tuple[int, int]:
        """Grow a name span over following capitalised words ("Dave" -> "Dave Smith").

        ``grown`` remembers where a span ending at each position stops growing, so a run of
        capitalised words is walked once, not once per word in it ("Dave Dave Dave ...").
        """
        passed = []
        while end not in grown:
            m = _FOLLOWING_NAME_RE.match(text, end)
            if not m or not self._is_name_word(m.group(1)):
                grown[end] = end
                break
            passed.append(end)
            end = m.end(1)
        final = grown[end]
        for position in passed:
            grown[position] = final
        return start, final

    def _name_after(self, text: str, pos: int, grown: dict[int, int]) -> tuple[int, int] | None:
        m = _NAME_WORD_RE.match(text, pos)
        if not m or not self._is_name_word(m.group()):
            return None
        return self._extend(text, *m.span(), grown)

    def _names(self, text: str) -> Iterable[tuple[int, int]]:
        grown: dict[int, int] = {}
        for cue in (_RELATION_RE, _NAMING_RE, _TITLE_RE):
            for m in cue.finditer(text):
                span = self._name_after(text, m.end(), grown)
                if span:
                    yield span
                elif cue is _RELATION_RE:
                    # "my neighbour dave": a known first name typed in lower case.
                    low = _LOWER_WORD_RE.match(text, m.end())
                    if low and low.group().capitalize() in COMMON_FIRST_NAMES - AMBIGUOUS_NAMES:
                        yield low.span()
        for pattern in (_NAME_BEFORE_ORG_RE, _NAME_APPOSITION_RE):
            for m in pattern.finditer(text):
                if self._is_name_word(m.group("v")):
                    yield self._extend(text, *m.span("v"), grown)
        if self._custom_re is not None:
            for m in self._custom_re.finditer(text):
                yield self._extend(text, *m.span(), grown)
        if self.use_common_names:
            for m in _NAME_WORD_RE.finditer(text):
                word = m.group()
                if word in AMBIGUOUS_NAMES:
                    if _is_sentence_start(text, m.start()) or not self._is_name_word(word):
                        continue
                elif word not in COMMON_FIRST_NAMES:
                    continue
                yield self._extend(text, *m.span(), grown)


_DEFAULT = Redactor()


def redact(text: str, names: Iterable[str] = ()) -> RedactionResult:
    """Redact ``text`` with the default rules plus any extra ``names``.

    Parameters
    ----------
    text : str
        The text to redact.
    names : iterable of str, optional
        Extra personal names to redact.

    Returns
    -------
    RedactionResult
    """
    redactor = Redactor(names=names) if names else _DEFAULT
    return redactor.redact(text)


def evaluate_redaction(
    cases: Iterable[Mapping[str, object]], redactor: Redactor | None = None
) -> dict[str, dict[str, float]]:
    """Recall and precision per type and overall against hand-marked cases.

    A found span counts as correct when an expected span has the same type and the same text.

    Parameters
    ----------
    cases : iterable of mappings
        Each has ``text`` and ``expected``: a list of ``{"type": ..., "text": ...}``.
    redactor : Redactor, optional
        Defaults to ``Redactor()``.

    Returns
    -------
    dict
        Keyed by type and ``"overall"``; each value has ``tp``, ``fp``, ``fn``, ``recall``,
        ``precision``.
    """
    redactor = redactor or Redactor()
    counts: dict[str, list[int]] = {kind: [0, 0, 0] for kind in REDACTION_TYPES}
    for case in cases:
        expected = [(str(e["type"]), str(e["text"])) for e in case.get("expected") or []]  # type: ignore[union-attr]
        found = [(s.type, s.text) for s in redactor.find(str(case["text"]))]
        remaining = list(expected)
        for item in found:
            if item in remaining:
                remaining.remove(item)
                counts[item[0]][0] += 1
            else:
                counts[item[0]][1] += 1
        for kind, _ in remaining:
            counts[kind][2] += 1
    totals = [sum(c[i] for c in counts.values()) for i in range(3)]
    report: dict[str, dict[str, float]] = {}
    for kind, (tp, fp, fn) in [*counts.items(), ("overall", totals)]:
        report[kind] = {
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "recall": tp / (tp + fn) if tp + fn else 1.0,
            "precision": tp / (tp + fp) if tp + fp else 1.0,
        }
    return report
