"""The thematic summary in the app: page, files and command agree with a hand-built data set
(tests/survey_app/research/summary_data.py, where every figure is known), and nothing under the
threshold shows anywhere."""

import html
import json
import re

import pytest

from analysis.report_files import read_tables
from tests.survey_app.research import summary_data as data
from tests.survey_app.research.factories import SLUG

PAGE = f"/research/{SLUG}/summary"


@pytest.fixture
def small_set(synced):
    with synced.app_context():
        ids = data.build()
    synced.config["TEST_IDS"] = ids
    return synced


def run_summary(runner, path, fmt, *args):
    result = runner.invoke(
        args=[
            *("research", "summary", "--questionnaire", SLUG),
            *("--format", fmt, "--output", str(path), *args),
        ]
    )
    assert result.exit_code == 0, result.output
    return result


def theme(doc, stage, key):
    return next(t for t in doc["stages"][stage]["themes"] if t["theme"] == key)


def text_of(page: str) -> str:
    """Page text with tags dropped and spaces squeezed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_json_holds_the_known_figures_and_nulls_for_hidden_ones(small_set, runner, tmp_path):
    out = tmp_path / "s.json"
    result = run_summary(runner, out, "json")
    assert "Wrote the summary of victims-experience" in result.output
    doc = json.loads(out.read_text())
    assert doc["questionnaire"] == SLUG
    assert doc["threshold"] == 10
    # 2 on paper are hidden, and so is the 20 online, which would give them away from 22.
    assert doc["respondents"]["by_channel"] == {"online": None, "paper": None}
    assert doc["respondents"]["total"] is None  # 22 = 15 + two hidden areas: withheld
    assert doc["respondents"]["by_area"]["liverpool"] == 15
    assert doc["respondents"]["by_area"]["knowsley"] is None
    assert doc["respondents"]["by_crime_type"]["domestic_abuse"] == 15
    reporting = doc["stages"]["reporting"]
    assert reporting["respondents"] == data.STAGE_BASE
    assert reporting["answers_saying_nothing"] is None  # the 5 "n/a"
    believed = theme(doc, "reporting", data.BELIEVED)
    assert (believed["respondents"], believed["segments"]) == (15, 15)
    assert believed["respondents_percent"] == 88.2
    assert believed["coded_by"] == "people"
    assert believed["machine_only"] is False
    assert believed["rank"] == 1
    speed = theme(doc, "reporting", data.SPEED)
    assert (speed["respondents"], speed["segments"], speed["unreviewed"]) == (12, 12, 12)
    assert speed["respondents_percent"] == 70.6
    assert speed["machine_only"] is True
    assert speed["directions"] == {"negative": 12}
    officer = theme(doc, "reporting", "officer_attitude")
    assert officer["respondents"] is None and officer["quotes"] == []
    assert doc["questions"]["reported"]["asked"] == 22
    assert doc["questions"]["reported"]["by_area"]["liverpool"]["base"] == 15


def test_the_threshold_option_is_applied_and_never_below_5(small_set, runner, tmp_path):
    out = tmp_path / "s.json"
    run_summary(runner, out, "json", "--threshold", "5")
    doc = json.loads(out.read_text())
    assert doc["threshold"] == 5
    assert "below 5" in doc["disclosure"]
    assert doc["respondents"]["by_channel"]["paper"] is None
    result = runner.invoke(
        args=[
            "research",
            "summary",
            "--questionnaire",
            SLUG,
            "--format",
            "json",
            "--output",
            str(out),
            "--threshold",
            "4",
        ]
    )
    assert result.exit_code != 0


def test_filters_narrow_the_summary(small_set, runner, tmp_path):
    out = tmp_path / "s.json"
    run_summary(runner, out, "json", "--area", "liverpool")
    doc = json.loads(out.read_text())
    assert doc["filters"] == {"area": "liverpool"}
    assert list(doc["respondents"]["by_area"]) == ["liverpool"]
    # All 15 online: paper is 0, hidden (zeros are disclosive), so the total (which is also
    # Liverpool's count) is withheld too.
    assert doc["respondents"]["total"] is None
    assert theme(doc, "reporting", data.BELIEVED)["respondents"] == 15
    assert theme(doc, "reporting", data.BELIEVED)["respondents_percent"] == 100.0
    run_summary(runner, out, "json", "--channel", "paper")
    assert json.loads(out.read_text())["respondents"]["total"] is None


def test_an_unknown_questionnaire_is_an_error(small_set, runner, tmp_path):
    result = runner.invoke(
        args=[
            "research",
            "summary",
            "--questionnaire",
            "nope",
            "--format",
            "json",
            "--output",
            str(tmp_path / "x.json"),
        ]
    )
    assert result.exit_code != 0
    assert "No questionnaire" in result.output


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_files_hold_the_same_figures_and_hide_the_same_cells(small_set, runner, tmp_path, fmt):
    out = tmp_path / f"s.{fmt}"
    run_summary(runner, out, fmt)
    tables = read_tables(out, fmt)
    channel = {
        r["value"]: r["respondents"] for r in tables["respondents"] if r["group"] == "channel"
    }
    assert channel == {"online": "withheld", "paper": "fewer than 10"}
    area = {r["value"]: r["respondents"] for r in tables["respondents"] if r["group"] == "area"}
    assert str(area["liverpool"]) == "15"
    themes = {r["theme"]: r for r in tables["themes"]}
    believed, speed = themes[data.BELIEVED], themes[data.SPEED]
    assert str(believed["respondents"]) == "15"
    assert str(believed["segments"]) == "15"
    assert str(speed["unreviewed"]) == "12"
    assert str(themes["officer_attitude"]["respondents"]) == "fewer than 10"
    flat = json.dumps(tables, default=str)
    assert '"20"' not in flat and ": 20," not in flat  # the online count never appears


def test_the_page_shows_the_figures_marks_machine_only_and_hides_small_counts(
    small_set, client, login_as
):
    login_as("researcher")
    response = client.get("/research/summary")
    assert response.status_code == 200
    page = text_of(response.text)
    assert "Summary: Victims' experience survey" in page
    assert "Online withheld" in page
    assert "Paper fewer than 10" in page
    assert "Liverpool 15" in page
    assert "Being believed and taken seriously 15 – see the segments" in page
    assert "88.2%" in page and "70.6%" in page
    assert "Machine only" in page
    assert "complaint: 12" in page
    assert "answers that said nothing (left out): fewer than 10" in page
    assert "They did not take me seriously when I rang them" in page  # a quote
    # Charts: CSS widths from classes only (the CSP forbids inline styles).
    assert "app-bar__fill--w88" in response.text and 'style="' not in response.text
    assert "summary.css" in response.text


def test_the_page_filters_are_in_the_url_and_bad_dates_are_listed(small_set, client, login_as):
    login_as("admin")
    page = text_of(client.get(f"{PAGE}?crime_type=domestic_abuse").text)
    by_area = page.split("Respondents by area")[1].split("Respondents by crime")[0]
    assert "Wirral" not in by_area and "Liverpool" not in by_area.replace("Liverpool withheld", "")
    bad = client.get(f"{PAGE}?date_from=yesterday")
    assert bad.status_code == 200
    assert "Error: Summary" in bad.text
    assert 'href="#date_from"' in bad.text


def test_a_count_links_to_its_segments_redacted(small_set, client, login_as):
    login_as("researcher")
    page = client.get(f"{PAGE}?area=liverpool").text
    link = re.search(
        r'href="([^"]*summary/segments[^"]*theme=believed_taken_seriously[^"]*)"', page
    )
    assert link is not None
    url = html.unescape(link.group(1))
    assert "area=liverpool" in url
    behind = client.get(url)
    assert behind.status_code == 200
    assert behind.text.count('class="govuk-summary-card__title"') == 15
    assert "They did not take me seriously" in behind.text


def test_a_hidden_count_has_no_link_and_its_segments_are_not_listed(small_set, client, login_as):
    login_as("researcher")
    page = client.get(PAGE).text
    assert "theme=officer_attitude" not in page
    behind = client.get(f"{PAGE}/segments?stage=reporting&theme=officer_attitude")
    assert "govuk-summary-card" not in behind.text
    assert "below the threshold" in behind.text


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_the_page_downloads_match_the_command(small_set, client, login_as, tmp_path, fmt):
    login_as("researcher")
    response = client.get(f"{PAGE}.{fmt}")
    assert response.status_code == 200
    assert f"{SLUG}-summary" in response.headers["Content-Disposition"]
    if fmt == "json":
        doc = json.loads(response.data)
        assert doc["respondents"]["by_channel"] == {"online": None, "paper": None}
        return
    path = tmp_path / f"d.{fmt}"
    path.write_bytes(response.data)
    themes = {r["theme"]: r for r in read_tables(path, fmt)["themes"]}
    assert str(themes[data.BELIEVED]["respondents"]) == "15"


@pytest.mark.parametrize("role", ["entry"])
def test_other_staff_cannot_see_the_summary(synced, client, login_as, role):
    login_as(role)
    for url in ("/research/summary", PAGE, f"{PAGE}.json", f"{PAGE}/segments"):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(synced, client):
    assert client.get("/research/summary").status_code == 302


def test_the_page_cross_tabulates_closed_questions_and_prints_cleanly(small_set, client, login_as):
    login_as("researcher")
    response = client.get(PAGE)
    page = text_of(response.text)
    assert "Was it reported to the police or to anyone else?: by area" in page
    # Liverpool's base for "reported" is 15, as in the JSON's by_area.
    crosstab = page.split("Was it reported to the police or to anyone else?: counts by area")[1]
    assert crosstab.split("Liverpool")[1].split()[0] == "15"
    css = client.get("/static/summary.css").text
    assert "@media print" in css
    assert ".app-summary-filters" in css.split("@media print")[1]


def test_the_segments_behind_a_count_are_redacted(small_set, client, login_as):
    from survey_app.extensions import db
    from survey_app.models import Segment

    with small_set.app_context():
        segment = db.session.get(Segment, small_set.config["TEST_IDS"]["believed"][0])
        segment.text = "They did not take me seriously. Ring me on 07700 900123."
        db.session.commit()
    login_as("researcher")
    behind = client.get(f"{PAGE}/segments?stage=reporting&theme={data.BELIEVED}")
    assert behind.text.count('class="govuk-summary-card__title"') == 15
    assert "07700 900123" not in behind.text
    assert "Ring me on" in behind.text


def test_the_research_overview_links_to_the_summary(small_set, client, login_as):
    login_as("researcher")
    assert f'href="{PAGE}"' in client.get("/research/").text
