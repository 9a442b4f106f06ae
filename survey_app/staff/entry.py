"""Keying paper copies: serial first, then the whole questionnaire on one page; reconciliation."""

from datetime import UTC, datetime

from flask import abort, g, redirect, render_template, request, url_for
from flask_login import current_user

from survey_app.questionnaire import Answer
from survey_app.services import paper
from survey_app.services.questionnaires import definition_of
from survey_app.staff import bp
from survey_app.staff.keying import focus_first, keying_fields

CONFLICT = (
    "Someone else saved this form while you were working on it. Nothing has been lost: "
    "your answers are shown below. Check them and save again."
)
SESSION_CHANGED = (
    "Your session changed since you opened this form (you signed in again, perhaps in "
    "another tab), so nothing was saved. What you typed is shown below: check it and save again."
)
#: The Save button's name and values. Only a press of that button sends them: Enter in a field
#: presses a disabled or a no-op button instead (templates/staff/entry/_enter.html), and a post
#: without them saves nothing.
SAVE = "save"
SAVE_FORM = "form"
SAVE_WITH_BLANKS = "with-blanks"
NOT_SAVED = (
    "Nothing was saved: Enter does not save, only the save button at the end of the form "
    "does. What you keyed is shown below."
)
OUTCOMES = {
    "waiting": "Saved. It now needs keying by a second person.",
    "final": "Saved. The form is final.",
    "discrepancies": "Saved. The two keyings differ: the form needs reconciling from the paper.",
}


def today():
    return datetime.now(UTC).date()


def _user():
    return current_user._get_current_object()


@bp.route("/entry/", methods=["GET", "POST"])
def entry_start():
    """Enter a serial number; saving a form comes back here for the next one."""
    error = None
    serial = ""
    if request.method == "POST":
        serial = request.form.get("serial", "")[:40]
        try:
            copy = paper.copy_for_keying(serial, _user())
        except paper.KeyingProblem as problem:
            error = str(problem)
        else:
            return redirect(url_for("staff.entry_form", serial=copy.serial))
    return _start_page(serial, error)


def _start_page(serial: str, error: str | None):
    saved = paper.find_copy(request.args.get("saved", ""))
    entry = paper.own_entry(saved, _user()) if saved else None
    return render_template(
        "staff/entry/start.html",
        serial=serial,
        error=error,
        flags=list(entry.flags.values()) if entry else [],
        outcome_name=request.args.get("outcome", ""),
        form_errors=[{"text": error, "href": "#serial"}] if error else [],
        serial_examples=paper.serial_examples(),
        saved=saved,
        outcome=OUTCOMES.get(request.args.get("outcome", "")),
    )


@bp.route("/entry/<serial>", methods=["GET", "POST"])
def entry_form(serial: str):
    """The whole questionnaire on one page, in the paper's order; conditions hide nothing."""
    copy = paper.find_copy(serial)
    if copy is None:
        abort(404)
    user = _user()
    entry = paper.own_entry(copy, user)
    if entry is None:
        try:
            paper.copy_for_keying(copy.serial, user)
        except paper.KeyingProblem as problem:
            return _start_page(copy.serial, str(problem))
    definition = definition_of(copy.version)
    numbers = paper.question_numbers(definition)
    notice = blanks = None
    errors = {}
    lock_version = None
    if request.method == "POST":
        answers, errors = paper.parse_keyed(definition, request.form)
        values = {key: request.form.getlist(key) for key in request.form}
        if g.get("csrf_failed"):
            # Shown again, not saved: the version typed against stays, so locking still works.
            notice, lock_version = SESSION_CHANGED, request.form.get("lock_version", "")
        elif request.form.get(SAVE) not in (SAVE_FORM, SAVE_WITH_BLANKS):
            notice, lock_version = NOT_SAVED, request.form.get("lock_version", "")
        elif not errors:
            expected = request.form.get("lock_version", "")
            found = paper.blanks(definition, answers)
            if request.form.get(SAVE) == SAVE_FORM and found.most:
                # Most of the form blank: ask before saving (a keying stopped halfway looks so).
                blanks, lock_version = found, expected
            else:
                try:
                    result = paper.save_entry(
                        copy,
                        user,
                        definition,
                        answers,
                        int(expected) if expected.isdigit() else None,
                        today(),
                    )
                except paper.Conflict:
                    notice = CONFLICT
                    entry = paper.own_entry(paper.find_copy(serial), user)
                except paper.KeyingProblem as problem:
                    notice = str(problem)
                else:
                    return redirect(
                        url_for("staff.entry_start", saved=copy.serial, outcome=result.outcome)
                    )
    else:
        values = paper.form_values(definition, paper.answers_of(entry)) if entry else {}
    flags = entry.flags if entry else {}
    fields = keying_fields(definition, numbers, values, {k: e.message for k, e in errors.items()})
    if not errors and notice is None and blanks is None:
        fields = focus_first(fields)  # otherwise the error summary or the notice comes first
    return render_template(
        "staff/entry/form.html",
        copy=copy,
        definition=definition,
        fields=fields,
        form_errors=numbered_errors(errors, numbers),
        lock_version=_shown_version(entry) if lock_version is None else lock_version,
        notice=notice,
        blanks=blanks,
        flags=flags,
    )


def numbered_errors(errors: dict, numbers: dict[str, int]) -> list[dict]:
    """Error summary items that start with the paper question number ("Question 8: ...")."""
    return [
        {"text": f"Question {numbers[name]}: {error.message}", "href": f"#{error.field_id}"}
        for name, error in errors.items()
    ]


def _shown_version(entry) -> int | str:
    return entry.lock_version if entry else ""


@bp.route("/reconcile/<serial>", methods=["GET", "POST"])
def reconcile(serial: str):
    """Settle each difference between two keyings from the paper."""
    copy = paper.find_copy(serial)
    if copy is None or len(copy.entries) < 2:
        abort(404)
    if copy.response_id is not None:
        return redirect(
            url_for(
                "staff.paper_questionnaire",
                slug=copy.batch.questionnaire.slug,
                reconciled=copy.serial,
            )
        )
    differences = paper.discrepancies_of(copy)
    definition = definition_of(copy.version)
    errors, notice = {}, None
    values = {key: request.form.getlist(key) for key in request.form}
    if g.get("csrf_failed"):
        notice = SESSION_CHANGED
    elif request.method == "POST":
        settled, errors = paper.settle(differences, request.form)
        if request.form.get(SAVE) != "reconciliation":
            notice = NOT_SAVED
        elif not errors:
            expected = request.form.get("lock_version", "")
            try:
                paper.reconcile(
                    copy, _user(), settled, int(expected) if expected.isdigit() else -1, today()
                )
            except paper.Conflict:
                notice = CONFLICT
            else:
                return redirect(
                    url_for(
                        "staff.paper_questionnaire",
                        slug=copy.batch.questionnaire.slug,
                        reconciled=copy.serial,
                    )
                )
    numbers = paper.question_numbers(definition)
    widgets = {
        item.question.name: field
        for item in differences
        for field in keying_fields(definition, numbers, values, errors)
        if field[0].name == item.question.name
    }
    return render_template(
        "staff/entry/reconcile.html",
        copy=copy,
        differences=differences,
        widgets=widgets,
        errors=errors,
        form_errors=[
            {"text": message, "href": f"#settle-{name}"} for name, message in errors.items()
        ],
        values=values,
        notice=notice,
        display=lambda question, answer: question.display(answer) if answer else "",
        flags=paper.flags_of(copy),
        own_keying=paper.keyed_by(copy, _user()),
        Answer=Answer,
    )
