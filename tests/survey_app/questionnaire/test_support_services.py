"""The support-services file: validation at load and choosing services to signpost."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from survey_app.questionnaire import (
    QuestionnaireError,
    SupportService,
    load_questionnaire,
    load_support_services,
    support_services_for,
)

QUESTIONNAIRES = Path(__file__).resolve().parents[3] / "questionnaires"
SERVICES = QUESTIONNAIRES / "support-services.yaml"
SURVEY = QUESTIONNAIRES / "victims-experience-survey.yaml"


def service(sid: str, crime_types=("all",), areas=("all",), placeholder=False) -> SupportService:
    """Build a service for support_services_for tests."""
    return SupportService(
        id=sid,
        name=sid.title(),
        helps_with="Helps.",
        crime_types=tuple(crime_types),
        areas=tuple(areas),
        phone=None if placeholder else "0800 000 000",
        text_or_other=None,
        hours=None if placeholder else "Always",
        website=None,
        checked_on=None if placeholder else date(2026, 11, 26),
        source_note=None if placeholder else "Checked.",
        placeholder=placeholder,
    )


def entry(**overrides) -> dict:
    """A valid services-file entry as YAML data."""
    data = {
        "id": "helpline",
        "name": "A helpline",
        "helps_with": "Anyone.",
        "crime_types": "all",
        "areas": "all",
        "phone": "0800 123 456",
        "hours": "24 hours",
        "website": "https://example.org",
        "checked_on": date(2026, 11, 26),
        "source_note": "Checked on the website.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def write(tmp_path, *entries) -> Path:
    path = tmp_path / "services.yaml"
    path.write_text(yaml.safe_dump({"kind": "support-services", "services": list(entries)}))
    return path


# ----- the shipped file -----------------------------------------------------------------------


def test_shipped_services_use_the_survey_codes_and_record_when_they_were_checked():
    survey = load_questionnaire(SURVEY)
    crime_types = [c.value for c in survey.question("crime_type").choices]
    areas = [c.value for c in survey.question("area").choices]
    services = load_support_services(SERVICES, crime_types=crime_types, areas=areas)
    real = [s for s in services if not s.placeholder]
    ids = {s.id for s in real}
    assert {
        "national_domestic_abuse_helpline",
        "victim_support",
        "rape_crisis_support_line",
        "stop_hate_uk",
        "samaritans",
    } <= ids
    assert all(s.checked_on == date(2026, 11, 26) and s.source_note for s in real)
    assert all(s.phone and s.website and s.website.startswith("https://") for s in real)


def test_shipped_placeholders_are_marked_and_carry_no_phone_number():
    placeholders = [s for s in load_support_services(SERVICES) if s.placeholder]
    assert placeholders
    assert all(s.phone is None for s in placeholders)
    assert all("administrator to replace" in s.name for s in placeholders)


def test_shipped_services_signpost_domestic_abuse_help_first():
    services = load_support_services(SERVICES)
    chosen = [s.id for s in support_services_for(services, ["domestic_abuse"], "wirral")]
    assert chosen[0] == "national_domestic_abuse_helpline"
    assert "victim_support" in chosen
    assert chosen.index("victim_support") > chosen.index("national_domestic_abuse_helpline")


# ----- choosing services ----------------------------------------------------------------------


def test_specialists_come_before_general_services_and_local_before_national():
    services = [
        service("samaritans"),
        service("national_da", crime_types=["domestic_abuse"]),
        service("local_general", areas=["wirral"]),
        service("local_da", crime_types=["domestic_abuse"], areas=["wirral"]),
        service("hate", crime_types=["hate_crime"]),
    ]
    chosen = [s.id for s in support_services_for(services, ["domestic_abuse"], "wirral")]
    assert chosen == ["local_da", "national_da", "local_general", "samaritans"]


def test_services_for_another_area_leave_out_local_ones():
    services = [service("national"), service("wirral_only", areas=["wirral"])]
    assert [s.id for s in support_services_for(services, [], "elsewhere")] == ["national"]


def test_with_no_crime_type_or_area_only_general_national_services_are_given():
    services = [
        service("national"),
        service("specialist", crime_types=["sexual_offence"]),
        service("local", areas=["sefton"]),
    ]
    assert [s.id for s in support_services_for(services, None, None)] == ["national"]


def test_placeholders_are_never_signposted_unless_asked_for():
    services = [service("national"), service("todo", areas=["wirral"], placeholder=True)]
    assert [s.id for s in support_services_for(services, [], "wirral")] == ["national"]
    chosen = support_services_for(services, [], "wirral", include_placeholders=True)
    assert [s.id for s in chosen] == ["todo", "national"]


def test_phone_href_strips_spaces():
    assert service("x").phone_href == "tel:0800000000"


# ----- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"phone": "call us"}, "'phone' must be digits and spaces"),
        ({"website": "http://example.org"}, "'website' must start with https://"),
        ({"checked_on": None}, "'checked_on' (the date the details were checked) is required"),
        ({"source_note": None}, "'source_note' must be non-empty text"),
        ({"phone": None, "website": None}, "needs a phone number or a website"),
        ({"crime_types": []}, "'crime_types' must be 'all' or a non-empty list"),
        ({"areas": ["Wirral"]}, "'areas' has a bad code 'Wirral'"),
        ({"colour": "red"}, "unknown key 'colour'"),
        ({"placeholder": True, "phone": "0800 123 456"}, "must not carry a phone number"),
        ({"checked_on": date(2999, 1, 1)}, "not in the future"),
    ],
)
def test_invalid_service_entries_are_rejected_with_the_service_named(tmp_path, overrides, problem):
    path = write(tmp_path, entry(**overrides))
    with pytest.raises(QuestionnaireError) as caught:
        load_support_services(path)
    assert caught.value.source == "services.yaml"
    message = str(caught.value)
    assert message.startswith("services.yaml: service 'helpline': ")
    assert problem in message


def test_unknown_crime_type_code_is_rejected_when_codes_are_given(tmp_path):
    path = write(tmp_path, entry(crime_types=["domestic_abuse", "burglary"]))
    with pytest.raises(QuestionnaireError, match="unknown code 'burglary'"):
        load_support_services(path, crime_types=["domestic_abuse"])


def test_duplicate_service_ids_are_rejected(tmp_path):
    path = write(tmp_path, entry(), entry())
    with pytest.raises(QuestionnaireError, match="the id is used twice"):
        load_support_services(path)


def test_wrong_kind_is_rejected(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("kind: questionnaire\nservices: []\n")
    with pytest.raises(QuestionnaireError, match="'kind' must be 'support-services'"):
        load_support_services(path)


def test_a_placeholder_needs_no_phone_hours_or_check_date(tmp_path):
    path = write(
        tmp_path,
        entry(
            placeholder=True,
            phone=None,
            hours=None,
            website=None,
            checked_on=None,
            source_note=None,
        ),
    )
    [loaded] = load_support_services(path)
    assert loaded.placeholder and loaded.phone is None
