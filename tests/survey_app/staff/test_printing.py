"""Printing a batch with real users: one PDF of every copy, parts for big batches, a preview."""

import io
import re

import pypdf

from tests.survey_app.staff.test_paper import SLUG, signed_in, token


def batch_url(admin, copies: int) -> str:
    page = f"/staff/paper/{SLUG}/"
    response = admin.post(
        f"/staff/paper/{SLUG}/print",
        data={"csrf_token": token(admin, page), "copies": str(copies)},
    )
    assert response.status_code == 302
    return response.headers["Location"]


def pages_of(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def test_entry_staff_download_the_whole_batch_as_one_pdf(app, synced):
    admin = signed_in(app, "admin")
    url = batch_url(admin, 3)
    keyer = signed_in(app, "entry")
    page = keyer.get(url).text
    serials = re.findall(r"<li><a [^>]*>([A-Z]+-\d+-\d)<", page)
    assert len(serials) == 3
    link = re.search(r'href="([^"]*copies\.pdf)"', page).group(1)
    response = keyer.get(link)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    pages = pages_of(response.data)
    starts = [i for i, text in enumerate(pages) if "Page 1 of" in text]
    assert len(starts) == 3 and all(i % 2 == 0 for i in starts) and len(pages) % 2 == 0
    for serial, start, end in zip(serials, starts, [*starts[1:], len(pages)], strict=True):
        for text in pages[start:end]:
            assert f"Serial {serial}" in text
            assert not any(other in text for other in serials if other != serial)


def test_large_print_pdf_has_more_pages_than_standard(app, synced):
    admin = signed_in(app, "admin")
    url = batch_url(admin, 1)
    standard = admin.get(f"{url}/copies.pdf")
    large = admin.get(f"{url}/copies.pdf?large=1")
    assert "large-print" in large.headers["Content-Disposition"]
    assert len(pages_of(large.data)) > len(pages_of(standard.data))


def test_big_batches_are_offered_in_parts_of_a_configured_size(app, synced):
    app.config["PAPER_COPIES_PER_PDF"] = 2
    admin = signed_in(app, "admin")
    url = batch_url(admin, 5)
    page = admin.get(url).text
    links = re.findall(r'href="([^"]*copies\.pdf\?part=\d+)"', page)
    assert [link.rsplit("=", 1)[1] for link in links] == ["1", "2", "3"]
    serials = re.findall(r"<li><a [^>]*>([A-Z]+-\d+-\d)<", page)
    last = pages_of(admin.get(links[-1]).data)
    assert all(f"Serial {serials[4]}" in text for text in last)
    assert admin.get(f"{url}/copies.pdf?part=4").status_code == 404
    assert admin.get(f"{url}/copies.pdf?part=x").status_code == 404


def test_one_spoiled_copy_can_be_reprinted_but_only_from_its_own_batch(app, synced):
    admin = signed_in(app, "admin")
    first = batch_url(admin, 2)
    second = batch_url(admin, 1)
    serials = re.findall(r"<li><a [^>]*>([A-Z]+-\d+-\d)<", admin.get(first).text)
    one = admin.get(f"{first}/copies.pdf?serial={serials[1]}")
    assert serials[1] in one.headers["Content-Disposition"]
    assert all(f"Serial {serials[1]}" in text for text in pages_of(one.data))
    assert admin.get(f"{second}/copies.pdf?serial={serials[1]}").status_code == 404


def test_print_preview_links_its_stylesheet_instead_of_inline_styles(app, synced):
    admin = signed_in(app, "admin")
    url = batch_url(admin, 2)
    preview = admin.get(f"{url}/preview?large=1")
    assert preview.status_code == 200
    html = preview.text
    assert "<style" not in html and "style=" not in html
    assert "style-src 'self'" in preview.headers["Content-Security-Policy"]
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)
    assert href == "/staff/paper/paper.css?large=1"
    css = admin.get(href)
    assert css.mimetype == "text/css"
    assert "font-size: 16pt" in css.text
    assert "font-size: 12pt" in admin.get("/staff/paper/paper.css").text
    # One copy, the batch's first.
    serials = re.findall(r"<li><a [^>]*>([A-Z]+-\d+-\d)<", admin.get(url).text)
    assert html.count('class="serial"') == 1 and serials[0] in html
