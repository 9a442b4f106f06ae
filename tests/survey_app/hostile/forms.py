"""Shared pieces of the hostile-input tests: strategies for what people (and attackers) type,
and checks that a form either accepted its input or showed it again with messages."""

import re
from html import unescape

from hypothesis import strategies as st
from markupsafe import escape

#: Control characters the app drops from text (PostgreSQL refuses NUL; the rest are invisible).
CONTROL = "".join(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))
#: Characters that are not text in a form body: surrogates cannot be encoded as UTF-8 at all.
_TYPED = st.characters(exclude_categories=("Cs",))

#: Anything a person or a script could put in one field, short or very long.
any_text = st.one_of(
    st.text(_TYPED, max_size=40),
    st.text(st.sampled_from("0123456789 ,+-.\t\r\n\x00aZé٣"), max_size=20),
    st.sampled_from(
        [
            "",
            " ",
            "<script>alert(1)</script>",
            '"><img src=x onerror=alert(1)>',
            "{{ 7 * 7 }}",
            "' OR 1=1 --",
            "\x00",
            "\r\n",
            "9" * 400,
            "9" * 5000,  # more digits than int() will read
            "²",  # a digit to str.isdigit(), not to int()
            "٣",  # an Arabic-Indic three: a digit to int() too
            "-0",
            "prefer-not-to-say",
            "state:illegible",
            "state:multiple",
            "\u202e\u200b\ufeff",
        ]
    ),
    # Long texts around the 5,000-character limit, built from a short random piece.
    st.builds(
        lambda piece, n: (piece * n)[:n],
        st.text(_TYPED, min_size=1, max_size=8),
        st.integers(4990, 5010),
    ),
)
#: Numbers as typed: plain, huge, negative, and digits that are not ASCII.
number_text = st.one_of(
    st.integers(-5, 100_000).map(str),
    st.sampled_from(["0", "00", "31", "13", "2024", "9" * 400, "9" * 5000, "²", "٣", "１２"]),
)

#: Several values under one field name (a tampered form or a double-submitted one).
any_values = st.lists(any_text, min_size=0, max_size=3)


def core_text(*, multiline: bool, max_size: int = 300):
    """Text that the app keeps exactly as it is: no control characters, no carriage returns,
    nothing to strip at either end (and, for one line, no line breaks)."""
    banned = CONTROL + "\r" + ("" if multiline else "\n")
    alphabet = st.characters(exclude_categories=("Cs",), exclude_characters=banned)
    return st.text(alphabet, min_size=1, max_size=max_size).filter(lambda s: s == s.strip())


@st.composite
def typed_text(draw, *, multiline: bool = True, max_size: int = 300):
    """(what was typed, what must be stored): the same text with any line ending a browser may
    send (a textarea sends CRLF) and blanks around it, which are the only things the app changes
    (docs/security.md, "Hostile input")."""
    core = draw(core_text(multiline=multiline, max_size=max_size))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    around = st.text(st.sampled_from(" \t\n\r\u00a0\u3000"), max_size=3)
    typed = draw(around) + core.replace("\n", ending) + draw(around)
    return typed, core


def normalised(typed: str, *, one_line: bool = False) -> str:
    """What the app keeps of typed text, by the rules in docs/security.md ("Hostile input"):
    CRLF and CR become LF, control characters other than tab and line feed are dropped, a
    one-line answer's line breaks become spaces, and blanks at either end are removed."""
    text = typed.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(c for c in text if c not in CONTROL)
    if one_line:
        text = text.replace("\n", " ")
    return text.strip()


def shown(page: str, value: str) -> bool:
    """Whether `value` appears in the page exactly as typed (HTML-escaped, nothing lost)."""
    return str(escape(value)) in page


def has_error_summary(page: str) -> bool:
    return 'class="govuk-error-summary"' in page and "<title>Error: " in page


_ERROR_MESSAGE = re.compile(r'class="govuk-error-message">\s*<span[^>]*>Error:</span>([^<]*)<')


def error_messages(page: str) -> list[str]:
    """The messages shown beside fields."""
    return [unescape(m).strip() for m in _ERROR_MESSAGE.findall(page)]


def assert_handled(response, sent: dict[str, list[str]], text_fields=(), line_fields=()) -> None:
    """No server error; either accepted (a redirect) or shown again with a message and with
    every typed value in `text_fields` (textareas) and `line_fields` (one-line inputs) as it was
    typed. A one-line input cannot hold a line feed, so no browser sends one: those values are
    only checked to cause no error."""
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        return
    page = response.get_data(as_text=True)
    assert has_error_summary(page), page[:3000]
    for name in (*text_fields, *line_fields):
        value = (sent.get(name) or [""])[0]
        if name in line_fields and "\n" in value:
            continue
        assert shown(page, value), (name, value)
