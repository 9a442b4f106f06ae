"""Sentiment per segment with VADER, banded, and summarised per stage and per theme.

VADER's compound score runs from -1 (most negative) to +1 (most positive). The bands use the
thresholds its authors recommend: compound >= 0.05 is positive, <= -0.05 negative, else neutral.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from analysis.records import Coding, Segment

__all__ = [
    "NEGATIVE_THRESHOLD",
    "POSITIVE_THRESHOLD",
    "SentimentSummary",
    "sentiment_band",
    "sentiment_by_stage",
    "sentiment_by_theme",
    "sentiment_score",
    "summarise_sentiment",
]

POSITIVE_THRESHOLD = 0.05
"""Compound score at or above which a segment is positive."""
NEGATIVE_THRESHOLD = -0.05
"""Compound score at or below which a segment is negative."""
BANDS = ("negative", "neutral", "positive")


@lru_cache(maxsize=1)
def _analyzer():
    """The VADER analyser, built once (it reads its bundled lexicon file)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def sentiment_score(text: str) -> float:
    """VADER compound score of ``text``.

    Parameters
    ----------
    text : str

    Returns
    -------
    float
        Between -1 and 1; 0 for empty text.
    """
    if not text or not text.strip():
        return 0.0
    return float(_analyzer().polarity_scores(text)["compound"])


def sentiment_band(compound: float) -> str:
    """Band of a compound score: "negative", "neutral" or "positive" (thresholds +-0.05).

    Parameters
    ----------
    compound : float

    Returns
    -------
    str
    """
    if compound >= POSITIVE_THRESHOLD:
        return "positive"
    if compound <= NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


@dataclass(frozen=True)
class SentimentSummary:
    """Sentiment of a group of segments: how many, the mean compound score, counts per band."""

    n: int
    mean: float
    negative: int
    neutral: int
    positive: int

    def as_dict(self) -> dict[str, float]:
        """Plain dict for tables and JSON."""
        return {
            "n": self.n,
            "mean": self.mean,
            "negative": self.negative,
            "neutral": self.neutral,
            "positive": self.positive,
        }


def summarise_sentiment(scores: Iterable[float]) -> SentimentSummary:
    """Mean compound score and band counts of some scores.

    Parameters
    ----------
    scores : iterable of float

    Returns
    -------
    SentimentSummary
        ``mean`` is 0.0 when there are no scores.
    """
    values = list(scores)
    counts = {band: 0 for band in BANDS}
    for value in values:
        counts[sentiment_band(value)] += 1
    mean = round(sum(values) / len(values), 4) if values else 0.0
    return SentimentSummary(len(values), mean, **counts)


def _scores(segments: Iterable[Segment], scores: Mapping[str, float] | None) -> dict[str, float]:
    return {
        s.id: scores[s.id] if scores is not None and s.id in scores else sentiment_score(s.text)
        for s in segments
    }


def sentiment_by_stage(
    segments: Iterable[Segment], scores: Mapping[str, float] | None = None
) -> dict[str | None, SentimentSummary]:
    """Sentiment summary per stage (``None`` for segments without a stage).

    Parameters
    ----------
    segments : iterable of Segment
    scores : mapping, optional
        Precomputed compound scores by segment id (computed when missing).

    Returns
    -------
    dict
        Stage to :class:`SentimentSummary`.
    """
    segments = list(segments)
    by_id = _scores(segments, scores)
    groups: dict[str | None, list[float]] = defaultdict(list)
    for segment in segments:
        groups[segment.stage].append(by_id[segment.id])
    return {stage: summarise_sentiment(values) for stage, values in groups.items()}


def sentiment_by_theme(
    segments: Iterable[Segment],
    codings: Iterable[Coding],
    scores: Mapping[str, float] | None = None,
) -> dict[str, SentimentSummary]:
    """Sentiment summary per theme over the segments coded with it (each segment once per theme).

    Parameters
    ----------
    segments : iterable of Segment
    codings : iterable of Coding
    scores : mapping, optional
        Precomputed compound scores by segment id.

    Returns
    -------
    dict
        Theme id to :class:`SentimentSummary`.
    """
    segments = list(segments)
    by_id = _scores(segments, scores)
    members: dict[str, set[str]] = defaultdict(set)
    for coding in codings:
        if coding.segment_id in by_id:
            members[coding.theme_id].add(coding.segment_id)
    return {
        theme: summarise_sentiment(by_id[s] for s in sorted(ids))
        for theme, ids in sorted(members.items())
    }
