"""Hypothesis against the research forms: the summary's filters, the segment list's stage and
paging, the segments behind a count, the original-text button and starting a coding run, over
the hand-built summary data set. No input may cause a server error; filters that make no sense
are reported on the page (or refused with a 400 for a download)."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape

from tests.conftest import make_user, sign_in
from tests.survey_app.hostile.forms import any_text, has_error_summary, number_text
from tests.survey_app.research import summary_data
from tests.survey_app.research.factories import SLUG

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
STAGES = ["reporting", "engagement", "recovery", "none"]


@pytest.fixture
def researcher(hostile_app):
    with hostile_app.app_context():
        summary_data.build()
    client = hostile_app.test_client()
    _, email = make_user(hostile_app, "researcher")
    assert sign_in(client, email).status_code == 302
    return client


def has_nul(query: dict) -> bool:
    """A NUL in a query string is refused with 400 before any view (request_guards.py)."""
    return any("\x00" in value for value in query.values())


def maybe(strategy):
    """A query value, or the parameter left out."""
    return st.one_of(st.none(), strategy)


filter_args = st.fixed_dictionaries(
    {
        "version": maybe(st.one_of(number_text, any_text)),
        "date_from": maybe(st.one_of(st.dates().map(str), any_text)),
        "date_to": maybe(st.one_of(st.dates().map(str), any_text)),
        "crime_type": maybe(st.one_of(st.sampled_from(["domestic_abuse", "hate_crime"]), any_text)),
        "area": maybe(st.one_of(st.sampled_from(["wirral", "sefton"]), any_text)),
        "channel": maybe(st.one_of(st.sampled_from(["online", "paper"]), any_text)),
        "source": maybe(st.one_of(st.sampled_from(["survey", "focus_group"]), any_text)),
    }
).map(lambda d: {k: v for k, v in d.items() if v is not None})


@given(args=filter_args, download=st.sampled_from(["", ".csv", ".json"]))
def test_summary_filters_with_anything(researcher, args, download):
    response = researcher.get(f"/research/{SLUG}/summary{download}", query_string=args)
    if has_nul(args):
        assert response.status_code == 400
        return
    if download:
        assert response.status_code in (200, 400)
        return
    assert response.status_code == 200
    if has_error_summary(response.text):
        return
    for name in ("crime_type", "area"):  # a filter kept is one offered, shown chosen
        value = args.get(name, "").strip()
        if value:
            assert f'<option value="{escape(value)}" selected>' in response.text, (name, value)


@given(args=filter_args, stage=maybe(st.one_of(st.sampled_from(STAGES), any_text)), theme=any_text)
def test_segments_behind_a_count_with_anything(researcher, args, stage, theme):
    query = {**args, "theme": theme, **({"stage": stage} if stage is not None else {})}
    response = researcher.get(f"/research/{SLUG}/summary/segments", query_string=query)
    assert response.status_code == (400 if has_nul(query) else 200)


@given(
    stage=maybe(st.one_of(st.sampled_from(STAGES), any_text)),
    page=maybe(st.one_of(number_text, any_text)),
)
def test_segment_list_stage_and_paging_with_anything(researcher, stage, page):
    query = {k: v for k, v in (("stage", stage), ("page", page)) if v is not None}
    response = researcher.get(f"/research/{SLUG}/segments", query_string=query)
    assert response.status_code == (400 if has_nul(query) else 200)


@given(segment_id=any_text.filter(lambda s: "/" not in s))
def test_showing_an_original_with_any_id(researcher, segment_id):
    csrf = CSRF.search(researcher.get("/research/").text).group(1)
    response = researcher.post(
        f"/research/segments/{segment_id}/original", data={"csrf_token": csrf}
    )
    assert response.status_code in (404, 405, 308)


@given(coder=st.one_of(st.sampled_from(["rules", "model"]), any_text))
def test_starting_a_coding_run_with_anything(researcher, coder):
    csrf = CSRF.search(researcher.get("/research/").text).group(1)
    response = researcher.post(f"/research/{SLUG}/code", data={"csrf_token": csrf, "coder": coder})
    assert response.status_code == (302 if coder in ("rules", "model") else 400)
