"""A loaded questionnaire: sections of pages of questions, plus routing on answers so far."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .answers import Answer
from .questions import Question


@dataclass(frozen=True)
class Page:
    """One respondent page: a single question or a small group shown together."""

    id: str
    title: str | None
    questions: tuple[Question, ...]
    section_id: str

    @property
    def heading(self) -> str:
        """The page's title, or the label of its only question."""
        return self.title or self.questions[0].label


@dataclass(frozen=True)
class Section:
    """A titled group of pages ("Section N of M"); ``intro`` is a tuple of plain paragraphs."""

    id: str
    title: str
    intro: tuple[str, ...]
    pages: tuple[Page, ...]
    #: Printed on paper instead of ``title`` / ``intro`` (None: the same as online).
    paper_title: str | None = None
    paper_intro: tuple[str, ...] | None = None


@dataclass(frozen=True, eq=False)
class Questionnaire:
    """A validated questionnaire definition; ``version`` is the SHA-256 of the file's bytes.

    Compared and hashed by identity: two loads of one file are equal in ``version``.
    """

    slug: str
    title: str
    description: tuple[str, ...]
    estimated_minutes: int
    opens: date | None
    closes: date | None
    version: str
    definition: dict[str, Any]
    source: str
    sections: tuple[Section, ...]
    #: Printed on paper instead of ``description`` (None: the same as online).
    paper_description: tuple[str, ...] | None = None
    # The file's text exactly as loaded, so a stored version can be rebuilt from the database.
    source_text: str = field(default="", repr=False)
    _questions: dict[str, Question] = field(init=False, repr=False, compare=False)
    _pages: dict[str, Page] = field(init=False, repr=False, compare=False)
    # Each page with the conditions of its questions, or None if one of them is always shown.
    _page_conditions: tuple[tuple[Page, tuple | None], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        """Index questions and pages by name for the lookups routing needs."""
        pages = {page.id: page for section in self.sections for page in section.pages}
        questions = {q.name: q for page in pages.values() for q in page.questions}
        object.__setattr__(self, "_pages", pages)
        object.__setattr__(self, "_questions", questions)
        page_conditions = tuple(
            (page, None)
            if any(q.relevant is None for q in page.questions)
            else (page, tuple(q.relevant for q in page.questions))
            for page in pages.values()
        )
        object.__setattr__(self, "_page_conditions", page_conditions)

    # ----- structure ------------------------------------------------------------------------

    @property
    def questions(self) -> tuple[Question, ...]:
        """Every question, in the order respondents meet them."""
        return tuple(self._questions.values())

    def question(self, name: str) -> Question:
        """Return the question with this name (KeyError if unknown)."""
        return self._questions[name]

    @property
    def pages(self) -> tuple[Page, ...]:
        """Every page, in order, across all sections."""
        return tuple(self._pages.values())

    def page(self, page_id: str) -> Page:
        """Return the page with this id (KeyError if unknown)."""
        return self._pages[page_id]

    def page_of(self, question: Question | str) -> Page:
        """Return the page that asks this question."""
        name = question if isinstance(question, str) else question.name
        for page in self._pages.values():
            if any(q.name == name for q in page.questions):
                return page
        raise KeyError(name)

    def section_of(self, page: Page | str) -> Section:
        """Return the section a page (or page id) belongs to."""
        section_id = self.page(page).section_id if isinstance(page, str) else page.section_id
        return next(s for s in self.sections if s.id == section_id)

    def section_number(self, page: Page | str) -> int:
        """1-based position of the page's section, for "Section N of M"."""
        return self.sections.index(self.section_of(page)) + 1

    def is_open(self, on: date) -> bool:
        """True when ``on`` falls between the opening and closing dates (both inclusive)."""
        if self.opens is not None and on < self.opens:
            return False
        return self.closes is None or on <= self.closes

    # ----- routing on answers so far --------------------------------------------------------

    def prune(self, answers: Mapping[str, Answer]) -> dict[str, Answer]:
        """Drop answers to unknown questions and to questions no longer shown, in order.

        Conditions only look at earlier pages, so one pass in question order settles every
        question: a question hidden by a changed earlier answer takes its own answer with it,
        and so hides questions that depended on that in turn.
        """
        kept: dict[str, Answer] = {}
        for question in self._questions.values():
            answer = answers.get(question.name)
            if answer is None:
                continue
            if question.relevant is None or question.relevant.evaluate(kept):
                kept[question.name] = answer
        return kept

    def is_relevant(self, question: Question | str, answers: Mapping[str, Answer]) -> bool:
        """True when the question is shown given the answers so far."""
        if isinstance(question, str):
            question = self.question(question)
        if question.relevant is None:
            return True
        return question.relevant.evaluate(self.prune(answers))

    def relevant_questions(self, page: Page | str, answers: Mapping[str, Answer]) -> list[Question]:
        """The questions of a page that are shown given the answers so far."""
        if isinstance(page, str):
            page = self.page(page)
        kept = self.prune(answers)
        return [q for q in page.questions if q.relevant is None or q.relevant.evaluate(kept)]

    def visible_pages(self, answers: Mapping[str, Answer]) -> list[Page]:
        """Pages with at least one question shown given the answers so far, in order."""
        kept = self.prune(answers)
        return [
            page
            for page, conditions in self._page_conditions
            if conditions is None or any(condition.evaluate(kept) for condition in conditions)
        ]

    def visible_sections(self, answers: Mapping[str, Answer]) -> list[Section]:
        """Sections with at least one page shown, for "Section N of M" that skips empty ones."""
        shown = {page.section_id for page in self.visible_pages(answers)}
        return [section for section in self.sections if section.id in shown]

    def first_page(self, answers: Mapping[str, Answer] | None = None) -> Page | None:
        """The first page shown (None only if no page is shown at all)."""
        visible = self.visible_pages(answers or {})
        return visible[0] if visible else None

    def next_page(
        self, page_id: str, answers: Mapping[str, Answer], visible: list[Page] | None = None
    ) -> Page | None:
        """The next shown page after ``page_id`` (which need not be shown itself), or None
        (``visible``: the answers' visible pages, if the caller has them already)."""
        order = list(self._pages)
        position = order.index(self.page(page_id).id)
        shown = self.visible_pages(answers) if visible is None else visible
        visible = {page.id for page in shown}
        for later in order[position + 1 :]:
            if later in visible:
                return self._pages[later]
        return None

    def previous_page(
        self, page_id: str, answers: Mapping[str, Answer], visible: list[Page] | None = None
    ) -> Page | None:
        """The shown page before ``page_id``, or None at the start (``visible``: the answers'
        visible pages, if the caller has them already)."""
        order = list(self._pages)
        position = order.index(self.page(page_id).id)
        shown = self.visible_pages(answers) if visible is None else visible
        visible = {page.id for page in shown}
        for earlier in reversed(order[:position]):
            if earlier in visible:
                return self._pages[earlier]
        return None

    @property
    def free_text_questions(self) -> tuple[Question, ...]:
        """Questions whose answers become text segments for analysis."""
        return tuple(q for q in self._questions.values() if q.is_free_text)
