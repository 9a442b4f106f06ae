"""The thematic summary: every figure of small hand-built data sets, in JSON, CSV and XLSX.

The programme's shape: 142 respondents, 140 online and 2 on paper; 71 in Liverpool and 71 in
Wirral; 100 domestic abuse and 42 hate crime (one crime type each, so crime-type columns add up).
"""

import datetime
import json
from dataclasses import replace

import pytest

from analysis import summary as summary_module
from analysis.codebook import Codebook, Theme
from analysis.disclosure import Disclosure
from analysis.records import ClosedAnswer, Coding, Respondent, Segment
from analysis.report_files import read_tables, write_summary
from analysis.summary import (
    DEFAULT_JOURNEY,
    ClosedQuestion,
    Journey,
    SummaryFilter,
    build_summary,
    closed_questions,
)
from tests.analysis.test_disclosure import assert_nothing_hidden_can_be_worked_out

F10 = "fewer than 10"
W = "withheld"

REPORTED = ClosedQuestion(
    "reported",
    "Was it reported?",
    (("yes", "Yes"), ("no", "No"), ("not_sure", "I'm not sure")),
    stage="reporting",
)
AREA = ClosedQuestion("area", "Where?", (("liverpool", "Liverpool"), ("wirral", "Wirral")))
CRIME = ClosedQuestion(
    "crime_type",
    "What happened?",
    (("domestic_abuse", "Domestic abuse"), ("hate_crime", "Hate crime")),
    multiple=True,
)


def answered(value):
    return ClosedAnswer("answered", value)


def reported_answer(i):
    if i <= 49 or 71 <= i <= 110:
        return answered("yes")
    if i <= 69 or 111 <= i <= 135:
        return answered("no")
    if i == 70:
        return answered("not_sure")
    if i <= 138:
        return ClosedAnswer("prefer_not_to_say")
    return ClosedAnswer("skipped")


def contacted_answer(i):
    if i <= 39:
        return answered(("police", "victim_care"))
    if i <= 69:
        return answered(("none",))
    if 71 <= i <= 100:
        return answered(("police",))
    if 101 <= i <= 110:
        return ClosedAnswer("skipped")
    return None  # not asked


def needs_met_answer(i):
    if i <= 19:
        return answered(5)
    if i <= 39:
        return answered(3)
    if 71 <= i <= 90:
        return answered(4)
    if 91 <= i <= 100:
        return ClosedAnswer("skipped")
    return None


def programme_respondents():
    people = []
    for i in range(142):
        area = "liverpool" if i <= 70 else "wirral"
        crime = "domestic_abuse" if i < 100 else "hate_crime"
        answers = {
            "reported": reported_answer(i),
            "area": answered(area),
            "crime_type": answered((crime,)),
        }
        for name, answer in (
            ("services_contacted", contacted_answer(i)),
            ("needs_met", needs_met_answer(i)),
        ):
            if answer is not None:
                answers[name] = answer
        people.append(
            Respondent(
                id=f"r{i:03d}",
                channel="paper" if i < 2 else "online",
                questionnaire="victims-experience",
                version="v1",
                submitted=datetime.date(2014, 8, 15) if i <= 70 else datetime.date(2014, 9, 15),
                crime_types=(crime,),
                area=area,
                answers=answers,
            )
        )
    return people


@pytest.fixture
def ledgers(monkeypatch):
    """The ledgers build_summary makes, so tests can audit them."""
    made = []

    class Recorded(Disclosure):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(summary_module, "Disclosure", Recorded)
    return made


def written(summary, tmp_path):
    """The summary written in every format and read back: (json, csv tables, xlsx tables)."""
    paths = {fmt: tmp_path / f"summary.{fmt}" for fmt in ("json", "csv", "xlsx")}
    for fmt, path in paths.items():
        write_summary(summary, path, fmt)
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    return data, read_tables(paths["csv"], "csv"), read_tables(paths["xlsx"], "xlsx")


def as_text(value):
    """A cell as the CSV holds it (numbers as text, nothing as empty)."""
    return "" if value is None else str(value)


def rows(table, **match):
    return [r for r in table if all(r[k] == v for k, v in match.items())]


def only_row(table, **match):
    found = rows(table, **match)
    assert len(found) == 1, (match, found)
    return found[0]


def check_table(csv_tables, xlsx_tables, name, match, expected):
    """One row of a table, read back from CSV (text) and XLSX (typed), holds ``expected``."""
    csv_row = only_row(csv_tables[name], **{k: as_text(v) for k, v in match.items()})
    xlsx_row = only_row(xlsx_tables[name], **match)
    for column, value in expected.items():
        assert xlsx_row[column] == value, (name, match, column)
        assert csv_row[column] == as_text(value), (name, match, column)


# -- respondents: the 2 paper responses --------------------------------------------------------


def test_two_paper_responses_show_as_fewer_than_10_and_140_is_withheld(tmp_path, ledgers):
    summary = build_summary(programme_respondents(), journey=None, questionnaire="ves")
    assert summary.respondents.value == 142
    assert summary.by_channel["paper"].text() == F10
    assert summary.by_channel["online"].text() == W
    data, csv_tables, xlsx_tables = written(summary, tmp_path)

    assert data["questionnaire"] == "ves" and data["threshold"] == 10
    assert data["respondents"] == {
        "total": 142,
        "by_channel": {"online": None, "paper": None},
        "by_area": {"liverpool": 71, "wirral": 71},
        "by_crime_type": {"domestic_abuse": 100, "hate_crime": 42},
    }

    expected = {
        ("all", "all"): (142, None),
        ("channel", "online"): (W, W),
        ("channel", "paper"): (F10, W),
        ("area", "liverpool"): (71, 50.0),
        ("area", "wirral"): (71, 50.0),
        ("crime_type", "domestic_abuse"): (100, 70.4),
        ("crime_type", "hate_crime"): (42, 29.6),
    }
    for (group, value), (count, percent) in expected.items():
        check_table(
            csv_tables,
            xlsx_tables,
            "respondents",
            {"group": group, "value": value},
            {
                "respondents": count,
                "percent": "" if percent is None and group == "all" else percent,
            },
        ) if group != "all" else None
    all_csv = only_row(csv_tables["respondents"], group="all")
    assert all_csv["respondents"] == "142"
    assert len(csv_tables["respondents"]) == len(expected)
    # No 140 and no 2 anywhere in any file.
    for tables in (csv_tables, xlsx_tables):
        cells = [str(v) for table in tables.values() for row in table for v in row.values()]
        assert "140" not in cells and "2" not in cells
    assert "140" not in json.dumps(data["respondents"])
    assert_nothing_hidden_can_be_worked_out(ledgers[0])


def test_the_area_question_and_the_respondents_table_are_the_same_cells(ledgers):
    people = [
        Respondent(
            f"r{i}",
            area=None if i >= 27 else "liverpool" if i < 15 else "wirral",
            crime_types=("hate_crime",),
            answers={
                "area": ClosedAnswer("prefer_not_to_say")
                if i >= 27
                else answered("liverpool" if i < 15 else "wirral")
            },
        )
        for i in range(30)
    ]
    data = build_summary(people, questions=[AREA, CRIME], journey=None).to_json()
    # 30 = 15 + 12 + 3 not given: the 3 hide Wirral's 12 (the smallest other count), in both
    # tables; the question's base (27 = 15 + 12) then hides Liverpool's 15 too, and the base
    # itself goes, since 30 - 27 would give the 3 away.
    assert data["respondents"]["by_area"] == {"liverpool": None, "wirral": None, "not_given": None}
    area = data["questions"]["area"]
    assert (area["asked"], area["base"], area["prefer_not_to_say"]) == (30, None, None)
    assert area["counts"] == {"liverpool": None, "wirral": None}
    assert area["by_area"] == {} and area["by_crime_type"] == {}  # not cross-tabulated by itself
    assert_nothing_hidden_can_be_worked_out(ledgers[0])


# -- a closed question and its cross-tabulations -----------------------------------------------

# reported: Liverpool 50 yes, 20 no, 1 not sure; Wirral 40 yes, 25 no, 3 prefer not to say,
# 3 skipped. Domestic abuse 79 yes, 20 no, 1 not sure; hate crime 11 yes, 25 no.
REPORTED_EXPECTED = {
    "asked": 142,
    "base": 136,
    "prefer_not_to_say": None,  # 3
    "not_answered": None,  # 3
    # not_sure (1) is small; the base line then hides the smallest other answer, no (45).
    "counts": {"yes": 90, "no": None, "not_sure": None},
    "percentages": {"yes": 66.2, "no": None, "not_sure": None},
    "by_area": {
        # 1 not sure hides Liverpool's 20 no; Wirral's 0 not sure hides its 25 no.
        "liverpool": {"base": 71, "counts": {"yes": 50, "no": None, "not_sure": None}},
        "wirral": {"base": 65, "counts": {"yes": 40, "no": None, "not_sure": None}},
    },
    "by_crime_type": {
        # Hate crime's 0 not sure hides its smallest other count (11 yes); the yes column
        # (90 = 79 + 11) then hides 79; domestic abuse's 1 not sure hides its 20 no.
        "domestic_abuse": {"base": 100, "counts": {"yes": None, "no": None, "not_sure": None}},
        "hate_crime": {"base": 36, "counts": {"yes": None, "no": 25, "not_sure": None}},
    },
}


def test_a_closed_question_with_its_cross_tabs_in_every_format(tmp_path, ledgers):
    summary = build_summary(programme_respondents(), questions=[REPORTED], journey=None)
    data, csv_tables, xlsx_tables = written(summary, tmp_path)
    question = data["questions"]["reported"]
    for key, value in REPORTED_EXPECTED.items():
        assert question[key] == value, key
    q = summary.questions["reported"]
    assert q.prefer_not_to_say.text() == F10 and q.not_answered.text() == F10
    assert dict((o.value, o.count.text()) for o in q.options) == {
        "yes": "90",
        "no": W,
        "not_sure": F10,
    }

    check_table(
        csv_tables,
        xlsx_tables,
        "questions",
        {"question": "reported"},
        {"asked": 142, "base": 136, "prefer_not_to_say": F10, "not_answered": F10},
    )
    for value, count, percent in (("yes", 90, 66.2), ("no", W, W), ("not_sure", F10, W)):
        check_table(
            csv_tables,
            xlsx_tables,
            "answers",
            {"question": "reported", "value": value},
            {"count": count, "percent": percent},
        )
    cross = {
        ("answers_by_area", "liverpool"): (71, {"yes": (50, 70.4), "no": W, "not_sure": F10}),
        ("answers_by_area", "wirral"): (65, {"yes": (40, 61.5), "no": W, "not_sure": F10}),
        ("answers_by_crime_type", "domestic_abuse"): (
            100,
            {"yes": W, "no": W, "not_sure": F10},
        ),
        ("answers_by_crime_type", "hate_crime"): (
            36,
            {"yes": W, "no": (25, 69.4), "not_sure": F10},
        ),
    }
    for (table, group), (base, counts) in cross.items():
        for value, expected in counts.items():
            count, percent = expected if isinstance(expected, tuple) else (expected, W)
            check_table(
                csv_tables,
                xlsx_tables,
                table,
                {"question": "reported", "group": group, "value": value},
                {"base": base, "count": count, "percent": percent},
            )
    assert_nothing_hidden_can_be_worked_out(ledgers[0])


# -- the journey -------------------------------------------------------------------------------


def test_the_journey_by_crime_type(tmp_path, ledgers):
    summary = build_summary(programme_respondents(), questions=[REPORTED], journey=DEFAULT_JOURNEY)
    data, csv_tables, xlsx_tables = written(summary, tmp_path)
    journey = {row["group"]: row for row in data["journey"]}
    assert list(journey) == ["all", "domestic_abuse", "hate_crime"]
    # All: 90 of 142 reported; 70 of those had contact (20 ticked none or skipped); of the
    # 70, 60 said how far needs were met (20 each of 5, 4 and 3).
    assert journey["all"]["respondents"] == 142
    assert journey["all"]["steps"] == {
        "reported": {"reached": 90, "not_reached": 52},
        "contact": {"reached": 70, "not_reached": 20},
    }
    assert journey["all"]["outcome"] == {
        "question": "needs_met",
        "base": 60,
        "not_answered": 10,
        "counts": {"3": 20, "4": 20, "5": 20},
    }
    # Domestic abuse: 79 reported (hidden with the reported question's cell), 69 contact and
    # 10 not, 60 answered and 9 not. Hate crime: 11 reported, 1 contact, and nobody answered.
    # 9 and 1 are small; the sums across crime types and down each row hide the rest.
    for group, size in (("domestic_abuse", 100), ("hate_crime", 42)):
        row = journey[group]
        assert row["respondents"] == size
        assert row["steps"] == {
            "reported": {"reached": None, "not_reached": None},
            "contact": {"reached": None, "not_reached": None},
        }
        assert row["outcome"]["base"] is None and row["outcome"]["not_answered"] is None
        assert row["outcome"]["counts"] == {"3": None, "4": None, "5": None}
    assert summary.journey[2].steps[1].reached.text() == F10  # hate crime: 1 had contact

    for step, reached, percent, missed in (
        ("reported", 90, 63.4, 52),
        ("contact", 70, 77.8, 20),
    ):
        check_table(
            csv_tables,
            xlsx_tables,
            "journey",
            {"group": "all", "step": step},
            {"respondents": 142, "reached": reached, "percent": percent, "not_reached": missed},
        )
    check_table(
        csv_tables,
        xlsx_tables,
        "journey",
        {"group": "hate_crime", "step": "contact"},
        {"respondents": 42, "reached": F10, "percent": W, "not_reached": W},
    )
    for value in ("3", "4", "5"):
        check_table(
            csv_tables,
            xlsx_tables,
            "journey_outcome",
            {"group": "all", "value": value},
            {"base": 60, "not_answered": 10, "count": 20, "percent": 33.3},
        )
        check_table(
            csv_tables,
            xlsx_tables,
            "journey_outcome",
            {"group": "domestic_abuse", "value": value},
            {"base": W, "count": W, "percent": W},
        )
    assert_nothing_hidden_can_be_worked_out(ledgers[0])


def test_the_journey_comes_from_a_mapping_too():
    journey = Journey.from_dict(
        {
            "steps": [
                {"key": "reported", "label": "Reported", "question": "reported", "values": ["yes"]}
            ]
        }
    )
    summary = build_summary(programme_respondents(), questions=[REPORTED], journey=journey)
    assert summary.to_json()["journey"][0]["steps"] == {
        "reported": {"reached": 90, "not_reached": 52}
    }
    assert "outcome" not in summary.to_json()["journey"][0]


# -- themes --------------------------------------------------------------------------------------

CODEBOOK = Codebook(
    "test",
    themes=(
        Theme("fear_of_reprisal", "Fear of reprisal", "reporting", "Afraid of what might happen."),
        Theme("kept_informed", "Being kept informed", "engagement", "Told what was happening."),
        Theme("waiting_times", "Waiting times", "engagement", "How long things took."),
        Theme("emotional_support", "Emotional support", "recovery", "Someone to talk to."),
    ),
    stage_labels={"engagement": "Engagement with services"},
)

ENGAGEMENT_TEXTS = {
    0: "My case was dropped and Gwilym never rang me back about it at all.",  # a name
    1: "Nobody from the station in Bootle ever rang me back about my case.",  # a place
    2: "I heard nothing at all after the 14th March, not even a letter.",  # a date
    3: "They gave me a number 07700 900123 but nobody answered it when I called.",
    4: "They gave me a number 07700 900456 but nobody answered it when I called.",  # the same
    5: "The officer kept me updated every week and explained what would happen next.",
    6: "I had to chase them for months to find out the case had been dropped.",
    25: "n/a",
    26: "Nothing to add.",
    27: "no",
    28: "Nobody told me anything for weeks and weeks after I reported it to them.",
    29: "The letters stopped coming and I never found out what happened in the end.",
}


def theme_respondents():
    """30 respondents: 28 online and 2 paper (r28, r29); 15 in Liverpool (r00-r14) and 15 in
    Wirral; 20 domestic abuse (r00-r19) and 10 hate crime."""
    return [
        Respondent(
            f"r{i:02d}",
            channel="paper" if i >= 28 else "online",
            submitted=datetime.date(2014, 8, 15) if i < 15 else datetime.date(2014, 9, 15),
            crime_types=("domestic_abuse",) if i < 20 else ("hate_crime",),
            area="liverpool" if i < 15 else "wirral",
        )
        for i in range(30)
    ]


def theme_records():
    """Segments, codings and sentiment scores.

    Engagement: one answer each; r00-r11, r28 and r29 coded "kept informed" by a person,
    r12-r21 by the machine (not reviewed), r22-r24 suggested then rejected; r25-r27 said
    nothing (one of them machine-coded all the same). r05 also mentions it in "anything else"
    (no stage). Reporting: r00-r04 coded "fear of reprisal" by a person. Recovery: r00-r11
    suggested "emotional support" by the machine only, in near-identical words.
    """
    segments, codings, scores = [], [], {}

    def add(sid, i, text, stage, score, theme=None, status=None, confidence=1.0):
        segments.append(Segment(sid, text, stage, "survey", {"response_id": f"r{i:02d}"}))
        scores[sid] = score
        if theme:
            coder = "person:1" if status == "human" else "rules:test"
            codings.append(Coding(sid, theme, coder, confidence, status=status))

    for i in range(30):
        text = ENGAGEMENT_TEXTS.get(
            i, f"Update {i}: the court date came by letter and it came far too late for me."
        )
        if i <= 11 or i >= 28:
            add(
                f"e{i:02d}",
                i,
                text,
                "engagement",
                0.5 if i >= 28 else -0.5,
                "kept_informed",
                "human",
            )
        elif i <= 21:
            add(f"e{i:02d}", i, text, "engagement", 0.0, "kept_informed", "suggested", 0.9)
        elif i <= 24:
            add(f"e{i:02d}", i, text, "engagement", 0.0, "kept_informed", "suggested", 0.9)
            codings.append(
                Coding(f"e{i:02d}", "kept_informed", "rules:test", 0.9, status="rejected")
            )
        else:
            add(f"e{i:02d}", i, text, "engagement", 0.0, "kept_informed", "suggested", 0.9)
    add(
        "x05",
        5,
        "Honestly the updates stopped once the officer on my case changed shifts.",
        None,
        -0.5,
        "kept_informed",
        "human",
    )
    for i in range(5):
        add(
            f"p{i:02d}",
            i,
            f"I was scared he would come back if I told anyone, week {i}.",
            "reporting",
            -0.6,
            "fear_of_reprisal",
            "human",
        )
    words = ("today", "slowly", "truly", "really", "honestly", "gradually", "finally", "surely")
    for i in range(12):
        text = "Talking to a counsellor every week helped me cope with what happened"
        add(
            f"c{i:02d}",
            i,
            f"{text} {words[i % 8]}.",
            "recovery",
            0.6,
            "emotional_support",
            "suggested",
            0.8,
        )
    return segments, codings, scores


def themes_summary(**kwargs):
    segments, codings, scores = theme_records()
    return build_summary(
        theme_respondents(),
        segments,
        codings,
        CODEBOOK,
        journey=None,
        sentiment_scores=scores,
        **kwargs,
    )


def test_suggestions_a_newer_machine_run_superseded_count_nowhere(tmp_path):
    """An older model's unreviewed suggestions, superseded by a retrained one, change no number
    and give no quote, though they are more confident than anything else on these segments."""
    segments, codings, scores = theme_records()
    stale = [
        Coding(s.id, theme, "model:trained-40@old", 0.99, status="superseded")
        for s in segments
        for theme in ("kept_informed", "waiting_times", "fear_of_reprisal")
    ]

    def data(with_codings, folder):
        folder.mkdir()
        summary = build_summary(
            theme_respondents(),
            segments,
            with_codings,
            CODEBOOK,
            journey=None,
            sentiment_scores=scores,
        )
        return written(summary, folder)[0]

    assert data(codings + stale, tmp_path / "stale") == data(codings, tmp_path / "fresh")


def test_themes_per_stage_with_quotes_sentiment_and_review_status(tmp_path, ledgers):
    summary = themes_summary()
    data, csv_tables, xlsx_tables = written(summary, tmp_path)
    # Who said something: r00-r24, r28, r29 (27); 3 answers said nothing.
    assert data["themes_base"] == {
        "respondents": 27,
        "participants": None,
        "answers_saying_nothing": None,
    }
    stages = data["stages"]
    assert set(stages) == {"reporting", "engagement", "recovery"}
    assert {k: v for k, v in stages["engagement"].items() if k != "themes"} == {
        "label": "Engagement with services",
        "respondents": 27,
        "participants": None,
        "segments": 27,
        "answers_saying_nothing": None,
    }
    kept, waiting = stages["engagement"]["themes"]
    # 24 respondents (r00-r21, r28, r29) in 25 segments (r05 twice); the rejected, the empty
    # and the unreviewed are told apart.
    assert kept == {
        "theme": "kept_informed",
        "label": "Being kept informed",
        "definition": "Told what was happening.",
        "rank": 1,
        "respondents": 24,
        "respondents_percent": 88.9,
        "participants": None,
        "participants_percent": None,
        "segments": 25,
        "unreviewed": 10,
        "coded_by": "people and machine",
        "machine_only": False,
        # 13 negative, 10 neutral, 2 positive: the 2 hide the 10.
        "sentiment": {"mean": -0.22, "negative": 13, "neutral": None, "positive": None},
        "directions": {},
        "by": {
            # 20 + 4, 15 + 9, 22 + 2: each small count hides the other.
            "crime_type": {"domestic_abuse": None, "hate_crime": None},
            "area": {"liverpool": None, "wirral": None},
            "channel": {"online": None, "paper": None},
            "source": {"survey": 25},
        },
        # Not the name, the place, the date, nor the same words twice; the phone redacted.
        "quotes": [
            "They gave me a number [phone] but nobody answered it when I called.",
            ENGAGEMENT_TEXTS[5],
            ENGAGEMENT_TEXTS[6],
        ],
    }
    assert (waiting["theme"], waiting["rank"], waiting["respondents"], waiting["quotes"]) == (
        "waiting_times",
        2,
        None,
        [],
    )
    # Five respondents: hidden, and no quote from them.
    (fear,) = stages["reporting"]["themes"]
    assert (fear["respondents"], fear["segments"], fear["quotes"]) == (None, None, [])
    assert stages["reporting"]["respondents"] is None
    # Machine only: marked, every segment unreviewed, one quote of twelve near-identical ones.
    (support,) = stages["recovery"]["themes"]
    assert support["respondents"] == 12 and support["respondents_percent"] == 44.4
    assert support["segments"] == 12 and support["unreviewed"] == 12
    assert (support["coded_by"], support["machine_only"]) == ("machine", True)
    # 12 positive and two hidden zeros: the 12 goes too; everyone is in one group of each
    # breakdown, with zeros in the others, so the breakdowns are all hidden.
    assert support["sentiment"] == {
        "mean": 0.6,
        "negative": None,
        "neutral": None,
        "positive": None,
    }
    assert support["by"]["area"] == {"liverpool": None, "wirral": None}
    assert support["quotes"] == [
        "Talking to a counsellor every week helped me cope with what happened today."
    ]

    theme_object = summary.stages["engagement"].themes[0]
    assert theme_object.segment_ids == tuple(
        sorted([f"e{i:02d}" for i in (*range(22), 28, 29)] + ["x05"])
    )
    assert [q.segment_id for q in theme_object.quotes] == ["e03", "e05", "e06"]
    assert summary.stages["engagement"].themes[1].segment_ids == ()

    check_table(
        csv_tables,
        xlsx_tables,
        "themes",
        {"theme": "kept_informed"},
        {
            "stage": "engagement",
            "rank": 1,
            "respondents": 24,
            "respondents_percent": 88.9,
            "participants": F10,
            "participants_percent": W,
            "segments": 25,
            "unreviewed": 10,
            "coded_by": "people and machine",
            "machine_only": "no",
            "sentiment_mean": -0.22,
            "negative": 13,
            "neutral": W,
            "positive": F10,
        },
    )
    check_table(
        csv_tables,
        xlsx_tables,
        "themes",
        {"theme": "emotional_support"},
        {
            "respondents": 12,
            "segments": 12,
            "unreviewed": 12,
            "machine_only": "yes",
            "coded_by": "machine",
        },
    )
    check_table(
        csv_tables,
        xlsx_tables,
        "themes",
        {"theme": "fear_of_reprisal"},
        {"respondents": F10, "segments": F10, "unreviewed": F10},
    )
    for dim, value, count in (
        ("crime_type", "domestic_abuse", W),
        ("crime_type", "hate_crime", F10),
        ("area", "liverpool", W),
        ("area", "wirral", F10),
        ("channel", "online", W),
        ("channel", "paper", F10),
        ("source", "survey", 25),
    ):
        check_table(
            csv_tables,
            xlsx_tables,
            "theme_breakdown",
            {"theme": "kept_informed", "dimension": dim, "value": value},
            {"count": count},
        )
    check_table(
        csv_tables,
        xlsx_tables,
        "stages",
        {"stage": "engagement"},
        {"respondents": 27, "segments": 27, "answers_saying_nothing": F10},
    )
    check_table(
        csv_tables,
        xlsx_tables,
        "stages",
        {"stage": "all"},
        {"respondents": 27, "answers_saying_nothing": F10},
    )
    quotes = [r["quote"] for r in xlsx_tables["quotes"] if r["theme"] == "kept_informed"]
    assert quotes == kept["quotes"]
    assert [r["quote"] for r in csv_tables["quotes"]] == [r["quote"] for r in xlsx_tables["quotes"]]
    assert not any(r["theme"] == "fear_of_reprisal" for r in csv_tables["quotes"])
    assert_nothing_hidden_can_be_worked_out(ledgers[0])


def test_filters_apply_to_respondents_and_their_segments():
    online = themes_summary(filters=SummaryFilter(channel="online")).to_json()
    assert online["respondents"]["total"] == 28
    assert online["respondents"]["by_channel"] == {"online": 28}
    kept = online["stages"]["engagement"]["themes"][0]
    assert kept["respondents"] == 22 and kept["segments"] == 23
    assert online["filters"] == {"channel": "online"}

    august = themes_summary(filters=SummaryFilter(date_to=datetime.date(2014, 8, 31))).to_json()
    assert august["respondents"]["total"] == 15
    assert august["themes_base"]["respondents"] == 15
    kept = august["stages"]["engagement"]["themes"][0]
    assert (kept["respondents"], kept["respondents_percent"]) == (15, 100.0)
    assert august["filters"] == {"date_to": "2014-08-31"}

    wirral = themes_summary(filters=SummaryFilter(area="wirral", source="survey")).to_json()
    assert wirral["respondents"]["total"] == 15
    assert wirral["stages"]["recovery"]["themes"][0]["respondents"] is None


def test_a_quote_from_a_small_cell_is_not_shown():
    # Only the two paper respondents mention waiting times: not shown, nor quoted.
    segments, codings, scores = theme_records()
    codings += [
        Coding("e28", "waiting_times", "person:1", status="human"),
        Coding("e29", "waiting_times", "person:1", status="human"),
    ]
    summary = build_summary(
        theme_respondents(),
        segments,
        codings,
        CODEBOOK,
        journey=None,
        sentiment_scores=scores,
        threshold=5,
    )
    waiting = summary.stages["engagement"].themes[1]
    assert waiting.theme == "waiting_times" and waiting.respondents.text() == "fewer than 5"
    assert waiting.quotes == ()
    # With 12 paper respondents the cell is not small and they can be quoted.
    people = [
        Respondent(f"r{i:02d}", channel="paper", area="liverpool", crime_types=("hate_crime",))
        for i in range(12)
    ]
    segs = [
        Segment(
            f"w{i:02d}",
            f"I waited {i + 2} weeks for anyone to call me back about it all.",
            "engagement",
            "survey",
            {"response_id": f"r{i:02d}"},
        )
        for i in range(12)
    ]
    cods = [Coding(s.id, "waiting_times", "person:1", status="human") for s in segs]
    shown = build_summary(people, segs, cods, CODEBOOK, journey=None, sentiment=False)
    waiting = shown.stages["engagement"].themes[0]
    assert waiting.respondents.value == 12 and len(waiting.quotes) >= 1


CRIMES = (
    "domestic_abuse",
    "hate_crime",
    "sexual_offence",
    "anti_social_behaviour",
    "violence_with_injury",
    "other",
)


def test_a_quote_goes_with_the_themes_count_not_with_a_small_group_within_it():
    """At the programme's size most of a theme's crime-type and area cells are small; a quote
    names no group, so it is shown when the theme's count is; a filter to the small group makes
    that count small, and then it is not."""
    people = [
        Respondent(
            f"r{i:02d}",
            channel="online",
            area="liverpool",
            crime_types=(CRIMES[i % len(CRIMES)],),  # two in each: every crime type small
        )
        for i in range(12)
    ]
    segs = [
        Segment(
            f"w{i:02d}",
            f"I waited {i + 2} weeks for anyone to call me back about what happened to me.",
            "engagement",
            "survey",
            {"response_id": f"r{i:02d}"},
        )
        for i in range(12)
    ]
    cods = [Coding(s.id, "waiting_times", "person:1", status="human") for s in segs]
    whole = build_summary(people, segs, cods, CODEBOOK, journey=None, sentiment=False)
    waiting = whole.stages["engagement"].themes[0]
    assert waiting.respondents.value == 12
    assert {c.text() for c in waiting.breakdown["crime_type"].values()} == {F10}
    assert len(waiting.quotes) >= 1
    filtered = build_summary(
        people,
        segs,
        cods,
        CODEBOOK,
        journey=None,
        sentiment=False,
        filters=SummaryFilter(crime_type="hate_crime"),
    )
    small = filtered.stages["engagement"].themes[0]
    assert small.respondents.text() == F10 and small.quotes == ()


def test_focus_group_participants_are_counted_apart_from_respondents():
    texts = [
        "The police never told me when he was let out.",
        "I only found out about the bail from a neighbour.",
        "My IDVA kept me in the loop the whole time.",
        "Nobody phoned me after the first visit.",
        "The letters from the court were hard to understand.",
        "I had to ring them every week to get any news.",
        "When he was charged they did let me know straight away.",
        "They said someone would call and nobody ever did.",
        "The witness care people were good at keeping me updated.",
        "I felt forgotten once the statement was taken.",
        "It was months before I heard the case was closed.",
        "The support worker rang every Friday without fail.",
    ]
    speakers = ["P1", "P1", *(f"P{i}" for i in range(2, 12))]
    segments = [
        Segment(
            f"fg1/t{i + 1:02d}",
            text,
            "engagement",
            "focus_group",
            {
                "session": "fg1",
                "speaker": speaker,
                "area": "liverpool",
                "crime_types": ["domestic_abuse"],
                "date": "2014-08-20",
            },
        )
        for i, (text, speaker) in enumerate(zip(texts, speakers, strict=True))
    ]
    codings = [Coding(s.id, "kept_informed", "person:2", status="human") for s in segments]
    data = build_summary((), segments, codings, CODEBOOK, journey=None, sentiment=False).to_json()
    kept = data["stages"]["engagement"]["themes"][0]
    assert data["themes_base"]["participants"] == 11
    assert (kept["participants"], kept["participants_percent"]) == (11, 100.0)
    assert kept["respondents"] is None and kept["segments"] == 12
    assert kept["by"]["participants_area"] == {"liverpool": 11}
    assert kept["by"]["participants_crime_type"] == {"domestic_abuse": 11}
    assert kept["by"]["source"] == {"focus_group": 12}
    # One per participant (P1 spoke twice); texts of 8 to 60 words first ("Nobody phoned me
    # after the first visit." has 7).
    assert kept["quotes"] == [texts[0], texts[2], texts[4]]
    later = build_summary(
        (),
        segments,
        codings,
        CODEBOOK,
        journey=None,
        sentiment=False,
        filters=SummaryFilter(date_from=datetime.date(2014, 9, 1)),
    )
    assert later.stages["engagement"].segments.text() == "fewer than 10"


def test_the_json_contract_holds_for_the_shipped_questionnaire(tmp_path):
    import yaml

    with open("questionnaires/victims-experience-survey.yaml", encoding="utf-8") as fh:
        definition = yaml.safe_load(fh)
    questions = closed_questions(definition)
    names = [q.name for q in questions]
    assert {"crime_type", "area", "reported", "services_contacted", "needs_met"} <= set(names)
    needs_met = next(q for q in questions if q.name == "needs_met")
    assert needs_met.options[0] == ("5", "Completely") and not needs_met.multiple
    assert next(q for q in questions if q.name == "crime_type").multiple
    segments, codings, scores = theme_records()
    summary = build_summary(
        programme_respondents(),
        segments,
        codings,
        CODEBOOK,
        questions=questions,
        sentiment_scores=scores,
        questionnaire="victims-experience",
    )
    data = summary.to_json()
    assert {"questionnaire", "threshold", "questions", "stages"} <= set(data)
    assert data["questionnaire"] == "victims-experience" and data["threshold"] == 10
    for name, question in data["questions"].items():
        assert set(question) >= {"base", "counts"}, name
        assert all(v is None or isinstance(v, int) for v in question["counts"].values())
    assert set(data["stages"]) == {"reporting", "engagement", "recovery"}
    for stage in data["stages"].values():
        for theme in stage["themes"]:
            assert set(theme) >= {"theme", "label", "respondents", "segments", "quotes"}
            assert all(isinstance(q, str) for q in theme["quotes"])
    json.dumps(data)  # plain JSON
    write_summary(summary, tmp_path / "s.xlsx", "xlsx")
    with pytest.raises(ValueError):
        write_summary(summary, tmp_path / "s.pdf", "pdf")


def test_cells_that_look_like_formulas_are_neutralised(tmp_path):
    segments = [
        Segment(
            f"s{i}",
            f"=HYPERLINK('x') they never called me back at all {i}",
            "engagement",
            "survey",
            {"response_id": f"r{i}"},
        )
        for i in range(12)
    ]
    people = [Respondent(f"r{i}") for i in range(12)]
    codings = [Coding(s.id, "kept_informed", "person:1", status="human") for s in segments]
    summary = build_summary(people, segments, codings, CODEBOOK, journey=None, sentiment=False)
    data, csv_tables, xlsx_tables = written(summary, tmp_path)
    assert data["stages"]["engagement"]["themes"][0]["quotes"][0].startswith("=HYPERLINK")
    for tables in (csv_tables, xlsx_tables):
        assert tables["quotes"][0]["quote"].startswith("'=HYPERLINK")


def test_directions_and_unreviewed_suggestions_can_be_left_out():
    people = [Respondent(f"r{i:02d}") for i in range(24)]
    segments = [
        Segment(
            f"s{i:02d}",
            f"Answer number {i} about being kept informed by the police.",
            "engagement",
            "survey",
            {"response_id": f"r{i:02d}"},
        )
        for i in range(24)
    ]
    codings = [
        # 12 coded by people (no status: "person:" coders are people), 10 "not kept informed"
        # and 2 "kept informed"; 12 machine suggestions with no status (unreviewed).
        *(
            Coding(
                f"s{i:02d}",
                "kept_informed",
                "person:1",
                direction="negative" if i < 10 else "positive",
            )
            for i in range(12)
        ),
        *(Coding(f"s{i:02d}", "kept_informed", "model:x", 0.95) for i in range(12, 24)),
    ]
    summary = build_summary(people, segments, codings, CODEBOOK, journey=None, sentiment=False)
    kept = summary.to_json()["stages"]["engagement"]["themes"][0]
    assert (kept["respondents"], kept["unreviewed"], kept["coded_by"]) == (
        24,
        12,
        "people and machine",
    )
    # 10 negative, 2 positive, 12 without a direction: the 2 hide the smallest other (10).
    assert kept["directions"] == {"negative": None, "positive": None, "not_given": 12}
    people_only = build_summary(
        people,
        segments,
        codings,
        CODEBOOK,
        journey=None,
        sentiment=False,
        include_suggestions=False,
    ).to_json()["stages"]["engagement"]["themes"][0]
    assert (people_only["respondents"], people_only["unreviewed"]) == (12, None)
    assert people_only["coded_by"] == "people" and people_only["machine_only"] is False


def session_turns(session, source, speakers, area="wirral", group="hate_crime"):
    """One turn per speaker at the engagement stage, as the focus-group import stores them."""
    return [
        Segment(
            f"{session}/t{i + 1:02d}",
            f"We were never told what was happening with the case, said speaker {i}.",
            "engagement",
            source,
            {"session": session, "speaker": speaker, "area": area, "crime_types": [group]},
        )
        for i, speaker in enumerate(speakers)
    ]


def test_facilitators_are_never_counted_and_workshop_participants_are_apart():
    # Focus group 1: a facilitator and 12 participants; workshop 2: a facilitator and 3
    # providers. Every turn is coded, the facilitators' too (they must not count).
    group = session_turns("1", "focus_group", ["Facilitator", *(f"P{i}" for i in range(1, 13))])
    workshop = session_turns("2", "workshop", ["Facilitator", "P1", "P2", "P3"], area="sefton")
    segments = group + workshop
    codings = [Coding(s.id, "kept_informed", "person:2", status="human") for s in segments]
    summary = build_summary((), segments, codings, CODEBOOK, journey=None, sentiment=False)
    kept = summary.to_json()["stages"]["engagement"]["themes"][0]
    # 12 + 3 participants (P1 of session 1 and P1 of session 2 are two people), 15 segments.
    assert (kept["participants"], kept["segments"]) == (15, 15)
    # The workshop's 3 are hidden, so the focus group's 12 are withheld too (15 - 12 = 3).
    assert kept["by"]["participants_source"] == {"focus_group": None, "workshop": None}
    assert kept["by"]["source"] == {"focus_group": None, "workshop": None}
    assert kept["by"]["participants_area"] == {"sefton": None, "wirral": None}
    cells = summary.stages["engagement"].themes[0].breakdown["participants_source"]
    assert (cells["focus_group"].text(), cells["workshop"].text()) == (W, F10)
    assert summary.themes_base["participants"].value == 15
    # The source filter keeps the workshop only: 3 participants, fewer than 10.
    only = build_summary(
        (),
        segments,
        codings,
        CODEBOOK,
        journey=None,
        sentiment=False,
        filters=SummaryFilter(source="workshop"),
    )
    theme = only.stages["engagement"].themes[0]
    assert theme.participants.text() == F10 and theme.segments.text() == F10
    assert theme.segment_ids == () and theme.quotes == ()


def test_one_set_of_records_summarised_under_several_filters_matches_fresh_ones():
    segments, codings, scores = theme_records()
    people = programme_respondents()
    records = summary_module.SummaryRecords(people, segments, codings)
    for filters in (
        None,
        SummaryFilter(area="liverpool"),
        SummaryFilter(channel="paper"),
        SummaryFilter(crime_type="hate_crime"),
        SummaryFilter(source="focus_group"),
        None,
    ):
        kwargs = {"codebook": CODEBOOK, "filters": filters, "sentiment_scores": scores}
        again = build_summary(records, questions=[REPORTED, AREA, CRIME], **kwargs)
        fresh = build_summary(
            people, segments, codings, questions=[REPORTED, AREA, CRIME], **kwargs
        )
        assert again.to_json() == fresh.to_json()


def test_the_segments_behind_a_count_are_those_counted_and_none_behind_a_hidden_one():
    from analysis.summary import CountRef, segments_behind

    segments, codings, _scores = theme_records()
    # The segments' respondents are among the programme's (r00 is r000).
    segments = [
        replace(s, metadata={**s.metadata, "response_id": "r0" + s.metadata["response_id"][1:]})
        for s in segments
    ]
    people = programme_respondents()
    records = summary_module.SummaryRecords(people, segments, codings)
    summary = build_summary(records, codebook=CODEBOOK, questions=[REPORTED, AREA, CRIME])
    kept = next(t for t in summary.stages["engagement"].themes if t.theme == "kept_informed")
    everything = segments_behind(records, summary, CountRef("engagement", "kept_informed"))
    assert everything == tuple(sorted(kept.segment_ids))
    assert len(everything) == kept.segments.value == 25
    # Within a shown group: only the segments of respondents in it.
    area_cells = kept.breakdown["area"]
    for area, cell in area_cells.items():
        ref = CountRef("engagement", "kept_informed", dim="area", group=area)
        ids = segments_behind(records, summary, ref)
        if not cell.shown:
            assert ids == ()
            continue
        owners = {s.metadata["response_id"] for s in segments if s.id in ids}
        assert len(owners) == cell.value
        assert all(next(p for p in people if p.id == o).area == area for o in owners)
    # A closed question's count: the free text of the respondents who gave that answer.
    yes = segments_behind(records, summary, CountRef(question="reported", option="yes"))
    said_yes = {p.id for p in people if p.answers["reported"].value == "yes"}
    assert yes and {s.metadata["response_id"] for s in segments if s.id in yes} <= said_yes
    # Hidden counts list nothing, however the reference is written; unknown ones are None.
    not_sure = CountRef(question="reported", option="not_sure")
    assert summary.questions["reported"].options[2].count.shown is False
    assert segments_behind(records, summary, not_sure) == ()
    paper = CountRef(dim="channel", group="paper")
    assert summary.by_channel["paper"].shown is False
    assert segments_behind(records, summary, paper) == ()
    assert segments_behind(records, summary, CountRef("engagement", "no_such_theme")) is None
    assert segments_behind(records, summary, CountRef(question="reported", option="x")) is None


def owned_records():
    """theme_records() with their segments owned by programme_respondents() (r005, not r05)."""
    segments, codings, scores = theme_records()
    segments = [
        Segment(
            s.id, s.text, s.stage, s.source, {"response_id": "r0" + s.metadata["response_id"][1:]}
        )
        for s in segments
    ]
    return programme_respondents(), segments, codings, scores


FILTERS = (
    None,
    SummaryFilter(area="liverpool"),
    SummaryFilter(channel="paper"),
    SummaryFilter(crime_type="hate_crime"),
    SummaryFilter(date_from=datetime.date(2014, 9, 1)),
)


def summaries_of(records, **kwargs):
    return [
        build_summary(
            records, codebook=CODEBOOK, filters=f, questions=[REPORTED, AREA, CRIME], **kwargs
        )
        for f in FILTERS
    ]


def test_records_with_responses_added_match_fresh_ones():
    """SummaryRecords.with_replaced, given responses not kept, keeps the per-record work and
    adds the new records': the summaries equal those of records made from scratch (in the
    order a fresh read gives)."""
    people, segments, codings, scores = owned_records()
    old_ids = {p.id for p in people[:120]} - {"r005", "r020"}
    old = [p for p in people if p.id in old_ids]
    added = [p for p in people if p.id not in old_ids]
    old_segments = [s for s in segments if s.metadata["response_id"] in old_ids]
    new_segments = [s for s in segments if s.metadata["response_id"] not in old_ids]
    assert added and new_segments
    old_sids = {s.id for s in old_segments}
    kept = summary_module.SummaryRecords(
        old, old_segments, [c for c in codings if c.segment_id in old_sids], scores
    )
    summaries_of(kept)  # every kind of kept work made
    # All the codings given: only those of the new segments are taken.
    grown = kept.with_replaced(
        {p.id for p in added},
        (),
        added,
        new_segments,
        codings,
        {s.id: scores[s.id] for s in new_segments},
    )
    # The counts over groups and cells were added to, not dropped.
    assert {"tally", "cell tally", "cells", "group cells", "respondent cells", "people"} <= {
        key[0] if isinstance(key, tuple) else key for key in grown._memo
    }
    fresh = summary_module.SummaryRecords(people, segments, codings, scores)
    for again, made in zip(summaries_of(grown), summaries_of(fresh), strict=True):
        assert again.to_json() == made.to_json()
        assert again == made
    assert summaries_of(grown)[0].by_area["wirral"].value == 71  # 22 of them added
    people_made = grown._memo[("people", frozenset(summary_module.EMPTY_ANSWERS))]
    assert people_made == summary_module._people_counts(
        grown.segment_items(frozenset(summary_module.EMPTY_ANSWERS)).said
    )


def changed_codings(codings):
    """The codings after people's work on a few segments: some removed, some accepted or
    rejected, new ones (with directions), a machine suggestion superseded."""
    out = []
    for c in codings:
        if c.segment_id == "e00":
            continue  # removed
        if c.segment_id in ("e12", "e13") and c.status == "suggested":
            out.append(replace(c, status="accepted" if c.segment_id == "e12" else "rejected"))
            continue
        if c.segment_id == "c03" and c.status == "suggested":
            out.append(replace(c, status="superseded"))
            continue
        out.append(c)
    out += [
        Coding("e26", "kept_informed", "person:2", 1.0, status="human", direction="negative"),
        Coding("e26", "kept_informed", "person:3", 1.0, status="human", direction="positive"),
        Coding("c03", "emotional_support", "rules:new", 0.95, status="suggested"),
        Coding("e20", "emotional_support", "rules:x", 0.75, status="suggested", direction="mixed"),
        Coding(
            "e20", "emotional_support", "model:x", 0.75, status="suggested", direction="negative"
        ),
    ]
    return out


def test_records_with_coding_changes_match_fresh_ones():
    """SummaryRecords.with_coding_changes replaces the codings of a few segments and updates
    what rests on them: the summaries equal those of records made with every coding."""
    people, segments, codings, scores = owned_records()
    kept = summary_module.SummaryRecords(people, segments, codings, scores)
    summaries_of(kept)
    after = changed_codings(codings)
    changed = {"e00", "e12", "e13", "e26", "c03", "e20", "e05"}  # e05: named, no change
    updated = kept.with_coding_changes(changed, [c for c in after if c.segment_id in changed])
    fresh = summary_module.SummaryRecords(people, segments, after, scores)
    for again, made in zip(summaries_of(updated), summaries_of(fresh), strict=True):
        assert again.to_json() == made.to_json()
        assert again == made
    kinds = {k[0] for k in updated._memo if isinstance(k, tuple)}
    assert {"decided", "quotes", "sentiment", "counts"} <= kinds
    # A theme no changed segment carries keeps its counts and quote order as they were.
    for kind in ("counts", "quotes"):
        untouched = {k[2]: v for k, v in kept._memo.items() if k[0] == kind}
        carried = {k[2]: v for k, v in updated._memo.items() if k[0] == kind}
        assert carried["fear_of_reprisal"] is untouched["fear_of_reprisal"]
        assert carried["kept_informed"] is not untouched["kept_informed"]
    before = summaries_of(kept)[0].stages["engagement"].themes[0]
    assert summaries_of(updated)[0].stages["engagement"].themes[0] != before


def test_which_codings_count_does_not_depend_on_their_order():
    """People's codings of one theme with different directions, and suggestions of equal
    confidence, count the same whatever order the codings are read in."""
    people, segments, codings, scores = owned_records()
    codings = changed_codings(codings)
    forward = summaries_of(summary_module.SummaryRecords(people, segments, codings, scores))
    backward = summaries_of(summary_module.SummaryRecords(people, segments, codings[::-1], scores))
    assert forward == backward
    decided = summary_module._decide(
        codings[::-1], {"e26": 0, "e20": 1}, {"kept_informed", "emotional_support"}, True, 0.0
    )
    assert decided["kept_informed"]["e26"] == ("person", 1.0, "negative")
    assert decided["emotional_support"]["e20"] == ("machine", 0.75, "mixed")


def test_records_with_other_codings_match_fresh_ones():
    people, segments, codings, scores = owned_records()
    kept = summary_module.SummaryRecords(people, segments, codings[:20], scores)
    summaries_of(kept)
    fresh = summary_module.SummaryRecords(people, segments, codings, scores)
    for again, made in zip(
        summaries_of(kept.with_codings(codings)), summaries_of(fresh), strict=True
    ):
        assert again == made


@pytest.mark.parametrize(
    "cells",
    [
        {"channel": "online"},
        {"channel": "paper"},
        {"date_from": datetime.date(2014, 9, 1)},
        {"date_from": datetime.date(2014, 9, 15), "date_to": datetime.date(2014, 10, 20)},
        {"channel": "online", "date_to": datetime.date(2014, 9, 30)},
        {"date_to": datetime.date(2014, 9, 14)},
        {"crime_type": "hate_crime"},
        {"area": "liverpool"},
        {"crime_type": "hate_crime", "channel": "online", "date_from": datetime.date(2014, 9, 15)},
    ],
)
def test_filters_counted_by_cells_match_counting_each_record(cells):
    """A filter of channel, dates, area and crime type is counted from kept cells (channel,
    month, area, crime types), whole cells from kept counts and months a date cuts record by
    record; adding source "survey" (which changes nothing here: the focus-group turns have no
    channel and no date, and another area and crime type) makes it count every record as a
    source filter does. Both give the same summary."""
    people, segments, codings, scores = owned_records()
    # Turns of another area and crime type than the filters name (a filter of area or crime
    # type keeps the turns that match it, which source "survey" would not).
    speakers = ["Facilitator", *(f"P{i}" for i in range(1, 13))]
    turns = session_turns("1", "focus_group", speakers, area="knowsley", group="robbery")
    segments = [*segments, *turns]
    codings = [
        *codings,
        *(Coding(s.id, "kept_informed", "person:2", status="human") for s in turns),
    ]
    by_cells = SummaryFilter(**cells)
    by_record = SummaryFilter(**cells, source="survey")
    records = summary_module.SummaryRecords(people, segments, codings, scores)
    assert summary_module._by_cells(by_cells) and not summary_module._by_cells(by_record)
    assert records.cells(frozenset(summary_module.EMPTY_ANSWERS)).disjoint
    kwargs = {"codebook": CODEBOOK, "questions": [REPORTED, AREA, CRIME]}
    made = build_summary(records, filters=by_cells, **kwargs)
    counted = build_summary(
        summary_module.SummaryRecords(people, segments, codings, scores),
        filters=by_record,
        **kwargs,
    )
    assert replace(made, filters=by_record) == counted
    assert made.respondents.value or made.respondents.suppressed


@pytest.mark.parametrize(
    "cells",
    [{"crime_type": "hate_crime"}, {"area": "wirral"}, {"area": "wirral", "crime_type": "x"}],
)
def test_focus_group_turns_are_in_the_cells_of_their_area_and_crime_type(cells, monkeypatch):
    """Turns (no channel, no date) of the area or crime type a filter names are counted from
    their cells as they are record by record (cells switched off for the second summary)."""
    people, segments, codings, scores = owned_records()
    turns = session_turns("1", "focus_group", ["Facilitator", *(f"P{i}" for i in range(1, 13))])
    segments = [*segments, *turns]
    codings = [
        *codings,
        *(Coding(s.id, "kept_informed", "person:2", status="human") for s in turns),
    ]
    kwargs = {"codebook": CODEBOOK, "questions": [REPORTED, AREA, CRIME]}
    filters = SummaryFilter(**cells)
    made = build_summary(
        summary_module.SummaryRecords(people, segments, codings, scores), filters=filters, **kwargs
    )
    monkeypatch.setattr(summary_module, "_by_cells", lambda _filters: False)
    counted = build_summary(
        summary_module.SummaryRecords(people, segments, codings, scores), filters=filters, **kwargs
    )
    assert made == counted
    if "x" not in cells.values():
        assert made.themes_base["participants"].value == 12


def test_records_with_responses_and_sessions_replaced_match_fresh_ones():
    """SummaryRecords.with_replaced takes out corrected respondents (one moved to another
    area, group and cell; one whose answer now says nothing; one with an answer more), a
    session whose turns changed, and puts them in as they are now with a new respondent:
    every kept count is updated, and the summaries equal those of records made from scratch."""
    people, segments, codings, scores = owned_records()
    speakers = ["Facilitator", *(f"P{i}" for i in range(1, 13))]
    turns = session_turns("1", "focus_group", speakers)
    other = session_turns("2", "workshop", ["Facilitator", "P1", "P2"], area="sefton")
    segments = [*segments, *turns, *other]
    codings = [
        *codings,
        *(Coding(s.id, "kept_informed", "person:2", status="human") for s in turns + other),
    ]
    kept = summary_module.SummaryRecords(people, segments, codings, scores)
    summaries_of(kept)  # every kind of kept work made
    by_id = {p.id: p for p in people}
    # r000 moves to wirral and hate crime; r001's answer now says nothing; r013 wrote more.
    moved = replace(
        by_id["r000"],
        area="wirral",
        crime_types=("hate_crime",),
        channel="paper",
        answers={**by_id["r000"].answers, "area": answered("wirral")},
    )
    quiet_segments = [
        replace(s, text="n/a") if s.id == "e01" else s
        for s in segments
        if s.metadata.get("response_id") == "r001"
    ]
    extra = Segment(
        "x13", "They rang me back the same day.", "reporting", "survey", {"response_id": "r013"}
    )
    newcomer = replace(by_id["r141"], id="r999")
    new_turns = [
        replace(s, metadata={**s.metadata, "area": "knowsley"}) for s in turns if s.id != "1/t05"
    ]
    respondents_now = [moved, by_id["r001"], by_id["r013"], newcomer]
    changed_ids = {"r000", "r001", "r013"}
    segments_now = [
        *(s for s in segments if s.metadata.get("response_id") == "r000"),
        *quiet_segments,
        *(s for s in segments if s.metadata.get("response_id") == "r013"),
        extra,
        *new_turns,
    ]
    codings_now = [
        *(c for c in codings if c.segment_id in {s.id for s in segments_now}),
        Coding("x13", "fear_of_reprisal", "person:2", status="human", direction="positive"),
    ]
    replaced = kept.with_replaced(
        changed_ids | {"r999"},
        {"1"},
        respondents_now,
        segments_now,
        codings_now,
        {**{s.id: scores[s.id] for s in segments_now if s.id in scores}, "x13": 0.6, "e01": 0.0},
    )
    kinds = {key[0] if isinstance(key, tuple) else key for key in replaced._memo}
    assert {"tally", "cell tally", "cells", "group cells", "respondent cells", "people"} <= kinds
    everyone = [p for p in people if p.id not in changed_ids] + respondents_now
    now = [
        s
        for s in segments
        if s.metadata.get("response_id") not in changed_ids and s.metadata.get("session") != "1"
    ] + segments_now
    now_ids = {s.id for s in now}
    now_codings = [
        c for c in codings if c.segment_id in now_ids and c.segment_id not in {"x13"}
    ] + [codings_now[-1]]
    now_scores = {**{k: v for k, v in scores.items() if k in now_ids}, "x13": 0.6, "e01": 0.0}
    fresh = summary_module.SummaryRecords(everyone, now, now_codings, now_scores)
    for again, made in zip(summaries_of(replaced), summaries_of(fresh), strict=True):
        assert again.to_json() == made.to_json()
        assert again == made
    empties = frozenset(summary_module.EMPTY_ANSWERS)
    assert replaced._memo[("people", empties)] == summary_module._people_counts(
        replaced.segment_items(empties).said
    )
    assert summaries_of(replaced)[0] != summaries_of(kept)[0]
