"""Structural checks every rendered page must pass (as GOV.UK Notify's client_request does)."""

from collections import Counter
from html.parser import HTMLParser

LABELLABLE = {"input", "select", "textarea"}
UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "image", "reset"}


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.h1_text: list[str] = []
        self.title = ""
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.controls: list[dict] = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag == "h1":
            self.h1_text.append("")
            self._in = "h1"
        elif tag == "title":
            self._in = "title"
        elif tag == "label" and attributes.get("for"):
            self.label_for.add(attributes["for"])
        elif tag in LABELLABLE:
            if tag == "input" and attributes.get("type", "text") in UNLABELLED_INPUT_TYPES:
                return
            self.controls.append(attributes)

    def handle_endtag(self, tag):
        if tag in ("h1", "title"):
            self._in = None

    def handle_data(self, data):
        if self._in == "h1":
            self.h1_text[-1] += data
        elif self._in == "title":
            self.title += data


def _squash(text: str) -> str:
    return " ".join(text.split())


def check_page_structure(html: str) -> None:
    """Fail unless one <h1>, a <title> starting with it, unique ids and labelled inputs."""
    page = _Collector()
    page.feed(html)
    assert len(page.h1_text) == 1, f"expected one <h1>, found {len(page.h1_text)}"
    heading = _squash(page.h1_text[0])
    title = _squash(page.title).removeprefix("Error: ")
    assert title.startswith(heading), f"<title> {title!r} does not start with <h1> {heading!r}"
    duplicated = [i for i, n in Counter(page.ids).items() if n > 1]
    assert not duplicated, f"duplicate ids: {duplicated}"
    for control in page.controls:
        labelled = control.get("id") in page.label_for or control.get("aria-label")
        assert labelled, f"control without a label: {control}"
