"""The templates' `indent` filter keeps every character people type (Jinja's own turned "\\r",
"\\x85", "\\u2028" and other line-breaking characters in shown values into "\\n" and spaces)."""

import jinja2
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from survey_app.pages.filters import indent_lines

MARKUP = st.text(st.sampled_from("<a>\n &x"), max_size=30)
OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "width": st.one_of(st.integers(0, 8), st.sampled_from(["", "--"])),
        "first": st.booleans(),
        "blank": st.booleans(),
    },
)


@given(text=MARKUP, markup=st.booleans(), options=OPTIONS)
def test_markup_is_indented_as_jinja_does(text, markup, options):
    value = Markup(text) if markup else text  # noqa: S704 (the filter must treat it as markup)
    ours, jinjas = indent_lines(value, **options), jinja2.filters.do_indent(value, **options)
    assert ours == jinjas and type(ours) is type(jinjas)


@given(text=st.text(st.characters(exclude_characters="\n", exclude_categories=("Cs",))))
def test_a_value_without_line_feeds_comes_through_unchanged(text):
    assert indent_lines(text, 6) == text
    assert indent_lines(Markup.escape(text), 6) == Markup.escape(text)


def test_a_date_typed_with_a_line_separator_is_shown_as_typed(app):
    with app.test_request_context():
        html = jinja2_render(app, "2024\u2028")
    assert 'value="2024\u2028"' in html


def jinja2_render(app, year: str) -> str:
    from flask import render_template_string

    return render_template_string(
        '{% from "govuk_frontend_jinja/components/date-input/macro.html" import govukDateInput %}'
        "{{ govukDateInput({'id': 'd', 'namePrefix': 'd', 'items': [{'name': 'year', "
        "'value': year}]}) }}",
        year=year,
    )
