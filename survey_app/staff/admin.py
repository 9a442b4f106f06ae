"""Admin pages (nested in staff, admins only): staff accounts and questionnaire dates."""

import re
from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from survey_app.auth import require_role
from survey_app.services import questionnaires as questionnaires_service
from survey_app.services import users
from survey_app.staff.forms import (
    ActiveForm,
    CreateUserForm,
    QuestionnaireSettingsForm,
    RoleForm,
    error_for,
    role_items,
)

_DATE_PART = re.compile(r"[0-9]{1,4}")
CLOSES_BEFORE_OPENS = "Closing date must be the same as or after the opening date"

bp = Blueprint("admin", __name__, url_prefix="/admin")
# Access rule: admins only (the staff rule runs first, for the sign-in check).
bp.before_request(require_role("admin"))


def _admin():
    """The signed-in admin, for the audit trail."""
    return current_user._get_current_object()


def _errors(form) -> list[dict]:
    return [{"text": messages[0], "href": f"#{name}"} for name, messages in form.errors.items()]


@bp.get("/users", endpoint="users")
def users_list():
    """Every staff account, with links to change each."""
    accounts = users.all_users()
    # ?created= names the new account by id, never by text from the URL: a crafted link cannot
    # make the banner say anything but an existing account's email.
    wanted = request.args.get("created", "")
    created = next((a for a in accounts if wanted.isdigit() and a.id == int(wanted)), None)
    return render_template("staff/admin/users.html", accounts=accounts, created=created)


@bp.route("/users/new", methods=["GET", "POST"])
def create_user():
    """Create a staff account (the first admin comes from `flask users create`)."""
    form = CreateUserForm()
    problem = None
    if form.validate_on_submit():
        try:
            account = users.create_user(
                form.email.data, form.role.data, form.password.data, _admin()
            )
        except users.AccountError as error:
            problem = str(error)
        else:
            return redirect(url_for("staff.admin.users", created=account.id))
    errors = _errors(form)
    if problem:
        field = "password" if "assword" in problem else "email"
        errors.append({"text": problem, "href": f"#{field}"})
    return render_template(
        "staff/admin/user_new.html",
        form=form,
        form_errors=errors,
        error_for=error_for(errors),
        role_items=role_items(form.role.data),
    )


def _account_or_404(user_id: int):
    account = users.find_user(user_id)
    if account is None:
        abort(404)
    return account


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    """Change an account's role, or deactivate / reactivate it."""
    account = _account_or_404(user_id)
    form = RoleForm(role=account.role)
    active_form = ActiveForm()
    problem = None
    if request.method == "POST":
        if request.form.get("action") == "active" and active_form.validate_on_submit():
            try:
                users.set_active(account, request.form.get("active") == "yes", _admin())
            except users.AccountError as error:
                problem = str(error)
            else:
                return redirect(url_for("staff.admin.users"))
        elif form.validate_on_submit():
            try:
                users.set_role(account, form.role.data, _admin())
            except users.AccountError as error:
                problem = str(error)
            else:
                return redirect(url_for("staff.admin.users"))
    errors = _errors(form)
    if problem:
        errors.append({"text": problem, "href": "#role"})
    return render_template(
        "staff/admin/user_edit.html",
        account=account,
        form=form,
        form_errors=errors,
        error_for=error_for(errors),
        role_items=role_items(form.role.data),
        is_self=account.id == current_user.id,
    )


@bp.get("/questionnaires")
def questionnaires():
    """Every questionnaire with its opening and closing dates."""
    return render_template(
        "staff/admin/questionnaires.html", items=questionnaires_service.all_questionnaires()
    )


def _date_from(prefix: str) -> tuple[date | None, str | None]:
    """Read `<prefix>-day/-month/-year`; all blank means no date."""
    parts = [request.form.get(f"{prefix}-{part}", "").strip() for part in ("day", "month", "year")]
    if not any(parts):
        return None, None
    # ASCII digits, at most 4: str.isdigit() also passes "²" (which int() refuses) and a
    # year of hundreds of digits overflowed date() (both were server errors).
    if not all(_DATE_PART.fullmatch(part) for part in parts):
        return None, "must be a real date, like 27 3 2027, or left blank"
    day, month, year = (int(part) for part in parts)
    try:
        return date(year, month, day), None
    except ValueError:
        return None, "must be a real date, like 27 3 2027, or left blank"


@bp.route("/questionnaires/<slug>", methods=["GET", "POST"])
def questionnaire_settings(slug: str):
    """Set when a questionnaire opens and closes (blank: no limit)."""
    found = questionnaires_service.find_questionnaire(slug)
    if found is None:
        abort(404)
    form = QuestionnaireSettingsForm()
    errors = []
    values = {}
    if form.validate_on_submit():
        opens, opens_problem = _date_from("opens")
        closes, closes_problem = _date_from("closes")
        if opens_problem:
            errors.append({"text": f"Opening date {opens_problem}", "href": "#opens-day"})
        if closes_problem:
            errors.append({"text": f"Closing date {closes_problem}", "href": "#closes-day"})
        if not errors and opens and closes and closes < opens:
            errors.append({"text": CLOSES_BEFORE_OPENS, "href": "#closes-day"})
        if not errors:
            questionnaires_service.set_dates(found.row, opens, closes, _admin())
            return redirect(url_for("staff.admin.questionnaires"))
        values = request.form
    return render_template(
        "staff/admin/questionnaire.html",
        found=found,
        form=form,
        form_errors=errors,
        error_for=error_for(errors),
        values=values,
    )


@bp.get("/audit")
def audit_trail():
    """The audit trail, newest first, in words; filter by serial, action, person and dates."""
    from survey_app.services import audit

    args = request.args
    serial = args.get("serial", "").strip()[:40] or None
    action = args.get("action", "").strip()[:40] or None
    person = args.get("person", "").strip()[:320] or None
    errors, dates = [], {}
    for name, label in (("since", "From"), ("until", "To")):
        text = args.get(name, "").strip()
        try:
            dates[name] = date.fromisoformat(text) if text else None
        except ValueError:
            dates[name] = None
            errors.append({"text": f"{label}: enter a date like 2027-03-27", "href": f"#{name}"})
    actions, people = audit.actions_and_people()
    found = audit.events(serial, action=action, actor=person, **dates)
    return render_template(
        "staff/admin/audit.html",
        rows=audit.readable(found),
        serial=serial,
        since=args.get("since", ""),
        until=args.get("until", ""),
        action_items=[
            {"value": "", "text": "Everything"},
            *(
                {"value": a, "text": audit.ACTION_LABELS.get(a, a), "selected": a == action}
                for a in actions
            ),
        ],
        person_items=[
            {"value": "", "text": "Everyone"},
            *({"value": p, "text": p, "selected": p == person} for p in people),
        ],
        form_errors=errors,
        error_for=error_for(errors),
    )
