"""The stamped PDF (one copy laid out, serials stamped on) against the fully laid-out one."""

import io
import re
import shutil
import subprocess
from collections import Counter

import pypdf
import pytest
from PIL import Image

from survey_app.paper import render, render_paper_pdf
from survey_app.paper.serials import make_serial
from tests.survey_app.paper.factories import routed_questionnaire, service

# Every character a serial can have appears in these, and copy 4 has a shorter serial.
SERIALS = [
    make_serial("ABCDEF", 1),
    make_serial("GHIJKL", 23456),
    make_serial("MNOPQR", 789),
    "STUVWXYZ-1",
]


def pages_text(pdf: bytes) -> list[str]:
    return [
        " ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages
    ]


@pytest.fixture(scope="module")
def stamped():
    return render_paper_pdf(routed_questionnaire(), SERIALS, support_services=[service()])


def copies_of(pages: list[str]) -> list[list[str]]:
    """Pages grouped by copy: a copy starts at its cover ("Page 1 of")."""
    copies: list[list[str]] = []
    for page in pages:
        if "Page 1 of" in page:
            copies.append([])
        copies[-1].append(page)
    return copies


def test_every_page_carries_its_own_copys_serial_and_nothing_else(stamped):
    copies = copies_of(pages_text(stamped))
    assert len(copies) == len(SERIALS)
    for serial, pages in zip(SERIALS, copies, strict=True):
        for page in pages:
            assert f"Serial {serial}" in page
            others = [s for s in SERIALS if s != serial and s in page]
            assert not others, (serial, others)
        # The cover also shows it in the serial box.
        assert pages[0].count(serial) == 2


def test_each_copy_starts_on_a_right_hand_page(stamped):
    pages = pages_text(stamped)
    starts = [index for index, page in enumerate(pages) if "Page 1 of" in page]
    assert all(index % 2 == 0 for index in starts), starts
    assert len(pages) % 2 == 0
    for start in starts[1:]:
        before = pages[start - 1]
        assert "intentionally blank" in before or re.search(r"Page (\d+) of \1", before)


def words(page: str) -> Counter:
    return Counter(page.split())


def test_stamped_pages_say_what_fully_laid_out_pages_say():
    definition = routed_questionnaire()
    serials = SERIALS[:2]
    full = pages_text(
        render_paper_pdf(definition, serials, support_services=[service()], stamped=False)
    )
    fast = pages_text(render_paper_pdf(definition, serials, support_services=[service()]))
    # The full layout has no blank back page after the last copy; otherwise page for page equal.
    assert len(fast) in (len(full), len(full) + 1)
    for number, (slow_page, fast_page) in enumerate(zip(full, fast, strict=False)):
        assert words(slow_page) == words(fast_page), number


def test_serials_with_other_characters_are_laid_out_instead():
    pages = pages_text(
        render_paper_pdf(routed_questionnaire(), ["pt-0001"], support_services=[service()])
    )
    assert all("Serial pt-0001" in page for page in pages)


def test_the_layout_is_cached_on_disk_for_other_workers(tmp_path, monkeypatch):
    definition = routed_questionnaire()
    first = render_paper_pdf(
        definition, SERIALS[:1], support_services=[service()], cache_dir=tmp_path
    )
    assert list(tmp_path.glob("*/copy.pdf"))
    monkeypatch.setattr(render, "_bases", {})

    def no_layout(*args, **kwargs):
        raise AssertionError("laid out again although the disk cache has it")

    monkeypatch.setattr(render, "_layout_base", no_layout)
    again = render_paper_pdf(
        definition, SERIALS[:1], support_services=[service()], cache_dir=tmp_path
    )
    assert pages_text(again) == pages_text(first)


def darkness(pdf: bytes, folder) -> float:
    """Share of dark pixels in the cover's serial box (top right of page 1) at 60 dpi."""
    (folder / "paper.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", "paper.pdf", "page"],
        cwd=folder,
        check=True,
        timeout=60,
    )
    grey = Image.open(next(folder.glob("page-*.png"))).convert("L")
    box = grey.crop((int(grey.width * 0.68), int(grey.height * 0.07), grey.width - 45, 112))
    return sum(box.histogram()[:128]) / (box.width * box.height)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm (poppler-utils)")
def test_stamped_cover_shows_the_serial_inside_its_box(stamped, tmp_path):
    (tmp_path / "stamped").mkdir()
    (tmp_path / "base").mkdir()
    base = next(iter(render._bases.values())).copy  # the layout the serials were stamped on
    with_serial = darkness(stamped, tmp_path / "stamped")
    without = darkness(base, tmp_path / "base")
    assert with_serial > without + 0.03, (with_serial, without)
