"""Correcting final paper records (admins): the serial, then the keying form with the record's
answers and a reason. The logic is in survey_app.services.corrections."""

from flask import abort, g, redirect, render_template, request, url_for
from flask_login import current_user

from survey_app.services import corrections, paper
from survey_app.services.questionnaires import definition_of
from survey_app.staff.admin import bp
from survey_app.staff.entry import CONFLICT, NOT_SAVED, SAVE, SESSION_CHANGED, numbered_errors
from survey_app.staff.keying import focus_first, keying_fields

NOTHING_CHANGED = (
    "Nothing was saved: these answers are the same as the record's. Change the answers that "
    "were keyed wrongly, then save."
)
CHANGED_SINCE_SUMMARY = (
    "Nothing was saved: the answers changed after the summary was shown. Check the new summary "
    "of the changes at the end of the form, then save."
)


@bp.route("/records/", methods=["GET", "POST"], endpoint="correct_start")
def correct_start():
    """Enter the serial of the final record to correct."""
    serial, error = "", None
    if request.method == "POST":
        serial = request.form.get("serial", "")[:40]
        try:
            copy = corrections.final_copy(serial)
        except paper.KeyingProblem as problem:
            error = str(problem)
        else:
            return redirect(url_for("staff.admin.correct_record", serial=copy.serial))
    return _start_page(serial, error)


def _start_page(serial: str, error: str | None):
    changed = request.args.get("changed", "")
    return render_template(
        "staff/records/start.html",
        serial=serial,
        error=error,
        form_errors=[{"text": error, "href": "#serial"}] if error else [],
        serial_examples=paper.serial_examples(),
        corrected=paper.find_copy(request.args.get("corrected", "")),
        changed=int(changed) if changed.isdigit() else 0,
    )


@bp.route("/records/<serial>", methods=["GET", "POST"], endpoint="correct_record")
def correct_record(serial: str):
    """The keying form holding the final record's answers, and the reason for the change."""
    copy = paper.find_copy(serial)
    if copy is None:
        abort(404)
    if copy.response_id is None:
        return _start_page(copy.serial, f"{copy.serial} is not final yet: key or reconcile it")
    definition = definition_of(copy.version)
    errors, notice, reason, reason_error, summary = {}, None, "", None, None
    lock_version = copy.lock_version
    if request.method == "POST":
        answers, errors = paper.parse_keyed(definition, request.form)
        values = {key: request.form.getlist(key) for key in request.form}
        reason = request.form.get("reason", "").strip()
        expected = request.form.get("lock_version", "")
        reason_error = corrections.reason_problem(reason)
        action = request.form.get(SAVE, "")
        lock_version = expected  # shown again: the version typed against stays
        if g.get("csrf_failed"):
            notice = SESSION_CHANGED
        elif action != "correction" and not action.startswith(corrections.CONFIRM):
            notice = NOT_SAVED
        elif not errors and not reason_error:
            try:
                outcome = corrections.submit(
                    copy,
                    current_user._get_current_object(),
                    definition,
                    answers,
                    reason,
                    int(expected) if expected.isdigit() else None,
                    action,
                )
            except corrections.NothingChanged:
                notice = NOTHING_CHANGED
            except paper.Conflict:
                notice = CONFLICT  # the new version: saving again applies what is shown
                lock_version = paper.find_copy(serial).lock_version
            else:
                if outcome.changed is not None:
                    return redirect(
                        url_for(
                            "staff.admin.correct_start",
                            corrected=copy.serial,
                            changed=len(outcome.changed),
                        )
                    )
                summary = outcome.summary
                if outcome.changed_since_summary:
                    notice = CHANGED_SINCE_SUMMARY
        current = answers
    else:
        current = corrections.final_answers(copy)
        values = paper.form_values(definition, current)
    numbers = paper.question_numbers(definition)
    fields = keying_fields(definition, numbers, values, {k: e.message for k, e in errors.items()})
    form_errors = numbered_errors(errors, numbers)
    if reason_error:
        form_errors.append({"text": reason_error, "href": "#reason"})
    if not form_errors and notice is None and not summary:
        fields = focus_first(fields)
    return render_template(
        "staff/entry/form.html",
        copy=copy,
        definition=definition,
        fields=fields,
        form_errors=form_errors,
        lock_version=lock_version,
        notice=notice,
        flags=paper.routing_flags(definition, current),
        correcting={
            "reason": reason,
            "error": reason_error,
            "summary": summary,
            "confirm": corrections.confirmation(summary) if summary else None,
        },
    )
