"""Files and cells a spreadsheet opens as written: text, never a formula (CSV injection).

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and some a tab or carriage
return) as a formula, so a respondent's answer could become a live link or command in a
researcher's copy of Excel. The CSV and XLSX files written from answer text, by the web app's
exports, by ``python -m analysis`` and by the codebook exports (whose example quotes are answer
text), pass their cells through ``neutralise``; the codebook imports ``restore`` them. This
module has no heavy imports, so the web app can use it without loading scikit-learn.
"""

from __future__ import annotations

import re

#: CSV files written for people to open are UTF-8 with a byte-order mark: without it, Excel
#: reads UTF-8 as Windows-1252 and garbles accents and curly quotes.
CSV_ENCODING = "utf-8-sig"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
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


def restore(value):
    """Undo ``neutralise`` when reading back a file the project wrote.

    Only the apostrophe that ``neutralise`` would have added is removed, so a cell that merely
    starts with an apostrophe keeps it.
    """
    if isinstance(value, str) and value.startswith("'") and neutralise(value[1:]) == value:
        return value[1:]
    return value
