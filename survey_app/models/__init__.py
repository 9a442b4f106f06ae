"""SQLAlchemy models, one module per aggregate."""

from survey_app.models.base import Base
from survey_app.models.draft import Draft
from survey_app.models.questionnaire import Questionnaire, QuestionnaireVersion
from survey_app.models.response import Answer, Response
from survey_app.models.user import ROLES, User

__all__ = [
    "ROLES",
    "Answer",
    "Base",
    "Draft",
    "Questionnaire",
    "QuestionnaireVersion",
    "Response",
    "User",
]
