"""Quotes safe to publish: answers that say nothing, identifying details left after redaction,
near-duplicates, and the choice of a few representative quotes per theme.

A quote is shown only after :class:`analysis.redaction.Redactor` has replaced the details it
finds, and only if what is left names no person, place or date that the redactor let through
(:func:`identifying_details`): a capitalised word in mid-sentence that is not a known service,
role or common word, a local place name, a date, month or year. That check is deliberately
cautious: it drops some harmless quotes ("we went to Asda" is kept, "we went to Greggs" is not)
rather than publish one that points at somebody.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from analysis._redaction_lists import MONTHS, NEVER_NAMES, TITLES
from analysis.redaction import Redactor
from analysis.text import fast_tokenize

__all__ = [
    "DEFAULT_PLACES",
    "EMPTY_ANSWERS",
    "Quote",
    "QuoteCandidate",
    "identifying_details",
    "near_duplicate",
    "pick_quotes",
    "says_nothing",
]

#: Answers that say nothing, compared after lower-casing and removing punctuation ("N/A." is
#: "na"). They are left out of a theme's base and counted apart.
EMPTY_ANSWERS = frozenset(
    [
        "",
        "no",
        "nope",
        "na",
        "n a",
        "none",
        "nil",
        "nothing",
        "nothing to add",
        "nothing else",
        "nothing else to add",
        "nothing more to add",
        "nothing to say",
        "no comment",
        "no comments",
        "not applicable",
        "no thanks",
        "no thank you",
        "not really",
        "dont know",
        "do not know",
        "not sure",
        "none thanks",
        "no nothing",
        "same as above",
        "see above",
        "as above",
    ]
)

#: Local places a quote must not name (the five Merseyside areas, their towns and districts),
#: matched as whole words in any case. Extend it with ``places=`` where the summary is built.
DEFAULT_PLACES = frozenset(
    [
        *"""
        Knowsley Liverpool Sefton Wirral Bootle Kirkby Huyton Prescot Halewood Whiston Birkenhead
        Wallasey Hoylake Heswall Bebington Southport Crosby Formby Maghull Litherland Netherton
        Speke Garston Toxteth Walton Anfield Everton Aintree Kensington Croxteth Allerton Woolton
        Wavertree Childwall Kirkdale Fazakerley Dingle Haydock Rainhill Eccleston Widnes Runcorn
        Halton Seacombe Moreton Prenton Tranmere Waterloo Ainsdale Birkdale Netherley Tuebrook
        Stoneycroft
        """.split(),  # noqa: SIM905 (a block of words reads better than a list literal)
        "St Helens",
        "St. Helens",
        "Norris Green",
        "Belle Vale",
        "Knotty Ash",
        "Old Swan",
        "Edge Hill",
        "Rock Ferry",
        "Newton-le-Willows",
    ]
)

_SAFE_WORDS = frozenset(NEVER_NAMES) - {w.lower() for p in DEFAULT_PLACES for w in p.split()}
_TITLE_WORDS = frozenset(TITLES)
_MONTHS_RE = "|".join(sorted((m for m in MONTHS if m != "May"), key=len, reverse=True))
_DATE_RES = (
    re.compile(r"\b\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b"),
    re.compile(r"\b\d{1,2}(?:st|nd|rd|th)\b", re.IGNORECASE),
    re.compile(rf"\b(?:{_MONTHS_RE})\b\.?"),
    re.compile(r"\bMay\b(?=\s*\d)|(?<=\d\s)May\b|\b(?i:in|of|on|since|until|last) May\b"),
    re.compile(r"\b(?:19[5-9]\d|20[0-4]\d)\b"),
)
_CAPITALISED_RE = re.compile(r"\b[A-Z][a-z]+(?:['’][a-z]+)?(?:-[A-Z][a-z]+)?\b")
_PLACEHOLDER_RE = re.compile(r"\[[a-z ]+\]")
_NOT_WORD_RE = re.compile(r"[^\w\s]+")
_LETTER_RE = re.compile(r"[^\W\d_]")
#: Texts longer than this are never among EMPTY_ANSWERS, punctuation and spaces included.
_LONGEST_EMPTY = 3 * max(len(e) for e in EMPTY_ANSWERS) + 10
_SPACES_RE = re.compile(r"\s+")


def _normalise(text: str) -> str:
    text = text.lower().replace("’", "").replace("'", "")
    return _SPACES_RE.sub(" ", _NOT_WORD_RE.sub(" ", text)).strip()


def says_nothing(text: str, empty_answers: Iterable[str] = EMPTY_ANSWERS) -> bool:
    """True when an answer says nothing: empty, no letters, or one of ``empty_answers``.

    Parameters
    ----------
    text : str
    empty_answers : iterable of str, default=EMPTY_ANSWERS
        Compared after lower-casing and removing punctuation (so "N/A" matches "na").

    Returns
    -------
    bool
    """
    text = text or ""
    default = empty_answers is EMPTY_ANSWERS
    if not default:
        empty_answers = list(empty_answers)
    longest = _LONGEST_EMPTY if default else 3 * max(map(len, empty_answers), default=0) + 10
    if len(text) > longest or text.count(" ") > 8:
        # Longer than any empty answer could be once normalised (or nine words and more): it
        # says something if it has a letter at all. Most answers take this quick path.
        return _LETTER_RE.search(text) is None
    norm = _normalise(text)
    if not any(ch.isalpha() for ch in norm):
        return True
    if default:
        return norm in EMPTY_ANSWERS
    return norm in {_normalise(e) for e in empty_answers}


@lru_cache(maxsize=16)
def _phrase_re(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """One case-insensitive whole-word pattern for some phrases (longest first)."""
    if not phrases:
        return None
    alternation = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.IGNORECASE)


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'“‘(")
    return not before or before[-1] in ".!?\n:;"


def identifying_details(
    text: str, places: Iterable[str] = DEFAULT_PLACES, names: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """Details that could identify someone, left in an (already redacted) text.

    Parameters
    ----------
    text : str
        The text after redaction.
    places : iterable of str, default=DEFAULT_PLACES
        Place names that must not appear (whole words, any case).
    names : iterable of str, optional
        Personal names that must not appear (whole words, any case).

    Returns
    -------
    list of (kind, text)
        ``kind`` is ``"name"``, ``"place"`` or ``"date"``; empty when the text names nobody.
    """
    found: list[tuple[str, str]] = []
    bare = _PLACEHOLDER_RE.sub(" ", text)
    for pattern in _DATE_RES:
        found.extend(("date", m.group(0)) for m in pattern.finditer(bare))
    place_words: set[str] = set()
    for kind, phrases in (("place", places), ("name", names)):
        pattern = _phrase_re(tuple(sorted(set(phrases))))
        if pattern is None:
            continue
        for m in pattern.finditer(bare):
            found.append((kind, m.group(0)))
            place_words.update(m.group(0).lower().split())
    for m in _CAPITALISED_RE.finditer(bare):
        word = m.group(0)
        low = word.lower().replace("’", "'")
        if low in place_words:
            continue
        if low in _SAFE_WORDS or word in _TITLE_WORDS or _sentence_start(bare, m.start()):
            continue
        if any(kind == "date" and word in hit for kind, hit in found):
            continue
        found.append(("name", word))
    return found


def _word_set(text: str) -> frozenset[str]:
    return frozenset(fast_tokenize(text))


def near_duplicate(
    a: frozenset[str], b: frozenset[str], threshold: float = 0.6, contained: float = 0.8
) -> bool:
    """True when two texts' word sets overlap by at least ``threshold`` (Jaccard similarity), or
    when at least ``contained`` of the smaller set's words are in the other: an answer that
    repeats a sentence of a longer one (two answers joined, or one copied into another) adds
    nothing beside it, though the longer one's extra words keep the Jaccard similarity low."""
    if not a or not b:
        return a == b
    shared = len(a & b)
    return shared / len(a | b) >= threshold or shared / min(len(a), len(b)) >= contained


@dataclass(frozen=True)
class QuoteCandidate:
    """A segment that could be quoted for a theme.

    Parameters
    ----------
    segment_id : str
    text : str
        The original text (redacted before it is shown).
    person : hashable
        Who said it (a respondent or focus-group participant); one quote per person per theme.
    strength : float
        How sure the coding is: 1.0 when a person coded or accepted it, else the machine's
        confidence.
    """

    segment_id: str
    text: str
    person: Hashable
    strength: float


@dataclass(frozen=True)
class Quote:
    """A redacted quote chosen for a theme, with the segment it came from (for a link)."""

    segment_id: str
    text: str


def _rank(candidate: QuoteCandidate) -> tuple:
    words = candidate.text.count(" ") + 1
    return (-candidate.strength, 0 if 8 <= words <= 60 else 1, candidate.segment_id)


def pick_quotes(
    candidates: Iterable[QuoteCandidate],
    n: int = 3,
    *,
    min_strength: float = 0.7,
    redactor: Redactor | None = None,
    places: Iterable[str] = DEFAULT_PLACES,
    names: Sequence[str] = (),
    allowed: Callable[[QuoteCandidate], bool] | None = None,
    max_tries: int = 200,
) -> list[Quote]:
    """Choose up to ``n`` representative quotes, redacted and identifying nobody.

    Candidates are taken strongest coding first, then those of a readable length (8 to 60
    words); a candidate is skipped when its coding is weaker than ``min_strength``, its person
    already has a quote, ``allowed`` refuses it (e.g. it comes from a suppressed cell), what is
    left after redaction still names a person, place or date, or it nearly repeats a quote
    already chosen.

    Parameters
    ----------
    candidates : iterable of QuoteCandidate
    n : int, default=3
    min_strength : float, default=0.7
    redactor : Redactor, optional
        Defaults to ``Redactor(names=names)``.
    places, names : iterable of str
        Passed to :func:`identifying_details`.
    allowed : callable, optional
        Returns False for a candidate that must not be quoted.
    max_tries : int, default=200
        Candidates examined at most (keeps large themes fast).

    Returns
    -------
    list of Quote
    """
    if n <= 0:
        return []
    redactor = redactor or Redactor(names=names)
    places = frozenset(places)
    chosen: list[Quote] = []
    chosen_words: list[frozenset[str]] = []
    people: set[Hashable] = set()
    ordered = heapq.nsmallest(
        max_tries, (c for c in candidates if c.strength >= min_strength), key=_rank
    )
    for candidate in ordered:
        if candidate.person in people or (allowed is not None and not allowed(candidate)):
            continue
        text = redactor.redact(candidate.text).text.strip()
        if not text or identifying_details(text, places, names):
            continue
        words = _word_set(text)
        if any(near_duplicate(words, other) for other in chosen_words):
            continue
        chosen.append(Quote(candidate.segment_id, text))
        chosen_words.append(words)
        people.add(candidate.person)
        if len(chosen) == n:
            break
    return chosen
