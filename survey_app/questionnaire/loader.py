"""Load questionnaire YAML files, validate them against the format and build typed objects.

Validation carries on after the first problem so that one run lists every problem in a file;
each names the file, the question (when there is one) and what is wrong.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from .conditions import Condition, ConditionSyntaxError, parse_condition
from .errors import Problem, QuestionnaireError
from .model import Page, Questionnaire, Section
from .questions import (
    PREFER_NOT_VALUE,
    QUESTION_TYPES,
    STAGES,
    Choice,
    MultipleChoice,
    Question,
    SingleChoice,
)

QUESTIONNAIRE_KIND = "questionnaire"

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
NAME = re.compile(r"[a-z][a-z0-9_]*")
PAGE_ID = re.compile(r"[a-z][a-z0-9_-]*")
CHOICE_VALUE = re.compile(r"[a-z0-9][a-z0-9_-]*")
MAX_NAME_LENGTH = 64
MAX_TEXT_LIMIT = 100_000

TOP_LEVEL_REQUIRED = ("kind", "slug", "title", "estimated_minutes", "sections")
TOP_LEVEL_OPTIONAL = ("description", "opens", "closes", "choice_lists", "paper")
SECTION_REQUIRED = ("id", "title", "pages")
SECTION_OPTIONAL = ("intro", "paper")
PAGE_REQUIRED = ("id", "questions")
PAGE_OPTIONAL = ("title",)
CHOICE_REQUIRED = ("value", "label")
CHOICE_OPTIONAL = ("hint", "exclusive")
QUESTION_REQUIRED = ("name", "type", "label")
QUESTION_OPTIONAL = (
    "hint",
    "required",
    "prefer_not_to_say",
    "relevant",
    "stage",
    "required_message",
    "paper",
)
#: Keys each question type accepts beside the common ones (and whether they are required).
TYPE_KEYS: dict[str, dict[str, bool]] = {
    "single_choice": {"choices": True},
    "multiple_choice": {"choices": True},
    "rating_scale": {"choices": True},
    "short_text": {"max_length": False},
    "long_text": {"max_length": False},
    "number": {"min": False, "max": False},
    "month_year": {"min_year": False},
}


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key given twice in one mapping (YAML would keep the last)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key '{key}' appears twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(data: bytes, source: str) -> Any:
    """Parse YAML bytes (UTF-8, unique keys), raising QuestionnaireError naming the file."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise QuestionnaireError(source, None, f"is not UTF-8 text ({error.reason})") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        what = getattr(error, "problem", None) or str(error)
        raise QuestionnaireError(source, None, f"is not valid YAML{where}: {what}") from None


def to_jsonable(value: Any) -> Any:
    """Return the parsed YAML as plain JSON types (dates become ISO strings)."""
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Load and validate one questionnaire file; its version is the SHA-256 of its bytes."""
    path = Path(path)
    return _load_bytes(path.read_bytes(), path.name)


def load_questionnaire_text(text: str, source: str = "<text>") -> Questionnaire:
    """Load and validate a questionnaire from YAML text (``source`` names it in errors)."""
    return _load_bytes(text.encode("utf-8"), source)


def load_directory(path: str | Path) -> list[Questionnaire]:
    """Load every ``*.yaml`` directly in ``path`` whose ``kind`` is ``questionnaire``.

    Files of other kinds (support-services, codebook, ...) are skipped; a file without a
    ``kind`` is an error, as is a slug used by two files.
    """
    loaded: list[Questionnaire] = []
    slugs: dict[str, str] = {}
    for file in sorted(Path(path).glob("*.yaml")):
        if not file.is_file():
            continue
        data = file.read_bytes()
        parsed = read_yaml(data, file.name)
        kind = parsed.get("kind") if isinstance(parsed, dict) else None
        if kind is None:
            raise QuestionnaireError(
                file.name, None, "missing required key 'kind' (e.g. 'kind: questionnaire')"
            )
        if kind != QUESTIONNAIRE_KIND:
            continue
        questionnaire = _build(parsed, data, file.name)
        if questionnaire.slug in slugs:
            raise QuestionnaireError(
                file.name,
                None,
                f"slug '{questionnaire.slug}' is already used by {slugs[questionnaire.slug]}",
            )
        slugs[questionnaire.slug] = file.name
        loaded.append(questionnaire)
    return loaded


def _load_bytes(data: bytes, source: str) -> Questionnaire:
    return _build(read_yaml(data, source), data, source)


def _build(parsed: Any, data: bytes, source: str) -> Questionnaire:
    builder = _Builder(source)
    questionnaire = builder.build(parsed, hashlib.sha256(data).hexdigest())
    if builder.problems or questionnaire is None:
        first = builder.problems[0]
        raise QuestionnaireError(source, first.question, first.problem, tuple(builder.problems))
    return replace(questionnaire, source_text=data.decode("utf-8"))


class _Builder:
    """Walks one parsed file, recording every problem, and builds the Questionnaire."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def add(self, question: str | None, problem: str) -> None:
        """Record one problem."""
        self.problems.append(Problem(question, problem))

    # ----- generic checks -------------------------------------------------------------------

    def keys(
        self,
        mapping: Any,
        required: Iterable[str],
        optional: Iterable[str],
        where: str,
        question: str | None = None,
    ) -> bool:
        """Check a mapping has its required keys and no unknown ones; False if not a mapping."""
        if not isinstance(mapping, dict):
            self.add(question, f"{where} must be a mapping of keys to values")
            return False
        required = tuple(required)
        allowed = set(required) | set(optional)
        for key in required:
            if key not in mapping:
                self.add(question, f"{where} is missing required key '{key}'")
        for key in mapping:
            if key not in allowed:
                self.add(
                    question,
                    f"{where} has unknown key '{key}' (allowed: {', '.join(sorted(allowed))})",
                )
        return True

    def text(self, value: Any, what: str, question: str | None, *, optional: bool = False):
        """Return non-empty text (stripped), or None after recording a problem."""
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(question, f"{what} must be non-empty text, not {_shown(value)}")
            return None
        return value.strip()

    def flag(self, value: Any, what: str, question: str | None) -> bool:
        """Return a boolean (default False), recording a problem for anything else."""
        if value is None:
            return False
        if not isinstance(value, bool):
            self.add(question, f"{what} must be true or false, not {_shown(value)}")
            return False
        return value

    def integer(self, value: Any, what: str, question: str | None) -> int | None:
        """Return an int (bools refused), or None after recording a problem."""
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(question, f"{what} must be a whole number, not {_shown(value)}")
            return None
        return value

    def day(self, value: Any, what: str) -> date | None:
        """Return a date from a YAML date or an ISO 'YYYY-MM-DD' string."""
        if value is None:
            return None
        if isinstance(value, datetime):
            self.add(None, f"'{what}' must be a date (YYYY-MM-DD) without a time")
            return None
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.add(None, f"'{what}' must be a date written YYYY-MM-DD, not {_shown(value)}")
        return None

    def paragraphs(self, value: Any, what: str) -> tuple[str, ...]:
        """Return paragraphs from text (split on blank lines) or a list of texts."""
        if value is None:
            return ()
        if isinstance(value, str):
            return tuple(p.strip() for p in re.split(r"\n\s*\n", value) if p.strip())
        if isinstance(value, list) and all(isinstance(p, str) and p.strip() for p in value):
            return tuple(p.strip() for p in value)
        self.add(None, f"'{what}' must be text or a list of paragraphs")
        return ()

    def paper_variant(
        self, value: Any, allowed: Iterable[str], where: str, question: str | None = None
    ) -> dict[str, Any]:
        """Read a ``paper:`` mapping: wording printed on paper instead of the online wording.

        ``label`` and ``title`` must be text; ``hint`` may be empty ("") to print no hint;
        ``description`` and ``intro`` are paragraphs (an empty list prints none).
        """
        if value is None:
            return {}
        if not self.keys(value, (), allowed, f"{where} 'paper'", question):
            return {}
        found: dict[str, Any] = {}
        for key, text in value.items():
            what = f"{where} 'paper' '{key}'"
            if key in ("description", "intro"):
                found[key] = () if text in ([], "") else self.paragraphs(text, what)
            elif key == "hint" and text == "":
                found[key] = ""
            elif key in allowed:
                found[key] = self.text(text, what, question)
        return found

    # ----- the file -------------------------------------------------------------------------

    def build(self, data: Any, version: str) -> Questionnaire | None:
        """Validate the whole file; return the Questionnaire (None if it cannot be built)."""
        if not self.keys(data, TOP_LEVEL_REQUIRED, TOP_LEVEL_OPTIONAL, "the file"):
            return None
        kind = data.get("kind")
        if "kind" in data and kind != QUESTIONNAIRE_KIND:
            self.add(
                None, f"'kind' is {_shown(kind)}; a questionnaire file needs 'kind: questionnaire'"
            )
        slug = self.text(data.get("slug"), "'slug'", None) if "slug" in data else None
        if slug is not None and not SLUG.fullmatch(slug):
            self.add(None, f"'slug' {slug!r} must be lower-case letters, digits and hyphens")
        title = self.text(data.get("title"), "'title'", None) if "title" in data else None
        minutes = None
        if "estimated_minutes" in data:
            minutes = self.integer(data["estimated_minutes"], "'estimated_minutes'", None)
            if minutes is not None and minutes < 1:
                self.add(None, "'estimated_minutes' must be 1 or more")
        description = self.paragraphs(data.get("description"), "description")
        paper = self.paper_variant(data.get("paper"), ("description",), "the file")
        opens = self.day(data.get("opens"), "opens")
        closes = self.day(data.get("closes"), "closes")
        if opens and closes and closes < opens:
            self.add(None, f"'closes' ({closes}) is before 'opens' ({opens})")
        choice_lists = self.choice_lists(data.get("choice_lists"))
        sections = self.sections(data.get("sections"), choice_lists)
        if self.problems:
            return None
        return Questionnaire(
            slug=slug,  # type: ignore[arg-type]
            title=title,  # type: ignore[arg-type]
            description=description,
            paper_description=paper.get("description"),
            estimated_minutes=minutes,  # type: ignore[arg-type]
            opens=opens,
            closes=closes,
            version=version,
            definition=to_jsonable(data),
            source=self.source,
            sections=sections,
        )

    # ----- choices --------------------------------------------------------------------------

    def choice_lists(self, data: Any) -> dict[str, Any]:
        """Return the raw shared choice lists by name (each is validated where it is used)."""
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.add(None, "'choice_lists' must map list names to lists of choices")
            return {}
        for name in data:
            if not isinstance(name, str) or not NAME.fullmatch(name):
                self.add(None, f"choice list name {_shown(name)} must be like 'yes_no'")
        return data

    def choices(
        self, data: Any, qtype: str, question: str, choice_lists: dict[str, Any]
    ) -> tuple[tuple[Choice, ...], str | None]:
        """Resolve and validate a question's choices (inline list or shared list name)."""
        list_name = None
        if isinstance(data, str):
            if data not in choice_lists:
                known = ", ".join(sorted(map(str, choice_lists))) or "none defined"
                self.add(question, f"unknown choice list '{data}' (known: {known})")
                return (), None
            list_name, data = data, choice_lists[data]
        if not isinstance(data, list) or len(data) < 2:
            self.add(question, "'choices' must be a list of at least two choices or a list name")
            return (), list_name
        built: list[Choice] = []
        values: set[Any] = set()
        labels: set[str] = set()
        for position, item in enumerate(data, start=1):
            where = f"choice {position}"
            if not self.keys(item, CHOICE_REQUIRED, CHOICE_OPTIONAL, where, question):
                continue
            value = self.choice_value(item.get("value"), qtype, where, question)
            label = self.text(item.get("label"), f"{where} 'label'", question)
            hint = self.text(item.get("hint"), f"{where} 'hint'", question, optional=True)
            exclusive = self.flag(item.get("exclusive"), f"{where} 'exclusive'", question)
            if exclusive and qtype != MultipleChoice.type:
                self.add(question, f"{where}: 'exclusive' only applies to multiple_choice")
            if value is None or label is None:
                continue
            if value in values:
                self.add(question, f"choice value {value!r} is used twice")
            if label in labels:
                self.add(question, f"choice label {label!r} is used twice")
            values.add(value)
            labels.add(label)
            built.append(Choice(value, label, hint, exclusive))
        return tuple(built), list_name

    def choice_value(self, value: Any, qtype: str, where: str, question: str):
        """Check a choice value: an integer for rating scales, a short code otherwise."""
        if qtype == "rating_scale":
            if isinstance(value, bool) or not isinstance(value, int):
                self.add(
                    question, f"{where}: rating_scale values must be whole numbers (1, 2, ...)"
                )
                return None
            return value
        if isinstance(value, bool):
            self.add(
                question,
                f"{where}: value {value} is a YAML boolean; put quotes round yes/no/true/false",
            )
            return None
        if isinstance(value, (int, float)):
            self.add(question, f"{where}: value {value} was read as a number; put it in quotes")
            return None
        if not isinstance(value, str) or not CHOICE_VALUE.fullmatch(value):
            self.add(
                question,
                f"{where}: value {_shown(value)} must be a code of lower-case letters, digits, "
                "'_' and '-'",
            )
            return None
        if value == PREFER_NOT_VALUE:
            self.add(question, f"{where}: '{PREFER_NOT_VALUE}' is reserved; use prefer_not_to_say")
            return None
        return value

    # ----- sections, pages, questions ------------------------------------------------------

    def sections(self, data: Any, choice_lists: dict[str, Any]) -> tuple[Section, ...]:
        """Validate sections and everything inside them, then every condition."""
        if not isinstance(data, list) or not data:
            if data is not None:
                self.add(None, "'sections' must be a non-empty list")
            return ()
        section_ids: set[str] = set()
        page_ids: set[str] = set()
        self.order: dict[str, tuple[int, str]] = {}  # question name -> (position, page id)
        self.built: dict[str, Question] = {}
        built: list[Section] = []
        for position, section in enumerate(data, start=1):
            where = f"section {position}"
            if not self.keys(section, SECTION_REQUIRED, SECTION_OPTIONAL, where):
                continue
            section_id = self.identifier(section.get("id"), where, section_ids, "section")
            where = f"section '{section_id}'" if section_id else where
            title = self.text(section.get("title"), f"{where} 'title'", None)
            intro = self.paragraphs(section.get("intro"), f"{where} intro")
            paper = self.paper_variant(section.get("paper"), ("title", "intro"), where)
            pages_data = section.get("pages")
            if not isinstance(pages_data, list) or not pages_data:
                if "pages" in section:
                    self.add(None, f"{where} 'pages' must be a non-empty list")
                continue
            pages = tuple(
                page
                for index, page_data in enumerate(pages_data, start=1)
                if (
                    page := self.page(
                        page_data, f"{where} page {index}", section_id, page_ids, choice_lists
                    )
                )
                is not None
            )
            if section_id and title:
                built.append(
                    Section(
                        section_id,
                        title,
                        intro,
                        pages,
                        paper_title=paper.get("title"),
                        paper_intro=paper.get("intro"),
                    )
                )
        self.check_conditions()
        return tuple(built)

    def identifier(self, value: Any, where: str, seen: set[str], what: str) -> str | None:
        """Check a section or page id: pattern and uniqueness."""
        if not isinstance(value, str) or not PAGE_ID.fullmatch(value):
            self.add(None, f"{where} 'id' {_shown(value)} must be like 'what_happened'")
            return None
        if value in seen:
            self.add(None, f"{what} id '{value}' is used twice")
            return None
        seen.add(value)
        return value

    def page(
        self,
        data: Any,
        where: str,
        section_id: str | None,
        page_ids: set[str],
        choice_lists: dict[str, Any],
    ) -> Page | None:
        """Validate one page and its questions."""
        if not self.keys(data, PAGE_REQUIRED, PAGE_OPTIONAL, where):
            return None
        page_id = self.identifier(data.get("id"), where, page_ids, "page")
        where = f"page '{page_id}'" if page_id else where
        title = self.text(data.get("title"), f"{where} 'title'", None, optional=True)
        questions_data = data.get("questions")
        if not isinstance(questions_data, list) or not questions_data:
            if "questions" in data:
                self.add(None, f"{where} 'questions' must be a non-empty list")
            return None
        if len(questions_data) > 1 and title is None:
            self.add(None, f"{where} has several questions, so it needs a 'title' for its heading")
        questions = []
        for index, item in enumerate(questions_data, start=1):
            question = self.question(item, f"{where} question {index}", page_id, choice_lists)
            if question is not None:
                questions.append(question)
        if page_id is None or section_id is None:
            return None
        return Page(page_id, title, tuple(questions), section_id)

    def question(
        self, data: Any, where: str, page_id: str | None, choice_lists: dict[str, Any]
    ) -> Question | None:
        """Validate one question and build its typed object."""
        if not isinstance(data, dict):
            self.add(None, f"{where} must be a mapping of keys to values")
            return None
        name = data.get("name")
        if not isinstance(name, str) or not NAME.fullmatch(name) or len(name) > MAX_NAME_LENGTH:
            self.add(
                None,
                f"{where} 'name' {_shown(name)} must start with a lower-case letter and use only "
                f"a-z, 0-9 and '_' (at most {MAX_NAME_LENGTH} characters)",
            )
            name = None
        elif name in self.order:
            self.add(name, "the name is used by another question; names must be unique")
            name = None
        label_for = name or where
        qtype = data.get("type")
        cls = QUESTION_TYPES.get(qtype) if isinstance(qtype, str) else None
        if cls is None:
            if "type" in data:
                self.add(
                    name,
                    f"unknown question type {_shown(qtype)} (known: {', '.join(QUESTION_TYPES)})",
                )
            # Type unknown: accept any type's keys so one mistake gives one message.
            extra = {key: False for keys in TYPE_KEYS.values() for key in keys}
        else:
            extra = TYPE_KEYS[cls.type]
        required = QUESTION_REQUIRED + tuple(k for k, needed in extra.items() if needed)
        optional = QUESTION_OPTIONAL + tuple(k for k, needed in extra.items() if not needed)
        self.keys(data, required, optional, "the question" if name else where, name)
        if name is not None:
            self.order[name] = (len(self.order), page_id or "")
        label = self.text(data.get("label"), "'label'", name) if "label" in data else None
        hint = self.text(data.get("hint"), "'hint'", name, optional=True)
        paper = self.paper_variant(data.get("paper"), ("label", "hint"), "the question", name)
        fields: dict[str, Any] = {
            "name": name,
            "label": label,
            "hint": hint,
            "paper_label": paper.get("label"),
            "paper_hint": paper.get("hint"),
            "required": self.flag(data.get("required"), "'required'", name),
            "prefer_not_to_say": self.flag(
                data.get("prefer_not_to_say"), "'prefer_not_to_say'", name
            ),
            "required_message": self.text(
                data.get("required_message"), "'required_message'", name, optional=True
            ),
        }
        stage = data.get("stage")
        if stage is not None and stage not in STAGES:
            self.add(name, f"stage {_shown(stage)} must be one of {', '.join(STAGES)}")
        fields["stage"] = stage
        if cls is not None:
            fields.update(self.type_fields(cls, data, label_for, choice_lists))
        relevant = None
        if data.get("relevant") is not None:
            try:
                relevant = parse_condition(data["relevant"])
            except ConditionSyntaxError as error:
                self.add(name, f"'relevant': {error}")
        fields["relevant"] = relevant
        if name is None or label is None or cls is None:
            return None
        try:
            question = cls(**fields)
        except TypeError:  # a problem already recorded left a required field missing
            return None
        self.built[name] = question
        return question

    def type_fields(
        self, cls: type[Question], data: dict[str, Any], name: str, choice_lists: dict[str, Any]
    ) -> dict[str, Any]:
        """Validate and return the keys specific to a question type."""
        if issubclass(cls, SingleChoice) or issubclass(cls, MultipleChoice):
            if "choices" not in data:
                return {}
            choices, list_name = self.choices(data["choices"], cls.type, name, choice_lists)
            return {"choices": choices, "choice_list": list_name} if choices else {}
        fields: dict[str, Any] = {}
        if cls.type in ("short_text", "long_text") and "max_length" in data:
            limit = self.integer(data["max_length"], "'max_length'", name)
            if limit is not None and not 1 <= limit <= MAX_TEXT_LIMIT:
                self.add(name, f"'max_length' must be between 1 and {MAX_TEXT_LIMIT:,}")
            elif limit is not None:
                fields["max_length"] = limit
        if cls.type == "number":
            for key in ("min", "max"):
                if key in data:
                    fields[key] = self.integer(data[key], f"'{key}'", name)
            low, high = fields.get("min"), fields.get("max")
            if low is not None and high is not None and low > high:
                self.add(name, f"'min' ({low}) is greater than 'max' ({high})")
        if cls.type == "month_year" and "min_year" in data:
            year = self.integer(data["min_year"], "'min_year'", name)
            if year is not None and not 1900 <= year <= date.today().year:
                self.add(name, f"'min_year' must be between 1900 and {date.today().year}")
            elif year is not None:
                fields["min_year"] = year
        return fields

    # ----- conditions -----------------------------------------------------------------------

    def check_conditions(self) -> None:
        """Check every condition only uses answers from earlier pages, in a fitting way."""
        for question in self.built.values():
            if question.relevant is not None:
                self.check_condition(question, question.relevant)

    def check_condition(self, question: Question, condition: Condition) -> None:
        """Check each leaf refers to a question on an earlier page and fits its type."""
        here, page_id = self.order[question.name]
        for leaf in condition.leaves():
            target = leaf.question
            if target == question.name:
                self.add(question.name, "'relevant' refers to the question itself")
                continue
            if target not in self.order:
                self.add(question.name, f"'relevant' refers to unknown question '{target}'")
                continue
            position, target_page = self.order[target]
            if position > here:
                self.add(
                    question.name,
                    f"'relevant' refers to question '{target}', which comes later; "
                    "conditions can only use answers given earlier",
                )
                continue
            if target_page == page_id:
                self.add(
                    question.name,
                    f"'relevant' refers to question '{target}' on the same page; conditions can "
                    "only use answers from earlier pages (a page is checked when it is sent)",
                )
                continue
            problem = _leaf_problem(self.built.get(target), leaf.operator, leaf.value)
            if problem:
                self.add(question.name, f"'relevant' on '{target}': {problem}")


def _leaf_problem(target: Question | None, operator: str, value: Any) -> str | None:
    """Say why a leaf's operator or value does not fit the target question, or None."""
    if target is None or operator == "answered":
        return None
    values = value if operator == "any_of" else (value,)
    if isinstance(target, MultipleChoice):
        if operator != "includes":
            return "use 'includes' (or 'answered') with a multiple_choice question"
    elif operator == "includes":
        return "'includes' only works with a multiple_choice question"
    if target.has_choices:
        known = {choice.value for choice in target.choices}  # type: ignore[attr-defined]
        for item in values:
            if item not in known:
                shown = ", ".join(repr(v) for v in sorted(known, key=str))
                return f"{item!r} is not one of its choice values ({shown})"
        return None
    if target.type == "number":
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return "compare a number question with whole numbers"
        return None
    if target.type in ("short_text", "long_text"):
        if not all(isinstance(v, str) for v in values):
            return "compare a text question with text"
        return None
    return f"only 'answered' works with a {target.type} question"


def _shown(value: Any) -> str:
    """Show a bad value briefly in an error message."""
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
