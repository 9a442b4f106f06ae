"""SPSS system files (.sav): variables with labels, value labels and measurement levels.

Written as the SPSS system file format documented by GNU PSPP ("System File Format"): an
uncompressed little-endian file, UTF-8 text (character code 65001 and the encoding record), long
variable names (record 7.13), value labels of strings longer than 8 bytes (record 7.21) and the
blank as a string's missing value (in the variable record up to 8 bytes, record 7.22 beyond), so
SPSS, PSPP, R's haven and Stata's `import spss` read the names, labels and codes as written.

Numbers are 8-byte floats (None is system-missing); dates are ``datetime.date`` in an SDATE10
(``yyyy/mm/dd``) variable; strings are at most 255 bytes (longer values are cut at a character
boundary: this writer has no very long strings, so long free text does not belong here). Pure:
the caller says what each variable is and hands the rows.
"""

from __future__ import annotations

import datetime
import math
import re
import struct
from dataclasses import dataclass, field

MAX_STRING = 255
MAX_NAME = 64
MAX_VARIABLE_LABEL = 255
MAX_VALUE_LABEL = 120
SYSMIS = -1.7976931348623157e308
HIGHEST = 1.7976931348623157e308
LOWEST = math.nextafter(-1.7976931348623157e308, 0)
GREGORIAN_EPOCH = datetime.date(1582, 10, 14)
RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}
MEASURES = {"nominal": 1, "ordinal": 2, "scale": 3}
FORMAT_A, FORMAT_F, FORMAT_SDATE = 1, 5, 39


@dataclass(frozen=True)
class Variable:
    """One column: ``kind`` is "number", "date" or "string"; ``value_labels`` maps codes (numbers
    for numbers, strings for strings) to labels; ``width`` is a string's width in bytes (worked
    out from the data when 0)."""

    name: str
    label: str = ""
    kind: str = "number"
    value_labels: dict = field(default_factory=dict)
    measure: str = "nominal"
    decimals: int = 0
    width: int = 0
    # A string's blank is user-missing (as an empty number is system-missing), so frequencies
    # do not count it as an answer.
    blank_missing: bool = False


def spss_name(name: str, taken: set[str]) -> str:
    """A valid, unique (case-insensitively) SPSS variable name as close to ``name`` as can be."""
    cleaned = re.sub(r"[^A-Za-z0-9_.@#$]", "_", name) or "v"
    if not cleaned[0].isalpha():
        cleaned = f"v_{cleaned}"
    cleaned = cleaned.rstrip(".")
    if cleaned.upper() in RESERVED:
        cleaned += "_"
    cleaned = _cut(cleaned, MAX_NAME).decode()
    candidate, n = cleaned, 1
    while candidate.upper() in taken:
        n += 1
        suffix = f"_{n}"
        candidate = _cut(cleaned, MAX_NAME - len(suffix)).decode() + suffix
    taken.add(candidate.upper())
    return candidate


def sav_bytes(variables: list[Variable], rows: list[list], file_label: str = "", now=None) -> bytes:
    """The .sav file of ``rows`` (one value per variable, in order)."""
    now = now or datetime.datetime.now(datetime.UTC)
    taken: set[str] = set()
    names = [spss_name(v.name, taken) for v in variables]
    widths = [_width(v, i, rows) for i, v in enumerate(variables)]
    slots = [1 if w == 0 else -(-w // 8) for w in widths]
    short = [f"V{i + 1}" for i in range(len(variables))]

    out = bytearray()
    out += _header(sum(slots), len(rows), file_label, now)
    for v, w, s, short_name in zip(variables, widths, slots, short, strict=True):
        out += _variable_record(v, w, short_name)
        for _ in range(s - 1):  # the rest of a string wider than 8 bytes
            out += struct.pack("<iiiiii8s", 2, -1, 0, 0, 0, 0, b" " * 8)
    out += _short_value_labels(variables, widths, slots)
    out += _extension(3, 4, struct.pack("<8i", 1, 0, 0, -1, 1, 1, 2, 65001))
    out += _extension(4, 8, struct.pack("<3d", SYSMIS, HIGHEST, LOWEST))
    display = [
        (MEASURES[v.measure], max(8, min(w or 8, 40)), 0 if w else 1)
        for v, w in zip(variables, widths, strict=True)
    ]
    out += _extension(11, 4, b"".join(struct.pack("<3i", *d) for d in display))
    long_names = "\t".join(f"{s}={n}" for s, n in zip(short, names, strict=True))
    out += _extension(13, 1, long_names.encode())
    out += _extension(20, 1, b"UTF-8")
    out += _long_value_labels(variables, widths, names)
    out += _long_blank_missing(variables, widths, names)
    out += struct.pack("<ii", 999, 0)
    for row in rows:
        for v, w, value in zip(variables, widths, row, strict=True):
            out += _value(v, w, value)
    return bytes(out)


def _cut(text: str, limit: int) -> bytes:
    """``text`` in UTF-8, at most ``limit`` bytes, never cutting a character in two."""
    data = text.encode()
    if len(data) <= limit:
        return data
    return data[:limit].decode(errors="ignore").encode()


def _width(v: Variable, index: int, rows: list[list]) -> int:
    """0 for numbers and dates; a string's width in bytes (1 to 255)."""
    if v.kind != "string":
        return 0
    if v.width:
        return min(v.width, MAX_STRING)
    longest = max(
        [len(_cut(str(r[index]), MAX_STRING)) for r in rows if r[index] is not None]
        + [len(_cut(str(code), MAX_STRING)) for code in v.value_labels],
        default=1,
    )
    return max(1, longest)


def _header(case_size: int, cases: int, file_label: str, now) -> bytes:
    product = b"@(#) SPSS DATA FILE victims' services research platform"
    return struct.pack(
        "<4s60siiiiid9s8s64s3s",
        b"$FL2",
        product.ljust(60),
        2,
        case_size,
        0,
        0,
        cases,
        100.0,
        now.strftime("%d %b %y").encode(),
        now.strftime("%H:%M:%S").encode(),
        _cut(file_label, 64).ljust(64),
        b"\0\0\0",
    )


def _format(v: Variable, width: int) -> int:
    if v.kind == "string":
        return (FORMAT_A << 16) | (width << 8)
    if v.kind == "date":
        return (FORMAT_SDATE << 16) | (10 << 8)
    return (FORMAT_F << 16) | ((8 + v.decimals + (1 if v.decimals else 0)) << 8) | v.decimals


def _variable_record(v: Variable, width: int, short_name: str) -> bytes:
    fmt = _format(v, width)
    label = _cut(v.label, MAX_VARIABLE_LABEL)
    short_blank = v.blank_missing and 0 < width <= 8  # longer strings: record 7.22
    record = struct.pack(
        "<iiiiii8s",
        2,
        width,
        1 if label else 0,
        1 if short_blank else 0,
        fmt,
        fmt,
        short_name.encode().ljust(8),
    )
    if label:
        record += struct.pack("<i", len(label)) + label.ljust(-(-len(label) // 4) * 4, b" ")
    if short_blank:
        record += b" " * 8
    return record


def _short_value_labels(variables, widths, slots) -> bytes:
    """Records 3 and 4: value labels of numbers and of strings up to 8 bytes wide."""
    out = bytearray()
    index = 1  # dictionary index of each variable's first slot
    for v, w, s in zip(variables, widths, slots, strict=True):
        if v.value_labels and w <= 8:
            out += struct.pack("<ii", 3, len(v.value_labels))
            for code, label in v.value_labels.items():
                value = _cut(str(code), w).ljust(8) if w else struct.pack("<d", float(code))
                text = _cut(label, MAX_VALUE_LABEL)
                padded = -(-(len(text) + 1) // 8) * 8 - 1
                out += value + bytes([len(text)]) + text.ljust(padded, b" ")
            out += struct.pack("<iii", 4, 1, index)
        index += s
    return bytes(out)


def _long_value_labels(variables, widths, names) -> bytes:
    """Record 7.21: value labels of strings wider than 8 bytes."""
    body = bytearray()
    for v, w, name in zip(variables, widths, names, strict=True):
        if not v.value_labels or w <= 8:
            continue
        encoded = name.encode()
        body += struct.pack("<i", len(encoded)) + encoded
        body += struct.pack("<ii", w, len(v.value_labels))
        for code, label in v.value_labels.items():
            value = _cut(str(code), w).ljust(w)
            text = _cut(label, MAX_VALUE_LABEL)
            body += struct.pack("<i", len(value)) + value + struct.pack("<i", len(text)) + text
    return _extension(21, 1, bytes(body)) if body else b""


def _long_blank_missing(variables, widths, names) -> bytes:
    """Record 7.22: the blank as the missing value of strings wider than 8 bytes."""
    body = bytearray()
    for v, w, name in zip(variables, widths, names, strict=True):
        if v.blank_missing and w > 8:
            encoded = name.encode()
            body += struct.pack("<i", len(encoded)) + encoded
            body += bytes([1]) + struct.pack("<i", 8) + b" " * 8
    return _extension(22, 1, bytes(body)) if body else b""


def _extension(subtype: int, size: int, data: bytes) -> bytes:
    return struct.pack("<iiii", 7, subtype, size, len(data) // size) + data


def _value(v: Variable, width: int, value) -> bytes:
    if width:
        data = _cut("" if value is None else str(value), width)
        return data.ljust(-(-width // 8) * 8, b" ")
    if value is None or value == "":
        return struct.pack("<d", SYSMIS)
    if v.kind == "date":
        if isinstance(value, str):
            value = datetime.date.fromisoformat(value)
        return struct.pack("<d", float((value - GREGORIAN_EPOCH).days * 86400))
    return struct.pack("<d", float(value))
