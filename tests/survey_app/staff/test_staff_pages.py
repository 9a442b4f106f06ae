"""Staff pages: a plain footer, and a staff page (keeping typed keying) when a session changed."""

import re

from survey_app.extensions import db
from survey_app.models import PaperEntry
from tests.conftest import sign_in
from tests.survey_app.staff.test_paper import (
    SAVE,
    first_choice_question,
    print_copies,
    signed_in,
    token,
)

RESPONDENT_LINKS = ("How we keep you anonymous", "/support", "/privacy")


def test_staff_and_research_pages_have_no_respondent_footer_links(app, client, login_as):
    assert all(link in client.get("/").text for link in RESPONDENT_LINKS[:1])
    login = client.get("/staff/login").text
    assert not any(link in login for link in RESPONDENT_LINKS)
    login_as("researcher")
    for url in ("/research/", "/staff/"):  # the second is the 403 page, on a staff URL
        page = client.get(url)
        assert not any(link in page.text for link in RESPONDENT_LINKS), url
        assert "staff and research pages" in page.text
    assert "call 999" in client.get("/").text


def open_keying_form(app):
    admin = signed_in(app, "admin")
    keyer = signed_in(app, "entry")
    serial = print_copies(app, admin, count=1, double=False)[0]
    start = keyer.post(
        "/staff/entry/", data={"csrf_token": token(keyer, "/staff/entry/"), "serial": serial}
    )
    url = start.headers["Location"]
    form = keyer.get(url).text
    old_token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    version = re.search(r'name="lock_version" value="([^"]*)"', form).group(1)
    return keyer, url, old_token, version


def test_keying_after_signing_in_again_elsewhere_shows_typed_answers_unsaved(app, synced):
    keyer, url, old_token, version = open_keying_form(app)
    name, codes = first_choice_question(app)
    # Signing in again (say, in another tab) starts a new session with a new token.
    with app.app_context():
        from survey_app.models import User

        email = db.session.query(User).filter_by(role="entry").one().email
    assert sign_in(keyer, email).status_code == 302
    typed = {"csrf_token": old_token, "lock_version": version, name: codes[1], **SAVE}
    # Browsers name the sending page's origin (staff pages send Referrer-Policy: same-origin).
    shown = keyer.post(url, data=typed, headers={"Origin": "http://localhost"})
    assert shown.status_code == 200
    assert "nothing was saved" in shown.text
    assert re.search(rf'value="{codes[1]}"\s+checked', shown.text)
    with app.app_context():
        assert db.session.query(PaperEntry).count() == 0
    new_token = re.search(r'name="csrf_token" value="([^"]+)"', shown.text).group(1)
    saved = keyer.post(url, data={**typed, "csrf_token": new_token})
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.query(PaperEntry).count() == 1


def test_typed_answers_without_a_valid_token_are_not_echoed_unless_sent_from_our_page(app, synced):
    """A form another page planted (no Origin of ours) is never shown ready to save."""
    keyer, url, _, version = open_keying_form(app)
    name, codes = first_choice_question(app)
    planted = {"lock_version": version, name: codes[1], **SAVE}
    for headers in ({}, {"Origin": "null"}):
        shown = keyer.post(url, data=planted, headers=headers)
        assert shown.status_code in (400, 403)
        assert not re.search(rf'value="{codes[1]}"\s+checked', shown.text)
        assert "nothing was saved" not in shown.text
    with app.app_context():
        assert db.session.query(PaperEntry).count() == 0


def test_signed_out_staff_get_a_staff_session_page_not_the_respondents(app, synced):
    keyer, url, old_token, _ = open_keying_form(app)
    keyer.post("/staff/logout", data={"csrf_token": token(keyer, "/staff/entry/")})
    page = keyer.post(url, data={"csrf_token": old_token})
    assert page.status_code == 400
    assert "Your session has expired" in page.text
    assert f'href="/staff/login?next={url}"' in page.text
    assert "continue with your code" not in page.text
    assert not any(link in page.text for link in RESPONDENT_LINKS)


def test_other_staff_forms_offer_to_try_again_when_signed_in(app, synced):
    admin = signed_in(app, "admin")
    response = admin.post(
        "/staff/paper/victims-experience/returns", data={"csrf_token": "stale", "returned": "3"}
    )
    assert response.status_code == 400
    assert "Go back to the page and try again" in response.text
    assert 'href="/staff/"' in response.text


def test_wrong_role_still_gets_403_when_its_token_is_stale(app, synced):
    researcher = signed_in(app, "researcher")
    response = researcher.post("/staff/entry/x", data={"csrf_token": "stale"})
    assert response.status_code == 403
