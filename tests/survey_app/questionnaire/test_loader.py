"""Loading questionnaire files: the shipped files, versions, and every validation error."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from survey_app.questionnaire import (
    LongText,
    MultipleChoice,
    QuestionnaireError,
    RatingScale,
    SingleChoice,
    load_directory,
    load_questionnaire,
    load_questionnaire_text,
)

from .factories import definition, first_question, load, to_yaml, with_questions

QUESTIONNAIRES = Path(__file__).resolve().parents[3] / "questionnaires"
SURVEY = QUESTIONNAIRES / "victims-experience-survey.yaml"


# ----- the shipped survey ---------------------------------------------------------------------


def test_shipped_survey_loads_with_its_slug_and_sections():
    survey = load_questionnaire(SURVEY)
    assert survey.slug == "victims-experience"
    assert survey.source == "victims-experience-survey.yaml"
    assert [s.id for s in survey.sections][:4] == [
        "what_happened",
        "reporting",
        "engagement",
        "recovery",
    ]
    assert survey.estimated_minutes > 0
    assert survey.description


def test_shipped_survey_uses_the_agreed_crime_type_and_area_codes():
    survey = load_questionnaire(SURVEY)
    crime_type = survey.question("crime_type")
    area = survey.question("area")
    assert isinstance(crime_type, MultipleChoice)
    assert [c.value for c in crime_type.choices] == [
        "domestic_abuse",
        "sexual_offence",
        "hate_crime",
        "anti_social_behaviour",
        "violence_with_injury",
        "other",
    ]
    assert isinstance(area, SingleChoice)
    assert [c.value for c in area.choices] == [
        "knowsley",
        "liverpool",
        "sefton",
        "st_helens",
        "wirral",
        "elsewhere",
    ]


def test_shipped_survey_has_no_required_question_and_every_free_text_has_a_stage_but_the_last():
    survey = load_questionnaire(SURVEY)
    assert not [q.name for q in survey.questions if q.required]
    free_text = survey.free_text_questions
    assert {q.stage for q in free_text} >= {"reporting", "engagement", "recovery"}
    unstaged = [q.name for q in free_text if q.stage is None]
    assert unstaged == ["anything_else"]
    assert all(isinstance(q, LongText) and q.max_length == 5000 for q in free_text)


def test_shipped_survey_pages_hold_one_to_three_questions():
    survey = load_questionnaire(SURVEY)
    assert all(1 <= len(page.questions) <= 3 for page in survey.pages)


def test_shipped_survey_offers_prefer_not_to_say_on_every_about_you_question():
    survey = load_questionnaire(SURVEY)
    about_you = next(s for s in survey.sections if s.id == "about_you")
    questions = [q for page in about_you.pages for q in page.questions]
    gated = [q for q in questions if q.name != "about_you_opt_in"]
    assert gated
    assert all(q.prefer_not_to_say for q in gated)


def test_shipped_survey_explains_idva_and_isva_in_hints():
    survey = load_questionnaire(SURVEY)
    contacted = survey.question("services_contacted")
    hints = {c.value: c.hint for c in contacted.choices}
    assert "domestic abuse" in hints["idva"]
    assert "sexual assault" in hints["isva"]


def test_definition_is_json_able_and_version_is_sha256_of_the_bytes():
    import hashlib

    survey = load_questionnaire(SURVEY)
    assert json.loads(json.dumps(survey.definition))["slug"] == "victims-experience"
    assert survey.version == hashlib.sha256(SURVEY.read_bytes()).hexdigest()


def test_dates_in_the_definition_become_iso_strings():
    data = definition()
    data["opens"] = date(2026, 1, 1)
    survey = load(data)
    assert survey.opens == date(2026, 1, 1)
    assert survey.definition["opens"] == "2026-01-01"


def test_changed_content_is_a_new_version_and_same_content_the_same_version():
    data = definition()
    first = load(data)
    again = load(data)
    first_question(data)["label"] = "Did you tell the police?"
    changed = load(data)
    assert first.version == again.version
    assert changed.version != first.version


def test_load_directory_skips_other_kinds_and_loads_questionnaires(tmp_path):
    (tmp_path / "a.yaml").write_text(to_yaml(definition()))
    (tmp_path / "services.yaml").write_text("kind: support-services\nservices: []\n")
    (tmp_path / "notes.txt").write_text("not yaml")
    loaded = load_directory(tmp_path)
    assert [q.slug for q in loaded] == ["test-survey"]


def test_load_directory_rejects_a_slug_used_twice(tmp_path):
    (tmp_path / "a.yaml").write_text(to_yaml(definition()))
    (tmp_path / "b.yaml").write_text(to_yaml(definition()))
    with pytest.raises(QuestionnaireError) as caught:
        load_directory(tmp_path)
    assert caught.value.source == "b.yaml"
    assert "already used by a.yaml" in str(caught.value)


def test_load_directory_rejects_a_file_without_kind(tmp_path):
    (tmp_path / "x.yaml").write_text("title: no kind here\n")
    with pytest.raises(QuestionnaireError, match=r"x.yaml: missing required key 'kind'"):
        load_directory(tmp_path)


def test_shipped_directory_loads_the_survey_and_skips_the_services_file():
    slugs = [q.slug for q in load_directory(QUESTIONNAIRES)]
    assert "victims-experience" in slugs


def test_choices_and_rating_scale_codes_come_from_choice_lists():
    survey = load_questionnaire(SURVEY)
    treated = survey.question("treated")
    assert isinstance(treated, RatingScale)
    assert treated.choice_list == "how_well"
    assert sorted(c.value for c in treated.choices) == [1, 2, 3, 4, 5]


# ----- validation errors --------------------------------------------------------------------


def _problem(data, source="victims.yaml") -> QuestionnaireError:
    with pytest.raises(QuestionnaireError) as caught:
        load(data, source)
    return caught.value


def test_error_message_names_file_question_and_problem():
    data = definition()
    first_question(data)["choices"] = "foo"
    error = _problem(data)
    assert error.source == "victims.yaml"
    assert error.question == "reported"
    assert error.problem.startswith("unknown choice list 'foo'")
    assert str(error).startswith("victims.yaml: question 'reported': unknown choice list 'foo'")


def test_every_problem_in_a_file_is_reported_not_just_the_first():
    data = definition()
    first_question(data)["choices"] = "foo"
    data["sections"][1]["pages"][0]["questions"][0]["type"] = "essay"
    error = _problem(data)
    assert len(error.problems) == 2
    assert "2 problems" in str(error)
    assert "question 'anything_else': unknown question type 'essay'" in str(error)


def _set(path, value):
    """Return a change that sets a key of the first question."""

    def change(data):
        first_question(data)[path] = value

    return change


def _top(key, value):
    def change(data):
        if value is _DELETE:
            del data[key]
        else:
            data[key] = value

    return change


_DELETE = object()


def _second_page_question(key, value):
    def change(data):
        data["sections"][0]["pages"][1]["questions"][0][key] = value

    return change


def _add_page(question, page_id="extra", title=None):
    def change(data):
        page = {"id": page_id, "questions": question if isinstance(question, list) else [question]}
        if title:
            page["title"] = title
        data["sections"][1]["pages"].append(page)

    return change


@pytest.mark.parametrize(
    ("change", "question", "problem"),
    [
        (_top("kind", "codebook"), None, "a questionnaire file needs 'kind: questionnaire'"),
        (_top("slug", "Bad Slug"), None, "'slug' 'Bad Slug' must be lower-case"),
        (_top("title", _DELETE), None, "the file is missing required key 'title'"),
        (_top("colour", "red"), None, "the file has unknown key 'colour'"),
        (_top("estimated_minutes", "ten"), None, "'estimated_minutes' must be a whole number"),
        (_top("estimated_minutes", 0), None, "'estimated_minutes' must be 1 or more"),
        (_top("opens", "next week"), None, "'opens' must be a date written YYYY-MM-DD"),
        (_top("closes", "2020-13-01"), None, "'closes' must be a date written YYYY-MM-DD"),
        (_top("sections", []), None, "'sections' must be a non-empty list"),
        (_set("colour", "red"), "reported", "the question has unknown key 'colour'"),
        (_set("type", "essay"), "reported", "unknown question type 'essay'"),
        (_set("choices", "foo"), "reported", "unknown choice list 'foo'"),
        (_set("required", "sometimes"), "reported", "'required' must be true or false"),
        (_set("prefer_not_to_say", 1), "reported", "'prefer_not_to_say' must be true or false"),
        (_set("label", ""), "reported", "'label' must be non-empty text"),
        (_set("stage", "afterwards"), "reported", "stage 'afterwards' must be one of reporting"),
        (_set("name", "Reported"), None, "'name' 'Reported' must start with a lower-case letter"),
        (_set("name", "why_not"), "why_not", "names must be unique"),
        (_set("max_length", 10), "reported", "the question has unknown key 'max_length'"),
        (
            _set("choices", [{"value": "a", "label": "A"}]),
            "reported",
            "at least two choices",
        ),
        (
            _set("choices", [{"value": "a", "label": "A"}, {"value": "a", "label": "B"}]),
            "reported",
            "choice value 'a' is used twice",
        ),
        (
            _set("choices", [{"value": "a", "label": "A"}, {"value": "b", "label": "A"}]),
            "reported",
            "choice label 'A' is used twice",
        ),
        (
            _set("choices", [{"value": True, "label": "Yes"}, {"value": "b", "label": "B"}]),
            "reported",
            "is a YAML boolean; put quotes round",
        ),
        (
            _set("choices", [{"value": 1824, "label": "A"}, {"value": "b", "label": "B"}]),
            "reported",
            "was read as a number; put it in quotes",
        ),
        (
            _set(
                "choices",
                [{"value": "prefer-not-to-say", "label": "A"}, {"value": "b", "label": "B"}],
            ),
            "reported",
            "'prefer-not-to-say' is reserved",
        ),
        (
            _set(
                "choices",
                [{"value": "a", "label": "A", "exclusive": True}, {"value": "b", "label": "B"}],
            ),
            "reported",
            "'exclusive' only applies to multiple_choice",
        ),
        (
            _set(
                "choices", [{"value": "a", "label": "A", "colour": 1}, {"value": "b", "label": "B"}]
            ),
            "reported",
            "choice 1 has unknown key 'colour'",
        ),
        (
            _second_page_question("relevant", {"question": "nobody", "equals": "x"}),
            "why_not",
            "'relevant' refers to unknown question 'nobody'",
        ),
        (
            _second_page_question("relevant", {"question": "anything_else", "answered": True}),
            "why_not",
            "'relevant' refers to question 'anything_else', which comes later",
        ),
        (
            _second_page_question("relevant", {"question": "why_not", "answered": True}),
            "why_not",
            "'relevant' refers to the question itself",
        ),
        (
            _second_page_question("relevant", {"question": "reported", "equals": "maybe"}),
            "why_not",
            "'maybe' is not one of its choice values",
        ),
        (
            _second_page_question("relevant", {"question": "reported", "includes": "yes"}),
            "why_not",
            "'includes' only works with a multiple_choice question",
        ),
        (
            _second_page_question("relevant", {"question": "reported", "is": "yes"}),
            "why_not",
            "unknown condition key 'is'",
        ),
        (
            _second_page_question("relevant", {"question": "reported"}),
            "why_not",
            "a condition needs exactly one of",
        ),
        (
            _second_page_question("relevant", {"all": [{"question": "reported", "equals": "no"}]}),
            "why_not",
            "'all' needs a list of at least two conditions",
        ),
        (
            _second_page_question("relevant", {"question": "reported", "answered": "yes"}),
            "why_not",
            "'answered' must be true or false",
        ),
        (
            _add_page({"name": "n", "type": "number", "label": "N", "min": 5, "max": 1}),
            "n",
            "'min' (5) is greater than 'max' (1)",
        ),
        (
            _add_page({"name": "n", "type": "number", "label": "N", "min": "low"}),
            "n",
            "'min' must be a whole number",
        ),
        (
            _add_page({"name": "t", "type": "long_text", "label": "T", "max_length": 0}),
            "t",
            "'max_length' must be between 1 and 100,000",
        ),
        (
            _add_page({"name": "d", "type": "month_year", "label": "D", "min_year": 1800}),
            "d",
            "'min_year' must be between 1900",
        ),
        (
            _add_page({"name": "r", "type": "rating_scale", "label": "R", "choices": "yes_no"}),
            "r",
            "rating_scale values must be whole numbers",
        ),
        (
            _add_page({"name": "c", "type": "single_choice", "label": "C"}),
            "c",
            "the question is missing required key 'choices'",
        ),
        (
            _add_page([{"name": "x", "type": "long_text", "label": "X"}], page_id="reported"),
            None,
            "page id 'reported' is used twice",
        ),
        (
            _add_page(
                [
                    {"name": "x", "type": "long_text", "label": "X"},
                    {"name": "y", "type": "long_text", "label": "Y"},
                ]
            ),
            None,
            "page 'extra' has several questions, so it needs a 'title'",
        ),
    ],
)
def test_validation_error_names_the_question_and_the_problem(change, question, problem):
    data = definition()
    change(data)
    error = _problem(data)
    matching = [p for p in error.problems if problem in p.problem]
    assert matching, str(error)
    assert matching[0].question == question
    assert problem in str(error)
    assert str(error).count("victims.yaml") == len(error.problems)


def test_an_unknown_type_gives_one_message_not_one_per_type_specific_key():
    data = definition()
    first_question(data)["type"] = "dropdown"
    error = _problem(data)
    assert [p.problem for p in error.problems] == [
        "unknown question type 'dropdown' (known: single_choice, multiple_choice, rating_scale, "
        "short_text, long_text, number, month_year)"
    ]


def test_condition_on_a_question_on_the_same_page_is_rejected():
    data = definition()
    data["sections"][1]["pages"][0] = {
        "id": "pair",
        "title": "A pair",
        "questions": [
            {"name": "told", "type": "single_choice", "label": "Told?", "choices": "yes_no"},
            {
                "name": "who",
                "type": "short_text",
                "label": "Who?",
                "relevant": {"question": "told", "equals": "yes"},
            },
        ],
    }
    error = _problem(data)
    assert error.question == "who"
    assert "on the same page" in error.problem


def test_multiple_choice_conditions_must_use_includes():
    data = with_questions(
        {
            "name": "crimes",
            "type": "multiple_choice",
            "label": "Crimes",
            "choices": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
        },
        {
            "name": "more",
            "type": "long_text",
            "label": "More",
            "relevant": {"question": "crimes", "equals": "a"},
        },
    )
    error = _problem(data)
    assert error.question == "more"
    assert "use 'includes'" in error.problem


def test_closing_before_opening_is_rejected():
    data = definition()
    data["opens"] = "2026-05-01"
    data["closes"] = "2026-04-01"
    assert "'closes' (2026-04-01) is before 'opens' (2026-05-01)" in str(_problem(data))


def test_invalid_yaml_names_file_and_line():
    with pytest.raises(QuestionnaireError, match=r"broken.yaml: is not valid YAML \(line 2"):
        load_questionnaire_text("kind: questionnaire\n  title: x\n", "broken.yaml")


def test_a_key_given_twice_is_rejected_instead_of_silently_overwritten():
    text = to_yaml(definition()) + "title: Second title\n"
    with pytest.raises(QuestionnaireError, match="key 'title' appears twice"):
        load_questionnaire_text(text, "dup.yaml")


def test_non_utf8_file_is_rejected(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes(to_yaml(definition()).encode() + "# caf\xe9\n".encode("latin-1"))
    with pytest.raises(QuestionnaireError, match=r"latin\.yaml: is not UTF-8 text"):
        load_questionnaire(path)


def test_a_file_that_is_not_a_mapping_is_rejected():
    with pytest.raises(QuestionnaireError, match="the file must be a mapping"):
        load_questionnaire_text("- just\n- a list\n", "list.yaml")


def test_description_text_is_split_into_paragraphs():
    data = definition()
    data["description"] = "First paragraph\nstill first.\n\nSecond paragraph."
    assert load(data).description == ("First paragraph\nstill first.", "Second paragraph.")


def test_questions_get_type_defaults_for_limits():
    data = with_questions(
        {"name": "short", "type": "short_text", "label": "Short"},
        {"name": "long", "type": "long_text", "label": "Long"},
        {"name": "when", "type": "month_year", "label": "When"},
    )
    survey = load(data)
    assert survey.question("short").max_length == 200
    assert survey.question("long").max_length == 5000
    assert survey.question("when").min_year == 1900
