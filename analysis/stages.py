"""Suggest the stage(s) a segment speaks of, learned from the segments whose stage is known.

A closing "anything else?" answer or a focus-group turn outside the guide's sections has no stage;
this suggests one from its text, and each sentence is also scored on its own so that an answer
speaking of reporting and of recovery can carry both stages (and so themes from both).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from sklearn.base import BaseEstimator

from analysis.coder import ThemeCoder
from analysis.records import Segment
from analysis.text import sentences

__all__ = ["StageSuggester", "StageSuggestion"]


class StageSuggestion(tuple):
    """A suggested stage with its confidence: ``(stage, confidence)``."""

    __slots__ = ()

    def __new__(cls, stage: str, confidence: float):
        return super().__new__(cls, (stage, confidence))

    @property
    def stage(self) -> str:
        return self[0]

    @property
    def confidence(self) -> float:
        return self[1]


class StageSuggester(BaseEstimator):
    """Learn stages from staged segments and suggest them for segments without one.

    Parameters
    ----------
    min_confidence : float, default=0.5
        A stage is suggested when the whole text, or one of its sentences, gives it at least this
        probability.
    max_stages : int, default=3
        At most this many stages per segment.
    coder : estimator, optional
        A single-label text classifier (default: ``ThemeCoder(cv=3)``).

    Attributes
    ----------
    coder_ : ThemeCoder
        The fitted stage classifier.
    stages_ : ndarray
        The stages learned.
    """

    def __init__(self, min_confidence=0.5, max_stages=3, coder=None):
        self.min_confidence = min_confidence
        self.max_stages = max_stages
        self.coder = coder

    def fit(self, segments: Iterable[Segment]):
        """Learn from the segments that have a stage (the others are ignored).

        Parameters
        ----------
        segments : iterable of Segment

        Returns
        -------
        self : StageSuggester
        """
        staged = [s for s in segments if s.stage and s.text.strip()]
        if len({s.stage for s in staged}) < 2:
            raise ValueError("need staged segments of at least 2 stages to learn from")
        coder = self.coder if self.coder is not None else ThemeCoder(cv=3)
        self.coder_ = coder.fit([s.text for s in staged], [s.stage for s in staged])
        self.stages_ = self.coder_.classes_
        return self

    def suggest(self, texts: Sequence[str]) -> list[list[StageSuggestion]]:
        """Suggested stages of each text, most likely first (never empty for non-blank text).

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        list of list of StageSuggestion
            For each text, ``(stage, confidence)`` pairs: the whole text's best stage, plus any
            stage that one of its sentences gives at least ``min_confidence``.
        """
        texts = list(texts)
        whole = self.coder_.predict_proba(texts)
        parts = [sentences(t) or [t] for t in texts]
        flat = [p for ps in parts for p in ps]
        per_sentence = self.coder_.predict_proba(flat) if flat else np.zeros((0, len(self.stages_)))
        out, start = [], 0
        for i, ps in enumerate(parts):
            if not texts[i].strip():
                out.append([])
                start += len(ps)
                continue
            best = whole[i].copy()
            if len(ps) > 1:
                best = np.maximum(best, per_sentence[start : start + len(ps)].max(axis=0))
            start += len(ps)
            order = np.argsort(-best)
            chosen = [j for j in order if best[j] >= self.min_confidence] or [int(order[0])]
            if whole[i].argmax() not in chosen:
                chosen.insert(0, int(whole[i].argmax()))
            out.append(
                [
                    StageSuggestion(str(self.stages_[j]), round(float(best[j]), 3))
                    for j in chosen[: self.max_stages]
                ]
            )
        return out

    def fill_missing(self, segments: Iterable[Segment]) -> dict[str, list[StageSuggestion]]:
        """Suggestions for every segment that has no stage, keyed by segment id."""
        missing = [s for s in segments if not s.stage]
        return dict(
            zip((s.id for s in missing), self.suggest([s.text for s in missing]), strict=True)
        )
