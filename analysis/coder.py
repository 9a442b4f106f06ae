"""ThemeCoder: a scikit-learn compatible supervised coder of free text into themes.

Method (each part kept because it measurably helped; see docs/theme-coder.md): word unigrams and
bigrams of Snowball stems with negation marking (clause punctuation such as "?" and "!" is a term
too), plus character 2-5-grams within words for typos, both sublinear TF-IDF; one-vs-rest linear
SVMs (themes weighted inversely to their frequency for
single-label coding only, softened for themes whose codes look partly wrong; multi-label themes
are unweighted because their tuned cut-offs already correct for rarity); single-label
probabilities from a softmax whose temperature is fitted on out-of-fold decision scores (the
decision favours rare themes by a shift of log-priors when out-of-fold macro-F1 says so),
multi-label ones from a Platt sigmoid per theme with per-theme cut-offs chosen on the same
out-of-fold scores.

Character n-grams are computed once per distinct word of a batch and summed into documents with a
sparse product (the same counts as scikit-learn's ``char_wb`` analyzer), which keeps coding 100,000
answers within seconds.
"""

from __future__ import annotations

import copy
from itertools import chain

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from scipy.optimize import minimize_scalar
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.svm import LinearSVC
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2
from sklearn.utils.validation import check_is_fitted

from analysis.text import (
    _CLAUSE_PUNCT,
    _FAST_TOKEN,
    _NEGATION_WORDS,
    NEGATION_SUFFIX,
    normalize,
    stem,
)

__all__ = ["ThemeCoder", "suspect_codes"]

_CHAR_PREFIX = "~"
_CALIBRATION_MAX = 4_000  # out-of-fold rows used for calibration and thresholds
_LARGE_FOLDS = 2  # calibration folds when the training set is larger than _CALIBRATION_MAX
_BATCH = 10_000  # texts turned into features at a time when predicting
_GRAMS_CACHE_MAX = 200_000  # distinct words whose character n-grams are remembered
_EXPLAIN_BATCH = 2_000  # texts explained at a time (explaining expands every n-gram of a word)
_SEP = "\x00"  # marks the end of each text in a joined batch: never whitespace, never in a token
_NT, _NOT = "n't", "not"
# Regularisation strengths tried when C="auto" (chosen by out-of-fold macro-F1).
_C_GRID = (0.1, 0.3, 1.0)
# Default regularisation strengths, chosen by repeated cross-validation (docs/theme-coder.md).
_C_SINGLE, _C_MULTI = 0.15, 0.25
# Single-label class weights corrected for wrong codes (see ThemeCoder._corrected_weights):
# themes with fewer codes than this keep the full balanced weight; a theme is not reweighted at all
# once 1 / _NOISE_SOFTENING of its codes look wrong.
_NOISE_MIN_CODES, _NOISE_SOFTENING = 30, 3.0
# Features chosen per training set (min_df="auto", char_weight="auto"): keep every feature and
# weigh the character block 1.5 (best on small sets, where rare themes live in rare words), or
# drop features seen in one training text only and weigh the blocks alike (best on the real
# sets with many texts per theme); the second must beat the first out of fold by _FEATURES_GAIN,
# and is tried only when every theme has _PRUNE_MIN_CODES codes (on built sets whose rarest themes
# have a handful of codes, pruning lost up to 0.04 and out-of-fold scores chose it by chance).
_MIN_DF_CHOICES = (1, 2)
_CHAR_WEIGHT_RARE, _CHAR_WEIGHT_PRUNED = 1.5, 1.0
_FEATURES_GAIN, _PRUNE_MIN_CODES = 0.005, 10


def _check_texts(texts) -> list[str]:
    """Return ``texts`` as a list of str, refusing a bare string or non-text items."""
    if isinstance(texts, str):
        raise ValueError("texts must be a sequence of strings, not a single string")
    texts = list(texts)
    for text in texts:
        if not isinstance(text, str):
            raise ValueError(f"texts must be strings; found {type(text).__name__}")
    return texts


class _Features:
    """Word n-gram and in-word character n-gram TF-IDF features, computed a batch at a time.

    The batch is tokenised once per distinct whitespace-separated chunk (``_token_ids``),
    negation scopes and bigrams are found with array operations, and stems and character
    n-grams are computed once per distinct word: there is no Python code per token.
    """

    def __init__(self, word_ngrams, char_ngrams, stem_words, negation, char_weight, min_df):
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.stem_words = stem_words
        self.negation = negation
        self.char_weight = char_weight
        self.min_df = min_df

    def _char_grams(self, word: str) -> list[str]:
        """The character n-grams of `` word `` (padded with spaces, as ``char_wb`` does)."""
        padded = f" {word} "
        low, high = self.char_ngrams
        return [padded[i : i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)]

    def _stem_of(self, word: str) -> str:
        base = _NOT if word == _NT else word
        return stem(base) if self.stem_words else base

    def _counts(self, texts, fit):
        """Word and character count matrices for ``texts``; builds the vocabularies when ``fit``."""
        low, high = self.word_ngrams
        if not 1 <= low <= high <= 2:
            raise ValueError(
                f"word_ngrams must be (1, 1), (1, 2) or (2, 2), not {self.word_ngrams}"
            )
        n_docs = len(texts)
        types, ids = _token_ids(texts)
        is_sep = np.array([t == _SEP for t in types], dtype=bool)
        is_punct = np.array([t in _CLAUSE_PUNCT for t in types], dtype=bool)
        is_cue = np.array([t in _NEGATION_WORDS or _NT in t for t in types], dtype=bool)
        if fit:
            self.stem_vocab_ = {}
        stem_vocab = self.stem_vocab_
        stem_ids = np.full(len(types), -1, dtype=np.int64)
        for j, t in enumerate(types):
            if not is_sep[j]:
                # Clause punctuation ("?", "!", ".") is a term too (questions, exclamations),
                # besides closing negation scopes; it has no character n-grams.
                root = t if is_punct[j] else self._stem_of(t)
                stem_ids[j] = (
                    stem_vocab.setdefault(root, len(stem_vocab))
                    if fit
                    else (stem_vocab.get(root, -1))
                )
        if fit:
            self.stem_base_ = 2 * max(len(stem_vocab), 1)
        sep_at = is_sep[ids]
        doc = np.cumsum(sep_at)
        word_at = ~(sep_at | is_punct[ids])
        if self.negation:
            clause = np.cumsum(sep_at | is_punct[ids])
            position = np.arange(len(ids))
            first_cue = np.full(clause[-1] + 1 if len(ids) else 1, len(ids), dtype=np.int64)
            cue_at = is_cue[ids]
            np.minimum.at(first_cue, clause[cue_at], position[cue_at])
            negated = position > first_cue[clause]
        else:
            negated = np.zeros(len(ids), dtype=bool)
        word_ids = ids[word_at]
        word_doc = doc[word_at]
        term_at = ~sep_at  # words and clause punctuation
        term_doc = doc[term_at]
        word_stem = stem_ids[ids[term_at]]
        unigram = np.where(word_stem >= 0, word_stem * 2 + negated[term_at], -1)
        rows, cols, offset = [], [], 0
        known = unigram >= 0
        if not fit:
            column, first, second, bigram_table = self._term_tables()
        if low == 1:
            if fit:
                self.unigrams_ = np.unique(unigram[known])
                r, c = _lookup(self.unigrams_, unigram[known])
            else:  # a table look-up: no search per token
                c = column[unigram[known]]
                r = np.flatnonzero(c >= 0)
                c = c[r]
            rows.append(term_doc[known][r])
            cols.append(c)
            offset = len(self.unigrams_)
        if high == 2:
            pair = (term_doc[:-1] == term_doc[1:]) & known[:-1] & known[1:]
            if not fit:  # only pairs of terms that begin and end some known bigram
                safe = np.where(known, unigram, 0)
                pair &= first[safe[:-1]] & second[safe[1:]]
            codes = unigram[:-1][pair] * self.stem_base_ + unigram[1:][pair]
            if fit:
                self.bigrams_ = np.unique(codes)
            r, c = _lookup(self.bigrams_, codes) if fit else _find(bigram_table, codes)
            rows.append(term_doc[:-1][pair][r])
            cols.append(c + offset)
        n_words = (len(self.unigrams_) if low == 1 else 0) + len(self.bigrams_ if high == 2 else [])
        rows_all = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        cols_all = np.concatenate(cols) if cols else np.zeros(0, np.int64)
        words = sp.csr_matrix(
            (np.ones(len(rows_all), np.float32), (rows_all, cols_all)), shape=(n_docs, n_words)
        )
        # Character n-grams: counted per distinct word, summed into documents.
        word_types = np.flatnonzero(~(is_sep | is_punct))
        column_of = np.full(len(types), -1, dtype=np.int64)
        column_of[word_types] = np.arange(len(word_types))
        # Tokens are in document order, so this is CSR as it stands; a word twice in a text is
        # two entries (not summed: the product below adds them up anyway).
        doc_types = sp.csr_matrix(
            (
                np.ones(len(word_ids), np.float32),
                column_of[word_ids],
                np.searchsorted(word_doc, np.arange(n_docs + 1)),
            ),
            shape=(n_docs, len(word_types)),
        )
        char_vocab = {} if fit else self.char_vocab_
        if fit:
            grams_of = [
                [char_vocab.setdefault(g, len(char_vocab)) for g in self._char_grams(types[j])]
                for j in word_types
            ]
        else:
            grams_of = self._known_grams([types[j] for j in word_types])
        lengths = np.fromiter(map(len, grams_of), np.int64, len(grams_of))
        cptr = np.concatenate([[0], np.cumsum(lengths)])
        cidx = np.fromiter(chain.from_iterable(grams_of), np.int64, int(cptr[-1]))
        type_chars = sp.csr_matrix(
            (np.ones(len(cidx), np.float32), cidx, cptr), shape=(len(word_types), len(char_vocab))
        )
        chars = (doc_types @ type_chars).tocsr()  # the product sums repeated entries
        if fit:
            self.char_vocab_ = char_vocab
        return words, chars, [types[j] for j in word_types], doc_types, type_chars

    def _known_grams(self, words):
        """Columns of the known character n-grams of each word, remembered between batches
        (words repeat across batches; counting their n-grams again was a sixth of coding)."""
        cache = self.__dict__.setdefault("_grams_cache", {})
        if len(cache) > _GRAMS_CACHE_MAX:
            cache.clear()
        get = self.char_vocab_.get
        for word in words:
            if word not in cache:
                cache[word] = [k for k in map(get, self._char_grams(word)) if k is not None]
        return list(map(cache.__getitem__, words))

    def _term_tables(self):
        """Look-up tables (built once after fitting, not saved): each unigram code's column
        (-1: unknown), whether it begins or ends some known bigram, and a hash table of the
        bigrams' columns."""
        tables = self.__dict__.get("_tables")
        if tables is None:
            size = self.stem_base_
            column = np.full(size, -1, dtype=np.int64)
            first, second = np.zeros(size, dtype=bool), np.zeros(size, dtype=bool)
            if self.word_ngrams[0] == 1:
                column[self.unigrams_] = np.arange(len(self.unigrams_))
            if self.word_ngrams[1] == 2:
                first[self.bigrams_ // size] = True
                second[self.bigrams_ % size] = True
            bigrams = self.bigrams_ if self.word_ngrams[1] == 2 else np.zeros(0, np.int64)
            tables = (column, first, second, _hash_table(bigrams))
            self.__dict__["_tables"] = tables
        return tables

    def __getstate__(self):
        state = self.__dict__.copy()
        for transient in ("_grams_cache", "_tables"):  # rebuilt when needed; not saved
            state.pop(transient, None)
        return state

    def _prune(self, words, chars):
        """Drop features seen in fewer than ``min_df`` training texts."""
        if self.min_df <= 1:
            return words, chars
        word_df = np.bincount(words.indices, minlength=words.shape[1])
        char_df = np.bincount(chars.indices, minlength=chars.shape[1])
        keep_words = word_df >= self.min_df
        n_uni = len(self.unigrams_) if self.word_ngrams[0] == 1 else 0
        if n_uni:
            self.unigrams_ = self.unigrams_[keep_words[:n_uni]]
        if self.word_ngrams[1] == 2:
            self.bigrams_ = self.bigrams_[keep_words[n_uni:]]
        keep_chars = np.flatnonzero(char_df >= self.min_df)
        grams = sorted(self.char_vocab_, key=self.char_vocab_.get)
        self.char_vocab_ = {grams[j]: i for i, j in enumerate(keep_chars)}
        return words[:, np.flatnonzero(keep_words)], chars[:, keep_chars]

    def fit_transform(self, texts):
        return self.fit_counts(*self.count(texts))

    def count(self, texts):
        """Word and character counts of the training texts, building the vocabularies."""
        for transient in ("_grams_cache", "_tables"):
            self.__dict__.pop(transient, None)
        words, chars, *_ = self._counts(texts, fit=True)
        return words, chars

    def fit_counts(self, words, chars):
        """Prune and weight the counts from ``count`` (which this may share with a copy: the
        vocabularies are replaced here, never changed in place)."""
        words, chars = self._prune(words, chars)
        self.word_tfidf_ = TfidfTransformer(sublinear_tf=True).fit(words)
        self.char_tfidf_ = TfidfTransformer(sublinear_tf=True).fit(chars)
        return self._combine(words, chars)

    def _combine(self, words, chars):
        w = self.word_tfidf_.transform(words)
        c = self.char_tfidf_.transform(chars) * self.char_weight
        return sp.hstack([w, c], format="csr", dtype=np.float32)

    def transform(self, texts):
        words, chars, *_ = self._counts(texts, fit=False)
        return self._combine(words, chars)

    def coef_blocks(self, coef):
        """The word and character blocks of ``coef``, transposed for ``scores`` (the character
        block times ``char_weight``); computed once per call of ``decision_function``."""
        n_words = len(self.word_tfidf_.idf_)
        coef_words = np.ascontiguousarray(coef[:, :n_words].T)
        coef_chars = np.ascontiguousarray(coef[:, n_words:].T) * np.float32(self.char_weight)
        return coef_words, coef_chars

    def scores(self, texts, blocks):
        """``transform(texts) @ coef.T`` (``blocks``: ``coef_blocks(coef)``) without stacking
        the two blocks into one matrix (stacking and its copies were a third of the time of
        coding a batch) and without scikit-learn's checks and copies of each block."""
        words, chars, *_ = self._counts(texts, fit=False)
        coef_words, coef_chars = blocks
        w = _tfidf_in_place(words, self.word_tfidf_)
        c = _tfidf_in_place(chars, self.char_tfidf_)
        return np.asarray(w @ coef_words) + np.asarray(c @ coef_chars)

    def word_names(self) -> list[str]:
        """Names of the word columns: stems (``_NEG`` when negated), then bigrams."""
        stems = sorted(self.stem_vocab_, key=self.stem_vocab_.get)

        def unigram(code: int) -> str:
            return stems[code // 2] + (NEGATION_SUFFIX if code % 2 else "")

        names = []
        if self.word_ngrams[0] == 1:
            names.extend(unigram(int(c)) for c in self.unigrams_)
        if self.word_ngrams[1] == 2:
            base = self.stem_base_
            names.extend(
                f"{unigram(int(c) // base)} {unigram(int(c) % base)}" for c in self.bigrams_
            )
        return names

    def feature_names(self) -> np.ndarray:
        """Names of all columns: word n-grams, then ``~``-prefixed character n-grams."""
        chars = sorted(self.char_vocab_, key=self.char_vocab_.get)
        return np.array(self.word_names() + [_CHAR_PREFIX + c for c in chars], dtype=object)


def _tfidf_in_place(counts, transformer):
    """``transformer.transform(counts)`` (sublinear TF, IDF, rows scaled to unit length) in
    place, with the same operations in the same order, so the same values."""
    np.log(counts.data, counts.data)
    counts.data += 1.0
    counts.data *= transformer.idf_[counts.indices]
    inplace_csr_row_normalize_l2(counts)
    return counts


def _token_ids(texts) -> tuple[list[str], np.ndarray]:
    """The distinct tokens of a batch of texts (with ``_SEP`` between texts) in order of first
    appearance, and every token's index among them.

    No token spans whitespace, so the joined batch is split at whitespace (in C) and each
    distinct chunk is tokenised once; the tokens of every chunk are then gathered with array
    operations. Words repeat, so this runs the regular expression over a few percent of the
    text (tokenising every text was a third of the time of coding a batch).
    """
    joined = normalize(f" {_SEP} ".join([t.replace(_SEP, " ") for t in texts])).lower()
    chunks = joined.split()
    kinds = list(dict.fromkeys(chunks))
    kind_ids = np.fromiter(
        map(dict(zip(kinds, range(len(kinds)), strict=True)).__getitem__, chunks),
        np.int64,
        len(chunks),
    )
    type_index: dict[str, int] = {}
    add = type_index.setdefault
    find = _FAST_TOKEN.findall
    tokens_of_kind = [
        [add(_SEP, len(type_index))] if k == _SEP else [add(t, len(type_index)) for t in find(k)]
        for k in kinds
    ]
    lengths = np.fromiter(map(len, tokens_of_kind), np.int64, len(kinds))
    flat = np.fromiter(chain.from_iterable(tokens_of_kind), np.int64, int(lengths.sum()))
    starts = np.cumsum(lengths) - lengths
    counts = lengths[kind_ids]
    first = np.cumsum(counts) - counts
    position = np.repeat(starts[kind_ids] - first, counts) + np.arange(int(counts.sum()))
    return list(type_index), flat[position]


def _lookup(vocabulary: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions in ``codes`` found in the sorted ``vocabulary``, and their column numbers."""
    if len(vocabulary) == 0 or len(codes) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    column = np.searchsorted(vocabulary, codes)
    column[column == len(vocabulary)] = 0
    found = np.flatnonzero(vocabulary[column] == codes)
    return found, column[found]


# Fibonacci hashing: the top bits of a code times 2**64 / golden ratio spread codes evenly.
_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def _slots_of(codes: np.ndarray, bits: int) -> np.ndarray:
    return ((codes.astype(np.uint64) * _HASH_MULTIPLIER) >> np.uint64(64 - bits)).astype(np.int64)


def _hash_table(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """An open-addressing hash table (linear probing, at most half full) of distinct
    non-negative ``keys``, built with array operations: slot keys (-1: empty), the position in
    ``keys`` of each slot's key, and the number of bits of a slot number."""
    bits = max(int(np.ceil(np.log2(2 * len(keys) + 1))), 1)
    size = 1 << bits
    slot_keys = np.full(size, -1, dtype=np.int64)
    slot_values = np.full(size, -1, dtype=np.int64)
    slot = _slots_of(keys, bits)
    pending = np.arange(len(keys))
    while len(pending):
        free = pending[slot_keys[slot[pending]] == -1]
        _, first = np.unique(slot[free], return_index=True)
        placed = free[first]  # one key per free slot
        slot_keys[slot[placed]] = keys[placed]
        slot_values[slot[placed]] = placed
        done = np.zeros(len(keys), dtype=bool)
        done[placed] = True
        pending = pending[~done[pending]]
        slot[pending] = (slot[pending] + 1) & (size - 1)  # each one's slot is taken now
    return slot_keys, slot_values, bits


def _find(table, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``_lookup`` with a ``_hash_table`` of the vocabulary: a few probes per code instead of
    a binary search (the search was a tenth of the time of coding)."""
    slot_keys, slot_values, bits = table
    slot = _slots_of(codes, bits)
    column = np.full(len(codes), -1, dtype=np.int64)
    active = np.arange(len(codes))
    while len(active):
        here = slot[active]
        key = slot_keys[here]
        hit = key == codes[active]
        column[active[hit]] = slot_values[here[hit]]
        active = active[~hit & (key != -1)]  # neither found nor at an empty slot: probe on
        slot[active] = (slot[active] + 1) & ((1 << bits) - 1)
    found = np.flatnonzero(column >= 0)
    return found, column[found]


def _best_threshold(y_true: np.ndarray, proba: np.ndarray) -> float:
    """The probability cut-off that maximises F1 of one theme on out-of-fold predictions."""
    positives = int(y_true.sum())
    if positives == 0 or positives == len(y_true):
        return 0.5
    order = np.argsort(-proba, kind="stable")
    hits = np.cumsum(y_true[order])
    predicted = np.arange(1, len(order) + 1)
    f1 = 2 * hits / (predicted + positives)
    best = int(np.argmax(f1))
    upper = proba[order[best]]
    lower = proba[order[best + 1]] if best + 1 < len(order) else 0.0
    return float((upper + lower) / 2)


# Candidate values of ``prior_shift_`` and the gain in out-of-fold macro-F1 one must bring over
# the plain most probable theme to be used (a guard against choosing on noise).
_PRIOR_SHIFTS = (0.25, 0.5, 0.75, 1.0)
_PRIOR_SHIFT_GAIN = 0.01


def _best_prior_shift(logits: np.ndarray, y: np.ndarray, prior: np.ndarray) -> float:
    """How strongly to favour rare themes in single-label decisions, from out-of-fold scores.

    Deciding by ``log p - shift * log prior`` moves texts towards rare themes; macro-F1 weights
    every theme alike, and a classifier that learned from few examples of a theme
    under-predicts it even with balanced weights. The shift with the best out-of-fold macro-F1
    is kept only when it beats the most probable theme by ``_PRIOR_SHIFT_GAIN``.
    """
    log_p = np.log(_softmax(logits) + 1e-12)
    log_prior = np.log(prior)
    plain = f1_score(y, log_p.argmax(axis=1), average="macro", zero_division=0)
    best, best_f1 = 0.0, plain + _PRIOR_SHIFT_GAIN
    for shift in _PRIOR_SHIFTS:
        f1 = f1_score(
            y, (log_p - shift * log_prior).argmax(axis=1), average="macro", zero_division=0
        )
        if f1 > best_f1 + 1e-9:
            best, best_f1 = shift, f1
    return best


# Candidate values of ``none_cutoff_``: 0 always gives the best theme, 1 never does.
_NONE_CUTOFFS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def _best_none_cutoff(Y: np.ndarray, ratio: np.ndarray) -> float:
    """The ``none_cutoff_`` whose out-of-fold decisions have the best macro-F1.

    ``ratio`` is each theme's out-of-fold probability over its cut-off. Ties go to the larger
    cut-off (fewer forced themes).
    """
    chosen = (ratio >= 1.0).astype(np.int8)
    rows = np.flatnonzero(chosen.sum(axis=1) == 0)
    best_theme = np.argmax(ratio[rows], axis=1)
    best_ratio = ratio[rows, best_theme]
    best, best_f1 = 1.0, -1.0
    for cutoff in reversed(_NONE_CUTOFFS):
        trial = chosen.copy()
        given = best_ratio >= cutoff
        trial[rows[given], best_theme[given]] = 1
        f1 = f1_score(Y, trial, average="macro", zero_division=0)
        if f1 > best_f1 + 1e-9:
            best, best_f1 = cutoff, f1
    return float(best)


def suspect_codes(proba: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Which single-label codes look wrong, from out-of-fold probabilities (confident learning,
    Northcutt et al. 2021).

    A code is suspect when a model not trained on its text gives another theme a probability at
    least that theme's typical (mean) probability on its own codes, and higher than the coded
    theme's.

    Parameters
    ----------
    proba : ndarray of shape (n_texts, n_themes)
        Out-of-fold probabilities.
    y : ndarray of shape (n_texts,)
        Theme index of each text's code.

    Returns
    -------
    ndarray of bool, shape (n_texts,)
    """
    n_themes = proba.shape[1]
    counts = np.bincount(y, minlength=n_themes)
    typical = np.array([proba[y == j, j].mean() if counts[j] else 1.0 for j in range(n_themes)])
    rows = np.arange(len(y))
    above = proba >= typical
    above[rows, y] = False
    rival = np.where(above, proba, -1.0).max(axis=1)
    return rival > proba[rows, y]


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The scale of the scores whose softmax has the least log-loss on out-of-fold predictions."""
    rows = np.arange(len(y))

    def loss(log_t: float) -> float:
        return -np.log(_softmax(scores * np.exp(log_t))[rows, y] + 1e-12).mean()

    return float(np.exp(minimize_scalar(loss, bounds=(-3.0, 4.0), method="bounded").x))


class ThemeCoder(ClassifierMixin, BaseEstimator):
    """Code free-text answers into themes, single-label or multi-label, with calibrated confidence.

    The defaults are the settings that did best across the datasets in docs/theme-coder.md
    taken together.

    Parameters
    ----------
    word_ngrams : tuple of (int, int), default=(1, 2)
        Lengths of word n-grams (of stems, negation-marked).
    char_ngrams : tuple of (int, int), default=(2, 5)
        Lengths of character n-grams within words (robust to typos and word forms).
    char_weight : float or "auto", default="auto"
        Weight of the character block relative to the word block. "auto": 1.5 with
        ``min_df=1`` (with few codes per theme, sub-word features carry more of what
        generalises) and 1 with pruned features (see docs/theme-coder.md).
    stem : bool, default=True
        Reduce words to Snowball stems.
    negation : bool, default=True
        Mark words after "not", "never", "n't" ... up to the next ``.:;!?`` with ``_NEG``.
    min_df : int or "auto", default="auto"
        Ignore features seen in fewer training texts than this. "auto": when every theme has
        at least 10 codes and the training set is no larger than the calibration sample (4,000
        texts), ``fit`` compares keeping every feature (1) with dropping those of a single
        training text (2) on its out-of-fold scores and keeps 2 only when it raises their
        macro-F1 by more than 0.005; otherwise 1.
    C : float, "auto" or None, default=None
        Inverse regularisation strength of the linear SVMs. None: 0.15 for single-label ``y``,
        0.25 for multi-label ``y`` (the best on our datasets); "auto" picks one of 0.1, 0.3, 1.0
        by out-of-fold macro-F1 (three times slower, not better on our datasets).
    class_weight : {"auto", "balanced"} or None, default="auto"
        "balanced" weights themes inversely to their frequency so rare themes are not ignored.
        "auto", for single-label ``y``: balanced, then softened for each theme by its estimated
        share of wrong codes (``wrong_code_rate_``), because balancing multiplies the weight of a
        rare theme's wrong codes too; for multi-label ``y``: no weights, because each theme's
        tuned cut-off already corrects for its rarity and weighting as well lowered macro-F1.
    cv : int, default=5
        Folds used to collect out-of-fold scores for calibration and thresholds (0 or 1: none).
    tune_thresholds : bool, default=True
        For multi-label ``y``, choose each theme's probability cut-off to maximise its
        out-of-fold F1 (otherwise 0.5).
    at_least_one : bool or "auto", default="auto"
        For multi-label ``y``, whether a text with no theme over its cut-off gets its most likely
        theme. True: always; False: never (the text has no theme). "auto": learned from the
        training data. If every training text has a theme, always; if some have none, the most
        likely theme is given only when its probability reaches ``none_cutoff_`` times its
        cut-off, with ``none_cutoff_`` chosen on out-of-fold predictions to maximise macro-F1
        (1: never).
    random_state : int, default=0
        Seed for the fold split.
    n_jobs : int or None, default=None
        Threads fitting the per-fold and per-theme SVMs at once (None or 1: one at a time).
        Two threads nearly halve training time on two cores, but liblinear's shuffling generator
        is shared by the threads, so weights then vary between runs in the fourth decimal; one
        thread (the default) makes every fit reproducible.

    Attributes
    ----------
    classes_ : ndarray
        Theme labels (single-label) or column indices of the indicator matrix (multi-label).
    multilabel_ : bool
        Whether ``fit`` received an indicator matrix.
    coef_ : ndarray of shape (n_classes, n_features)
        Linear weights of each theme (also for two themes).
    intercept_ : ndarray of shape (n_classes,)
        Intercepts of each theme.
    C_ : float
        The regularisation strength used.
    min_df_, char_weight_ : int, float
        The ``min_df`` and character block weight used (chosen when "auto").
    feature_quality_ : list of (int, float, float)
        Each (min_df, char_weight) compared and the macro-F1 of its out-of-fold decisions
        (-1 without folds).
    temperature_ : float
        Scale of the scores in the softmax giving single-label probabilities.
    class_weight_ : "balanced", dict or None
        The class weights of the final SVMs (a dict maps theme index to weight).
    wrong_code_rate_ : ndarray of shape (n_classes,) or None
        Single-label with ``class_weight="auto"`` and enough examples for out-of-fold scores:
        each theme's estimated share of wrong codes (0 for themes with fewer than 30 codes);
        otherwise None.
    prior_ : ndarray of shape (n_classes,) or None
        Single-label: each theme's share of the training codes (None for multi-label).
    prior_shift_ : float
        Single-label: how much rare themes are favoured when deciding: ``predict`` gives the
        theme with the highest ``log p - prior_shift_ * log prior_`` (0: the most probable
        theme). Chosen on out-of-fold scores among 0.25-1 when it raises macro-F1 there by at
        least 0.01, else 0. ``predict_proba`` is not shifted: its confidences stay calibrated.
    thresholds_ : ndarray of shape (n_classes,)
        Probability cut-offs per theme (multi-label; 0.5 when not tuned).
    none_rate_ : float
        Multi-label: share of training texts coded with no theme (0 for single-label).
    none_cutoff_ : float
        Multi-label: a text with no theme over its cut-off gets its most likely theme when that
        theme's probability is at least ``none_cutoff_`` times its cut-off (0: always, as
        ``at_least_one=True``; 1: never, as ``at_least_one=False``).
    n_features_ : int
        Number of text features.

    Examples
    --------
    >>> from analysis.synthetic import make_survey_answers
    >>> texts, y, _ = make_survey_answers(300, seed=1)
    >>> coder = ThemeCoder().fit(texts, y)
    >>> coder.predict(["Nobody ever told me what was happening with my case"])[0]
    'kept_informed'
    """

    def __init__(
        self,
        word_ngrams=(1, 2),
        char_ngrams=(2, 5),
        char_weight="auto",
        stem=True,
        negation=True,
        min_df="auto",
        C=None,
        class_weight="auto",
        cv=5,
        tune_thresholds=True,
        at_least_one="auto",
        random_state=0,
        n_jobs=None,
    ):
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.char_weight = char_weight
        self.stem = stem
        self.negation = negation
        self.min_df = min_df
        self.C = C
        self.class_weight = class_weight
        self.cv = cv
        self.tune_thresholds = tune_thresholds
        self.at_least_one = at_least_one
        self.random_state = random_state
        self.n_jobs = n_jobs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.target_tags.multi_output = True
        tags.classifier_tags.multi_label = True
        return tags

    # ----------------------------------------------------------------------------- fitting
    def fit(self, texts, y):
        """Learn themes from coded texts.

        Parameters
        ----------
        texts : sequence of str
            The coded texts.
        y : sequence of labels, or array-like of shape (n_texts, n_themes) of 0/1
            One theme per text, or an indicator matrix for several themes per text.

        Returns
        -------
        self : ThemeCoder
            The fitted coder.
        """
        texts = _check_texts(texts)
        Y, self.multilabel_ = self._encode(y, len(texts))
        rows = self._calibration_rows(Y)
        folds = self._folds(Y[rows], sampled=len(rows) < len(Y))
        if self.C is None:
            grid = [_C_MULTI if self.multilabel_ else _C_SINGLE]
        else:
            grid = list(_C_GRID) if self.C == "auto" else [float(self.C)]
        if folds is None:
            grid = grid[len(grid) // 2 :][:1]
        self.class_weight_ = self._class_weight()
        self.wrong_code_rate_ = None
        correct = self.class_weight == "auto" and not self.multilabel_ and folds is not None
        candidates = self._feature_candidates()
        codes = Y.sum(axis=0) if self.multilabel_ else np.bincount(Y)
        if self.min_df == "auto" and (
            folds is None
            or codes[codes > 0].min() < _PRUNE_MIN_CODES
            # Beyond the calibration sample the comparison cost training 20-55% more (10,000
            # answers past the 10 s goal) and, on the sets tried, never changed the choice.
            or len(rows) < len(Y)
        ):
            candidates = candidates[:1]
        with_final = len(grid) == 1 and not correct
        best, self.feature_quality_ = None, []
        counter = _Features(self.word_ngrams, self.char_ngrams, self.stem, self.negation, 1, 1)
        counts = counter.count(texts)  # the same for every candidate
        for min_df, char_weight in candidates:
            vectorizer = copy.copy(counter)
            vectorizer.min_df, vectorizer.char_weight = min_df, char_weight
            # float64 with sorted indices once, so that no SVM fit converts its own copy.
            X = vectorizer.fit_counts(*counts).astype(np.float64)
            X.sort_indices()
            final_too = with_final and len(candidates) == 1
            C, scores, final = self._fit_folds(X, Y, rows, folds, grid, final_too)
            quality = -1.0 if scores is None else self._score_quality(scores, Y[rows])
            self.feature_quality_.append((min_df, char_weight, float(quality)))
            # A later candidate must beat the first out of fold by _FEATURES_GAIN to replace it.
            if best is None or quality > best[0] + _FEATURES_GAIN:
                best = (quality, min_df, char_weight, vectorizer, X, C, scores, final)
        _, self.min_df_, self.char_weight_, self.vectorizer_, X, self.C_, scores, final = best
        self.n_features_ = X.shape[1]
        if correct:
            self.wrong_code_rate_ = self._wrong_code_rate(scores, Y[rows])
            if self.wrong_code_rate_.any():
                # Themes whose codes look partly wrong are weighted less; the out-of-fold
                # scores are collected again so that calibration matches the final model.
                self.class_weight_ = self._corrected_weights(Y, self.wrong_code_rate_)
                _, scores, final = self._fit_folds(X, Y, rows, folds, [self.C_], True)
        if final is None:
            (final,) = self._run([(X.shape[1], self._linear_tasks(X, Y, self.C_))])
        self.coef_, self.intercept_ = final
        self.prior_ = None if self.multilabel_ else np.bincount(Y) / len(Y)
        self._fit_calibration(scores, Y[rows])
        return self

    def _feature_candidates(self):
        """The (min_df, char_weight) pairs ``fit`` compares out of fold; the first is kept
        unless another does better."""
        min_dfs = _MIN_DF_CHOICES if self.min_df == "auto" else (self.min_df,)
        pairs = []
        for min_df in min_dfs:
            if not isinstance(min_df, int | np.integer) or min_df < 1:
                raise ValueError(f'min_df must be a positive integer or "auto", not {min_df!r}')
            weight = self.char_weight
            if weight == "auto":
                weight = _CHAR_WEIGHT_RARE if min_df == 1 else _CHAR_WEIGHT_PRUNED
            pairs.append((int(min_df), float(weight)))
        return pairs

    def _fit_folds(self, X, Y, rows, folds, grid, with_final):
        """Out-of-fold decision scores of the calibration rows for each C of ``grid``.

        Returns the C whose scores have the best macro-F1, those scores (None without folds)
        and, if ``with_final`` (one C only), the model trained on every row, fitted alongside
        the folds.
        """
        groups, held_out = [], []
        for C in grid:
            for _, test in folds or []:
                # Each fold's model learns from every row except the held-out part of the
                # calibration sample, so its scores are on the scale of the final model's.
                keep = np.ones(len(Y), dtype=bool)
                keep[rows[test]] = False
                groups.append((X.shape[1], self._linear_tasks(X[keep], Y[keep], C)))
                held_out.append(rows[test])
        if with_final:
            groups.append((X.shape[1], self._linear_tasks(X, Y, grid[0])))
        fitted = self._run(groups)
        final = fitted.pop() if with_final else None
        if folds is None:
            return grid[0], None, final
        chosen, scores, best = grid[0], None, -1.0
        for g, C in enumerate(grid):
            candidate = np.zeros((len(Y), len(self.classes_)))
            for k in range(len(folds)):
                coef, intercept = fitted[g * len(folds) + k]
                test = held_out[g * len(folds) + k]
                candidate[test] = X[test] @ coef.T + intercept
            candidate = candidate[rows]
            quality = self._score_quality(candidate, Y[rows])
            if quality > best:
                best, chosen, scores = quality, C, candidate
        return chosen, scores, final

    def _wrong_code_rate(self, scores, y) -> np.ndarray:
        """Estimated share of each theme's codes that are wrong (single-label): the share of
        ``suspect_codes`` among its out-of-fold scores. Themes with fewer than
        ``_NOISE_MIN_CODES`` codes get 0: too few to tell a wrong code from a hard one.
        """
        proba = _softmax(scores * _fit_temperature(scores, y))
        counts = np.bincount(y, minlength=len(self.classes_))
        suspect = suspect_codes(proba, y)
        rate = np.bincount(y[suspect], minlength=len(counts)) / np.maximum(counts, 1)
        return np.where(counts >= _NOISE_MIN_CODES, rate, 0.0)

    def _corrected_weights(self, Y, wrong_code_rate) -> dict:
        """Balanced class weights, softened for themes with an estimated share of wrong codes.

        Balancing multiplies the weight of a rare theme's wrong codes too. A theme with a share
        ``r`` of wrong codes gets ``n / (k count)`` to the power ``1 - _NOISE_SOFTENING r``: the
        balanced weight when its codes look clean, moving towards 1 (unweighted) as ``r`` grows.
        """
        counts = np.bincount(Y, minlength=len(self.classes_))
        balanced = len(Y) / (len(self.classes_) * counts)
        power = 1.0 - np.minimum(1.0, _NOISE_SOFTENING * wrong_code_rate)
        return dict(enumerate((balanced**power).tolist()))

    def _calibration_rows(self, Y) -> np.ndarray:
        """Rows used for out-of-fold calibration: all, or a seeded sample of large training sets.

        Calibration and thresholds need a few thousand out-of-fold scores, not all of them;
        capping them keeps training on 10,000 answers within seconds.
        """
        n = len(Y)
        if n <= _CALIBRATION_MAX:
            return np.arange(n)
        rng = np.random.default_rng(self.random_state)
        if self.multilabel_:
            return np.sort(rng.choice(n, _CALIBRATION_MAX, replace=False))
        # Keep every example of rare themes, sample the rest.
        counts = np.bincount(Y)
        rare = np.flatnonzero(counts[Y] <= self.cv * 4)
        common = np.setdiff1d(np.arange(n), rare)
        take = max(_CALIBRATION_MAX - len(rare), 0)
        sample = rng.choice(common, min(take, len(common)), replace=False)
        return np.sort(np.concatenate([rare, sample]))

    def _score_quality(self, scores, Y) -> float:
        """Macro-F1 of out-of-fold decisions, to choose the regularisation strength."""
        if self.multilabel_:
            return f1_score(Y, (scores > 0).astype(int), average="macro", zero_division=0)
        return f1_score(Y, scores.argmax(axis=1), average="macro", zero_division=0)

    def _encode(self, y, n_texts):
        """Turn ``y`` into an int target (single-label) or an indicator matrix (multi-label)."""
        if sp.issparse(y):
            y = y.toarray()
        array = np.asarray(y)
        if array.ndim == 2 and array.shape[1] == 1:
            array = array.ravel()
        if array.shape[0] != n_texts:
            raise ValueError(f"got {n_texts} texts but {array.shape[0]} labels")
        if array.ndim == 2:
            if not np.isin(array, (0, 1)).all():
                raise ValueError("a 2-D y must be a 0/1 indicator matrix")
            self.classes_ = np.arange(array.shape[1])
            return array.astype(np.int8), True
        self.classes_, encoded = np.unique(array, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"ThemeCoder needs at least 2 themes to learn from; got {len(self.classes_)}"
            )
        return encoded, False

    def _linear_tasks(self, X, Y, C):
        """The SVM fits that make one linear model of ``Y`` on ``X``, as (key, callable) pairs."""
        if not self.multilabel_:
            return [(None, lambda: self._svm(C).fit(X, Y))]
        tasks = []
        for j in range(Y.shape[1]):
            column = Y[:, j]
            if column.min() == column.max():  # theme never (or always) present
                tasks.append((j, lambda value=bool(column[0]): value))
            else:
                tasks.append((j, lambda column=column: self._svm(C).fit(X, column)))
        return tasks

    def _assemble(self, results, n_features):
        """Weights of shape (n_classes, n_features) and intercepts from the fitted SVMs."""
        if not self.multilabel_:
            (svm,) = results
            if svm.coef_.shape[0] == 1:  # two themes: scikit-learn keeps one row
                return (
                    np.vstack([-svm.coef_, svm.coef_]).astype(np.float32),
                    np.array([-svm.intercept_[0], svm.intercept_[0]]),
                )
            return svm.coef_.astype(np.float32), svm.intercept_
        coefs, intercepts = [], []
        for svm in results:
            if isinstance(svm, bool):
                coefs.append(np.zeros(n_features))
                intercepts.append(1.0 if svm else -1.0)
            else:
                coefs.append(svm.coef_[0])
                intercepts.append(svm.intercept_[0])
        return np.array(coefs, dtype=np.float32), np.array(intercepts)

    def _run(self, groups):
        """Run groups of SVM fits (each group one linear model) on ``n_jobs`` threads.

        liblinear releases the GIL, so threads share the feature matrix without copying it.
        """
        flat = [(g, task) for g, (_, tasks) in enumerate(groups) for _, task in tasks]
        n_jobs = 1 if self.n_jobs is None else self.n_jobs
        if n_jobs == 1 or len(flat) == 1:
            done = [task() for _, task in flat]
        else:
            done = Parallel(n_jobs=n_jobs, prefer="threads")(delayed(task)() for _, task in flat)
        results = [[] for _ in groups]
        for (g, _), fitted in zip(flat, done, strict=True):
            results[g].append(fitted)
        return [
            self._assemble(r, n_features)
            for r, (n_features, _) in zip(results, groups, strict=True)
        ]

    def _svm(self, C):
        # tol=1e-2: five times faster than the default 1e-4 with the same predictions here.
        return LinearSVC(
            C=C, class_weight=self.class_weight_, tol=1e-2, random_state=self.random_state
        )

    def _class_weight(self):
        """The class weights the first fits use ("auto": balanced for single-label ``y``)."""
        if self.class_weight == "auto":
            return None if self.multilabel_ else "balanced"
        return self.class_weight

    def _folds(self, Y, sampled=False):
        """Train/test index pairs for out-of-fold scores (None if too few examples).

        When the calibration rows are a sample of a large training set, two folds suffice:
        each fold's model still learns from most of the data (see ``fit``) and training stays
        fast.
        """
        if self.cv is None or self.cv < 2:
            return None
        n_folds = min(self.cv, _LARGE_FOLDS) if sampled else self.cv
        if self.multilabel_:
            present = Y.sum(axis=0)
            folds = min(n_folds, int(present[present > 0].min()), len(Y))
            if folds < 2:
                return None
            return list(KFold(folds, shuffle=True, random_state=self.random_state).split(Y))
        smallest = int(np.bincount(Y).min())
        if smallest < 2:
            return None
        splitter = StratifiedKFold(
            min(n_folds, smallest), shuffle=True, random_state=self.random_state
        )
        return list(splitter.split(np.zeros(len(Y)), Y))

    def _fit_calibration(self, scores, Y):
        """Map decision scores to probabilities and choose per-theme cut-offs."""
        n_classes = len(self.classes_)
        self.none_rate_ = float((Y.sum(axis=1) == 0).mean()) if self.multilabel_ else 0.0
        self.none_cutoff_ = self._fixed_none_cutoff()
        self.thresholds_ = np.full(n_classes, 0.5)
        self.temperature_ = 2.0
        self.prior_shift_ = 0.0
        self.platt_ = np.tile([2.0, 0.0], (n_classes, 1))
        if scores is None:  # too few examples to calibrate: a fixed squash of the scores
            if self.none_cutoff_ is None:
                self.none_cutoff_ = 0.5
            return
        if not self.multilabel_:
            # One temperature for all themes keeps the ranking of the SVM scores (argmax of the
            # probabilities is the predicted theme) while making the confidences honest.
            self.temperature_ = _fit_temperature(scores, Y)
            self.prior_shift_ = _best_prior_shift(scores * self.temperature_, Y, self.prior_)
            return
        self.platt_ = np.zeros((n_classes, 2))
        for j in range(n_classes):
            column = Y[:, j]
            if column.min() == column.max():
                self.platt_[j] = [0.0, 10.0 if column[0] else -10.0]
                continue
            lr = LogisticRegression(C=1.0).fit(scores[:, [j]], column)
            self.platt_[j] = [lr.coef_[0, 0], lr.intercept_[0]]
            if self.tune_thresholds:
                proba = self._squash(scores[:, j], j)
                self.thresholds_[j] = _best_threshold(column, proba)
        if self.none_cutoff_ is None:
            self.none_cutoff_ = _best_none_cutoff(
                Y, self._proba_from_scores(scores) / self.thresholds_
            )

    def _fixed_none_cutoff(self):
        """``none_cutoff_`` when ``at_least_one`` fixes it (None: choose it out of fold)."""
        if self.at_least_one == "auto":
            return 0.0 if self.none_rate_ == 0 else None
        if not isinstance(self.at_least_one, bool | np.bool_):
            raise ValueError(
                f'at_least_one must be True, False or "auto", not {self.at_least_one!r}'
            )
        return 0.0 if self.at_least_one else 1.0

    def _squash(self, score, j):
        a, b = self.platt_[j]
        return 1.0 / (1.0 + np.exp(-(a * score + b)))

    # ---------------------------------------------------------------------------- predicting
    def decision_function(self, texts):
        """Linear scores of each theme for each text (higher: more likely).

        Parameters
        ----------
        texts : sequence of str
            Texts to score.

        Returns
        -------
        ndarray of shape (n_texts, n_classes)
            One column per entry of ``classes_``.
        """
        check_is_fitted(self, "coef_")
        texts = _check_texts(texts)
        # Batches bound the memory of coding a large file (the features of 100,000 answers at
        # once would take most of a gigabyte) at no cost in speed.
        blocks = self.vectorizer_.coef_blocks(self.coef_)
        parts = [
            self.vectorizer_.scores(texts[i : i + _BATCH], blocks)
            for i in range(0, len(texts), _BATCH)
        ]
        scores = np.vstack(parts) if parts else np.zeros((0, len(self.classes_)))
        return scores + self.intercept_

    def predict_proba(self, texts):
        """Calibrated confidence of each theme for each text.

        Parameters
        ----------
        texts : sequence of str
            Texts to code.

        Returns
        -------
        ndarray of shape (n_texts, n_classes)
            Single-label: a distribution over themes (rows sum to 1). Multi-label: an independent
            probability per theme.
        """
        return self._proba_from_scores(self.decision_function(texts))

    def _proba_from_scores(self, scores):
        if not self.multilabel_:
            return _softmax(scores * self.temperature_)
        # Every theme's Platt sigmoid at once (the same operations as _squash, column by column).
        return 1.0 / (1.0 + np.exp(-(self.platt_[:, 0] * scores + self.platt_[:, 1])))

    def predict(self, texts):
        """Code each text.

        Parameters
        ----------
        texts : sequence of str
            Texts to code.

        Returns
        -------
        ndarray
            Single-label: shape (n_texts,), one theme per text. Multi-label: a 0/1 indicator
            matrix of shape (n_texts, n_classes).
        """
        proba = self.predict_proba(texts)
        if not self.multilabel_:
            return self.classes_[np.argmax(self._shifted(proba), axis=1)]
        chosen = (proba >= self.thresholds_).astype(int)
        return self._with_best_theme(chosen, proba)

    def _shifted(self, proba):
        """Single-label decision values: log-probabilities with rare themes favoured by
        ``prior_shift_`` (0: the most probable theme)."""
        shift = getattr(self, "prior_shift_", 0.0)  # models saved before prior_shift_ existed
        if not shift:
            return proba
        return np.log(proba + 1e-12) - shift * np.log(self.prior_)

    def _with_best_theme(self, chosen, proba):
        """Give texts without a theme their most likely one where ``none_cutoff_`` says so."""
        # Models saved before none_cutoff_ existed had at_least_one=True or False.
        cutoff = getattr(self, "none_cutoff_", 0.0 if self.at_least_one else 1.0)
        if not len(chosen) or cutoff >= 1.0:
            return chosen
        ratio = proba / self.thresholds_
        best = np.argmax(ratio, axis=1)
        rows = np.flatnonzero(chosen.sum(axis=1) == 0)
        rows = rows[ratio[rows, best[rows]] >= cutoff]
        chosen[rows, best[rows]] = 1
        return chosen

    def review_flags(self, texts, margin=0.5):
        """Which texts a person should look at because their best theme is uncertain.

        Single-label: the most likely theme's probability is below ``margin``. Multi-label: no
        theme passed its cut-off, but the most likely one came within ``margin`` of it (its
        probability is at least ``1 - margin`` times its cut-off), whether or not it was given.

        Parameters
        ----------
        texts : sequence of str
            Texts to check.
        margin : float, default=0.5
            How uncertain a best theme must be to be flagged.

        Returns
        -------
        ndarray of bool, shape (n_texts,)
        """
        proba = self.predict_proba(texts)
        if not self.multilabel_:
            return proba.max(axis=1) < margin
        ratio = proba / self.thresholds_
        empty = (ratio < 1.0).all(axis=1)
        return empty & (ratio.max(axis=1) >= 1.0 - margin)

    # ---------------------------------------------------------------------------- explaining
    def explain(self, text, label, top=5):
        """The words and phrases of ``text`` that pushed it towards (or away from) ``label``.

        Character n-grams are credited to the words of the text that contain them, so every
        explanation is in the respondent's own words or in word stems.

        Parameters
        ----------
        text : str
            One text.
        label : label or int
            A theme from ``classes_``.
        top : int, default=5
            How many terms to return.

        Returns
        -------
        list of (str, float)
            Terms with their contribution to the theme's score, most supportive first.
        """
        return self.explain_batch([text], [[label]], top=top)[0][0]

    def explain_batch(self, texts, labels, top=5):
        """Explanations for many texts at once, computed with sparse-matrix operations.

        The same terms and weights as :meth:`explain`, but the features of the whole batch are
        computed once, so explaining the codings of 100,000 answers takes seconds.

        Parameters
        ----------
        texts : sequence of str
            Texts to explain.
        labels : sequence of sequences of labels
            For each text, the themes to explain (e.g. the ones it was coded with).
        top : int, default=5
            How many terms to return per theme.

        Returns
        -------
        list of list of list of (str, float)
            For each text, for each of its labels, the terms with their contribution to the
            theme's score, most supportive first.
        """
        check_is_fitted(self, "coef_")
        texts = _check_texts(texts)
        if len(labels) != len(texts):
            raise ValueError(f"got {len(texts)} texts but {len(labels)} lists of labels")
        index = {label: j for j, label in enumerate(self.classes_.tolist())}
        req_doc, req_cls = [], []
        for i, row in enumerate(labels):
            for label in row:
                key = label.item() if isinstance(label, np.generic) else label
                if key not in index:
                    raise ValueError(f"unknown label {label!r}; known: {list(self.classes_)}")
                req_doc.append(i)
                req_cls.append(index[key])
        out = [[[] for _ in row] for row in labels]
        if not req_doc:
            return out
        terms = []
        docs = np.asarray(req_doc)
        for start in range(0, len(texts), _EXPLAIN_BATCH):
            chunk = slice(start, start + _EXPLAIN_BATCH)
            inside = (docs >= start) & (docs < start + _EXPLAIN_BATCH)
            if inside.any():
                terms.append(
                    (
                        np.flatnonzero(inside),
                        self._explain_chunk(
                            texts[chunk], docs[inside] - start, np.asarray(req_cls)[inside], top
                        ),
                    )
                )
        position = [(i, k) for i, row in enumerate(labels) for k in range(len(row))]
        for requests, explained in terms:
            for r, terms_of_r in zip(requests, explained, strict=True):
                i, k = position[r]
                out[i][k] = terms_of_r
        return out

    def _explain_chunk(self, texts, req_doc, req_cls, top):
        """Top terms for each (text, theme) request of one batch of texts."""
        features = self.vectorizer_
        words, chars, types, doc_types, type_chars = features._counts(texts, fit=False)
        doc_types.sum_duplicates()  # one entry per (text, word) and per (word, n-gram)
        type_chars.sum_duplicates()
        n_words = words.shape[1]
        coef_words, coef_chars = self.coef_[:, :n_words], self.coef_[:, n_words:]
        n_req = len(req_doc)
        # Word n-grams: the text's TF-IDF value times the theme's weight.
        xw = features.word_tfidf_.transform(words).tocsr()[req_doc]
        w_req = np.repeat(np.arange(n_req), np.diff(xw.indptr))
        w_value = xw.data * coef_words[req_cls[w_req], xw.indices]
        # Character n-grams: each one's contribution is shared among the words holding it, in
        # proportion to how often each word brings it.
        chars = chars.tocsr()
        chars.sort_indices()
        row_of = np.repeat(np.arange(chars.shape[0]), np.diff(chars.indptr))
        tfidf = (1.0 + np.log(chars.data)) * features.char_tfidf_.idf_[chars.indices]
        norm = np.sqrt(np.bincount(row_of, tfidf**2, minlength=chars.shape[0]))
        per_count = tfidf / norm[row_of] / chars.data * features.char_weight
        keys = row_of * chars.shape[1] + chars.indices
        dt = doc_types.tocsr()[req_doc]
        pair_req = np.repeat(np.arange(n_req), np.diff(dt.indptr))
        pair_word, pair_count = dt.indices, dt.data
        tc = type_chars.tocsr()
        lengths = np.diff(tc.indptr)[pair_word]
        elem_pair = np.repeat(np.arange(len(pair_word)), lengths)
        starts = np.repeat(tc.indptr[pair_word] - (np.cumsum(lengths) - lengths), lengths)
        elem = starts + np.arange(len(elem_pair))
        gram = tc.indices[elem]
        elem_req = pair_req[elem_pair]
        found = np.searchsorted(keys, req_doc[elem_req] * chars.shape[1] + gram)
        share = tc.data[elem] * per_count[found] * coef_chars[req_cls[elem_req], gram]
        c_value = np.bincount(elem_pair, share, minlength=len(pair_word)) * pair_count
        # Add up contributions by term (a stem may also be a word of the text) and rank them.
        word_names = features.word_names()
        used = np.unique(xw.indices)
        names = np.array(
            [word_names[j] for j in used] + [types[j] for j in range(len(types))], dtype=object
        )
        name_of_col = np.zeros(n_words, dtype=np.int64)
        name_of_col[used] = np.arange(len(used))
        unique_names, name_id = np.unique(names, return_inverse=True)
        term = np.concatenate([name_id[name_of_col[xw.indices]], name_id[len(used) + pair_word]])
        req = np.concatenate([w_req, pair_req])
        value = np.concatenate([w_value, c_value])
        key, inverse = np.unique(req * len(unique_names) + term, return_inverse=True)
        total = np.bincount(inverse, value)
        key_req, key_term = key // len(unique_names), key % len(unique_names)
        order = np.lexsort((-total, key_req))
        first = np.searchsorted(key_req[order], np.arange(n_req))
        last = np.searchsorted(key_req[order], np.arange(n_req), side="right")
        return [
            [
                (str(unique_names[key_term[o]]), round(float(total[o]), 4))
                for o in order[first[r] : min(last[r], first[r] + top)]
            ]
            for r in range(n_req)
        ]

    def feature_names_out(self) -> np.ndarray:
        """Names of the text features (word n-grams, then ``~``-prefixed character n-grams)."""
        check_is_fitted(self, "coef_")
        return self.vectorizer_.feature_names()
