"""Test data for the coding workspace: survey and focus-group segments with codings, made
through the models (focus-group turns follow the shared convention)."""

from datetime import UTC, datetime

from survey_app.extensions import db
from survey_app.models import Coding, CodingEvent, Segment
from survey_app.models.base import random_id


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def survey_segment(text: str, **fields) -> str:
    values = {
        "source": "survey",
        "channel": "online",
        "stage": "engagement",
        "question": "what_would_help",
        "crime_types": ["domestic_abuse"],
        "area": "wirral",
    }
    values.update(fields)
    segment = Segment(text=text, **values)
    db.session.add(segment)
    db.session.commit()
    return segment.id


def turn(text: str, session: str = "7", number: int = 1, speaker: str = "P1", **fields) -> str:
    """A focus-group turn as the transcript import stores it."""
    values = {
        "source": "focus_group",
        "channel": None,
        "stage": "recovery",
        "question": None,
        "questionnaire_id": None,
        "response_id": None,
        "session_ref": session,
        "turn": number,
        "speaker": speaker,
        "crime_types": ["hate_crime"],
        "area": "sefton",
    }
    values.update(fields)
    segment = Segment(text=text, **values)
    db.session.add(segment)
    db.session.commit()
    return segment.id


def suggestion(
    segment_id: str, theme: str, confidence: float = 0.6, matched=("kept informed",), coder=None
) -> str:
    """A machine suggestion with its creation event, as a coding run stores it."""
    at = now()
    row = Coding(
        id=random_id(),
        segment_id=segment_id,
        theme=theme,
        coder=coder or "rules@victims-services-test",
        user_id=None,
        confidence=confidence,
        status="suggested",
        matched=list(matched),
        created_at=at,
        updated_at=at,
    )
    db.session.add(row)
    db.session.add(
        CodingEvent(
            at=at,
            coding_id=row.id,
            segment_id=segment_id,
            theme=theme,
            coder=row.coder,
            action="created",
            status="suggested",
            confidence=confidence,
        )
    )
    db.session.commit()
    return row.id
