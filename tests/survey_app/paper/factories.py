"""Small questionnaires and services for paper tests: every question type and routing shape."""

from datetime import date
from pathlib import Path

from survey_app.questionnaire import SupportService, load_questionnaire, load_questionnaire_text

SHIPPED = Path(__file__).resolve().parents[3] / "questionnaires" / "victims-experience-survey.yaml"

ROUTED = """
kind: questionnaire
slug: paper-test
title: Paper test survey
estimated_minutes: 5
description:
  - A short survey used to test paper forms.
sections:
  - id: first
    title: Reporting
    intro:
      - Questions about reporting.
    pages:
      - id: reported
        questions:
          - name: reported
            type: single_choice
            label: Did you report it?
            prefer_not_to_say: true
            choices:
              - {value: "yes", label: "Yes"}
              - {value: "no", label: "No"}
      - id: how
        questions:
          - name: how
            type: multiple_choice
            label: How did you report it?
            hint: Select all that apply.
            relevant: {question: reported, equals: "yes"}
            choices:
              - {value: phone, label: By phone}
              - {value: online, label: Online}
      - id: why_not
        questions:
          - name: why_not
            type: long_text
            label: Why did you not report it?
            max_length: 300
            relevant: {question: reported, equals: "no"}
      - id: contacted
        questions:
          - name: contacted
            type: multiple_choice
            label: Which services did you contact?
            prefer_not_to_say: true
            choices:
              - {value: police, label: The police}
              - {value: charity, label: A charity}
              - {value: none, label: None of these, exclusive: true}
      - id: helpful
        questions:
          - name: helpful
            type: rating_scale
            label: How helpful were they?
            relevant:
              all:
                - {question: contacted, answered: true}
                - not: {question: contacted, includes: none}
            choices:
              - {value: 3, label: Very helpful}
              - {value: 2, label: Quite helpful}
              - {value: 1, label: Not helpful}
  - id: second
    title: About you
    pages:
      - id: times
        title: Details
        questions:
          - name: times
            type: number
            label: How many times did it happen?
            min: 0
            max: 999
            prefer_not_to_say: true
          - name: when
            type: month_year
            label: When did it last happen?
            prefer_not_to_say: true
          - name: town
            type: short_text
            label: Which town were you in?
            max_length: 100
"""


def routed_questionnaire():
    """Eight questions covering every type, a skip on a single choice and on an exclusive box."""
    return load_questionnaire_text(ROUTED, "paper-test.yaml")


def shipped_questionnaire():
    """The victims' survey as shipped in questionnaires/."""
    return load_questionnaire(SHIPPED)


def questionnaire_with_condition(relevant_yaml: str):
    """Two questions: a single choice, then a short text shown under ``relevant_yaml``."""
    text = f"""
kind: questionnaire
slug: condition-test
title: Condition test
estimated_minutes: 1
sections:
  - id: only
    title: Only
    pages:
      - id: colour
        questions:
          - name: colour
            type: single_choice
            label: Which colour?
            prefer_not_to_say: true
            choices:
              - {{value: red, label: Red}}
              - {{value: blue, label: Blue}}
      - id: shade
        questions:
          - name: shade
            type: short_text
            label: Which shade?
            relevant: {relevant_yaml}
"""
    return load_questionnaire_text(text, "condition-test.yaml")


def service(**overrides) -> SupportService:
    """A filled-in national service for every crime type (override any field)."""
    fields = {
        "id": "helpline",
        "name": "Test Helpline",
        "helps_with": "Listens to anyone affected by crime.",
        "crime_types": ("all",),
        "areas": ("all",),
        "phone": "0800 000 0000",
        "text_or_other": None,
        "hours": "24 hours a day",
        "website": "https://helpline.example",
        "checked_on": date(2026, 1, 1),
        "source_note": "Test data.",
        "placeholder": False,
    }
    fields.update(overrides)
    return SupportService(**fields)
