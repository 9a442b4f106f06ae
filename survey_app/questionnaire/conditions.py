"""Conditions under which a question is shown, written as structured YAML (no expression parser).

Leaf conditions test one earlier question's answer; ``all``, ``any`` and ``not`` combine them.
A leaf on a question that was skipped, answered "prefer not to say" or not shown is false (so
``not`` of such a leaf is true); the one exception is ``answered: false``, which asks exactly that.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .answers import Answer

if TYPE_CHECKING:
    from .model import Questionnaire

#: YAML keys of leaf conditions (besides ``question``) and of combinators.
LEAF_OPERATORS = ("equals", "not_equals", "any_of", "includes", "answered")
COMBINATORS = ("all", "any", "not")


class ConditionSyntaxError(ValueError):
    """A condition is not written in one of the accepted shapes."""


class Condition:
    """Base class: ``evaluate`` on answers so far, ``describe`` in words for paper routing."""

    def evaluate(self, answers: Mapping[str, Answer]) -> bool:
        """Return True when the condition holds for these answers."""
        raise NotImplementedError

    def describe(self, questionnaire: Questionnaire) -> str:
        """Return the condition in plain words, e.g. "if you answered 'No' to 'Did you ...?'"."""
        return "if " + self._words(questionnaire)

    def _words(self, questionnaire: Questionnaire) -> str:
        raise NotImplementedError

    def leaves(self) -> Iterator[Leaf]:
        """Yield every leaf condition (used to validate references at load time)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Leaf(Condition):
    """A test on one question's answer: ``operator`` is one of LEAF_OPERATORS."""

    question: str
    operator: str
    value: Any

    def evaluate(self, answers: Mapping[str, Answer]) -> bool:
        """Apply the operator; false whenever the question has no value."""
        answer = answers.get(self.question)
        has_value = answer is not None and answer.answered
        if self.operator == "answered":
            return has_value == self.value
        if not has_value:
            return False
        given = answer.value
        if self.operator == "equals":
            return given == self.value
        if self.operator == "not_equals":
            return given != self.value
        if self.operator == "any_of":
            return given in self.value
        if self.operator == "includes":
            return isinstance(given, tuple) and self.value in given
        raise AssertionError(f"unknown operator {self.operator}")  # pragma: no cover

    def leaves(self) -> Iterator[Leaf]:
        """Yield itself."""
        yield self

    def _words(self, questionnaire: Questionnaire) -> str:
        question = questionnaire.question(self.question)
        label = f"'{question.label}'"

        def shown(value: Any) -> str:
            return f"'{question.choice_label(value)}'" if question.has_choices else f"'{value}'"

        if self.operator == "equals":
            return f"you answered {shown(self.value)} to {label}"
        if self.operator == "not_equals":
            return f"you gave an answer other than {shown(self.value)} to {label}"
        if self.operator == "any_of":
            return f"you answered {' or '.join(shown(v) for v in self.value)} to {label}"
        if self.operator == "includes":
            return f"you ticked {shown(self.value)} at {label}"
        if self.value:
            return f"you answered {label}"
        return f"you did not answer {label}"


@dataclass(frozen=True)
class AllOf(Condition):
    """True when every part is true."""

    parts: tuple[Condition, ...]

    def evaluate(self, answers: Mapping[str, Answer]) -> bool:
        """Return True when all parts hold."""
        return all(part.evaluate(answers) for part in self.parts)

    def leaves(self) -> Iterator[Leaf]:
        """Yield the leaves of every part."""
        for part in self.parts:
            yield from part.leaves()

    def _words(self, questionnaire: Questionnaire) -> str:
        return " and ".join(_grouped(part, questionnaire) for part in self.parts)


@dataclass(frozen=True)
class AnyOf(Condition):
    """True when at least one part is true."""

    parts: tuple[Condition, ...]

    def evaluate(self, answers: Mapping[str, Answer]) -> bool:
        """Return True when any part holds."""
        return any(part.evaluate(answers) for part in self.parts)

    def leaves(self) -> Iterator[Leaf]:
        """Yield the leaves of every part."""
        for part in self.parts:
            yield from part.leaves()

    def _words(self, questionnaire: Questionnaire) -> str:
        return " or ".join(_grouped(part, questionnaire) for part in self.parts)


@dataclass(frozen=True)
class Not(Condition):
    """True when the inner condition is false (including when its question has no value)."""

    inner: Condition

    def evaluate(self, answers: Mapping[str, Answer]) -> bool:
        """Return the negation of the inner condition."""
        return not self.inner.evaluate(answers)

    def leaves(self) -> Iterator[Leaf]:
        """Yield the inner condition's leaves."""
        yield from self.inner.leaves()

    def _words(self, questionnaire: Questionnaire) -> str:
        inner = self.inner
        if isinstance(inner, Leaf) and inner.operator in ("includes", "answered"):
            # Read naturally: "you did not tick 'None of these' at ...".
            words = inner._words(questionnaire)
            if inner.operator == "answered":
                return Leaf(inner.question, "answered", not inner.value)._words(questionnaire)
            return words.replace("you ticked", "you did not tick", 1)
        return f"it is not the case that {_grouped(inner, questionnaire)}"


def _grouped(condition: Condition, questionnaire: Questionnaire) -> str:
    """Wrap a combined condition in brackets so "and"/"or" read unambiguously."""
    words = condition._words(questionnaire)
    return words if isinstance(condition, Leaf) else f"({words})"


def parse_condition(data: Any) -> Condition:
    """Build a Condition from its YAML form; raise ConditionSyntaxError on a malformed one."""
    if not isinstance(data, dict) or not data:
        raise ConditionSyntaxError("a condition must be a mapping such as {question: x, equals: y}")
    keys = set(data)
    combinators = keys & set(COMBINATORS)
    if combinators:
        if len(keys) != 1:
            raise ConditionSyntaxError(
                f"'{next(iter(combinators))}' must be the only key of its condition, "
                f"found {', '.join(sorted(keys))}"
            )
        key = next(iter(keys))
        body = data[key]
        if key == "not":
            return Not(parse_condition(body))
        if not isinstance(body, list) or len(body) < 2:
            raise ConditionSyntaxError(f"'{key}' needs a list of at least two conditions")
        parts = tuple(parse_condition(part) for part in body)
        return AllOf(parts) if key == "all" else AnyOf(parts)
    if "question" not in keys:
        raise ConditionSyntaxError(
            f"a condition needs 'question' and one of {', '.join(LEAF_OPERATORS)} "
            f"(or all/any/not), found {', '.join(sorted(map(str, keys)))}"
        )
    operators = keys - {"question"}
    unknown = operators - set(LEAF_OPERATORS)
    if unknown:
        raise ConditionSyntaxError(
            f"unknown condition key '{sorted(map(str, unknown))[0]}' "
            f"(use one of {', '.join(LEAF_OPERATORS)})"
        )
    if len(operators) != 1:
        raise ConditionSyntaxError(
            f"a condition needs exactly one of {', '.join(LEAF_OPERATORS)} beside 'question'"
        )
    operator = next(iter(operators))
    name = data["question"]
    if not isinstance(name, str):
        raise ConditionSyntaxError("'question' in a condition must be a question name")
    value = data[operator]
    if operator == "any_of":
        if not isinstance(value, list) or not value:
            raise ConditionSyntaxError("'any_of' needs a non-empty list of values")
        value = tuple(value)
    elif operator == "answered":
        if not isinstance(value, bool):
            raise ConditionSyntaxError("'answered' must be true or false")
    elif value is None or isinstance(value, (list, dict, bool)):
        raise ConditionSyntaxError(f"'{operator}' needs a single value")
    return Leaf(name, operator, value)
