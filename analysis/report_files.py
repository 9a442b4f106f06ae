"""The thematic summary as files: JSON (the contract), CSV tables in a zip, XLSX (a sheet each).

Every table is built from a :class:`analysis.summary.Summary`, which holds only publishable
numbers: a hidden count is written as "fewer than 10" (below the threshold) or "withheld"
(hidden so that a small count cannot be worked out), and its percentage as "withheld". Cells
go through :func:`analysis.spreadsheet.neutralise`, so quoted answer text never runs as a
formula; CSVs are UTF-8 with a byte-order mark (:data:`analysis.spreadsheet.CSV_ENCODING`).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.disclosure import Cell
from analysis.spreadsheet import CSV_ENCODING, csv_bytes, neutralise
from analysis.summary import Summary

__all__ = [
    "FORMATS",
    "Table",
    "summary_tables",
    "write_summary",
    "write_summary_csv",
    "write_summary_json",
    "write_summary_xlsx",
]

FORMATS = ("json", "csv", "xlsx", "svg")
WITHHELD = "withheld"


@dataclass(frozen=True)
class Table:
    """One table of the summary: a name (file and sheet name), a title, a header and rows."""

    name: str
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def _n(cell: Cell | None) -> Any:
    """A count as written in a table: the number, or why it is hidden."""
    if cell is None:
        return ""
    return cell.value if cell.shown else cell.text()


def _pct(cell: Cell | None) -> Any:
    """A percentage as written in a table: the number, or "withheld"."""
    if cell is None:
        return ""
    return WITHHELD if cell.percent is None else cell.percent


def summary_tables(summary: Summary) -> list[Table]:
    """Every table of ``summary``, in the order the page shows them.

    Parameters
    ----------
    summary : Summary

    Returns
    -------
    list of Table
    """
    labels = summary.labels
    tables: list[Table] = []
    filters = "; ".join(f"{k}={v}" for k, v in summary.filters.as_dict().items()) or "none"
    tables.append(
        Table(
            "about",
            "About these tables",
            ("item", "value"),
            (
                ("questionnaire", summary.questionnaire),
                ("threshold", summary.threshold),
                ("filters", filters),
                (
                    "disclosure control",
                    f"Counts below {summary.threshold}, zeros included, show as 'fewer than "
                    f"{summary.threshold}' (ACRO's threshold rule); a count that would let one "
                    "be worked out by subtraction shows as 'withheld' (secondary suppression); "
                    "percentages of hidden counts are withheld.",
                ),
                (
                    "machine coding",
                    "Theme counts marked coded_by=machine rest only on machine suggestions "
                    "nobody has reviewed; 'unreviewed' counts such segments for every theme.",
                ),
            ),
        )
    )
    rows: list[tuple[Any, ...]] = [("all", "all", "All respondents", _n(summary.respondents), "")]
    for dim, cells in (
        ("channel", summary.by_channel),
        ("area", summary.by_area),
        ("crime_type", summary.by_crime_type),
    ):
        for value, cell in cells.items():
            label = labels.get(dim, {}).get(value, value.replace("_", " "))
            rows.append((dim, value, label, _n(cell), _pct(cell)))
    tables.append(
        Table(
            "respondents",
            "Respondents",
            ("group", "value", "label", "respondents", "percent"),
            tuple(rows),
        )
    )

    questions, options, by_crime, by_area = [], [], [], []
    for q in summary.questions.values():
        questions.append(
            (
                q.name,
                q.label,
                "yes" if q.multiple else "no",
                _n(q.asked),
                _n(q.base),
                _n(q.prefer_not_to_say),
                _n(q.not_answered),
            )
        )
        for o in q.options:
            options.append((q.name, o.value, o.label, _n(o.count), _pct(o.count)))
        for target, groups in ((by_crime, q.by_crime_type), (by_area, q.by_area)):
            for g in groups:
                for o in g.options:
                    head = (q.name, g.group, g.label, _n(g.base), o.value, o.label)
                    target.append((*head, _n(o.count), _pct(o.count)))
    tables.append(
        Table(
            "questions",
            "Closed questions: who was asked and answered",
            (
                "question",
                "label",
                "several_answers",
                "asked",
                "base",
                "prefer_not_to_say",
                "not_answered",
            ),
            tuple(questions),
        )
    )
    tables.append(
        Table(
            "answers",
            "Closed questions: answers (percent of base)",
            ("question", "value", "label", "count", "percent"),
            tuple(options),
        )
    )
    crosstab_header = ("question", "group", "group_label", "base", "value", "label", "count")
    tables.append(
        Table(
            "answers_by_crime_type",
            "Closed questions by crime type (percent of the group's base)",
            (*crosstab_header, "percent"),
            tuple(by_crime),
        )
    )
    tables.append(
        Table(
            "answers_by_area",
            "Closed questions by area (percent of the group's base)",
            (*crosstab_header, "percent"),
            tuple(by_area),
        )
    )

    stages = [
        (
            "all",
            "Any stage",
            _n(summary.themes_base.get("respondents")),
            _n(summary.themes_base.get("participants")),
            "",
            _n(summary.themes_base.get("answers_saying_nothing")),
        )
    ]
    themes, breakdown, quotes = [], [], []
    for stage in summary.stages.values():
        stages.append(
            (
                stage.stage,
                stage.label,
                _n(stage.respondents),
                _n(stage.participants),
                _n(stage.segments),
                _n(stage.answers_saying_nothing),
            )
        )
        for t in stage.themes:
            themes.append(
                (
                    stage.stage,
                    t.rank,
                    t.theme,
                    t.label,
                    t.definition,
                    _n(t.respondents),
                    _pct(t.respondents),
                    _n(t.participants),
                    _pct(t.participants),
                    _n(t.segments),
                    _n(t.unreviewed),
                    t.coded_by,
                    "yes" if t.machine_only else "no",
                    "" if t.sentiment_mean is None else t.sentiment_mean,
                    *(_n(t.sentiment.get(b)) for b in ("negative", "neutral", "positive")),
                )
            )
            for dim, cells in t.breakdown.items():
                for value, cell in cells.items():
                    breakdown.append((stage.stage, t.theme, dim, value, _n(cell)))
            for direction, cell in t.directions.items():
                breakdown.append((stage.stage, t.theme, "direction", direction, _n(cell)))
            for i, quote in enumerate(t.quotes, 1):
                quotes.append((stage.stage, t.theme, t.label, i, quote.text))
    tables.append(
        Table(
            "stages",
            "Free text by stage: who said something, and answers that said nothing",
            (
                "stage",
                "label",
                "respondents",
                "participants",
                "segments",
                "answers_saying_nothing",
            ),
            tuple(stages),
        )
    )
    tables.append(
        Table(
            "themes",
            "Themes per stage, ranked (percent of those who said something)",
            (
                "stage",
                "rank",
                "theme",
                "label",
                "definition",
                "respondents",
                "respondents_percent",
                "participants",
                "participants_percent",
                "segments",
                "unreviewed",
                "coded_by",
                "machine_only",
                "sentiment_mean",
                "negative",
                "neutral",
                "positive",
            ),
            tuple(themes),
        )
    )
    tables.append(
        Table(
            "theme_breakdown",
            "Themes by crime type, area and channel (respondents), participants, source "
            "(segments) and direction (segments)",
            ("stage", "theme", "dimension", "value", "count"),
            tuple(breakdown),
        )
    )
    tables.append(
        Table(
            "quotes",
            "Representative quotes (redacted)",
            ("stage", "theme", "label", "number", "quote"),
            tuple(quotes),
        )
    )
    journey, outcome = [], []
    for row in summary.journey:
        for step in row.steps:
            journey.append(
                (
                    row.group,
                    row.label,
                    _n(row.respondents),
                    step.key,
                    step.label,
                    _n(step.reached),
                    _pct(step.reached),
                    _n(step.not_reached),
                )
            )
        if row.outcome_base is not None:
            for o in row.outcome:
                outcome.append(
                    (
                        row.group,
                        row.label,
                        summary.journey_outcome,
                        _n(row.outcome_base),
                        _n(row.outcome_not_answered),
                        o.value,
                        o.label,
                        _n(o.count),
                        _pct(o.count),
                    )
                )
    tables.append(
        Table(
            "journey",
            "The journey by crime type (percent of the step before)",
            (
                "group",
                "label",
                "respondents",
                "step",
                "step_label",
                "reached",
                "percent",
                "not_reached",
            ),
            tuple(journey),
        )
    )
    tables.append(
        Table(
            "journey_outcome",
            "Outcome among those who passed every step (percent of base)",
            (
                "group",
                "label",
                "question",
                "base",
                "not_answered",
                "value",
                "value_label",
                "count",
                "percent",
            ),
            tuple(outcome),
        )
    )
    return tables


def write_summary_json(summary: Summary, path: str | Path) -> None:
    """Write ``summary.to_json()`` to ``path`` (UTF-8, indented)."""
    Path(path).write_text(
        json.dumps(summary.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def write_summary_csv(summary: Summary, path: str | Path) -> None:
    """Write every table as ``<name>.csv`` in one zip file at ``path``."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in summary_tables(summary):
            archive.writestr(f"{table.name}.csv", csv_bytes(table.header, table.rows))


def write_summary_xlsx(summary: Summary, path: str | Path) -> None:
    """Write an XLSX workbook at ``path`` with one sheet per table (header row in bold)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in summary_tables(summary):
        sheet = workbook.create_sheet(table.name[:31])
        sheet.append(list(table.header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([neutralise(v) for v in row])
        sheet.freeze_panes = "A2"
    workbook.save(path)


def write_summary_charts(summary: Summary, path: str | Path) -> None:
    """Write every chart (``analysis.charts``) as an SVG file in one zip file at ``path``."""
    from analysis.charts import summary_charts

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, svg in summary_charts(summary).items():
            archive.writestr(name, svg.encode("utf-8"))


def write_summary(summary: Summary, path: str | Path, fmt: str) -> None:
    """Write ``summary`` to ``path`` as ``"json"``, ``"csv"`` (a zip of tables), ``"xlsx"`` or
    ``"svg"`` (a zip of the charts)."""
    writers = {
        "json": write_summary_json,
        "csv": write_summary_csv,
        "xlsx": write_summary_xlsx,
        "svg": write_summary_charts,
    }
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    writers[fmt](summary, path)


def read_tables(path: str | Path, fmt: str) -> dict[str, list[dict[str, Any]]]:
    """Read back the tables written by :func:`write_summary` (for tests and checks).

    Returns
    -------
    dict
        Table name to rows as dicts; CSV cells are text, XLSX cells as stored.
    """
    tables: dict[str, list[dict[str, Any]]] = {}
    if fmt == "csv":
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                text = archive.read(name).decode(CSV_ENCODING)
                tables[name.removesuffix(".csv")] = list(csv.DictReader(io.StringIO(text)))
        return tables
    if fmt == "xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        for sheet in workbook.worksheets:
            rows = list(sheet.iter_rows(values_only=True))
            header: Sequence[str] = rows[0] if rows else ()
            tables[sheet.title] = [dict(zip(header, r, strict=False)) for r in rows[1:]]
        workbook.close()
        return tables
    raise ValueError(f"cannot read tables from {fmt!r}")
