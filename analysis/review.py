"""Active learning: order segments for human review by how much a decision would teach the model."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["review_queue", "uncertainty"]


def uncertainty(proba: np.ndarray, multilabel: bool = False, thresholds=None) -> np.ndarray:
    """How unsure a model is about each text (higher: a human decision teaches more).

    Parameters
    ----------
    proba : ndarray of shape (n_texts, n_themes)
        ``predict_proba`` output.
    multilabel : bool, default=False
        Single-label: margin uncertainty, 1 minus the gap between the two most likely themes.
        Multi-label: 1 minus the smallest distance of any theme's probability from its cut-off
        (scaled to [0, 1]), i.e. the theme closest to flipping decides.
    thresholds : ndarray of shape (n_themes,), optional
        Multi-label cut-offs (default 0.5).

    Returns
    -------
    ndarray of shape (n_texts,)
        Values in [0, 1].
    """
    proba = np.asarray(proba, dtype=float)
    if proba.ndim != 2 or proba.shape[0] == 0:
        return np.zeros(proba.shape[0] if proba.ndim else 0)
    if not multilabel:
        if proba.shape[1] < 2:
            return np.zeros(proba.shape[0])
        top2 = -np.sort(-proba, axis=1)[:, :2]
        return 1.0 - (top2[:, 0] - top2[:, 1])
    cut = np.full(proba.shape[1], 0.5) if thresholds is None else np.asarray(thresholds)
    span = np.where(proba >= cut, 1.0 - cut, cut)  # distance to the far end on each side
    distance = np.abs(proba - cut) / np.maximum(span, 1e-9)
    return 1.0 - distance.min(axis=1)


def review_queue(model, texts: Sequence[str], ids: Sequence[str] | None = None, limit=None):
    """Segments to review next, the most informative first (uncertainty sampling).

    Parameters
    ----------
    model : fitted ThemeCoder (or any classifier with ``predict_proba``)
    texts : sequence of str
        Texts not yet coded by a person.
    ids : sequence of str, optional
        Their ids (default: positions as strings).
    limit : int, optional
        Return at most this many.

    Returns
    -------
    list of (str, float)
        ``(id, uncertainty)`` pairs, most uncertain first; ties keep the input order.
    """
    texts = list(texts)
    ids = [str(i) for i in range(len(texts))] if ids is None else list(ids)
    if not texts:
        return []
    proba = model.predict_proba(texts)
    multilabel = bool(getattr(model, "multilabel_", False))
    scores = uncertainty(proba, multilabel, getattr(model, "thresholds_", None))
    order = np.argsort(-scores, kind="stable")[: limit if limit is not None else None]
    return [(ids[i], round(float(scores[i]), 4)) for i in order]
