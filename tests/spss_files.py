"""Open a .sav file the way a researcher would: with GNU PSPP (Debian's ``pspp``, installed by
``.ci/run``), which reads SPSS system files. Tests that use it skip where PSPP is missing."""

import csv
import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class SavContents:
    variables: dict[str, dict[str, str]]  # name -> Label, Measurement Level, Print Format …
    value_labels: dict[str, dict[str, str]]  # name -> value -> label
    values: list[dict[str, str]]  # one dict per case, as PSPP writes values to CSV
    labels: list[dict[str, str]]  # the same cases with value labels in place of codes


def read_sav(path: Path) -> SavContents:
    pspp = shutil.which("pspp")
    if pspp is None:
        pytest.skip("needs GNU PSPP to open .sav files (Debian package pspp; .ci/run installs it)")
    work = path.parent
    syntax = work / "read.sps"
    syntax.write_text(
        f"GET FILE='{path.name}'.\n"
        "DISPLAY DICTIONARY.\n"
        "SAVE TRANSLATE /OUTFILE='values.csv' /TYPE=CSV /FIELDNAMES /CELLS=VALUES /REPLACE.\n"
        "SAVE TRANSLATE /OUTFILE='labels.csv' /TYPE=CSV /FIELDNAMES /CELLS=LABELS /REPLACE.\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [pspp, "-o", "dictionary.csv", syntax.name],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=60,
    )
    report = (work / "dictionary.csv").read_text("utf-8")
    assert done.returncode == 0 and "error" not in report.lower(), done.stdout + report
    assert "warning" not in report.lower(), report
    tables = _tables(report)
    variables = {
        row[0]: dict(zip(tables["Variables"][0][1:], row[1:], strict=False))
        for row in tables["Variables"][1:]
    }
    by_label = {v["Label"] or name: name for name, v in variables.items()}
    value_labels: dict[str, dict[str, str]] = {}
    current = None
    for row in tables.get("Value Labels", [])[1:]:
        if row[0]:
            current = by_label[row[0]]
        value_labels.setdefault(current, {})[row[1]] = row[2]
    return SavContents(
        variables,
        value_labels,
        _cases(work / "values.csv"),
        _cases(work / "labels.csv"),
    )


def _tables(report: str) -> dict[str, list[list[str]]]:
    tables: dict[str, list[list[str]]] = {}
    for block in report.split("\n\n"):
        lines = block.strip().splitlines()
        if lines and lines[0].startswith("Table: "):
            tables[lines[0].removeprefix("Table: ")] = list(
                csv.reader(io.StringIO("\n".join(lines[1:])))
            )
    return tables


def _cases(path: Path) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8"))))
    return [{k: v.strip() for k, v in row.items()} for row in rows]
