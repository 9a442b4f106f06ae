"""A questionnaire's coded free text, and every focus-group and workshop transcript, as a
REFI-QDA project (``.qdpx``) for NVivo, ATLAS.ti, MAXQDA or QualCoder (``analysis.qda_project``).

Text is redacted, as in every download that is not the audited "original" one. Each respondent
is a document (their answers, each headed by its question) and a case; each session is a
document (its turns, each headed by the speaker's pseudonym) and each participant a case. The
codings are those the summary counts: people's own (one user per person, named by account
number, never by email), machine suggestions people accepted, and unreviewed machine
suggestions (a user of their own, so they can be told apart or left out in the QDA software).
Rejected and superseded suggestions, and suggestions of a theme a person decided otherwise,
are not exported.
"""

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import or_, select

from analysis.qda_project import Document, Part, project_bytes
from analysis.records import FACILITATOR
from survey_app.extensions import db
from survey_app.models import Coding, FocusSession, Segment
from survey_app.services import codebooks, coding
from survey_app.services.research import redacted
from survey_app.services.segment_labels import option_labels, question_places

SESSION_SOURCES = ("focus_group", "workshop")
SOURCE_LABELS = {"focus_group": "Focus group", "workshop": "Workshop", "survey": "Survey"}
ACCEPTED = "accepted"
UNREVIEWED = "unreviewed"
USER_NAMES = {
    ACCEPTED: "Machine suggestions accepted by a person",
    UNREVIEWED: "Machine suggestions not reviewed",
}


def _codings(segment_ids: set[str]) -> dict[str, list[tuple[str, str]]]:
    """Per segment, (theme, user key) of the codings the summary counts."""
    rows = db.session.execute(
        select(Coding.segment_id, Coding.theme, Coding.status, Coding.user_id).where(
            Coding.status.in_((*coding.DECIDED_STATUSES, "suggested"))
        )
    ).all()
    decided = {(r.segment_id, r.theme) for r in rows if r.status in coding.DECIDED_STATUSES}
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for r in rows:
        if r.segment_id not in segment_ids:
            continue
        if r.status == "human":
            user = f"person:{r.user_id}"
        elif r.status == "accepted":
            user = ACCEPTED
        elif r.status == "suggested" and (r.segment_id, r.theme) not in decided:
            user = UNREVIEWED
        else:
            continue
        if (r.theme, user) not in out[r.segment_id]:
            out[r.segment_id].append((r.theme, user))
    return out


def _variables(segment: Segment, labels: dict[str, dict[str, str]]) -> dict[str, str]:
    crime = labels["crime_type"]
    return {
        "Crime type": "; ".join(crime.get(c, c) for c in segment.crime_types or []),
        "Area": labels["area"].get(segment.area or "", segment.area or ""),
        "Channel": segment.channel or "",
        "Source": SOURCE_LABELS.get(segment.source, segment.source),
    }


def project_file(questionnaire_id: int, slug: str) -> bytes | None:
    """The ``.qdpx`` bytes; None before a codebook is synced."""
    current = codebooks.current_version()
    if current is None:
        return None
    book = codebooks.definition_of(current)
    segments = list(
        db.session.scalars(
            select(Segment)
            .where(
                or_(
                    Segment.questionnaire_id == questionnaire_id,
                    Segment.source.in_(SESSION_SOURCES),
                )
            )
            .order_by(Segment.response_id, Segment.session_ref, Segment.turn, Segment.id)
        )
    )
    codings = _codings({s.id for s in segments})
    labels = option_labels(questionnaire_id)
    questions = question_places({s.version_id for s in segments if s.version_id})
    documents = _survey_documents(segments, codings, labels, questions)
    documents += _session_documents(segments, codings, labels)
    users = {
        user: USER_NAMES.get(user) or f"Person {user.removeprefix('person:')}"
        for user in sorted({u for found in codings.values() for _, u in found})
    }
    return project_bytes(
        f"{slug}: coded free text", book, documents, users, datetime.now(UTC).replace(tzinfo=None)
    )


def _survey_documents(segments, codings, labels, questions) -> list[Document]:
    """One document and case per response (numbered in random-id order, which says nothing
    about when anyone answered)."""
    by_response: dict[str, list[Segment]] = defaultdict(list)
    for s in segments:
        if s.source == "survey" and s.response_id:
            by_response[s.response_id].append(s)
    documents = []
    for number, (response_id, mine) in enumerate(sorted(by_response.items()), 1):
        name = f"Response {number} ({mine[0].channel or 'survey'})"
        # In the questionnaire's order, each answer headed by its question.
        asked = {s.id: questions.get((s.version_id, s.question)) for s in mine}
        parts = [
            Part(
                key=s.id,
                heading=asked[s.id][1] if asked[s.id] else s.question or "",
                text=redacted(s.text),
                codings=tuple(codings.get(s.id, ())),
            )
            for s in sorted(mine, key=lambda s: asked[s.id] or (len(questions), ""))
        ]
        documents.append(
            Document(
                key=f"response:{response_id}",
                name=name,
                parts=tuple(parts),
                variables=_variables(mine[0], labels),
                case=name,
            )
        )
    return documents


def _session_documents(segments, codings, labels) -> list[Document]:
    """One document per session, turns in order; a case per participant (facilitators none)."""
    by_session: dict[str, list[Segment]] = defaultdict(list)
    for s in segments:
        if s.source in SESSION_SOURCES and s.session_ref:
            by_session[s.session_ref].append(s)
    held = dict(
        db.session.execute(
            select(FocusSession.id, FocusSession.held_on).where(
                FocusSession.id.in_(list(by_session))
            )
        ).all()
    )
    order = sorted(by_session, key=lambda ref: (str(held.get(ref, "")), ref))
    numbers: dict[str, int] = defaultdict(int)
    documents = []
    for ref in order:
        turns = sorted(by_session[ref], key=lambda s: (s.turn or 0, s.id))
        kind = SOURCE_LABELS.get(turns[0].source, turns[0].source)
        numbers[kind] += 1
        name = f"{kind} {numbers[kind]}"
        parts = tuple(
            Part(
                key=s.id,
                heading=s.speaker or "",
                text=redacted(s.text),
                codings=tuple(codings.get(s.id, ())),
                case="" if s.speaker == FACILITATOR else f"{name}, {s.speaker}",
            )
            for s in turns
        )
        documents.append(
            Document(
                key=f"session:{ref}",
                name=name,
                parts=parts,
                variables=_variables(turns[0], labels),
            )
        )
    return documents
