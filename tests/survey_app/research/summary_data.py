"""A small hand-built data set for the summary, made through the real services, where every
figure below is known by construction.

- 15 online responses: Liverpool, domestic abuse, reported "yes", reporting_experience saying
  they were not taken seriously; a person coded every one believed_taken_seriously; 12 of them
  also carry an unreviewed machine suggestion of speed_of_response.
- 5 online responses: Wirral, hate crime, reported "no", reporting_experience "n/a" (an answer
  that says nothing: left out of every theme base).
- 2 paper responses: Knowsley, anti-social behaviour, reported "yes", with reporting text and no
  coding.

So: 22 respondents, 20 online (hidden: it would give away the 2 on paper), 2 on paper ("fewer
than 10"); the reporting stage has 17 respondents who said something; believed_taken_seriously
15 respondents (88.2% of 17), 15 segments, coded by people; speed_of_response 12 respondents
(70.6%), 12 segments, 12 unreviewed, machine only.
"""

from datetime import UTC, datetime

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Coding, Segment, User
from survey_app.models.base import random_id
from tests.survey_app.research.factories import (
    PASSWORD,
    make_online_response,
    make_paper_response,
    text_answers,
)

TOTAL = 22
BELIEVED = "believed_taken_seriously"
SPEED = "speed_of_response"
STAGE_BASE = 17


def build() -> dict:
    """Make the data set (in an app context, questionnaires synced); returns the ids made."""
    from survey_app.services import coding
    from survey_app.services.users import create_user

    coder = create_user(f"coder-{random_id()[:6]}@example.org", "researcher", PASSWORD)
    liverpool = []
    for i in range(15):
        liverpool.append(
            make_online_response(
                text_answers(
                    crime_type=["domestic_abuse"],
                    area="liverpool",
                    reported="yes",
                    reporting_experience=f"They did not take me seriously when I rang them ({i}).",
                )
            )
        )
    for _ in range(5):
        make_online_response(
            text_answers(
                crime_type=["hate_crime"], area="wirral", reported="no", why_not_reported_more="n/a"
            )
        )
    paper = [
        make_paper_response(
            text_answers(
                crime_type=["anti_social_behaviour"],
                area="knowsley",
                reported="yes",
                reporting_experience="I rang the council about the noise and they came out.",
            )
        )[1]
        for _ in range(2)
    ]
    segments = {
        s.response_id: s.id
        for s in db.session.scalars(
            select(Segment).where(Segment.question == "reporting_experience")
        )
    }
    user = db.session.get(User, coder.id)
    believed = [segments[r] for r in liverpool]
    for segment_id in believed:
        coding.code_by_person(segment_id, BELIEVED, user)
    now = datetime.now(UTC).replace(tzinfo=None)
    for segment_id in believed[:12]:
        # As a machine run stores them (services/coding.py `_store`): a coding and its event.
        suggestion = Coding(
            id=random_id(),
            segment_id=segment_id,
            theme=SPEED,
            coder="rules@test",
            confidence=0.8,
            status="suggested",
            matched=["rang"],
            direction="negative",
            created_at=now,
            updated_at=now,
        )
        db.session.add(suggestion)
        db.session.add(coding.coding_event(suggestion, "created", None, now))
    db.session.commit()
    return {"believed": believed, "speed": believed[:12], "paper": paper, "liverpool": liverpool}
