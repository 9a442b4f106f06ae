"""Hypothesis against the staff forms: sign-in, the admin's account and questionnaire forms, and
paper keying. No input may cause a server error; refused input is shown again with a message;
what is accepted is stored and shown as typed (emails less the blanks around them)."""

import re
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from survey_app.extensions import db
from survey_app.models import ROLES, QuestionnaireRow, User
from survey_app.services.questionnaires import find_questionnaire
from tests.conftest import PASSWORD, make_user, sign_in
from tests.survey_app.hostile.forms import (
    any_text,
    any_values,
    assert_handled,
    core_text,
    error_messages,
    has_error_summary,
    number_text,
    shown,
)

SLUG = "victims-experience"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def token(client, path: str) -> str:
    return CSRF.search(client.get(path).text).group(1)


def signed_in(app, role: str):
    client = app.test_client()
    _, email = make_user(app, role)
    assert sign_in(client, email).status_code == 302
    return client


# ----- sign-in ------------------------------------------------------------------------------


@pytest.fixture
def visitor(hostile_app):
    client = hostile_app.test_client()
    return client, token(client, "/staff/login")


@given(email=any_text, password=any_text, extra=st.dictionaries(any_text, any_values, max_size=2))
def test_sign_in_with_anything_is_refused_calmly(visitor, email, password, extra):
    client, csrf = visitor
    fields = {**extra, "email": [email], "password": [password], "csrf_token": [csrf]}
    response = client.post("/staff/login", data=fields)
    assert response.status_code == 200
    assert has_error_summary(response.text)
    if email.strip():  # a blank email is reported as missing, and not shown again
        assert shown(response.text, email.split("\n")[0]) or "\n" in email


#: Emails people really have: ASCII, accented and non-Latin local parts and domains.
emails = st.one_of(
    st.emails(),
    st.builds(
        "{}@{}.org".format,
        # No blanks or control characters (tab included): the app refuses those in an address.
        core_text(multiline=False, max_size=30).filter(
            lambda s: (
                "@" not in s and not any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in s)
            )
        ),
        st.text(st.characters(categories=("Ll", "Lu", "Lo")), min_size=1, max_size=20),
    ),
)


@given(email=emails, password=core_text(multiline=False, max_size=128), case=st.booleans())
def test_an_account_signs_in_with_its_email_as_typed(hostile_app, email, password, case):
    assume(len(password) >= 8 and password.lower() != email.lower())
    with hostile_app.app_context():
        db.session.query(User).delete()
        db.session.commit()
    try:
        make_user(hostile_app, "admin", email=email, password=password)
    except Exception as error:  # a common password is refused: not this test's subject
        assume("too common" not in str(error))
        raise
    # In capitals where capitals name the same address: "ı".upper() is "I", which folds to "i".
    same = email.upper().casefold() == email.casefold()
    typed = email.upper() if case and same else email
    client = hostile_app.test_client()
    response = client.post(
        "/staff/login",
        data={"csrf_token": token(client, "/staff/login"), "email": typed, "password": password},
    )
    assert response.status_code == 302, error_messages(response.text)


# ----- admin: accounts ---------------------------------------------------------------------------


@pytest.fixture
def admin(hostile_app):
    return signed_in(hostile_app, "admin")


@given(
    email=any_text,
    role=st.one_of(st.sampled_from(ROLES), any_text),
    password=st.one_of(st.just(PASSWORD), any_text),
)
def test_creating_an_account_with_anything(hostile_app, admin, email, role, password):
    csrf = token(admin, "/staff/admin/users/new")
    fields = {"csrf_token": [csrf], "email": [email], "role": [role], "password": [password]}
    response = admin.post("/staff/admin/users/new", data=fields)
    assert_handled(response, fields, line_fields=["email"])
    if response.status_code == 302:
        with hostile_app.app_context():
            assert db.session.query(User).filter_by(email=email.strip()).one().role == role
        listing = admin.get("/staff/admin/users").text
        assert shown(listing, email.strip())


@given(role=st.one_of(st.sampled_from(ROLES), any_text), action=any_values, active=any_values)
def test_changing_an_account_with_anything(hostile_app, admin, role, action, active):
    user_id, _ = make_user(hostile_app, "entry")
    path = f"/staff/admin/users/{user_id}"
    fields = {"csrf_token": [token(admin, path)], "role": [role], "action": action}
    fields["active"] = active
    response = admin.post(path, data=fields)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert has_error_summary(response.text)


@st.composite
def date_parts(draw):
    """Day, month and year as typed: a real date, blanks, or anything at all."""
    kind = draw(st.sampled_from(["real", "blank", "numbers", "any"]))
    if kind == "real":
        day = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
        return [str(day.day), str(day.month), str(day.year)], day
    if kind == "blank":
        return ["", "", ""], None
    if kind == "numbers":
        return [draw(number_text) for _ in range(3)], "any"
    return [draw(st.one_of(number_text, any_text)) for _ in range(3)], "any"


@given(opens=date_parts(), closes=date_parts())
def test_questionnaire_dates_with_anything(hostile_app, admin, opens, closes):
    path = f"/staff/admin/questionnaires/{SLUG}"
    fields = {"csrf_token": [token(admin, path)]}
    for prefix, (parts, _) in (("opens", opens), ("closes", closes)):
        for part, value in zip(("day", "month", "year"), parts, strict=True):
            fields[f"{prefix}-{part}"] = [value]
    response = admin.post(path, data=fields)
    names = [name for name in fields if name != "csrf_token"]
    assert_handled(response, fields, line_fields=names)
    real = {opens[1], closes[1]} <= {None} | {d for d in (opens[1], closes[1]) if d != "any"}
    in_order = not (opens[1] and closes[1]) or "any" in (opens[1], closes[1])
    if real and in_order and (opens[1] is None or closes[1] is None or opens[1] <= closes[1]):
        assert response.status_code == 302
        with hostile_app.app_context():
            row = db.session.query(QuestionnaireRow).filter_by(slug=SLUG).one()
            assert (row.opens_on, row.closes_on) == (opens[1], closes[1])


# ----- paper keying ----------------------------------------------------------------------------


class Keyer:
    """A keyer with one paper copy open, keyed against the shipped questionnaire."""

    def __init__(self, app):
        admin = signed_in(app, "admin")
        page = f"/staff/paper/{SLUG}/"
        printed = admin.post(
            f"/staff/paper/{SLUG}/print", data={"csrf_token": token(admin, page), "copies": "1"}
        )
        batch = admin.get(printed.headers["Location"]).text
        serial = re.findall(r"<li><a [^>]*>([A-Z]+-\d+-\d)<", batch)[0]
        self.client = signed_in(app, "entry")
        start = self.client.post(
            "/staff/entry/",
            data={"csrf_token": token(self.client, "/staff/entry/"), "serial": serial},
        )
        self.url = start.headers["Location"]
        with app.app_context():
            self.definition = find_questionnaire(SLUG).definition

    def form(self) -> tuple[str, str]:
        """(CSRF token, lock version) of the keying page as it is now."""
        page = self.client.get(self.url).text
        version = re.search(r'name="lock_version" value="([^"]*)"', page).group(1)
        return CSRF.search(page).group(1), version


@pytest.fixture
def keyer(hostile_app):
    return Keyer(hostile_app)


@given(data=st.data())
def test_keying_anything_saves_or_shows_it_again(keyer, data):
    questions = data.draw(st.lists(st.sampled_from(keyer.definition.questions), max_size=6))
    fields: dict[str, list[str]] = {}
    text_fields, line_fields = [], []
    for q in questions:
        names = [*q.field_names(), f"{q.name}-state"]
        name = data.draw(st.sampled_from(names))
        if q.has_choices and name == q.name:
            options = [c.form_value for c in q.choices] + ["state:illegible", "state:multiple"]
            fields[name] = data.draw(st.lists(st.one_of(st.sampled_from(options), any_text)))
        else:
            fields[name] = data.draw(any_values)
            if name == q.name and q.is_free_text:
                text_fields.append(name)
            elif name != f"{q.name}-state" and not name.endswith("prefer-not-to-say"):
                line_fields.append(name)
    csrf, version = keyer.form()
    save = data.draw(st.sampled_from(["with-blanks", "form", "", "other"]))
    fields.update(csrf_token=[csrf], lock_version=[version], save=[save])
    response = keyer.client.post(keyer.url, data=fields)
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        page = response.text
        for name in text_fields + line_fields:
            value = (fields[name] or [""])[0]
            if name in line_fields and "\n" in value:
                continue
            if len(fields[name]) == 1:  # one value per field is shown again as typed
                assert shown(page, value), (name, value)
