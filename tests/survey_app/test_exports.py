"""Exports: the file opens in the tools researchers use and holds every answer, safely."""

import csv
import io
import json

from openpyxl import load_workbook

from tests.survey_app.walker import SLUG, submit, walk

DANGEROUS = '=HYPERLINK("http://evil.example","click")'


def _submit_one(client, app, **overrides):
    check, _ = walk(client, app, overrides=overrides)
    submit(client, check)


def _export(runner, tmp_path, fmt):
    out = tmp_path / f"export.{fmt}"
    result = runner.invoke(
        args=["responses", "export", "--questionnaire", SLUG, "--format", fmt, "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


def test_csv_export_has_a_column_per_question_with_codes_and_labels(
    client, synced, runner, tmp_path
):
    _submit_one(
        client,
        synced,
        crime_type={"crime_type": ["domestic_abuse", "hate_crime"]},
        area={"area": ["prefer-not-to-say"]},
        anything_else={"anything_else": [DANGEROUS]},
    )
    out = _export(runner, tmp_path, "csv")
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["channel"] == "online"
    assert row["crime_type"] == "domestic_abuse;hate_crime"
    assert row["crime_type_label"] == "Domestic abuse; Hate crime"
    assert row["area"] == "prefer-not-to-say"
    assert row["area_label"] == "Prefer not to say"
    assert row["anything_else"] == "'" + DANGEROUS
    assert len(row["submitted_on"]) == 10  # a date, never a time


def test_skipped_and_never_shown_questions_are_told_apart(client, synced, runner, tmp_path):
    _submit_one(client, synced, reported={"reported": ["no"]}, area={})
    row = next(csv.DictReader(io.StringIO(_export(runner, tmp_path, "csv").read_text("utf-8-sig"))))
    assert row["reported_to"] == ""  # routing never showed it
    assert row["why_not_reported"] != ""  # shown instead


def test_xlsx_export_opens_and_neutralises_formulas(client, synced, runner, tmp_path):
    _submit_one(client, synced, anything_else={"anything_else": [DANGEROUS]})
    workbook = load_workbook(_export(runner, tmp_path, "xlsx"))
    sheet = workbook["responses"]
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert values["anything_else"] == "'" + DANGEROUS
    assert sheet.cell(row=2, column=header.index("anything_else") + 1).data_type == "s"
    assert "questions" in workbook.sheetnames


def test_json_export_carries_questions_and_responses(client, synced, runner, tmp_path):
    _submit_one(client, synced)
    document = json.loads(_export(runner, tmp_path, "json").read_text("utf-8"))
    assert document["questionnaire"] == SLUG
    assert any(q["name"] == "crime_type" and q["choices"] for q in document["questions"])
    assert len(document["responses"]) == 1


def test_export_of_unknown_questionnaire_is_a_clear_error(synced, runner, tmp_path):
    result = runner.invoke(
        args=[
            "responses",
            "export",
            "--questionnaire",
            "nope",
            "--format",
            "csv",
            "--output",
            str(tmp_path / "x.csv"),
        ]
    )
    assert result.exit_code != 0
    assert "No questionnaire" in result.output
