"""Issue 10's "done when", walked in Chromium: after `flask demo seed`, a researcher opens
/research/summary, filters by crime type, follows a count to its segments, downloads the
tables and charts, and nothing under the threshold shows anywhere (page, segments, CSV, XLSX,
JSON, SVG).

With SUMMARY_SCREENSHOT=docs/summary-page.png set, the walk also saves the README's picture
of the page (the reporting stage's themes with the demo data)."""

import json
import os
import re
import threading
import zipfile
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from analysis.report_files import read_tables
from tests.conftest import empty_database, make_app, make_user
from tests.survey_app.browser.conftest import new_page, open_context
from tests.survey_app.browser.staff_journey import sign_in

pytestmark = pytest.mark.browser

THRESHOLD = 10
#: Columns of the downloaded tables that hold counts (the rest are labels, values of options,
#: percentages, ranks and means).
COUNT_COLUMNS = {
    "respondents",
    "participants",
    "segments",
    "asked",
    "base",
    "prefer_not_to_say",
    "not_answered",
    "count",
    "answers_saying_nothing",
    "unreviewed",
    "negative",
    "neutral",
    "positive",
    "reached",
    "not_reached",
}
#: JSON keys whose integers are not counts.
NOT_COUNTS = {"threshold", "rank"}


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """A server of its own over a fresh database holding only the demonstration set."""
    from flask_migrate import upgrade

    with empty_database(tmp_path_factory.mktemp("demo")) as url:
        app = make_app(url)
        with app.app_context():
            upgrade()
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
        with app.app_context():  # the first summary reads and scores everything: not timed
            from survey_app.services import summary as summaries

            summaries.summary_for(summaries.Request(slug="victims-experience"))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield app, f"http://127.0.0.1:{server.server_port}"
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            from survey_app.extensions import db

            db.engine.dispose()


def small_numbers_in_page(page) -> list[str]:
    """Counts under the threshold in the page's tables and texts."""
    found = []
    for cell in page.locator("td.govuk-table__cell--numeric").all_inner_texts():
        text = re.sub(r"\([^)]*%\)", "", cell).replace("– see the segments behind", "|").strip()
        text = text.split("|")[0].strip()
        if re.fullmatch(r"\d+", text) and int(text) < THRESHOLD:
            found.append(cell)
    body = page.locator("main").inner_text()
    for pattern in (r"(\d+) respondents", r"(\d+) segments", r"Respondents[^:]*: (\d+)\b"):
        found += [m for m in re.findall(pattern, body) if int(m) < THRESHOLD]
    return found


def small_counts_in_json(value, key=None) -> list:
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in small_counts_in_json(v, k)]
    if isinstance(value, list):
        return [x for v in value for x in small_counts_in_json(v, key)]
    if isinstance(value, int) and not isinstance(value, bool) and key not in NOT_COUNTS:
        return [(key, value)] if value < THRESHOLD else []
    return []


def small_counts_in_tables(tables) -> list:
    found = []
    for name, rows in tables.items():
        for row in rows:
            for column, value in row.items():
                if column not in COUNT_COLUMNS or value in (None, ""):
                    continue
                text = str(value)
                if text.isdigit() and int(text) < THRESHOLD:
                    found.append((name, column, text))
    return found


def test_a_researcher_filters_follows_a_count_and_downloads_and_sees_nothing_small(
    browser, demo_server, tmp_path
):
    app, origin = demo_server
    _, email = make_user(app, "researcher")
    context, recorder = open_context(browser, origin, accept_downloads=True)
    context.set_default_timeout(60_000)  # a shared, busy machine: each new filter counts afresh
    page = new_page(context, recorder)
    sign_in(page, email)

    page.goto("/research/summary")
    assert page.locator("h1").inner_text().startswith("Summary:")
    main = page.locator("main").inner_text()
    assert "Paper\tfewer than 10" in main or "Paper fewer than 10" in main
    assert small_numbers_in_page(page) == []
    if os.environ.get("SUMMARY_SCREENSHOT"):
        page.set_viewport_size({"width": 1280, "height": 900})
        page.evaluate("document.getElementById('stage-reporting').scrollIntoView()")
        page.screenshot(path=os.environ["SUMMARY_SCREENSHOT"])

    page.get_by_label("Crime type", exact=True).select_option("domestic_abuse")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    assert "crime_type=domestic_abuse" in page.url
    assert small_numbers_in_page(page) == []

    link = page.locator('a[href*="summary/segments"][href*="theme="]').first
    count = int(re.match(r"\d+", link.inner_text()).group())
    assert count >= THRESHOLD
    with page.expect_navigation():
        link.click()
    assert "crime_type=domestic_abuse" in page.url
    assert page.locator("h1").inner_text().startswith("Segments behind")
    assert page.locator(".govuk-summary-card").count() >= 1
    assert re.search(r"\b\d{5} ?\d{6}\b", page.locator("main").inner_text()) is None
    page.go_back()

    downloads = {}
    for name, fmt in (
        ("CSV files (zip)", "csv"),
        ("Spreadsheet", "xlsx"),
        ("JSON", "json"),
        ("Charts (SVG", "svg"),
    ):
        with page.expect_download() as info:
            page.get_by_role("link", name=re.compile(re.escape(name))).click()
        path = tmp_path / f"summary.{fmt}"
        info.value.save_as(path)
        downloads[fmt] = path
    doc = json.loads(Path(downloads["json"]).read_text())
    assert doc["filters"] == {"crime_type": "domestic_abuse"}
    assert small_counts_in_json(doc) == []
    for fmt in ("csv", "xlsx"):
        tables = read_tables(downloads[fmt], fmt)
        assert tables["themes"], fmt
        assert small_counts_in_tables(tables) == [], fmt
    with zipfile.ZipFile(downloads["svg"]) as charts:
        assert "stage-reporting.svg" in charts.namelist()
        for name in charts.namelist():
            words = re.sub(r"<[^>]+>", " ", charts.read(name).decode("utf-8"))
            words = re.sub(r"\d+ (steps?|themes?) hidden", "", words)  # bars, not people
            small = [n for n in re.findall(r"(?<![\d.])(\d+)(?![\d.%])", words) if int(n) < 10]
            assert small == [], (name, words)
    assert recorder.page_errors == [] and recorder.third_party() == []
    context.close()
