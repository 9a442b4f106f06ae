"""The coding workspace: find segments, code them, decide on machine suggestions (one by one or
in bulk), memos, the review queue and how far each theme's suggestions can be trusted.

Every change is a POST with a CSRF token and works without JavaScript (static/workspace.js only
adds keyboard shortcuts). After a change the page goes back to the filtered list, rebuilt from
filters that are checked again (never a URL taken from the request).
"""

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from survey_app.research import bp
from survey_app.services import coding, review, workspace


def _user():
    return current_user._get_current_object()


def _page_number() -> int:
    value = request.values.get("page", "1")
    return int(value) if value.isdigit() and len(value) < 7 else 1


def _filters(source=None):
    offered = workspace.choices()
    filters, errors = workspace.parse_filters(source or request.args, offered)
    return offered, filters, errors


def _back(filters: workspace.Filters, anchor: str = "") -> str:
    url = url_for("research.workspace", **filters.as_args(), page=_page_number())
    return url + (f"#{anchor}" if anchor else "")


def _done() -> str:
    """The notice after a bulk decision, from a number and a fixed word only (never echoed
    text: a link could otherwise make the page say anything)."""
    count, word = request.args.get("done", ""), request.args.get("decided", "")
    if count.isdigit() and len(count) < 8 and word in ("accepted", "rejected"):
        return f"{count} {word}"
    return ""


@bp.get("/workspace", endpoint="workspace")
def workspace_page():
    """Segments by filters and words, redacted, with their codes and suggestions."""
    offered, filters, errors = _filters()
    found = workspace.find(filters, _page_number(), offered.theme_labels)
    status = 400 if errors else 200
    return (
        render_template(
            "research/workspace.html",
            offered=offered,
            filters=filters,
            errors=errors,
            form_errors=errors,
            found=found,
            count_limit=workspace.COUNT_LIMIT,
            done=_done(),
        ),
        status,
    )


def _segment_page(segment_id: str, errors: dict | None = None, memo: str = "", status: int = 200):
    offered, filters, _ = _filters(request.values)
    shown = workspace.card(segment_id, offered.theme_labels)
    if shown is None:
        abort(404)
    return (
        render_template(
            "research/workspace_segment.html",
            card=shown,
            offered=offered,
            filters=filters,
            history=coding.history(segment_id),
            form_errors=errors or {},
            memo=memo,
            page=_page_number(),
        ),
        status,
    )


@bp.get("/workspace/segments/<segment_id>")
def workspace_segment(segment_id: str):
    """One segment: its codes, the history of its coding, memos, and forms for all of them."""
    return _segment_page(segment_id)


@bp.post("/workspace/segments/<segment_id>/code")
def workspace_code(segment_id: str):
    """Code a segment with one or more themes."""
    _, filters, _ = _filters(request.form)
    try:
        workspace.code(segment_id, request.form.getlist("code"), _user())
    except workspace.WorkspaceError as error:
        return _segment_page(segment_id, {"themes": str(error)}, status=400)
    if request.form.get("from") == "segment":
        return redirect(
            url_for("research.workspace_segment", segment_id=segment_id, **filters.as_args())
        )
    return redirect(_back(filters, f"segment-{segment_id}"))


@bp.post("/workspace/codings/<coding_id>/<any(accept, reject, remove):action>")
def workspace_coding(coding_id: str, action: str):
    """Accept or reject a machine suggestion, or remove a code."""
    _, filters, _ = _filters(request.form)
    segment_id = request.form.get("segment", "")
    try:
        if action == "remove":
            row = workspace.remove(coding_id, _user())
        else:
            row = workspace.decide_one(coding_id, _user(), accept=action == "accept")
    except workspace.WorkspaceError as error:
        if segment_id:
            return _segment_page(segment_id, {"themes": str(error)}, status=400)
        abort(404)
    if request.form.get("from") == "segment":
        return redirect(
            url_for("research.workspace_segment", segment_id=row.segment_id, **filters.as_args())
        )
    return redirect(_back(filters, f"segment-{row.segment_id}"))


@bp.post("/workspace/segments/<segment_id>/memo")
def workspace_segment_memo(segment_id: str):
    """A memo on a segment."""
    text = request.form.get("memo", "")
    try:
        workspace.add_memo(_user(), text, segment_id=segment_id)
    except workspace.WorkspaceError as error:
        return _segment_page(segment_id, {"memo": str(error)}, memo=text, status=400)
    _, filters, _ = _filters(request.form)
    return redirect(
        url_for("research.workspace_segment", segment_id=segment_id, **filters.as_args()) + "#memos"
    )


# ----- bulk decisions ---------------------------------------------------------------------------


@bp.route("/workspace/bulk/<any(accept, reject):decision>", methods=["GET", "POST"])
def workspace_bulk(decision: str):
    """Accept or reject every pending suggestion of the filtered set: GET asks to confirm and
    says how many; the POST carries that number and is refused if it has changed."""
    source = request.form if request.method == "POST" else request.args
    offered, filters, errors = _filters(source)
    if errors:
        abort(400)
    count = workspace.pending_count(filters)
    error = ""
    if request.method == "POST":
        expected = source.get("expected", "")
        try:
            if not expected.isdigit():
                raise workspace.WorkspaceError("Confirm the number of suggestions again")
            done = workspace.decide_all(filters, _user(), decision == "accept", int(expected))
        except workspace.WorkspaceError as problem:
            error = str(problem)
            count = workspace.pending_count(filters)
        else:
            word = "accepted" if decision == "accept" else "rejected"
            return redirect(
                url_for("research.workspace", **filters.as_args(), done=done, decided=word)
            )
    return (
        render_template(
            "research/workspace_bulk.html",
            offered=offered,
            filters=filters,
            decision=decision,
            count=count,
            form_errors={"expected": error} if error else {},
        ),
        400 if error else 200,
    )


# ----- the review queue -------------------------------------------------------------------------


@bp.get("/workspace/review")
def workspace_review():
    """Segments whose suggestions are least certain first, to accept or reject as a batch."""
    labels = workspace.choices().theme_labels
    workspace.index_missing(workspace.INDEX_PER_PAGE)
    ids = review.queue()
    return render_template(
        "research/workspace_review.html",
        cards=workspace.cards_of(ids, [], labels),
        waiting=review.waiting(),
        training=review.training_pending(),
        decided=_decided(),
    )


def _decided() -> str:
    value = request.args.get("decided", "")
    return value if value.isdigit() and len(value) < 8 else ""


@bp.post("/workspace/review")
def workspace_review_decide():
    """Apply a batch of decisions, then retrain the learned coder in the background."""
    decisions = {
        key.removeprefix("decision-"): value
        for key, value in request.form.items()
        if key.startswith("decision-")
    }
    done = review.decide_batch(decisions, _user())
    if done:
        review.start_training(_user())
    return redirect(url_for("research.workspace_review", decided=str(done)))


# ----- themes: how far to trust them, and memos -------------------------------------------------


def _themes_page(errors: dict | None = None, memo: str = "", theme: str = "", status: int = 200):
    offered = workspace.choices()
    labels = offered.theme_labels
    return (
        render_template(
            "research/workspace_themes.html",
            offered=offered,
            quality=review.quality(labels),
            memos={key: workspace.memo_views(theme=key).get(key, []) for key in labels},
            training=review.training_pending(),
            trusted=review.TRUSTED,
            form_errors=errors or {},
            memo=memo,
            theme=theme,
        ),
        status,
    )


@bp.get("/workspace/themes")
def workspace_themes():
    """Per theme: cross-validated precision and recall of the learned coder, and memos."""
    return _themes_page()


@bp.post("/workspace/themes/memo")
def workspace_theme_memo():
    """A memo on a theme."""
    theme = request.form.get("theme", "")
    text = request.form.get("memo", "")
    try:
        workspace.add_memo(_user(), text, theme=theme)
    except workspace.WorkspaceError as error:
        field = "theme" if "theme" in str(error) else "memo"
        return _themes_page({field: str(error)}, memo=text, theme=theme, status=400)
    return redirect(url_for("research.workspace_themes") + f"#theme-{theme}")


@bp.post("/workspace/retrain")
def workspace_retrain():
    """Retrain the learned coder now (queued for the worker)."""
    review.start_training(_user())
    return redirect(url_for("research.workspace_themes"))
