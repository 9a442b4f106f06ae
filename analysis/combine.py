"""Combine rule, model and human codings: rules while few human codings, the model once a theme has
enough examples, and human decisions always override machine ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from analysis.records import Coding, Segment

__all__ = [
    "HUMAN_PREFIX",
    "MODEL_READY_CODES",
    "combine_codings",
    "is_human",
    "model_codings",
    "model_ready_themes",
]

#: Coder ids of people start with this (``"person:alice"``); anything else is a machine.
HUMAN_PREFIX = "person:"
#: Human codings a theme needs before the model's suggestions replace the rules' for it.
MODEL_READY_CODES = 20


def is_human(coding: Coding) -> bool:
    """Whether a person made this coding (its coder id starts with ``"person:"``)."""
    return coding.coder.startswith(HUMAN_PREFIX)


def model_ready_themes(human: Iterable[Coding], min_examples: int = MODEL_READY_CODES) -> set[str]:
    """Themes with at least ``min_examples`` segments coded by people, enough for the model.

    Parameters
    ----------
    human : iterable of Coding
        Codings made by people.
    min_examples : int, default=20
        Distinct human-coded segments a theme needs.

    Returns
    -------
    set of str
    """
    seen = {(c.segment_id, c.theme_id) for c in human if is_human(c) and c.confidence > 0}
    counts = Counter(theme for _, theme in seen)
    return {theme for theme, n in counts.items() if n >= min_examples}


def combine_codings(
    segments: Sequence[Segment],
    human: Iterable[Coding] = (),
    rules: Iterable[Coding] = (),
    model: Iterable[Coding] = (),
    min_examples: int = MODEL_READY_CODES,
    rejected: Iterable[tuple[str, str]] = (),
) -> list[Coding]:
    """The codings to show for each segment, each still naming its coder and confidence.

    Parameters
    ----------
    segments : sequence of Segment
        The segments to code.
    human : iterable of Coding
        Decisions by people: always kept, and a segment a person has coded gets no machine coding.
        A human coding with confidence 0 records a rejected theme.
    rules : iterable of Coding
        Rule-coder suggestions, used for themes that the model is not ready for.
    model : iterable of Coding
        Learned-coder suggestions, used for themes with at least ``min_examples`` human codings.
    min_examples : int, default=20
        Human-coded segments a theme needs before the model replaces the rules for it.
    rejected : iterable of (segment_id, theme_id), optional
        Machine suggestions a person turned down; never suggested again.

    Returns
    -------
    list of Coding
        In segment order, then by confidence (highest first).
    """
    human = list(human)
    by_person: dict[str, list[Coding]] = {}
    refused = set(rejected)
    for c in human:
        if c.confidence <= 0:
            refused.add((c.segment_id, c.theme_id))
        else:
            by_person.setdefault(c.segment_id, []).append(c)
    ready = model_ready_themes(human, min_examples)
    machine: dict[str, dict[str, Coding]] = {}
    for source, use in ((rules, lambda t: t not in ready), (model, lambda t: t in ready)):
        for c in source:
            if not use(c.theme_id) or (c.segment_id, c.theme_id) in refused:
                continue
            best = machine.setdefault(c.segment_id, {}).get(c.theme_id)
            if best is None or c.confidence > best.confidence:
                machine[c.segment_id][c.theme_id] = c
    out: list[Coding] = []
    for segment in segments:
        if segment.id in by_person:
            chosen = by_person[segment.id]
        else:
            chosen = list(machine.get(segment.id, {}).values())
        out.extend(sorted(chosen, key=lambda c: -c.confidence))
    return out


def model_codings(model, segments: Sequence[Segment], coder_id: str, labels=None) -> list[Coding]:
    """Codings from a fitted ThemeCoder for ``segments``, with confidence and explaining words.

    Parameters
    ----------
    model : fitted ThemeCoder
    segments : sequence of Segment
    coder_id : str
        The model version to record, e.g. ``"model:ThemeCoder-2026-11-26"``.
    labels : sequence of str, optional
        Theme ids of the columns of a multi-label model (default: ``model.classes_``).

    Returns
    -------
    list of Coding
    """
    if not segments:
        return []
    texts = [s.text for s in segments]
    proba = model.predict_proba(texts)
    predicted = model.predict(texts)
    names = list(labels) if labels is not None else [str(c) for c in model.classes_]
    classes = list(model.classes_)
    chosen = []
    for i in range(len(segments)):
        if getattr(model, "multilabel_", False):
            chosen.append([int(j) for j in predicted[i].nonzero()[0]])
        else:
            chosen.append([classes.index(predicted[i])])
    explained = model.explain_batch(texts, [[classes[j] for j in row] for row in chosen])
    out = []
    for i, segment in enumerate(segments):
        for k, j in enumerate(chosen[i]):
            words = tuple(t for t, w in explained[i][k] if w > 0)
            out.append(Coding(segment.id, names[j], coder_id, round(float(proba[i, j]), 4), words))
    return out
