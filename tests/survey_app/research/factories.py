"""Test data for research: segments, codings and coding events, made through the models."""

from datetime import UTC, datetime

from survey_app.extensions import db
from survey_app.models import CodingEvent, Segment
from survey_app.models.base import random_id


def make_segment(text: str = "Nobody kept me informed.", **fields) -> str:
    """A free-standing survey segment (no response); returns its id. Commits."""
    values = {"source": "survey", "channel": "online", "stage": "engagement", "crime_types": []}
    values.update(fields)
    segment = Segment(text=text, **values)
    db.session.add(segment)
    db.session.commit()
    return segment.id


def make_coding_event(**fields) -> str:
    """One coding event; returns its id. Commits."""
    values = {
        "at": datetime.now(UTC).replace(tzinfo=None),
        "coding_id": random_id(),
        "segment_id": random_id(),
        "theme": "kept_informed",
        "coder": "rules@test",
        "action": "created",
        "status": "suggested",
    }
    values.update(fields)
    event = CodingEvent(**values)
    db.session.add(event)
    db.session.commit()
    return event.id


SLUG = "victims-experience"
PASSWORD = "correct horse battery staple"


def make_online_response(answers: dict, slug: str = SLUG, today=None):
    """Submit answers (question name -> Answer) as an online respondent would, through the
    services (draft, then submit); returns the response id. Needs synced questionnaires."""
    from survey_app.services import drafts, questionnaires, responses

    found = questionnaires.find_questionnaire(slug)
    now = datetime.now(UTC).replace(tzinfo=None)
    if today is not None:
        now = datetime.combine(today, now.time())
    draft = drafts.start_draft(found.version, now, hours=1)
    response = responses.submit_draft(draft, found.definition, answers, now)
    return response.id


def make_paper_response(answers: dict, slug: str = SLUG, today=None):
    """Print one copy (single entry) and key it, which makes it final; returns (serial,
    response id). Needs synced questionnaires."""
    from datetime import date

    from survey_app.services import paper, questionnaires
    from survey_app.services.users import create_user

    found = questionnaires.find_questionnaire(slug)
    keyer = create_user(f"keyer-{random_id()[:6]}@example.org", "entry", PASSWORD)
    found.row.double_entry = False
    batch = paper.print_batch(found.row, 1, keyer, today or date.today())
    copy = batch.copies[0]
    paper.save_entry(copy, keyer, found.definition, answers, None, today or date.today())
    db.session.refresh(copy)
    return copy.serial, copy.response_id


def text_answers(**texts):
    """Answers for a few questions: free text as given, plus crime type and area when named."""
    from survey_app.questionnaire import Answer

    out = {}
    for name, value in texts.items():
        out[name] = Answer.answered_with(tuple(value) if isinstance(value, list) else value)
    return out
