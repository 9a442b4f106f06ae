"""Rule coder: suggests themes from a codebook's indicative words and phrases, before any training.

Matching rules (also in ``docs/analysis.md``):

* Text and indicators are tokenised with :func:`analysis.text.tokenize` and compared by Snowball
  stem, so "believed", "believe" and "believing" are the same word.
* A phrase matches when its words appear in order within one sentence, with at most ``max_gap``
  other words between neighbours ("kept informed" matches "kept me informed").
* Negation scope starts at a cue (not, no, never, nobody, nothing, without, n't ...) and ends at
  ``. : ; ! ?``, a comma, or a word that joins or contrasts clauses (and, but, so, because,
  when, which, although ...): "didn't believe me and said it was just a domestic" negates
  "believe me" only. A plain indicator only matches
  words outside a negation scope; an indicator that contains a negation cue ("not kept
  informed", "can't sleep") only matches when its words after the cue are inside one. The words
  before the cue and the cue itself are not required, so "not kept informed" also matches "I was
  never kept informed" and "nobody kept me informed".
* Each matched indicator adds ``(1 + 0.5 * (words - 1)) / k`` to the theme's score, where ``k``
  is the number of themes listing the same indicator (shared words count for less). A parent
  theme also scores its sub-themes' indicators. Confidence is ``1 - 0.6 ** score``, at most 0.95.
* Names of services ("Victim Care", "Victim Support", "Witness Care", :data:`SERVICE_NAMES`)
  are read as one word each, so the words inside them trigger nothing ("care" in "Victim Care"
  is not "caring"); an indicator that names the service itself still matches it.
* Direction: an indicator ending in " (+)" reports a good experience, " (-)" a bad one. Each
  coding's ``direction`` is "positive" or "negative" when only such indicators matched, "mixed"
  when both did, and None when none of its matched indicators has a direction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from analysis.codebook import Codebook, split_direction
from analysis.records import Coding, Segment
from analysis.text import fast_tokenize, stem, tokenize

__all__ = ["NEGATION_CUES", "SERVICE_NAMES", "RuleCoder", "negation_flags"]

SERVICE_NAMES = (
    # Merseyside and national services victims name in answers, including every service in
    # questionnaires/support-services.yaml (a test keeps them in step). Lower case.
    *("victim care", "victim care merseyside", "victim support", "witness care"),
    *("witness service", "citizens advice", "women's aid", "rape crisis"),
    *("rape crisis 24/7 support line", "national domestic abuse helpline", "men's advice line"),
    *("galop", "karma nirvana", "stop hate uk", "samaritans", "childline", "refuge"),
    *("action fraud", "crimestoppers", "victims' commissioner", "restorative justice service"),
)
"""Service names read as one word by :class:`RuleCoder` (its ``service_names`` default)."""

_SERVICE_MARK = "\x00"  # starts a service token: never stemmed, never a negation cue

NEGATION_CUES = frozenset(
    {
        *("not", "no", "never", "nothing", "nowhere", "noone", "none", "nobody", "neither"),
        *("nor", "without", "cannot", "n't", "havent", "hasnt", "hadnt", "cant", "couldnt"),
        *("shouldnt", "wont", "wouldnt", "dont", "doesnt", "didnt", "isnt", "arent", "aint"),
        *("wasnt", "werent"),
    }
)
"""Words that open a negation scope (NLTK's list plus nobody, neither, nor, without)."""

_SCOPE_END = frozenset(".:;!?")
# Words and marks that close a negation scope without ending the sentence: contrasts and
# clause joins ("didn't believe me and said it was just a domestic").
_CLAUSE_BREAK = frozenset(
    {",", "but", "however", "although", "though", "yet", "whereas", "except", "and", "so"}
    | {"because", "as", "then", "when", "which", "who", "until", "since"}
)
_MAX_CONFIDENCE = 0.95


def _direction_of(found: set[str]) -> str | None:
    """One coding's direction from its matched indicators' directions."""
    if len(found) > 1:
        return "mixed"
    return next(iter(found), None)


def _is_cue(token: str) -> bool:
    return token in NEGATION_CUES or token.endswith("n't")


def negation_flags(tokens: Sequence[str]) -> list[bool]:
    """Whether each token lies in a negation scope (cues themselves are not in scope).

    Parameters
    ----------
    tokens : sequence of str
        Lower-cased tokens with punctuation kept.

    Returns
    -------
    list of bool
    """
    flags = []
    in_scope = False
    for token in tokens:
        if token in _SCOPE_END or token in _CLAUSE_BREAK:
            in_scope = False
            flags.append(False)
        elif _is_cue(token):
            flags.append(False)
            in_scope = True
        else:
            flags.append(in_scope)
    return flags


@dataclass(frozen=True)
class _Indicator:
    """A compiled indicator: the stems that must match and whether they must be negated."""

    text: str
    stems: tuple[str, ...]
    negated: bool


def _stem(token: str) -> str:
    return token if token.startswith(_SERVICE_MARK) else stem(token)


def _merge_services(tokens: list[str], services: dict[str, list[tuple[str, ...]]]) -> list[str]:
    """Tokens with each service name (longest first) replaced by one service token."""
    if not services:
        return tokens
    merged: list[str] = []
    i = 0
    while i < len(tokens):
        for name in services.get(tokens[i], ()):
            if tuple(tokens[i : i + len(name)]) == name:
                merged.append(_SERVICE_MARK + " ".join(name))
                i += len(name)
                break
        else:
            merged.append(tokens[i])
            i += 1
    return merged


def _compile(
    text: str, tokenizer: str, services: dict[str, list[tuple[str, ...]]] | None = None
) -> _Indicator | None:
    tokens = _merge_services(_tokens(text, tokenizer), services or {})
    words = [t for t in tokens if any(c.isalnum() for c in t) or t == "n't"]
    cue = next((i for i, t in enumerate(words) if _is_cue(t)), None)
    if cue is not None:
        words = words[cue + 1 :]
    words = [w for w in words if not _is_cue(w)]
    if not words:
        return None
    return _Indicator(text, tuple(_stem(w) for w in words), cue is not None)


def _tokens(text: str, tokenizer: str) -> list[str]:
    if tokenizer == "nltk":
        return tokenize(text, keep_punctuation=True)
    if tokenizer == "fast":
        return fast_tokenize(text, keep_punctuation=True)
    raise ValueError(f"tokenizer must be 'nltk' or 'fast', not {tokenizer!r}")


class RuleCoder:
    """Explainable theme suggestions from a codebook's indicative words and phrases.

    Parameters
    ----------
    codebook : Codebook
        Themes and their indicators.
    min_confidence : float, default 0.0
        Codings below this confidence are dropped (0 keeps every match).
    max_gap : int, default 2
        Most words allowed between neighbouring words of a phrase.
    tokenizer : {"fast", "nltk"}, default "fast"
        Tokeniser from :mod:`analysis.text`: "fast" gives NLTK's tokens for ordinary prose about
        three times faster overall; "nltk" runs NLTK's own tokenizer.
    service_names : sequence of str, optional
        Names of services read as one word, so that their words trigger no indicator ("care"
        in "Victim Care"); :data:`SERVICE_NAMES` by default.

    Examples
    --------
    >>> coder = RuleCoder(load_codebook("questionnaires/codebooks/victims-services.yaml"))
    >>> [(c.theme_id, c.matched) for c in coder.code_text("Nobody kept me informed.")]
    [('kept_informed', ('not kept informed',))]
    """

    def __init__(
        self,
        codebook: Codebook,
        min_confidence: float = 0.0,
        max_gap: int = 2,
        tokenizer: str = "fast",
        service_names: Sequence[str] | None = None,
    ) -> None:
        self.codebook = codebook
        self.min_confidence = min_confidence
        self.max_gap = max_gap
        self.tokenizer = tokenizer
        self.service_names = service_names
        self._services: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for name in SERVICE_NAMES if service_names is None else service_names:
            words = tuple(_tokens(name, tokenizer))
            if words and words not in self._services[words[0]]:
                self._services[words[0]].append(words)
        for names in self._services.values():
            names.sort(key=len, reverse=True)
        self.theme_ids = codebook.theme_ids
        self._stage = {t.id: t.stage for t in codebook.all_themes()}
        # Indicators with the same stems and negation ("waited", "waiting") count once.
        self._unique: list[_Indicator] = []
        index: dict[tuple[tuple[str, ...], bool], int] = {}
        own: dict[str, list[int]] = {}
        owners: dict[int, set[str]] = defaultdict(set)
        # The direction each theme (or the sub-theme that lists it) gives an indicator.
        self._direction: dict[tuple[str, int], str | None] = {}
        direction_in: dict[tuple[str, int], str | None] = {}
        for theme in codebook.all_themes():
            own[theme.id] = []
            for text in theme.indicators:
                words, direction = split_direction(text)
                ind = _compile(words, tokenizer, self._services)
                if ind is None:
                    continue
                key = (ind.stems, ind.negated)
                if key not in index:
                    index[key] = len(self._unique)
                    self._unique.append(ind)
                if index[key] not in own[theme.id]:
                    own[theme.id].append(index[key])
                    direction_in[(theme.id, index[key])] = direction
                owners[index[key]].add(theme.id)
        # Each theme scores its own indicators and its sub-themes'.
        self._indicators: dict[str, list[tuple[int, float]]] = {}
        for theme in codebook.all_themes():
            entries = {}
            for member in theme.walk():
                for i in own[member.id]:
                    weight = 1.0 + 0.5 * (len(self._unique[i].stems) - 1)
                    entries[i] = weight / len(owners[i])
                    self._direction.setdefault((theme.id, i), direction_in[(member.id, i)])
            self._indicators[theme.id] = list(entries.items())
        # Look-ups from a text's words to the indicators and themes they can trigger.
        self._by_first: dict[str, list[int]] = defaultdict(list)
        for i, ind in enumerate(self._unique):
            self._by_first[ind.stems[0]].append(i)
        self._themes_of: dict[int, list[tuple[str, float]]] = defaultdict(list)
        for theme_id, entries in self._indicators.items():
            for i, weight in entries:
                self._themes_of[i].append((theme_id, weight))

    @property
    def coder_id(self) -> str:
        """The coder recorded on each coding: codebook name and content version."""
        return f"rules:{self.codebook.name}-{self.codebook.version}"

    def _analyse(self, text: str) -> tuple[dict[str, list[int]], list[str], list[bool], list[int]]:
        tokens = _merge_services(_tokens(text, self.tokenizer), self._services)
        flags = negation_flags(tokens)
        stems: list[str] = []
        negated: list[bool] = []
        sentence: list[int] = []
        current = 0
        for token, flag in zip(tokens, flags, strict=True):
            if token in _SCOPE_END:
                current += 1
                continue
            if _is_cue(token) or not any(c.isalnum() for c in token):
                continue
            stems.append(_stem(token))
            negated.append(flag)
            sentence.append(current)
        positions: dict[str, list[int]] = defaultdict(list)
        for i, s in enumerate(stems):
            positions[s].append(i)
        return positions, stems, negated, sentence

    def _found(self, ind: _Indicator, analysed) -> bool:
        positions, stems, negated, sentence = analysed
        for start in positions.get(ind.stems[0], ()):
            if negated[start] != ind.negated:
                continue
            at = start
            for want in ind.stems[1:]:
                nxt = next(
                    (
                        j
                        for j in range(at + 1, min(at + 2 + self.max_gap, len(stems)))
                        if stems[j] == want and sentence[j] == sentence[start]
                    ),
                    None,
                )
                if nxt is None or negated[nxt] != ind.negated:
                    break
                at = nxt
            else:
                return True
        return False

    def match(
        self, text: str, stage: str | None = None
    ) -> dict[str, tuple[float, tuple[str, ...]]]:
        """Score every theme (of ``stage``, if given) that has a matching indicator.

        Parameters
        ----------
        text : str
        stage : str, optional
            Only themes of this stage are considered.

        Returns
        -------
        dict
            Theme id to ``(confidence, matched indicators)``.
        """
        return {theme_id: found[:2] for theme_id, found in self._score(text, stage).items()}

    def _score(
        self, text: str, stage: str | None
    ) -> dict[str, tuple[float, tuple[str, ...], str | None]]:
        """Theme id to confidence, matched indicators and direction."""
        analysed = self._analyse(text)
        found = sorted(
            i
            for first in analysed[0]
            for i in self._by_first.get(first, ())
            if self._found(self._unique[i], analysed)
        )
        scores: dict[str, float] = defaultdict(float)
        matched: dict[str, list[str]] = defaultdict(list)
        directions: dict[str, set[str]] = defaultdict(set)
        for i in found:
            for theme_id, weight in self._themes_of[i]:
                if stage is None or self._stage[theme_id] == stage:
                    scores[theme_id] += weight
                    matched[theme_id].append(self._unique[i].text)
                    if direction := self._direction[(theme_id, i)]:
                        directions[theme_id].add(direction)
        return {
            theme_id: (
                round(min(_MAX_CONFIDENCE, 1.0 - 0.6 ** scores[theme_id]), 3),
                tuple(matched[theme_id]),
                _direction_of(directions[theme_id]),
            )
            for theme_id in self.theme_ids
            if theme_id in scores
        }

    def code_text(self, text: str, stage: str | None = None, segment_id: str = "") -> list[Coding]:
        """Codings for one text, most confident first.

        Parameters
        ----------
        text : str
        stage : str, optional
            Restrict to the themes of this stage.
        segment_id : str, optional
            Recorded on each coding.

        Returns
        -------
        list of Coding
            Each with ``matched`` set to the indicators that matched and ``direction`` to
            "positive", "negative", "mixed" or None (see the module docstring).
        """
        codings = [
            Coding(segment_id, theme_id, self.coder_id, confidence, matched, direction=direction)
            for theme_id, (confidence, matched, direction) in self._score(text, stage).items()
            if confidence >= self.min_confidence
        ]
        return sorted(codings, key=lambda c: (-c.confidence, self.theme_ids.index(c.theme_id)))

    def code(self, segments: Iterable[Segment]) -> list[Coding]:
        """Code each segment within its own stage (all stages when it has none)."""
        return [
            coding
            for segment in segments
            for coding in self.code_text(segment.text, segment.stage, segment.id)
        ]

    def predict_proba(
        self, texts: Sequence[str], stages: Sequence[str | None] | None = None
    ) -> np.ndarray:
        """Confidence of every theme for every text, as a matrix.

        Parameters
        ----------
        texts : sequence of str
        stages : sequence of str or None, optional
            Stage of each text; themes of other stages get 0.

        Returns
        -------
        ndarray of shape (n_texts, n_themes)
            Columns in the order of :attr:`theme_ids`.
        """
        out = np.zeros((len(texts), len(self.theme_ids)))
        column = {t: i for i, t in enumerate(self.theme_ids)}
        for row, text in enumerate(texts):
            stage = stages[row] if stages is not None else None
            for theme_id, (confidence, _) in self.match(text, stage).items():
                out[row, column[theme_id]] = confidence
        return out
