"""SQLAlchemy models, one module per aggregate."""

from survey_app.models.audit import AuditEvent
from survey_app.models.base import Base
from survey_app.models.draft import Draft
from survey_app.models.focus_groups import FocusSession, PendingImport, TopicGuideVersion
from survey_app.models.paper import PaperBatch, PaperCopy, PaperEntry, PaperReturn
from survey_app.models.questionnaire import QuestionnaireRow, QuestionnaireVersion
from survey_app.models.research import (
    Codebook,
    CodebookVersion,
    Coding,
    CodingEvent,
    CodingSample,
    MachinePass,
    ResearchJob,
    SampleDecision,
    SampleSegment,
    Segment,
    Theme,
)
from survey_app.models.response import AnswerRow, Response
from survey_app.models.user import ROLES, User
from survey_app.models.workspace import Memo, SearchText, ThemeQuality

__all__ = [
    "ROLES",
    "AnswerRow",
    "AuditEvent",
    "Base",
    "Codebook",
    "CodebookVersion",
    "Coding",
    "CodingEvent",
    "CodingSample",
    "Draft",
    "FocusSession",
    "MachinePass",
    "Memo",
    "PaperBatch",
    "PaperCopy",
    "PaperEntry",
    "PaperReturn",
    "PendingImport",
    "QuestionnaireRow",
    "QuestionnaireVersion",
    "ResearchJob",
    "Response",
    "SampleDecision",
    "SampleSegment",
    "SearchText",
    "Segment",
    "Theme",
    "ThemeQuality",
    "TopicGuideVersion",
    "User",
]
