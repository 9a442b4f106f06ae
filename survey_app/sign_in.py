"""The sign-in page and the form it carries: shared by the staff sign-in view and the access
rules (survey_app.auth), which answer a form sent after its session ended with this page. Its own
module so that neither imports the other."""

from flask import g, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

KEPT_NOTICE = (
    "You were signed out before this was saved. Sign in again: what you entered is kept on this "
    "page and you can save it next."
)
# Fields of a form sent after the session ended travel through sign-in under this prefix.
KEPT = "kept:"


class SignInForm(FlaskForm):
    """Email and password."""

    email = StringField(validators=[DataRequired("Enter your email address"), Length(max=320)])
    password = PasswordField(validators=[DataRequired("Enter your password")])


def sign_in_to_keep_form():
    """The sign-in page in answer to a form sent after the session ended, carrying its fields
    (None if it had none beyond the CSRF token).

    Only a request that passed the CSRF check is kept (Flask-WTF marks it in g.csrf_valid):
    its fields came from one of our pages in this browser. A request that failed the check
    reaches the access rules too (errors.staff_csrf_failure runs them), and is never kept. The
    fields are written back into the page, not stored anywhere. Passwords are left out: the
    form asks for them again.
    """
    if not g.get("csrf_valid", False):
        return None
    kept = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name != "csrf_token" and "password" not in name  # never written into a page
    ]
    if not kept:
        return None
    action = url_for("staff.login", next=request.path)
    return sign_in_page(SignInForm(formdata=None), [], KEPT_NOTICE, kept, action=action)


def sign_in_page(form, form_errors, notice, kept, failed=False, action=None):
    """The sign-in page: the form, its errors, a notice and any kept fields of a form sent
    after the session ended (as hidden inputs)."""
    return render_template(
        "staff/login.html",
        form=form,
        failed=failed,
        form_errors=form_errors,
        notice=notice,
        kept=kept,
        action=action,
    )
