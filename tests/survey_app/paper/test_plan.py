"""Paper layout: question numbers, routing in words and answer space, without rendering."""

from pathlib import Path

from survey_app.paper import condition_words, paper_plan
from survey_app.questionnaire import load_questionnaire
from tests.survey_app.paper.factories import questionnaire_with_condition, routed_questionnaire

SHIPPED = Path(__file__).resolve().parents[3] / "questionnaires" / "victims-experience-survey.yaml"


def by_name(plan):
    return {question.name: question for question in plan.questions}


def go_tos(question):
    return {choice.label: choice.go_to for choice in question.choices if choice.go_to}


def test_questions_are_numbered_from_one_in_paper_order():
    plan = paper_plan(routed_questionnaire())
    assert [q.number for q in plan.questions] == list(range(1, 9))
    assert [q.name for q in plan.questions][:3] == ["reported", "how", "why_not"]


def test_choice_that_skips_questions_says_where_to_go():
    questions = by_name(paper_plan(routed_questionnaire()))
    # "No" skips question 2 (only for "Yes"); "Prefer not to say" skips 2 and 3.
    assert go_tos(questions["reported"]) == {"No": 3, "Prefer not to say": 4}
    no = next(c for c in questions["reported"].choices if c.label == "No")
    assert no.go_to_text == "Go to question 3"


def test_choice_that_leads_to_the_next_question_has_no_go_to():
    questions = by_name(paper_plan(routed_questionnaire()))
    yes = next(c for c in questions["reported"].choices if c.label == "Yes")
    assert yes.go_to is None


def test_question_after_which_everyone_skips_says_now_go_to():
    questions = by_name(paper_plan(routed_questionnaire()))
    # Whoever answers question 2 said "Yes", so question 3 (for "No") is not for them.
    assert questions["how"].then_go_to == 4
    assert questions["how"].then_text == "Now go to question 4."
    assert questions["why_not"].then_text is None


def test_exclusive_box_and_prefer_not_route_past_the_follow_up():
    questions = by_name(paper_plan(routed_questionnaire()))
    assert go_tos(questions["contacted"]) == {"None of these": 6, "Prefer not to say": 6}
    none = next(c for c in questions["contacted"].choices if c.label == "None of these")
    assert none.exclusive


def test_conditional_question_says_when_to_answer_it_with_numbers():
    questions = by_name(paper_plan(routed_questionnaire()))
    assert questions["how"].only_if == "Answer this only if you ticked 'Yes' at question 1."
    assert questions["helpful"].only_if == (
        "Answer this only if you ticked a box other than 'None of these' or "
        "'Prefer not to say' at question 4."
    )
    assert questions["reported"].only_if is None


def test_condition_words_use_describe_with_question_numbers():
    definition = questionnaire_with_condition(
        "{any: [{question: colour, equals: red}, {question: colour, equals: blue}]}"
    )
    words = condition_words(definition.question("shade").relevant, definition)
    assert words == "if you ticked 'Red' at question 1, or if you ticked 'Blue' at question 1"


def test_negated_condition_keeps_describe_wording():
    definition = questionnaire_with_condition("{not: {question: colour, equals: red}}")
    words = condition_words(definition.question("shade").relevant, definition)
    assert words == "if it is not the case that you ticked 'Red' at question 1"


def test_negated_condition_sends_only_the_excluded_choice_past_the_question():
    # "not red" holds for Blue, for "Prefer not to say" and for a blank: only Red skips.
    definition = questionnaire_with_condition("{not: {question: colour, equals: red}}")
    colour = by_name(paper_plan(definition))["colour"]
    assert go_tos(colour) == {"Red": 3}


def test_last_question_routes_to_the_end_of_the_questionnaire():
    definition = questionnaire_with_condition("{question: colour, equals: red}")
    colour = by_name(paper_plan(definition))["colour"]
    blue = next(c for c in colour.choices if c.label == "Blue")
    assert blue.go_to_text == "Go to the end of the questionnaire"


def test_prefer_not_to_say_box_only_where_the_question_allows_it():
    questions = by_name(paper_plan(routed_questionnaire()))
    assert [c.label for c in questions["reported"].choices][-1] == "Prefer not to say"
    assert "Prefer not to say" not in [c.label for c in questions["how"].choices]
    assert questions["times"].prefer_not and not questions["town"].prefer_not


def test_writing_space_grows_with_max_length_within_a_limit():
    questions = by_name(paper_plan(routed_questionnaire()))
    assert questions["why_not"].lines == 5  # 300 characters at 60 a line
    assert questions["town"].lines == 2  # 100 characters
    large = by_name(paper_plan(routed_questionnaire(), large_print=True))
    assert large["why_not"].lines == 8  # 300 at 40 a line, capped at 8


def test_number_boxes_fit_the_largest_allowed_value():
    questions = by_name(paper_plan(routed_questionnaire()))
    assert questions["times"].digits == 3
    assert questions["times"].instruction.startswith("Write a whole number from 0 to 999")


def test_web_hint_is_replaced_by_the_paper_instruction():
    how = by_name(paper_plan(routed_questionnaire()))["how"]
    assert how.hint is None
    assert how.instruction == "Tick all that apply."


def test_shipped_survey_routes_reporting_and_opt_in_questions():
    questions = by_name(paper_plan(load_questionnaire(SHIPPED)))
    assert go_tos(questions["reported"]) == {"No": 9, "I'm not sure": 9, "Prefer not to say": 14}
    assert questions["times_reported"].then_text == "Now go to question 11."
    assert questions["why_not_reported_more"].then_text == "Now go to question 14."
    assert go_tos(questions["about_you_opt_in"]) == {"No": 31}


def test_jump_stops_at_a_question_whose_relevance_depends_on_an_unknown_answer():
    questions = by_name(paper_plan(load_questionnaire(SHIPPED)))
    # Ticking "None of these" at 14 rules out 15, but 16 also depends on question 5's answer.
    assert go_tos(questions["services_contacted"]) == {
        "None of these": 16,
        "Prefer not to say": 16,
    }


PAPER_WORDING = """
kind: questionnaire
slug: paper-wording
title: Paper wording test
estimated_minutes: 1
description: We do not record your IP address.
paper:
  description: Post this form back to us.
sections:
  - id: only
    title: Online title
    intro: Online intro.
    paper: {title: Paper title, intro: Paper intro.}
    pages:
      - id: area
        questions:
          - name: area
            type: single_choice
            label: Where do you live?
            hint: This helps us show you services near you.
            paper: {hint: ""}
            choices:
              - {value: north, label: North}
              - {value: south, label: South}
      - id: age
        questions:
          - name: age
            type: number
            label: How old are you?
            hint: Type a number.
            paper:
              label: How old are you today?
              hint: Write a number.
"""


def test_paper_variants_replace_online_wording_on_paper_only():
    from survey_app.questionnaire import load_questionnaire_text

    definition = load_questionnaire_text(PAPER_WORDING, "paper-wording.yaml")
    assert definition.question("area").hint == "This helps us show you services near you."
    plan = paper_plan(definition)
    assert plan.description == ("Post this form back to us.",)
    assert (plan.sections[0].title, plan.sections[0].intro) == ("Paper title", ("Paper intro.",))
    questions = by_name(plan)
    assert questions["area"].hint is None  # "" prints no hint
    assert (questions["age"].label, questions["age"].hint) == (
        "How old are you today?",
        "Write a number.",
    )


def test_unknown_paper_key_is_an_error_naming_the_question():
    import pytest

    from survey_app.questionnaire import QuestionnaireError, load_questionnaire_text

    broken = PAPER_WORDING.replace('paper: {hint: ""}', 'paper: {hint: "", choices: x}')
    with pytest.raises(QuestionnaireError, match=r"area.*unknown key 'choices'"):
        load_questionnaire_text(broken, "paper-wording.yaml")


def test_shipped_survey_has_no_online_only_wording_on_paper():
    plan = paper_plan(load_questionnaire(SHIPPED))
    printed = " ".join(
        [
            *plan.description,
            *(p for section in plan.sections for p in (section.title, *section.intro)),
            *(f"{q.label} {q.hint or ''}" for q in plan.questions),
        ]
    )
    for online in ("IP address", "show you support services", "you will go to", "For example, 3"):
        assert online not in printed
