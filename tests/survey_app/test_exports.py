"""Exports: the file opens in the tools researchers use and holds every answer, safely."""

import csv
import io
import json

from openpyxl import load_workbook

from survey_app.services import exports
from tests.spss_files import read_sav
from tests.survey_app.staff.test_paper import key, print_copies, signed_in
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


def _csv_rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))


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
    assert row["crime_type__hate_crime"] == "1" and row["crime_type__other"] == "0"
    assert row["crime_type_status"] == "answered"
    assert row["anything_else"] == "'" + DANGEROUS
    assert len(row["submitted_on"]) == 10  # a date, never a time


def test_skipped_and_never_shown_questions_are_told_apart(client, synced, runner, tmp_path):
    _submit_one(client, synced, reported={"reported": ["no"]}, area={})
    row = _csv_rows(_export(runner, tmp_path, "csv"))[0]
    assert (row["reported_to"], row["reported_to_status"]) == ("", "not_asked")
    assert (row["area"], row["area_label"], row["area_status"]) == ("", "", "skipped")
    assert row["why_not_reported_status"] == "answered"  # shown instead


def test_statuses_stay_out_of_value_columns_and_numbers_are_numbers(
    app, client, synced, runner, tmp_path
):
    _submit_one(
        client,
        synced,
        area={"area": ["prefer-not-to-say"]},
        crime_type={"crime_type": ["prefer-not-to-say"]},
    )
    admin, keyer = signed_in(app, "admin"), signed_in(app, "entry")
    serial = print_copies(app, admin, count=1, double=False)[0]
    key(
        keyer,
        serial,
        {
            "area": "state:illegible",
            "how_often": "state:multiple",
            "reported": "yes",
            "times_reported": "12",
            "treated": "4",
        },
    )
    out = _export(runner, tmp_path, "csv")
    online, keyed = sorted(_csv_rows(out), key=lambda row: row["channel"])
    assert (online["area"], online["area_label"]) == ("", "")
    assert online["area_status"] == "prefer_not_to_say"
    assert online["crime_type__domestic_abuse"] == ""  # not answered: neither ticked nor not
    assert keyed["serial"] == serial and online["serial"] == ""
    assert (keyed["area"], keyed["area_status"]) == ("", "illegible")
    assert (keyed["how_often"], keyed["how_often_status"]) == ("", "multiple_ticked")
    assert (keyed["times_reported"], keyed["treated"]) == ("12", "4")

    dictionary = _csv_rows(exports.sidecar_path(out))
    statuses = {"skipped", "illegible", "multiple_ticked", "multiple-ticked", "prefer_not_to_say"}
    statuses |= {"prefer-not-to-say", "not_asked", "Prefer not to say", "Illegible"}
    for entry in dictionary:
        if entry["kind"] in ("value", "label", "ticked"):
            values = {row[entry["column"]] for row in (online, keyed)}
            assert not values & statuses, entry["column"]
        if entry["kind"] == "value" and entry["type"] in ("number", "rating_scale"):
            assert all(
                v == "" or v.isdigit() for v in (online[entry["column"]], keyed[entry["column"]])
            )


def test_spss_file_holds_the_closed_questions_with_their_labels_and_no_free_text(
    app, client, synced, runner, tmp_path
):
    """The academic partner opens the .sav in SPSS (here GNU PSPP): codes with their labels,
    statuses apart from values, boxes as 0/1, a paper copy's serial; no free text."""
    _submit_one(
        client,
        synced,
        crime_type={"crime_type": ["domestic_abuse", "hate_crime"]},
        area={"area": ["prefer-not-to-say"]},
        anything_else={"anything_else": ["Call Sarah on 07700 900123"]},
    )
    admin, keyer = signed_in(app, "admin"), signed_in(app, "entry")
    serial = print_copies(app, admin, count=1, double=False)[0]
    key(keyer, serial, {"area": "state:illegible", "reported": "yes", "treated": "4"})
    out = _export(runner, tmp_path, "sav")
    read = read_sav(out)
    online, keyed = sorted(read.values, key=lambda row: row["channel"])
    online_labels = next(r for r in read.labels if r["channel"] == "Online")
    assert (online["crime_type__domestic_abuse"], online["crime_type__sexual_offence"]) == (
        "1",
        "0",
    )
    assert online_labels["crime_type__hate_crime"] == "Ticked"
    assert (online["area"], online["area_status"]) == ("", "prefer_not_to_say")
    assert online_labels["area_status"] == "Prefer not to say"
    assert (keyed["serial"], keyed["area_status"], keyed["treated"]) == (serial, "illegible", "4")
    assert read.value_labels["treated"]["4"] == "Quite well"
    assert read.variables["treated"]["Measurement Level"] == "Ordinal"
    assert read.variables["treated"]["Label"] == (
        "Overall, how well were you treated when it was reported?"
    )
    assert read.value_labels["area"]["st_helens"] == "St Helens"
    # A blank string value is user-missing, as an empty number is system-missing.
    assert read.variables["area"]["Missing Values"].strip('" ') == ""
    assert read.variables["area"]["Missing Values"] != ""
    # Free text stays out (its status stays); the codes' labels are value labels, not columns.
    assert "anything_else" not in read.variables and "anything_else_status" in read.variables
    assert not [name for name in read.variables if name.endswith("_label")]
    assert "crime_type" not in read.variables  # a multiple choice is its boxes
    assert "07700" not in out.read_bytes().decode("utf-8", "replace")


def test_csv_export_comes_with_a_data_dictionary(synced, runner, tmp_path):
    out = tmp_path / "responses.csv"
    result = runner.invoke(
        args=[
            "responses",
            "export",
            "--questionnaire",
            SLUG,
            "--format",
            "csv",
            "--output",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    sidecar = tmp_path / "responses-dictionary.csv"
    assert f"Wrote the data dictionary to {sidecar}" in result.output
    entries = _csv_rows(sidecar)
    header = next(csv.reader(io.StringIO(out.read_text("utf-8-sig"))))
    assert {e["column"] for e in entries} == set(header)  # every column is described
    treated = [e for e in entries if e["column"] == "treated"]
    assert treated[0]["question_number"] == "11"
    assert treated[0]["wording"] == "Overall, how well were you treated when it was reported?"
    assert (treated[0]["type"], treated[0]["stage"]) == ("rating_scale", "reporting")
    assert [(e["code"], e["label"]) for e in treated][:2] == [
        ("5", "Very well"),
        ("4", "Quite well"),
    ]
    status = {e["code"] for e in entries if e["column"] == "area_status"}
    assert status == {
        "answered",
        "skipped",
        "prefer_not_to_say",
        "illegible",
        "multiple_ticked",
        "not_asked",
    }
    serial = next(e for e in entries if e["column"] == "serial")
    assert serial["kind"] == "meta" and "paper" in serial["wording"]


def test_xlsx_export_opens_and_neutralises_formulas(client, synced, runner, tmp_path):
    _submit_one(client, synced, anything_else={"anything_else": [DANGEROUS]})
    workbook = load_workbook(_export(runner, tmp_path, "xlsx"))
    sheet = workbook["responses"]
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert values["anything_else"] == "'" + DANGEROUS
    assert sheet.cell(row=2, column=header.index("anything_else") + 1).data_type == "s"
    dictionary = [[c.value for c in row] for row in workbook["dictionary"].iter_rows()]
    assert dictionary[0][:3] == ["column", "kind", "question_number"]
    assert {row[0] for row in dictionary[1:]} == set(header)


def test_json_export_carries_questions_and_responses(client, synced, runner, tmp_path):
    _submit_one(client, synced)
    document = json.loads(_export(runner, tmp_path, "json").read_text("utf-8"))
    assert document["questionnaire"] == SLUG
    assert any(q["name"] == "crime_type" and q["choices"] for q in document["questions"])
    assert len(document["responses"]) == 1
    record = document["responses"][0]
    assert {entry["column"] for entry in document["dictionary"]} == set(record)
    assert record["serial"] is None and record["reported_to_status"] in ("answered", "not_asked")
    assert record["treated"] is None or isinstance(record["treated"], int)


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
