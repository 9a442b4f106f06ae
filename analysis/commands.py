"""The ``code`` and ``discover`` subcommands of ``python -m analysis``: CSV in, CSV or text out.

Errors the user can fix (missing file, missing column, empty text, bad codebook or model) are
raised as :class:`CommandError` and printed as one line, with exit status 2.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import pickle
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from analysis.records import is_status_placeholder
from analysis.redaction import TextTooLongError, redact
from analysis.spreadsheet import CSV_ENCODING, neutralise, read_csv

__all__ = [
    "MODEL_FILE_WARNING",
    "SEPARATOR_HINT",
    "CommandError",
    "add_code_parser",
    "add_discover_parser",
    "add_labelled_input",
    "answer_texts",
    "as_targets",
    "main",
    "progress_bar",
    "read_labelled",
    "read_texts",
    "too_rare",
    "write_table",
]


#: Said wherever a model file is written or read (``train --output``, ``code --model``).
MODEL_FILE_WARNING = (
    "Model files are pickles: loading one runs code, so load only files you trust. They keep "
    "words of the training answers (names among them), so they hold personal data: store and "
    "share them as you would the answers."
)


class CommandError(Exception):
    """A problem with the command's input, reported as one line and exit status 2."""


def progress_bar(iterable, total: int, desc: str):
    """A tqdm progress bar on stderr, shown only when stderr is a terminal."""
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, file=sys.stderr, disable=not sys.stderr.isatty())


def answer_texts(values: Iterable[str | None]) -> list[str]:
    """The texts to analyse, one per value: redacted (``analysis.redaction``), or "" for a blank
    cell or a status placeholder such as "skipped" or "Prefer not to say".

    Every command counts, codes and prints these instead of the cells as read, so no name, phone
    number or address reaches a model, a list of terms or the screen, and a placeholder is
    never taken for an answer.
    """
    texts = []
    for value in values:
        text = (value or "").strip()
        if not text or is_status_placeholder(text):
            texts.append("")
            continue
        try:
            texts.append(redact(text).text)
        except TextTooLongError as exc:
            raise CommandError(str(exc)) from None
    return texts


def read_texts(
    path: str | Path, text_column: str, extra_columns: Sequence[str] = ()
) -> tuple[list[dict[str, str]], list[str]]:
    """Read a CSV file and check its text column.

    The file may be UTF-8 or Windows-1252 and separated by ",", ";", a tab or "|"
    (``analysis.spreadsheet.read_csv``); a Windows-1252 file is read with a note on stderr.

    Parameters
    ----------
    path : str or Path
    text_column : str
    extra_columns : sequence of str
        Other columns that must exist.

    Returns
    -------
    rows : list of dict
    fieldnames : list of str

    Raises
    ------
    CommandError
        Missing file, missing column, or a text column with no text at all.
    """
    path = Path(path)
    if not path.is_file():
        raise CommandError(f"file not found: {path}")
    try:
        reader, encoding = read_csv(path.read_bytes(), [text_column, *extra_columns])
        fieldnames = list(reader.fieldnames or [])
        rows = list(reader)
    except UnicodeDecodeError:
        raise CommandError(
            f"cannot read {path.name}: it is neither UTF-8 nor Windows-1252 text; "
            'save it as "CSV UTF-8" and try again'
        ) from None
    except csv.Error as exc:
        raise CommandError(f"cannot read {path.name} as CSV: {exc}") from None
    if encoding == "cp1252":
        print(
            f"note: {path.name} is not UTF-8, so it was read as Windows-1252 (Excel's "
            '"CSV (Comma delimited)"); check accented letters, or save it as "CSV UTF-8"',
            file=sys.stderr,
        )
    longer = [line for line, row in enumerate(rows, start=2) if None in row]
    if longer:
        shown = ", ".join(map(str, longer[:5])) + (" ..." if len(longer) > 5 else "")
        print(
            f"note: {path.name} has more cells than header names on line(s) {shown}; "
            "the cells without a column name are left out",
            file=sys.stderr,
        )
    for column in (text_column, *extra_columns):
        if column not in fieldnames:
            raise CommandError(
                f"column {column!r} not found in {path.name}; columns are: {', '.join(fieldnames)}"
            )
    if not any(
        (cell := (row.get(text_column) or "").strip()) and not is_status_placeholder(cell)
        for row in rows
    ):
        raise CommandError(
            f"text column {text_column!r} in {path.name} is empty (or holds only placeholders "
            'such as "skipped")'
        )
    return rows, fieldnames


def read_labelled(
    path: str | Path, text_column: str, label_column: str, separator: str | None = None
) -> tuple[list[int], list[str], list[list[str]]]:
    """The rows of a labelled CSV with both text and a label: CSV line numbers, texts
    (redacted, by ``answer_texts``; a status placeholder counts as no text) and each row's
    sorted labels (split on ``separator`` when given).

    Raises CommandError as ``read_texts`` does, when no row has both, or when fewer than two
    different labels remain.
    """
    rows, _ = read_texts(path, text_column, [label_column])
    lines, texts, labels = [], [], []
    redacted = answer_texts(row.get(text_column) for row in rows)
    for line, (row, text) in enumerate(zip(rows, redacted, strict=True), start=2):  # 1: header
        raw = (row.get(label_column) or "").strip()
        parts = [raw] if separator is None else raw.split(separator)
        row_labels = sorted({part.strip() for part in parts if part.strip()})
        if text and row_labels:  # rows without text or without a label cannot teach anything
            lines.append(line)
            texts.append(text)
            labels.append(row_labels)
    if not texts:
        raise CommandError(
            f"no row has both text in {text_column!r} and a label in {label_column!r}"
        )
    found = len({label for row in labels for label in row})
    if found < 2:
        raise CommandError(f"need at least 2 different labels; found {found}")
    return lines, texts, labels


def add_labelled_input(parser: argparse.ArgumentParser, several_labels: bool = True) -> None:
    """Add the arguments naming a labelled CSV: the file, ``--text-column``, ``--label-column``
    and, if rows may carry several labels, ``--separator`` (read with ``read_labelled``)."""
    parser.add_argument(
        "file", help="CSV file (UTF-8 or Windows-1252) with a text column and a label column"
    )
    parser.add_argument("--text-column", required=True, help="column holding the text")
    if not several_labels:
        parser.add_argument("--label-column", required=True, help="column holding the code")
        return
    parser.add_argument("--label-column", required=True, help="column holding the label(s)")
    parser.add_argument(
        "--separator", default=None, help='split several labels in one cell on this, e.g. ";"'
    )


def as_targets(labels: list[list[str]]) -> tuple[np.ndarray, list[str], bool]:
    """Targets for a coder from each row's labels: one label per row gives an array of labels;
    any row with several (or none) gives a 0/1 indicator matrix with one column per name.

    Returns the targets, the sorted label names (the matrix's columns) and whether it is
    multi-label.
    """
    names = sorted({label for row in labels for label in row})
    if all(len(row) == 1 for row in labels):
        return np.array([row[0] for row in labels], dtype=object), names, False
    index = {name: j for j, name in enumerate(names)}
    y = np.zeros((len(labels), len(names)), dtype=int)
    for i, row in enumerate(labels):
        for label in row:
            y[i, index[label]] = 1
    return y, names, True


#: Added by ``too_rare`` when a rare label looks like several joined and no separator was given.
SEPARATOR_HINT = " (several labels in one cell? give --separator)"


def too_rare(labels: list[list[str]], at_least: int, hint: str) -> str:
    """Labels with fewer than ``at_least`` examples, listed for an error message ("'a' has 1,
    'b' has 2 and 3 more"), with ``hint`` added when one looks like several labels in one cell;
    empty when there are none."""
    counts = Counter(label for row in labels for label in row)
    rare = sorted((n, label) for label, n in counts.items() if n < at_least)
    if not rare:
        return ""
    listed = ", ".join(f"{label!r} has {n}" for n, label in rare[:5])
    more = f" and {len(rare) - 5} more" if len(rare) > 5 else ""
    several = any(";" in label or "," in label for _, label in rare)
    return f"{listed}{more}{hint if several else ''}"


def write_table(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write a CSV for people to open: UTF-8 with a byte-order mark, cells neutralised against
    formulas (``analysis.spreadsheet``); a file that cannot be written is a ``CommandError``."""
    try:
        with open(path, "w", newline="", encoding=CSV_ENCODING) as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            for row in rows:
                writer.writerow([neutralise(value) for value in row])
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror}") from None


def _load_model(path: str) -> tuple[Any, list[str]]:
    """Load a pickled ThemeCoder (or ``{"model": ..., "labels": [...]}``) and its theme names."""
    model_path = Path(path)
    if not model_path.is_file():
        raise CommandError(f"model file not found: {model_path}")
    try:
        with open(model_path, "rb") as fh:
            # A model file is the user's own trusted artefact, as with any scikit-learn pickle.
            obj = pickle.load(fh)  # noqa: S301
    except Exception as exc:
        raise CommandError(f"cannot load model {model_path.name}: {exc}") from None
    labels = None
    if isinstance(obj, dict) and "model" in obj:
        obj, labels = obj["model"], obj.get("labels")
    if not hasattr(obj, "predict_proba") or not hasattr(obj, "classes_"):
        raise CommandError(f"{model_path.name} does not hold a fitted ThemeCoder")
    names = [str(x) for x in (labels if labels is not None else obj.classes_)]
    return obj, names


def _model_id(path: str) -> str:
    """The coder recorded for a model file: its name and the start of its content's SHA-256, so
    that two models saved under the same name are told apart (``model:model.pkl@1a2b3c4d``)."""
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:8]
    return f"model:{Path(path).name}@{digest}"


def _explain(model, texts: list[str], labels: list[list]) -> list[list[tuple[str, ...]]]:
    """The supporting words of each text's chosen themes, explained a batch at a time."""
    if not hasattr(model, "explain_batch"):
        return [[() for _ in row] for row in labels]
    explained = model.explain_batch(texts, labels)
    return [
        [tuple(term for term, w in terms if w > 0) if text.strip() else () for terms in row]
        for text, row in zip(texts, explained, strict=True)
    ]


def _code_with_model(model, names: list[str], texts: list[str], batch: int = 2000):
    """Themes, confidences and explaining words for each text from a fitted model; a row
    without text (blank, or a status placeholder) gets none, where a single-label model would
    otherwise give it some theme."""
    with_text = [i for i, text in enumerate(texts) if text.strip()]
    coded = _code_texts_with_model(model, names, [texts[i] for i in with_text], batch)
    results: list[list] = [[] for _ in texts]
    for i, found in zip(with_text, coded, strict=True):
        results[i] = found
    return results


def _code_texts_with_model(model, names: list[str], texts: list[str], batch: int):
    results = []
    classes = list(model.classes_)
    for start in progress_bar(range(0, len(texts), batch), -(-len(texts) // batch), "coding"):
        chunk = texts[start : start + batch]
        proba = np.asarray(model.predict_proba(chunk))
        predicted = np.asarray(model.predict(chunk))
        chosen = []
        for i in range(len(chunk)):
            if predicted.ndim == 2:
                columns = list(np.flatnonzero(predicted[i]))
            else:
                columns = [classes.index(predicted[i])]
            columns.sort(key=lambda j, i=i: -proba[i, j])
            chosen.append(columns)
        words = _explain(model, chunk, [[classes[j] for j in c] for c in chosen])
        for i, columns in enumerate(chosen):
            results.append(
                [
                    (names[j], round(float(proba[i, j]), 3), words[i][k], None)
                    for k, j in enumerate(columns)
                ]
            )
    return results


def run_code(args: argparse.Namespace) -> int:
    """Code every row of a CSV with the rule coder or a trained model; write a CSV."""
    from analysis.codebook import CodebookError, load_codebook
    from analysis.rules import RuleCoder

    extra = [args.stage_column] if args.stage_column else []
    rows, fieldnames = read_texts(args.file, args.text_column, extra)
    texts = answer_texts(row.get(args.text_column) for row in rows)
    # Written redacted, as coded; a blank cell or a placeholder such as "skipped" as it was.
    shown = (
        {}
        if args.original
        else {
            args.text_column: [
                text or row.get(args.text_column) for row, text in zip(rows, texts, strict=True)
            ]
        }
    )
    if args.model:
        model, names = _load_model(args.model)
        coder_id = _model_id(args.model)
        results = _code_with_model(model, names, texts)
    else:
        if not args.codebook:
            raise CommandError("give --codebook PATH (or --model PATH)")
        try:
            codebook = load_codebook(args.codebook)
        except CodebookError as exc:
            raise CommandError("; ".join(exc.problems)) from None
        coder = RuleCoder(codebook, min_confidence=args.min_confidence)
        coder_id = coder.coder_id
        results = []
        for row, text in progress_bar(zip(rows, texts, strict=True), len(rows), "coding"):
            stage = (row.get(args.stage_column) or "").strip() or None if extra else None
            codings = coder.code_text(text, stage)
            results.append([(c.theme_id, c.confidence, c.matched, c.direction) for c in codings])
    write_table(
        args.output,
        [*fieldnames, "themes", "confidence", "direction", "matched", "coder"],
        (
            [
                *(shown[name][i] if name in shown else row.get(name) for name in fieldnames),
                ";".join(t for t, _, _, _ in found),
                ";".join(f"{c:.3f}" for _, c, _, _ in found),
                ";".join(d or "" for _, _, _, d in found),
                " | ".join(f"{t}: {', '.join(w)}" for t, _, w, _ in found if w),
                coder_id,
            ]
            for i, (row, found) in enumerate(zip(rows, results, strict=True))
        ),
    )
    coded = sum(1 for found in results if found)
    print(f"coded {coded} of {len(rows)} rows; wrote {args.output}", file=sys.stderr)
    return 0


def run_discover(args: argparse.Namespace) -> int:
    """Print candidate themes found by NMF in a CSV's text column."""
    from analysis.discovery import discover_themes

    rows, _ = read_texts(args.file, args.text_column)
    texts = answer_texts(row.get(args.text_column) for row in rows)
    try:
        candidates = discover_themes(
            texts, n_topics=args.topics, n_terms=args.terms, random_state=args.seed
        )
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        print(json.dumps([c.as_dict() for c in candidates], indent=2, ensure_ascii=False))
        return 0
    used = sum(1 for text in texts if text.strip())
    print(
        f"{len(candidates)} candidate themes from {used} of {len(texts)} rows with text "
        "(not applied as codings; terms and quotes come from redacted text)"
    )
    for c in candidates:
        print(f"\n{c.id} ({c.size} rows): {', '.join(c.top_terms)}")
        for e in c.exemplars:
            print(f'  - "{e.quote}"')
    return 0


def add_code_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``code`` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "code",
        help="suggest themes for each row of a CSV file",
        description=(
            "Code free text into themes with the codebook's rules, or a trained model. "
            f"{MODEL_FILE_WARNING}"
        ),
    )
    p.add_argument("file", help="CSV file (UTF-8 or Windows-1252)")
    p.add_argument("--text-column", required=True, help="column holding the free text")
    p.add_argument("--codebook", help="codebook YAML file (for the rule coder)")
    p.add_argument(
        "--model",
        help=(
            "model file from 'train' to use instead of the rules. It is a pickle: loading one "
            "runs code, so load only model files you trust (made by you or your team). Model "
            "files keep words of the training answers, so they hold personal data"
        ),
    )
    p.add_argument("--stage-column", help="column holding each row's stage (rules only)")
    p.add_argument("--min-confidence", type=float, default=0.0, help="drop weaker rule codings")
    p.add_argument(
        "--original",
        action="store_true",
        help="write the text column as read; by default it is written redacted, as it was coded",
    )
    p.add_argument("--output", required=True, help="CSV file to write")
    p.set_defaults(handler=run_code)
    return p


def add_discover_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``discover`` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "discover",
        help="find candidate themes in uncoded text",
        description="Find candidate themes (NMF topics) with top terms and redacted quotes.",
    )
    p.add_argument("file", help="CSV file (UTF-8 or Windows-1252)")
    p.add_argument("--text-column", required=True, help="column holding the free text")
    p.add_argument("--topics", type=int, default=5, help="number of candidate themes")
    p.add_argument("--terms", type=int, default=8, help="top terms per candidate")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=run_discover)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``code`` or ``discover`` (used until they are registered in ``analysis.cli``)."""
    parser = argparse.ArgumentParser(prog="python -m analysis.commands")
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_code_parser(subparsers)
    add_discover_parser(subparsers)
    args = parser.parse_args(argv)
    return dispatch(args, parser.prog)


def dispatch(args: argparse.Namespace, prog: str = "python -m analysis") -> int:
    """Call the subcommand's handler, turning a CommandError into one line and exit status 2."""
    try:
        return args.handler(args)
    except CommandError as exc:
        print(f"{prog} {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())


#: Public names for the app (``flask research code --model``): one loader and one coder id.
load_model = _load_model
model_id = _model_id
