"""Admin changes go into the append-only audit trail: who, when, what, old and new value."""

import re

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AuditEvent, User
from tests.conftest import PASSWORD, make_user
from tests.survey_app.staff.test_paper import SLUG, token


def events(app, action):
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()
        return [(e.actor_email, e.field, e.old_value, e.new_value, e.at) for e in rows]


def account_id(app, email):
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def test_account_created_role_changed_deactivated_and_reactivated_are_audited(
    app, client, login_as
):
    _, admin = login_as("admin")
    new = "keyer@example.org"
    page = "/staff/admin/users/new"
    client.post(
        page,
        data={
            "csrf_token": token(client, page),
            "email": new,
            "role": "entry",
            "password": PASSWORD,
        },
    )
    user_id = account_id(app, new)
    edit = f"/staff/admin/users/{user_id}"
    client.post(edit, data={"csrf_token": token(client, edit), "role": "researcher"})
    for value in ("no", "yes"):
        client.post(
            edit, data={"csrf_token": token(client, edit), "action": "active", "active": value}
        )

    who = f"{new} (#{user_id})"
    created = events(app, "user.create")
    assert [(a, f) for a, f, *_ in created][-1] == (admin, who)
    assert '"role": "entry"' in created[-1][3]
    assert [(a, f, o, n) for a, f, o, n, _ in events(app, "user.role")] == [
        (admin, who, "entry", "researcher")
    ]
    assert [(o, n) for _, _, o, n, _ in events(app, "user.active")] == [
        ("true", "false"),
        ("false", "true"),
    ]
    assert all(at is not None for *_, at in events(app, "user.active"))
    trail = client.get("/staff/admin/audit").text
    assert "user.role" in trail and who in trail


def test_an_unchanged_role_writes_nothing(app, client, login_as):
    login_as("admin")
    other_id, _ = make_user(app, "entry")
    edit = f"/staff/admin/users/{other_id}"
    assert (
        client.post(edit, data={"csrf_token": token(client, edit), "role": "entry"}).status_code
        == 302
    )
    assert events(app, "user.role") == []


def test_accounts_made_on_the_command_line_are_audited_without_an_admin(app, runner):
    result = runner.invoke(
        args=["users", "create", "first@example.org", "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    created = events(app, "user.create")
    assert [(a, f.split(" ")[0]) for a, f, *_ in created] == [(None, "first@example.org")]


def test_questionnaire_dates_and_double_entry_changes_are_audited(app, client, synced, login_as):
    _, admin = login_as("admin")
    page = f"/staff/admin/questionnaires/{SLUG}"
    form = {"opens-day": "1", "opens-month": "2", "opens-year": "2027"}
    client.post(page, data={"csrf_token": token(client, page), **form})
    changes = events(app, "questionnaire.dates")
    assert [(a, f, o, n) for a, f, o, n, _ in changes] == [
        (admin, f"{SLUG}.opens_on", None, "2027-02-01")
    ]
    paper_page = f"/staff/paper/{SLUG}/"
    client.post(
        f"/staff/paper/{SLUG}/double-entry",
        data={"csrf_token": token(client, paper_page), "double_entry": "yes"},
    )
    assert [(a, o, n) for a, _, o, n, _ in events(app, "questionnaire.double_entry")] == [
        (admin, "false", "true")
    ]
    assert re.search(r"questionnaire\.dates", client.get("/staff/admin/audit").text)
