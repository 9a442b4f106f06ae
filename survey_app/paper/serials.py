"""Serial numbers printed on paper copies: questionnaire prefix, sequence number, check digit.

A serial looks like ``VES-000123-4``. The check digit is Damm's algorithm over the prefix
(each letter as two digits, A=10 ... Z=35) followed by the number, so any single mistyped
digit and any swap of two neighbouring digits is caught. Pure Python: no Flask here.
"""

import re

__all__ = ["check_digit", "check_serial", "make_serial", "serial_problem"]

# Damm's totally anti-symmetric quasigroup of order 10.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
PREFIX = re.compile(r"[A-Z]{2,6}")
NUMBER_WIDTH = 6
_SHAPE = re.compile(r"([A-Z]{2,6})(\d{6,9})(\d)")


def _digits(prefix: str, number: str) -> list[int]:
    letters = "".join(str(ord(letter) - 55) for letter in prefix)
    return [int(d) for d in letters + number]


def check_digit(prefix: str, number: int | str) -> int:
    """The Damm check digit of a prefix and a sequence number."""
    interim = 0
    for digit in _digits(prefix, f"{int(number):0{NUMBER_WIDTH}d}"):
        interim = _DAMM[interim][digit]
    return interim


def make_serial(prefix: str, number: int) -> str:
    """The serial of copy `number` (1 upwards) of the questionnaire with this prefix."""
    if not PREFIX.fullmatch(prefix):
        raise ValueError("a serial prefix is 2 to 6 capital letters")
    if not 1 <= number <= 999_999_999:
        raise ValueError("a serial number runs from 1 to 999,999,999")
    return f"{prefix}-{number:0{NUMBER_WIDTH}d}-{check_digit(prefix, number)}"


def _squash(text: str) -> str:
    return re.sub(r"[\s\-–]", "", text or "").upper()


def serial_problem(text: str) -> str | None:
    """Why a typed serial is not valid: "format", "check-digit", or None when it is valid."""
    match = _SHAPE.fullmatch(_squash(text))
    if match is None:
        return "format"
    prefix, number, check = match.groups()
    if check_digit(prefix, number) != int(check):
        return "check-digit"
    return None


def check_serial(text: str) -> str | None:
    """The serial in its printed form (``VES-000123-4``), or None if malformed or mistyped.

    Spaces, dashes and lower case are forgiven, so "ves 000123 4" is accepted.
    """
    if serial_problem(text) is not None:
        return None
    prefix, number, check = _SHAPE.fullmatch(_squash(text)).groups()
    return f"{prefix}-{number}-{check}"
