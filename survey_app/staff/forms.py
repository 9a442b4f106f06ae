"""Staff forms (Flask-WTF for CSRF and parsing; GOV.UK macros draw them in the templates)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from survey_app.models import ROLES

ROLE_LABELS = {
    "admin": "Admin: manages accounts, questionnaires and services",
    "entry": "Data entry: keys in paper questionnaires",
    "researcher": "Researcher: analysis and exports",
}


class CreateUserForm(FlaskForm):
    """A new staff account."""

    email = StringField(validators=[DataRequired("Enter an email address"), Length(max=320)])
    role = StringField(validators=[AnyOf(ROLES, "Select a role")])
    password = PasswordField(validators=[DataRequired("Enter a password")])


class RoleForm(FlaskForm):
    """Change an account's role."""

    role = StringField(validators=[AnyOf(ROLES, "Select a role")])


class ActiveForm(FlaskForm):
    """Deactivate or reactivate an account (a button)."""

    active = HiddenField()


class QuestionnaireSettingsForm(FlaskForm):
    """Opening and closing dates (read as day, month and year inputs by the view)."""

    double_entry = BooleanField()


def role_items(selected: str | None) -> list[dict]:
    """GOV.UK radio items for the roles."""
    return [
        {"value": role, "text": ROLE_LABELS[role], "checked": role == selected} for role in ROLES
    ]


def error_for(form_errors: list[dict]) -> dict[str, str]:
    """Field id -> message, from error summary items."""
    return {item["href"].lstrip("#"): item["text"] for item in form_errors}
