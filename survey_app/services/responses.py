"""Responses: turning a finished draft into a stored response, exactly once."""

from datetime import date

from sqlalchemy import select, update

from survey_app.extensions import db
from survey_app.models import Answer as AnswerRow
from survey_app.models import Draft, Response
from survey_app.models.base import random_id
from survey_app.questionnaire import Answer, AnswerState
from survey_app.questionnaire import Questionnaire as Definition
from survey_app.services import segments

# Answers the confirmation page signposts support services by; kept on the spent draft briefly.
SIGNPOSTING_QUESTIONS = ("crime_type", "area")


class AlreadySubmitted(Exception):
    """The draft was submitted before (a double click, or a second tab)."""


def submit_draft(
    draft: Draft, definition: Definition, answers: dict[str, Answer], today: date
) -> Response:
    """Store the draft's answers as a response with its segments and spend the draft, in one
    transaction.

    Every relevant question gets a row: unanswered ones are stored as skipped, so an export
    tells "not asked" (no row) from "asked and skipped".
    """
    spent = db.session.execute(
        update(Draft)
        .where(Draft.id == draft.id, Draft.status == "open")
        .values(
            status="submitted",
            resume_code_hash=None,
            answers={
                name: answers[name].to_json() for name in SIGNPOSTING_QUESTIONS if name in answers
            },
        )
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        db.session.rollback()
        raise AlreadySubmitted
    response = Response(
        id=random_id(), version_id=draft.version_id, channel="online", submitted_on=today
    )
    response.answers = answer_rows(definition, answers)
    db.session.add(response)
    segments.add_for_new_response(response, definition)  # no answer without its segments
    db.session.commit()
    db.session.refresh(draft)
    return response


def answer_rows(definition: Definition, answers: dict[str, Answer]) -> list[AnswerRow]:
    """Rows in questionnaire order: every relevant question (skipped when unanswered), and any
    question answered although routing skips it (possible on paper, never online)."""
    rows = []
    for position, question in enumerate(definition.questions):
        answer = answers.get(question.name, Answer(AnswerState.SKIPPED, None))
        if answer.state is AnswerState.SKIPPED and not definition.is_relevant(question, answers):
            continue
        data = answer.to_json()
        rows.append(
            AnswerRow(
                question=question.name,
                position=position,
                state=data["state"],
                value=data.get("value"),
            )
        )
    return rows


def responses_for(questionnaire_id: int) -> list[Response]:
    """All responses to any version of a questionnaire, oldest date first."""
    from survey_app.models import QuestionnaireVersion

    return list(
        db.session.scalars(
            select(Response)
            .join(QuestionnaireVersion)
            .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
            .order_by(Response.submitted_on, Response.id)
        )
    )
