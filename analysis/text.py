"""Shared text processing: tokens, sentences, stems, negation; only NLTK parts that need no data.

Two tokenisers live here. :func:`tokenize` is NLTK's ``NLTKWordTokenizer`` run on the sentences of
an untrained ``PunktSentenceTokenizer``: the reference, used where accuracy matters more than
speed (rules, redaction, quotes). :func:`fast_tokenize` is one regular expression that reproduces
NLTK's word tokens for ordinary survey prose (contractions split as ``did`` + ``n't``, hyphenated
and decimal words kept whole) about twenty times faster; the learned coder uses it so that 100,000
answers can be coded in seconds. ``tests/analysis/test_text.py`` checks that the two agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from nltk.sentiment.util import mark_negation
from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize import NLTKWordTokenizer
from nltk.tokenize.punkt import PunktSentenceTokenizer

__all__ = [
    "NEGATION_SUFFIX",
    "TextAnalyzer",
    "fast_tokenize",
    "negate",
    "normalize",
    "sentences",
    "stem",
    "tokenize",
]

NEGATION_SUFFIX = "_NEG"

_WORD_TOKENIZER = NLTKWordTokenizer()
_SENTENCE_TOKENIZER = PunktSentenceTokenizer()
_STEMMER = SnowballStemmer("english")

# Curly quotes and apostrophes typed on phones; NLTK would split "didn’t" into "didn", "’", "t".
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00b4": "'"})
_HAS_WORD_CHAR = re.compile(r"[^\W_]")
_CLAUSE_PUNCT = frozenset(".:;!?")
# The same cue words as nltk.sentiment.util.NEGATION_RE (whole-token match, or containing "n't").
_NEGATION_WORDS = frozenset(
    {
        *("never", "no", "nothing", "nowhere", "noone", "none", "not", "havent", "hasnt", "hadnt"),
        *("cant", "couldnt", "shouldnt", "wont", "wouldnt", "dont", "doesnt", "didnt", "isnt"),
        *("arent", "aint"),
    }
)
# One pass over lower-cased text. Order matters: contraction parts first, then the stem before
# "n't" ("did" in "didn't"), NLTK's split words ("can|not", "gon|na"), then ordinary words with
# inner hyphens, dots, commas or apostrophes between word characters ("follow-up", "3,000",
# "o'neill")
# and finally the clause punctuation that closes a negation scope.
_FAST_TOKEN = re.compile(
    r"n't\b"
    r"|'(?:s|m|d|ll|re|ve)\b"
    r"|\w+?(?=n't\b)"
    r"|(?:can(?=not\b)|gon(?=na\b)|gim(?=me\b)|wan(?=na\b)|got(?=ta\b)|lem(?=me\b))"
    r"|[^\W_]\w*(?:(?:[-.,/]|'(?!(?:s|m|d|ll|re|ve)\b))[^\W_]\w*)*"
    r"|[.:;!?]"
)


def normalize(text: str) -> str:
    """Return ``text`` with curly quotes straightened so contractions tokenise the same way."""
    return text.translate(_QUOTES)


def sentences(text: str) -> list[str]:
    """Split ``text`` into sentences with an untrained Punkt tokenizer (needs no NLTK data).

    Parameters
    ----------
    text : str
        Any free text.

    Returns
    -------
    list of str
        The sentences, in order, stripped of surrounding whitespace; empty for blank text.
    """
    return [s.strip() for s in _SENTENCE_TOKENIZER.tokenize(normalize(text)) if s.strip()]


def _nltk_tokens(text: str) -> list[str]:
    """Lower-cased NLTK tokens of every sentence, punctuation included."""
    tokens: list[str] = []
    for sentence in sentences(text):
        tokens.extend(t.lower() for t in _WORD_TOKENIZER.tokenize(sentence))
    return tokens


def tokenize(text: str, keep_punctuation: bool = False) -> list[str]:
    """Split ``text`` into lower-cased word tokens with NLTK's word tokenizer.

    Parameters
    ----------
    text : str
        Any free text.
    keep_punctuation : bool, default=False
        Keep punctuation tokens (useful before :func:`negate`, whose scope ends at ``.:;!?``).

    Returns
    -------
    list of str
        Tokens as NLTK's ``NLTKWordTokenizer`` splits them sentence by sentence ("didn't" gives
        ``["did", "n't"]``), lower-cased; tokens without a letter or digit are dropped unless
        ``keep_punctuation``.
    """
    tokens = _nltk_tokens(text)
    if keep_punctuation:
        return tokens
    return [t for t in tokens if _HAS_WORD_CHAR.search(t)]


def fast_tokenize(text: str, keep_punctuation: bool = False) -> list[str]:
    """Split ``text`` into lower-cased word tokens with one regular expression (fast).

    Parameters
    ----------
    text : str
        Any free text.
    keep_punctuation : bool, default=False
        Keep the clause punctuation ``.:;!?`` that ends a negation scope.

    Returns
    -------
    list of str
        The same word tokens :func:`tokenize` gives for ordinary prose, much faster; unusual strings
        (URLs, e-mail addresses) may split differently.
    """
    tokens = _FAST_TOKEN.findall(normalize(text).lower())
    if keep_punctuation:
        return tokens
    return [t for t in tokens if t not in _CLAUSE_PUNCT]


@lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    """Return the Snowball (Porter 2) English stem of ``token``, cached because words repeat.

    Parameters
    ----------
    token : str
        One word.

    Returns
    -------
    str
        Its stem, e.g. ``"believed"`` gives ``"believ"``.
    """
    return _STEMMER.stem(token)


def negate(tokens: Sequence[str]) -> list[str]:
    """Mark the tokens in the scope of a negation with ``"_NEG"`` using NLTK's ``mark_negation``.

    Parameters
    ----------
    tokens : sequence of str
        Tokens, ideally with punctuation kept, since the scope runs from a negation cue ("not",
        "n't", "never", "no" ...) to the next ``.:;!?``.

    Returns
    -------
    list of str
        A new list: the cue itself is unchanged, tokens after it get the suffix.
    """
    return mark_negation(list(tokens), shallow=True)


def _fast_negate(tokens: list[str]) -> list[str]:
    """The behaviour of :func:`negate` with set look-ups instead of regular expressions (speed)."""
    out = []
    in_scope = False
    for token in tokens:
        if token in _NEGATION_WORDS or "n't" in token:
            if in_scope:
                out.append(token + NEGATION_SUFFIX)
            else:
                in_scope = True
                out.append(token)
        elif in_scope and token in _CLAUSE_PUNCT:
            in_scope = False
            out.append(token)
        elif in_scope:
            out.append(token + NEGATION_SUFFIX)
        else:
            out.append(token)
    return out


class TextAnalyzer:
    """Turn a text into word features for scikit-learn's ``analyzer=``; picklable (no lambdas).

    Parameters
    ----------
    stem : bool, default=True
        Reduce words to their Snowball stems so "believed", "believe" and "believing" count as one.
    negation : bool, default=True
        Suffix words in a negation scope with ``"_NEG"`` so "not believed" differs from "believed".
    ngram_range : tuple of (int, int), default=(1, 1)
        Lengths of the word n-grams produced (bigrams joined with a space).
    tokenizer : {"fast", "nltk"}, default="fast"
        ``"nltk"`` uses :func:`tokenize` (NLTK's tokenizer); ``"fast"`` uses :func:`fast_tokenize`,
        which gives the same tokens for ordinary prose about twenty times faster.

    Examples
    --------
    >>> TextAnalyzer()("I wasn't believed.")
    ['i', 'was', 'not', 'believ_NEG']
    """

    def __init__(self, stem=True, negation=True, ngram_range=(1, 1), tokenizer="fast"):
        self.stem = stem
        self.negation = negation
        self.ngram_range = ngram_range
        self.tokenizer = tokenizer

    def __repr__(self):
        return (
            f"TextAnalyzer(stem={self.stem!r}, negation={self.negation!r}, "
            f"ngram_range={self.ngram_range!r}, tokenizer={self.tokenizer!r})"
        )

    def __eq__(self, other):
        return isinstance(other, TextAnalyzer) and vars(self) == vars(other)

    def __hash__(self):
        return hash(tuple(sorted((k, repr(v)) for k, v in vars(self).items())))

    def words(self, text: str) -> list[str]:
        """Return the unigram features of ``text`` (stemmed, negation-marked, no punctuation)."""
        if self.tokenizer == "nltk":
            tokens = tokenize(text, keep_punctuation=True)
        elif self.tokenizer == "fast":
            tokens = fast_tokenize(text, keep_punctuation=True)
        else:
            raise ValueError(f"tokenizer must be 'fast' or 'nltk', not {self.tokenizer!r}")
        if self.negation:
            tokens = _fast_negate(tokens)
        words = []
        for token in tokens:
            negated = token.endswith(NEGATION_SUFFIX)
            base = token[: -len(NEGATION_SUFFIX)] if negated else token
            if not _HAS_WORD_CHAR.search(base):
                continue
            if base == "n't":
                base = "not"
            if self.stem:
                base = stem(base)
            words.append(base + NEGATION_SUFFIX if negated else base)
        return words

    def __call__(self, text: str) -> list[str]:
        """Return the word n-gram features of ``text``."""
        words = self.words(text)
        low, high = self.ngram_range
        if (low, high) == (1, 1):
            return words
        features = words[:] if low <= 1 else []
        for n in range(max(low, 2), high + 1):
            features.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
        return features
