"""Printable HTML of paper questionnaires: copies, serials, cover page and page structure."""

import pytest

from survey_app.paper import paper_css, render_paper_html
from survey_app.paper.render import local_only_fetcher
from tests.pages import check_page_structure
from tests.survey_app.paper.factories import routed_questionnaire, service


def render(serials=("PT-0001",), **options):
    options.setdefault("support_services", [service()])
    return render_paper_html(routed_questionnaire(), list(serials), **options)


def test_one_copy_per_serial_in_order():
    html = render(["PT-0001", "PT-0002", "PT-0003"])
    assert html.count('<div class="copy">') == 3
    positions = [
        html.index(f'<span class="serial">{s}</span>') for s in ("PT-0001", "PT-0002", "PT-0003")
    ]
    assert positions == sorted(positions)


def test_page_has_one_h1_a_matching_title_and_unique_ids_whatever_the_copies():
    check_page_structure(render(["PT-0001", "PT-0002"]))


def test_serial_is_escaped():
    html = render(["<b>x</b>"])
    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_no_serials_is_an_error():
    with pytest.raises(ValueError, match="serial"):
        render([])


def test_cover_says_purpose_anonymity_return_and_999():
    html = render(return_instructions=["Post it to Freepost TEST."])
    assert "A short survey used to test paper forms." in html
    assert "Your answers are anonymous" in html
    assert "Post it to Freepost TEST." in html
    assert "call 999" in html


def test_support_services_listed_without_placeholders():
    placeholder = service(id="local", name="Local placeholder", phone=None, placeholder=True)
    html = render(support_services=[service(), placeholder])
    assert "Test Helpline" in html and "0800 000 0000" in html
    assert "Local placeholder" not in html


def test_shipped_support_services_are_used_by_default():
    html = render_paper_html(routed_questionnaire(), ["PT-0001"])
    assert "Samaritans" in html
    assert "administrator to replace" not in html


def test_css_href_links_the_stylesheet_instead_of_an_inline_style():
    html = render(css_href="/staff/paper/print.css")
    assert '<link rel="stylesheet" href="/staff/paper/print.css">' in html
    assert "<style>" not in html


def test_large_print_stylesheet_sets_at_least_16pt_body_text():
    assert "font-size: 16pt" in paper_css(large_print=True)
    assert "font-size: 12pt" in paper_css(large_print=False)


def test_footer_counts_pages_of_the_copy_when_known():
    assert 'counter(page) " of 9"' in paper_css(pages_per_copy=9)
    assert " of " not in paper_css().split("@bottom-center")[1].split("}")[0]


@pytest.mark.parametrize(
    "url", ["http://example.com/font.woff", "https://example.com/x.css", "file:///etc/passwd"]
)
def test_url_fetcher_refuses_network_and_files_outside_the_templates(url):
    with pytest.raises(ValueError):
        local_only_fetcher().fetch(url)


def test_url_fetcher_reads_the_paper_templates():
    from survey_app.paper.render import TEMPLATES

    response = local_only_fetcher().fetch((TEMPLATES / "paper.css").as_uri())
    try:
        assert b"@page" in response.read()
    finally:
        response.close()
