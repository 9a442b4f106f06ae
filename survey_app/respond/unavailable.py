"""The question page a respondent just posted, shown again filled in when nothing could be saved.

When the database cannot be reached (restarting, full disk, read-only file), a respondent who
pressed Continue gets their page back with what they typed and a calm "try again shortly"
message, status 503. It is built from what this app last read of the questionnaire, without the
database; posted values are only echoed back to the respondent's own form (valid CSRF token).
"""

from flask import request
from wtforms import ValidationError

from survey_app.csrf_tokens import validate_csrf
from survey_app.respond.views import render_question_page
from survey_app.services import questionnaires

NOTICE = (
    "Sorry, we could not save your answers just now. What you typed is below: "
    "wait a minute, then select Continue to try again."
)


def unavailable_question_page() -> str | None:
    """The posted question page filled in with the posted values, or None when it can't be."""
    if request.endpoint != "respond.question" or request.method != "POST":
        return None
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return None
    found = questionnaires.last_published(request.view_args["slug"])
    if found is None:
        return None
    try:
        page = found.definition.page(request.view_args["page_id"])
    except KeyError:
        return None
    # Without the draft the earlier answers are unknown: show the questions shown to everyone,
    # and any other question of the page that was answered (its fields were posted).
    shown = {q.name for q in found.definition.relevant_questions(page, {})}
    questions = [q for q in page.questions if q.name in shown or _posted(q.name)]
    return render_question_page(found, found.version, {}, page, questions, request.form, {}, NOTICE)


def _posted(name: str) -> bool:
    return any(key == name or key.startswith(f"{name}-") for key in request.form)
