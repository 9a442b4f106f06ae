"""The method page: what the records say was done (who took part, codebook, coding, the learned
coder's quality, agreement on finished samples), people named by account number only, counts of
people under the summary's disclosure control."""

import html
import re
from datetime import UTC, datetime

from survey_app.extensions import db
from survey_app.models import ThemeQuality
from survey_app.services import summary as summaries
from tests.survey_app.research.factories import SLUG
from tests.survey_app.research.test_two_coders import BELIEVED, SPEED, Person, draw, responses
from tests.survey_app.research.workspace_data import suggestion, turn

XSS = "<script>alert(1)</script>"


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_the_method_says_what_was_done_from_the_records(synced):
    lead, a, b = (Person(synced) for _ in range(3))
    ids = responses(synced, 12)
    sample_id = draw(lead, a, b, size="12", name=f"Reporting double-coded {XSS}")
    a.code(sample_id, ids[0], BELIEVED)
    a.code(sample_id, ids[1], BELIEVED)
    b.code(sample_id, ids[0], BELIEVED)
    b.code(sample_id, ids[2], SPEED)
    a.finish(sample_id)
    b.finish(sample_id)
    with synced.app_context():
        suggestion(ids[3], "kept_informed", 0.7)
        for speaker in ("Facilitator", "P1", "P2", "P3"):
            turn(f"What {speaker} said about support.", speaker=speaker)
        db.session.add(
            ThemeQuality(
                theme=BELIEVED,
                precision=0.81,
                recall=0.64,
                support=25,
                coder="model:test",
                computed_at=datetime(2026, 11, 30, 12, 0, tzinfo=UTC).replace(tzinfo=None),
            )
        )
        db.session.commit()
        made = summaries.summary_for(summaries.Request(slug=SLUG))
    page = lead.get(f"/research/{SLUG}/method")
    assert page.status_code == 200
    shown = text_of(page.text)
    # Who took part: the summary's own cells, so nothing here undoes its suppression.
    assert f"Questionnaire respondents: {made.respondents.text()}" in shown
    for channel, cell in made.by_channel.items():
        assert f"{channel.capitalize()}: {cell.text()}." in shown
    assert "1 focus group with a stored transcript" in shown
    assert "participants (facilitators not counted): fewer than 10" in shown
    # The codebook, its version and definitions.
    assert "(victims-services), version 1 of" in shown
    assert "Being believed and taken seriously Whether the person felt the police" in shown
    # Coding: people's codes from the sample, the machine's suggestion awaiting review.
    assert "Codes made by people: 4." in shown
    assert "not reviewed: 1;" in shown
    assert (
        "Suggestions made by the codebook's indicator rules (rules@victims-services-test): 1."
        in shown
    )
    # The learned coder's measured quality.
    assert "0.81" in shown and "0.64" in shown and "(2026-11-30)" in shown
    # Agreement: the finished sample, its seed, the coders by account number only.
    assert "12 segments (stage reporting) drawn at random with seed 42" in shown
    assert f"coded blind by Person {a.id} and Person {b.id}" in shown
    assert "Cohen's kappa per theme" in shown
    for person in (a, b):  # the coders (the page header names whoever is signed in)
        assert person.email not in page.text
    assert XSS not in page.text and "&lt;script&gt;" in page.text


def test_before_anything_is_coded_the_method_says_so(synced):
    lead = Person(synced)
    page = text_of(lead.get(f"/research/{SLUG}/method").text)
    assert "No two-coder sample is finished yet." in page
    assert "Not measured yet" in page
    assert "No focus-group or workshop transcript is stored." in page
    assert lead.get("/research/no-such-questionnaire/method").status_code == 404
