"""Blueprint for researchers: counts, coded segments (redacted), downloads, coding jobs.

Views are thin: the services in survey_app/services/research.py, coding.py and jobs.py do the
work. Original (unredacted) text is only ever sent in answer to a POST, which is audited.
"""

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user

from survey_app.auth import require_role, staff_context
from survey_app.models.research import SEGMENT_STAGES
from survey_app.services import jobs, qda_export, questionnaires, research

bp = Blueprint("research", __name__, url_prefix="/research")
# Access rule: researchers and admins only.
bp.before_request(require_role("researcher", "admin"))
bp.context_processor(staff_context)

MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "qdc": "application/xml",
    "qdpx": "application/zip",
    "sav": "application/x-spss-sav",
}


def _download(data: bytes, name: str, fmt: str) -> Response:
    return Response(
        data,
        mimetype=MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _questionnaire_or_404(slug: str):
    found = questionnaires.find_questionnaire(slug)
    if found is None:
        abort(404)
    return found


@bp.get("/")
def index():
    """Per questionnaire: responses by channel, segments by stage and source, coding; jobs."""
    return render_template(
        "research/index.html",
        overview=research.overview(),
        jobs=research.recent_jobs(),
        stages=SEGMENT_STAGES,
        queue_note=jobs.queue_description(),
        queued=request.args.get("notice") == "queued",
    )


@bp.get("/<slug>/segments")
def segments(slug: str):
    """A questionnaire's segments by stage, redacted, with the themes coded."""
    found = _questionnaire_or_404(slug)
    stage = request.args.get("stage") or None
    if stage not in (None, *SEGMENT_STAGES):
        stage = None
    page = request.args.get("page", "1")
    # ASCII digits only, and few: "²" passes str.isdigit() but not int() (a server error).
    page = int(page) if page.isascii() and page.isdigit() and len(page) <= 9 else 1
    rows, pages = research.segment_page(found.row.id, stage, page)
    return render_template(
        "research/segments.html",
        found=found,
        rows=rows,
        stage=stage,
        stages=SEGMENT_STAGES,
        page=min(max(page, 1), pages),
        pages=pages,
    )


@bp.post("/segments/<segment_id>/original")
def original(segment_id: str):
    """The original text of one segment, for the person who asked; audited."""
    shown = research.reveal(segment_id, current_user._get_current_object())
    if shown is None:
        abort(404)
    return render_template("research/original.html", segment=shown)


@bp.get("/<slug>/segments.<any(csv, xlsx):fmt>")
def segments_download(slug: str, fmt: str):
    """Coded segments, redacted."""
    found = _questionnaire_or_404(slug)
    header, table = research.segment_table(found.row.id)
    data = research.as_file(header, table, fmt, "segments")
    return _download(data, f"{slug}-segments.{fmt}", fmt)


@bp.post("/<slug>/segments-original.<any(csv, xlsx):fmt>")
def segments_original_download(slug: str, fmt: str):
    """Coded segments with their original text: an explicit, audited action."""
    found = _questionnaire_or_404(slug)
    header, table = research.segment_table(
        found.row.id, original=True, user=current_user._get_current_object()
    )
    data = research.as_file(header, table, fmt, "segments")
    return _download(data, f"{slug}-segments-original.{fmt}", fmt)


@bp.get("/<slug>/project.qdpx")
def project_download(slug: str):
    """Coded free text and transcripts, redacted, as a REFI-QDA project for QDA software."""
    found = _questionnaire_or_404(slug)
    data = qda_export.project_file(found.row.id, slug)
    if data is None:
        abort(404)
    return _download(data, f"{slug}-coded.qdpx", "qdpx")


@bp.get("/<slug>/responses.<any(csv, xlsx, sav):fmt>")
def responses_download(slug: str, fmt: str):
    """Responses with one 0/1 column per theme; free-text answers redacted (left out of .sav)."""
    found = _questionnaire_or_404(slug)
    data, _count = research.responses_file(found, fmt)
    return _download(data, f"{slug}-responses-themes.{fmt}", fmt)


@bp.get("/codebook.<any(qdc, xlsx):fmt>")
def codebook_download(fmt: str):
    """The current codebook for QDA software (REFI-QDA .qdc) or a spreadsheet."""
    made = research.codebook_file(fmt)
    if made is None:
        abort(404)
    data, name = made
    return _download(data, name, fmt)


@bp.post("/<slug>/code")
def start_coding(slug: str):
    """Queue a coding run (rules, or a model trained from people's codings)."""
    _questionnaire_or_404(slug)
    coder = request.form.get("coder", "rules")
    if coder not in ("rules", "model"):
        abort(400)
    jobs.start_coding(slug, coder, current_user._get_current_object())
    return redirect(url_for("research.index", notice="queued") + "#jobs")


from survey_app.research import (  # noqa: E402,F401  (routes on bp)
    agreement_views,
    codebook_views,
    focus_group_views,
    sample_views,
    summary_views,
    workspace_views,
)
