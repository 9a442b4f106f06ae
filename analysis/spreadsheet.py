"""CSV files and cells as spreadsheets write and read them: text, never a formula.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and some a tab or carriage
return) as a formula, so a respondent's answer could become a live link or command in a
researcher's copy of Excel (CSV injection). The CSV and XLSX files written from answer text, by
the web app's exports, by ``python -m analysis`` and by the codebook exports (whose example
quotes are answer text), pass their cells through ``neutralise``; the codebook imports
``restore`` them. ``read_csv`` reads the CSVs Excel saves (Windows-1252, ";" separators). This
module has no heavy imports, so the web app can use it without loading scikit-learn.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

#: CSV files written for people to open are UTF-8 with a byte-order mark: without it, Excel
#: reads UTF-8 as Windows-1252 and garbles accents and curly quotes.
CSV_ENCODING = "utf-8-sig"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Field separators recognised in CSVs people give us, tried in this order: Excel writes ";"
#: where the decimal separator is a comma, and tab-separated exports are common.
DELIMITERS = (",", ";", "\t", "|")
#: Encodings tried in this order: UTF-8 (with or without a byte-order mark), then Windows-1252,
#: which is what Excel's "CSV (Comma delimited)" writes on British Windows.
ENCODINGS = ("utf-8-sig", "cp1252")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value):
    """Prefix text a spreadsheet would run as a formula with an apostrophe.

    Plain numbers such as "-3", "+0.25" or "-1e3" stay as they are: a spreadsheet reads them as
    numbers, not formulas. Anything that is not text, or does not start with a formula
    character, is returned unchanged, so neutralising twice changes nothing.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def csv_bytes(header: Sequence, rows: Iterable[Sequence]) -> bytes:
    """A CSV file for people to open: a header row, then ``rows``, every cell neutralised,
    UTF-8 with a byte-order mark."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return buffer.getvalue().encode(CSV_ENCODING)


def xlsx_bytes(sheets: Iterable[tuple[str, Sequence, Iterable[Sequence]]]) -> bytes:
    """An XLSX workbook of plain sheets, each (name, header, rows), every cell neutralised.
    Written by openpyxl's write-only workbook, which streams rows out instead of keeping every
    cell: about a third of the time and memory for 10,000 responses."""
    from openpyxl import Workbook  # only when asked: keeps this module light

    workbook = Workbook(write_only=True)
    for name, header, rows in sheets:
        sheet = workbook.create_sheet(name)
        sheet.append(list(header))
        for row in rows:
            sheet.append([neutralise(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def restore(value):
    """Undo ``neutralise`` when reading back a file the project wrote.

    Only the apostrophe that ``neutralise`` would have added is removed, so a cell that merely
    starts with an apostrophe keeps it.
    """
    if isinstance(value, str) and value.startswith("'") and neutralise(value[1:]) == value:
        return value[1:]
    return value


def read_csv(data: bytes, columns: Iterable[str]) -> tuple[csv.DictReader, str]:
    """A DictReader over a CSV file's bytes, and the encoding it was read with.

    The text is decoded with the first of :data:`ENCODINGS` that fits, and split on the first of
    :data:`DELIMITERS` whose header holds all of ``columns`` (else ","). Raises
    ``UnicodeDecodeError`` when no encoding fits.
    """
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError as exc:
            error = exc
    else:
        raise error
    header = text.split("\n", 1)[0]
    wanted = set(columns)
    delimiter = next(
        (d for d in DELIMITERS if wanted <= set(next(csv.reader([header], delimiter=d), []))),
        ",",
    )
    return csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter), encoding
