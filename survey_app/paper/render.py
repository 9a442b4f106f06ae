"""Render paper questionnaires to printable HTML and to PDF (WeasyPrint), one copy per serial.

No Flask here: a Jinja2 environment of its own reads survey_app/templates/paper/, so the same
code serves a staff route, a command or a test. Nothing is fetched while rendering: fonts are
system fonts (DejaVu Sans, Debian package fonts-dejavu-core) and the URL fetcher refuses
everything except files inside the templates folder.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import groupby
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


def document_environment(folder: Path) -> Environment:
    """A Jinja2 environment of its own for documents rendered without a request (paper copies,
    the findings report): HTML autoescaped, unknown names are errors. One per folder."""
    return _environments(folder)


@cache
def _environments(folder: Path) -> Environment:
    return Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _environment() -> Environment:
    """The paper templates' environment."""
    return document_environment(TEMPLATES)


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


def paper_css(
    large_print: bool = False, pages_per_copy: int | None = None, *, mode: str = "full"
) -> str:
    """The print stylesheet (standard or large print); serve it when CSP forbids inline styles.

    ``mode`` is for the stamped PDF: "base" leaves the serial out (one copy laid out once),
    "stamp" draws nothing but the serial (pages laid over the base); "full" is everything.
    """
    if mode not in ("full", "base", "stamp"):
        raise ValueError(f"unknown mode {mode!r}")
    return (
        _environment()
        .get_template("paper.css")
        .render(
            size=_sizes(large_print),
            large=large_print,
            pages_per_copy=pages_per_copy,
            mode=mode,
        )
    )


def default_support_services() -> list[SupportService]:
    """Support services from questionnaires/support-services.yaml."""
    return load_support_services(SUPPORT_SERVICES)


def _service_lists(
    support_services: Sequence[SupportService],
) -> tuple[list[SupportService], list[SupportService]]:
    """General services for the cover, and every filled-in national service for the last page."""
    real = [s for s in support_services if not s.placeholder]
    general = [s for s in real if s.is_general and s.is_national]
    listed = [s for s in real if s.is_national and not s.is_general] + general
    return general, listed


def render_paper_html(
    definition: Questionnaire,
    serials: Sequence[str],
    large_print: bool = False,
    *,
    support_services: Sequence[SupportService] | None = None,
    return_instructions: Sequence[str] | None = None,
    css_href: str | None = None,
    pages_per_copy: int | None = None,
    _css: str | None = None,
) -> str:
    """A printable HTML document: one copy of the questionnaire per serial, in order.

    ``support_services`` default to questionnaires/support-services.yaml (placeholders are left
    out).
    With ``css_href`` the page links its stylesheet (for a Content-Security-Policy without
    inline styles; serve ``paper_css(large_print)`` there); otherwise the style is inline.
    ``pages_per_copy``, when known, makes the footer read "Page 2 of 9".
    """
    if not serials:
        raise ValueError("give at least one serial number")
    plan: PaperPlan = paper_plan(definition, large_print=large_print)
    general, listed = _service_lists(
        default_support_services() if support_services is None else support_services
    )
    return (
        _environment()
        .get_template("questionnaire.html")
        .render(
            plan=plan,
            serials=list(serials),
            large=large_print,
            css=None if css_href else (_css or paper_css(large_print, pages_per_copy)),
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


# ----- stamped PDFs ------------------------------------------------------------------------------
#
# Laying out a copy of the victims' survey takes seconds, and a batch has up to 2,000 copies.
# Every copy has the same layout except its serial, so the copy is laid out once ("base": no
# serial anywhere, the cover's serial text laid out invisibly) and cached. A light "stamp"
# document has two near-empty pages per serial: the cover's (the serial, placed exactly where the
# base left room for it: same box, monospace font, same length) and the other pages' (the page
# header). pypdf then lays them over each other page by page, as Form XObjects, so the base's
# content and fonts are stored once however many copies there are.

_PLACEHOLDER = "0"


@dataclass(frozen=True)
class _Base:
    """One copy laid out without its serial, and the blank back page if the copy needs one."""

    copy: bytes
    blank: bytes | None
    pages: int


_bases: dict[str, _Base] = {}


def _base_key(
    definition: Questionnaire,
    large_print: bool,
    support_services: Sequence[SupportService] | None,
    return_instructions: Sequence[str] | None,
    serial_length: int,
) -> str:
    """A hash of everything a copy's layout depends on, templates and WeasyPrint included."""
    import weasyprint

    parts = [
        definition.version,
        str(large_print),
        repr(None if support_services is None else tuple(support_services)),
        repr(None if return_instructions is None else tuple(return_instructions)),
        str(serial_length),
        weasyprint.__version__,
        *((TEMPLATES / name).read_text("utf-8") for name in _TEMPLATE_FILES),
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


_TEMPLATE_FILES = ("questionnaire.html", "paper.css", "stamp.html", "blank.html")


def _layout_base(
    definition, large_print, support_services, return_instructions, serial_length
) -> _Base:
    html = render_paper_html(
        definition,
        [_PLACEHOLDER * serial_length],
        large_print,
        support_services=support_services,
        return_instructions=return_instructions,
        _css=paper_css(large_print, mode="base"),
    )
    document = _render(html)
    pages = len(document.pages)
    copy = document.write_pdf()
    blank = None
    if pages % 2:
        blank_html = (
            _environment()
            .get_template("blank.html")
            .render(
                title=definition.title,
                version=definition.version[:12],
                large=large_print,
                css=paper_css(large_print, mode="base"),
            )
        )
        layout = _render(blank_html)
        blank = layout.copy([layout.pages[1]]).write_pdf()
    return _Base(copy, blank, pages)


def _base(
    definition, large_print, support_services, return_instructions, serial_length, cache_dir
) -> _Base:
    """The cached base for these options: from memory, else from ``cache_dir``, else laid out."""
    key = _base_key(definition, large_print, support_services, return_instructions, serial_length)
    folder = Path(cache_dir) / key if cache_dir else None
    if key in _bases:
        if folder is not None and not folder.is_dir():
            _store(folder, _bases[key])
        return _bases[key]
    if folder is not None and (folder / "copy.pdf").is_file():
        blank_file = folder / "blank.pdf"
        copy = (folder / "copy.pdf").read_bytes()
        blank = blank_file.read_bytes() if blank_file.is_file() else None
        pages = int((folder / "pages").read_text())
        base = _Base(copy, blank, pages)
    else:
        base = _layout_base(
            definition, large_print, support_services, return_instructions, serial_length
        )
        if folder is not None:
            _store(folder, base)
    _bases[key] = base
    return base


def _store(folder: Path, base: _Base) -> None:
    """Write the base to disk so other workers and later runs skip the layout (atomically)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
    (temporary / "copy.pdf").write_bytes(base.copy)
    if base.blank is not None:
        (temporary / "blank.pdf").write_bytes(base.blank)
    (temporary / "pages").write_text(str(base.pages))
    try:
        temporary.rename(folder)
    except OSError:  # another worker stored it first
        shutil.rmtree(temporary, ignore_errors=True)


def _stamps(serials: Sequence[str], large_print: bool) -> bytes:
    """Two pages per serial, carrying nothing but the serial: the cover's and the others'."""
    html = (
        _environment()
        .get_template("stamp.html")
        .render(serials=list(serials), large=large_print, css=paper_css(large_print, mode="stamp"))
    )
    return _pdf(html)


#: Characters a serial can have (survey_app.paper.serials); others take the slow path.
STAMP_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"
_TEMPLATE_CHAR = "Q"
_SHOW_TEXT = re.compile(rb"\[([^\]]*)\]\s*TJ")
_GLYPH = re.compile(rb"<[0-9a-fA-F]+>")


class _StampError(Exception):
    """The stamp template is not as expected: lay the stamps out with WeasyPrint instead."""


@dataclass(frozen=True)
class _StampKit:
    """Stamp pages for a template serial, and the glyph of each serial character in its font.

    Even laying out near-empty pages costs WeasyPrint about 0.04 s a page, so the stamps for a
    batch are made from one layout: the template serial ("QQQ...", same length) is replaced by
    each serial's glyphs in the two pages' text operators. The serial font is monospace, so the
    positions do not change; the font subset holds every character because the layout also draws
    STAMP_ALPHABET.
    """

    pdf: bytes
    cover: bytes  # content stream of the cover's stamp
    others: bytes  # content stream of the other pages' stamp
    glyphs: dict[str, bytes]
    template: bytes  # the template character's glyph
    length: int

    def streams(self, serial: str) -> tuple[bytes, bytes]:
        """The two stamp content streams for ``serial``."""
        glyphs = [self.glyphs[character] for character in serial]

        def substitute(match: re.Match) -> bytes:
            pieces = match.group(1).split(self.template)
            if len(pieces) - 1 != len(glyphs):
                raise _StampError("the serial is not one run of template glyphs")
            joined = b"".join(p + g for p, g in zip(pieces, glyphs, strict=False))
            return b"[" + joined + pieces[-1] + b"] TJ"

        return (
            _SHOW_TEXT.sub(substitute, self.cover),
            _SHOW_TEXT.sub(substitute, self.others),
        )


_stamp_kits: dict[tuple[bool, int], _StampKit] = {}


def _stamp_kit(large_print: bool, length: int) -> _StampKit:
    """Lay out the template stamps once per print size and serial length (cached)."""
    key = (large_print, length)
    if key not in _stamp_kits:
        from pypdf import PdfReader

        pdf = _stamps([_TEMPLATE_CHAR * length, STAMP_ALPHABET], large_print)
        pages = PdfReader(io.BytesIO(pdf)).pages
        cover, others, alphabet = (pages[i].get_contents().get_data() for i in (0, 1, 2))
        shown = _SHOW_TEXT.search(alphabet)
        glyphs = _GLYPH.findall(shown.group(1)) if shown else []
        if len(glyphs) != len(STAMP_ALPHABET):
            raise _StampError("cannot read the glyph of each serial character")
        mapping = dict(zip(STAMP_ALPHABET, glyphs, strict=True))
        kit = _StampKit(pdf, cover, others, mapping, mapping[_TEMPLATE_CHAR], length)
        kit.streams(_TEMPLATE_CHAR * length)  # raises _StampError if the template is unusual
        _stamp_kits[key] = kit
    return _stamp_kits[key]


def _stamp_forms(writer, serials: Sequence[str], large_print: bool) -> list[tuple]:
    """(cover, others) Form XObjects per serial: substituted templates, else laid out."""
    from pypdf import PdfReader

    length = len(serials[0])
    try:
        if set("".join(serials)) - set(STAMP_ALPHABET):
            raise _StampError("a serial has characters the template does not")
        kit = _stamp_kit(large_print, length)
        page = PdfReader(io.BytesIO(kit.pdf)).pages[0]
        resources = writer._add_object(page["/Resources"].clone(writer))
        return [
            tuple(_form(data, page.mediabox, resources, writer) for data in kit.streams(serial))
            for serial in serials
        ]
    except _StampError:
        pages = PdfReader(io.BytesIO(_stamps(serials, large_print))).pages
        return [
            (_as_form(pages[2 * n], writer), _as_form(pages[2 * n + 1], writer))
            for n in range(len(serials))
        ]


def _form(data: bytes, box, resources, writer):
    """A compressed Form XObject drawing ``data`` with ``resources``."""
    from pypdf.generic import ArrayObject, DecodedStreamObject, FloatObject, NameObject

    form = DecodedStreamObject()
    form.set_data(data)
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = ArrayObject(FloatObject(v) for v in box)
    form[NameObject("/Resources")] = resources
    return writer._add_object(form.flate_encode())


def _as_form(page, writer):
    """A page's content as a Form XObject in ``writer`` (its resources copied once)."""
    return _form(
        page.get_contents().get_data(), page.mediabox, page["/Resources"].clone(writer), writer
    )


def _compose(writer, base: _Base, stamps: list[tuple]) -> None:
    """Add one copy per (cover, others) stamp pair: base pages with the stamps laid over them."""
    from pypdf import PdfReader
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    base_pages = PdfReader(io.BytesIO(base.copy)).pages
    forms = [_as_form(page, writer) for page in base_pages]
    if base.blank is not None:
        forms.append(_as_form(PdfReader(io.BytesIO(base.blank)).pages[0], writer))
    draw = DecodedStreamObject()
    draw.set_data(b"q /Base Do Q q /Stamp Do Q")
    draw_ref = writer._add_object(draw)
    width, height = base_pages[0].mediabox.width, base_pages[0].mediabox.height
    for cover, others in stamps:
        for index, form in enumerate(forms):
            page = writer.add_blank_page(width, height)
            page[NameObject("/Resources")] = DictionaryObject(
                {
                    NameObject("/XObject"): DictionaryObject(
                        {
                            NameObject("/Base"): form,
                            NameObject("/Stamp"): cover if index == 0 else others,
                        }
                    )
                }
            )
            page[NameObject("/Contents")] = draw_ref


def pages_per_copy(
    definition: Questionnaire,
    large_print: bool = False,
    *,
    support_services: Sequence[SupportService] | None = None,
    return_instructions: Sequence[str] | None = None,
    cache_dir: str | Path | None = None,
) -> int:
    """Pages in one copy, without its blank back page (every copy has the same layout); cached."""
    return _base(
        definition, large_print, support_services, return_instructions, _TYPICAL_SERIAL, cache_dir
    ).pages


_TYPICAL_SERIAL = len("VES-000123-4")


def render_paper_pdf(
    definition: Questionnaire,
    serials: Sequence[str],
    large_print: bool = False,
    *,
    support_services: Sequence[SupportService] | None = None,
    return_instructions: Sequence[str] | None = None,
    cache_dir: str | Path | None = None,
    stamped: bool = True,
) -> bytes:
    """The PDF of ``render_paper_html``: one copy per serial, each starting on a right-hand page.

    Each copy's footer reads "Page N of M" and every page carries the copy's serial. By default
    one copy is laid out (once per version and options, cached in memory and, given
    ``cache_dir``, on disk) and the serials are stamped onto its pages: about 0.1 s a copy
    instead of seconds. ``stamped=False`` lays out every copy in full (slow; for comparison).
    """
    if not serials:
        raise ValueError("give at least one serial number")
    options = {"support_services": support_services, "return_instructions": return_instructions}
    if not stamped:
        total = pages_per_copy(definition, large_print, cache_dir=cache_dir, **options)
        html = render_paper_html(definition, serials, large_print, pages_per_copy=total, **options)
        return _pdf(html)
    from pypdf import PdfWriter

    writer = PdfWriter()
    for length, group in groupby(serials, key=len):
        group = list(group)
        base = _base(
            definition, large_print, support_services, return_instructions, length, cache_dir
        )
        _compose(writer, base, _stamp_forms(writer, group, large_print))
    size = " (large print)" if large_print else ""
    writer.add_metadata({"/Title": f"{definition.title}: paper questionnaire{size}"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
