"""Theme discovery: NMF topics over uncoded or "other" segments, offered as candidate themes.

Candidates are suggestions for a researcher to read, name and perhaps add to the codebook; they are
never applied as codings. Texts are redacted before anything is counted, so neither the terms nor
the exemplar quotes show what redaction hides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from analysis.records import Coding, Segment, is_status_placeholder
from analysis.redaction import PLACEHOLDERS, Redactor

_WORD_PATTERN = r"(?u)\b[a-zA-Z][a-zA-Z']+\b"  # words of two or more letters, no numbers
_PLACEHOLDER_RE = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))

__all__ = ["CandidateTheme", "Exemplar", "discover_themes", "uncoded_segments"]


@dataclass(frozen=True)
class Exemplar:
    """A redacted quote that shows a candidate theme, with its topic weight."""

    segment_id: str
    quote: str
    weight: float


@dataclass(frozen=True)
class CandidateTheme:
    """A discovered topic: its most telling terms, example quotes and how many segments it leads."""

    id: str
    top_terms: tuple[str, ...]
    exemplars: tuple[Exemplar, ...]
    size: int

    def as_dict(self) -> dict:
        """Plain dict for JSON output."""
        return {
            "id": self.id,
            "top_terms": list(self.top_terms),
            "size": self.size,
            "exemplars": [vars(e) for e in self.exemplars],
        }


def uncoded_segments(
    segments: Iterable[Segment],
    codings: Iterable[Coding],
    other_theme_ids: Sequence[str] = ("other",),
) -> list[Segment]:
    """Segments with no coding, or coded only with an "other" theme.

    Parameters
    ----------
    segments : iterable of Segment
    codings : iterable of Coding
    other_theme_ids : sequence of str, default ("other",)
        Themes that mean "does not fit the codebook".

    Returns
    -------
    list of Segment
    """
    themes: dict[str, set[str]] = {}
    for coding in codings:
        themes.setdefault(coding.segment_id, set()).add(coding.theme_id)
    return [s for s in segments if not (themes.get(s.id, set()) - set(other_theme_ids))]


def discover_themes(
    segments: Sequence[Segment | str],
    n_topics: int = 5,
    n_terms: int = 8,
    n_exemplars: int = 3,
    random_state: int = 0,
    redactor: Redactor | None = None,
) -> list[CandidateTheme]:
    """Find candidate themes with NMF on TF-IDF word and bigram weights.

    Parameters
    ----------
    segments : sequence of Segment or str
        Usually the output of :func:`uncoded_segments`.
    n_topics : int, default 5
        Number of candidate themes.
    n_terms : int, default 8
        Top terms listed per candidate.
    n_exemplars : int, default 3
        Example quotes per candidate (redacted).
    random_state : int, default 0
        Seed; the same input and seed give the same candidates.
    redactor : Redactor, optional
        Applied to every text before anything is counted, so terms and quotes alike come from
        redacted text; ``Redactor()`` by default. Status placeholders ("skipped", "Prefer not
        to say", :func:`analysis.records.is_status_placeholder`) are left out.

    Returns
    -------
    list of CandidateTheme
        Largest first.

    Raises
    ------
    ValueError
        When there are fewer non-empty texts than topics, or no usable words.
    """
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    redactor = redactor or Redactor()
    items = [
        (s.id, s.text) if isinstance(s, Segment) else (str(i), str(s))
        for i, s in enumerate(segments)
    ]
    # Redact before counting: terms are shown beside the quotes, so a name counted from the
    # original text would appear among them while the quotes hide it. Status placeholders
    # ("skipped", "Prefer not to say") are not answers and are left out.
    items = [
        (i, redactor.redact(t).text)
        for i, t in items
        if t and t.strip() and not is_status_placeholder(t)
    ]
    if n_topics < 1:
        raise ValueError("n_topics must be at least 1")
    if len(items) < max(n_topics, 2):
        raise ValueError(f"need at least {max(n_topics, 2)} non-empty texts, got {len(items)}")
    texts = [_PLACEHOLDER_RE.sub(" ", t) for _, t in items]  # "[name]" is not a term
    vectorizer = TfidfVectorizer(
        stop_words="english",
        ngram_range=(1, 2),
        min_df=2 if len(texts) >= 20 else 1,
        max_df=0.9,
        sublinear_tf=True,
        token_pattern=_WORD_PATTERN,
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError as exc:
        raise ValueError(f"no usable words to find themes in: {exc}") from None
    model = NMF(n_components=n_topics, init="nndsvda", random_state=random_state, max_iter=500)
    # NMF's loss can round to a tiny negative before its square root on near-exact fits.
    with np.errstate(invalid="ignore"):
        weights = model.fit_transform(matrix)
    terms = vectorizer.get_feature_names_out()
    leading = np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), -1)
    candidates = []
    for k in range(n_topics):
        order = np.argsort(-model.components_[k], kind="stable")
        top = tuple(str(terms[i]) for i in order[:n_terms] if model.components_[k][i] > 0)
        docs = [i for i in np.argsort(-weights[:, k], kind="stable") if weights[i, k] > 0]
        exemplars = tuple(
            Exemplar(items[i][0], items[i][1], round(float(weights[i, k]), 4))
            for i in docs[:n_exemplars]
        )
        candidates.append((int((leading == k).sum()), top, exemplars))
    candidates.sort(key=lambda c: -c[0])
    return [
        CandidateTheme(f"candidate_{n}", top, exemplars, size)
        for n, (size, top, exemplars) in enumerate(candidates, start=1)
        if top
    ]
