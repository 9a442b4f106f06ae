"""Exports of responses: CSV, XLSX and JSON, one column per question, codes and labels.

States are kept apart in every format (codes from survey_app.questionnaire.EXPORT_CODES): an
answer's code; "prefer-not-to-say"; "skipped" (shown, not answered); "illegible" and
"multiple-ticked" (paper); and an empty cell for a question the routing never showed.
Cells that a spreadsheet would run as formulas are neutralised (``analysis.spreadsheet``).
Paper records list, in ``routing_flags``, questions answered although the routing skips them.
"""

import csv
import io
import json
from dataclasses import dataclass

from openpyxl import Workbook

from analysis.spreadsheet import CSV_ENCODING, neutralise
from survey_app.questionnaire import Answer
from survey_app.questionnaire import Questionnaire as Definition
from survey_app.services import paper
from survey_app.services.questionnaires import OpenQuestionnaire, definition_of
from survey_app.services.responses import responses_for

FORMATS = ("csv", "xlsx", "json")
META_COLUMNS = ("response_id", "questionnaire_version", "channel", "submitted_on", "routing_flags")


@dataclass(frozen=True)
class Column:
    """One export column: a question's codes, or the labels of a choice question's codes."""

    name: str
    question: object
    labels: bool


def columns_for(definition: Definition) -> list[Column]:
    """The question columns, in questionnaire order; choice questions also get a label column."""
    columns = []
    for question in definition.questions:
        columns.append(Column(question.name, question, labels=False))
        if hasattr(question, "choices"):
            columns.append(Column(f"{question.name}_label", question, labels=True))
    return columns


def cell(column: Column, answer: Answer | None):
    """The export value of one answer in one column; a question never shown is an empty cell."""
    if answer is None:
        return ""
    question = column.question
    return question.labelled(answer) if column.labels else question.coded(answer)


def routing_flags(response, answers: dict[str, Answer]) -> str:
    """Questions answered on paper although the routing skips them, by name ("a; b").

    Worked out from the final answers with the response's own version, so a reconciled record
    is judged on what was settled. Online answers never have any: the web hides such questions.
    """
    if response.channel != "paper":
        return ""
    return "; ".join(paper.routing_flags(definition_of(response.version), answers))


def rows(found: OpenQuestionnaire) -> tuple[list[str], list[list]]:
    """Header and rows for every stored response to any version of the questionnaire."""
    definition = found.definition
    columns = columns_for(definition)
    header = [*META_COLUMNS, *(column.name for column in columns)]
    table = []
    for response in responses_for(found.row.id):
        answers = {
            row.question: Answer.from_json({"state": row.state, "value": row.value})
            for row in response.answers
        }
        table.append(
            [
                response.id,
                response.version.number,
                response.channel,
                response.submitted_on.isoformat(),
                routing_flags(response, answers),
                *(cell(column, answers.get(column.question.name)) for column in columns),
            ]
        )
    return header, table


def export(found: OpenQuestionnaire, fmt: str) -> bytes:
    """The whole export in one format."""
    header, table = rows(found)
    if fmt == "csv":
        return _csv(header, table)
    if fmt == "xlsx":
        return _xlsx(header, table, found.definition)
    if fmt == "json":
        return _json(header, table, found.definition)
    raise ValueError(f"Unknown format {fmt!r}: choose from {', '.join(FORMATS)}")


def _csv(header: list[str], table: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in table:
        writer.writerow([neutralise(value) for value in row])
    # A byte-order mark lets Excel read UTF-8 (accents, curly quotes) correctly.
    return buffer.getvalue().encode(CSV_ENCODING)


def _xlsx(header: list[str], table: list[list], definition: Definition) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "responses"
    sheet.append(header)
    for row in table:
        sheet.append([neutralise(value) for value in row])
    codebook = workbook.create_sheet("questions")
    codebook.append(["column", "question", "type", "stage", "code", "label"])
    for question in definition.questions:
        base = [question.name, question.label, question.type, question.stage or ""]
        choices = getattr(question, "choices", ())
        if not choices:
            codebook.append([neutralise(value) for value in [*base, "", ""]])
        for choice in choices:
            codebook.append([neutralise(v) for v in [*base, choice.form_value, choice.label]])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _json(header: list[str], table: list[list], definition: Definition) -> bytes:
    questions = [
        {
            "name": q.name,
            "label": q.label,
            "type": q.type,
            "stage": q.stage,
            "choices": [
                {"code": c.form_value, "label": c.label} for c in getattr(q, "choices", ())
            ],
        }
        for q in definition.questions
    ]
    records = [dict(zip(header, row, strict=True)) for row in table]
    document = {"questionnaire": definition.slug, "questions": questions, "responses": records}
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
