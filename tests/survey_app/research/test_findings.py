"""The findings report (PDF): the published summary only, read back from the PDF's text: who
answered, each stage's themes with their charts and quotes, nothing under the threshold, and
nothing fetched while rendering."""

import io
import re
from datetime import date
from pathlib import Path

from pypdf import PdfReader

from survey_app.services import summary as summaries
from survey_app.services.definitions import sync_definitions
from tests.survey_app.research import summary_data
from tests.survey_app.research.factories import SLUG

THRESHOLD = 10


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_findings_report_holds_the_summary_and_nothing_small(synced, client, login_as):
    with synced.app_context():
        sync_definitions(Path(synced.config["QUESTIONNAIRES_DIR"]), date.today())
        summary_data.build()
    login_as("researcher")
    answer = client.get(f"/research/{SLUG}/summary.pdf")
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    assert answer.headers["Content-Disposition"].endswith('-findings.pdf"')
    text = pdf_text(answer.data)
    flat = re.sub(r"\s+", " ", text)
    assert "Victims' experience survey: findings" in flat
    assert "Paper fewer than 10" in flat and "Online withheld" in flat
    # The reporting stage: believed_taken_seriously 15 of 17 (88.2%), coded by people.
    assert "Reporting the crime" in flat
    assert "Being believed and taken seriously: 15 (88.2%)" in flat  # the chart
    assert "15 respondents (88.2%)" in flat
    assert "Speed of response: 12 (70.6%) – machine only" in flat
    # Every number in the report is a shown count, a percentage, a date or a page number.
    assert "“They did not take me seriously when I rang them" in flat  # a quote
    words = re.sub(r"Page \d+ of \d+|“[^”]*”", "", flat)  # page numbers and quotes' own words
    words = re.sub(r"\d+ (steps?|themes?) hidden|\d+ of \d+ themes reach", "", words)
    words = re.sub(r"\d{4}-\d{2}-\d{2}|\d+(\.\d+)?%|\b(999|101)\b", "", words)
    small = [n for n in re.findall(r"(?<![\d.])(\d+)(?![\d.])", words) if int(n) < THRESHOLD]
    assert small == [], [re.findall(rf".{{60}}(?<![\d.]){n}(?![\d.]).{{20}}", words) for n in small]


def test_filters_are_said_and_the_command_writes_the_same_report(synced, runner, tmp_path):
    with synced.app_context():
        sync_definitions(Path(synced.config["QUESTIONNAIRES_DIR"]), date.today())
        summary_data.build()
    out = tmp_path / "findings.pdf"
    args = ["research", "summary", "--questionnaire", SLUG, "--format", "pdf"]
    result = runner.invoke(args=[*args, "--crime-type", "domestic_abuse", "--output", str(out)])
    assert result.exit_code == 0, result.output
    flat = re.sub(r"\s+", " ", pdf_text(out.read_bytes()))
    assert "for crime type: Domestic abuse" in flat
    with synced.app_context():
        made = summaries.summary_for(summaries.Request(slug=SLUG, crime_type="domestic_abuse"))
    assert f"Respondents in these figures: {made.respondents.text()}" in flat
