"""axe-core and reflow checks run on every page a walk visits, at 320 and 1280 CSS px.

Shared by the respondent and the staff accessibility tests: open a context with
`checking_context`, walk it calling `checker.visit(label, page)` on every page, then assert on
`axe_failures` and `reflow_failures`."""

from dataclasses import dataclass, field

from axe_playwright_python.base import AXE_SCRIPT

from tests.survey_app.browser.conftest import new_page, open_context

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
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
class Checker:
    """Runs axe and the reflow check on each page visited, at every width, and keeps the results.

    Resizing the viewport re-lays the loaded page out exactly as a page loaded at that width
    (the CSS is the same), and halves the time two separate walks would take."""

    pages: list[PageCheck] = field(default_factory=list)

    def visit(self, label: str, page) -> None:
        page.wait_for_load_state("load")
        check = PageCheck(label, page.url)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            check.violations[width] = page.evaluate("options => axe.run(options)", AXE_OPTIONS)[
                "violations"
            ]
            check.reflow[width] = page.evaluate(REFLOW_SCRIPT)
        self.pages.append(check)

    def labels(self) -> set[str]:
        return {check.label for check in self.pages}


def checking_context(browser, origin: str):
    """A recording context with axe-core loaded into every page; returns (context, page, recorder).

    axe is added as an init script, which is cheaper than evaluating its 570 kB on every page."""
    context, recorder = open_context(browser, origin, width=WIDTHS[-1])
    context.add_init_script(script=AXE_SCRIPT)
    return context, new_page(context, recorder), recorder


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


def axe_failures(pages: list[PageCheck], width: int) -> str:
    """Every page's violations at this width, readable; empty when there are none."""
    failures = [
        f"{check.label} ({check.url}):\n" + "\n".join(describe(v) for v in check.violations[width])
        for check in pages
        if check.violations[width]
    ]
    if not failures:
        return ""
    return f"axe-core found WCAG violations at {width} px on {len(failures)} page(s):\n\n" + (
        "\n\n".join(failures)
    )


def reflow_failures(pages: list[PageCheck], width: int) -> str:
    """WCAG 1.4.10 Reflow: the pages that scroll sideways at this width; empty when none do."""
    wide = [
        f"{check.label}: scrollWidth {reflow['scrollWidth']} > "
        f"clientWidth {reflow['clientWidth']}; too wide: {reflow['wide']}"
        for check in pages
        if (reflow := check.reflow[width])["scrollWidth"] > reflow["clientWidth"]
    ]
    return f"pages scroll sideways at {width} px:\n" + "\n".join(wide) if wide else ""
