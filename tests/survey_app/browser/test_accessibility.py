"""Every respondent page, error states included, passes axe-core's WCAG 2.2 A/AA rules and reflows
at 320 px; the journey requests nothing from another origin and breaks no CSP rule.

One walk of the whole journey, checked at both widths on every page, feeds every test here."""

from dataclasses import dataclass, field

import pytest
from axe_playwright_python.base import AXE_SCRIPT

from tests.survey_app.browser.conftest import new_page, open_context
from tests.survey_app.browser.journey import definition_of, walk_everything

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
# Pages every walk must reach, so that a shortened journey cannot pass by checking less.
EXPECTED_PAGES = {
    "index",
    "start",
    "question when with an error",
    "save for later",
    "your code",
    "resume",
    "resume with an error",
    "question when with a notice",
    "check your answers",
    "confirmation",
    "support",
    "privacy",
    "accessibility",
    "page not found",
    "session ended",
}
REFLOW_SCRIPT = """() => {
  const root = document.scrollingElement;
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > root.clientWidth + 1)
    .slice(0, 3).map(el => el.outerHTML.slice(0, 120));
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide};
}"""


WIDTHS = (320, 1280)


@dataclass
class PageCheck:
    """What was found on one page of the walk, by viewport width."""

    label: str
    url: str
    violations: dict[int, list] = field(default_factory=dict)
    reflow: dict[int, dict] = field(default_factory=dict)


@dataclass
class Walk:
    pages: list[PageCheck]
    recorder: object
    facts: dict


@pytest.fixture(scope="module")
def walk(browser, live_server, live_app):
    """Walk the whole journey once; on every page run axe and the reflow check at each width.

    Resizing the viewport re-lays the loaded page out exactly as a page loaded at that width
    (the CSS is the same), and halves the time two separate walks would take."""
    context, recorder = open_context(browser, live_server, width=WIDTHS[-1])
    context.add_init_script(script=AXE_SCRIPT)  # cheaper than evaluating it on every page
    page = new_page(context, recorder)
    pages: list[PageCheck] = []

    def visit(label, page):
        page.wait_for_load_state("load")
        check = PageCheck(label, page.url)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            check.violations[width] = page.evaluate("options => axe.run(options)", AXE_OPTIONS)[
                "violations"
            ]
            check.reflow[width] = page.evaluate(REFLOW_SCRIPT)
        pages.append(check)

    facts = walk_everything(page, definition_of(live_app), visit)
    context.close()
    return Walk(pages, recorder, facts)


def describe(violation: dict) -> str:
    """One violation as readable lines: rule, impact, help link and the offending elements."""
    lines = [
        f"  {violation['id']} ({violation['impact']}): {violation['help']}",
        f"    {violation['helpUrl']}",
    ]
    for node in violation["nodes"][:5]:
        lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:160]}")
        if node.get("failureSummary"):
            lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


def test_walk_reaches_every_kind_of_page_and_every_question_page(walk, live_app):
    labels = {check.label for check in walk.pages}
    assert labels >= EXPECTED_PAGES, f"never reached: {sorted(EXPECTED_PAGES - labels)}"
    every_page = {page.id for page in definition_of(live_app).pages}
    checked = {label.split()[1] for label in labels if label.startswith("question ")}
    assert checked == every_page, f"question pages never checked: {every_page - checked}"
    assert walk.facts["code"]
    assert "The date must include a year" in walk.facts["errors_seen"][0]


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: f"{width}px")
def test_no_page_has_axe_violations(walk, width):
    failures = [
        f"{check.label} ({check.url}):\n" + "\n".join(describe(v) for v in check.violations[width])
        for check in walk.pages
        if check.violations[width]
    ]
    assert not failures, (
        f"axe-core found WCAG violations at {width} px on {len(failures)} page(s):\n\n"
        + "\n\n".join(failures)
    )


@pytest.mark.parametrize("width", WIDTHS, ids=lambda width: f"{width}px")
def test_no_page_scrolls_sideways(walk, width):
    """WCAG 1.4.10 Reflow: at 320 CSS px nothing needs scrolling in two directions."""
    wide = [
        f"{check.label}: scrollWidth {reflow['scrollWidth']} > "
        f"clientWidth {reflow['clientWidth']}; too wide: {reflow['wide']}"
        for check in walk.pages
        if (reflow := check.reflow[width])["scrollWidth"] > reflow["clientWidth"]
    ]
    assert not wide, f"pages scroll sideways at {width} px:\n" + "\n".join(wide)


def test_journey_requests_only_the_apps_own_origin(walk):
    assert walk.recorder.requests, "no requests were recorded"
    assert walk.recorder.third_party() == []


def test_journey_breaks_no_content_security_policy_rule_and_raises_no_script_error(walk):
    assert walk.recorder.csp_violations() == []
    assert walk.recorder.page_errors == []
