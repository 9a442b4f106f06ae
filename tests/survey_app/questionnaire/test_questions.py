"""Parsing submitted forms into answers, and presenting stored answers, for every question type."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from survey_app.questionnaire import (
    Answer,
    AnswerError,
    AnswerState,
    Choice,
    LongText,
    MonthYear,
    MultipleChoice,
    Number,
    RatingScale,
    ShortText,
    SingleChoice,
)

TODAY = date(2026, 11, 26)
ANSWERED = AnswerState.ANSWERED
PREFER_NOT = AnswerState.PREFER_NOT
SKIPPED = AnswerState.SKIPPED


def form(*pairs: tuple[str, str]) -> MultiDict:
    """Build a submitted form from (field, value) pairs."""
    return MultiDict(list(pairs))


def single(**overrides) -> SingleChoice:
    fields = {
        "name": "reported",
        "label": "Did you report it?",
        "choices": (Choice("yes", "Yes"), Choice("no", "No")),
        "prefer_not_to_say": True,
    }
    return SingleChoice(**(fields | overrides))


def multiple(**overrides) -> MultipleChoice:
    fields = {
        "name": "needs",
        "label": "What did you need?",
        "choices": (
            Choice("safety", "Feeling safe"),
            Choice("talk", "Someone to talk to"),
            Choice("none", "None of these", exclusive=True),
        ),
        "prefer_not_to_say": True,
    }
    return MultipleChoice(**(fields | overrides))


def rating(**overrides) -> RatingScale:
    fields = {
        "name": "treated",
        "label": "How well were you treated?",
        "choices": tuple(Choice(n, label) for n, label in [(3, "Well"), (2, "OK"), (1, "Badly")]),
    }
    return RatingScale(**(fields | overrides))


def month_year(**overrides) -> MonthYear:
    fields = {"name": "when", "label": "When?", "min_year": 2000, "prefer_not_to_say": True}
    return MonthYear(**(fields | overrides))


# ----- single choice and rating scale ---------------------------------------------------------


def test_single_choice_answer_is_the_choice_value():
    assert single().parse(form(("reported", "no"))) == Answer(ANSWERED, "no")


def test_single_choice_prefer_not_is_stored_distinctly_from_a_skip():
    question = single()
    assert question.parse(form(("reported", "prefer-not-to-say"))).state is PREFER_NOT
    assert question.parse(form()).state is SKIPPED
    assert question.parse(form(("reported", ""))).state is SKIPPED


def test_single_choice_prefer_not_is_refused_when_not_offered():
    with pytest.raises(AnswerError, match="Select one of the options shown"):
        single(prefer_not_to_say=False).parse(form(("reported", "prefer-not-to-say")))


def test_single_choice_rejects_a_tampered_value_and_two_values():
    with pytest.raises(AnswerError, match="Select one of the options shown") as caught:
        single().parse(form(("reported", "maybe")))
    assert caught.value.field_id == "reported"
    with pytest.raises(AnswerError, match="Select one option only"):
        single().parse(form(("reported", "yes"), ("reported", "no")))


def test_required_single_choice_left_empty_gives_its_message():
    with pytest.raises(AnswerError, match="Select if you reported it") as caught:
        single(required=True, required_message="Select if you reported it").parse(form())
    assert caught.value.field_id == "reported"
    with pytest.raises(AnswerError, match="Select an answer"):
        single(required=True).parse(form())


def test_rating_scale_answers_are_integers():
    question = rating()
    answer = question.parse(form(("treated", "2")))
    assert answer == Answer(ANSWERED, 2)
    assert question.display(answer) == "OK"
    assert question.coded(answer) == 2
    assert question.form_values(answer) == {"treated": ["2"]}
    with pytest.raises(AnswerError):
        question.parse(form(("treated", "7")))


# ----- multiple choice ------------------------------------------------------------------------


def test_multiple_choice_keeps_the_order_of_the_choices_and_drops_duplicates():
    answer = multiple().parse(form(("needs", "talk"), ("needs", "safety"), ("needs", "talk")))
    assert answer == Answer(ANSWERED, ("safety", "talk"))


def test_multiple_choice_prefer_not_alone_is_prefer_not():
    assert multiple().parse(form(("needs", "prefer-not-to-say"))).state is PREFER_NOT


def test_multiple_choice_prefer_not_with_another_box_is_an_error():
    with pytest.raises(AnswerError, match="Select the options that apply or select 'Prefer not"):
        multiple().parse(form(("needs", "safety"), ("needs", "prefer-not-to-say")))


def test_multiple_choice_exclusive_choice_with_another_box_is_an_error():
    with pytest.raises(AnswerError, match="or select 'None of these'"):
        multiple().parse(form(("needs", "safety"), ("needs", "none")))
    assert multiple().parse(form(("needs", "none"))) == Answer(ANSWERED, ("none",))


def test_multiple_choice_rejects_an_unknown_box():
    with pytest.raises(AnswerError, match="Select one of the options shown"):
        multiple().parse(form(("needs", "safety"), ("needs", "money")))


def test_multiple_choice_nothing_ticked_is_skipped_unless_required():
    assert multiple().parse(form()).state is SKIPPED
    with pytest.raises(AnswerError, match="Select all that apply"):
        multiple(required=True).parse(form())


def test_multiple_choice_display_codes_and_labels():
    question = multiple()
    answer = Answer(ANSWERED, ("safety", "talk"))
    assert question.display(answer) == "Feeling safe, Someone to talk to"
    assert question.coded(answer) == "safety;talk"
    assert question.labelled(answer) == "Feeling safe; Someone to talk to"
    assert question.form_values(answer) == {"needs": ["safety", "talk"]}
    assert question.form_values(Answer(PREFER_NOT)) == {"needs": ["prefer-not-to-say"]}


# ----- text -----------------------------------------------------------------------------------


def test_long_text_is_stripped_and_line_endings_normalised():
    question = LongText(name="story", label="Tell us")
    answer = question.parse(form(("story", "  first line\r\nsecond\rthird \x00 ")))
    assert answer == Answer(ANSWERED, "first line\nsecond\nthird")


def test_short_text_is_kept_on_one_line():
    question = ShortText(name="other", label="Other")
    assert question.parse(form(("other", "a\r\nb"))).value == "a b"


def test_text_over_the_limit_is_an_error_with_the_limit_in_words():
    question = LongText(name="story", label="Tell us")
    assert question.parse(form(("story", "x" * 5000))).state is ANSWERED
    with pytest.raises(
        AnswerError, match="Your answer must be 5,000 characters or fewer"
    ) as caught:
        question.parse(form(("story", "x" * 5001)))
    assert caught.value.field_id == "story"


def test_windows_line_endings_do_not_count_twice_towards_the_limit():
    question = LongText(name="story", label="Tell us", max_length=5)
    assert question.parse(form(("story", "a\r\nb\r\nc"))).value == "a\nb\nc"


def test_blank_text_is_skipped_and_required_text_asks_for_it():
    assert LongText(name="s", label="S").parse(form(("s", "   \r\n "))).state is SKIPPED
    with pytest.raises(AnswerError, match="Enter an answer"):
        LongText(name="s", label="S", required=True).parse(form(("s", "")))


def test_text_prefer_not_checkbox():
    question = LongText(name="s", label="S", prefer_not_to_say=True)
    assert question.parse(form(("s-prefer-not-to-say", "yes"))).state is PREFER_NOT
    assert question.parse(form(("s", ""), ("s-prefer-not-to-say", "yes"))).state is PREFER_NOT
    with pytest.raises(AnswerError, match="not both"):
        question.parse(form(("s", "words"), ("s-prefer-not-to-say", "yes")))
    with pytest.raises(AnswerError, match="Select one of the options shown"):
        question.parse(form(("s-prefer-not-to-say", "sure")))


def test_text_prefer_not_checkbox_is_refused_when_not_offered():
    with pytest.raises(AnswerError):
        LongText(name="s", label="S").parse(form(("s-prefer-not-to-say", "yes")))


def test_text_form_values_refill_the_text_or_the_checkbox():
    question = LongText(name="s", label="S", prefer_not_to_say=True)
    assert question.form_values(Answer(ANSWERED, "hi")) == {"s": ["hi"], "s-prefer-not-to-say": []}
    assert question.form_values(Answer(PREFER_NOT)) == {"s": [], "s-prefer-not-to-say": ["yes"]}
    assert question.form_values(None) == {"s": [], "s-prefer-not-to-say": []}


# ----- number ---------------------------------------------------------------------------------


def test_number_accepts_whole_numbers_with_commas():
    question = Number(name="times", label="How many times?", min=0, max=10000)
    assert question.parse(form(("times", " 1,000 "))) == Answer(ANSWERED, 1000)


@pytest.mark.parametrize("typed", ["two", "1.5", "1e3", "9" * 40, "--1"])
def test_number_rejects_anything_but_a_whole_number(typed):
    with pytest.raises(AnswerError, match="must be a whole number"):
        Number(name="n", label="N").parse(form(("n", typed)))


@pytest.mark.parametrize(
    ("low", "high", "typed", "message"),
    [
        (1, 10, "0", "between 1 and 10"),
        (1, 10, "11", "between 1 and 10"),
        (5, None, "4", "5 or more"),
        (None, 1000, "1001", "1,000 or less"),
    ],
)
def test_number_out_of_range_says_the_range(low, high, typed, message):
    with pytest.raises(AnswerError, match=message):
        Number(name="n", label="N", min=low, max=high).parse(form(("n", typed)))


def test_number_bounds_are_inclusive_and_code_is_the_int():
    question = Number(name="n", label="N", min=1, max=10)
    answer = question.parse(form(("n", "10")))
    assert question.coded(answer) == 10
    assert question.display(answer) == "10"


# ----- month and year -------------------------------------------------------------------------


def test_month_year_is_stored_as_year_and_month():
    question = month_year()
    answer = question.parse(form(("when-month", "3"), ("when-year", "2024")), today=TODAY)
    assert answer == Answer(ANSWERED, (2024, 3))
    assert question.display(answer) == "March 2024"
    assert question.coded(answer) == "2024-03"
    assert question.form_values(answer) == {
        "when-month": ["3"],
        "when-year": ["2024"],
        "when-prefer-not-to-say": [],
    }


def test_month_year_accepts_month_names_and_leading_zeros():
    question = month_year()
    for typed in ("Sept", "september", "09", "sep."):
        parsed = question.parse(form(("when-month", typed), ("when-year", "2024")), today=TODAY)
        assert parsed.value == (2024, 9)


@pytest.mark.parametrize(
    ("month", "year", "message", "field"),
    [
        ("", "2024", "The date must include a month", "when-month"),
        ("3", "", "The date must include a year", "when-year"),
        ("three", "2024", "Month must be a number", "when-month"),
        ("13", "2024", "Month must be between 1 and 12", "when-month"),
        ("0", "2024", "Month must be between 1 and 12", "when-month"),
        ("3", "20x4", "Year must be a number", "when-year"),
        ("3", "24", "Year must include 4 numbers", "when-year"),
        ("3", "1999", "Year must be 2000 or later", "when-year"),
        ("12", "2026", "The date must be this month or in the past", "when-month"),
        ("1", "2027", "The date must be this month or in the past", "when-year"),
    ],
)
def test_month_year_errors_link_to_the_field_at_fault(month, year, message, field):
    with pytest.raises(AnswerError, match=message) as caught:
        month_year().parse(form(("when-month", month), ("when-year", year)), today=TODAY)
    assert caught.value.field_id == field


def test_month_year_this_month_is_allowed():
    answer = month_year().parse(form(("when-month", "11"), ("when-year", "2026")), today=TODAY)
    assert answer.value == (2026, 11)


def test_month_year_empty_is_skipped_and_prefer_not_conflicts_with_a_date():
    question = month_year()
    assert question.parse(form(("when-month", ""), ("when-year", "")), today=TODAY).state is SKIPPED
    assert question.parse(form(("when-prefer-not-to-say", "yes")), today=TODAY).state is PREFER_NOT
    with pytest.raises(AnswerError, match="not both"):
        question.parse(
            form(("when-month", "3"), ("when-year", "2024"), ("when-prefer-not-to-say", "yes")),
            today=TODAY,
        )


def test_required_month_year_links_to_the_month():
    with pytest.raises(AnswerError, match="Enter the month and year") as caught:
        month_year(required=True).parse(form(), today=TODAY)
    assert caught.value.field_id == "when-month"


# ----- presenting answers that have no value --------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [single(), multiple(), rating(), LongText(name="s", label="S"), month_year()],
    ids=lambda q: q.type,
)
def test_no_value_answers_display_and_export_distinctly(question):
    assert question.display(Answer(PREFER_NOT)) == "Prefer not to say"
    assert question.display(Answer(SKIPPED)) == "Not answered"
    assert question.display(None) == "Not answered"
    assert question.coded(Answer(PREFER_NOT)) == "prefer-not-to-say"
    assert question.coded(Answer(SKIPPED)) == "skipped"
    assert question.coded(Answer(AnswerState.ILLEGIBLE)) == "illegible"
    assert question.coded(Answer(AnswerState.MULTIPLE)) == "multiple-ticked"
    assert question.labelled(Answer(SKIPPED)) == ""
    assert question.labelled(Answer(PREFER_NOT)) == "Prefer not to say"


def test_form_values_round_trip_through_parse_for_every_type():
    questions_and_forms = [
        (single(), form(("reported", "yes"))),
        (multiple(), form(("needs", "safety"), ("needs", "talk"))),
        (rating(), form(("treated", "3"))),
        (LongText(name="s", label="S"), form(("s", "some words"))),
        (Number(name="n", label="N"), form(("n", "4"))),
        (month_year(), form(("when-month", "2"), ("when-year", "2020"))),
    ]
    for question, submitted in questions_and_forms:
        answer = question.parse(submitted, today=TODAY)
        refilled = MultiDict(
            [
                (key, value)
                for key, values in question.form_values(answer).items()
                for value in values
            ]
        )
        assert question.parse(refilled, today=TODAY) == answer, question.type


def test_check_accepts_stored_answers_and_refuses_ones_that_do_not_fit():
    single().check(Answer(ANSWERED, "yes"))
    with pytest.raises(ValueError):
        single().check(Answer(ANSWERED, "maybe"))
    with pytest.raises(ValueError):
        single(prefer_not_to_say=False).check(Answer(PREFER_NOT))
    with pytest.raises(ValueError):
        month_year().check(Answer(ANSWERED, (2024, 13)))
    with pytest.raises(ValueError):
        Number(name="n", label="N", max=3).check(Answer(ANSWERED, 4))
