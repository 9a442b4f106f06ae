"""The PDF itself: text extracted with pypdf, serials on every page, large print, page images."""

import io
import shutil
import subprocess

import pypdf
import pytest
from PIL import Image

from survey_app.paper import pages_per_copy, render_paper_pdf
from survey_app.questionnaire import load_questionnaire_text
from tests.survey_app.paper.factories import routed_questionnaire, service, shipped_questionnaire

SERIALS = ["PT-0001", "PT-0002"]


@pytest.fixture(scope="module")
def standard():
    """Two copies in standard print (rendered once for the module: layout takes seconds)."""
    pdf = render_paper_pdf(routed_questionnaire(), SERIALS, support_services=[service()])
    return pdf, pypdf.PdfReader(io.BytesIO(pdf))


@pytest.fixture(scope="module")
def large():
    """One copy in large print."""
    return pypdf.PdfReader(
        io.BytesIO(
            render_paper_pdf(
                routed_questionnaire(), ["PT-0001"], True, support_services=[service()]
            )
        )
    )


def text_of(reader) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def font_sizes(page) -> list[tuple[float, str]]:
    """(size in points, text) of every piece of text drawn on the page."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append((round(size * tm[0] * cm[0], 1), text.strip()))

    page.extract_text(visitor_text=visit)
    return found


def test_pdf_text_has_numbers_labels_routing_and_prefer_not(standard):
    text = " ".join(text_of(standard[1]))
    for number, label in enumerate([q.label for q in routed_questionnaire().questions], start=1):
        assert f"{number} {label}" in text
    assert "→ Go to question 3" in text
    assert "→ Go to question 4" in text
    assert "Now go to question 4." in text
    assert "Answer this only if you ticked 'Yes' at question 1." in text
    assert "Prefer not to say" in text
    assert "call 999" in text
    assert "Test Helpline: phone 0800 000 0000" in text


def test_every_page_carries_its_copy_serial(standard):
    pages = text_of(standard[1])
    copies = [
        1 if "Serial PT-0001" in page else 2 if "Serial PT-0002" in page else 0 for page in pages
    ]
    assert 0 not in copies, "a page without a serial"
    # Copy 1's pages all come before copy 2's, and no page names both.
    assert copies == sorted(copies)
    assert not any("Serial PT-0001" in page and "Serial PT-0002" in page for page in pages)


def test_n_serials_give_n_copies_with_their_own_page_numbers(standard):
    pages = text_of(standard[1])
    starts = [index for index, page in enumerate(pages) if "Page 1 of" in page]
    assert len(starts) == len(SERIALS)
    per_copy = starts[1] - starts[0]
    assert f"Page {per_copy} of {per_copy}" in pages[starts[1] - 1] or (
        "intentionally blank" in pages[starts[1] - 1]
    )


def fonts_of(resources) -> set[str]:
    """Base font names in a resource dictionary and in the Form XObjects it draws."""
    found = {str(f.get_object()["/BaseFont"]) for f in resources.get("/Font", {}).values()}
    for xobject in resources.get("/XObject", {}).values():
        found |= fonts_of(xobject.get_object().get("/Resources", {}))
    return found


def test_pdf_uses_the_installed_dejavu_fonts(standard):
    fonts = set()
    for page in standard[1].pages:
        fonts |= fonts_of(page["/Resources"])
    assert fonts and all("DejaVu" in name for name in fonts), fonts


def test_large_print_text_is_16pt_or_more_and_takes_more_pages(standard, large):
    sizes = [
        (size, text)
        for page in large.pages[1:]
        for size, text in font_sizes(page)
        if not text.startswith("Version")
    ]
    assert sizes and min(size for size, _ in sizes) >= 16, min(sizes)
    standard_sizes = [size for page in standard[1].pages[1:3] for size, _ in font_sizes(page)]
    assert max(standard_sizes) < max(size for size, _ in sizes)
    standard_pages = len(standard[1].pages) // len(SERIALS)
    assert len(large.pages) > standard_pages


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm (poppler-utils)")
def test_first_pages_render_to_non_blank_images(standard, tmp_path):
    (tmp_path / "paper.pdf").write_bytes(standard[0])
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "2", "paper.pdf", "page"],
        cwd=tmp_path,
        check=True,
        timeout=60,
    )
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == 2
    for path in images:
        grey = Image.open(path).convert("L")
        dark = sum(grey.histogram()[:128])
        assert dark / (grey.width * grey.height) > 0.01, f"{path.name} is almost blank"


def test_shipped_survey_fits_twelve_pages_in_standard_print():
    # 17 pages before writing space could run on and the questions flowed in two columns.
    assert pages_per_copy(shipped_questionnaire()) <= 12


def test_cover_shows_no_version_hash_under_the_title():
    definition = routed_questionnaire()
    cover = text_of(pypdf.PdfReader(io.BytesIO(render_paper_pdf(definition, ["PT-0001"]))))[0]
    # Only the staff footer ("Version ...") carries it.
    assert cover.count(definition.version[:12]) == 1
    assert f"Version {definition.version[:12]}" in cover


LONG_ANSWERS = """
kind: questionnaire
slug: long-answers
title: Long answers
estimated_minutes: 5
sections:
  - id: only
    title: Only
    pages:
""" + "".join(
    f"""
      - id: story{n}
        questions:
          - name: story{n}
            type: long_text
            label: Tell us about it ({n})
"""
    for n in range(1, 4)
)


def test_writing_space_runs_onto_the_next_page_and_both_pages_say_so():
    # Three 8-line answers in large print: a page holds one and a half, so one must run on
    # (a question block kept whole would leave half a page empty instead).
    definition = load_questionnaire_text(LONG_ANSWERS, "long-answers.yaml")
    pdf = render_paper_pdf(definition, ["PT-0001"], True, support_services=[service()])
    pages = text_of(pypdf.PdfReader(io.BytesIO(pdf)))
    continued = [i for i, page in enumerate(pages) if "Question 2 continued" in page]
    assert len(continued) == 1, pages
    before, after = pages[continued[0] - 1], pages[continued[0]]
    assert "Tell us about it (2)" in before
    assert "Question 2 continues on the next page" in before
    assert "continues on the next page" not in after
    # The page header says "Question 2 continued" instead of the title, only there.
    assert "Long answers" not in after
    assert all("Long answers" in page for page in pages if page is not after)
