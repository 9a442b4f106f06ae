"""Loading, validating and evaluating questionnaire definitions (pure Python: no Flask here)."""

from .answers import EXPORT_CODES, STATE_LABELS, Answer, AnswerState, AnswerValue
from .conditions import AllOf, AnyOf, Condition, Leaf, Not, parse_condition
from .errors import AnswerError, Problem, QuestionnaireError
from .loader import load_directory, load_questionnaire, load_questionnaire_text, read_yaml
from .model import Page, Questionnaire, Section
from .questions import (
    PREFER_NOT_LABEL,
    PREFER_NOT_TICKED,
    PREFER_NOT_VALUE,
    QUESTION_TYPES,
    STAGES,
    Choice,
    LongText,
    MonthYear,
    MultipleChoice,
    Number,
    Question,
    RatingScale,
    ShortText,
    SingleChoice,
)
from .services import SupportService, load_support_services, services_for

__all__ = [
    "EXPORT_CODES",
    "PREFER_NOT_LABEL",
    "PREFER_NOT_TICKED",
    "PREFER_NOT_VALUE",
    "QUESTION_TYPES",
    "STAGES",
    "STATE_LABELS",
    "AllOf",
    "Answer",
    "AnswerError",
    "AnswerState",
    "AnswerValue",
    "AnyOf",
    "Choice",
    "Condition",
    "Leaf",
    "LongText",
    "MonthYear",
    "MultipleChoice",
    "Not",
    "Number",
    "Page",
    "Problem",
    "Question",
    "Questionnaire",
    "QuestionnaireError",
    "RatingScale",
    "Section",
    "ShortText",
    "SingleChoice",
    "SupportService",
    "load_directory",
    "load_questionnaire",
    "load_questionnaire_text",
    "load_support_services",
    "parse_condition",
    "read_yaml",
    "services_for",
]
