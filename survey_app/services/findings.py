"""The findings report: the published summary as a PDF for a commissioner (who answered, the
journey, each stage's themes with their charts, definitions and quotes, the closed questions).

Only what the summary shows goes in: every number is one of its cells (hidden ones read "fewer
than N" or "withheld"), the quotes are its own (redacted, from shown counts), the charts are
`analysis.charts`'s. WeasyPrint renders it with a fetcher that refuses every URL: styles and
charts are inline, fonts are system fonts."""

from __future__ import annotations

import datetime
from pathlib import Path

from markupsafe import Markup

from analysis.charts import journey_chart, stage_chart
from analysis.summary import Summary

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "research" / "report"


def filter_words(summary: Summary) -> str:
    """The filters that made ``summary``, in words ("" for none)."""
    wanted = summary.filters
    labels = summary.labels
    words = []
    if wanted.version is not None:
        words.append("one version of the questionnaire")
    if wanted.date_from is not None:
        words.append(f"answers from {wanted.date_from.isoformat()}")
    if wanted.date_to is not None:
        words.append(f"answers up to {wanted.date_to.isoformat()}")
    for name, said in (("crime_type", "crime type"), ("area", "area"), ("channel", "channel")):
        value = getattr(wanted, name)
        if value is not None:
            words.append(f"{said}: {labels.get(name, {}).get(value, value.replace('_', ' '))}")
    if wanted.source is not None:
        words.append(f"source: {labels.get('source', {}).get(wanted.source, wanted.source)}")
    return "; ".join(words)


def findings_pdf(summary: Summary) -> bytes:
    """The PDF of ``summary``."""
    from weasyprint import HTML

    from survey_app.paper.render import document_environment, local_only_fetcher
    from survey_app.services.questionnaires import find_questionnaire

    found = find_questionnaire(summary.questionnaire)
    title = found.row.title if found is not None else summary.questionnaire

    # analysis.charts escapes every text it writes, so its SVG is markup to put in as it is.
    charts = {f"stage-{key}": stage_chart(summary, key) for key in summary.stages}
    charts |= {f"journey-{row.group}": journey_chart(summary, row) for row in summary.journey}
    charts = {name: Markup(svg) for name, svg in charts.items()}  # noqa: S704 (escaped above)
    html = (
        document_environment(TEMPLATES)
        .get_template("findings.html")
        .render(
            made=summary,
            title=title,
            filters=filter_words(summary),
            charts=charts,
            made_on=datetime.datetime.now(datetime.UTC).date().isoformat(),
        )
    )
    return HTML(string=html, url_fetcher=local_only_fetcher()).write_pdf()
