"""Errors raised when a questionnaire file is invalid or a submitted answer is not acceptable."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in a definition file: which question (if any) and what is wrong."""

    question: str | None
    problem: str

    def describe(self, source: str) -> str:
        """Return the problem as one line that names the file, the question and the problem."""
        if self.question:
            return f"{source}: question '{self.question}': {self.problem}"
        return f"{source}: {self.problem}"


class QuestionnaireError(Exception):
    """A definition file failed validation; names the file, the question and the problem.

    ``source``, ``question`` and ``problem`` describe the first problem found; ``problems``
    holds every problem found in the file (loading carries on after the first one so that an
    author can fix them all in one go).
    """

    def __init__(
        self,
        source: str,
        question: str | None,
        problem: str,
        problems: tuple[Problem, ...] = (),
    ) -> None:
        self.source = source
        self.question = question
        self.problem = problem
        first = Problem(question, problem)
        self.problems: tuple[Problem, ...] = problems or (first,)
        super().__init__(self._message())

    def _message(self) -> str:
        lines = [p.describe(self.source) for p in self.problems]
        if len(lines) == 1:
            return lines[0]
        return f"{len(lines)} problems:\n" + "\n".join(lines)

    def __str__(self) -> str:
        return self._message()


class AnswerError(ValueError):
    """A submitted answer cannot be accepted; carries a GOV.UK-style message and the field id.

    ``field_id`` is the id of the input the error summary links to (``#field_id``).
    """

    def __init__(self, message: str, field_id: str) -> None:
        self.message = message
        self.field_id = field_id
        super().__init__(message)
