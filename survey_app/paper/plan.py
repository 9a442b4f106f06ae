"""The paper layout of a questionnaire: numbers, routing in words and answer space (no Flask).

Routing on paper cannot hide questions, so it is written out three ways:

* every conditional question says when to answer it ("Answer this only if you ticked 'Yes' at
  question 5."), from ``Condition.describe`` with labels replaced by numbers;
* a choice that makes the next questions irrelevant says where to go ("Go to question 13");
* a question after which, for everyone who answers it, the next questions are irrelevant says
  where to go next ("Now go to question 10.").

"Go to" instructions are only printed when they are right for every respondent they reach: the
routing is worked out with three-valued logic (true, false, unknown) over the answers that could
have led there, and a question whose relevance is unknown stops the jump. A respondent sent to
such a question reads its "Answer this only if ..." and decides.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from survey_app.questionnaire import (
    PREFER_NOT_LABEL,
    AllOf,
    Answer,
    AnswerState,
    AnyOf,
    Condition,
    Leaf,
    LongText,
    MonthYear,
    MultipleChoice,
    Not,
    Number,
    Question,
    Questionnaire,
    RatingScale,
    ShortText,
    SingleChoice,
)

#: Web hints that the paper replaces with its own instruction ("Tick all that apply").
_WEB_ONLY_HINTS = {"select all that apply.", "select all that apply", "select one."}
#: Give up enumerating earlier answers beyond this many combinations (then nothing is known).
_MAX_WORLDS = 512
_NUMBER_MARK = re.compile(r"'\x00(\d+)\x00'")
_ANSWERED_TO = re.compile(r"you answered (.+?) to (question \d+)")

#: Unknown answer in three-valued routing (a question not in ``known`` is also unknown).
Known = Mapping[str, Answer | None]


@dataclass(frozen=True)
class Sizes:
    """Answer space for one print size: characters per written line and the line limits."""

    chars_per_line: int
    short_text_lines: int
    long_text_lines: int


STANDARD = Sizes(chars_per_line=60, short_text_lines=3, long_text_lines=10)
LARGE = Sizes(chars_per_line=40, short_text_lines=3, long_text_lines=8)


@dataclass(frozen=True)
class PaperChoice:
    """One tick box: its label, hint and, when ticking it skips questions, where to go."""

    label: str
    hint: str | None = None
    exclusive: bool = False
    prefer_not: bool = False
    go_to: int | None = None
    go_to_text: str | None = None


@dataclass(frozen=True)
class PaperQuestion:
    """A numbered question as printed; ``kind`` picks the template block that draws it."""

    number: int
    name: str
    kind: str
    label: str
    hint: str | None
    instruction: str
    choices: tuple[PaperChoice, ...] = ()
    prefer_not: bool = False
    only_if: str | None = None
    then_go_to: int | None = None
    then_text: str | None = None
    lines: int = 0
    digits: int = 0
    continuation_note: bool = False


@dataclass(frozen=True)
class PaperSection:
    """A section heading, its introduction and its numbered questions."""

    title: str
    intro: tuple[str, ...]
    questions: tuple[PaperQuestion, ...]


@dataclass(frozen=True)
class PaperPlan:
    """Everything the paper templates print, in paper order."""

    title: str
    description: tuple[str, ...]
    estimated_minutes: int
    version: str
    sections: tuple[PaperSection, ...]

    @property
    def questions(self) -> tuple[PaperQuestion, ...]:
        """Every numbered question, in order."""
        return tuple(q for section in self.sections for q in section.questions)

    @property
    def end_number(self) -> int:
        """The number "go to the end" stands for: one past the last question."""
        return len(self.questions) + 1


def question_numbers(definition: Questionnaire) -> dict[str, int]:
    """Number every question 1, 2, 3 ... in the order printed (the definition's order)."""
    return {q.name: number for number, q in enumerate(definition.questions, start=1)}


class _NumberedLabels:
    """Stands in for the questionnaire in ``describe`` so labels come out as question numbers."""

    def __init__(self, definition: Questionnaire, numbers: Mapping[str, int]) -> None:
        self._definition = definition
        self._numbers = numbers

    def question(self, name: str) -> Question:
        """The question with a marker label that ``condition_words`` turns into "question N"."""
        question = self._definition.question(name)
        return dataclasses.replace(question, label=f"\x00{self._numbers[name]}\x00")


def condition_words(
    condition: Condition, definition: Questionnaire, numbers: Mapping[str, int] | None = None
) -> str:
    """Describe a condition with question numbers: "if you answered 'No' to question 5".

    Leaves come from ``Condition.describe``; the common "answered, but not the exclusive box"
    test reads as one phrase, and alternatives at the top level read "..., or if ...".
    """
    numbers = numbers or question_numbers(definition)
    labels = _NumberedLabels(definition, numbers)

    def leaf_words(part: Condition) -> str:
        words = part.describe(labels).removeprefix("if ")  # type: ignore[arg-type]
        words = _NUMBER_MARK.sub(r"question \1", words)
        # On paper a choice is ticked: "you ticked 'No' at question 5".
        if all(definition.question(leaf.question).has_choices for leaf in part.leaves()):
            words = _ANSWERED_TO.sub(r"you ticked \1 at \2", words)
        return words

    def words(part: Condition, top: bool) -> str:
        ticked_other = _ticked_other_than(part)
        if ticked_other is not None:
            name, excluded = ticked_other
            question = definition.question(name)
            others = [f"'{question.choice_label(excluded)}'"]
            if question.prefer_not_to_say:
                others.append(f"'{PREFER_NOT_LABEL}'")
            return f"you ticked a box other than {' or '.join(others)} at question {numbers[name]}"
        if isinstance(part, AllOf | AnyOf):
            joined = [words(inner, False) for inner in part.parts]
            if top:
                return (" and " if isinstance(part, AllOf) else ", or if ").join(joined)
            return "(" + (" and " if isinstance(part, AllOf) else " or ").join(joined) + ")"
        if isinstance(part, Not) and not isinstance(part.inner, Leaf):
            return f"it is not the case that {words(part.inner, False)}"
        return leaf_words(part)

    return "if " + words(condition, True)


def _ticked_other_than(condition: Condition) -> tuple[str, str] | None:
    """Match ``all: [{question: q, answered: true}, not: {question: q, includes: v}]``."""
    if not isinstance(condition, AllOf) or len(condition.parts) != 2:
        return None
    answered, excluded = condition.parts
    if (
        isinstance(answered, Leaf)
        and answered.operator == "answered"
        and answered.value is True
        and isinstance(excluded, Not)
        and isinstance(excluded.inner, Leaf)
        and excluded.inner.operator == "includes"
        and excluded.inner.question == answered.question
    ):
        return answered.question, excluded.inner.value
    return None


def go_to_words(number: int, end_number: int) -> str:
    """The instruction for a jump: "Go to question 12" or "Go to the end of the questionnaire"."""
    if number >= end_number:
        return "Go to the end of the questionnaire"
    return f"Go to question {number}"


# ----- three-valued routing -----------------------------------------------------------------


def _truth(condition: Condition, known: Known) -> bool | None:
    """Evaluate with unknown answers: True, False, or None when it depends on unknown answers."""
    if isinstance(condition, Leaf):
        if condition.question not in known:
            return None
        answer = known[condition.question]
        return condition.evaluate({} if answer is None else {condition.question: answer})
    if isinstance(condition, Not):
        inner = _truth(condition.inner, known)
        return None if inner is None else not inner
    if isinstance(condition, (AllOf, AnyOf)):
        parts = [_truth(part, known) for part in condition.parts]
        decisive = isinstance(condition, AnyOf)  # True decides "any", False decides "all"
        if decisive in parts:
            return decisive
        return None if None in parts else not decisive
    raise TypeError(f"unknown condition {condition!r}")  # pragma: no cover


def _possible_answers(question: Question) -> list[Answer | None] | None:
    """Every answer a single-choice question can have (None = left blank); None if unbounded."""
    if not isinstance(question, SingleChoice):
        return None
    answers: list[Answer | None] = [Answer(AnswerState.ANSWERED, c.value) for c in question.choices]
    if question.prefer_not_to_say:
        answers.append(Answer(AnswerState.PREFER_NOT))
    answers.append(None)
    return answers


def _worlds(definition: Questionnaire, question: Question) -> list[dict[str, Answer | None]]:
    """Combinations of earlier answers under which ``question`` may be asked.

    Only single-choice questions its condition mentions are enumerated; every other answer
    stays unknown. Combinations that make the question certainly irrelevant are dropped.
    """
    if question.relevant is None:
        return [{}]
    names = sorted({leaf.question for leaf in question.relevant.leaves()})
    options = {name: _possible_answers(definition.question(name)) for name in names}
    finite = {name: answers for name, answers in options.items() if answers is not None}
    if math.prod(len(answers) for answers in finite.values()) > _MAX_WORLDS:
        return [{}]
    worlds = [
        dict(zip(finite, combination, strict=True))
        for combination in itertools.product(*finite.values())
    ]
    kept = [world for world in worlds if _truth(question.relevant, world) is not False]
    return kept or [{}]


def _next_possible(questions: tuple[Question, ...], after: int, known: Known) -> int:
    """Index of the first question after ``after`` that may be relevant (len if none)."""
    known = dict(known)
    for index in range(after + 1, len(questions)):
        question = questions[index]
        relevant = True if question.relevant is None else _truth(question.relevant, known)
        if relevant is False:
            known[question.name] = None  # never asked, so never answered
            continue
        return index
    return len(questions)


def _jump(
    questions: tuple[Question, ...],
    index: int,
    worlds: Iterable[Mapping[str, Answer | None]],
    extra: Mapping[str, Answer | None],
) -> int:
    """The furthest index every one of these respondents can safely skip to."""
    return min(_next_possible(questions, index, {**world, **extra}) for world in worlds)


# ----- building the plan --------------------------------------------------------------------


def _paper_hint(hint: str | None) -> str | None:
    """Drop web wording the paper says in its own way."""
    if not hint or hint.strip().lower() in _WEB_ONLY_HINTS:
        return None
    return hint


def _instruction(question: Question) -> str:
    """What to do, in the words of paper forms."""
    if isinstance(question, MultipleChoice):
        return "Tick all that apply."
    if isinstance(question, SingleChoice):
        return "Tick one box."
    if isinstance(question, Number):
        low, high = question.min, question.max
        if low is not None and high is not None:
            return f"Write a whole number from {low:,} to {high:,}, one digit in each box."
        return "Write a whole number, one digit in each box."
    if isinstance(question, MonthYear):
        return "Write the month as a number from 1 to 12, and the year in four figures."
    return "Write your answer in the space below."


def _digits(question: Number) -> int:
    """Boxes for a number: enough for the largest allowed value (4 when there is no limit)."""
    widest = max(
        (len(str(abs(bound))) for bound in (question.min, question.max) if bound is not None),
        default=4,
    )
    return max(widest, 1)


def _lines(question: Question, sizes: Sizes) -> int:
    """Writing lines for text: room for ``max_length`` characters, within the size's limit."""
    assert isinstance(question, ShortText | LongText)
    cap = sizes.short_text_lines if isinstance(question, ShortText) else sizes.long_text_lines
    return max(1, min(cap, math.ceil(question.max_length / sizes.chars_per_line)))


def _kind(question: Question) -> str:
    """Template block for the question's type."""
    if isinstance(question, RatingScale):
        return "rating"
    if isinstance(question, SingleChoice):
        return "single"
    if isinstance(question, MultipleChoice):
        return "multiple"
    if isinstance(question, Number):
        return "number"
    if isinstance(question, MonthYear):
        return "month_year"
    return "text"


def _choices(
    definition: Questionnaire,
    index: int,
    worlds: list[dict[str, Answer | None]],
    then_go_to: int,
) -> tuple[PaperChoice, ...]:
    """Tick boxes with a "go to" where ticking the box (alone) skips beyond ``then_go_to``."""
    questions = definition.questions
    question = questions[index]
    end = len(questions) + 1
    boxes: list[tuple[PaperChoice, Answer | None]] = []
    single = isinstance(question, SingleChoice)
    for choice in question.choices:  # type: ignore[attr-defined]
        # A multiple-choice box decides the answer only when it must be ticked alone.
        if single:
            answer: Answer | None = Answer(AnswerState.ANSWERED, choice.value)
        elif choice.exclusive:
            answer = Answer(AnswerState.ANSWERED, (choice.form_value,))
        else:
            answer = None
        box = PaperChoice(label=choice.label, hint=choice.hint, exclusive=choice.exclusive)
        boxes.append((box, answer))
    if question.prefer_not_to_say:
        boxes.append(
            (PaperChoice(label=PREFER_NOT_LABEL, prefer_not=True), Answer(AnswerState.PREFER_NOT))
        )
    printed = []
    for box, answer in boxes:
        if answer is not None:
            target = _jump(questions, index, worlds, {question.name: answer}) + 1
            if target > then_go_to:
                box = dataclasses.replace(box, go_to=target, go_to_text=go_to_words(target, end))
        printed.append(box)
    return tuple(printed)


def paper_plan(definition: Questionnaire, *, large_print: bool = False) -> PaperPlan:
    """Lay out the questionnaire for paper: numbers, routing words and answer space."""
    sizes = LARGE if large_print else STANDARD
    numbers = question_numbers(definition)
    questions = definition.questions
    end = len(questions) + 1
    position = {q.name: index for index, q in enumerate(questions)}
    sections = []
    for section in definition.sections:
        printed = []
        for page in section.pages:
            for question in page.questions:
                index = position[question.name]
                worlds = _worlds(definition, question)
                # Where everyone who reaches this question goes next, whatever they answer.
                then_go_to = _jump(questions, index, worlds, {}) + 1
                choices = (
                    _choices(definition, index, worlds, then_go_to) if question.has_choices else ()
                )
                then_text = None
                if then_go_to != numbers[question.name] + 1:
                    words = go_to_words(then_go_to, end)
                    if any(box.go_to for box in choices):
                        then_text = f"Otherwise, {words[0].lower()}{words[1:]}."
                    else:
                        then_text = f"Now {words[0].lower()}{words[1:]}."
                only_if = None
                if question.relevant is not None:
                    words = condition_words(question.relevant, definition, numbers)
                    only_if = f"Answer this only {words}."
                printed.append(
                    PaperQuestion(
                        number=numbers[question.name],
                        name=question.name,
                        kind=_kind(question),
                        label=question.paper_label or question.label,
                        hint=_paper_hint(
                            question.hint if question.paper_hint is None else question.paper_hint
                        ),
                        instruction=_instruction(question),
                        choices=choices,
                        prefer_not=question.prefer_not_to_say,
                        only_if=only_if,
                        then_go_to=then_go_to if then_text else None,
                        then_text=then_text,
                        lines=_lines(question, sizes)
                        if isinstance(question, ShortText | LongText)
                        else 0,
                        digits=_digits(question) if isinstance(question, Number) else 0,
                        continuation_note=isinstance(question, LongText),
                    )
                )
        sections.append(
            PaperSection(
                section.paper_title or section.title,
                section.intro if section.paper_intro is None else section.paper_intro,
                tuple(printed),
            )
        )
    return PaperPlan(
        title=definition.title,
        description=(
            definition.description
            if definition.paper_description is None
            else definition.paper_description
        ),
        estimated_minutes=definition.estimated_minutes,
        version=definition.version,
        sections=tuple(sections),
    )
