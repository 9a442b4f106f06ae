"""Research routes for the agreement between two coders: Cohen's kappa per theme, Krippendorff's
alpha, the disagreements side by side to settle, and a coder against a machine coder. Shown once
both coders have finished (until then the codes are blind). Registered on the research
blueprint; the statistics come from `analysis.agreement` through `services.samples`."""

import math

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from survey_app.research import bp
from survey_app.research.sample_views import samples_list
from survey_app.services import samples
from survey_app.services.samples import SampleError


def _sample_or_404():
    sample = samples.find(request.args.get("sample", ""))
    if sample is None:
        abort(404)
    return sample


def figure(value: float) -> str:
    """A statistic for people: two decimals, or "not defined" (kappa when a coder never or
    always used a theme)."""
    return "not defined" if value is None or math.isnan(value) else f"{value:.2f}"


def percent(value: float) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.0%}"


def _page(sample, errors=None, status=200):
    a_email, b_email = samples.emails(sample)
    finished = samples.is_finished(sample)
    context = {
        "sample": sample,
        "a_email": a_email,
        "b_email": b_email,
        "finished": finished,
        "figure": figure,
        "percent": percent,
        "form_errors": errors or {},
    }
    if finished:
        report = samples.agreement(sample)
        machines = samples.machine_coders(sample)
        which = request.args.get("coder", "a")
        machine = request.args.get("machine", "")
        compared = None
        if machine in machines and which in ("a", "b"):
            compared = samples.against_machine(sample, which, machine)
        context.update(
            report=report,
            sides=samples.sides(sample, report),
            machines=machines,
            which=which,
            machine=machine,
            compared=compared,
        )
    return render_template("research/agreement.html", **context), status


@bp.get("/samples/agreement")
def agreement():
    """The agreement page of a sample (?sample=ID); without one, the list of samples."""
    if not request.args.get("sample"):
        return samples_list()
    return _page(_sample_or_404())


@bp.post("/samples/settle")
def settle():
    """Settle one disagreement: the theme applies to the segment, or it does not."""
    sample = _sample_or_404()
    decision = request.form.get("decision")
    segment_id = request.form.get("segment", "")
    theme = request.form.get("theme", "")
    if decision not in ("present", "absent"):
        return _page(sample, {"disagreements": "Select whether the theme applies"}, 400)
    try:
        samples.settle(
            sample, segment_id, theme, decision == "present", current_user._get_current_object()
        )
    except SampleError as error:
        return _page(sample, {"disagreements": error.message}, 400)
    return redirect(url_for("research.agreement", sample=sample.id) + f"#d-{segment_id}-{theme}")
