"""Research routes for the thematic summary: the page, its downloads and the segments behind a
theme's counts. Registered on the research blueprint, so its access rule (researchers and
admins) covers them. Every number shown comes from `services.summary.summary_for`."""

from dataclasses import replace

from flask import Response, abort, render_template, request

from survey_app.research import bp
from survey_app.services import method, questionnaires
from survey_app.services import summary as summaries

DOWNLOADS = {
    "csv": ("application/zip", "summary-tables.zip"),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "summary.xlsx",
    ),
    "json": ("application/json", "summary.json"),
    "svg": ("application/zip", "summary-charts.zip"),
    "pdf": ("application/pdf", "findings.pdf"),
}


def _summary_or_404(slug: str):
    """The request and summary for a questionnaire and the URL's filters (errors listed)."""
    found = questionnaires.find_questionnaire(slug)
    if found is None:
        abort(404)
    wanted, errors = summaries.parse_request(slug, request.args)
    if wanted.version is not None and wanted.version not in {
        v.number for v in summaries.versions_of(found.row.id)
    }:  # a version that does not exist: said on the page, the current version shown
        errors["version"] = "Select a version"
        wanted = replace(wanted, version=None)
    offered = summaries.offered_choices(found.row.id)
    wanted, refused = summaries.without_unoffered(wanted, offered)
    errors.update(refused)
    try:
        made = summaries.summary_for(wanted)
    except summaries.SummaryError:
        abort(404)
    return found, wanted, errors, made, offered


@bp.get("/summary")
def summary_home():
    """The summary of the questionnaire named in the URL (?questionnaire=SLUG), or the first."""
    rows = questionnaires.all_questionnaires()
    if not rows:
        return render_template("research/summary_none.html")
    slug = request.args.get("questionnaire")
    if slug not in {r.slug for r in rows}:
        slug = rows[0].slug
    return summary(slug)


@bp.get("/<slug>/summary")
def summary(slug: str):
    """The thematic summary page: filters, closed questions, themes per stage, the journey."""
    found, wanted, errors, made, offered = _summary_or_404(slug)
    versions = summaries.versions_of(found.row.id)
    return render_template(
        "research/summary.html",
        found=found,
        made=made,
        wanted=wanted,
        args=wanted.query_args(),
        form_errors=errors,
        questionnaires=questionnaires.all_questionnaires(),
        version_options=[
            (str(v.number), f"Version {v.number} (loaded {v.loaded_on.isoformat()})")
            for v in versions
        ],
        crime_types=offered["crime_type"],
        areas=offered["area"],
        channels=[(value, value.capitalize()) for value in summaries.CHANNELS],
        sources=[
            (value, made.labels.get("source", {}).get(value, value))
            for value in summaries.SUMMARY_SOURCES
        ],
        tables=summaries.tables(made),
    )


@bp.get("/<slug>/summary.<any(csv, xlsx, json, svg, pdf):fmt>")
def summary_download(slug: str, fmt: str):
    """The summary's tables as a zip of CSV files, an XLSX workbook or the JSON contract, its
    charts as a zip of SVG files, or the findings report as a PDF."""
    _found, _wanted, errors, made, _offered = _summary_or_404(slug)
    if errors:
        abort(400)
    mimetype, name = DOWNLOADS[fmt]
    return Response(
        summaries.summary_file(made, fmt),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{slug}-{name}"'},
    )


@bp.get("/<slug>/summary/segments")
def summary_segments(slug: str):
    """The segments behind one count (a theme's, a closed question's or a group's) under the
    same filters, redacted, a page at a time; none when the count is hidden."""
    found, wanted, _errors, _made, _offered = _summary_or_404(slug)
    behind = summaries.segments_behind(wanted, request.args)
    count_args = {
        k: v
        for k, v in request.args.items()
        if k in ("stage", "theme", "question", "option", "by", "group")
    }
    return render_template(
        "research/summary_segments.html",
        found=found,
        behind=behind,
        rows=summaries.segment_views(behind.ids if behind else ()),
        args=wanted.query_args(),
        page_args={**count_args, **wanted.query_args()},
    )


@bp.get("/<slug>/method")
def method_page(slug: str):
    """The method as the records tell it: who took part, codebook, coding, agreement."""
    found = questionnaires.find_questionnaire(slug)
    if found is None:
        abort(404)
    return render_template("research/method.html", m=method.method_of(found), slug=slug)
