"""The summary's charts as SVG: a bar per shown theme or journey step and nothing for a hidden
count, machine-only bars hatched, an accessible title and description, and the zip download."""

import re
import zipfile

from defusedxml import ElementTree

from analysis.charts import bar_chart, summary_charts
from analysis.disclosure import Cell
from analysis.report_files import write_summary
from analysis.summary import DEFAULT_JOURNEY, build_summary
from tests.analysis.test_summary import REPORTED, programme_respondents, themes_summary

SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str):
    return ElementTree.fromstring(svg)


def texts(root) -> str:
    return " ".join(t.text or "" for t in root.iter(f"{SVG}text"))


def bars(root) -> list[dict]:
    """The drawn bars (the grey tracks behind them left out)."""
    return [r.attrib for r in root.iter(f"{SVG}rect") if r.attrib.get("stroke")]


def test_each_stage_chart_draws_the_shown_themes_only():
    summary = themes_summary()
    charts = summary_charts(summary)
    assert {"stage-reporting.svg", "stage-engagement.svg", "stage-recovery.svg"} <= set(charts)
    engagement = summary.stages["engagement"]
    shown = [t for t in engagement.themes if t.respondents.shown]
    hidden = [t for t in engagement.themes if not t.respondents.shown]
    root = parsed(charts["stage-engagement.svg"])
    assert root.attrib["role"] == "img"
    assert root.attrib["aria-labelledby"] == "stage-engagement-title stage-engagement-desc"
    assert root.find(f"{SVG}title").text == "Engagement with services: themes"
    drawn = bars(root)
    assert len(drawn) == len(shown)
    for theme, bar in zip(shown, drawn, strict=True):
        assert f"{theme.label}: {theme.respondents.value} ({theme.respondents.percent:g}%)" in (
            texts(root)
        )
        assert float(bar["width"]) == round(720 * theme.respondents.percent / 100, 1)
        assert (bar["fill"] == "url(#stage-engagement-hatch)") == theme.machine_only
    for theme in hidden:
        assert theme.label not in texts(root)
    description = root.find(f"{SVG}desc").text
    assert all(t.label in description for t in shown)
    if hidden:
        assert f"{len(hidden)} theme" in description


def test_charts_put_in_one_document_keep_their_own_names():
    """The findings report puts every chart in one document: an id shared by two charts would
    name each by the first one's title and description."""
    charts = summary_charts(themes_summary())
    ids = [
        e.attrib["id"] for svg in charts.values() for e in parsed(svg).iter() if "id" in e.attrib
    ]
    assert len(ids) == len(set(ids)) == 3 * len(charts)
    for svg in charts.values():
        root = parsed(svg)
        own = {e.attrib["id"] for e in root.iter() if "id" in e.attrib}
        assert set(root.attrib["aria-labelledby"].split()) < own
        assert all(
            r.attrib["fill"][5:-1] in own
            for r in root.iter(f"{SVG}rect")
            if r.attrib.get("fill", "").startswith("url(")
        )


def test_no_hidden_number_reaches_a_chart():
    summary = build_summary(programme_respondents(), questions=[REPORTED], journey=DEFAULT_JOURNEY)
    charts = summary_charts(summary)
    journeys = [name for name in charts if name.startswith("journey-")]
    assert journeys == ["journey-all.svg", "journey-domestic-abuse.svg", "journey-hate-crime.svg"]
    for name, svg in charts.items():
        root = parsed(svg)
        words = texts(root) + " " + root.find(f"{SVG}desc").text
        words = re.sub(r"\d+ (steps?|themes?) hidden", "", words)  # how many bars, not people
        small = [int(n) for n in re.findall(r"(?<![\d.])(\d+)(?![\d.%])", words) if int(n) < 10]
        assert not small, (name, words)


def test_long_labels_wrap_and_an_empty_chart_says_so():
    long = "A theme label long enough that it cannot fit on one line of the chart, " * 2
    root = parsed(bar_chart("Title", [], "Nothing shown."))
    assert "Nothing here reaches the threshold." in texts(root)
    from analysis.charts import Bar

    root = parsed(bar_chart("Title", [Bar(long, Cell(40, percent=50.0))], "Note."))
    lines = [t.text for t in root.iter(f"{SVG}text")]
    assert lines[0] == "Title" and lines[-1] == "Note."
    assert len(lines[1:-1]) >= 2  # the label, wrapped
    assert " ".join(lines[1:-1]) == Bar(long, Cell(40, percent=50.0)).text().strip()
    assert all(len(line) <= 92 for line in lines)
    # A count whose base is hidden has no percentage, so no bar: it says so instead.
    root = parsed(bar_chart("Title", [Bar("Reported it", Cell(100))], "Note."))
    assert "Reported it: 100 (percentage withheld)" in texts(root)
    assert bars(root) == []


def test_the_charts_download_is_a_zip_of_svg_files(tmp_path):
    path = tmp_path / "charts.zip"
    write_summary(themes_summary(), path, "svg")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert "stage-engagement.svg" in names
        for name in names:
            parsed(archive.read(name).decode("utf-8"))
