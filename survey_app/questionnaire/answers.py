"""Answers as stored for each question: a state (answered, prefer not to say, ...) and a value."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: What an answer's value can be: choice value or text (str), rating or number (int), ticked
#: choices (tuple of str), month and year ((year, month) tuple of int; month None for a year
#: alone, keyed from paper), or None when not answered.
AnswerValue = str | int | tuple[str, ...] | tuple[int, int] | tuple[int, None] | None


class AnswerState(enum.StrEnum):
    """Why a question has or lacks a value; stored so "prefer not to say" differs from a skip."""

    ANSWERED = "answered"
    PREFER_NOT = "prefer_not_to_say"
    SKIPPED = "skipped"
    # Paper entry only: the keyer could not read the answer, or more boxes were ticked than allowed.
    ILLEGIBLE = "illegible"
    MULTIPLE = "multiple_ticked"


#: Export codes for answers that carry no value (documented in docs/questionnaire-format.md).
EXPORT_CODES: dict[AnswerState, str] = {
    AnswerState.PREFER_NOT: "prefer-not-to-say",
    AnswerState.SKIPPED: "skipped",
    AnswerState.ILLEGIBLE: "illegible",
    AnswerState.MULTIPLE: "multiple-ticked",
}

#: Human text for answers that carry no value (check-your-answers page, exports' label columns).
STATE_LABELS: dict[AnswerState, str] = {
    AnswerState.PREFER_NOT: "Prefer not to say",
    AnswerState.SKIPPED: "Not answered",
    AnswerState.ILLEGIBLE: "Illegible",
    AnswerState.MULTIPLE: "More than one answer ticked",
}


@dataclass(frozen=True)
class Answer:
    """One stored answer; ``value`` is set only when ``state`` is ANSWERED."""

    state: AnswerState
    value: AnswerValue = None

    def __post_init__(self) -> None:
        """Reject an answer whose value contradicts its state (a value without an answer)."""
        if not isinstance(self.state, AnswerState):
            object.__setattr__(self, "state", AnswerState(self.state))
        if self.state is AnswerState.ANSWERED and self.value is None:
            raise ValueError("an answered question needs a value")
        if self.state is not AnswerState.ANSWERED and self.value is not None:
            raise ValueError(f"a {self.state.value} answer cannot carry a value")

    @property
    def answered(self) -> bool:
        """True when the respondent gave a value (not skipped, not prefer-not-to-say)."""
        return self.state is AnswerState.ANSWERED

    @classmethod
    def answered_with(cls, value: AnswerValue) -> Answer:
        """Build an ANSWERED answer."""
        return cls(AnswerState.ANSWERED, value)

    @classmethod
    def skipped(cls) -> Answer:
        """Build a SKIPPED answer."""
        return cls(AnswerState.SKIPPED)

    @classmethod
    def prefer_not(cls) -> Answer:
        """Build a PREFER_NOT answer."""
        return cls(AnswerState.PREFER_NOT)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-able dict; tuples become lists (``from_json`` turns them back)."""
        value: Any = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"state": self.state.value, "value": value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Answer:
        """Rebuild an answer stored with ``to_json``."""
        value = data.get("value")
        if isinstance(value, list):
            value = tuple(value)
        return cls(AnswerState(data["state"]), value)


SKIPPED = Answer(AnswerState.SKIPPED)
PREFER_NOT = Answer(AnswerState.PREFER_NOT)


def answers_to_json(answers: Mapping[str, Answer]) -> dict[str, dict[str, Any]]:
    """Return a question-name -> answer mapping as JSON-able dicts (for drafts and responses)."""
    return {name: answer.to_json() for name, answer in answers.items()}


def answers_from_json(data: Mapping[str, dict[str, Any]]) -> dict[str, Answer]:
    """Rebuild a question-name -> Answer mapping stored with ``answers_to_json``."""
    return {name: Answer.from_json(item) for name, item in data.items()}
