"""Conditions, routing between pages, pruning answers, open dates and the answer JSON form."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from survey_app.questionnaire import (
    Answer,
    AnswerState,
    answers_from_json,
    answers_to_json,
    load_questionnaire,
    parse_condition,
)

from .factories import definition, load, with_questions

SURVEY = Path(__file__).resolve().parents[3] / "questionnaires" / "victims-experience-survey.yaml"


def yes(value) -> Answer:
    """An answered answer."""
    return Answer(AnswerState.ANSWERED, value)


SKIP = Answer(AnswerState.SKIPPED)
PREFER_NOT = Answer(AnswerState.PREFER_NOT)


# ----- conditions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "answers", "expected"),
    [
        ({"question": "q", "equals": "yes"}, {"q": yes("yes")}, True),
        ({"question": "q", "equals": "yes"}, {"q": yes("no")}, False),
        ({"question": "q", "not_equals": "yes"}, {"q": yes("no")}, True),
        ({"question": "q", "not_equals": "yes"}, {"q": SKIP}, False),
        ({"question": "q", "any_of": ["a", "b"]}, {"q": yes("b")}, True),
        ({"question": "q", "any_of": ["a", "b"]}, {"q": yes("c")}, False),
        ({"question": "q", "includes": "a"}, {"q": yes(("a", "c"))}, True),
        ({"question": "q", "includes": "b"}, {"q": yes(("a", "c"))}, False),
        ({"question": "q", "answered": True}, {"q": yes("x")}, True),
        ({"question": "q", "answered": True}, {"q": PREFER_NOT}, False),
        ({"question": "q", "answered": False}, {"q": SKIP}, True),
        ({"question": "q", "answered": False}, {}, True),
        ({"question": "q", "equals": "yes"}, {"q": PREFER_NOT}, False),
        ({"question": "q", "equals": "yes"}, {}, False),
        ({"not": {"question": "q", "equals": "yes"}}, {"q": SKIP}, True),
        ({"not": {"question": "q", "equals": "yes"}}, {"q": yes("yes")}, False),
        (
            {"all": [{"question": "q", "equals": "a"}, {"question": "r", "equals": "b"}]},
            {"q": yes("a"), "r": yes("c")},
            False,
        ),
        (
            {"any": [{"question": "q", "equals": "a"}, {"question": "r", "equals": "b"}]},
            {"q": yes("z"), "r": yes("b")},
            True,
        ),
    ],
)
def test_condition_evaluates_on_answers(condition, answers, expected):
    assert parse_condition(condition).evaluate(answers) is expected


def test_condition_describes_itself_in_words_for_paper_routing():
    survey = load_questionnaire(SURVEY)
    described = survey.question("why_not_reported").relevant.describe(survey)
    assert described == (
        "if you answered 'No' or 'I'm not sure' to 'Was it reported to the police or to anyone "
        "else?'"
    )
    treated = survey.question("treated").relevant.describe(survey)
    assert treated.startswith("if you answered 'Yes' to 'Was it reported")
    referral = survey.question("how_referred").relevant.describe(survey)
    assert "you did not tick 'None of these'" in referral


def test_every_shipped_condition_can_be_described_for_paper():
    survey = load_questionnaire(SURVEY)
    conditional = [q for q in survey.questions if q.relevant is not None]
    assert len(conditional) > 10
    for question in conditional:
        words = question.relevant.describe(survey)
        assert words.startswith("if you ") or words.startswith("if it is not"), words
        assert "'" in words


# ----- routing --------------------------------------------------------------------------------


def test_visible_pages_hide_pages_whose_questions_are_not_relevant():
    survey = load(definition())
    assert [p.id for p in survey.visible_pages({})] == ["reported", "closing"]
    answers = {"reported": yes("no")}
    assert [p.id for p in survey.visible_pages(answers)] == ["reported", "why_not", "closing"]


def test_a_page_is_shown_exactly_when_one_of_its_questions_is():
    """visible_pages (which skips pages with an unconditional question) agrees with asking
    each question, for the shipped survey and many random sets of answers."""
    import random

    survey = load_questionnaire(SURVEY)
    choosers = [q for q in survey.questions if hasattr(q, "choices")]
    rng = random.Random(14)
    for _ in range(300):
        answers = {}
        for question in rng.sample(choosers, rng.randint(0, len(choosers))):
            values = [c.value for c in question.choices]
            picked = rng.sample(values, rng.randint(1, min(2, len(values))))
            multiple = question.type == "multiple_choice"
            answers[question.name] = yes(tuple(picked) if multiple else picked[0])
        expected = [
            page
            for page in survey.pages
            if any(survey.is_relevant(q, answers) for q in page.questions)
        ]
        assert survey.visible_pages(answers) == expected


def test_next_and_previous_page_skip_hidden_pages_and_stop_at_the_ends():
    survey = load(definition())
    said_yes = {"reported": yes("yes")}
    said_no = {"reported": yes("no")}
    assert survey.next_page("reported", said_yes).id == "closing"
    assert survey.next_page("reported", said_no).id == "why_not"
    assert survey.previous_page("closing", said_yes).id == "reported"
    assert survey.previous_page("closing", said_no).id == "why_not"
    assert survey.previous_page("reported", said_no) is None
    assert survey.next_page("closing", said_no) is None


def test_next_page_works_from_a_page_that_is_no_longer_shown():
    survey = load(definition())
    assert survey.next_page("why_not", {"reported": yes("yes")}).id == "closing"


def test_unknown_page_raises_key_error():
    survey = load(definition())
    with pytest.raises(KeyError):
        survey.next_page("nowhere", {})


def test_prune_drops_answers_to_questions_no_longer_shown_in_a_chain():
    data = with_questions(
        {"name": "a", "type": "single_choice", "label": "A", "choices": "yes_no"},
        {
            "name": "b",
            "type": "single_choice",
            "label": "B",
            "choices": "yes_no",
            "relevant": {"question": "a", "equals": "yes"},
        },
        {
            "name": "c",
            "type": "long_text",
            "label": "C",
            "relevant": {"question": "b", "equals": "yes"},
        },
    )
    survey = load(data)
    answers = {"a": yes("yes"), "b": yes("yes"), "c": yes("words"), "ghost": yes("x")}
    assert survey.prune(answers) == {"a": yes("yes"), "b": yes("yes"), "c": yes("words")}
    answers["a"] = yes("no")
    assert survey.prune(answers) == {"a": yes("no")}
    assert not survey.is_relevant("c", answers)
    assert [p.id for p in survey.visible_pages(answers)] == ["page_a"]


def test_relevant_questions_of_a_page_follow_the_answers():
    survey = load_questionnaire(SURVEY)
    assert survey.relevant_questions("reported_to", {}) == []
    shown = survey.relevant_questions("reported_to", {"reported": yes("yes")})
    assert [q.name for q in shown] == ["reported_to", "how_reported"]
    repeated = {"reported": yes("yes"), "how_often": yes("ongoing")}
    shown = survey.relevant_questions("reported_to", repeated)
    assert [q.name for q in shown] == ["reported_to", "how_reported", "times_reported"]


def test_shipped_survey_journey_for_someone_who_did_not_report_and_skips_about_you():
    survey = load_questionnaire(SURVEY)
    answers = {
        "crime_type": yes(("hate_crime",)),
        "reported": yes("no"),
        "services_contacted": yes(("none",)),
        "needs": yes(("none",)),
        "about_you_opt_in": yes("no"),
    }
    pages = [p.id for p in survey.visible_pages(answers)]
    assert "why_not_reported" in pages
    assert "reported_to" not in pages and "treatment" not in pages
    assert "referral" not in pages and "kept_informed" not in pages
    assert "needs_met" not in pages
    assert "age_band" not in pages
    assert survey.next_page("about_you_opt_in", answers).id == "anything_else"


def test_shipped_survey_kept_informed_shows_for_reporters_or_service_users():
    survey = load_questionnaire(SURVEY)
    assert not survey.is_relevant("kept_informed", {})
    assert survey.is_relevant("kept_informed", {"reported": yes("yes")})
    assert survey.is_relevant("kept_informed", {"services_contacted": yes(("idva",))})
    assert not survey.is_relevant("kept_informed", {"services_contacted": yes(("none",))})


def test_section_lookup_for_progress():
    survey = load(definition())
    assert survey.section_of(survey.page("closing")).id == "second"
    assert survey.section_of("why_not").title == "First section"
    assert survey.section_number("closing") == 2


def test_visible_sections_leave_out_sections_with_no_page_shown():
    data = definition()
    data["sections"][1]["pages"][0]["questions"][0]["relevant"] = {
        "question": "reported",
        "equals": "yes",
    }
    survey = load(data)
    assert [s.id for s in survey.visible_sections({"reported": yes("no")})] == ["first"]
    assert [s.id for s in survey.visible_sections({"reported": yes("yes")})] == ["first", "second"]


def test_single_question_page_heading_is_the_question_label():
    survey = load(definition())
    assert survey.page("reported").heading == "Did you report it?"


# ----- opening dates --------------------------------------------------------------------------


def test_is_open_between_the_dates_inclusive():
    data = definition()
    data["opens"] = "2026-01-01"
    data["closes"] = "2026-03-31"
    survey = load(data)
    assert not survey.is_open(date(2025, 12, 31))
    assert survey.is_open(date(2026, 1, 1))
    assert survey.is_open(date(2026, 3, 31))
    assert not survey.is_open(date(2026, 4, 1))


def test_without_dates_a_questionnaire_is_always_open():
    assert load(definition()).is_open(date(1999, 1, 1))


# ----- answers as JSON ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        Answer(AnswerState.ANSWERED, "yes"),
        Answer(AnswerState.ANSWERED, 4),
        Answer(AnswerState.ANSWERED, ("a", "b")),
        Answer(AnswerState.ANSWERED, (2024, 3)),
        Answer(AnswerState.PREFER_NOT),
        Answer(AnswerState.SKIPPED),
        Answer(AnswerState.ILLEGIBLE),
    ],
)
def test_answer_survives_a_json_round_trip(answer):
    assert Answer.from_json(json.loads(json.dumps(answer.to_json()))) == answer


def test_answer_state_values_are_the_stored_strings():
    assert Answer(AnswerState.PREFER_NOT).to_json() == {"state": "prefer_not_to_say", "value": None}
    assert AnswerState("multiple_ticked") is AnswerState.MULTIPLE


def test_answer_refuses_a_value_that_contradicts_its_state():
    with pytest.raises(ValueError):
        Answer(AnswerState.ANSWERED, None)
    with pytest.raises(ValueError):
        Answer(AnswerState.SKIPPED, "text")


def test_a_set_of_answers_survives_a_json_round_trip():
    answers = {"a": Answer(AnswerState.ANSWERED, ("x", "y")), "b": Answer(AnswerState.SKIPPED)}
    assert answers_from_json(json.loads(json.dumps(answers_to_json(answers)))) == answers
