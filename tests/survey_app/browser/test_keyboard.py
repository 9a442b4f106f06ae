"""The questionnaire can be completed with the keyboard alone (Tab, arrows, Space, Enter and
typing; no clicks, no fill()), every control shows a visible focus style when it has focus, and
the error summary takes focus and its links move focus to the field in error."""

import pytest

from tests.survey_app.browser.journey import definition_of, questions_shown
from tests.survey_app.browser.keyboard import KeyboardUser, keyboard_value
from tests.survey_app.walker import SLUG, page_id_of

pytestmark = pytest.mark.browser


def wanted_answers(page, definition) -> dict[str, list[str]]:
    wanted: dict[str, list[str]] = {}
    for question in questions_shown(page, definition, page_id_of(page.url)):
        wanted.update(keyboard_value(question))
    return wanted


def test_questionnaire_can_be_completed_with_the_keyboard_alone(browser_page, live_app):
    page, recorder = browser_page
    definition = definition_of(live_app)
    user = KeyboardUser(page)
    page.goto(f"/s/{SLUG}/")
    user.press_button("Start now")
    answered, typed = [], []
    while (page_id := page_id_of(page.url)) is not None and len(answered) < 100:
        wanted = wanted_answers(page, definition)
        typed += [values[0] for values in wanted.values() if values[0].startswith("Answer to")]
        user.answer(wanted)
        answered.append(page_id)
    assert page.url.endswith(f"/s/{SLUG}/check"), page.url
    assert len(answered) > 10
    summary = page.locator("main").inner_text()
    assert "Not answered" not in summary, "a keyboard answer did not reach the server"
    assert typed, "no free-text question was met"
    assert all(text in summary for text in typed), "typed text did not reach the server"
    assert user.arrow_presses > 5, "the walk never needed the arrow keys"
    user.press_button("Send my answers")
    assert page.locator("h1").inner_text().startswith("Thank you")
    assert not user.invisible_focus, "controls without a visible focus style:\n" + "\n".join(
        user.invisible_focus
    )
    assert recorder.third_party() == []


def test_error_summary_takes_focus_and_its_link_moves_focus_to_the_field(browser_page):
    page, _ = browser_page
    user = KeyboardUser(page)
    page.goto(f"/s/{SLUG}/")
    user.press_button("Start now")
    user.answer({})
    user.answer({})
    assert page_id_of(page.url) == "when"
    user.answer({"when_happened-month": ["3"]})  # a month without a year

    summary = user.focused()
    assert summary is not None, "nothing has focus on the error page"
    assert "govuk-error-summary" in summary["classes"], f"focus is on {summary}"
    assert summary["visible"]
    assert page.title().startswith("Error: ")

    link = user.tab()
    assert link["tag"] == "a"
    assert link["text"] == "The date must include a year"
    page.keyboard.press("Enter")
    field = user.focused()
    assert field["id"] == "when_happened-year", f"focus moved to {field}"
    assert field["visible"]
    page.keyboard.press("Shift+Tab")  # back to the month (Shift+Tab is not a quick-exit press)
    assert user.focused()["id"] == "when_happened-month"
    page.keyboard.press("Tab")
    page.keyboard.type("2024")
    user.answer({})
    assert page_id_of(page.url) != "when", "the corrected date was not accepted"
    assert not user.invisible_focus, "\n".join(user.invisible_focus)
