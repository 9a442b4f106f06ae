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


def test_an_area_no_version_offers_is_an_error_on_the_command_line(small_set, runner, tmp_path):
    path = tmp_path / "x.json"
    args = ["research", "summary", "--questionnaire", SLUG, "--format", "json"]
    result = runner.invoke(args=[*args, "--output", str(path), "--area", "Wirral"])
    assert result.exit_code != 0 and "Select an area from the list" in result.output
    assert not path.exists()
    run_summary(runner, path, "json", "--area", "wirral")
    assert path.exists()


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


def test_a_filter_value_no_version_offers_is_said_and_left_out(small_set, client, login_as):
    login_as("researcher")
    everyone = text_of(client.get(PAGE).text)
    for query, field, message in (
        ("area=atlantis", "area", "Select an area from the list"),
        (
            "crime_type=burglary%20of%20the%20moon",
            "crime_type",
            "Select a crime type from the list",
        ),
        ("area=wirral%1B", "area", "Select an area from the list"),
        ("channel=carrier-pigeon", "channel", "Select online or paper"),
    ):
        page = client.get(f"{PAGE}?{query}")
        assert page.status_code == 200 and "Error: Summary" in page.text
        assert f'href="#{field}"' in page.text and message in page.text
        assert f'id="{field}-error"' in page.text  # beside its menu, too
        main = text_of(page.text).split("Filters", 1)[1]
        assert main.split("Apply filters", 1)[1] == everyone.split("Apply filters", 1)[1]
        assert client.get(f"{PAGE.replace('summary', 'summary.json')}?{query}").status_code == 400
    kept = client.get(f"{PAGE}?area=wirral&crime_type=hate_crime").text
    assert "Error: Summary" not in kept
    assert '<option value="wirral" selected>' in kept
    assert '<option value="hate_crime" selected>' in kept


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


def links_to_segments(page: str) -> list[str]:
    return [html.unescape(u) for u in re.findall(r'href="([^"]*summary/segments[^"]*)"', page)]


def cards(page: str) -> int:
    return page.count('class="govuk-summary-card__title"')


def test_every_shown_count_links_to_the_segments_of_the_people_counted(small_set, client, login_as):
    login_as("researcher")
    links = links_to_segments(client.get(PAGE).text)
    # Closed questions' answers and respondents' groups. (Here every cross-tabulated answer is
    # hidden: each group's count sits beside zeros; "reported: yes" is withheld: the journey's
    # "did not report" beside it is 5.)
    assert not any("question=reported" in u for u in links)
    assert any("by=area&group=liverpool" in u and "theme=" not in u for u in links)
    # "Domestic abuse" counts the 15 in Liverpool: their free text.
    abuse = next(u for u in links if "question=crime_type&option=domestic_abuse" in u)
    behind = client.get(abuse)
    assert behind.status_code == 200 and cards(behind.text) == 15
    assert "free-text answers" in behind.text and "The count: 15" in behind.text
    assert cards(client.get(f"{PAGE}/segments?by=area&group=liverpool").text) == 15
    # A theme's count within a group (unfiltered, Liverpool's 15 would give away the zeros of
    # the other areas; in Liverpool alone it is the whole count).
    links = links_to_segments(client.get(f"{PAGE}?area=liverpool").text)
    theme_in_area = next(
        u for u in links if f"theme={data.BELIEVED}" in u and "by=area&group=liverpool" in u
    )
    assert cards(client.get(theme_in_area).text) == 15


@pytest.mark.parametrize(
    "query",
    [
        # Hidden counts: paper (2), Wirral's 5, Knowsley's 2 who reported, the theme's online
        # respondents (withheld: the paper zero beside them), officer_attitude (fewer than 10).
        "by=channel&group=paper",
        "by=channel&group=online",
        "by=area&group=wirral",
        "question=reported&option=yes&by=area&group=knowsley",
        "question=reported&option=yes",
        "question=reported&option=no",
        "question=crime_type&option=anti_social_behaviour",
        "stage=reporting&theme=believed_taken_seriously&by=channel&group=online",
        "stage=reporting&theme=believed_taken_seriously&by=channel&group=paper",
        "stage=reporting&theme=officer_attitude",
        "stage=reporting&theme=believed_taken_seriously&by=area&group=knowsley",
        # Nonsense and filters that make a shown count small.
        "stage=reporting&theme=believed_taken_seriously&by=bogus&group=x",
        "question=crime_type&option=domestic_abuse&channel=paper",
        "stage=reporting&theme=believed_taken_seriously&area=knowsley",
        "by=area&group=liverpool&source=focus_group",
    ],
)
def test_a_url_edited_to_a_hidden_count_lists_nothing(small_set, client, login_as, query):
    login_as("researcher")
    page = client.get(PAGE).text
    assert f"{PAGE}/segments?{query}" not in links_to_segments(page)
    behind = client.get(f"{PAGE}/segments?{query}")
    assert behind.status_code == 200
    assert cards(behind.text) == 0
    assert "They did not take me seriously" not in behind.text
    assert "I rang the council" not in behind.text


def test_the_segments_behind_a_count_come_a_page_at_a_time(small_set, client, login_as):
    from survey_app.services import summary as summaries

    login_as("researcher")
    original = summaries.SEGMENTS_PER_PAGE
    summaries.SEGMENTS_PER_PAGE = 10
    try:
        url = f"{PAGE}/segments?stage=reporting&theme={data.BELIEVED}"
        first = client.get(url).text
        assert cards(first) == 10 and "page 1 of 2" in first
        second = client.get(f"{url}&page=2").text
        assert cards(second) == 5 and 'rel="prev"' in second
        assert cards(client.get(f"{url}&page=99").text) == 5  # past the end: the last page
    finally:
        summaries.SEGMENTS_PER_PAGE = original


def add_session(session: str, source: str, speakers: list[str], theme: str) -> list[str]:
    """Turns of a focus group or workshop as segment rows (the import's convention), each
    coded with ``theme`` by a person, the facilitator's too (they must not count)."""
    from datetime import UTC, datetime

    from survey_app.extensions import db
    from survey_app.models import Coding, Segment

    now = datetime.now(UTC).replace(tzinfo=None)
    ids = []
    for turn, speaker in enumerate(speakers, start=1):
        segment = Segment(
            source=source,
            channel=None,
            stage="reporting",
            text=f"Nobody believed us when we first reported it, said {speaker} ({turn}).",
            questionnaire_id=None,
            version_id=None,
            question=None,
            response_id=None,
            crime_types=["hate_crime"],
            area="wirral",
            session_ref=session,
            turn=turn,
            speaker=speaker,
        )
        db.session.add(segment)
        db.session.flush()
        db.session.add(
            Coding(
                segment_id=segment.id,
                theme=theme,
                coder="person:1",
                confidence=1.0,
                status="human",
                matched=[],
                created_at=now,
                updated_at=now,
            )
        )
        ids.append(segment.id)
    db.session.commit()
    return ids


def test_focus_group_participants_count_beside_respondents(small_set, client, login_as):
    with small_set.app_context():
        add_session(
            "7", "focus_group", ["Facilitator", *(f"P{i}" for i in range(1, 12))], data.BELIEVED
        )
        add_session("7", "focus_group", ["P1", "P2"], data.BELIEVED)  # two of them again
        add_session("8", "workshop", ["Facilitator", "P1", "P2"], data.BELIEVED)
    login_as("researcher")
    doc = json.loads(client.get(f"{PAGE}.json").data)
    believed = theme(doc, "reporting", data.BELIEVED)
    # 11 focus-group participants + 2 at the workshop; 13 focus-group turns + 2 (facilitators
    # left out); the 15 respondents unchanged.
    assert believed["respondents"] == 15
    assert believed["participants"] == 13
    assert believed["segments"] == 30
    assert believed["by"]["participants_source"] == {"focus_group": None, "workshop": None}
    assert doc["themes_base"]["participants"] == 13
    only = json.loads(client.get(f"{PAGE}.json?source=focus_group").data)
    believed = theme(only, "reporting", data.BELIEVED)
    assert (believed["respondents"], believed["participants"], believed["segments"]) == (
        None,
        11,
        13,
    )
    assert only["respondents"]["total"] is None
    page = client.get(f"{PAGE}?source=focus_group").text
    link = next(u for u in links_to_segments(page) if f"theme={data.BELIEVED}" in u)
    behind = client.get(link).text
    assert cards(behind) == 13 and "said Facilitator" not in behind
    workshop = client.get(f"{PAGE}/segments?stage=reporting&theme={data.BELIEVED}&source=workshop")
    assert cards(workshop.text) == 0  # 2 participants: fewer than 10
