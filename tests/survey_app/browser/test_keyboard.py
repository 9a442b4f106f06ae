"""The questionnaire can be completed with the keyboard alone (Tab, arrows, Space, Enter and
typing; no clicks, no fill()), every control shows a visible focus style when it has focus, and
the error summary takes focus and its links move focus to the field in error."""

import pytest

from tests.survey_app.browser.journey import definition_of, questions_shown
from tests.survey_app.walker import SLUG, page_id_of, typical_value

pytestmark = pytest.mark.browser

# GOV.UK Frontend's focus colour: every focus style it draws uses it (outline, box-shadow or
# background), so finding it on the focused control, or on the pseudo-element that draws a radio
# or checkbox, proves the focus is visible in the GOV.UK way.
FOCUS_YELLOW = "rgb(255, 221, 0)"
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  let styles = [getComputedStyle(el)];
  if (el.matches('.govuk-radios__input, .govuk-checkboxes__input')) {
    const label = el.parentElement.querySelector('label');
    styles = [getComputedStyle(label, '::before'), getComputedStyle(label, '::after')];
  }
  const yellow = styles.some(s =>
    (s.outlineStyle !== 'none' && s.outlineColor === '%s') ||
    s.boxShadow.includes('%s') || s.backgroundColor === '%s');
  return {
    tag: el.tagName.toLowerCase(), type: el.type || '', name: el.name || '', id: el.id,
    value: el.value || '', checked: !!el.checked,
    text: (el.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 60),
    classes: el.className, visible: yellow,
  };
}""" % ((FOCUS_YELLOW,) * 3)
MAX_TABS = 120


class KeyboardUser:
    """Moves through pages with Tab and acts on what has focus, recording any invisible focus."""

    def __init__(self, page):
        self.page = page
        self.invisible_focus: list[str] = []
        self.arrow_presses = 0

    def focused(self) -> dict | None:
        element = self.page.evaluate(FOCUSED)
        if element and not element["visible"]:
            self.invisible_focus.append(f"{self.page.url}: {element}")
        return element

    def tab(self) -> dict | None:
        self.page.keyboard.press("Tab")
        return self.focused()

    def tab_to(self, matches) -> dict:
        for _ in range(MAX_TABS):
            element = self.tab()
            if element and matches(element):
                return element
        raise AssertionError(f"Tab never reached the control on {self.page.url}")

    def press_button(self, text: str) -> None:
        """Tab to the button or link with this text and press Enter."""
        self.tab_to(lambda el: el["text"] == text)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def answer(self, wanted: dict[str, list[str]]) -> None:
        """Tab through the page giving each wanted field its values, then press Continue."""
        wanted = {name: list(values) for name, values in wanted.items()}
        for _ in range(MAX_TABS):
            element = self.tab()
            if element is None:
                continue
            if element["text"] == "Continue" and element["tag"] == "button":
                assert not wanted, f"Tab never reached {sorted(wanted)} on {self.page.url}"
                with self.page.expect_navigation():
                    self.page.keyboard.press("Enter")
                return
            if element["name"] in wanted:
                self._give(element, wanted)
        raise AssertionError(f"Tab never reached Continue on {self.page.url}")

    def _give(self, element: dict, wanted: dict[str, list[str]]) -> None:
        name = element["name"]
        if element["type"] == "radio":
            # Arrow keys move through a radio group and select as they go.
            for _ in range(50):
                if element["value"] in wanted[name]:
                    break
                self.page.keyboard.press("ArrowDown")
                self.arrow_presses += 1
                element = self.focused()
            if not element["checked"]:
                self.page.keyboard.press("Space")
            del wanted[name]
        elif element["type"] == "checkbox":
            if element["value"] in wanted[name]:
                self.page.keyboard.press("Space")
                wanted[name].remove(element["value"])
            if not wanted[name]:
                del wanted[name]
        else:
            self.page.keyboard.type(wanted.pop(name)[0])


def keyboard_value(question) -> dict[str, list[str]]:
    """Like typical_value, but the last option of a choice: arrow keys and more Tab stops used."""
    if hasattr(question, "choices"):
        return {question.name: [str(question.choices[-1].value)]}
    return typical_value(question)


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
