"""Admin pages: staff accounts and questionnaire dates, driven through the real forms."""

import re
from datetime import date

from survey_app.extensions import db
from survey_app.models import QuestionnaireRow, User
from tests.conftest import make_user, sign_in

SLUG = "victims-experience"


def token(client, path):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def test_no_account_exists_until_one_is_created(app, runner):
    with app.app_context():
        assert db.session.query(User).count() == 0
    result = runner.invoke(
        args=["users", "create", "first@example.org", "--role", "admin", "--password-stdin"],
        input="a long and unusual passphrase\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.query(User).one().role == "admin"


def test_admin_creates_an_account_that_can_sign_in(app, client, login_as):
    login_as("admin")
    data = {
        "csrf_token": token(client, "/staff/admin/users/new"),
        "email": "new.keyer@example.org",
        "role": "entry",
        "password": "purple elephants dance",
    }
    response = client.post("/staff/admin/users/new", data=data)
    assert response.status_code == 302
    assert "Account created for new.keyer@example.org" in client.get(response.location).text
    # The banner names an account by id: a crafted link cannot make it say something else.
    for crafted in ("Call 0800 000 000 to confirm", "99999", "-1"):
        page = client.get("/staff/admin/users", query_string={"created": crafted}).text
        assert "Account created" not in page and "0800" not in page
    other = app.test_client()
    assert sign_in(other, "new.keyer@example.org", "purple elephants dance").status_code == 302


def test_an_account_with_an_email_of_the_longest_length_is_created_and_audited(
    app, client, login_as
):
    """320 characters, the most an address may have: PostgreSQL refused its audit event (the
    audit trail's `field` held 100 characters until migration 0009)."""
    from survey_app.models import AuditEvent

    login_as("admin")
    email = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".example.org"
    email = email[:320]
    assert len(email) == 320
    data = {
        "csrf_token": token(client, "/staff/admin/users/new"),
        "email": email,
        "role": "researcher",
        "password": "purple elephants dance",
    }
    response = client.post("/staff/admin/users/new", data=data)
    assert response.status_code == 302, response.text
    with app.app_context():
        user = db.session.query(User).filter_by(email=email).one()
        fields = db.session.query(AuditEvent.field).filter_by(action="user.create").all()
        assert (f"{email} (#{user.id})",) in fields


def test_creating_an_account_with_a_common_password_shows_an_error(app, client, login_as):
    login_as("admin")
    data = {
        "csrf_token": token(client, "/staff/admin/users/new"),
        "email": "someone@example.org",
        "role": "entry",
        "password": "password123",
    }
    response = client.post("/staff/admin/users/new", data=data)
    assert response.status_code == 200
    assert "Password is too common" in response.text
    assert response.text.count('href="#password"') == 1


def test_admin_changes_a_role_and_deactivation_ends_the_session(app, client, login_as):
    login_as("admin")
    user_id, email = make_user(app, "entry")
    keyer = app.test_client()
    sign_in(keyer, email)
    assert keyer.get("/staff/").status_code == 200
    page = f"/staff/admin/users/{user_id}"
    client.post(
        page, data={"csrf_token": token(client, page), "action": "role", "role": "researcher"}
    )
    assert keyer.get("/staff/").status_code == 403
    client.post(page, data={"csrf_token": token(client, page), "action": "active", "active": "no"})
    assert keyer.get("/research/").status_code == 302
    assert sign_in(keyer, email).status_code == 200


def test_the_last_admin_cannot_remove_their_own_admin_role(app, client, login_as):
    user_id, _ = login_as("admin")
    page = f"/staff/admin/users/{user_id}"
    response = client.post(
        page, data={"csrf_token": token(client, page), "action": "role", "role": "entry"}
    )
    assert "There must be at least one active admin" in response.text


def test_admin_sets_opening_and_closing_dates(app, client, synced, login_as):
    login_as("admin")
    page = f"/staff/admin/questionnaires/{SLUG}"
    data = {
        "csrf_token": token(client, page),
        "opens-day": "1",
        "opens-month": "1",
        "opens-year": "2020",
        "closes-day": "2",
        "closes-month": "1",
        "closes-year": "2020",
    }
    assert client.post(page, data=data).status_code == 302
    with app.app_context():
        row = db.session.query(QuestionnaireRow).filter_by(slug=SLUG).one()
        assert (row.opens_on, row.closes_on) == (date(2020, 1, 1), date(2020, 1, 2))
    # Closed: respondents no longer see it.
    assert f"/s/{SLUG}/" not in client.get("/").text


def test_impossible_or_reversed_dates_are_refused(app, client, synced, login_as):
    login_as("admin")
    page = f"/staff/admin/questionnaires/{SLUG}"
    data = {"csrf_token": token(client, page), "opens-day": "31", "opens-month": "2"}
    data["opens-year"] = "2027"
    response = client.post(page, data=data)
    assert "Opening date must be a real date" in response.text
    data.update({"opens-day": "5", "closes-day": "4", "closes-month": "2", "closes-year": "2027"})
    response = client.post(page, data=data)
    assert "Closing date must be the same as or after the opening date" in response.text
