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

__all__ = [
    "accept_above",
    "add_evaluate_parser",
    "baseline_coder",
    "calibration",
    "cross_validate",
    "run_evaluate",
]

#: Bins of the reliability curve (equal widths of confidence).
RELIABILITY_BINS = 10


def baseline_coder(multilabel=False):
    """The plain coder ThemeCoder is measured against: word unigram and bigram TF-IDF (sublinear
    tf, terms in at least 2 texts) and a linear SVM with balanced class weights, one-vs-rest for
    multi-label ``y``.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    svm = LinearSVC(class_weight="balanced")
    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
        OneVsRestClassifier(svm) if multilabel else svm,
    )


def calibration(proba, truth, multilabel=False, bins=RELIABILITY_BINS):
    """Expected calibration error and reliability curve of predicted confidences.

    Single-label: the confidence of each text's most likely theme against whether that theme is
    right. Multi-label: every theme's probability for every text against whether the text
    carries it. Confidences are put in ``bins`` equal-width bins; the error is the mean gap
    between confidence and the share right in each bin, weighted by the bin's count.

    Parameters
    ----------
    proba : ndarray of shape (n_texts, n_themes)
        ``predict_proba`` output.
    truth : ndarray
        Single-label: index of each text's theme (columns of ``proba``). Multi-label: 0/1
        indicator matrix of the same shape as ``proba``.
    multilabel : bool, default=False
    bins : int, default=10

    Returns
    -------
    dict
        ``expected_calibration_error`` and ``reliability``: per non-empty bin, its range
        (``low``, ``high``), mean ``confidence``, share ``right`` and ``count``.
    """
    proba = np.asarray(proba, dtype=float)
    if multilabel:
        confidence = proba.ravel()
        right = np.asarray(truth, dtype=float).ravel()
    else:
        confidence = proba.max(axis=1)
        right = (proba.argmax(axis=1) == np.asarray(truth)).astype(float)
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    curve, error = [], 0.0
    for b in range(bins):
        inside = which == b
        if not inside.any():
            continue
        mean_conf, share = float(confidence[inside].mean()), float(right[inside].mean())
        error += inside.sum() / max(len(confidence), 1) * abs(mean_conf - share)
        curve.append(
            {
                "low": round(b / bins, 2),
                "high": round((b + 1) / bins, 2),
                "confidence": round(mean_conf, 4),
                "right": round(share, 4),
                "count": int(inside.sum()),
            }
        )
    return {"expected_calibration_error": round(float(error), 4), "reliability": curve}


#: Confidence cut-offs of the "accept all above X" figures.
ACCEPT_CUTOFFS = (0.5, 0.7, 0.8, 0.9)


def accept_above(proba, chosen, truth, multilabel=False, cutoffs=ACCEPT_CUTOFFS):
    """What "accept all suggestions above X" would accept, and how much of it is right.

    A suggestion is a theme the coder gave a text, with its confidence: single-label, the
    predicted theme; multi-label, every theme given.

    Parameters
    ----------
    proba : ndarray of shape (n_texts, n_themes)
        ``predict_proba`` output.
    chosen : ndarray
        Single-label: the column of each text's predicted theme. Multi-label: the 0/1 matrix
        ``predict`` gave.
    truth : ndarray
        Single-label: the column of each text's theme. Multi-label: the 0/1 code matrix.
    multilabel : bool, default=False
    cutoffs : sequence of float

    Returns
    -------
    list of dict
        Per cut-off: ``cutoff``, ``accepted`` (share of all suggestions at or above it),
        ``count`` (how many) and ``right`` (share of those that are right; None if none).
    """
    proba = np.asarray(proba, dtype=float)
    if multilabel:
        given = np.asarray(chosen).astype(bool)
        confidence, right = proba[given], np.asarray(truth)[given].astype(bool)
    else:
        column = np.asarray(chosen, dtype=int)
        confidence = proba[np.arange(len(column)), column]
        right = column == np.asarray(truth)
    out = []
    for cutoff in cutoffs:
        accepted = confidence >= cutoff
        count = int(accepted.sum())
        out.append(
            {
                "cutoff": cutoff,
                "accepted": round(count / max(len(confidence), 1), 4),
                "count": count,
                "right": round(float(right[accepted].mean()), 4) if count else None,
            }
        )
    return out


def cross_validate(texts, labels, folds=5, seed=0, make_coder=None, baseline=True):
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
    baseline : bool, default=True
        Also cross-validate :func:`baseline_coder` on the same folds.

    Returns
    -------
    dict
        ``macro_f1``, ``micro_f1``, ``n_documents``, ``n_labels``, ``fit_seconds``,
        ``predict_seconds`` (summed over folds) and ``per_label``
        (label -> precision, recall, f1, support); ``n_no_theme`` (texts with no label, when
        multi-label); ``calibration`` (see :func:`calibration`, on the out-of-fold
        ``predict_proba`` when the coder has it); with ``baseline``, ``baseline`` (its
        ``macro_f1``, ``micro_f1``, ``fit_seconds``, ``predict_seconds``) and
        ``macro_f1_vs_baseline`` (the coder's macro-F1 minus the baseline's).
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
    split = list(split)
    base_predicted = predicted.copy()
    proba = np.zeros((len(docs), len(names)))
    has_proba = True
    fit_seconds = predict_seconds = base_fit = base_predict = 0.0
    for train, test in split:
        coder = make_coder()
        start = time.perf_counter()
        coder.fit(docs[train].tolist(), y[train])
        fit_seconds += time.perf_counter() - start
        start = time.perf_counter()
        predicted[test] = coder.predict(docs[test].tolist())
        predict_seconds += time.perf_counter() - start
        has_proba = has_proba and hasattr(coder, "predict_proba")
        if has_proba:
            part = coder.predict_proba(docs[test].tolist())
            if not multilabel:  # columns of the themes this fold's coder knows
                columns = [names.index(str(c)) for c in coder.classes_]
                part_full = np.zeros((len(test), len(names)))
                part_full[:, columns] = part
                part = part_full
            proba[test] = part
        if baseline:
            plain = baseline_coder(multilabel)
            start = time.perf_counter()
            plain.fit(docs[train].tolist(), y[train])
            base_fit += time.perf_counter() - start
            start = time.perf_counter()
            base_predicted[test] = plain.predict(docs[test].tolist())
            base_predict += time.perf_counter() - start
    if multilabel:
        truth, guess, label_arg = y, predicted, None
    else:
        truth, guess, label_arg = y.astype(str), predicted.astype(str), names
    p, r, f, s = precision_recall_fscore_support(
        truth, guess, labels=label_arg, average=None, zero_division=0
    )
    macro = round(float(f1_score(truth, guess, average="macro", zero_division=0)), 4)
    result = {
        "macro_f1": macro,
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
    if multilabel:
        result["n_no_theme"] = int((y.sum(axis=1) == 0).sum())
    if has_proba:
        index = {name: j for j, name in enumerate(names)}
        target = y if multilabel else np.array([index[str(label)] for label in y])
        result["calibration"] = calibration(proba, target, multilabel)
        chosen = predicted if multilabel else np.array([index[str(label)] for label in predicted])
        result["calibration"]["accept_above"] = accept_above(proba, chosen, target, multilabel)
    if baseline:
        base_guess = base_predicted if multilabel else base_predicted.astype(str)
        base_macro = round(float(f1_score(truth, base_guess, average="macro", zero_division=0)), 4)
        result["baseline"] = {
            "macro_f1": base_macro,
            "micro_f1": round(
                float(f1_score(truth, base_guess, average="micro", zero_division=0)), 4
            ),
            "fit_seconds": round(base_fit, 3),
            "predict_seconds": round(base_predict, 3),
        }
        result["macro_f1_vs_baseline"] = round(macro - base_macro, 4)
    return result


def _read_labelled(args) -> tuple[list[str], list[list[str]]]:
    """Texts and their labels from the CSV, with one-line errors for what the user can fix."""
    _, texts, labels = read_labelled(args.file, args.text_column, args.label_column, args.separator)
    if args.no_theme is not None:
        # A row coded only with the no-theme label carries no theme: an empty row of the
        # indicator matrix, which ThemeCoder learns to predict (at_least_one="auto").
        labels = [[label for label in row if label != args.no_theme] for row in labels]
        if not any(labels):
            raise CommandError(f"every row is coded {args.no_theme!r}: no theme to learn")
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
    if "baseline" in result:
        base = result["baseline"]
        print(
            f"baseline (TF-IDF word 1-2-grams + LinearSVC, balanced) on the same folds: macro-F1 "
            f"{base['macro_f1']:.3f}   micro-F1 {base['micro_f1']:.3f}   ThemeCoder "
            f"{result['macro_f1_vs_baseline']:+.3f} macro-F1"
        )
    if "n_no_theme" in result:
        print(f"texts with no theme: {result['n_no_theme']}")
    if "calibration" in result:
        cal = result["calibration"]
        print(
            f"confidence: expected calibration error {cal['expected_calibration_error']:.3f} "
            "(confidence bin: mean confidence -> share right, texts)"
        )
        for b in cal["reliability"]:
            print(
                f"  {b['low']:.1f}-{b['high']:.1f}: {b['confidence']:.2f} -> {b['right']:.2f}"
                f"  ({b['count']})"
            )
        print("accept all suggestions above X (share of suggestions accepted -> share right):")
        for a in cal["accept_above"]:
            right = "-" if a["right"] is None else f"{a['right']:.2f}"
            print(f"  {a['cutoff']:.1f}: {a['accepted']:.2f} ({a['count']}) -> {right}")
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
    p.add_argument(
        "--no-theme",
        metavar="LABEL",
        help='label meaning "no theme" (e.g. none): such rows are coded with no theme, and the '
        "file is evaluated as multi-label",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=run_evaluate)
    return p
