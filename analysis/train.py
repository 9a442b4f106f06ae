"""``python -m analysis train``: fit ThemeCoder on a coded CSV and save it for ``code --model``.

The researcher's path from the command line: code a sample by hand, check it (``check-codes``),
see how well a model would do (``evaluate``), ``train`` one, then ``code --model`` the rest.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from collections import Counter

from analysis.combine import MODEL_READY_CODES
from analysis.commands import (
    MODEL_FILE_WARNING,
    SEPARATOR_HINT,
    CommandError,
    add_labelled_input,
    as_targets,
    read_labelled,
    too_rare,
)

__all__ = ["add_train_parser", "run_train", "train_model"]


def train_model(texts, labels):
    """Fit ``ThemeCoder`` on texts with one or several labels each.

    Parameters
    ----------
    texts : list of str
    labels : list of list of str
        The labels of each text; several (or none) in any row makes the model multi-label.

    Returns
    -------
    dict
        ``{"model": fitted ThemeCoder, "labels": theme names}``, the form ``code --model``
        reads; for a multi-label model the names are its columns in order.
    """
    from analysis.coder import ThemeCoder

    y, names, multilabel = as_targets(labels)
    model = ThemeCoder().fit(texts, y)
    return {"model": model, "labels": names if multilabel else [str(c) for c in model.classes_]}


def run_train(args: argparse.Namespace) -> int:
    """Train on the CSV, write the model file and say which themes have few codes."""
    _, texts, labels = read_labelled(args.file, args.text_column, args.label_column, args.separator)
    hint = SEPARATOR_HINT if args.separator is None else ""
    if rare := too_rare(labels, 2, hint):
        raise CommandError(f"each label needs at least 2 examples to train on: {rare}")
    trained = train_model(texts, labels)
    try:
        with open(args.output, "wb") as fh:
            pickle.dump(trained, fh, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError as exc:
        raise CommandError(f"cannot write {args.output}: {exc.strerror}") from None
    kind = "multi-label" if trained["model"].multilabel_ else "single-label"
    print(
        f"trained ThemeCoder ({kind}) on {len(texts)} texts and {len(trained['labels'])} "
        f"themes; wrote {args.output}"
    )
    counts = Counter(label for row in labels for label in row)
    # Below this the product keeps the rule coder's suggestions (analysis.combine).
    few = sorted((n, label) for label, n in counts.items() if n < MODEL_READY_CODES)
    if few:
        listed = ", ".join(f"{label} ({n})" for n, label in few)
        print(
            f"themes with fewer than {MODEL_READY_CODES} codes, whose suggestions are less "
            f"reliable: {listed}"
        )
    print(
        f"code with: python -m analysis code FILE.csv --text-column T --model {args.output} "
        "--output OUT.csv",
        file=sys.stderr,
    )
    return 0


def add_train_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``train`` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "train",
        help="train ThemeCoder on a coded CSV and save it for code --model",
        description=(
            "Fit ThemeCoder on a coded CSV file and save it for python -m analysis code --model. "
            f"{MODEL_FILE_WARNING}"
        ),
    )
    add_labelled_input(p)
    p.add_argument(
        "--output",
        required=True,
        help=(
            "model file to write, e.g. model.pkl. It is a pickle, which only trusted people "
            "should load (loading runs code); it keeps words of the training answers, so it "
            "holds personal data"
        ),
    )
    p.set_defaults(handler=run_train)
    return p
