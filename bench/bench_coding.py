"""Benchmark: train ThemeCoder on 10,000 coded answers and code 100,000, beside TF-IDF+LinearSVC.

Goals (issue 15, tighter than issue 4's): coding 100,000 answers of survey length in at most 2 s
(50,000 a second) and 1 GB; training on 10,000 coded answers in under 10 s. The baseline is
``analysis.evaluate.baseline_coder`` (word 1-2-gram TF-IDF + balanced LinearSVC). Also times
explaining every coding of the 100,000 answers
(what ``python -m analysis code --model`` adds). CPU seconds are printed beside wall seconds
because the machine is shared: on a loaded machine wall time overstates the work.
Run: ``python bench/bench_coding.py [--multilabel]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from sklearn.metrics import f1_score

from analysis.coder import ThemeCoder
from analysis.evaluate import baseline_coder
from analysis.synthetic import make_survey_answers


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label, fn):
    """Run ``fn``; return its result, wall seconds and CPU seconds (all threads)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - start, time.process_time() - cpu


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=10_000)
    parser.add_argument("--code", type=int, default=100_000)
    parser.add_argument("--multilabel", action="store_true")
    args = parser.parse_args(argv)

    train_x, train_y, _ = make_survey_answers(args.train, multilabel=args.multilabel, seed=1)
    code_x, code_y, _ = make_survey_answers(args.code, multilabel=args.multilabel, seed=2)
    words = np.mean([len(t.split()) for t in code_x[:5000]])
    print(
        f"data: train {len(train_x):,} / code {len(code_x):,} answers "
        f"({'multi' if args.multilabel else 'single'}-label, mean {words:.0f} words); "
        f"peak memory so far {peak_mb():.0f} MB"
    )
    baseline = baseline_coder(args.multilabel)
    print(
        f"{'coder':<22}{'fit s':>8}{'fit cpu':>8}{'code s':>8}{'cpu':>6}{'docs/s':>9}"
        f"{'macro-F1':>10}{'peak MB':>9}"
    )
    coders = (
        ("TF-IDF + LinearSVC", baseline),
        ("ThemeCoder", ThemeCoder()),
        ("ThemeCoder n_jobs=2", ThemeCoder(n_jobs=2)),
    )
    times = {}
    for name, model in coders:
        _, fit_s, fit_cpu = timed("fit", lambda m=model: m.fit(train_x, train_y))
        predicted, code_s, code_cpu = timed("code", lambda m=model: m.predict(code_x))
        times[name] = fit_s, code_s, code_cpu
        f1 = f1_score(code_y, predicted, average="macro", zero_division=0)
        print(
            f"{name:<22}{fit_s:8.1f}{fit_cpu:8.1f}{code_s:8.1f}{code_cpu:6.1f}"
            f"{len(code_x) / code_s:9,.0f}"
            f"{f1:10.4f}{peak_mb():9.0f}",
            flush=True,
        )
    classes = model.classes_
    if args.multilabel:
        labels = [[classes[j] for j in np.flatnonzero(row)] for row in predicted]
    else:
        labels = [[label] for label in predicted]
    _, explain_s, _ = timed("explain", lambda: model.explain_batch(code_x, labels))
    print(
        f"explaining {sum(map(len, labels)):,} codings of {len(code_x):,} answers: "
        f"{explain_s:.1f} s; peak memory {peak_mb():.0f} MB"
    )
    fit_s, code_s, code_cpu = times["ThemeCoder"]

    def verdict(ok):
        return "met" if ok else "NOT met"

    print(
        f"ThemeCoder goals: fit 10,000 in under 10 s ({verdict(fit_s < 10)}: {fit_s:.1f} s), "
        f"code 100,000 in at most 2 s (wall {verdict(code_s <= 2)}: {code_s:.1f} s; "
        f"CPU {verdict(code_cpu <= 2)}: {code_cpu:.1f} s); load average "
        + " ".join(f"{x:.1f}" for x in os.getloadavg())
        + " (on a shared machine the CPU time is the steadier figure)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
