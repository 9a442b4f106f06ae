"""Paper dashboard: printing batches, logging returns, double entry, error rates."""

from datetime import UTC, date, datetime

from flask import Response, abort, redirect, render_template, request, url_for
from flask_login import current_user

from survey_app.paper import render
from survey_app.services import paper
from survey_app.services import questionnaires as questionnaires_service
from survey_app.staff import bp


def _found_or_404(slug: str):
    found = questionnaires_service.find_questionnaire(slug)
    if found is None:
        abort(404)
    return found


@bp.get("/paper/")
def paper_index():
    """Every questionnaire with its paper progress."""
    items = [(row, paper.progress(row)) for row in questionnaires_service.all_questionnaires()]
    return render_template("staff/paper/index.html", items=items)


def _page(found, errors=(), values=None, status=200):
    total, fields = paper.error_rates(found.row)
    return render_template(
        "staff/paper/questionnaire.html",
        found=found,
        progress=paper.progress(found.row),
        batches=paper.batches_for(found.row),
        waiting=paper.awaiting_reconciliation(found.row),
        self_settled=paper.self_settled(found.row),
        flagged=paper.flagged_finals(found.row),
        total_rate=total,
        field_rates=[f for f in fields if f.discrepancies],
        form_errors=list(errors),
        error_for={e["href"].lstrip("#"): e["text"] for e in errors},
        values=values or {},
        is_admin=current_user.role == "admin",
        reconciled=request.args.get("reconciled"),
    ), status


@bp.get("/paper/<slug>/")
def paper_questionnaire(slug: str):
    """One questionnaire's paper copies: print, log returns, progress and keying errors."""
    return _page(_found_or_404(slug))


def _count(name: str) -> int | None:
    text = request.form.get(name, "").strip()
    return int(text) if text.isdigit() and len(text) < 7 else None


@bp.post("/paper/<slug>/print")
def paper_print(slug: str):
    """Record a batch of serial-numbered copies to print."""
    found = _found_or_404(slug)
    count = _count("copies")
    if count is None or not 1 <= count <= paper.MAX_BATCH:
        message = f"Enter a number of copies from 1 to {paper.MAX_BATCH:,}"
        return _page(found, [{"text": message, "href": "#copies"}], request.form)
    batch = paper.print_batch(found.row, count, current_user._get_current_object(), _today())
    return redirect(url_for("staff.paper_batch", batch_id=batch.id))


def _today() -> date:
    return datetime.now(UTC).date()


@bp.post("/paper/<slug>/returns")
def paper_return(slug: str):
    """Log a delivery of completed copies: date received and how many."""
    found = _found_or_404(slug)
    errors = []
    count = _count("returned")
    if count is None or count < 1:
        errors.append({"text": "Enter how many forms arrived, like 40", "href": "#returned"})
    parts = [request.form.get(f"received-{p}", "").strip() for p in ("day", "month", "year")]
    received = None
    try:
        received = date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        errors.append({"text": "Enter the date received, like 27 3 2027", "href": "#received-day"})
    if received and received > _today():
        errors.append(
            {"text": "Date received must be today or in the past", "href": "#received-day"}
        )
    if errors:
        return _page(found, errors, request.form)
    paper.log_return(found.row, received, count, current_user._get_current_object())
    return redirect(url_for("staff.paper_questionnaire", slug=slug))


@bp.post("/paper/<slug>/double-entry")
def paper_double_entry(slug: str):
    """Require double data entry (admins only)."""
    found = _found_or_404(slug)
    if current_user.role != "admin":
        abort(403)
    paper.set_double_entry(
        found.row, request.form.get("double_entry") == "yes", current_user._get_current_object()
    )
    return redirect(url_for("staff.paper_questionnaire", slug=slug))


def _batch_or_404(batch_id: int):
    batch = paper.find_batch(batch_id)
    if batch is None:
        abort(404)
    return batch


@bp.get("/paper/batches/<int:batch_id>")
def paper_batch(batch_id: int):
    """A printed batch: its serials, PDF downloads (in parts if big) and a print preview."""
    batch = _batch_or_404(batch_id)
    return render_template("staff/paper/batch.html", batch=batch, parts=paper.batch_parts(batch))


def _chosen_serials(batch) -> list[str]:
    """The copies a download asks for: one `serial` of the batch, or a `part` (default 1)."""
    if "serial" in request.args:
        serial = request.args["serial"]
        if serial not in {copy.serial for copy in batch.copies}:
            abort(404)
        return [serial]
    number = request.args.get("part", "1")
    parts = paper.batch_parts(batch)
    if not number.isdigit() or not 1 <= int(number) <= len(parts):
        abort(404)
    return parts[int(number) - 1].serials


def _large() -> bool:
    return request.args.get("large") == "1"


@bp.get("/paper/batches/<int:batch_id>/copies.pdf")
def paper_batch_pdf(batch_id: int):
    """One PDF of a batch's copies (or of one part, or one copy to reprint)."""
    batch = _batch_or_404(batch_id)
    serials = _chosen_serials(batch)
    pdf = paper.batch_pdf(batch, serials, _large())
    name = f"{batch.questionnaire.slug}-batch-{batch.id}"
    if "serial" in request.args:
        name += f"-{serials[0]}"
    elif "part" in request.args:
        name += f"-part-{request.args['part']}"
    name += "-large-print" if _large() else ""
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
    )


@bp.get("/paper/batches/<int:batch_id>/preview")
def paper_batch_preview(batch_id: int):
    """The printable HTML of one copy (every copy is the same apart from its serial)."""
    batch = _batch_or_404(batch_id)
    serials = _chosen_serials(batch) if "serial" in request.args else [batch.copies[0].serial]
    css_href = url_for("staff.paper_css", large=1) if _large() else url_for("staff.paper_css")
    return paper.batch_preview(batch, serials, _large(), css_href)


@bp.get("/paper/paper.css")
def paper_css():
    """The paper stylesheet, served so the preview needs no inline style (CSP)."""
    return Response(render.paper_css(_large()), mimetype="text/css")
