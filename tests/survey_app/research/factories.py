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
