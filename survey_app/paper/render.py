"""Render paper questionnaires to printable HTML and to PDF (WeasyPrint), one copy per serial.

No Flask here: a Jinja2 environment of its own reads survey_app/templates/paper/, so the same
code serves a staff route, a command or a test. Nothing is fetched while rendering: fonts are
system fonts (DejaVu Sans, Debian package fonts-dejavu-core) and the URL fetcher refuses
everything except files inside the templates folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from urllib.parse import urlparse

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from survey_app.questionnaire import Questionnaire, SupportService, load_support_services

from .plan import PaperPlan, paper_plan

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "paper"
SUPPORT_SERVICES = Path(__file__).resolve().parents[2] / "questionnaires" / "support-services.yaml"

#: Said on the cover and the last page unless the caller gives its own words.
DEFAULT_RETURN_INSTRUCTIONS = (
    "When you have finished, put the questionnaire in the envelope it came with and post it, "
    "or hand it back to the service that gave it to you.",
)


@cache
def _environment() -> Environment:
    """The paper templates' own Jinja2 environment (HTML autoescaped; unknown names are errors)."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _sizes(large_print: bool) -> dict[str, str]:
    """Type and box sizes: 12pt body for standard print, 16pt or more for large print."""
    if large_print:
        return {
            "body": "16pt",
            "label": "18pt",
            "title": "28pt",
            "section": "22pt",
            "number": "20pt",
            "box": "9mm",
            "tick_col": "14mm",
            "line": "12mm",
            "digit_w": "11mm",
            "digit_h": "13mm",
            "gutter": "16mm",
            "margin_box": "16pt",
        }
    return {
        "body": "12pt",
        "label": "13pt",
        "title": "22pt",
        "section": "17pt",
        "number": "14pt",
        "box": "6mm",
        "tick_col": "10mm",
        "line": "8mm",
        "digit_w": "8mm",
        "digit_h": "10mm",
        "gutter": "11mm",
        "margin_box": "10pt",
    }


def paper_css(large_print: bool = False, pages_per_copy: int | None = None) -> str:
    """The print stylesheet (standard or large print); serve it when CSP forbids inline styles."""
    return (
        _environment()
        .get_template("paper.css")
        .render(size=_sizes(large_print), large=large_print, pages_per_copy=pages_per_copy)
    )


def default_services() -> list[SupportService]:
    """Support services from questionnaires/support-services.yaml."""
    return load_support_services(SUPPORT_SERVICES)


def _service_lists(
    services: Sequence[SupportService],
) -> tuple[list[SupportService], list[SupportService]]:
    """General services for the cover, and every filled-in national service for the last page."""
    real = [s for s in services if not s.placeholder]
    general = [s for s in real if s.is_general and s.is_national]
    listed = [s for s in real if s.is_national and not s.is_general] + general
    return general, listed


def render_paper_html(
    definition: Questionnaire,
    serials: Sequence[str],
    large_print: bool = False,
    *,
    services: Sequence[SupportService] | None = None,
    return_instructions: Sequence[str] | None = None,
    css_href: str | None = None,
    pages_per_copy: int | None = None,
) -> str:
    """A printable HTML document: one copy of the questionnaire per serial, in order.

    ``services`` default to questionnaires/support-services.yaml (placeholders are left out).
    With ``css_href`` the page links its stylesheet (for a Content-Security-Policy without
    inline styles; serve ``paper_css(large_print)`` there); otherwise the style is inline.
    ``pages_per_copy``, when known, makes the footer read "Page 2 of 9".
    """
    if not serials:
        raise ValueError("give at least one serial number")
    plan: PaperPlan = paper_plan(definition, large_print=large_print)
    general, listed = _service_lists(default_services() if services is None else services)
    return (
        _environment()
        .get_template("questionnaire.html")
        .render(
            plan=plan,
            serials=list(serials),
            large=large_print,
            css=None if css_href else paper_css(large_print, pages_per_copy),
            css_href=css_href,
            cover_services=general,
            all_services=listed,
            return_instructions=tuple(return_instructions or DEFAULT_RETURN_INSTRUCTIONS),
        )
    )


@cache
def _fetcher_class() -> type:
    """Build the fetcher class on first use, so importing this module does not load WeasyPrint."""
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        """Fetches nothing from the network, and no file outside the paper templates folder."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("file", "data"))

        def fetch(self, url: str, headers=None):
            """Refuse (ValueError) anything but data: URLs and files under the templates."""
            parsed = urlparse(url)
            if parsed.scheme not in ("file", "data"):
                raise ValueError(f"paper rendering fetches nothing from the network: {url}")
            if parsed.scheme == "file" and TEMPLATES not in Path(parsed.path).resolve().parents:
                raise ValueError(f"paper rendering reads only its own templates: {url}")
            return super().fetch(url, headers)

    return LocalOnlyFetcher


def local_only_fetcher():
    """A WeasyPrint URL fetcher that refuses every URL except files in the paper templates."""
    return _fetcher_class()()


def _html_document(html: str):
    from weasyprint import HTML

    return HTML(string=html, base_url=str(TEMPLATES) + "/", url_fetcher=local_only_fetcher())


def _pdf(html: str) -> bytes:
    return _html_document(html).write_pdf()


def _render(html: str):
    return _html_document(html).render()


#: Pages per copy by (questionnaire version, large print, services, return words): a layout
#: depends only on these, and counting means laying out a whole copy.
_page_counts: dict[tuple, int] = {}


def pages_per_copy(
    definition: Questionnaire,
    large_print: bool = False,
    *,
    services: Sequence[SupportService] | None = None,
    return_instructions: Sequence[str] | None = None,
) -> int:
    """Lay out one copy and count its pages (every copy has the same layout); cached."""
    key = (
        definition.version,
        large_print,
        None if services is None else tuple(services),
        None if return_instructions is None else tuple(return_instructions),
    )
    if key not in _page_counts:
        html = render_paper_html(
            definition,
            ["0"],
            large_print,
            services=services,
            return_instructions=return_instructions,
        )
        _page_counts[key] = len(_render(html).pages)
    return _page_counts[key]


def render_paper_pdf(
    definition: Questionnaire,
    serials: Sequence[str],
    large_print: bool = False,
    *,
    services: Sequence[SupportService] | None = None,
    return_instructions: Sequence[str] | None = None,
) -> bytes:
    """The PDF of ``render_paper_html``: one copy per serial, each starting on a right-hand page.

    Each copy's footer reads "Page N of M"; M comes from laying out one copy (once per
    questionnaire version and options, then cached).
    """
    options = {"services": services, "return_instructions": return_instructions}
    total = pages_per_copy(definition, large_print, **options)
    html = render_paper_html(definition, serials, large_print, pages_per_copy=total, **options)
    return _pdf(html)
