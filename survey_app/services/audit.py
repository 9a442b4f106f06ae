"""The audit trail: record staff actions field by field; read them back. Never change them."""

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AuditEvent, User
from survey_app.questionnaire import Answer


def _text(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def record(
    actor: User | None,
    action: str,
    *,
    serial: str | None = None,
    response_id: str | None = None,
    field: str | None = None,
    old=None,
    new=None,
) -> None:
    """Add one event to the session; the caller's commit writes it with the change it records."""
    db.session.add(
        AuditEvent(
            at=datetime.now(UTC).replace(tzinfo=None),
            actor_id=actor.id if actor else None,
            actor_email=actor.email if actor else None,
            action=action,
            serial=serial,
            response_id=response_id,
            field=field,
            old_value=_text(old),
            new_value=_text(new),
        )
    )


def events(
    serial: str | None = None,
    limit: int = 500,
    *,
    action: str | None = None,
    actor: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[AuditEvent]:
    """The latest events, newest first, filtered by serial, action, person (email, or
    "(command line)") and UTC dates from `since` to `until` inclusive."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if serial:
        query = query.where(AuditEvent.serial == serial)
    if action:
        query = query.where(AuditEvent.action == action)
    if actor == COMMAND_LINE:
        query = query.where(AuditEvent.actor_email.is_(None))
    elif actor:
        query = query.where(AuditEvent.actor_email == actor)
    if since:
        query = query.where(AuditEvent.at >= datetime.combine(since, time.min))
    if until:
        query = query.where(AuditEvent.at < datetime.combine(until + timedelta(days=1), time.min))
    return list(db.session.scalars(query))


COMMAND_LINE = "(command line)"

#: What each action means, in words, for the audit page.
ACTION_LABELS = {
    "entry.create": "Keyed a form",
    "entry.change": "Changed a keying",
    "reconcile": "Reconciled",
    "response.final": "Made final",
    "response.correct": "Corrected a final record",
    "response.correct.reason": "Reason for a correction",
    "paper.print": "Printed a batch",
    "paper.return": "Logged returned forms",
    "questionnaire.double_entry": "Double entry switched",
    "questionnaire.dates": "Questionnaire dates",
    "user.create": "Created an account",
    "user.role": "Changed a role",
    "user.active": "Deactivated or reactivated an account",
    "codebook.edit": "Changed the codebook",
    "codebook.merge_codings": "Moved codings in a theme merge",
    "sample.create": "Drew a two-coder sample",
    "sample.finish": "Finished coding a sample",
    "sample.withdraw": "Withdrew a two-coder sample",
    "focus_session.create": "Recorded a focus-group session",
    "focus_session.update": "Changed a focus-group session",
    "focus_session.transcript": "Stored a transcript's turns",
    "focus_session.transcript_deleted": "Deleted a transcript's turns",
    "segments.rebuild": "Rebuilt segments from answers",
    "segment.original": "Showed a segment's original text",
    "segments.original_download": "Downloaded segments with original text",
    "responses.original_download": "Downloaded responses with original text",
}
#: Actions written once per field in one save: shown as one row, the fields collapsed inside.
GROUPED = {"entry.create", "entry.change", "reconcile", "response.correct"}


def actions_and_people() -> tuple[list[str], list[str]]:
    """The actions and people found in the trail, for the filters."""
    actions = sorted(db.session.scalars(select(AuditEvent.action).distinct()))
    people = db.session.scalars(select(AuditEvent.actor_email).distinct())
    emails = sorted({email or COMMAND_LINE for email in people})
    return actions, emails


@dataclass
class Line:
    """One field of an audit row, in words: "Q12. How satisfied …": "Partly" → "No"."""

    field: str
    old: str
    new: str


@dataclass
class Row:
    """One audit page row: a single event, or the fields of one save grouped together."""

    at: datetime
    who: str
    action: str
    label: str
    record: str
    lines: list[Line] = field(default_factory=list)


def readable(found: list[AuditEvent]) -> list[Row]:
    """Events as rows people can read: question labels instead of field names, answers in
    words instead of JSON, and the fields of one save (a keying, a reconciliation, a
    correction) in one row."""
    # Both import this module, so they are imported here.
    from survey_app.services import paper
    from survey_app.services.questionnaires import definition_of

    definitions: dict[str, object] = {}

    def definition_for(serial: str | None):
        if not serial:
            return None
        if serial not in definitions:
            copy = paper.find_copy(serial)
            definitions[serial] = definition_of(copy.version) if copy else None
        return definitions[serial]

    rows: list[Row] = []
    for event in found:
        definition = definition_for(event.serial)
        line = _line(event, definition)
        last = rows[-1] if rows else None
        if (
            last is not None
            and event.action in GROUPED
            and last.action == event.action
            and last.record == (event.serial or event.response_id or "")
            and last.who == (event.actor_email or COMMAND_LINE)
            and abs((last.at - event.at).total_seconds()) < 5
        ):
            last.lines.append(line)
            continue
        rows.append(
            Row(
                at=event.at,
                who=event.actor_email or COMMAND_LINE,
                action=event.action,
                label=ACTION_LABELS.get(event.action, event.action),
                record=event.serial or event.response_id or "",
                lines=[line] if (line.field or line.old or line.new) else [],
            )
        )
    for row in rows:
        row.lines.reverse()  # newest first overall, but a save's fields in question order
    return rows


def _line(event: AuditEvent, definition) -> Line:
    question = None
    if definition is not None and event.field:
        try:
            question = definition.question(event.field)
        except (KeyError, LookupError):
            question = None
    if question is None:
        return Line(event.field or "", _words(event.old_value), _words(event.new_value))
    number = [q.name for q in definition.questions].index(question.name) + 1
    return Line(
        f"Q{number}. {question.label}",
        _answer_words(question, event.old_value),
        _answer_words(question, event.new_value),
    )


def _answer_words(question, text: str | None) -> str:
    """A stored answer (or a reconciliation's two keyings) in words."""
    if text is None:
        return ""
    data = json.loads(text)
    if isinstance(data, dict) and set(data) == {"first", "second"}:
        first, second = (_answer_words(question, json.dumps(data[k])) for k in ("first", "second"))
        return f"first keying: {first or 'blank'}; second keying: {second or 'blank'}"
    if data is None:
        return "not asked (routing)"
    if isinstance(data, dict) and "state" in data:
        return question.display(Answer.from_json(data))
    return _words(text)


def _words(text: str | None) -> str:
    """A stored value without JSON punctuation: strings as they are, objects as "key: value"."""
    if text is None:
        return ""
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if isinstance(data, dict):
        return ", ".join(f"{key}: {_plain(value)}" for key, value in data.items())
    return _plain(data)


def _plain(value) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value is None:
        return "none"
    if isinstance(value, list):
        shown = ", ".join(_plain(v) for v in value[:LIST_SHOWN])
        more = len(value) - LIST_SHOWN
        return f"{shown} and {more} more" if more > 0 else shown
    return str(value)


#: Values of a list shown in a line (a rebuild names up to 500 responses it changed).
LIST_SHOWN = 5
