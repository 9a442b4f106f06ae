"""Requests refused before any view reads them: a NUL character in the path or query string.

No link of ours holds one, and PostgreSQL refuses NUL in text, so a view that looked up
`/s/%00/` or `?serial=%00` in the database answered with a server error (found by the
hostile-input tests). Form fields are left to the views, which clean or refuse typed text
(`questionnaire.questions.clean_text`) and say why.
"""

from flask import abort, request


def refuse_nul_in_url() -> None:
    """404 for a NUL in the path, 400 for one in the query string."""
    if "\x00" in request.path:
        abort(404)
    if b"%00" in request.query_string or b"\x00" in request.query_string:
        abort(400)
