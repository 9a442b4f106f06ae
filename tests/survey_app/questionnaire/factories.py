"""Small factories for questionnaire definitions used across the questionnaire tests."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from survey_app.questionnaire import Questionnaire, load_questionnaire_text

_BASE: dict[str, Any] = {
    "kind": "questionnaire",
    "slug": "test-survey",
    "title": "Test survey",
    "estimated_minutes": 5,
    "choice_lists": {
        "yes_no": [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}],
    },
    "sections": [
        {
            "id": "first",
            "title": "First section",
            "pages": [
                {
                    "id": "reported",
                    "questions": [
                        {
                            "name": "reported",
                            "type": "single_choice",
                            "label": "Did you report it?",
                            "prefer_not_to_say": True,
                            "choices": "yes_no",
                        }
                    ],
                },
                {
                    "id": "why_not",
                    "questions": [
                        {
                            "name": "why_not",
                            "type": "long_text",
                            "label": "Why not?",
                            "stage": "reporting",
                            "relevant": {"question": "reported", "equals": "no"},
                        }
                    ],
                },
            ],
        },
        {
            "id": "second",
            "title": "Second section",
            "pages": [
                {
                    "id": "closing",
                    "questions": [
                        {"name": "anything_else", "type": "long_text", "label": "Anything else?"}
                    ],
                }
            ],
        },
    ],
}


def definition() -> dict[str, Any]:
    """Return a fresh minimal valid definition (a deep copy tests may change)."""
    return copy.deepcopy(_BASE)


def first_question(data: dict[str, Any]) -> dict[str, Any]:
    """Return the first question of a definition, to change it in place."""
    return data["sections"][0]["pages"][0]["questions"][0]


def to_yaml(data: dict[str, Any]) -> str:
    """Dump a definition as YAML text."""
    return yaml.safe_dump(data, sort_keys=False)


def load(data: dict[str, Any], source: str = "test.yaml") -> Questionnaire:
    """Load a definition dict through the real YAML loader."""
    return load_questionnaire_text(to_yaml(data), source)


def with_questions(*questions: dict[str, Any]) -> dict[str, Any]:
    """Return a definition with one page per given question, in one section."""
    data = definition()
    data["sections"] = [
        {
            "id": "only",
            "title": "Only section",
            "pages": [{"id": f"page_{q['name']}", "questions": [q]} for q in questions],
        }
    ]
    return data
