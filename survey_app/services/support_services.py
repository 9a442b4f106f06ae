"""Support services for signposting, read from questionnaires/support-services.yaml."""

from pathlib import Path

from flask import current_app

from survey_app.questionnaire import (
    Answer,
    AnswerState,
    load_support_services,
    support_services_for,
)

_loaded: dict[Path, list] = {}


def all_support_services() -> list:
    """Every service in the file, as loaded (validated) once per process."""
    path = (
        Path(current_app.config["QUESTIONNAIRES_DIR"]) / current_app.config["SUPPORT_SERVICES_FILE"]
    )
    if path not in _loaded:
        _loaded[path] = load_support_services(path)
    return _loaded[path]


_general: dict[int, list] = {}


def general_support_services() -> list:
    """National services for everyone (start page and footer page), chosen once per file."""
    services = all_support_services()
    if id(services) not in _general:
        _general.clear()
        _general[id(services)] = support_services_for(services, (), None)
    return _general[id(services)]


def support_services_for_answers(answers: dict[str, Answer]) -> list:
    """Services matching the crime types and area the respondent gave, if they gave them."""
    crime = answers.get("crime_type")
    area = answers.get("area")
    crime_types = tuple(crime.value) if crime and crime.state == AnswerState.ANSWERED else ()
    area_value = area.value if area and area.state == AnswerState.ANSWERED else None
    return support_services_for(all_support_services(), crime_types, area_value)
