"""Drive the whole respondent journey in a browser, calling `visit(label, page)` on every page.

The answers come from the questionnaire definition through the HTTP walker's `typical_value`, so
any questionnaire (and any change to this one) is walked without editing the test.
"""

import re
from collections.abc import Callable

from survey_app.services.questionnaires import find_questionnaire
from tests.survey_app.walker import SLUG, page_id_of, typical_value

# A month without a year: the server rejects it with "The date must include a year".
INVALID_DATE = {"name": "when_happened", "fields": {"when_happened-month": "3"}}
CODE = re.compile(r"[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}")

Visit = Callable[[str, object], None]


def definition_of(app, slug: str = SLUG):
    """The current definition of a synced questionnaire."""
    with app.app_context():
        return find_questionnaire(slug).definition


def questions_shown(page, definition, page_id: str):
    """The questions of a page that the server actually drew (conditions may hide some)."""
    names = set(page.eval_on_selector_all("[name]", "els => els.map(e => e.name)"))
    return [
        question
        for question in definition.page(page_id).questions
        if any(name == question.name or name.startswith(f"{question.name}-") for name in names)
    ]


def fill_fields(page, fields: dict[str, list[str] | str]) -> None:
    """Fill text inputs and tick radios or checkboxes by form field name and value."""
    for name, values in fields.items():
        for value in [values] if isinstance(values, str) else values:
            first = page.locator(f'[name="{name}"]').first
            if first.get_attribute("type") in ("radio", "checkbox"):
                page.locator(f'[name="{name}"][value="{value}"]').check()
            else:
                first.fill(value)


def answer(page, definition) -> None:
    """Give every question drawn on the current page its typical answer."""
    for question in questions_shown(page, definition, page_id_of(page.url)):
        fill_fields(page, typical_value(question))


def press_continue(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Continue", exact=True).click()


def walk_everything(page, definition, visit: Visit) -> dict:
    """The whole journey: start, every question page, an error state, save for later and the
    code, resume with an error and then with the code, check answers, confirmation (and its
    reload), the footer pages, the 404 page and the "session ended" page.

    Returns facts the caller may assert on: the pages answered and the resume code shown."""
    facts = {"answered": [], "code": None, "errors_seen": []}
    page.goto("/")
    visit("index", page)
    with page.expect_navigation():
        page.get_by_role("link", name=definition.title).click()
    visit("start", page)
    with page.expect_navigation():
        page.get_by_role("button", name="Start now").click()
    saved = False
    for _ in range(100):
        page_id = page_id_of(page.url)
        if page_id is None:
            break
        notice = " with a notice" if page.locator(".govuk-notification-banner").count() else ""
        visit(f"question {page_id}{notice}", page)
        if page_id == "when" and INVALID_DATE["name"] in _names(page):
            fill_fields(page, INVALID_DATE["fields"])
            press_continue(page)
            facts["errors_seen"].append(page.locator(".govuk-error-summary").inner_text())
            visit(f"question {page_id} with an error", page)
        answer(page, definition)
        facts["answered"].append(page_id)
        if not saved and len(facts["answered"]) == 2:
            saved = True
            facts["code"] = _save_and_come_back(page, definition.slug, visit)
            continue
        press_continue(page)
    else:
        raise AssertionError("the questionnaire never ended")
    assert page.url.endswith(f"/s/{definition.slug}/check"), page.url
    visit("check your answers", page)
    _reach_skipped_pages(page, definition, facts, visit)
    with page.expect_navigation():
        page.get_by_role("button", name="Send my answers").click()
    visit("confirmation", page)
    # Shown once: a reload (or whoever opens the browser next) sees a page that names nothing.
    page.reload()
    assert page.locator("h1").inner_text() == "Your answers have been sent"
    visit("confirmation reloaded", page)
    for name, label in (
        ("Support services", "support"),
        ("How we keep you anonymous", "privacy"),
        ("Accessibility", "accessibility"),
    ):
        with page.expect_navigation():
            page.get_by_role("contentinfo").get_by_role("link", name=name).click()
        visit(label, page)
    response = page.goto("/no-such-page")
    assert response.status == 404
    visit("page not found", page)
    # A form sent with a token that no longer matches the session gets the "session ended" page.
    page.goto(f"/s/{definition.slug}/")
    with page.expect_navigation():
        page.get_by_role("button", name="Start now").click()
    page.goto(f"/s/{definition.slug}/save")
    page.locator('input[name="csrf_token"]').evaluate("input => { input.value = 'stale'; }")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Show me my code").click()
    assert navigation.value.status == 400
    visit("session ended", page)
    return facts


def _reach_skipped_pages(page, definition, facts, visit: Visit) -> None:
    """Reach the pages the typical answers route past, by changing the earlier answer their
    condition tests (with its Change link on check your answers), then return to the check page.
    """
    check_url = page.url
    for target in definition.pages:
        if target.id in facts["answered"]:
            continue
        leaf = next(
            (
                leaf
                for question in target.questions
                if question.relevant is not None
                for leaf in question.relevant.leaves()
                if leaf.operator in ("equals", "any_of")
            ),
            None,
        )
        if leaf is None:
            continue
        value = leaf.value if leaf.operator == "equals" else leaf.value[0]
        source = next(p for p in definition.pages if leaf.question in [q.name for q in p.questions])
        with page.expect_navigation():
            page.locator(f'a[href$="/q/{source.id}?return_to=check"]').click()
        fill_fields(page, {leaf.question: str(value)})
        press_continue(page)
        for _ in range(10):
            _answer_new_pages(page, definition, facts, visit)
            page.goto(check_url)  # redirects to any page still unanswered
            if page.url == check_url:
                break


def _answer_new_pages(page, definition, facts, visit: Visit) -> None:
    """Check and answer question pages until one already answered (or no question page)."""
    while (page_id := page_id_of(page.url)) is not None and page_id not in facts["answered"]:
        visit(f"question {page_id}", page)
        answer(page, definition)
        facts["answered"].append(page_id)
        press_continue(page)


def _names(page) -> str:
    return " ".join(page.eval_on_selector_all("[name]", "els => els.map(e => e.name)"))


def _save_and_come_back(page, slug: str, visit: Visit) -> str:
    """Save and come back later, see the code, try a wrong code, then resume with the right one
    (typed in small letters) and land on the next question with a "welcome back" notice."""
    with page.expect_navigation():
        page.get_by_role("button", name="Save and come back later").click()
    visit("save for later", page)
    with page.expect_navigation():
        page.get_by_role("button", name="Show me my code").click()
    code = CODE.search(page.locator("#resume-code").inner_text()).group(0)
    visit("your code", page)
    page.goto("/resume")
    visit("resume", page)
    page.get_by_label("Continue a questionnaire you saved").fill("AAAAA-BBBBB-CCCCC")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.locator(".govuk-error-summary").count() == 1
    visit("resume with an error", page)
    page.get_by_label("Continue a questionnaire you saved").fill(code.lower())
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert f"/s/{slug}/q/" in page.url, page.url
    return code
