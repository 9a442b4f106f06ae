"""Plain records the analysis works on: a Segment of text, a Coding of it into a theme, and the
closed answers of a Respondent (for summaries)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ANSWER_STATES",
    "CODING_STATUSES",
    "FACILITATOR",
    "STAGES",
    "STATUS_PLACEHOLDERS",
    "ClosedAnswer",
    "Coding",
    "Respondent",
    "Segment",
    "coding_status",
    "is_status_placeholder",
]

#: The speaker of a focus-group or workshop turn who led it: the turn is stored (it carries the
#: stage) but never coded or counted as anyone's view.
FACILITATOR = "Facilitator"

#: The stages a segment can belong to; ``None`` means no stage (e.g. a closing "anything else?").
STAGES = ("reporting", "engagement", "recovery")

#: What exports put in a text column for an answer without text, compared after
#: ``is_status_placeholder``'s clean-up: the app's export codes ("prefer-not-to-say",
#: "skipped", "illegible", "multiple-ticked") and labels ("Prefer not to say", "Not answered",
#: "Illegible", "More than one answer ticked", from ``survey_app.questionnaire.answers``; a test
#: keeps the two in step), the stored states, and common spellings of the same.
STATUS_PLACEHOLDERS = frozenset(
    {
        *("prefer not to say", "prefer not to answer", "skipped", "not answered"),
        *("illegible", "multiple ticked", "more than one answer ticked", "several ticked"),
        *("not shown", "n/a"),
    }
)

_PLACEHOLDER_NOISE = re.compile(r"[\s_-]+")


def is_status_placeholder(text: str | None) -> bool:
    """True when ``text`` is a status placeholder ("skipped", "Prefer not to say", ...), not an
    answer: case, spaces, "-" and "_" and surrounding brackets do not matter."""
    if not text or len(text) > 40:
        return False
    cleaned = _PLACEHOLDER_NOISE.sub(" ", text.strip().strip("[]()<>.").lower()).strip()
    return cleaned in STATUS_PLACEHOLDERS


@dataclass(frozen=True)
class Segment:
    """One free-text answer or focus-group utterance, the unit that gets coded.

    Parameters
    ----------
    id : str
        Stable identifier (e.g. ``"response-3f2a/q7"`` or ``"fg-2/turn-41"``).
    text : str
        The text, already pseudonymised where it came from a transcript.
    stage : str or None, default=None
        ``"reporting"``, ``"engagement"``, ``"recovery"`` or ``None`` when unknown.
    source : str, default=""
        Where it came from (``"online"``, ``"paper"``, ``"focus_group"`` ...).
    metadata : dict, default={}
        Anything else (question name, questionnaire version, speaker pseudonym ...).
    """

    id: str
    text: str
    stage: str | None = None
    source: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Coding:
    """The decision that a segment carries a theme, with who decided and how sure they were.

    Parameters
    ----------
    segment_id : str
        The :attr:`Segment.id` coded.
    theme_id : str
        The codebook theme id.
    coder : str
        Who decided: a person (``"person:alice"``) or a model version (``"rules:codebook-1a2b"``,
        ``"model:ThemeCoder-20261126-9f3c"``).
    confidence : float
        1.0 for a person's decision; the model's confidence otherwise.
    matched : tuple of str, default=()
        The words or features that explain a machine coding (empty for a person's).
    status : str, default=""
        One of :data:`CODING_STATUSES`: ``"suggested"`` (a machine's, not yet reviewed),
        ``"accepted"`` or ``"rejected"`` (a machine's, reviewed by a person), ``"human"`` (a
        person's own) or ``"superseded"`` (a machine's that nobody reviewed before a newer run
        of the same kind of coder looked at the segment again; it no longer counts). Empty
        means "work it out from ``coder``" (see :func:`coding_status`).
    direction : {"positive", "negative", "mixed"} or None, default=None
        Whether the coded text reports a good experience of the theme (praise), a bad one
        (complaint) or both; None when not known. The rule coder takes it from the codebook's
        indicator markers. Count praise and complaint apart: never add them together.
    """

    segment_id: str
    theme_id: str
    coder: str
    confidence: float = 1.0
    matched: tuple[str, ...] = ()
    status: str = ""
    direction: str | None = None


#: What became of a coding: a machine suggestion not yet reviewed, one a person accepted or
#: rejected, a person's own coding, or a suggestion a newer machine run replaced unreviewed.
CODING_STATUSES = ("suggested", "accepted", "rejected", "human", "superseded")


def coding_status(coding: Coding) -> str:
    """The coding's status, or, when it has none, ``"human"`` for a person's and
    ``"suggested"`` for a machine's (a coder named ``person:...``)."""
    if coding.status:
        return coding.status
    return "human" if coding.coder.startswith("person:") else "suggested"


#: States of a closed answer, as ``survey_app.questionnaire.AnswerState`` stores them, plus
#: ``"not_asked"`` (the same as leaving the question out of :attr:`Respondent.answers`).
ANSWER_STATES = (
    "answered",
    "prefer_not_to_say",
    "skipped",
    "illegible",
    "multiple_ticked",
    "not_asked",
)


@dataclass(frozen=True)
class ClosedAnswer:
    """One answer to a closed question: its state and, when answered, its value.

    The app's own ``Answer`` objects (anything with ``state`` and ``value``) can be passed in
    its place.

    Parameters
    ----------
    state : str
        One of :data:`ANSWER_STATES`.
    value : str, int, tuple or None, default=None
        The choice value (single choice), the rating (an int), or the tuple of ticked values
        (multiple choice); ``None`` unless ``state`` is ``"answered"``.
    """

    state: str
    value: Any = None


@dataclass(frozen=True)
class Respondent:
    """One response to a questionnaire, reduced to what a summary counts and filters on.

    Parameters
    ----------
    id : str
        The response id (segments point to it with ``metadata["response_id"]``).
    channel : str, default="online"
        ``"online"`` or ``"paper"``.
    questionnaire : str, default=""
        The questionnaire's slug.
    version : str, default=""
        The questionnaire version answered (its content hash).
    submitted : datetime.date or None, default=None
        Date of submission (no time is stored).
    crime_types : tuple of str, default=()
        Values of the crime-type question (several may be ticked); empty when not given.
    area : str or None, default=None
        Value of the area question; ``None`` when not given.
    answers : mapping, default={}
        Question name to :class:`ClosedAnswer` (or the app's ``Answer``) for the closed
        questions. A question that was not asked is left out (or has state ``"not_asked"``).
    """

    id: str
    channel: str = "online"
    questionnaire: str = ""
    version: str = ""
    submitted: datetime.date | None = None
    crime_types: tuple[str, ...] = ()
    area: str | None = None
    answers: Mapping[str, Any] = field(default_factory=dict)
