"""Exports of responses for analysis: CSV, XLSX and JSON, with a data dictionary.

Values and statuses are kept apart, as SPSS, Stata and R expect. Each question has a value
column (its code, whole number, ``YYYY-MM`` date or text; empty unless answered), a ``_label``
column for choice questions, one 0/1 column per box of a multiple-choice question, and a
``_status`` column saying why a value is there or not (``STATUSES``: answered, skipped,
prefer_not_to_say, illegible, multiple_ticked, not_asked). So "prefer not to say" or "skipped"
never sits among the values, and a number column holds numbers only.

The SPSS file (``sav``) holds the same records with the labels inside it instead of a
dictionary: each variable's wording, the codes' labels and measurement levels. It leaves out
free-text answers (their status columns stay) and the ``_label`` columns (value labels do their
work); a multiple-choice question is its 0/1 box variables.

Every other export comes with a data dictionary (``dictionary_rows``): one row per column, or
per code of a coded column, with the paper question number, the wording, the type, the stage,
the codes and their labels. XLSX has it as a ``dictionary`` sheet, JSON as a ``dictionary``
key, and CSV as a second file (``dictionary_csv``; the command writes it beside the export,
``sidecar_path``).
Paper records carry their serial, so a suspect record can be found on paper by its serial and
the question number from the dictionary. Cells that a spreadsheet would run as formulas are
neutralised (``analysis.spreadsheet``). Paper records list, in ``routing_flags``, questions
answered although the routing skips them.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from analysis.spreadsheet import csv_bytes, xlsx_bytes
from analysis.spss import Variable, sav_bytes
from survey_app.extensions import db
from survey_app.models import AnswerRow, PaperCopy, QuestionnaireVersion, Response
from survey_app.questionnaire import (
    Answer,
    AnswerState,
    MultipleChoice,
    Questionnaire,
    SingleChoice,
)
from survey_app.services import paper
from survey_app.services.questionnaires import OpenQuestionnaire, definition_of
from survey_app.services.responses import responses_for

FORMATS = ("csv", "xlsx", "json", "sav")
META_COLUMNS = (
    "response_id",
    "questionnaire_version",
    "channel",
    "submitted_on",
    "serial",
    "routing_flags",
)
META_DESCRIPTIONS = {
    "response_id": "Random identifier of the response (never sequential)",
    "questionnaire_version": "Version number of the questionnaire the response answered",
    "channel": "online or paper",
    "submitted_on": "Date submitted online, or made final after keying (YYYY-MM-DD)",
    "serial": "Paper only: the serial printed on the copy (find the paper by it)",
    "routing_flags": (
        "Paper only: questions answered although the routing says they should have been "
        "skipped, by name, joined with '; '"
    ),
}

#: An answer row that does not exist: the routing never showed the question (on paper: the
#: routing skips it and it was left blank), or the response's version did not ask it.
NOT_ASKED = "not_asked"
#: Status codes of the ``_status`` columns, with their meanings (the dictionary lists them).
STATUSES = {
    AnswerState.ANSWERED.value: "Answered: the value is in the value column",
    AnswerState.SKIPPED.value: "Shown (online) or printed (paper) and left blank",
    AnswerState.PREFER_NOT.value: "Prefer not to say",
    AnswerState.ILLEGIBLE.value: "Paper only: the keyer could not read the answer",
    AnswerState.MULTIPLE.value: "Paper only: more than one box ticked where one was allowed",
    NOT_ASKED: (
        "Not asked: the routing skipped the question (on paper: skipped by the routing and "
        "left blank), or the response's version of the questionnaire did not have it"
    ),
}
DICTIONARY_FIELDS = (
    "column",
    "kind",
    "question_number",
    "question",
    "wording",
    "type",
    "stage",
    "code",
    "label",
)


@dataclass(frozen=True)
class Column:
    """One export column of a question: ``kind`` is value, label, ticked or status."""

    name: str
    question: object
    kind: str
    number: int
    choice: object = None

    @property
    def labels(self) -> bool:
        """True for the labels column of a choice question."""
        return self.kind == "label"


def _column_name(question_name: str, code: object) -> str:
    """``crime_type__hate_crime``: letters, digits and underscores only (SPSS, R, Stata)."""
    return f"{question_name}__{str(code).replace('-', '_')}"


def columns_for(definition: Questionnaire) -> list[Column]:
    """The question columns, in questionnaire order (see the module docstring)."""
    columns = []
    for number, question in enumerate(definition.questions, start=1):
        columns.append(Column(question.name, question, "value", number))
        if question.has_choices:
            columns.append(Column(f"{question.name}_label", question, "label", number))
        if isinstance(question, MultipleChoice):
            columns.extend(
                Column(_column_name(question.name, c.value), question, "ticked", number, c)
                for c in question.choices
            )
        columns.append(Column(f"{question.name}_status", question, "status", number))
    return columns


def status(answer: Answer | None) -> str:
    """The status code of an answer; ``not_asked`` when there is no answer row."""
    return NOT_ASKED if answer is None else answer.state.value


def cell(column: Column, answer: Answer | None):
    """The export value of one answer in one column; None (an empty cell) when it has none."""
    if column.kind == "status":
        return status(answer)
    if answer is None or not answer.answered:
        return None
    question = column.question
    if column.kind == "ticked":
        return int(column.choice.form_value in answer.value)
    if column.kind == "label":
        return question.labelled(answer)
    return question.coded(answer)


def routing_flags(response, answers: dict[str, Answer]) -> str:
    """Questions answered on paper although the routing skips them, by name ("a; b").

    Worked out from the final answers with the response's own version, so a reconciled record
    is judged on what was settled. Online answers never have any: the web hides such questions.
    """
    if response.channel != "paper":
        return ""
    return "; ".join(paper.routing_flags(definition_of(response.version), answers))


def serials_of(questionnaire_id: int) -> dict[str, str]:
    """The serial of each final paper copy of a questionnaire, by the id of its response."""
    found = db.session.execute(
        select(PaperCopy.response_id, PaperCopy.serial).where(
            PaperCopy.questionnaire_id == questionnaire_id, PaperCopy.response_id.is_not(None)
        )
    )
    return {response_id: serial for response_id, serial in found}


def answers_of(questionnaire_id: int) -> dict[str, dict[str, Answer]]:
    """The answers of every stored response to the questionnaire, by response id and question,
    read in one statement (one query per response made the export of 10,000 responses take
    half a minute)."""
    found: dict[str, dict[str, Answer]] = {}
    for response_id, question, state, value in db.session.execute(
        select(AnswerRow.response_id, AnswerRow.question, AnswerRow.state, AnswerRow.value)
        .join(Response, Response.id == AnswerRow.response_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Response.version_id)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
    ):
        found.setdefault(response_id, {})[question] = Answer.from_json(
            {"state": state, "value": value}
        )
    return found


def rows(found: OpenQuestionnaire) -> tuple[list[str], list[list]]:
    """Header and rows for every stored response to any version of the questionnaire."""
    columns = columns_for(found.definition)
    header = [*META_COLUMNS, *(column.name for column in columns)]
    responses = responses_for(found.row.id)
    serials = serials_of(found.row.id)
    answers_by_response = answers_of(found.row.id)
    table = []
    for response in responses:
        answers = answers_by_response.get(response.id, {})
        table.append(
            [
                response.id,
                response.version.number,
                response.channel,
                response.submitted_on.isoformat(),
                serials.get(response.id),
                routing_flags(response, answers),
                *(cell(column, answers.get(column.question.name)) for column in columns),
            ]
        )
    return header, table


# ----- the data dictionary ----------------------------------------------------------------------


def _value_codes(question) -> list[tuple[object, str]]:
    """(code, label) pairs of a value column; a description of the value when it has no codes."""
    if question.has_choices:
        return [(choice.value, choice.label) for choice in question.choices]
    if question.type == "number":
        low, high = question.min, question.max
        bounds = f" from {low} to {high}" if low is not None and high is not None else ""
        return [(None, f"Whole number{bounds}")]
    if question.type == "month_year":
        return [(None, "Year and month, YYYY-MM")]
    return [(None, "Text as written (redact before publishing)")]


def _states(question) -> list[str]:
    """Status codes a question can have."""
    states = [AnswerState.ANSWERED.value, AnswerState.SKIPPED.value]
    if question.prefer_not_to_say:
        states.append(AnswerState.PREFER_NOT.value)
    states.append(AnswerState.ILLEGIBLE.value)
    if isinstance(question, SingleChoice):
        states.append(AnswerState.MULTIPLE.value)
    return [*states, NOT_ASKED]


_KIND_WORDS: dict[str, Callable[[Column], str]] = {
    "value": lambda c: c.question.label,
    "label": lambda c: f"Labels of the codes in {c.question.name}",
    "ticked": lambda c: f"{c.question.label}: {c.choice.label}",
    "status": lambda c: f"Status of {c.question.name}",
}


def dictionary_rows(definition: Questionnaire) -> list[dict]:
    """The data dictionary: a row per column, or per code of a coded column (None: no value)."""
    entries = [
        {"column": name, "kind": "meta", "wording": META_DESCRIPTIONS[name]}
        for name in META_COLUMNS
    ]
    for column in columns_for(definition):
        question = column.question
        base = {
            "column": column.name,
            "kind": column.kind,
            "question_number": column.number,
            "question": question.name,
            "wording": _KIND_WORDS[column.kind](column),
            "type": question.type,
            "stage": question.stage,
        }
        if column.kind == "value":
            codes = _value_codes(question)
            if isinstance(question, MultipleChoice):
                base["wording"] += " (the codes of the ticked boxes, joined with ';')"
        elif column.kind == "ticked":
            codes = [(1, "Ticked"), (0, "Not ticked (empty when not answered)")]
        elif column.kind == "status":
            codes = [(code, STATUSES[code]) for code in _states(question)]
        else:
            codes = [(None, "Empty when not answered")]
        entries.extend({**base, "code": code, "label": label} for code, label in codes)
    return [{field: entry.get(field) for field in DICTIONARY_FIELDS} for entry in entries]


# ----- files ------------------------------------------------------------------------------------


def export(found: OpenQuestionnaire, fmt: str) -> bytes:
    """The whole export in one format (for CSV the dictionary is a second file)."""
    header, table = rows(found)
    if fmt == "csv":
        return csv_bytes(header, table)
    if fmt == "xlsx":
        return _xlsx(header, table, found.definition)
    if fmt == "json":
        return _json(header, table, found.definition)
    if fmt == "sav":
        return sav_file(found.definition, header, table, found.row.title)
    raise ValueError(f"Unknown format {fmt!r}: choose from {', '.join(FORMATS)}")


def dictionary_csv(found: OpenQuestionnaire) -> bytes:
    """The data dictionary as CSV, to go beside a CSV export."""
    entries = dictionary_rows(found.definition)
    return csv_bytes(list(DICTIONARY_FIELDS), [list(entry.values()) for entry in entries])


def sidecar_path(output: str | Path) -> Path:
    """Where a CSV export's dictionary goes: ``out.csv`` -> ``out-dictionary.csv``."""
    output = Path(output)
    return output.with_name(f"{output.stem}-dictionary{output.suffix or '.csv'}")


TICKED_LABELS = {1: "Ticked", 0: "Not ticked"}
META_VARIABLES = {
    "response_id": Variable("response_id", META_DESCRIPTIONS["response_id"], "string"),
    "questionnaire_version": Variable(
        "questionnaire_version", META_DESCRIPTIONS["questionnaire_version"], measure="scale"
    ),
    "channel": Variable("channel", "Channel", "string", {"online": "Online", "paper": "Paper"}),
    "submitted_on": Variable(
        "submitted_on", META_DESCRIPTIONS["submitted_on"], "date", measure="scale"
    ),
    "serial": Variable("serial", META_DESCRIPTIONS["serial"], "string"),
    "routing_flags": Variable("routing_flags", META_DESCRIPTIONS["routing_flags"], "string"),
}


def _sav_variable(column: Column) -> Variable | None:
    """The SPSS variable of an export column, or None for a column the .sav leaves out."""
    question = column.question
    if column.kind == "status":
        codes = {code: STATUSES[code] for code in _states(question)}
        return Variable(column.name, f"Status: {question.label}", "string", codes)
    if question.is_free_text or column.kind == "label":
        return None
    if column.kind == "ticked":
        label = f"{question.label}: {column.choice.label}"
        return Variable(column.name, label, "number", TICKED_LABELS)
    if isinstance(question, MultipleChoice):
        return None  # its boxes carry it
    if question.has_choices:
        codes = {choice.value: choice.label for choice in question.choices}
        numeric = all(isinstance(c, int) and not isinstance(c, bool) for c in codes)
        measure = "ordinal" if question.type == "rating_scale" else "nominal"
        kind = "number" if numeric else "string"
        return Variable(column.name, question.label, kind, codes, measure, blank_missing=True)
    if question.type == "number":
        return Variable(column.name, question.label, "number", measure="scale")
    return Variable(column.name, question.label, "string", blank_missing=True)


def sav_file(
    definition: Questionnaire,
    header: list[str],
    table: list[list],
    title: str,
    themes: dict[str, str] | None = None,
) -> bytes:
    """The records of ``header``/``table`` as an SPSS .sav (see the module docstring);
    ``themes`` labels the ``theme_<id>`` 0/1 columns of the research download."""
    wanted: dict[str, Variable] = dict(META_VARIABLES)
    for column in columns_for(definition):
        variable = _sav_variable(column)
        if variable is not None:
            wanted[column.name] = variable
    for key, label in (themes or {}).items():
        wanted[f"theme_{key}"] = Variable(
            f"theme_{key}", f"Theme: {label}", "number", {1: "Carries it", 0: "Does not"}
        )
    kept = [(i, wanted[name]) for i, name in enumerate(header) if name in wanted]
    rows = [[row[i] for i, _ in kept] for row in table]
    return sav_bytes([v for _, v in kept], rows, title)


def _xlsx(header: list[str], table: list[list], definition: Questionnaire) -> bytes:
    dictionary = [list(entry.values()) for entry in dictionary_rows(definition)]
    return xlsx_bytes(
        [("responses", header, table), ("dictionary", list(DICTIONARY_FIELDS), dictionary)]
    )


def _json(header: list[str], table: list[list], definition: Questionnaire) -> bytes:
    questions = [
        {
            "number": number,
            "name": q.name,
            "label": q.label,
            "type": q.type,
            "stage": q.stage,
            "choices": [
                {"code": c.form_value, "label": c.label} for c in getattr(q, "choices", ())
            ],
        }
        for number, q in enumerate(definition.questions, start=1)
    ]
    records = [dict(zip(header, row, strict=True)) for row in table]
    document = {
        "questionnaire": definition.slug,
        "dictionary": dictionary_rows(definition),
        "questions": questions,
        "responses": records,
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
