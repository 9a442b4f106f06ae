"""Research routes for two coders: the samples, drawing a new one, and each coder's assignment
page; and the rule that keeps coding blind. Registered on the research blueprint (researchers
and admins); the work is done by `services.samples`.

Blind coding is enforced here for the whole blueprint: a person coding a sample that is not
finished reaches only the pages in ``BLIND_PAGES`` (their assignment, the list of samples, the
overview's counts and the codebook's read-only pages). Every other research page, present or
added later, could show someone else's codes or the machine's suggestions, so it answers 403
with an explanation until both coders have finished.
"""

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from survey_app.models.research import SEGMENT_STAGES, SOURCES
from survey_app.research import bp
from survey_app.services import questionnaires, samples
from survey_app.services.samples import Draw, SampleError

BLIND_PAGES = frozenset(
    {
        "research.index",
        "research.samples_list",
        "research.sample_code",
        "research.sample_finish",
        "research.sample_withdraw",
        "research.codebook",
        "research.codebook_history",
        "research.codebook_export",
    }
)


@bp.before_request
def keep_coding_blind():
    """Close the pages that could show others' codes to a person coding a sample blind."""
    if request.endpoint in BLIND_PAGES or not current_user.is_authenticated:
        return None
    if samples.is_blind(current_user.id):
        return render_template("research/blind.html"), 403
    return None


def _int(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


@bp.get("/samples")
def samples_list():
    """Your assignments and every two-coder sample with its progress."""
    me = current_user.id
    rows = samples.all_samples()
    return render_template(
        "research/samples.html",
        mine=[s for s in rows if me in (s.coder_a_id, s.coder_b_id)],
        rows=rows,
        emails={s.id: samples.emails(s) for s in rows},
        finished={s.id for s in rows if samples.is_finished(s)},
        withdrawable={s.id for s in rows if samples.may_withdraw(s, current_user)},
        me=me,
        drawn=next((s for s in rows if s.id == request.args.get("drawn")), None),
        withdrawn=request.args.get("notice") == "withdrawn",
    )


@bp.route("/samples/new", methods=["GET", "POST"])
def samples_new():
    """Draw a sample by filters, size and seed, and assign it to two coders."""
    errors = {}
    values = request.form if request.method == "POST" else {"size": "20"}
    if request.method == "POST":
        form = request.form
        size = _int(form.get("size"))
        seed_text = form.get("seed", "").strip()
        seed = _int(seed_text)
        if size is None:
            errors["size"] = f"Enter a size from 1 to {samples.MAX_SIZE}, as a whole number"
        if seed_text and seed is None:
            errors["seed"] = "Enter a seed as a whole number, or leave it empty"
        if not errors:
            try:
                sample = samples.create(
                    Draw(
                        name=form.get("name", ""),
                        questionnaire=form.get("questionnaire") or None,
                        stage=form.get("stage") or None,
                        source=form.get("source") or None,
                        size=size,
                        seed=seed,
                    ),
                    _int(form.get("coder_a")),
                    _int(form.get("coder_b")),
                    current_user._get_current_object(),
                )
            except SampleError as error:
                errors[error.field] = error.message
            else:
                return redirect(url_for("research.samples_list", drawn=sample.id) + "#samples")
    people = [("", "Choose a person")] + [(str(u.id), u.email) for u in samples.coders()]
    return render_template(
        "research/sample_new.html",
        values=values,
        form_errors=errors,
        questionnaires=[("", "Any questionnaire")]
        + [(q.slug, q.title) for q in questionnaires.all_questionnaires()],
        stages=[("", "Any stage"), *((s, s) for s in SEGMENT_STAGES)],
        sources=[("", "Any source"), *((s, s.replace("_", " ")) for s in SOURCES)],
        people=people,
        max_size=samples.MAX_SIZE,
    )


def _my_sample_or_404():
    sample = samples.assignment(request.args.get("sample", ""), current_user)
    if sample is None:
        abort(404)
    return sample


@bp.route("/samples/code", methods=["GET", "POST"])
def sample_code():
    """Your assignment (?sample=ID): its segments, redacted, with only your own codes. Without a
    sample, the list of samples."""
    if request.method == "GET" and not request.args.get("sample"):
        return samples_list()
    sample = _my_sample_or_404()
    page = _int(request.args.get("page")) or 1
    errors = {}
    if request.method == "POST":
        segment_id = request.form.get("segment", "")
        try:
            samples.save_codes(
                sample,
                current_user._get_current_object(),
                segment_id,
                set(request.form.getlist("theme")),
            )
        except SampleError as error:
            errors["codes"] = error.message
        else:
            return redirect(
                url_for("research.sample_code", sample=sample.id, page=page, saved=segment_id)
                + f"#segment-{segment_id}"
            )
    items, page, pages, coded = samples.items(sample, current_user, page)
    return render_template(
        "research/sample_code.html",
        sample=sample,
        items=items,
        page=page,
        pages=pages,
        coded=coded,
        done=samples.done_at(sample, current_user.id),
        saved=request.args.get("saved"),
        form_errors=errors,
    ), (400 if errors else 200)


@bp.post("/samples/finish")
def sample_finish():
    """You have finished coding your part of the sample; your codes are locked."""
    sample = _my_sample_or_404()
    samples.finish(sample, current_user._get_current_object())
    return redirect(url_for("research.sample_code", sample=sample.id))


@bp.route("/samples/<sample_id>/withdraw", methods=["GET", "POST"])
def sample_withdraw(sample_id: str):
    """Withdraw a sample nobody will finish (an admin or the person who drew it), after a page
    saying what happens; its coders are then no longer blind."""
    sample = samples.find(sample_id)
    if sample is None:
        abort(404)
    errors = {}
    if request.method == "POST":
        try:
            samples.withdraw(sample, current_user._get_current_object())
        except SampleError as error:
            errors[error.field] = error.message
        else:
            return redirect(url_for("research.samples_list", notice="withdrawn"))
    finished = samples.is_finished(sample)
    # A coder still coding blind may not learn how far the other has got.
    coding_blind = not finished and current_user.id in (sample.coder_a_id, sample.coder_b_id)
    return render_template(
        "research/sample_withdraw.html",
        sample=sample,
        emails=samples.emails(sample),
        codes=None if coding_blind else samples.codes_so_far(sample),
        allowed=samples.may_withdraw(sample, current_user),
        finished=finished,
        form_errors=errors,
    ), (409 if errors else 200)
