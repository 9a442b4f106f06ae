"""Template filters that replace Jinja's where its behaviour would change what people typed."""

from markupsafe import Markup


def indent_lines(s: str, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    """Jinja's `indent`, breaking lines only at "\\n".

    The GOV.UK Frontend macros indent the markup of the components they nest (`| indent(6)`).
    Jinja's own filter splits with `str.splitlines()`, which also breaks at "\\r", "\\x0b",
    "\\x0c", "\\x1c"-"\\x1e", "\\x85", "\\u2028" and "\\u2029": a value typed into a date input
    or kept on a page came back with those characters turned into a line break and spaces.
    Markup from the templates uses "\\n" only, so its indentation is unchanged.
    """
    indention = width if isinstance(width, str) else " " * width
    newline = "\n"
    if isinstance(s, Markup):
        # Safe: spaces (or the template's own indent string) and a line feed.
        indention, newline = Markup(indention), Markup(newline)  # noqa: S704
    lines = str(s).split("\n")
    if isinstance(s, Markup):  # the pieces of safe markup stay safe
        lines = [Markup(line) for line in lines]  # noqa: S704 (pieces of markup)
    if blank:
        rv = (newline + indention).join(lines)
    else:
        rest = (newline + (indention + line if line else line) for line in lines[1:])
        rv = lines[0] + type(newline)().join(rest)
    return indention + rv if first else rv
