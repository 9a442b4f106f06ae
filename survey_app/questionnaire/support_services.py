"""Support services for signposting: loaded from YAML, validated, chosen by crime type and area."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .errors import Problem, QuestionnaireError
from .loader import read_yaml

SUPPORT_SERVICES_KIND = "support-services"
ALL = "all"

_ID = re.compile(r"[a-z][a-z0-9_]*")
_CODE = re.compile(r"[a-z][a-z0-9_]*")
_PHONE = re.compile(r"[0-9][0-9 ]{2,19}")

SERVICE_REQUIRED = ("id", "name", "helps_with", "crime_types", "areas")
SERVICE_OPTIONAL = (
    "phone",
    "text_or_other",
    "hours",
    "website",
    "checked_on",
    "source_note",
    "placeholder",
)


@dataclass(frozen=True)
class SupportService:
    """One service to signpost; ``placeholder`` marks a local entry an administrator replaces."""

    id: str
    name: str
    helps_with: str
    crime_types: tuple[str, ...]
    areas: tuple[str, ...]
    phone: str | None
    text_or_other: str | None
    hours: str | None
    website: str | None
    checked_on: date | None
    source_note: str | None
    placeholder: bool = False

    @property
    def is_general(self) -> bool:
        """True when the service helps with every crime type."""
        return ALL in self.crime_types

    @property
    def is_national(self) -> bool:
        """True when the service covers every area."""
        return ALL in self.areas

    @property
    def phone_href(self) -> str | None:
        """The phone number as a ``tel:`` link target (digits only)."""
        return "tel:" + self.phone.replace(" ", "") if self.phone else None

    def covers(self, area: str | None) -> bool:
        """True when the service covers this area (national services cover all of them)."""
        return self.is_national or (area is not None and area in self.areas)


def load_support_services(
    path: str | Path,
    *,
    crime_types: Collection[str] | None = None,
    areas: Collection[str] | None = None,
) -> list[SupportService]:
    """Load and validate a ``kind: support-services`` file.

    ``crime_types`` and ``areas``, when given, are the codes the questionnaire uses; a service
    naming any other code is an error (so a typo cannot hide a service from everyone).
    """
    path = Path(path)
    data = read_yaml(path.read_bytes(), path.name)
    return parse_support_services(data, path.name, crime_types=crime_types, areas=areas)


def parse_support_services(
    data: Any,
    source: str,
    *,
    crime_types: Collection[str] | None = None,
    areas: Collection[str] | None = None,
) -> list[SupportService]:
    """Validate parsed YAML of a services file; raise QuestionnaireError listing every problem."""
    problems: list[Problem] = []

    def add(service: str | None, problem: str) -> None:
        problems.append(Problem(None, f"service '{service}': {problem}" if service else problem))

    services: list[SupportService] = []
    if not isinstance(data, dict) or set(data) - {"kind", "services"}:
        add(None, "the file must have only the keys 'kind' and 'services'")
    elif data.get("kind") != SUPPORT_SERVICES_KIND:
        add(None, f"'kind' must be '{SUPPORT_SERVICES_KIND}'")
    elif not isinstance(data.get("services"), list) or not data["services"]:
        add(None, "'services' must be a non-empty list")
    else:
        seen: set[str] = set()
        for position, item in enumerate(data["services"], start=1):
            service = _service(item, position, seen, add, crime_types, areas)
            if service is not None:
                services.append(service)
    if problems:
        raise QuestionnaireError(source, None, problems[0].problem, tuple(problems))
    return services


def _service(item, position, seen, add, crime_types, areas) -> SupportService | None:
    """Validate one service entry, reporting problems through ``add``."""
    if not isinstance(item, dict):
        add(None, f"service {position} must be a mapping of keys to values")
        return None
    sid = item.get("id")
    label = sid if isinstance(sid, str) else f"number {position}"
    count = 0

    def bad(problem: str) -> None:
        nonlocal count
        count += 1
        add(label, problem)

    for key in SERVICE_REQUIRED:
        if key not in item:
            bad(f"missing required key '{key}'")
    for key in item:
        if key not in SERVICE_REQUIRED + SERVICE_OPTIONAL:
            bad(f"unknown key '{key}'")
    if not isinstance(sid, str) or not _ID.fullmatch(sid):
        bad("'id' must be like 'victim_support'")
    elif sid in seen:
        bad("the id is used twice")
    else:
        seen.add(sid)

    def text(key: str, *, needed: bool) -> str | None:
        value = item.get(key)
        if value is None and not needed:
            return None
        if not isinstance(value, str) or not value.strip():
            bad(f"'{key}' must be non-empty text")
            return None
        return value.strip()

    placeholder = item.get("placeholder", False)
    if not isinstance(placeholder, bool):
        bad("'placeholder' must be true or false")
        placeholder = False
    real = not placeholder
    name = text("name", needed=True)
    helps_with = text("helps_with", needed=True)
    phone = item.get("phone")
    if phone is not None:
        if not isinstance(phone, str) or not _PHONE.fullmatch(phone.strip()):
            bad("'phone' must be digits and spaces in quotes, like '0808 2000 247'")
            phone = None
        elif placeholder:
            bad("a placeholder must not carry a phone number; leave it out until it is real")
    hours = text("hours", needed=real)
    website = text("website", needed=False)
    if website is not None and not website.startswith("https://"):
        bad("'website' must start with https://")
    if real and phone is None and website is None:
        bad("a service needs a phone number or a website")
    checked_on = item.get("checked_on")
    if checked_on is None and real:
        bad("'checked_on' (the date the details were checked) is required")
    elif checked_on is not None and (not isinstance(checked_on, date) or checked_on > date.today()):
        bad("'checked_on' must be a date (YYYY-MM-DD), not in the future")
        checked_on = None
    source_note = text("source_note", needed=real)
    codes = _codes(item.get("crime_types"), "crime_types", crime_types, bad)
    places = _codes(item.get("areas"), "areas", areas, bad)
    if count:
        return None
    return SupportService(
        id=sid,
        name=name,  # type: ignore[arg-type]
        helps_with=helps_with,  # type: ignore[arg-type]
        crime_types=codes,
        areas=places,
        phone=phone.strip() if phone else None,
        text_or_other=text("text_or_other", needed=False),
        hours=hours,
        website=website,
        checked_on=checked_on,
        source_note=source_note,
        placeholder=placeholder,
    )


def _codes(value: Any, key: str, known: Collection[str] | None, bad) -> tuple[str, ...]:
    """Read ``all`` or a list of codes, checking them against the known codes if given."""
    if value == ALL:
        return (ALL,)
    if not isinstance(value, list) or not value:
        bad(f"'{key}' must be 'all' or a non-empty list of codes")
        return ()
    for code in value:
        if not isinstance(code, str) or not _CODE.fullmatch(code):
            bad(f"'{key}' has a bad code {code!r}")
        elif known is not None and code not in known:
            bad(f"'{key}' has unknown code '{code}' (known: {', '.join(sorted(known))})")
    return tuple(value)


def support_services_for(
    services: Sequence[SupportService],
    crime_types: Iterable[str] | None,
    area: str | None,
    *,
    include_placeholders: bool = False,
) -> list[SupportService]:
    """Choose services to signpost: specialists for the crime types first, then general ones.

    Only services covering ``area`` (or national ones) are chosen; local ones come before
    national ones within each group. With no crime type and no area, the general national
    services are returned. Placeholders are left out unless asked for, so a respondent never
    sees an entry an administrator has not filled in.
    """
    pool = [s for s in services if include_placeholders or not s.placeholder]
    wanted = {code for code in (crime_types or ()) if code}
    if not wanted and not area:
        return [s for s in pool if s.is_general and s.is_national]
    specialist = [
        s for s in pool if not s.is_general and wanted & set(s.crime_types) and s.covers(area)
    ]
    general = [s for s in pool if s.is_general and s.covers(area)]
    return sorted(specialist, key=lambda s: s.is_national) + sorted(
        general, key=lambda s: s.is_national
    )
