"""Staff sign-in and sign-out, and the staff home page."""

from flask import current_app, g, redirect, render_template, request, url_for

from survey_app.auth import end_session, safe_next, start_session
from survey_app.extensions import limiter
from survey_app.ratelimit import account_key, login_client_key
from survey_app.services import users
from survey_app.sign_in import KEPT, KEPT_NOTICE, SignInForm, sign_in_page
from survey_app.staff import bp

SIGN_IN_FAILED = "Enter a correct email address and password"
REASONS = {
    "idle": "You were signed out because you had not done anything for a while. Sign in again.",
    "expired": "You were signed out because a session lasts at most {hours} hours. Sign in again.",
    "signed-out": "You have signed out.",
}


def _failed(response) -> bool:
    """A sign-in POST answered with the sign-in page (wrong details or a blank field) counts as
    failed; signing in answers with a redirect, or with the page offering to save a kept form."""
    return response.status_code == 200 and not g.get("signed_in", False)


def home_for(user) -> str:
    """Where a signed-in account starts."""
    return url_for("research.index" if user.role == "researcher" else "staff.index")


def errors_of(form) -> list[dict]:
    """GOV.UK error summary items: each message links to its field."""
    return [{"text": messages[0], "href": f"#{name}"} for name, messages in form.errors.items()]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURES_PER_ACCOUNT"],
    key_func=account_key,
    methods=["POST"],
    deduct_when=_failed,
    scope="login-account",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURES_PER_CLIENT"],
    key_func=login_client_key,
    methods=["POST"],
    deduct_when=_failed,
    scope="login-client",
)
def login():
    """Sign in; unknown accounts and wrong passwords get the same answer.

    A form that was sent after the session ended comes through as kept fields: after signing
    in, the person is offered to save it where it was going.
    """
    form = SignInForm()
    kept = [
        (name.removeprefix(KEPT), value)
        for name, value in request.form.items(multi=True)
        if name.startswith(KEPT)
    ]
    target = safe_next(request.args.get("next"))
    failed = False
    if form.validate_on_submit():
        user = users.authenticate(form.email.data, form.password.data)
        if user is not None:
            start_session(user)
            g.signed_in = True
            if kept and target:
                home = home_for(user)
                return render_template("staff/resubmit.html", kept=kept, target=target, home=home)
            return redirect(target or home_for(user))
        failed = True
    form_errors = errors_of(form)
    if failed:
        form_errors = [{"text": SIGN_IN_FAILED, "href": "#email"}]
    notice = KEPT_NOTICE if kept else _reason_text(request.args.get("reason", ""))
    return sign_in_page(form, form_errors, notice, kept, failed=failed)


def _reason_text(reason: str) -> str | None:
    text = REASONS.get(reason)
    return text.format(hours=current_app.config["STAFF_SESSION_HOURS"]) if text else None


@bp.post("/logout")
def logout():
    """Sign out; the old session cookie stops working everywhere."""
    # CSRFProtect checks the token app-wide, so another site cannot sign anyone out.
    end_session()
    return redirect(url_for("staff.login", reason="signed-out"))


@bp.get("/")
def index():
    """Staff home: what this role can do."""
    return render_template("staff/index.html")
