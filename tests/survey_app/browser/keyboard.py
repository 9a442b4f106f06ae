"""A keyboard-only user for the browser tests: Tab, arrow keys, Space, typing and Enter, never a
click or fill(); every keystroke is counted and every focused control is checked for a visible
focus style."""

from tests.survey_app.walker import typical_value

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
MAX_TABS = 400


class KeyboardUser:
    """Moves through pages with Tab and acts on what has focus, recording any invisible focus.

    `keystrokes` counts every key pressed (each typed character is one); `trail` lists the
    focused element after every Tab, in order."""

    def __init__(self, page):
        self.page = page
        self.invisible_focus: list[str] = []
        self.arrow_presses = 0
        self.keystrokes = 0
        self.typed_characters = 0
        self.trail: list[dict] = []

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.keystrokes += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.keystrokes += len(text)
        self.typed_characters += len(text)

    def wait_for_autofocus(self) -> None:
        """Wait until a page's autofocus field has focus. Chromium applies autofocus a frame after
        the load event, so keys pressed earlier go elsewhere (a person waits for the cursor)."""
        self.page.wait_for_function(
            "!document.querySelector('[autofocus]')"
            " || document.activeElement === document.querySelector('[autofocus]')"
        )

    def focused(self) -> dict | None:
        element = self.page.evaluate(FOCUSED)
        if element and not element["visible"]:
            self.invisible_focus.append(f"{self.page.url}: {element}")
        return element

    def tab(self) -> dict | None:
        self.press("Tab")
        element = self.focused()
        self.trail.append(element)
        return element

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
            self.press("Enter")

    def answer(self, wanted: dict[str, list[str]], submit: str = "Continue") -> None:
        """Tab through the page giving each wanted field its values, then press the submit
        button (which must come after every wanted field)."""
        wanted = {name: list(values) for name, values in wanted.items()}
        self.wait_for_autofocus()
        element = self.focused()  # a field may have focus already (autofocus)
        if element and element["name"] in wanted:
            self.trail.append(element)
            self._give(element, wanted)
        for _ in range(MAX_TABS):
            element = self.tab()
            if element is None:
                continue
            if element["text"] == submit and element["tag"] == "button":
                assert not wanted, f"Tab never reached {sorted(wanted)} on {self.page.url}"
                with self.page.expect_navigation():
                    self.press("Enter")
                return
            if element["name"] in wanted:
                self._give(element, wanted)
        raise AssertionError(f"Tab never reached {submit} on {self.page.url}")

    def _give(self, element: dict, wanted: dict[str, list[str]]) -> None:
        name = element["name"]
        if element["type"] == "radio":
            # Arrow keys move through a radio group and select as they go.
            for _ in range(50):
                if element["value"] in wanted[name]:
                    break
                self.press("ArrowDown")
                self.arrow_presses += 1
                element = self.focused()
            if not element["checked"]:
                self.press("Space")
            del wanted[name]
        elif element["type"] == "checkbox":
            if element["value"] in wanted[name]:
                self.press("Space")
                wanted[name].remove(element["value"])
            if not wanted[name]:
                del wanted[name]
        else:
            self.type(wanted.pop(name)[0])


def keyboard_value(question) -> dict[str, list[str]]:
    """Like typical_value, but the last option of a choice: arrow keys and more Tab stops used."""
    if hasattr(question, "choices"):
        return {question.name: [str(question.choices[-1].value)]}
    return typical_value(question)
