"""Research routes for editing the codebook: the current themes, adding, editing and merging
themes, the history of versions, and exports at any version. Registered on the research
blueprint (researchers and admins). Every change is a POST that makes a new version; the work
is done by `services.codebook_edits`."""

from flask import Response, redirect, render_template, request, url_for
from flask_login import current_user

from analysis.records import STAGES
from survey_app.research import MIMETYPES, bp
from survey_app.services import codebook_edits, codebooks
from survey_app.services.codebook_edits import CodebookEditError, ThemeChange

STAGE_OPTIONS = [("", "No stage"), *((s, s.capitalize()) for s in STAGES)]
NOTICES = {
    "added": "Theme added",
    "edited": "Theme changed",
    "merged": "Themes merged",
}


def _book_or_none():
    version = codebooks.current_version()
    if version is None:
        return None, None
    return version, codebooks.definition_of(version)


def _no_codebook():
    return render_template("research/codebook_none.html"), 404


def _theme_options(book, leave_out: str | None = None, blank: str = "Choose a theme"):
    return [("", blank)] + [
        (t.id, f"{t.label} ({t.stage or 'no stage'})")
        for t in book.all_themes()
        if t.id != leave_out
    ]


def _parent_options(book, leave_out: str | None = None):
    below = {t.id for t in book.theme(leave_out).walk()} if leave_out else set()
    return [("", "None: a top-level theme")] + [
        (t.id, f"{t.label} ({t.stage or 'no stage'})")
        for t in book.all_themes()
        if t.id not in below
    ]


def _based_on(form) -> int | None:
    """The version the form was made from (a hidden field), to refuse a stale save."""
    text = form.get("based_on", "")
    return int(text) if text.isdigit() else None


def _wanted(form) -> ThemeChange:
    return ThemeChange(
        label=form.get("label", ""),
        definition=form.get("definition", ""),
        stage=form.get("stage") or None,
        parent=form.get("parent") or None,
    )


@bp.get("/codebook")
def codebook():
    """The current codebook: its themes by stage, with links to change them."""
    version, book = _book_or_none()
    if version is None:
        return _no_codebook()
    return render_template(
        "research/codebook.html",
        version=version,
        book=book,
        stages=[*STAGES, None],
        notice=NOTICES.get(request.args.get("notice", "")),
        changed=request.args.get("theme"),
        moved=request.args.get("moved", type=int),
        folded=request.args.get("folded", type=int),
    )


@bp.route("/codebook/add", methods=["GET", "POST"])
def codebook_add():
    """Add a theme: label, definition, stage and (optionally) a parent theme."""
    version, book = _book_or_none()
    if version is None:
        return _no_codebook()
    errors = {}
    values = request.form if request.method == "POST" else {}
    if request.method == "POST":
        try:
            _version, theme_id = codebook_edits.add(
                _wanted(request.form), current_user._get_current_object(), _based_on(request.form)
            )
        except CodebookEditError as error:
            errors = {error.field: error.message}
        else:
            return redirect(url_for("research.codebook", notice="added", theme=theme_id))
    return render_template(
        "research/codebook_theme.html",
        version=version,
        adding=True,
        theme=None,
        values=values,
        form_errors=errors,
        stage_options=STAGE_OPTIONS,
        parent_options=_parent_options(book),
        action=url_for("research.codebook_add"),
    )


@bp.route("/codebook/edit", methods=["GET", "POST"])
def codebook_edit():
    """Edit a theme (?theme=ID): rename it, change its definition, stage or parent. Without a
    theme, or with one the codebook does not have, a list to choose from."""
    version, book = _book_or_none()
    if version is None:
        return _no_codebook()
    theme_id = request.args.get("theme", "")
    if theme_id not in book.theme_ids:
        errors = {"theme": "Select a theme from the list"} if theme_id else {}
        return render_template(
            "research/codebook_choose.html",
            options=_theme_options(book),
            form_errors=errors,
        )
    theme = book.theme(theme_id)
    errors = {}
    values = {
        "label": theme.label,
        "definition": theme.definition,
        "stage": theme.stage or "",
        "parent": theme.parent or "",
    }
    if request.method == "POST":
        values = request.form
        try:
            codebook_edits.change(
                theme_id,
                _wanted(request.form),
                current_user._get_current_object(),
                _based_on(request.form),
            )
        except CodebookEditError as error:
            errors = {error.field: error.message}
        else:
            return redirect(url_for("research.codebook", notice="edited", theme=theme_id))
    return render_template(
        "research/codebook_theme.html",
        version=version,
        adding=False,
        theme=theme,
        values=values,
        form_errors=errors,
        stage_options=STAGE_OPTIONS,
        parent_options=_parent_options(book, theme_id),
        action=url_for("research.codebook_edit", theme=theme_id),
    )


@bp.route("/codebook/merge", methods=["GET", "POST"])
def codebook_merge():
    """Merge one theme into another; the merged theme's codings move with it."""
    version, book = _book_or_none()
    if version is None:
        return _no_codebook()
    errors = {}
    values = request.form if request.method == "POST" else request.args
    if request.method == "POST":
        try:
            done = codebook_edits.merge(
                request.form.get("source", ""),
                request.form.get("target", ""),
                current_user._get_current_object(),
                _based_on(request.form),
            )
        except CodebookEditError as error:
            errors = {error.field: error.message}
        else:
            return redirect(
                url_for(
                    "research.codebook",
                    notice="merged",
                    theme=request.form.get("target"),
                    moved=done.moved,
                    folded=done.folded,
                )
            )
    return render_template(
        "research/codebook_merge.html",
        version=version,
        values=values,
        form_errors=errors,
        options=_theme_options(book),
    )


@bp.get("/codebook/history")
def codebook_history():
    """Every version of the codebook: what changed, who and when, and its files."""
    version, _book = _book_or_none()
    if version is None:
        return _no_codebook()
    return render_template(
        "research/codebook_history.html",
        current=version,
        versions=codebook_edits.versions(),
    )


@bp.get("/codebook/export")
def codebook_export():
    """The codebook at a version (?version=N&format=qdc|xlsx); without them, a form to choose."""
    version, _book = _book_or_none()
    if version is None:
        return _no_codebook()
    number = request.args.get("version", "").strip()
    fmt = request.args.get("format", "").strip()
    errors = {}
    if number or fmt:
        if not number.isdigit():
            errors["version"] = "Enter a version number, for example 1"
        if fmt not in codebook_edits.FORMATS:
            errors["format"] = "Select .qdc or XLSX"
        if not errors:
            made = codebook_edits.version_file(int(number), fmt)
            if made is None:
                errors["version"] = f"Enter a version from 1 to {version.number}"
            else:
                data, name = made
                return Response(
                    data,
                    mimetype=MIMETYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'},
                )
    return render_template(
        "research/codebook_export.html",
        current=version,
        values=request.args,
        form_errors=errors,
    )
