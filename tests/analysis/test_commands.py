"""Subprocess tests for the ``code`` and ``discover`` commands: outputs and one-line errors."""

import csv
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
CODEBOOK = ROOT / "questionnaires" / "codebooks" / "victims-services.yaml"
MODULE = "analysis"


def run(*args, cwd=ROOT):
    """Run the command line in a fresh Python process."""
    return subprocess.run(
        [sys.executable, "-m", MODULE, *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def write_csv(path, rows, fieldnames=("id", "answer", "stage")):
    """Write a small survey export."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)
    return path


def survey_rows():
    """Answers with and without a stage."""
    return [
        {"id": "1", "answer": "Nobody kept me informed about the case.", "stage": "engagement"},
        {"id": "2", "answer": "The counselling really helped my anxiety.", "stage": "recovery"},
        {"id": "3", "answer": "", "stage": ""},
        {"id": "4", "answer": "The officer was rude and dismissive.", "stage": ""},
    ]


def read_rows(path):
    """Rows of a CSV written by the command."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_code_with_rules_writes_themes_confidence_and_matched_words(tmp_path):
    source = write_csv(tmp_path / "in.csv", survey_rows())
    out = tmp_path / "out.csv"
    result = run("code", source, "--text-column", "answer", "--codebook", CODEBOOK,
                 "--stage-column", "stage", "--output", out)  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = read_rows(out)
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[0]["themes"] == "kept_informed"
    assert "kept_informed: not kept informed" in rows[0]["matched"]
    assert "emotional_support" in rows[1]["themes"].split(";")
    assert rows[2]["themes"] == ""
    assert "officer_attitude" in rows[3]["themes"].split(";")
    assert len(rows[3]["confidence"].split(";")) == len(rows[3]["themes"].split(";"))
    assert rows[0]["coder"].startswith("rules:victims-services-")
    assert "coded 3 of 4 rows" in result.stderr


def test_code_output_opens_in_a_spreadsheet_without_running_formulas(tmp_path):
    dangerous = '=HYPERLINK("http://evil.example","Nobody kept me informed")'
    rows = [
        {"id": "-1", "answer": dangerous, "stage": "engagement"},
        {"id": "2", "answer": "@SUM(1) the officer was rude", "stage": "+reporting"},
        {"id": "3", "answer": "'=already escaped by the app's export", "stage": ""},
    ]
    source = write_csv(tmp_path / "in.csv", rows)
    out = tmp_path / "out.csv"
    result = run("code", source, "--text-column", "answer", "--codebook", CODEBOOK,
                 "--original", "--output", out)  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = read_rows(out)
    assert written[0]["answer"] == "'" + dangerous  # as read (--original), but neutralised
    assert written[0]["id"] == "-1"  # a plain number is left as it is
    assert written[0]["themes"] == "kept_informed"  # coded from the text as given
    assert written[1]["answer"] == "'@SUM(1) the officer was rude"
    assert written[1]["stage"] == "'+reporting"
    assert written[2]["answer"] == "'=already escaped by the app's export"  # not escaped twice


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_code_reads_excel_csvs_in_windows_1252_or_with_other_separators(tmp_path, delimiter):
    """Excel on British Windows saves "CSV (Comma delimited)" as Windows-1252; other locales
    separate with ";". The output is UTF-8 with a byte-order mark, so Excel shows the accents."""
    source = tmp_path / "excel.csv"
    text = f"id{delimiter}answer\r\n1{delimiter}Nobody kept me informed \u2013 caf\xe9 closed\r\n"
    source.write_bytes(text.encode("cp1252"))
    out = tmp_path / "out.csv"
    result = run("code", source, "--text-column", "answer", "--codebook", CODEBOOK,
                 "--output", out)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "read as Windows-1252" in result.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    (row,) = read_rows(out)
    assert row["answer"] == "Nobody kept me informed \u2013 caf\xe9 closed"
    assert row["themes"] == "kept_informed"


def test_code_refuses_a_file_that_is_neither_utf8_nor_windows_1252(tmp_path):
    source = tmp_path / "binary.csv"
    source.write_bytes(b"id,answer\n1,\x81\xff\xfe\n")
    result = run("code", source, "--text-column", "answer", "--codebook", CODEBOOK,
                 "--output", tmp_path / "out.csv")  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].endswith('save it as "CSV UTF-8" and try again')
    assert "Traceback" not in result.stderr


def test_code_keeps_going_when_a_row_has_more_cells_than_the_header(tmp_path):
    source = tmp_path / "ragged.csv"
    source.write_text("id,answer\n1,nobody kept me informed,a stray cell\n2,fine\n", "utf-8")
    out = tmp_path / "out.csv"
    result = run("code", source, "--text-column", "answer", "--codebook", CODEBOOK,
                 "--output", out)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "ragged.csv has more cells than header names on line(s) 2;" in result.stderr
    rows = read_rows(out)
    assert [r["id"] for r in rows] == ["1", "2"] and rows[0]["themes"] == "kept_informed"


def fitted_pipeline():
    """A small fitted scikit-learn text classifier (ThemeCoder has the same surface)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts = ["court was awful", "the court date moved", "trial in court", "no idea", "fine", "ok"]
    labels = ["court_process"] * 3 + ["other"] * 3
    return make_pipeline(TfidfVectorizer(), LogisticRegression(C=100)).fit(texts, labels)


def test_code_with_a_pickled_model_uses_its_predictions(tmp_path):
    source = write_csv(
        tmp_path / "in.csv",
        [{"id": "1", "answer": "the court was awful", "stage": ""},
         {"id": "2", "answer": "fine, no idea", "stage": ""}],
    )  # fmt: skip
    model = tmp_path / "model.pkl"
    model.write_bytes(pickle.dumps(fitted_pipeline()))
    out = tmp_path / "out.csv"
    result = run("code", source, "--text-column", "answer", "--model", model, "--output", out)
    assert result.returncode == 0, result.stderr
    rows = read_rows(out)
    assert [r["themes"] for r in rows] == ["court_process", "other"]
    assert all(0.5 < float(r["confidence"]) <= 1 for r in rows)
    assert rows[0]["coder"].startswith("model:model.pkl@")


def test_code_with_a_model_file_that_is_not_a_model_fails_cleanly(tmp_path):
    source = write_csv(tmp_path / "in.csv", survey_rows())
    model = tmp_path / "model.pkl"
    model.write_bytes(pickle.dumps({"not": "a model"}))
    result = run("code", source, "--text-column", "answer", "--model", model, "--output", "o.csv")
    assert result.returncode == 2
    assert "does not hold a fitted ThemeCoder" in result.stderr


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda d: [d / "missing.csv", "--text-column", "answer"], "file not found"),
        (lambda d: [d / "in.csv", "--text-column", "comments"], "column 'comments' not found"),
        (lambda d: [d / "empty.csv", "--text-column", "answer"], "is empty"),
    ],
)
def test_code_reports_input_problems_in_one_line_with_status_2(tmp_path, make_args, message):
    write_csv(tmp_path / "in.csv", survey_rows())
    write_csv(tmp_path / "empty.csv", [{"id": "1", "answer": " ", "stage": ""}])
    result = run(
        "code", *make_args(tmp_path), "--codebook", CODEBOOK, "--output", tmp_path / "o.csv"
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert "Traceback" not in result.stderr


def test_code_reports_an_invalid_codebook_in_one_line(tmp_path):
    source = write_csv(tmp_path / "in.csv", survey_rows())
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: questionnaire\nname: x\n", encoding="utf-8")
    result = run(
        "code", source, "--text-column", "answer", "--codebook", bad, "--output", tmp_path / "o"
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "bad.yaml: 'kind' must be 'codebook'" in result.stderr


def test_discover_prints_candidates_with_redacted_quotes(tmp_path):
    parking = "Parking at the station cost me {} pounds, parking is awful"
    website = "Call me on 07700 900{:03d}, the website kept crashing"
    rows = [{"id": f"p{i}", "answer": parking.format(i), "stage": ""} for i in range(6)]
    rows += [{"id": f"w{i}", "answer": website.format(i), "stage": ""} for i in range(6)]
    source = write_csv(tmp_path / "in.csv", rows)
    result = run("discover", source, "--text-column", "answer", "--topics", "2", "--json")
    assert result.returncode == 0, result.stderr
    candidates = json.loads(result.stdout)
    assert len(candidates) == 2
    quotes = [e["quote"] for c in candidates for e in c["exemplars"]]
    assert any("[phone]" in q for q in quotes)
    assert not any("07700" in q for q in quotes)


def test_discover_with_more_topics_than_rows_is_a_one_line_error(tmp_path):
    source = write_csv(tmp_path / "in.csv", survey_rows())
    result = run("discover", source, "--text-column", "answer", "--topics", "9")
    assert result.returncode == 2
    assert "need at least 9 non-empty texts" in result.stderr


@pytest.mark.parametrize(("command", "option"), [("code", "--model"), ("train", "--output")])
def test_model_file_help_says_trusted_files_only_and_that_they_hold_personal_data(
    command, option, capsys
):
    from analysis.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    option_help = shown.split(option, 1)[1]
    assert "pickle" in option_help
    assert "only" in option_help and "trust" in option_help
    assert "personal data" in option_help


def test_status_placeholders_in_records_match_the_apps_export_codes_and_labels():
    from analysis.records import is_status_placeholder
    from survey_app.questionnaire.answers import EXPORT_CODES, STATE_LABELS, AnswerState

    for state in AnswerState:
        if state is not AnswerState.ANSWERED:
            assert is_status_placeholder(state.value), state
    for text in [*EXPORT_CODES.values(), *STATE_LABELS.values(), "several ticked"]:
        assert is_status_placeholder(text), text
    for answer in ("I skipped the question because it upset me", "no", "Not sure", ""):
        assert not is_status_placeholder(answer), answer


def test_code_leaves_status_placeholders_uncoded_and_writes_redacted_text(tmp_path):
    rows = [
        {"id": "1", "answer": "PC Walsh never kept me informed.", "stage": ""},
        {"id": "2", "answer": "skipped", "stage": ""},
        {"id": "3", "answer": "Prefer not to say", "stage": ""},
        {"id": "4", "answer": "multiple-ticked", "stage": ""},
    ]
    source = write_csv(tmp_path / "in.csv", rows)
    out = tmp_path / "out.csv"
    result = run("code", source, "--text-column", "answer", "--codebook", CODEBOOK,
                 "--output", out)  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = read_rows(out)
    assert written[0]["answer"] == "PC [name] never kept me informed."
    assert written[0]["themes"]
    assert [r["themes"] for r in written[1:]] == ["", "", ""]
    assert [r["answer"] for r in written[1:]] == ["skipped", "Prefer not to say", "multiple-ticked"]
    assert "coded 1 of 4 rows" in result.stderr

    result = run("code", source, "--text-column", "answer", "--codebook", CODEBOOK,
                 "--original", "--output", out)  # fmt: skip
    assert read_rows(out)[0]["answer"] == "PC Walsh never kept me informed."


def test_code_with_a_model_gives_status_placeholders_no_theme(tmp_path):
    model = tmp_path / "model.pkl"
    model.write_bytes(pickle.dumps(fitted_pipeline()))
    rows = [{"id": "1", "answer": "the court was awful", "stage": ""},
            {"id": "2", "answer": "Not answered", "stage": ""}]  # fmt: skip
    out = tmp_path / "out.csv"
    result = run("code", write_csv(tmp_path / "in.csv", rows), "--text-column", "answer",
                 "--model", model, "--output", out)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [r["themes"] for r in read_rows(out)] == ["court_process", ""]


def test_a_text_column_of_placeholders_only_is_reported_as_empty(tmp_path):
    rows = [{"id": "1", "answer": "skipped", "stage": ""},
            {"id": "2", "answer": "Illegible", "stage": ""}]  # fmt: skip
    result = run("discover", write_csv(tmp_path / "in.csv", rows), "--text-column", "answer")
    assert result.returncode == 2
    assert "is empty (or holds only placeholders" in result.stderr


def test_discover_command_lists_no_name_among_its_terms(tmp_path):
    rows = [{"id": f"k{i}", "answer": f"Kelly Hargreaves from Victim Support rang {i} times",
             "stage": ""} for i in range(6)]  # fmt: skip
    rows += [{"id": f"p{i}", "answer": f"Parking at the station cost me {i} pounds",
              "stage": ""} for i in range(6)]  # fmt: skip
    rows += [{"id": "s", "answer": "skipped", "stage": ""}]
    result = run("discover", write_csv(tmp_path / "in.csv", rows), "--text-column", "answer",
                 "--topics", "2")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "kelly" not in result.stdout.lower() and "hargreaves" not in result.stdout.lower()
    assert "from 12 of 13 rows" in result.stdout


def test_labelled_rows_are_read_redacted_without_placeholders(tmp_path):
    from analysis.commands import read_labelled

    path = tmp_path / "coded.csv"
    rows = [["answer", "theme"], ["My neighbour Dave kept shouting", "asb"],
            ["skipped", "asb"], ["Ring me on 07700 900123", "contact"]]  # fmt: skip
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    lines, texts, _ = read_labelled(path, "answer", "theme")
    assert lines == [2, 4]
    assert texts == ["My neighbour [name] kept shouting", "Ring me on [phone]"]


def test_code_writes_each_themes_direction_in_the_order_of_the_themes(tmp_path):
    rows = [
        {"id": "1", "answer": "Nobody kept me informed about the case.", "stage": "engagement"},
        {"id": "2", "answer": "Victim Care rang and she was so kind.", "stage": "reporting"},
        {"id": "3", "answer": "There was a letter.", "stage": "engagement"},
    ]
    out = tmp_path / "out.csv"
    result = run("code", write_csv(tmp_path / "in.csv", rows), "--text-column", "answer",
                 "--codebook", CODEBOOK, "--stage-column", "stage", "--output", out)  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = read_rows(out)
    assert (written[0]["themes"], written[0]["direction"]) == ("kept_informed", "negative")
    assert (written[1]["themes"], written[1]["direction"]) == ("officer_attitude", "positive")
    assert written[1]["matched"] == "officer_attitude: kind"  # not "caring" from Victim Care
    assert (written[2]["themes"], written[2]["direction"]) == ("kept_informed", "")
