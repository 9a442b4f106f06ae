"""``python -m analysis evaluate``: k-fold cross-validation of ThemeCoder on a labelled CSV."""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import KFold, StratifiedKFold

from analysis.commands import (
    SEPARATOR_HINT,
    CommandError,
    add_labelled_input,
    as_targets,
    read_labelled,
    too_rare,
)

__all__ = ["add_evaluate_parser", "cross_validate", "run_evaluate"]


def cross_validate(texts, labels, folds=5, seed=0, make_coder=None):
    """Cross-validate a coder on texts with one or several labels each.

    Parameters
    ----------
    texts : list of str
        The texts.
    labels : list of list of str
        The labels of each text (one element per text for single-label data).
    folds : int, default=5
        Number of folds (stratified when every text has exactly one label).
    seed : int, default=0
        Seed of the fold split.
    make_coder : callable, optional
        Returns a fresh estimator (default: ``ThemeCoder()``).

    Returns
    -------
    dict
        ``macro_f1``, ``micro_f1``, ``n_documents``, ``n_labels``, ``fit_seconds``,
        ``predict_seconds`` (summed over folds) and ``per_label``
        (label -> precision, recall, f1, support).
    """
    from analysis.coder import ThemeCoder

    make_coder = make_coder or ThemeCoder
    y, names, multilabel = as_targets(labels)
    docs = np.array(texts, dtype=object)
    if multilabel:
        split = KFold(folds, shuffle=True, random_state=seed).split(docs)
        predicted = np.zeros_like(y)
    else:
        split = StratifiedKFold(folds, shuffle=True, random_state=seed).split(docs, y)
        predicted = np.empty(len(y), dtype=object)
    fit_seconds = predict_seconds = 0.0
    for train, test in split:
        coder = make_coder()
        start = time.perf_counter()
        coder.fit(docs[train].tolist(), y[train])
        fit_seconds += time.perf_counter() - start
        start = time.perf_counter()
        predicted[test] = coder.predict(docs[test].tolist())
        predict_seconds += time.perf_counter() - start
    if multilabel:
        truth, guess, label_arg = y, predicted, None
    else:
        truth, guess, label_arg = y.astype(str), predicted.astype(str), names
    p, r, f, s = precision_recall_fscore_support(
        truth, guess, labels=label_arg, average=None, zero_division=0
    )
    return {
        "macro_f1": round(float(f1_score(truth, guess, average="macro", zero_division=0)), 4),
        "micro_f1": round(float(f1_score(truth, guess, average="micro", zero_division=0)), 4),
        "n_documents": len(texts),
        "n_labels": len(names),
        "fit_seconds": round(fit_seconds, 3),
        "predict_seconds": round(predict_seconds, 3),
        "per_label": {
            name: {
                "precision": round(float(p[j]), 4),
                "recall": round(float(r[j]), 4),
                "f1": round(float(f[j]), 4),
                "support": int(s[j]),
            }
            for j, name in enumerate(names)
        },
    }


def _read_labelled(args) -> tuple[list[str], list[list[str]]]:
    """Texts and their labels from the CSV, with one-line errors for what the user can fix."""
    _, texts, labels = read_labelled(args.file, args.text_column, args.label_column, args.separator)
    if args.folds < 2:
        raise CommandError(f"--folds must be at least 2, not {args.folds}")
    hint = SEPARATOR_HINT if args.separator is None else ""
    if rare := too_rare(labels, args.folds, hint):
        raise CommandError(
            f"too few examples for {args.folds}-fold cross-validation (each label needs at least "
            f"{args.folds}): {rare}"
        )
    if len(texts) < args.folds:
        raise CommandError(f"only {len(texts)} labelled rows for {args.folds} folds")
    return texts, labels


def run_evaluate(args: argparse.Namespace) -> int:
    """Cross-validate ThemeCoder on the CSV and print the figures (text or JSON)."""
    texts, labels = _read_labelled(args)
    result = cross_validate(texts, labels, folds=args.folds, seed=args.seed)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    print(
        f"ThemeCoder, {args.folds}-fold cross-validation on {result['n_documents']} documents, "
        f"{result['n_labels']} labels"
    )
    print(f"macro-F1 {result['macro_f1']:.3f}   micro-F1 {result['micro_f1']:.3f}")
    print(
        f"fit {result['fit_seconds']:.2f} s, predict {result['predict_seconds']:.2f} s (all folds)"
    )
    width = max(len("label"), *(len(name) for name in result["per_label"]))
    print(f"\n{'label':<{width}}  precision  recall     f1  support")
    for name, m in result["per_label"].items():
        print(
            f"{name:<{width}}  {m['precision']:9.3f}  {m['recall']:6.3f}  {m['f1']:5.3f}  "
            f"{m['support']:7d}"
        )
    return 0


def add_evaluate_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``evaluate`` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "evaluate",
        help="cross-validate ThemeCoder on a labelled CSV",
        description="k-fold cross-validation of ThemeCoder on a labelled CSV file.",
    )
    add_labelled_input(p)
    p.add_argument("--folds", type=int, default=5, help="number of folds (default 5)")
    p.add_argument("--seed", type=int, default=0, help="seed of the fold split (default 0)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=run_evaluate)
    return p
