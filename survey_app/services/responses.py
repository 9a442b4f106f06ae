"""Responses: turning a finished draft into a stored response, exactly once."""

from datetime import datetime

from sqlalchemy import select, text, update

from survey_app.database import committing
from survey_app.extensions import db
from survey_app.models import AnswerRow, Draft, Response
from survey_app.models.base import random_id
from survey_app.questionnaire import Answer, AnswerState, Questionnaire
from survey_app.services import segments
from survey_app.services.drafts import delete_lapsed, spent_expiry

# Answers the confirmation page signposts support services by; kept on the spent draft briefly.
SIGNPOSTING_QUESTIONS = ("crime_type", "area")


class AlreadySubmitted(Exception):
    """The draft was submitted before (a double click, or a second tab)."""


def submit_draft(
    draft: Draft, definition: Questionnaire, answers: dict[str, Answer], now: datetime
) -> Response:
    """Store the draft's answers as a response with its segments and spend the draft, in one
    transaction.

    Every relevant question gets a row: unanswered ones are stored as skipped, so an export
    tells "not asked" (no row) from "asked and skipped". The response gets the date only; the
    spent draft keeps what the confirmation page signposts by, and an expiry on a quarter-hour
    mark within half an hour (the confirmation page deletes it sooner). Lapsed drafts go too.
    """
    with committing():
        delete_lapsed(now, keep=draft.id)
        spent = db.session.execute(
            update(Draft)
            .where(Draft.id == draft.id, Draft.status == "open")
            .values(
                status="submitted",
                resume_code_hash=None,
                expires_at=spent_expiry(now),
                answers={
                    name: answers[name].to_json()
                    for name in SIGNPOSTING_QUESTIONS
                    if name in answers
                },
            )
            .execution_options(synchronize_session=False)
        )
        if spent.rowcount != 1:
            raise AlreadySubmitted  # rolled back: nothing of this submission is stored
        response = Response(
            id=random_id(), version_id=draft.version_id, channel="online", submitted_on=now.date()
        )
        response.answers = answer_rows(definition, answers)
        db.session.add(response)
        segments.add_for_new_response(response, definition)  # no answer without its segments
    db.session.refresh(draft)
    return response


def answer_rows(definition: Questionnaire, answers: dict[str, Answer]) -> list[AnswerRow]:
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


# Tables whose physical order on PostgreSQL would otherwise tell the order of submission, with
# the index (primary key) that CLUSTER puts them in order of.
SCATTERED_TABLES = (("response", "pk_response"), ("answer", "pk_answer"))


def scatter_stored_order() -> bool:
    """On PostgreSQL, hide the order and time of submission kept by the heap; False elsewhere.

    New rows go to the end of the heap (ctid follows insertion) and carry their transaction's id
    (xmin, which counts up). First one transaction rewrites every response and answer row, so all
    share one xmin; then, once that has committed, CLUSTER rewrites each table in the order of its
    random primary key. CLUSTER runs apart so that the old row versions, dead by then, are left
    behind instead of copied (it keeps versions that a still-running transaction might see).
    SQLite needs none of this: those tables are WITHOUT ROWID (migration 0003).
    """
    engine = db.engine
    if engine.dialect.name != "postgresql":
        return False
    db.session.commit()  # end the session's transaction: the rewrite below uses its own
    names = ", ".join(table for table, _ in SCATTERED_TABLES)
    with engine.begin() as connection:
        # Submissions wait (reads go on), so no row is left with a transaction id of its own.
        connection.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
        connection.execute(text("UPDATE response SET id = id"))
        connection.execute(text("UPDATE answer SET question = question"))
    with engine.begin() as connection:
        for table, index in SCATTERED_TABLES:
            connection.execute(text(f"CLUSTER {table} USING {index}"))
        connection.execute(text(f"ANALYZE {names}"))
    return True
