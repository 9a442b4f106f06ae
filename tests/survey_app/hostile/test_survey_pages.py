"""Hypothesis against every question type of the shipped questionnaire, as a respondent would
meet it: a respondent walks to check-your-answers once, then each example posts one page.

Valid answers must come back as typed (on the page, on check-your-answers and in the stored
draft) apart from the normalisation rules in docs/security.md ("Hostile input"); anything else
must be shown again with a message beside the field; nothing may be a server error.
"""

import calendar
from datetime import UTC, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from survey_app.services import drafts
from survey_app.services.questionnaires import find_questionnaire
from tests.survey_app.hostile.forms import (
    any_text,
    any_values,
    assert_handled,
    error_messages,
    has_error_summary,
    normalised,
    shown,
    typed_text,
)
from tests.survey_app.walker import SLUG, begin, csrf_token, walk

PREFER_NOT = "prefer-not-to-say"


class Respondent:
    """A respondent whose draft has every page seen, so check-your-answers can be read."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        # More than once, so that the number question (times reported) is asked too.
        check, _ = walk(self.client, app, overrides={"how_often": {"how_often": ["ongoing"]}})
        assert check.request.path == f"/s/{SLUG}/check"
        self.token = csrf_token(check.text)
        with app.app_context():
            self.definition = find_questionnaire(SLUG).definition

    def post(self, page_id: str, fields: dict[str, list[str]]):
        data = {**fields, "csrf_token": self.token, "action": "continue"}
        return self.client.post(f"/s/{SLUG}/q/{page_id}", data=data)

    def page(self, page_id: str) -> str:
        response = self.client.get(f"/s/{SLUG}/q/{page_id}")
        assert response.status_code == 200
        return response.text

    def check_page(self) -> str | None:
        """Check-your-answers, or None when an answer opened pages not seen yet."""
        response = self.client.get(f"/s/{SLUG}/check")
        return response.text if response.status_code == 200 else None

    def stored(self, name: str):
        """The answer held in the draft on the server."""
        with self.client.session_transaction() as session:
            draft_id = session["draft"]
        with self.app.app_context():
            draft = drafts.find_draft(draft_id, datetime.now(UTC).replace(tzinfo=None))
            return drafts.answers_of(draft).get(name)


@pytest.fixture
def respondent(hostile_app):
    return Respondent(hostile_app)


def question(respondent, name):
    return next(q for q in respondent.definition.questions if q.name == name)


def page_of(respondent, name) -> str:
    for page in respondent.definition.pages:
        if any(q.name == name for q in page.questions):
            return page.id
    raise KeyError(name)


def check_row(check_page: str, label: str, text: str) -> bool:
    """Whether check-your-answers shows `text` as the answer to the question labelled `label`."""
    start = check_page.index(str(label))
    row_end = check_page.index("</div>", check_page.index("govuk-summary-list__value", start))
    return shown(check_page[start:row_end], text)


# ----- free text (long_text) -----------------------------------------------------------------

TEXT_QUESTIONS = ("engagement_experience", "what_would_help", "reporting_experience")


@given(name=st.sampled_from(TEXT_QUESTIONS), typed=typed_text(multiline=True))
def test_free_text_comes_back_as_typed(respondent, name, typed):
    typed, expected = typed
    response = respondent.post(page_of(respondent, name), {name: [typed]})
    assert response.status_code == 302, response.text[:2000]
    answer = respondent.stored(name)
    assert answer.value == expected  # byte for byte, line endings as \n
    assert shown(respondent.page(page_of(respondent, name)), expected)
    label = question(respondent, name).label
    assert check_row(respondent.check_page(), label, expected)


@given(
    length=st.integers(4990, 5010),
    unit=st.text(st.characters(exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1),
    crlf=st.booleans(),
)
def test_free_text_limit_counts_characters_after_line_endings(respondent, length, unit, crlf):
    name = "what_would_help"
    text = (unit * length)[:length]
    if crlf:  # a browser's textarea sends CRLF; the limit counts one character per line break
        text = text[:100] + "\n" + text[101:]
    typed = text.replace("\n", "\r\n")
    response = respondent.post(page_of(respondent, name), {name: [typed]})
    if length <= 5000:
        assert response.status_code == 302
        assert respondent.stored(name).value == text
    else:
        assert response.status_code == 200
        assert "Your answer must be 5,000 characters or fewer" in error_messages(response.text)
        assert shown(response.text, typed)


@given(name=st.sampled_from(TEXT_QUESTIONS), values=any_values, prefer=any_values)
def test_free_text_anything_typed_is_accepted_or_shown_again(respondent, name, values, prefer):
    fields = {name: values, f"{name}-{PREFER_NOT}": prefer}
    response = respondent.post(page_of(respondent, name), fields)
    assert_handled(response, fields, text_fields=[name])
    if response.status_code == 302:
        answer = respondent.stored(name)
        if answer.answered:
            assert answer.value == normalised(values[0])


# ----- numbers ----------------------------------------------------------------------------------


@given(
    number=st.integers(1, 999),
    form=st.sampled_from(["{n}", " {n} ", "{n:,}", "+{n}", "00{n}", "{n}\t"]),
)
def test_numbers_in_range_are_stored_as_numbers(respondent, number, form):
    name = "times_reported"
    response = respondent.post(page_of(respondent, name), {name: [form.format(n=number)]})
    assert response.status_code == 302
    assert respondent.stored(name).value == number
    page = respondent.page(page_of(respondent, name))
    assert f'value="{number}"' in page  # shown again in its plain form


@given(number=st.one_of(st.integers(max_value=0), st.integers(min_value=1000)))
def test_numbers_out_of_range_are_refused_with_the_range(respondent, number):
    name = "times_reported"
    typed = str(number)
    response = respondent.post(page_of(respondent, name), {name: [typed]})
    assert response.status_code == 200
    if len(typed.lstrip("-")) > 15:
        expected = "Your answer must be a whole number, like 3"
    else:
        expected = "Your answer must be between 1 and 999"
    assert error_messages(response.text) == [expected]
    assert shown(response.text, typed)


@given(values=any_values)
def test_numbers_anything_typed_is_accepted_or_shown_again(respondent, values):
    name = "times_reported"
    fields = {name: values}
    response = respondent.post(page_of(respondent, name), fields)
    assert_handled(response, fields, line_fields=[name])
    if response.status_code == 302 and respondent.stored(name).answered:
        assert 1 <= respondent.stored(name).value <= 999


# ----- month and year ---------------------------------------------------------------------------


def _past_month(draw_year, month):
    today = datetime.now(UTC).date()
    return (draw_year, month) <= (today.year, today.month)


@given(
    year=st.integers(1950, datetime.now(UTC).year),
    month=st.integers(1, 12),
    spelling=st.sampled_from(["number", "padded", "name", "abbr", "ABBR."]),
)
def test_past_month_and_year_round_trip(respondent, year, month, spelling):
    assume(_past_month(year, month))
    typed_month = {
        "number": str(month),
        "padded": f"0{month}",
        "name": calendar.month_name[month],
        "abbr": calendar.month_abbr[month].lower(),
        "ABBR.": calendar.month_abbr[month].upper() + ".",
    }[spelling]
    fields = {"when_happened-month": [typed_month], "when_happened-year": [str(year)]}
    response = respondent.post("when", fields)
    assert response.status_code == 302, error_messages(response.text)
    assert respondent.stored("when_happened").value == (year, month)
    page = respondent.page("when")
    assert f'value="{month}"' in page and f'value="{year}"' in page
    label = question(respondent, "when_happened").label
    assert check_row(respondent.check_page(), label, f"{calendar.month_name[month]} {year}")


@given(month=any_values, year=any_values, prefer=any_values, often=any_values)
def test_month_and_year_anything_typed_is_accepted_or_shown_again(
    respondent, month, year, prefer, often
):
    fields = {
        "when_happened-month": month,
        "when_happened-year": year,
        f"when_happened-{PREFER_NOT}": prefer,
        "how_often": often,
    }
    response = respondent.post("when", fields)
    assert_handled(response, fields, line_fields=["when_happened-month", "when_happened-year"])
    answer = respondent.stored("when_happened")
    if response.status_code == 302 and answer.answered:
        year_, month_ = answer.value
        assert year_ >= 1950 and 1 <= month_ <= 12 and _past_month(year_, month_)


# ----- choices --------------------------------------------------------------------------------

# Choice questions that no routing condition reads (those that do open or close other pages,
# which test_every_page_survives_any_form covers): radios, checkboxes and rating scales.
CHOICE_QUESTIONS = (
    "area",
    "crime_type",
    "reported_to",
    "how_reported",
    "kept_informed",
    "coping_now",
    "gender",
    "ethnicity",
)


@st.composite
def choice_answer(draw, respondent):
    """(question name, ticked values, expected stored value or None when refused)."""
    name = draw(st.sampled_from(CHOICE_QUESTIONS))
    q = question(respondent, name)
    values = [c.form_value for c in q.choices]
    offered = values + ([PREFER_NOT] if q.prefer_not_to_say else [])
    picked = draw(
        st.one_of(
            st.lists(st.sampled_from(offered), max_size=len(offered)),
            st.lists(st.one_of(st.sampled_from(offered), any_text), max_size=4),
        )
    )
    return name, picked


@given(data=st.data())
def test_choices_round_trip_or_are_refused(respondent, data):
    name, picked = data.draw(choice_answer(respondent))
    q = question(respondent, name)
    fields = {name: picked}
    response = respondent.post(page_of(respondent, name), fields)
    ticked = {v for v in picked if v != ""}
    known = {c.form_value for c in q.choices}
    exclusive = {c.form_value for c in q.choices if c.exclusive} | {PREFER_NOT}
    offered = known | ({PREFER_NOT} if q.prefer_not_to_say else set())
    if q.type == "multiple_choice":
        valid = ticked <= offered and (len(ticked) <= 1 or not ticked & exclusive)
    else:
        # A radio group sends one value: the same value twice is a tampered form too.
        valid = ticked <= offered and len([v for v in picked if v != ""]) <= 1
    if not valid:
        assert response.status_code == 200 and has_error_summary(response.text)
        return
    assert response.status_code == 302
    answer = respondent.stored(name)
    if not ticked:
        assert answer.state == "skipped"
    elif ticked == {PREFER_NOT}:
        assert answer.state == "prefer_not_to_say"
    elif q.type == "multiple_choice":
        assert set(answer.value) == ticked  # in the order of the choices
        assert list(answer.value) == [v for v in (c.form_value for c in q.choices) if v in ticked]
    else:
        assert q.choice(answer.value).form_value in ticked
    page = respondent.page(page_of(respondent, name))
    for value in ticked:
        assert f'value="{value}" checked' in page, value
    check = respondent.check_page()
    if check is not None and ticked and ticked != {PREFER_NOT}:
        for value in ticked:
            assert check_row(check, q.label, q.choice(value).label)


@given(data=st.data())
def test_every_page_survives_any_form(respondent, data):
    page = data.draw(st.sampled_from(respondent.definition.pages))
    names = [n for q in page.questions for n in q.field_names()]
    names += [f"{q.name}-{PREFER_NOT}" for q in page.questions]
    fields = data.draw(
        st.dictionaries(st.sampled_from([*names, "return_to", "action", "other"]), any_values)
    )
    response = respondent.post(page.id, fields)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert has_error_summary(response.text)


def test_made_up_return_to_values_do_not_fill_the_page_cache(hostile_app):
    client = hostile_app.test_client()
    first = begin(client)  # a page with nothing filled in yet: one the page cache keeps
    cache = hostile_app.extensions.setdefault("survey_page_cache", {})
    before = len(cache)
    for n in range(20):
        page = client.get(f"{first.request.path}?return_to=x{n}")
        assert page.status_code == 200 and 'name="return_to"' not in page.text
    assert len(cache) <= before + 1
