"""What people read for a segment's question, crime types and area.

Segments store names and values (``engagement_experience``, ``domestic_abuse``, ``st_helens``)
so files and scripts can match them; pages show the questionnaire's own wording instead: the
question's label in the version the respondent answered, and the options' labels of any version
of the questionnaire (the newest first). A name no version knows is shown as stored."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import QuestionnaireRow, QuestionnaireVersion, Segment
from survey_app.services import summary
from survey_app.services.questionnaires import definition_of


@dataclass(frozen=True)
class ShownAs:
    question: str
    crime_type: str
    area: str


def shown_as(segments: Iterable[Segment]) -> dict[str, ShownAs]:
    """Segment id -> the labels its page shows (focus-group turns have no question)."""
    segments = list(segments)
    questions = question_places({s.version_id for s in segments if s.version_id is not None})
    choices = {
        questionnaire_id: option_labels(questionnaire_id)
        for questionnaire_id in {s.questionnaire_id for s in segments}
        if questionnaire_id is not None
    }
    empty = {name: {} for name in summary.CHOICE_FILTERS}
    out = {}
    for s in segments:
        labels = choices.get(s.questionnaire_id, empty)
        crime = labels["crime_type"]
        out[s.id] = ShownAs(
            question=questions.get((s.version_id, s.question), (0, s.question or ""))[1],
            crime_type="; ".join(crime.get(str(c), str(c)) for c in s.crime_types or []),
            area=labels["area"].get(s.area or "", s.area or ""),
        )
    return out


def option_labels(questionnaire_id: int) -> dict[str, dict[str, str]]:
    """For the crime-type and area questions, option value -> label (any version, newest
    first)."""
    offered = summary.offered_choices(questionnaire_id)
    return {name: dict(options) for name, options in offered.items()}


def all_option_labels() -> dict[str, dict[str, str]]:
    """option_labels of every questionnaire together (the earliest-made questionnaire's label
    where two differ), for pages that list segments of any questionnaire."""
    merged: dict[str, dict[str, str]] = {name: {} for name in summary.CHOICE_FILTERS}
    for questionnaire_id in db.session.scalars(
        select(QuestionnaireRow.id).order_by(QuestionnaireRow.id)
    ):
        for name, labels in option_labels(questionnaire_id).items():
            for value, label in labels.items():
                merged[name].setdefault(value, label)
    return merged


def question_places(version_ids: set[int]) -> dict[tuple[int, str], tuple[int, str]]:
    """(version id, question name) -> the free-text question's place among the version's
    free-text questions and its label there."""
    if not version_ids:
        return {}
    return {
        (version.id, question.name): (place, question.label)
        for version in db.session.scalars(
            select(QuestionnaireVersion).where(QuestionnaireVersion.id.in_(version_ids))
        )
        for place, question in enumerate(definition_of(version).free_text_questions)
    }
