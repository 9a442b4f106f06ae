"""Focus-group and workshop sessions: record and edit them, list them, and read their turns.

A session's area and victim groups take the values of the survey's `area` and `crime_type`
choices, so that its turns filter beside the survey's answers. Consent is recorded as whether,
how and by whom; never from whom.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from survey_app.database import transaction
from survey_app.extensions import db
from survey_app.models import FocusSession, Segment, User
from survey_app.models.focus_groups import CONSENT_METHODS, SESSION_KINDS
from survey_app.services import audit, questionnaires, topic_guides
from survey_app.services.segments import AREA_QUESTION, CRIME_TYPE_QUESTION

KIND_LABELS = {"focus_group": "Focus group", "workshop": "Workshop"}
CONSENT_LABELS = {
    "written": "Written consent form",
    "verbal_recorded": "Verbal consent, recorded",
    "verbal_noted": "Verbal consent, noted by the facilitator",
    "online_form": "Online consent form",
}
MAX_NOTES = 5000
MAX_ATTENDEES = 500


class SessionError(ValueError):
    """Details of a session that cannot be stored: ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Choices:
    """The values a session's fields may take (areas and groups from the survey)."""

    areas: list[tuple[str, str]]
    groups: list[tuple[str, str]]
    guides: list[tuple[str, str]]
    staff: list[tuple[int, str]]

    def area_label(self, value: str) -> str:
        return dict(self.areas).get(value, value)

    def group_label(self, value: str) -> str:
        return dict(self.groups).get(value, value)


def survey_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(value, label) of the survey's area and crime-type choices, across questionnaires."""
    areas: dict[str, str] = {}
    groups: dict[str, str] = {}
    for row in questionnaires.all_questionnaires():
        definition = questionnaires.definition_of(row.current_version)
        for name, into in ((AREA_QUESTION, areas), (CRIME_TYPE_QUESTION, groups)):
            question = next((q for q in definition.questions if q.name == name), None)
            for choice in getattr(question, "choices", ()):
                into.setdefault(str(choice.value), choice.label)
    return list(areas.items()), list(groups.items())


def choices() -> Choices:
    """Everything the session form offers."""
    areas, groups = survey_choices()
    guides = [(g.name, g.title) for g in topic_guides.current_versions()]
    staff = [
        (u.id, u.email)
        for u in db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.role.in_(("researcher", "admin")))
            .order_by(User.email)
        )
    ]
    return Choices(areas, groups, guides, staff)


@dataclass
class SessionInput:
    """What a person entered for a session (strings as typed; checked by `check`)."""

    kind: str = ""
    held_on: str = ""
    area: str = ""
    crime_types: list[str] = field(default_factory=list)
    attendees: str = ""
    topic_guide: str = ""
    facilitators: list[str] = field(default_factory=list)
    consent_obtained: str = ""
    consent_method: str = ""
    notes: str = ""

    @classmethod
    def of(cls, session: FocusSession) -> "SessionInput":
        return cls(
            kind=session.kind,
            held_on=session.held_on.isoformat(),
            area=session.area,
            crime_types=list(session.crime_types),
            attendees="" if session.attendees is None else str(session.attendees),
            topic_guide=session.topic_guide.name,
            facilitators=[str(u.id) for u in session.facilitators],
            consent_obtained="yes" if session.consent_obtained else "no",
            consent_method=session.consent_method or "",
            notes=session.notes,
        )


@dataclass(frozen=True)
class _Checked:
    kind: str
    held_on: date
    area: str
    crime_types: list[str]
    attendees: int | None
    guide_name: str
    facilitators: list[User]
    consent_obtained: bool
    consent_method: str | None
    notes: str


def check(entered: SessionInput, offered: Choices, today: date) -> _Checked:
    """Validate entered details against what is offered; raises SessionError per field."""
    errors: dict[str, str] = {}
    if entered.kind not in SESSION_KINDS:
        errors["kind"] = "Select whether it was a focus group or a workshop"
    held_on = None
    try:
        held_on = date.fromisoformat(entered.held_on.strip())
    except ValueError:
        errors["held_on"] = "Enter the date it was held as YYYY-MM-DD, for example 2015-03-04"
    else:
        if held_on > today:
            errors["held_on"] = "Date it was held must be today or in the past"
    if entered.area not in dict(offered.areas):
        errors["area"] = "Select the area"
    groups = [g for g in dict(offered.groups) if g in entered.crime_types]
    if not groups or len(groups) != len(set(entered.crime_types)):
        errors["crime_types"] = "Select the victim groups the session was for"
    attendees = None
    if entered.attendees.strip():
        text = entered.attendees.strip()
        if not text.isdigit() or not 0 < int(text) <= MAX_ATTENDEES:
            errors["attendees"] = f"Enter the number of attendees, from 1 to {MAX_ATTENDEES}"
        else:
            attendees = int(text)
    if entered.topic_guide not in dict(offered.guides):
        errors["topic_guide"] = "Select the topic guide used"
    staff_ids = {str(i) for i, _ in offered.staff}
    if not entered.facilitators or any(f not in staff_ids for f in entered.facilitators):
        errors["facilitators"] = "Select who facilitated"
    if entered.consent_obtained not in ("yes", "no"):
        errors["consent_obtained"] = "Select whether consent was obtained"
    method = entered.consent_method or None
    if entered.consent_obtained == "yes" and method not in CONSENT_METHODS:
        errors["consent_method"] = "Select how consent was obtained"
    if entered.consent_obtained != "yes":
        method = None
    notes = entered.notes.strip()
    if len(notes) > MAX_NOTES:
        errors["notes"] = f"Notes must be {MAX_NOTES} characters or fewer"
    if errors:
        raise SessionError(errors)
    people = list(
        db.session.scalars(select(User).where(User.id.in_([int(f) for f in entered.facilitators])))
    )
    return _Checked(
        kind=entered.kind,
        held_on=held_on,
        area=entered.area,
        crime_types=groups,
        attendees=attendees,
        guide_name=entered.topic_guide,
        facilitators=people,
        consent_obtained=entered.consent_obtained == "yes",
        consent_method=method,
        notes=notes,
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _apply(session: FocusSession, checked: _Checked, actor: User | None) -> None:
    session.kind = checked.kind
    session.held_on = checked.held_on
    session.area = checked.area
    session.crime_types = checked.crime_types
    session.attendees = checked.attendees
    session.facilitators = checked.facilitators
    if session.consent_obtained != checked.consent_obtained or (
        session.consent_method != checked.consent_method
    ):
        session.consent_recorded_by_id = actor.id if actor else None
    session.consent_obtained = checked.consent_obtained
    session.consent_method = checked.consent_method
    session.notes = checked.notes


@transaction
def create_session(entered: SessionInput, actor: User | None, today: date) -> FocusSession:
    """Record a new session (commits); raises SessionError."""
    checked = check(entered, choices(), today)
    session = FocusSession(
        created_by_id=actor.id if actor else None,
        created_at=_now(),
        consent_obtained=False,
        topic_guide_id=topic_guides.current_version(checked.guide_name).id,
    )
    _apply(session, checked, actor)
    db.session.add(session)
    db.session.flush()
    audit.record(actor, "focus_session.create", field=f"focus_session:{session.id}")
    return session


@transaction
def update_session(
    session_id: str, entered: SessionInput, actor: User | None, today: date
) -> FocusSession | None:
    """Change a session's details (commits). Its turns follow its area, groups and kind; its
    topic guide cannot change once turns are stored (their stages came from it)."""
    session = db.session.get(FocusSession, session_id)
    if session is None:
        return None
    checked = check(entered, choices(), today)
    if checked.guide_name != session.topic_guide.name:
        if session.transcript_imported_at is not None:
            raise SessionError(
                {"topic_guide": "The topic guide cannot change after the transcript is stored"}
            )
        session.topic_guide_id = topic_guides.current_version(checked.guide_name).id
    _apply(session, checked, actor)
    for segment in db.session.scalars(select(Segment).where(Segment.session_ref == session.id)):
        segment.source = session.kind
        segment.area = session.area
        segment.crime_types = list(session.crime_types)
    audit.record(actor, "focus_session.update", field=f"focus_session:{session.id}")
    return session


def find_session(session_id: str) -> FocusSession | None:
    return db.session.get(FocusSession, session_id)


@dataclass(frozen=True)
class SessionRow:
    """A session in the list: the session and how many turns are stored."""

    session: FocusSession
    turns: int
    participants: int


def all_sessions() -> list[SessionRow]:
    """Every session, newest first, with its stored turns and participants."""
    counts = dict(
        db.session.execute(
            select(Segment.session_ref, func.count())
            .where(Segment.source.in_(SESSION_KINDS), Segment.session_ref.is_not(None))
            .group_by(Segment.session_ref)
        ).all()
    )
    speakers: dict[str, int] = {}
    for ref, _speaker in db.session.execute(
        select(Segment.session_ref, Segment.speaker)
        .where(Segment.source.in_(SESSION_KINDS), Segment.speaker != "Facilitator")
        .distinct()
    ):
        speakers[ref] = speakers.get(ref, 0) + 1
    return [
        SessionRow(s, counts.get(s.id, 0), speakers.get(s.id, 0))
        for s in db.session.scalars(
            select(FocusSession).order_by(FocusSession.held_on.desc(), FocusSession.id)
        )
    ]


def session_turns(session_id: str) -> list[Segment]:
    """A session's stored turns, in transcript order."""
    return list(
        db.session.scalars(
            select(Segment)
            .where(Segment.session_ref == session_id, Segment.source.in_(SESSION_KINDS))
            .order_by(Segment.turn)
        )
    )


def survey_questionnaire_slug() -> str | None:
    """The questionnaire whose answers a session's turns sit beside (the first with an area)."""
    for row in questionnaires.all_questionnaires():
        definition = questionnaires.definition_of(row.current_version)
        if any(q.name == AREA_QUESTION for q in definition.questions):
            return row.slug
    return None


__all__ = [
    "CONSENT_LABELS",
    "KIND_LABELS",
    "Choices",
    "SessionError",
    "SessionInput",
    "all_sessions",
    "check",
    "choices",
    "create_session",
    "find_session",
    "session_turns",
    "survey_choices",
    "update_session",
]
