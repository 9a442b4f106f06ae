"""Correcting a final paper record: an admin changes answers keyed wrongly, with a reason.

Only paper records can be corrected (an online response is what the respondent gave). Each
changed answer is audited with its old and new value, and the reason once; the copy's lock
version guards against two people correcting the same record at once.
"""

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import update

from survey_app.database import committing
from survey_app.extensions import db
from survey_app.models import AnswerRow, PaperCopy, Response, User
from survey_app.questionnaire import Answer, Questionnaire
from survey_app.services import audit, segments
from survey_app.services.paper import Conflict, KeyingProblem, printed_copy
from survey_app.services.responses import answer_rows

MAX_REASON = 500
NO_REASON = "Enter why the record is being corrected"
LONG_REASON = f"The reason must be {MAX_REASON} characters or fewer"
#: The confirming button's value starts with this, followed by the summary's digest.
CONFIRM = "confirm:"


class NothingChanged(Exception):
    """The corrected answers are the same as the record's."""


def final_copy(text: str) -> PaperCopy:
    """The final paper copy with this serial, or a KeyingProblem saying why there is none."""
    copy = printed_copy(text)
    if copy.response_id is None:
        raise KeyingProblem(
            f"{copy.serial} is not final yet: correct it by keying or reconciling it"
        )
    return copy


def final_answers(copy: PaperCopy) -> dict[str, Answer]:
    """The answers of the copy's final record, by question name."""
    response = db.session.get(Response, copy.response_id)
    return {
        row.question: Answer.from_json({"state": row.state, "value": row.value})
        for row in response.answers
    }


@dataclass(frozen=True)
class Change:
    """One answer a correction changes, in words: "Q12: Partly → No"."""

    name: str
    number: int
    label: str
    before: str
    after: str


def changes(copy: PaperCopy, definition: Questionnaire, answers: dict[str, Answer]) -> list[Change]:
    """What saving these answers would change in the final record, in question order."""
    response = db.session.get(Response, copy.response_id)
    old = {row.question: row for row in response.answers}
    new = {row.question: row for row in answer_rows(definition, answers)}
    found = []
    for number, question in enumerate(definition.questions, start=1):
        before, after = _stored(old.get(question.name)), _stored(new.get(question.name))
        if before != after:
            found.append(
                Change(
                    question.name,
                    number,
                    question.label,
                    _words(question, before),
                    _words(question, after),
                )
            )
    return found


def digest(found: list[Change]) -> str:
    """A short fingerprint of a list of changes: the confirmation carries it, so that answers
    changed after the summary was shown are summarised again instead of saved unseen."""
    text = json.dumps([(c.name, c.before, c.after) for c in found], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def confirmation(found: list[Change]) -> str:
    """The value of the button that confirms this summary of changes."""
    return CONFIRM + digest(found)


def reason_problem(reason: str) -> str | None:
    """What is wrong with a correction's reason (blank, too long), or None."""
    if not reason:
        return NO_REASON
    if len(reason) > MAX_REASON:
        return LONG_REASON
    return None


@dataclass(frozen=True)
class Submitted:
    """What one save of the correction form did: showed a summary to confirm, or saved."""

    summary: list[Change] | None = None  # to confirm; nothing saved
    changed_since_summary: bool = False  # a confirmation of a summary that no longer holds
    changed: list[str] | None = None  # saved: the questions changed


def submit(
    copy: PaperCopy,
    user: User,
    definition: Questionnaire,
    answers: dict[str, Answer],
    reason: str,
    expected_version: int | None,
    action: str,
) -> Submitted:
    """A save of the correction form: first the summary of the changes ("Q12: Partly → No"),
    saved once `action` confirms that very summary (correct() raises as it does)."""
    summary = changes(copy, definition, answers)
    if summary and action != confirmation(summary):
        return Submitted(summary=summary, changed_since_summary=action.startswith(CONFIRM))
    return Submitted(changed=correct(copy, user, definition, answers, reason, expected_version))


def _words(question, stored: dict | None) -> str:
    if stored is None:
        return "not asked (routing)"
    return question.display(Answer.from_json(stored))


def correct(
    copy: PaperCopy,
    user: User,
    definition: Questionnaire,
    answers: dict[str, Answer],
    reason: str,
    expected_version: int | None,
) -> list[str]:
    """Store corrected answers for a final copy; returns the names of the questions changed.

    Raises NothingChanged when no answer differs, and Conflict when the copy changed since
    ``expected_version`` was read (the caller shows the form again with what was typed).
    """
    response = db.session.get(Response, copy.response_id)
    old = {row.question: row for row in response.answers}
    new = {row.question: row for row in answer_rows(definition, answers)}
    changed = [
        q.name for q in definition.questions if _stored(old.get(q.name)) != _stored(new.get(q.name))
    ]
    if not changed:
        raise NothingChanged
    with committing():
        claimed = db.session.execute(
            update(PaperCopy)
            .where(PaperCopy.serial == copy.serial, PaperCopy.lock_version == expected_version)
            .values(lock_version=PaperCopy.lock_version + 1)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            raise Conflict
        for name in changed:
            before, after = old.get(name), new.get(name)
            was = _stored(before)  # read before the row is changed in place
            if after is None:
                response.answers.remove(before)
            elif before is None:
                response.answers.append(after)
            else:  # changed in place: (response, question) stays unique
                before.state, before.value, before.position = (
                    after.state,
                    after.value,
                    after.position,
                )
            audit.record(
                user,
                "response.correct",
                serial=copy.serial,
                response_id=response.id,
                field=name,
                old=was,
                new=_stored(after),
            )
        segments.sync_response(response, definition, actor=user)  # codings of changed text: review
        audit.record(
            user, "response.correct.reason", serial=copy.serial, response_id=response.id, new=reason
        )
    db.session.refresh(copy)
    return changed


def _stored(row: AnswerRow | None) -> dict | None:
    """An answer row as it is stored (None: no row, the routing skipped the question)."""
    return None if row is None else {"state": row.state, "value": row.value}
