"""Plain records the analysis works on: a Segment of text and a Coding of it into a theme."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["STAGES", "STATUS_PLACEHOLDERS", "Coding", "Segment", "is_status_placeholder"]

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
    direction: str | None = None
