"""Drive the staff and research pages in a browser, calling `visit(label, page)` on every page and
every error state: sign-in, accounts, questionnaire dates, paper batches and returns, keying
twice with a difference, reconciliation, the audit trail, research and the 403 page.

Accounts are made with the users service (as `flask users create` does), except the second
keyer, whom the admin creates through the form; everyone signs in through the real form."""

import secrets
from collections.abc import Callable
from datetime import date

from survey_app.paper.serials import make_serial
from survey_app.services import paper, users
from survey_app.services.questionnaires import find_questionnaire
from tests.conftest import PASSWORD, make_user
from tests.survey_app.browser.journey import definition_of, fill_fields
from tests.survey_app.walker import SLUG

Visit = Callable[[str, object], None]


def click(page, role: str, name: str) -> None:
    """Click a button or link by its accessible name and wait for the next page."""
    with page.expect_navigation():
        page.get_by_role(role, name=name, exact=True).click()


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real form (the page may be anywhere)."""
    page.goto("/staff/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    click(page, "button", "Sign in")


def sign_out(page) -> None:
    click(page, "button", "Sign out")


def error_summary(page) -> str:
    summary = page.locator(".govuk-error-summary")
    assert summary.count() == 1, f"no error summary on {page.url}"
    return summary.inner_text()


def save_with_blanks(page) -> None:
    """Confirm that the questions left blank are blank on the paper too."""
    with page.expect_navigation():
        page.get_by_role("button", name="questions blank").click()


def printed_copy(app, user_id: int, slug: str = SLUG) -> str:
    """Require double entry and print one copy through the services; returns its serial."""
    with app.app_context():
        user = users.find_user(user_id)
        row = find_questionnaire(slug).row
        paper.set_double_entry(row, True, user)
        return paper.print_batch(row, 1, user, date.today()).copies[0].serial


def walk_staff_pages(page, app, visit: Visit) -> dict:
    """Every staff and research page and error state, as an admin, a keyer and a researcher.

    Returns facts to assert on: the error messages seen and the serial keyed twice."""
    facts: dict = {"errors": {}}
    definition = definition_of(app)
    _, admin = make_user(app, "admin")
    _, researcher = make_user(app, "researcher")

    def error_state(label: str) -> None:
        facts["errors"][label] = error_summary(page)
        visit(label, page)

    page.goto("/staff/login")
    visit("sign in", page)
    sign_in(page, admin, "not the password")
    error_state("sign in with an error")
    sign_in(page, admin)
    assert page.url.endswith("/staff/"), page.url
    visit("staff home", page)

    # Accounts: the list, creating one (blank first: errors), the notice, changing one.
    page.goto("/staff/admin/users")
    visit("accounts", page)
    click(page, "button", "Create an account")
    visit("create account", page)
    click(page, "button", "Create account")
    error_state("create account with an error")
    keyer = f"keyer-{secrets.token_hex(3)}@example.org"
    page.get_by_label("Email address").fill(keyer)
    page.get_by_label("Data entry: keys in paper questionnaires").check()
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    click(page, "button", "Create account")
    assert page.locator(".govuk-notification-banner").count() == 1
    visit("accounts with a notice", page)
    click(page, "link", f"Change {keyer}")
    visit("change account", page)

    # Questionnaire dates, and an impossible date.
    page.goto("/staff/admin/questionnaires")
    visit("questionnaires", page)
    click(page, "link", f"Change {definition.title}")
    visit("questionnaire dates", page)
    fill_fields(page, {"opens-day": "31", "opens-month": "2", "opens-year": "2027"})
    click(page, "button", "Save dates")
    error_state("questionnaire dates with an error")

    # Paper: the index, the dashboard, printing and returns with errors, a batch.
    page.goto("/staff/paper/")
    visit("paper questionnaires", page)
    click(page, "link", definition.title)
    visit("paper questionnaire", page)
    if page.get_by_role("button", name="Require double entry").count():
        click(page, "button", "Require double entry")
    fill_fields(page, {"copies": "0"})
    click(page, "button", "Record batch")
    error_state("paper questionnaire with a print error")
    fill_fields(page, {"received-day": "31", "received-month": "2", "returned": "many"})
    click(page, "button", "Log returns")
    error_state("paper questionnaire with a returns error")
    fill_fields(page, {"copies": "2"})
    click(page, "button", "Record batch")
    visit("batch", page)
    # The first word of the first serial link (its hidden text says "download PDF").
    serial = page.locator("main li a").first.inner_text().split()[0]
    facts["serial"] = serial

    # Keying: unknown serial, bad check digit, the form, a keying error, the saved notice.
    page.goto("/staff/entry/")
    visit("key a form", page)
    prefix = serial.split("-")[0]
    for label, typed in (
        ("key a form with an unknown serial", make_serial(prefix, 999_999)),
        ("key a form with a bad check digit", serial[:-1] + str((int(serial[-1]) + 1) % 10)),
    ):
        page.get_by_label("Serial number").fill(typed)
        click(page, "button", "Continue")
        error_state(label)
    page.get_by_label("Serial number").fill(serial)
    click(page, "button", "Continue")
    visit("keying form", page)
    area = definition.question("area")
    fill_fields(page, {"area": area.choices[0].form_value, "times_reported": "lots"})
    click(page, "button", "Save form")
    error_state("keying form with an error")
    # Signed out for being idle before saving: the sign-in page keeps what was typed, and
    # after signing in the keyer is offered to save it.
    fill_fields(page, {"times_reported": "3"})
    idle_minutes = app.config["STAFF_IDLE_MINUTES"]
    app.config["STAFF_IDLE_MINUTES"] = -1  # every session counts as idle
    try:
        click(page, "button", "Save form")
    finally:
        app.config["STAFF_IDLE_MINUTES"] = idle_minutes
    assert "signed out before this was saved" in page.locator("main").inner_text()
    visit("sign in keeping a form", page)
    page.get_by_label("Email address").fill(admin)  # on this page, which holds the form
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    click(page, "button", "Sign in")
    visit("save what you entered", page)
    click(page, "button", "Save")
    # Two answers only: most questions are blank, so the form asks before saving.
    assert "Check before saving" in page.locator(".govuk-notification-banner").inner_text()
    visit("keying form asking before saving blanks", page)
    save_with_blanks(page)
    assert page.locator(".govuk-notification-banner").count() == 1
    visit("key a form with a notice", page)

    # The second keyer keys it blind with one difference; the first settles it from the paper.
    sign_out(page)
    visit("sign in with a notice", page)
    sign_in(page, keyer)
    page.goto("/staff/entry/")
    page.get_by_label("Serial number").fill(serial)
    click(page, "button", "Continue")
    fill_fields(page, {"area": area.choices[1].form_value, "times_reported": "3"})
    click(page, "button", "Save form")
    save_with_blanks(page)
    assert "reconciling" in page.locator(".govuk-notification-banner").inner_text()
    sign_out(page)
    sign_in(page, admin)
    page.goto(f"/staff/paper/{definition.slug}/")
    click(page, "link", f"Reconcile {serial}")
    visit("reconcile", page)
    click(page, "button", "Save and make final")
    error_state("reconcile with an error")
    # The fields for keying what the paper says show only once "Neither" is chosen.
    other = page.locator(".app-settle__other")
    assert other.is_hidden()
    page.get_by_label("Neither: key what the paper says").check()
    assert other.is_visible()
    page.get_by_label("First keying", exact=False).check()
    assert other.is_hidden()
    click(page, "button", "Save and make final")
    assert serial in page.locator(".govuk-notification-banner").inner_text()
    visit("paper questionnaire with a notice and keying errors", page)

    # The admin corrects the now final record: no reason first, then with one.
    page.goto("/staff/")
    click(page, "link", "Correct a final paper record")
    visit("correct a record", page)
    page.get_by_label("Serial number").fill(serial)
    click(page, "button", "Continue")
    visit("correction form", page)
    fill_fields(page, {"times_reported": "4"})
    click(page, "button", "Save correction")
    error_state("correction form with an error")
    page.get_by_label("Why are you correcting this record?").fill("Question 8 says 4 on paper")
    click(page, "button", "Save correction")
    assert "→" in page.locator("#changes + ul").inner_text()
    visit("correction form with a summary of changes", page)
    click(page, "button", "Save 1 change")
    assert "1 answer changed" in page.locator(".govuk-notification-banner").inner_text()
    visit("correct a record with a notice", page)

    page.goto("/staff/admin/audit")
    visit("audit trail", page)
    page.goto("/research/")
    visit("research", page)

    # A researcher lands on research and is refused staff pages.
    sign_out(page)
    sign_in(page, researcher)
    assert page.url.endswith("/research/"), page.url
    response = page.goto("/staff/")
    assert response.status == 403
    visit("forbidden", page)
    return facts
