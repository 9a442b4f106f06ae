"""``python -m analysis check-codes``: find human codes that look wrong, for a person to check.

Each text is scored by a ThemeCoder that was not trained on it (k-fold); a code is listed when
that model confidently prefers another theme (``analysis.coder.suspect_codes``). Nothing is
changed: the list says where a second look is most likely to find a coding slip.
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedKFold

from analysis.commands import (
    CommandError,
    add_labelled_input,
    progress_bar,
    read_labelled,
    too_rare,
    write_table,
)

__all__ = ["CodeToCheck", "add_check_codes_parser", "codes_to_check", "run_check_codes"]


@dataclass(frozen=True)
class CodeToCheck:
    """One code the out-of-fold model contradicts."""

    index: int  # position in the texts given
    text: str
    code: str
    suggested: str  # the theme the model prefers
    suggested_confidence: float  # its probability for that theme
    code_confidence: float  # its probability for the code given


def codes_to_check(texts, codes, folds=5, seed=0, progress=False):
    """Codes that a model trained on the other texts contradicts, the most confident first.

    Parameters
    ----------
    texts : sequence of str
    codes : sequence of str
        One theme per text.
    folds : int, default=5
        Folds of the out-of-fold scoring (fewer if a theme has fewer codes).
    seed : int, default=0
        Seed of the fold split.
    progress : bool, default=False
        Show a progress bar over the folds on a terminal.

    Returns
    -------
    suspects : list of CodeToCheck
        Ordered by how much more likely the suggested theme is than the code.
    share : dict
        Theme -> (codes, codes that look wrong).
    """
    from analysis.coder import ThemeCoder, suspect_codes

    docs = np.array(list(texts), dtype=object)
    names, y = np.unique(np.asarray(codes, dtype=str), return_inverse=True)
    n_folds = min(folds, int(np.bincount(y).min()))
    if n_folds < 2:
        raise ValueError("every theme needs at least 2 codes to be checked")
    proba = np.zeros((len(y), len(names)))
    split = list(StratifiedKFold(n_folds, shuffle=True, random_state=seed).split(docs, y))
    for train, test in progress_bar(split, len(split), "checking") if progress else split:
        coder = ThemeCoder().fit(docs[train].tolist(), y[train])
        proba[np.ix_(test, coder.classes_)] = coder.predict_proba(docs[test].tolist())
    suspect = np.flatnonzero(suspect_codes(proba, y))
    rows = np.arange(len(y))
    masked = proba.copy()
    masked[rows, y] = -1.0
    preferred = masked.argmax(axis=1)
    margin = proba[rows, preferred] - proba[rows, y]
    order = suspect[np.argsort(-margin[suspect], kind="stable")]
    suspects = [
        CodeToCheck(
            index=int(i),
            text=str(docs[i]),
            code=str(names[y[i]]),
            suggested=str(names[preferred[i]]),
            suggested_confidence=round(float(proba[i, preferred[i]]), 3),
            code_confidence=round(float(proba[i, y[i]]), 3),
        )
        for i in order
    ]
    flagged = Counter(names[y[i]] for i in suspect)
    counts = Counter(names[y])
    share = {str(name): (counts[name], flagged[name]) for name in names}
    return suspects, share


def _read_single_coded(args) -> tuple[list[int], list[str], list[str]]:
    """CSV line numbers, texts and codes of the rows with both, with one-line errors."""
    lines, texts, labels = read_labelled(args.file, args.text_column, args.label_column)
    hint = " (several codes in one cell? check-codes takes one code per text)"
    if rare := too_rare(labels, 2, hint):
        raise CommandError(f"each code needs at least 2 examples to be checked: {rare}")
    if args.folds < 2:
        raise CommandError(f"--folds must be at least 2, not {args.folds}")
    return lines, texts, [row[0] for row in labels]


def run_check_codes(args: argparse.Namespace) -> int:
    """List the codes that look wrong (and write them all to --output)."""
    lines, texts, codes = _read_single_coded(args)
    suspects, share = codes_to_check(texts, codes, folds=args.folds, seed=args.seed, progress=True)
    print(
        f"{len(suspects)} of {len(texts)} codes look wrong: a ThemeCoder not trained on the text "
        "confidently prefers another theme. Check them against the text; nothing was changed."
    )
    width = max(len("code"), *(len(name) for name in share))
    print(f"\n{'code':<{width}}  codes  look wrong")
    for name, (n, flagged) in share.items():
        print(f"{name:<{width}}  {n:5d}  {flagged:4d} ({flagged / n:.0%})")
    if suspects:
        print(f"\n{'line':>5}  code -> suggested (confidence): text")
    for item in suspects[: args.limit]:
        text = item.text if len(item.text) <= 70 else item.text[:69] + "…"
        print(
            f"{lines[item.index]:>5}  {item.code} -> {item.suggested} "
            f"({item.suggested_confidence:.2f}): {text}"
        )
    if len(suspects) > args.limit:
        print(f"... and {len(suspects) - args.limit} more" + ("" if args.output else " (--output)"))
    if args.output:
        write_table(
            args.output,
            ["line", "text", "code", "suggested", "suggested_confidence", "code_confidence"],
            (
                [
                    lines[item.index],
                    item.text,
                    item.code,
                    item.suggested,
                    item.suggested_confidence,
                    item.code_confidence,
                ]
                for item in suspects
            ),
        )
    return 0


def add_check_codes_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``check-codes`` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "check-codes",
        help="list human codes that look wrong, for a second look",
        description=(
            "Score each coded text with a ThemeCoder trained on the other texts (k-fold) and "
            "list the codes it confidently contradicts. One code per text."
        ),
    )
    add_labelled_input(p, several_labels=False)
    p.add_argument("--folds", type=int, default=5, help="number of folds (default 5)")
    p.add_argument("--seed", type=int, default=0, help="seed of the fold split (default 0)")
    p.add_argument("--limit", type=int, default=20, help="codes listed on screen (default 20)")
    p.add_argument("--output", help="write every code that looks wrong to this CSV file")
    p.set_defaults(handler=run_check_codes)
    return p
