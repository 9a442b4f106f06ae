"""``analysis.spreadsheet``: cells a spreadsheet opens as text, never as a formula."""

import subprocess
import sys

import pytest

from analysis.spreadsheet import neutralise, read_csv, restore


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://evil.example","click")',
        "+44 20 7946 0000",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "- a bullet the respondent typed",
        "-inf",
        "-1_000",
        "-3 ",
    ],
)
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize(
    "value",
    [
        "-3",
        "+0.25",
        "-1e3",
        "-.5",
        "2024",
        "plain text",
        "'=already neutralised",
        "",
        None,
        -3,
        0.5,
    ],
)
def test_plain_numbers_other_text_and_non_text_are_unchanged(value):
    assert neutralise(value) == value


@pytest.mark.parametrize("value", ["=1+1", "-2+3", "@x", "- a bullet", "-3", "'-3", "'plain", ""])
def test_restore_undoes_neutralise_and_only_that(value):
    assert restore(neutralise(value)) == value


def test_restore_keeps_an_apostrophe_neutralise_would_not_have_added():
    assert restore("'-3") == "'-3"
    assert restore("'plain") == "'plain"
    assert restore(None) is None


def test_neutralising_twice_changes_nothing():
    once = neutralise("=1+1")
    assert neutralise(once) == once


def test_the_web_app_can_import_it_without_scikit_learn():
    code = (
        "import sys; import analysis.spreadsheet; import survey_app.services.exports; "
        "from analysis import __all__; "
        "print(sorted(m for m in ('sklearn', 'nltk', 'scipy') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_every_public_name_of_the_package_resolves():
    import analysis

    assert analysis.__all__
    for name in analysis.__all__:
        assert getattr(analysis, name).__name__ == name
    with pytest.raises(AttributeError):
        analysis.NoSuchThing  # noqa: B018


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_read_csv_reads_what_excel_saves(delimiter, encoding):
    text = f"id{delimiter}answer\r\n1{delimiter}caf\xe9 \u2013 nobody called\r\n"
    reader, used = read_csv(text.encode(encoding), ["answer"])
    assert list(reader) == [{"id": "1", "answer": "caf\xe9 \u2013 nobody called"}]
    assert used == ("cp1252" if encoding == "cp1252" else "utf-8-sig")


def test_read_csv_refuses_bytes_that_are_no_text():
    with pytest.raises(UnicodeDecodeError):
        read_csv(b"id,answer\n1,\x81\xff\n", ["answer"])


def test_read_csv_falls_back_to_commas_when_no_separator_fits():
    reader, _ = read_csv(b"a;b\n1;2\n", ["c"])
    assert reader.fieldnames == ["a;b"]


def test_csv_and_xlsx_files_hold_every_cell_neutralised_in_order():
    import io

    from openpyxl import load_workbook

    from analysis.spreadsheet import CSV_ENCODING, csv_bytes, xlsx_bytes

    rows = [["=SUM(A1:A9)", -3, "café"], ["+1 more", None, "plain"]]
    data = csv_bytes(["a", "b", "c"], rows)
    assert data.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs
    assert data.decode(CSV_ENCODING).splitlines() == [
        "a,b,c",
        "'=SUM(A1:A9),-3,café",
        "'+1 more,,plain",
    ]
    sheets = [("first", ["a", "b", "c"], rows), ("second", ["z"], [])]
    book = load_workbook(io.BytesIO(xlsx_bytes(sheets)))
    assert book.sheetnames == ["first", "second"]
    assert [list(r) for r in book["first"].iter_rows(values_only=True)] == [
        ["a", "b", "c"],
        ["'=SUM(A1:A9)", -3, "café"],
        ["'+1 more", None, "plain"],
    ]
    assert [list(r) for r in book["second"].iter_rows(values_only=True)] == [["z"]]
