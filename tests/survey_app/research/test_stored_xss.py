"""Stored cross-site scripting: script, attribute and javascript: payloads typed by respondents
(online), keyed from paper, stored as focus-group turns, written in memos and in theme labels
render as text on every research page (every GET route under /research, found from the URL map
so that a new page is covered without editing this test)."""

import re

import pytest
from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import Segment, Theme
from survey_app.services import codebooks
from tests.conftest import make_user
from tests.survey_app.research.factories import (
    SLUG,
    make_online_response,
    make_paper_response,
    text_answers,
)
from tests.survey_app.research.urls import research_get_urls
from tests.survey_app.research.workspace_data import suggestion, turn

SCRIPT = "<script>alert('xss-script')</script>"
ATTRIBUTE = "\"><img src=x onerror=alert(1) data-x='xss-attr'>"
JAVASCRIPT = "javascript:alert('xss-js')"
PAYLOAD = f"help {SCRIPT} then {ATTRIBUTE} and {JAVASCRIPT} end"
THEME_KEY = "xss_theme"
# What must never appear in a page: the payloads' markup, unescaped.
RAW = ("<script>alert(", "<img src=x onerror")
LINKED = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)
# Values for the variable parts of research routes; a new kind of route adds its own here.
PATH_VALUES = {"slug": SLUG}


def post(client, path, **data):
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/research/workspace").text
    ).group(1)
    response = client.post(path, data={"csrf_token": token, **data})
    assert response.status_code in (200, 302), (path, response.status_code)
    return response


@pytest.fixture
def hostile(synced, client, login_as):
    """Payloads everywhere a person can put text that researchers read."""
    with synced.app_context():
        answers = {
            "crime_type": ["domestic_abuse"],
            "area": "wirral",
            "reporting_experience": PAYLOAD,
            "what_would_help": PAYLOAD,
        }
        make_online_response(text_answers(**answers))
        make_paper_response(text_answers(**answers))
        turn_id = turn(PAYLOAD, speaker="P1")
        version = codebooks.current_version()
        last = db.session.scalar(
            select(func.max(Theme.position)).where(Theme.version_id == version.id)
        )
        db.session.add(
            Theme(
                version_id=version.id,
                key=THEME_KEY,
                label=f"label {SCRIPT} {ATTRIBUTE}",
                stage="recovery",
                definition=PAYLOAD,
                position=last + 1,
            )
        )
        db.session.commit()
        suggestion(turn_id, THEME_KEY, 0.5, matched=(SCRIPT, ATTRIBUTE, JAVASCRIPT))
        segment_ids = db.session.scalars(select(Segment.id)).all()
    user_id, _ = login_as("researcher")
    coders = [make_user(synced, "researcher")[0] for _ in range(2)]
    with synced.app_context():
        session_id, pending_id = hostile_session(user_id)
        sample_id = hostile_sample(user_id, coders)
    PATH_VALUES.update(session_id=session_id, pending_id=pending_id, sample_id=sample_id)
    post(client, f"/research/workspace/segments/{turn_id}/memo", memo=PAYLOAD)
    post(client, "/research/workspace/themes/memo", theme=THEME_KEY, memo=PAYLOAD)
    post(client, f"/research/workspace/segments/{turn_id}/code", code=THEME_KEY)
    return synced, turn_id, segment_ids


def hostile_sample(user_id: int, coders: list[int]) -> str:
    """A two-coder sample named with the payloads, drawn by the user for two other people."""
    from survey_app.models import User
    from survey_app.services import samples

    drawn = samples.create(
        samples.Draw(name=f"sample {SCRIPT} {ATTRIBUTE}", size=5, seed=1),
        *coders,
        db.session.get(User, user_id),
    )
    return drawn.id


def hostile_session(user_id: int) -> tuple[str, str]:
    """A focus-group session whose notes carry the payloads, and a transcript with the payloads
    (in what people said and as a speaker's name) awaiting confirm by the user."""
    from datetime import date

    from survey_app.models import User
    from survey_app.services import focus_groups, transcripts

    user = db.session.get(User, user_id)
    entered = focus_groups.SessionInput(
        kind="focus_group",
        held_on="2015-03-04",
        area="wirral",
        crime_types=["hate_crime"],
        topic_guide="victims-focus-group",
        facilitators=[str(user_id)],
        consent_obtained="yes",
        consent_method="written",
        notes=PAYLOAD,
    )
    session = focus_groups.create_session(entered, user, date.today())
    transcript = f"Facilitator: Tell me about {PAYLOAD}\nSam: {PAYLOAD}\n{SCRIPT}: {PAYLOAD}\n"
    pending = transcripts.start_import(session.id, transcript.encode(), user)
    return session.id, pending.id


def research_urls(app, segment_id: str) -> list[str]:
    """Every GET route under /research with its variable parts filled in, plus the workspace
    filtered and searched with payloads."""
    return [
        *research_get_urls(app, {**PATH_VALUES, "segment_id": segment_id}),
        f"/research/workspace?q={SCRIPT}",
        f"/research/workspace?q=help&theme={THEME_KEY}",
        "/research/workspace?q=onerror",
        f"/research/workspace/bulk/accept?theme={THEME_KEY}",
        f"/research/{SLUG}/summary/segments?stage=recovery&theme={THEME_KEY}",
        f"/research/{SLUG}/summary?theme={THEME_KEY}",
    ]


def test_payloads_render_as_text_on_every_research_page(hostile, client):
    app, turn_id, segment_ids = hostile
    pages = 0
    for segment_id in (turn_id, *segment_ids):
        for url in research_urls(app, segment_id):
            response = client.get(url)
            assert response.status_code < 500, url
            if response.mimetype != "text/html":
                continue
            body = response.get_data(as_text=True)
            pages += 1
            for raw in RAW:
                assert raw not in body, (url, raw)
            assert not LINKED.search(body), url
    assert pages > 10
    # And the payloads are really there, as text, on the pages that show them.
    page = client.get(f"/research/workspace/segments/{turn_id}").text
    assert "&lt;script&gt;alert(" in page
    assert "&lt;img src=x onerror=alert(1)" in page
    assert "label &lt;script&gt;" in page
    themes = client.get("/research/workspace/themes").text
    assert "&lt;script&gt;alert(" in themes
    values = PATH_VALUES
    preview = client.get(
        f"/research/sessions/{values['session_id']}/imports/{values['pending_id']}"
    )
    assert preview.status_code == 200
    assert "&lt;script&gt;alert(" in preview.text
    session_page = client.get(f"/research/sessions/{values['session_id']}").text
    assert "&lt;img src=x onerror=alert(1)" in session_page


def test_the_original_text_is_escaped_too(hostile, client):
    _, turn_id, _ = hostile
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/research/workspace").text
    ).group(1)
    shown = client.post(f"/research/segments/{turn_id}/original", data={"csrf_token": token})
    assert "&lt;script&gt;alert(" in shown.text
    for raw in RAW:
        assert raw not in shown.text
