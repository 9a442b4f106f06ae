"""The summary's charts as SVG files, for a report or a slide (Word, PowerPoint, LibreOffice and
browsers insert SVG): one bar chart per stage (its themes by the percentage of respondents who
said something) and one per journey row (each step as a percentage of the step before).

Drawn only from what the summary shows: a hidden count has no bar and no number, and the chart
says how many were left out. Each file is an accessible image: ``role="img"`` with a title and
a description that reads every bar, so a screen reader gets what a sighted reader sees. Bars
resting only on machine suggestions nobody reviewed are hatched and say so, as on the page.
Pure: the summary in, text out.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from analysis.disclosure import Cell
from analysis.summary import JourneyRow, Summary

WIDTH = 760
MARGIN = 20
BAR_WIDTH = WIDTH - 2 * MARGIN
LINE = 18  # a line of a bar's label (14 px text)
BAR = 24  # a bar and the space under it
GAP = 10
# Characters per line that fit the width at each text size (Arial, average letters).
TITLE_CHARS, LABEL_CHARS, NOTE_CHARS = 62, 92, 112
FONT = "Arial, Helvetica, sans-serif"
BLUE = "#1d70b8"
GREY = "#f3f2f1"
TEXT = "#0b0c0c"


@dataclass(frozen=True)
class Bar:
    label: str
    cell: Cell
    machine_only: bool = False

    def text(self) -> str:
        percent = f" ({self.cell.percent_text()})" if self.drawn else " (percentage withheld)"
        flag = " – machine only" if self.machine_only else ""
        return f"{self.label}: {self.cell.text()}{percent}{flag}"

    @property
    def drawn(self) -> bool:
        """A bar needs its percentage (withheld when its base is hidden)."""
        return self.cell.percent is not None


def summary_charts(summary: Summary) -> dict[str, str]:
    """File name -> SVG text: ``stage-<stage>.svg`` and ``journey-<group>.svg``."""
    charts = {f"stage-{key}.svg": stage_chart(summary, key) for key in summary.stages}
    for row in summary.journey:
        charts[f"journey-{_file_part(row.group)}.svg"] = journey_chart(summary, row)
    return charts


def stage_chart(summary: Summary, key: str) -> str:
    """A stage's shown themes by the percentage of respondents who said something there."""
    stage = summary.stages[key]
    shown = [t for t in stage.themes if t.respondents.shown]
    hidden = len(stage.themes) - len(shown)
    note = f"Percent of respondents who said something at this stage ({stage.respondents.text()})."
    if hidden:
        note += f" {hidden} theme{'s' if hidden != 1 else ''} hidden (below "
        note += f"{summary.threshold}, or withheld)."
    if any(t.machine_only for t in shown):
        note += " Hatched: machine suggestions nobody has reviewed."
    bars = [Bar(t.label, t.respondents, t.machine_only) for t in shown]
    return bar_chart(f"{stage.label}: themes", bars, note, name=f"stage-{key}")


def journey_chart(summary: Summary, row: JourneyRow) -> str:
    """One journey row's shown steps, each as a percentage of the step before."""
    shown = [s for s in row.steps if s.reached.shown]
    hidden = len(row.steps) - len(shown)
    note = "Each step as a percent of those who passed the step before."
    if hidden:
        note += f" {hidden} step{'s' if hidden != 1 else ''} hidden (below {summary.threshold}, "
        note += "or withheld)."
    title = f"The journey: {row.label}"
    if row.respondents.shown:
        title += f" ({row.respondents.text()} respondents)"
    bars = [Bar(s.label, s.reached) for s in shown]
    return bar_chart(title, bars, note, name=f"journey-{row.group}")


def bar_chart(title: str, bars: list[Bar], note: str, name: str = "chart") -> str:
    """A horizontal bar chart: each bar's label and count above a bar as long as its percent.
    Long labels and the note wrap (SVG text does not). ``name`` starts the ids of its title,
    description and hatching, so that several charts in one document (the findings report)
    keep their own: with shared ids every chart would be named by the first one's title."""
    ids = _file_part(name)
    labels = [textwrap.wrap(b.text(), LABEL_CHARS) for b in bars]
    notes = textwrap.wrap(note, NOTE_CHARS)
    title_lines = textwrap.wrap(title, TITLE_CHARS)
    top = MARGIN + 22 * len(title_lines)
    rows = [LINE * len(lines) + BAR + GAP for lines in labels] or [LINE + GAP]
    height = top + sum(rows) + 16 * len(notes) + MARGIN
    description = " ".join([*(f"{b.text()}." for b in bars), note])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{ids}-title {ids}-desc" '
        f"font-family={quoteattr(FONT)}>",
        f'<title id="{ids}-title">{escape(title)}</title>',
        f'<desc id="{ids}-desc">{escape(description)}</desc>',
        f'<defs><pattern id="{ids}-hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="8" height="8" fill="#ffffff"/>'
        f'<rect width="4" height="8" fill="{BLUE}"/></pattern></defs>',
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
    ]
    parts += [
        f'<text x="{MARGIN}" y="{MARGIN + 4 + 22 * i}" font-size="18" font-weight="bold" '
        f'fill="{TEXT}">{escape(line)}</text>'
        for i, line in enumerate(title_lines)
    ]
    y = top
    if not bars:
        parts.append(
            f'<text x="{MARGIN}" y="{y + LINE}" font-size="14" fill="{TEXT}">'
            "Nothing here reaches the threshold.</text>"
        )
        y += rows[0]
    for bar, lines in zip(bars, labels, strict=True):
        parts += [
            f'<text x="{MARGIN}" y="{y + LINE * (i + 1) - 4}" font-size="14" fill="{TEXT}">'
            f"{escape(line)}</text>"
            for i, line in enumerate(lines)
        ]
        bar_y = y + LINE * len(lines) + 4
        fill = f"url(#{ids}-hatch)" if bar.machine_only else BLUE
        length = round(BAR_WIDTH * min(max(bar.cell.percent or 0.0, 0.0), 100.0) / 100, 1)
        if bar.drawn:
            parts += [
                f'<rect x="{MARGIN}" y="{bar_y}" width="{BAR_WIDTH}" height="{BAR - 4}" '
                f'fill="{GREY}"/>',
                f'<rect x="{MARGIN}" y="{bar_y}" width="{length}" height="{BAR - 4}" '
                f'fill="{fill}" stroke="{BLUE}" stroke-width="1"/>',
            ]
        y += LINE * len(lines) + BAR + GAP
    parts += [
        f'<text x="{MARGIN}" y="{y + 12 + 16 * i}" font-size="12" fill="{TEXT}">'
        f"{escape(line)}</text>"
        for i, line in enumerate(notes)
    ]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _file_part(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "all"
