"""Question types: one class per YAML ``type``, each parsing its own form fields into an Answer.

Field naming convention shared with the templates (``{name}`` is the question's name):

* single_choice, rating_scale: radios ``{name}``; "prefer not to say" is the radio value
  ``prefer-not-to-say``.
* multiple_choice: checkboxes ``{name}``; "prefer not to say" is the exclusive checkbox value
  ``prefer-not-to-say``.
* short_text, long_text, number: input ``{name}``; "prefer not to say" is a checkbox
  ``{name}-prefer-not-to-say`` with value ``yes``.
* month_year: inputs ``{name}-month`` and ``{name}-year``; prefer-not checkbox as for text.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Protocol

from .answers import EXPORT_CODES, STATE_LABELS, Answer, AnswerState, AnswerValue
from .conditions import Condition
from .errors import AnswerError

#: Form value (radio/checkbox) and checkbox value used for "prefer not to say".
PREFER_NOT_VALUE = "prefer-not-to-say"
PREFER_NOT_TICKED = "yes"
PREFER_NOT_LABEL = "Prefer not to say"

STAGES = ("reporting", "engagement", "recovery")

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WHOLE_NUMBER = re.compile(r"[+-]?\d{1,15}")
_MONTH_NAMES = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_MONTH_NAMES["sept"] = 9


class FormData(Protocol):
    """What ``parse`` needs from a submitted form: werkzeug's MultiDict ``getlist``."""

    def getlist(self, key: str) -> list[str]:
        """Return every value submitted under ``key`` (empty list when none)."""
        ...


def clean_text(text: str, *, single_line: bool = False) -> str:
    """Normalise line endings, drop control characters (PostgreSQL rejects NUL) and strip."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL_CHARACTERS.sub("", text)
    if single_line:
        text = " ".join(text.split("\n"))
    return text.strip()


@dataclass(frozen=True)
class Choice:
    """One option of a choice question; ``exclusive`` unticks the others (e.g. "None of these")."""

    value: str | int
    label: str
    hint: str | None = None
    exclusive: bool = False

    @property
    def form_value(self) -> str:
        """The value as sent by a radio or checkbox."""
        return str(self.value)


@dataclass(frozen=True, kw_only=True)
class Question:
    """Fields and behaviour shared by every question type."""

    type: ClassVar[str] = ""
    has_choices: ClassVar[bool] = False
    is_free_text: ClassVar[bool] = False

    name: str
    label: str
    hint: str | None = None
    required: bool = False
    prefer_not_to_say: bool = False
    relevant: Condition | None = None
    stage: str | None = None
    #: Message shown when a required question is left empty (a type-specific default otherwise).
    required_message: str | None = None
    #: Wording printed on paper instead of ``label`` / ``hint`` (None: the same as online;
    #: a ``paper_hint`` of "" prints no hint).
    paper_label: str | None = None
    paper_hint: str | None = None

    # ----- form handling --------------------------------------------------------------------

    @property
    def field_id(self) -> str:
        """Id of the (first) input, which the error summary links to."""
        return self.name

    @property
    def prefer_not_field(self) -> str:
        """Name of the separate "prefer not to say" checkbox (text, number and date questions)."""
        return f"{self.name}-prefer-not-to-say"

    def field_names(self) -> tuple[str, ...]:
        """Every form field name this question reads."""
        return (self.name,)

    def parse(self, form: FormData, *, today: date | None = None) -> Answer:
        """Turn submitted form fields into an Answer, or raise AnswerError with a clear message."""
        raise NotImplementedError

    def form_values(self, answer: Answer | None) -> dict[str, list[str]]:
        """Return the form fields that redisplay a stored answer (every field, empty if unset).

        This suits one input plus a prefer-not checkbox (text, number); choice and month-year
        questions override it.
        """
        values = {name: [] for name in self.field_names()}
        if answer is not None and answer.answered:
            values[self.name] = [str(answer.value)]
        elif answer is not None and answer.state is AnswerState.PREFER_NOT:
            values[self.prefer_not_field] = [PREFER_NOT_TICKED]
        return values

    def _nothing_given(self) -> Answer:
        """Return SKIPPED, or raise when the question is required."""
        if self.required:
            raise AnswerError(self.required_message or self._default_required(), self.field_id)
        return Answer(AnswerState.SKIPPED)

    def _default_required(self) -> str:
        return "Enter an answer"

    def _text_prefer_not(self, form: FormData) -> bool:
        """Read the separate prefer-not checkbox; reject values the page never offers."""
        values = [v for v in form.getlist(self.prefer_not_field) if v != ""]
        if not values:
            return False
        if not self.prefer_not_to_say or values != [PREFER_NOT_TICKED]:
            raise AnswerError("Select one of the options shown", self.field_id)
        return True

    def _conflict(self) -> AnswerError:
        return AnswerError(
            f"Enter your answer or select '{PREFER_NOT_LABEL}', not both", self.field_id
        )

    # ----- presenting stored answers --------------------------------------------------------

    def display(self, answer: Answer | None) -> str:
        """Human text for check-your-answers: the answer, "Prefer not to say" or "Not answered"."""
        if answer is None:
            return STATE_LABELS[AnswerState.SKIPPED]
        if not answer.answered:
            return STATE_LABELS[answer.state]
        return self._display_value(answer.value)

    def coded(self, answer: Answer | None) -> str | int:
        """Value for exports: the answer's code, or its state's code (see EXPORT_CODES)."""
        if answer is None:
            return EXPORT_CODES[AnswerState.SKIPPED]
        if not answer.answered:
            return EXPORT_CODES[answer.state]
        return self._coded_value(answer.value)

    def labelled(self, answer: Answer | None) -> str:
        """Labels for exports: as ``display`` but empty (not "Not answered") when skipped."""
        if answer is None or answer.state is AnswerState.SKIPPED:
            return ""
        return self.display(answer)

    def check(self, answer: Answer) -> None:
        """Raise ValueError when a stored answer cannot belong to this question."""
        if answer.state is AnswerState.PREFER_NOT and not self.prefer_not_to_say:
            raise ValueError(f"question '{self.name}' does not offer 'prefer not to say'")
        if answer.answered:
            self._check_value(answer.value)

    def _check_value(self, value: AnswerValue) -> None:
        raise NotImplementedError

    def _display_value(self, value: AnswerValue) -> str:
        return str(value)

    def _coded_value(self, value: AnswerValue) -> str | int:
        return value  # type: ignore[return-value]

    def choice_label(self, value: Any) -> str:
        """Label of a choice value (questions without choices show the value itself)."""
        return str(value)


@dataclass(frozen=True, kw_only=True)
class _ChoiceQuestion(Question):
    """A question answered by picking from a list of choices."""

    has_choices: ClassVar[bool] = True

    choices: tuple[Choice, ...]
    #: Name of the shared choice list the choices came from, if any (for exports and paper).
    choice_list: str | None = None

    def choice(self, value: Any) -> Choice:
        """Return the choice with this value (KeyError if there is none)."""
        for choice in self.choices:
            if choice.value == value or choice.form_value == value:
                return choice
        raise KeyError(value)

    def choice_label(self, value: Any) -> str:
        """Label of a choice value; "Prefer not to say" for the prefer-not value."""
        if value == PREFER_NOT_VALUE:
            return PREFER_NOT_LABEL
        return self.choice(value).label

    def _by_form_value(self) -> dict[str, Choice]:
        return {choice.form_value: choice for choice in self.choices}

    def _default_required(self) -> str:
        return "Select an answer"

    def _unknown(self) -> AnswerError:
        return AnswerError("Select one of the options shown", self.field_id)


@dataclass(frozen=True, kw_only=True)
class SingleChoice(_ChoiceQuestion):
    """Pick one option (radios)."""

    type: ClassVar[str] = "single_choice"

    def parse(self, form: FormData, *, today: date | None = None) -> Answer:
        """Read the radio ``{name}``."""
        values = [v for v in form.getlist(self.name) if v != ""]
        if not values:
            return self._nothing_given()
        if len(values) > 1:
            raise AnswerError("Select one option only", self.field_id)
        value = values[0]
        if value == PREFER_NOT_VALUE and self.prefer_not_to_say:
            return Answer(AnswerState.PREFER_NOT)
        choice = self._by_form_value().get(value)
        if choice is None:
            raise self._unknown()
        return Answer(AnswerState.ANSWERED, choice.value)

    def form_values(self, answer: Answer | None) -> dict[str, list[str]]:
        """Checked radio value."""
        if answer is None or answer.state is AnswerState.SKIPPED:
            return {self.name: []}
        if answer.state is AnswerState.PREFER_NOT:
            return {self.name: [PREFER_NOT_VALUE]}
        if not answer.answered:
            return {self.name: []}
        return {self.name: [str(answer.value)]}

    def _check_value(self, value: AnswerValue) -> None:
        if value not in {choice.value for choice in self.choices}:
            raise ValueError(f"'{value}' is not a choice of question '{self.name}'")

    def _display_value(self, value: AnswerValue) -> str:
        return self.choice_label(value)


@dataclass(frozen=True, kw_only=True)
class RatingScale(SingleChoice):
    """Pick one point on an ordered scale; choices are coded as integers (e.g. 1 to 5)."""

    type: ClassVar[str] = "rating_scale"


@dataclass(frozen=True, kw_only=True)
class MultipleChoice(_ChoiceQuestion):
    """Tick any number of options (checkboxes); an ``exclusive`` option must be ticked alone."""

    type: ClassVar[str] = "multiple_choice"

    def parse(self, form: FormData, *, today: date | None = None) -> Answer:
        """Read the checkboxes ``{name}``; the answer keeps the order of the choices."""
        ticked = {v for v in form.getlist(self.name) if v != ""}
        if not ticked:
            return self._nothing_given()
        if PREFER_NOT_VALUE in ticked:
            if not self.prefer_not_to_say:
                raise self._unknown()
            if len(ticked) > 1:
                raise AnswerError(
                    f"Select the options that apply or select '{PREFER_NOT_LABEL}'", self.field_id
                )
            return Answer(AnswerState.PREFER_NOT)
        by_value = self._by_form_value()
        if not ticked <= by_value.keys():
            raise self._unknown()
        if len(ticked) > 1:
            for value in ticked:
                if by_value[value].exclusive:
                    raise AnswerError(
                        f"Select the options that apply or select '{by_value[value].label}'",
                        self.field_id,
                    )
        values = tuple(str(c.value) for c in self.choices if c.form_value in ticked)
        return Answer(AnswerState.ANSWERED, values)

    def _default_required(self) -> str:
        return "Select all that apply"

    def form_values(self, answer: Answer | None) -> dict[str, list[str]]:
        """Ticked checkbox values."""
        if answer is None or not (answer.answered or answer.state is AnswerState.PREFER_NOT):
            return {self.name: []}
        if answer.state is AnswerState.PREFER_NOT:
            return {self.name: [PREFER_NOT_VALUE]}
        return {self.name: list(answer.value)}  # type: ignore[arg-type]

    def _check_value(self, value: AnswerValue) -> None:
        if not isinstance(value, tuple) or not value:
            raise ValueError(f"question '{self.name}' needs a non-empty tuple of choices")
        known = {choice.form_value for choice in self.choices}
        for item in value:
            if item not in known:
                raise ValueError(f"'{item}' is not a choice of question '{self.name}'")

    def _display_value(self, value: AnswerValue) -> str:
        return ", ".join(self.choice_label(v) for v in value)  # type: ignore[union-attr]

    def _coded_value(self, value: AnswerValue) -> str:
        return ";".join(value)  # type: ignore[arg-type]

    def labelled(self, answer: Answer | None) -> str:
        """Labels joined with "; " (labels may contain commas)."""
        if answer is not None and answer.answered:
            return "; ".join(self.choice_label(v) for v in answer.value)  # type: ignore[union-attr]
        return super().labelled(answer)


@dataclass(frozen=True, kw_only=True)
class _TextQuestion(Question):
    """Free text with a length limit."""

    is_free_text: ClassVar[bool] = True
    single_line: ClassVar[bool] = False

    max_length: int

    def field_names(self) -> tuple[str, ...]:
        """The text input and, if offered, the prefer-not checkbox."""
        return (self.name, self.prefer_not_field) if self.prefer_not_to_say else (self.name,)

    def parse(self, form: FormData, *, today: date | None = None) -> Answer:
        """Read input ``{name}``: normalised, stripped, within ``max_length`` characters."""
        values = form.getlist(self.name)
        if len(values) > 1:
            raise AnswerError("Enter one answer only", self.field_id)
        text = clean_text(values[0] if values else "", single_line=self.single_line)
        prefer_not = self._text_prefer_not(form)
        if text and prefer_not:
            raise self._conflict()
        if prefer_not:
            return Answer(AnswerState.PREFER_NOT)
        if not text:
            return self._nothing_given()
        if len(text) > self.max_length:
            raise AnswerError(
                f"Your answer must be {self.max_length:,} characters or fewer", self.field_id
            )
        return Answer(AnswerState.ANSWERED, text)

    def _check_value(self, value: AnswerValue) -> None:
        if not isinstance(value, str) or not value or len(value) > self.max_length:
            raise ValueError(f"question '{self.name}' needs text of 1 to {self.max_length} chars")


@dataclass(frozen=True, kw_only=True)
class ShortText(_TextQuestion):
    """One line of text (default limit 200 characters)."""

    type: ClassVar[str] = "short_text"
    single_line: ClassVar[bool] = True

    max_length: int = 200


@dataclass(frozen=True, kw_only=True)
class LongText(_TextQuestion):
    """Several paragraphs of text (default limit 5,000 characters)."""

    type: ClassVar[str] = "long_text"

    max_length: int = 5000


@dataclass(frozen=True, kw_only=True)
class Number(Question):
    """A whole number, optionally between ``min`` and ``max``."""

    type: ClassVar[str] = "number"

    min: int | None = None
    max: int | None = None

    def field_names(self) -> tuple[str, ...]:
        """The number input and, if offered, the prefer-not checkbox."""
        return (self.name, self.prefer_not_field) if self.prefer_not_to_say else (self.name,)

    def _default_required(self) -> str:
        return "Enter a number"

    def parse(self, form: FormData, *, today: date | None = None) -> Answer:
        """Read input ``{name}`` as a whole number ("1,000" allowed) within the bounds."""
        values = form.getlist(self.name)
        if len(values) > 1:
            raise AnswerError("Enter one answer only", self.field_id)
        text = clean_text(values[0] if values else "").replace(",", "").replace(" ", "")
        prefer_not = self._text_prefer_not(form)
        if text and prefer_not:
            raise self._conflict()
        if prefer_not:
            return Answer(AnswerState.PREFER_NOT)
        if not text:
            return self._nothing_given()
        if not _WHOLE_NUMBER.fullmatch(text):
            raise AnswerError("Your answer must be a whole number, like 3", self.field_id)
        number = int(text)
        self._check_bounds(number, self.field_id)
        return Answer(AnswerState.ANSWERED, number)

    def _check_bounds(self, number: int, field_id: str) -> None:
        low, high = self.min, self.max
        if (low is not None and number < low) or (high is not None and number > high):
            if low is not None and high is not None:
                message = f"Your answer must be between {low:,} and {high:,}"
            elif low is not None:
                message = f"Your answer must be {low:,} or more"
            else:
                message = f"Your answer must be {high:,} or less"
            raise AnswerError(message, field_id)

    def _check_value(self, value: AnswerValue) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"question '{self.name}' needs a whole number")
        try:
            self._check_bounds(value, self.field_id)
        except AnswerError as error:
            raise ValueError(error.message) from None


@dataclass(frozen=True, kw_only=True)
class MonthYear(Question):
    """A month and year, not in the future and not before ``min_year``."""

    type: ClassVar[str] = "month_year"

    min_year: int = 1900
    #: Accept a year on its own, stored as (year, None). Paper keying sets it: respondents on
    #: paper often write only the year. Online pages ask for both.
    year_alone: bool = False

    @property
    def month_field(self) -> str:
        """Name (and id) of the month input."""
        return f"{self.name}-month"

    @property
    def year_field(self) -> str:
        """Name (and id) of the year input."""
        return f"{self.name}-year"

    @property
    def field_id(self) -> str:
        """The month input comes first, so the error summary links to it."""
        return self.month_field

    def field_names(self) -> tuple[str, ...]:
        """Month and year inputs and, if offered, the prefer-not checkbox."""
        names = (self.month_field, self.year_field)
        return (*names, self.prefer_not_field) if self.prefer_not_to_say else names

    def _default_required(self) -> str:
        return "Enter the month and year"

    def parse(self, form: FormData, *, today: date | None = None) -> Answer:
        """Read ``{name}-month`` (1-12 or a month name) and ``{name}-year`` (4 digits)."""
        today = today or date.today()
        month_values, year_values = form.getlist(self.month_field), form.getlist(self.year_field)
        if len(month_values) > 1 or len(year_values) > 1:
            raise AnswerError("Enter one month and one year only", self.field_id)
        month_text = clean_text(month_values[0] if month_values else "")
        year_text = clean_text(year_values[0] if year_values else "")
        prefer_not = self._text_prefer_not(form)
        if (month_text or year_text) and prefer_not:
            raise self._conflict()
        if prefer_not:
            return Answer(AnswerState.PREFER_NOT)
        if not month_text and not year_text:
            return self._nothing_given()
        if not month_text and not self.year_alone:
            raise AnswerError("The date must include a month", self.month_field)
        if not year_text:
            raise AnswerError("The date must include a year", self.year_field)
        month = self._month(month_text) if month_text else None
        if not year_text.isascii() or not year_text.isdigit():
            raise AnswerError("Year must be a number", self.year_field)
        if len(year_text) != 4:
            raise AnswerError("Year must include 4 numbers", self.year_field)
        year = int(year_text)
        if year < self.min_year:
            raise AnswerError(f"Year must be {self.min_year} or later", self.year_field)
        if (year, month or 1) > (today.year, today.month):
            field = self.year_field if year > today.year else self.month_field
            raise AnswerError("The date must be this month or in the past", field)
        return Answer(AnswerState.ANSWERED, (year, month))

    def _month(self, text: str) -> int:
        named = _MONTH_NAMES.get(text.lower().rstrip("."))
        if named:
            return named
        if not text.isascii() or not text.isdigit():
            raise AnswerError("Month must be a number", self.month_field)
        digits = text.lstrip("0") or "0"
        # int() refuses more than 4,300 digits (a server error): a long number is out of range.
        month = int(digits) if len(digits) <= 2 else 0
        if not 1 <= month <= 12:
            raise AnswerError("Month must be between 1 and 12", self.month_field)
        return month

    def form_values(self, answer: Answer | None) -> dict[str, list[str]]:
        """Month and year as typed, or the ticked prefer-not checkbox."""
        values: dict[str, list[str]] = {name: [] for name in self.field_names()}
        if answer is not None and answer.answered:
            year, month = answer.value  # type: ignore[misc]
            values[self.month_field] = [str(month)] if month else []
            values[self.year_field] = [str(year)]
        elif answer is not None and answer.state is AnswerState.PREFER_NOT:
            values[self.prefer_not_field] = [PREFER_NOT_TICKED]
        return values

    def _check_value(self, value: AnswerValue) -> None:
        valid = (
            isinstance(value, tuple)
            and len(value) == 2
            and isinstance(value[0], int)
            and (value[1] is None or (isinstance(value[1], int) and 1 <= value[1] <= 12))
            and value[0] >= self.min_year  # type: ignore[operator]
        )
        if not valid:
            raise ValueError(f"question '{self.name}' needs (year, month) from {self.min_year}")

    def _display_value(self, value: AnswerValue) -> str:
        year, month = value  # type: ignore[misc]
        return f"{calendar.month_name[month]} {year}" if month else f"{year} (no month)"

    def _coded_value(self, value: AnswerValue) -> str:
        year, month = value  # type: ignore[misc]
        return f"{year:04d}-{month:02d}" if month else f"{year:04d}"


#: YAML ``type`` -> question class. The loader uses this and nothing else to pick a class.
QUESTION_TYPES: Mapping[str, type[Question]] = {
    cls.type: cls
    for cls in (SingleChoice, MultipleChoice, RatingScale, ShortText, LongText, Number, MonthYear)
}
