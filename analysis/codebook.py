"""Codebooks as data: themes grouped by stage, validated on load, exchanged as REFI-QDA, CSV, XLSX.

A codebook file is YAML with ``kind: codebook`` at the top level (see ``docs/analysis.md``). Loading
checks every theme and reports all problems at once, each naming the file, the theme and the
problem, so a researcher editing the file can fix it in one pass.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from analysis.records import STAGES
from analysis.spreadsheet import CSV_ENCODING, neutralise, read_csv, restore

__all__ = [
    "DIRECTIONS",
    "QDC_NAMESPACE",
    "Codebook",
    "CodebookError",
    "Theme",
    "codebook_from_dict",
    "export_csv",
    "export_qdc",
    "export_xlsx",
    "import_csv",
    "import_qdc",
    "import_xlsx",
    "load_codebook",
    "split_direction",
    "validate_qdc",
]

QDC_NAMESPACE = "urn:QDA-XML:codebook:1.0"
"""XML namespace of the REFI-QDA Codebook standard, version 1.0."""
_QDC_SCHEMA_LOCATION = (
    "urn:QDA-XML:codebook:1.0 http://schema.qdasoftware.org/versions/Codebook/v1.0/Codebook.xsd"
)
# The GUIDType and RGBType patterns of the REFI-QDA Codebook XSD.
_GUID_RE = re.compile(
    r"^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\})$"
)
_RGB_RE = re.compile(r"^#(?:[A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})$")
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_GUID_NAMESPACE = uuid.UUID("8f6a3f0e-3c1d-5b7e-9a55-5f1e2d0c7b41")
_STAGE_COLOURS = {"reporting": "#1d70b8", "engagement": "#00703c", "recovery": "#f47738"}
_THEME_KEYS = {
    "id",
    "label",
    "definition",
    "when_to_use",
    "when_not_to_use",
    "examples",
    "indicators",
    "subthemes",
    "color",
}
_TOP_KEYS = {"kind", "name", "title", "description", "stages", "themes"}
_STAGE_KEYS = {"label", "description", "themes"}


class CodebookError(ValueError):
    """A codebook file or table is not valid; the message lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Theme:
    """One theme of a codebook.

    Parameters
    ----------
    id : str
        Stable identifier: lower case letters, digits and underscores (``kept_informed``).
    label : str
        Short name shown to people.
    stage : str or None
        ``"reporting"``, ``"engagement"``, ``"recovery"``, or ``None`` for a theme of no stage.
    definition : str
        What the theme means, in plain English.
    when_to_use, when_not_to_use : str
        Guidance for coders.
    examples : tuple of str
        Example quotes.
    indicators : tuple of str
        Indicative words and phrases used by :class:`analysis.rules.RuleCoder`; a phrase that
        starts with a negation ("not kept informed") matches only negated text. One may end
        with a direction marker, " (+)" for a good experience or " (-)" for a bad one
        (:func:`split_direction`); without one it says neither.
    subthemes : tuple of Theme
        Narrower themes.
    parent : str or None
        Id of the parent theme for a sub-theme.
    color : str or None
        ``#rrggbb`` colour for QDA software.
    """

    id: str
    label: str
    stage: str | None
    definition: str
    when_to_use: str = ""
    when_not_to_use: str = ""
    examples: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    subthemes: tuple[Theme, ...] = ()
    parent: str | None = None
    color: str | None = None

    def walk(self) -> Iterator[Theme]:
        """Yield this theme then its sub-themes, depth first."""
        yield self
        for sub in self.subthemes:
            yield from sub.walk()

    def to_dict(self) -> dict[str, Any]:
        """Return the theme as it is written in a codebook YAML file."""
        data: dict[str, Any] = {"id": self.id, "label": self.label, "definition": self.definition}
        if self.when_to_use:
            data["when_to_use"] = self.when_to_use
        if self.when_not_to_use:
            data["when_not_to_use"] = self.when_not_to_use
        if self.examples:
            data["examples"] = list(self.examples)
        if self.indicators:
            data["indicators"] = list(self.indicators)
        if self.color:
            data["color"] = self.color
        if self.subthemes:
            data["subthemes"] = [s.to_dict() for s in self.subthemes]
        return data


@dataclass(frozen=True)
class Codebook:
    """A named set of themes grouped by stage.

    Parameters
    ----------
    name : str
        Short identifier (``victims-services``).
    themes : tuple of Theme
        Top-level themes (each may carry sub-themes), in file order.
    title, description : str
        For people.
    stage_labels : dict
        Label of each stage, e.g. ``{"reporting": "Reporting the crime"}``.
    """

    name: str
    themes: tuple[Theme, ...]
    title: str = ""
    description: str = ""
    stage_labels: dict[str, str] = field(default_factory=dict)

    def all_themes(self) -> list[Theme]:
        """Every theme and sub-theme, depth first in file order."""
        return [t for top in self.themes for t in top.walk()]

    def theme(self, theme_id: str) -> Theme:
        """Return the theme with ``theme_id`` (raises ``KeyError`` when absent)."""
        for t in self.all_themes():
            if t.id == theme_id:
                return t
        raise KeyError(theme_id)

    @property
    def theme_ids(self) -> list[str]:
        """Ids of every theme and sub-theme."""
        return [t.id for t in self.all_themes()]

    def themes_for_stage(self, stage: str | None) -> list[Theme]:
        """Themes (and sub-themes) of ``stage``; all of them when ``stage`` is ``None``."""
        return [t for t in self.all_themes() if stage is None or t.stage == stage]

    @property
    def stages(self) -> list[str]:
        """The stages that have themes, in the standard order."""
        present = {t.stage for t in self.themes}
        return [s for s in STAGES if s in present]

    def to_dict(self) -> dict[str, Any]:
        """Return the codebook as written in YAML (``kind: codebook``)."""
        data: dict[str, Any] = {"kind": "codebook", "name": self.name}
        if self.title:
            data["title"] = self.title
        if self.description:
            data["description"] = self.description
        stages: dict[str, Any] = {}
        for stage in self.stages:
            entry: dict[str, Any] = {}
            if self.stage_labels.get(stage):
                entry["label"] = self.stage_labels[stage]
            entry["themes"] = [t.to_dict() for t in self.themes if t.stage == stage]
            stages[stage] = entry
        data["stages"] = stages
        unstaged = [t.to_dict() for t in self.themes if t.stage is None]
        if unstaged:
            data["themes"] = unstaged
        return data

    @property
    def version(self) -> str:
        """Short content hash: changes whenever any theme or indicator changes."""
        text = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]

    def dump_yaml(self, path: str | Path) -> None:
        """Write the codebook as YAML to ``path``."""
        Path(path).write_text(
            yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=100),
            encoding="utf-8",
        )


# -- loading and validation ----------------------------------------------------------------


def load_codebook(path: str | Path) -> Codebook:
    """Load and validate a codebook YAML file.

    Parameters
    ----------
    path : str or Path
        The ``.yaml`` file.

    Returns
    -------
    Codebook

    Raises
    ------
    CodebookError
        Listing every problem, each starting with the file name.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CodebookError([f"{path}: file not found"]) from None
    except yaml.YAMLError as exc:
        raise CodebookError([f"{path.name}: not valid YAML: {exc}"]) from None
    return codebook_from_dict(data, source=path.name)


def codebook_from_dict(data: Any, source: str = "<codebook>") -> Codebook:
    """Build and validate a codebook from parsed YAML.

    Parameters
    ----------
    data : mapping
        Parsed YAML with ``kind: codebook``.
    source : str
        Name used in error messages (usually the file name).

    Returns
    -------
    Codebook

    Raises
    ------
    CodebookError
    """
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise CodebookError([f"{source}: the top level must be a mapping with kind: codebook"])
    if data.get("kind") != "codebook":
        problems.append(f"{source}: 'kind' must be 'codebook' (found {data.get('kind')!r})")
    for key in sorted(set(data) - _TOP_KEYS):
        problems.append(f"{source}: unknown top-level key {key!r}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{source}: 'name' is required")
        name = ""
    themes: list[Theme] = []
    stage_labels: dict[str, str] = {}
    stages = data.get("stages") or {}
    if not isinstance(stages, Mapping):
        problems.append(f"{source}: 'stages' must be a mapping of stage name to themes")
        stages = {}
    for stage, entry in stages.items():
        where = f"{source}: stage {stage!r}"
        if stage not in STAGES:
            problems.append(f"{where}: unknown stage (use one of {', '.join(STAGES)})")
            continue
        if not isinstance(entry, Mapping):
            problems.append(f"{where}: must be a mapping with 'themes'")
            continue
        for key in sorted(set(entry) - _STAGE_KEYS):
            problems.append(f"{where}: unknown key {key!r}")
        if isinstance(entry.get("label"), str):
            stage_labels[stage] = entry["label"]
        themes.extend(_themes(entry.get("themes"), stage, None, where, problems))
    themes.extend(_themes(data.get("themes") or [], None, None, source, problems))
    if not themes and not problems:
        problems.append(f"{source}: the codebook has no themes")
    seen: dict[str, int] = {}
    for t in (t for top in themes for t in top.walk()):
        seen[t.id] = seen.get(t.id, 0) + 1
    for theme_id, count in seen.items():
        if count > 1:
            problems.append(f"{source}: theme {theme_id!r}: id used {count} times")
    if problems:
        raise CodebookError(problems)
    return Codebook(
        name=name,
        themes=tuple(themes),
        title=str(data.get("title") or ""),
        description=str(data.get("description") or ""),
        stage_labels=stage_labels,
    )


#: Direction an indicator may carry, from its marker: " (+)" at the end says the words report a
#: good experience (praise), " (-)" a bad one (complaint). No marker: the words say neither.
DIRECTIONS = {"+": "positive", "-": "negative"}
_DIRECTION_RE = re.compile(r"\s*\(([+-])\)\s*$")
_ANY_MARKER_RE = re.compile(r"\([+-]\)")


def split_direction(indicator: str) -> tuple[str, str | None]:
    """The words of an indicator and its direction: ``"rude (-)"`` gives ``("rude",
    "negative")``, ``"kind (+)"`` gives ``("kind", "positive")``, ``"update"`` gives
    ``("update", None)``."""
    m = _DIRECTION_RE.search(indicator)
    if not m:
        return indicator.strip(), None
    return indicator[: m.start()].strip(), DIRECTIONS[m.group(1)]


def _check_indicators(indicators: tuple[str, ...], where: str, problems: list[str]) -> None:
    """A direction marker, if any, comes once, last, after some words."""
    for indicator in indicators:
        words, _ = split_direction(indicator)
        if _ANY_MARKER_RE.search(words):
            problems.append(
                f"{where}: indicator {indicator!r}: a direction marker '(+)' or '(-)' may only "
                "come once, at the end"
            )
        elif not words:
            problems.append(f"{where}: indicator {indicator!r} has a direction but no words")


def _strings(value: Any, key: str, where: str, problems: list[str]) -> tuple[str, ...]:
    """Validate a list of non-empty strings."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{where}: {key!r} must be a list of non-empty strings")
        return ()
    return tuple(v.strip() for v in value)


def _themes(
    items: Any, stage: str | None, parent: str | None, where: str, problems: list[str]
) -> list[Theme]:
    """Validate and build a list of themes (recursively for sub-themes)."""
    if not isinstance(items, list):
        problems.append(f"{where}: 'themes' must be a list")
        return []
    built = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            problems.append(f"{where}: theme #{index} must be a mapping")
            continue
        theme_id = item.get("id")
        here = f"{where.split(': stage')[0]}: theme {theme_id!r}" if theme_id else where
        if not isinstance(theme_id, str) or not _ID_RE.match(theme_id):
            problems.append(
                f"{where}: theme #{index}: 'id' must be lower case letters, digits and "
                f"underscores, starting with a letter (found {theme_id!r})"
            )
            here = f"{where}: theme #{index}"
        for key in sorted(set(item) - _THEME_KEYS):
            problems.append(f"{here}: unknown key {key!r}")
        for key in ("label", "definition"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                problems.append(f"{here}: {key!r} is required")
        for key in ("when_to_use", "when_not_to_use"):
            if item.get(key) is not None and not isinstance(item[key], str):
                problems.append(f"{here}: {key!r} must be text")
        color = item.get("color")
        if color is not None and (not isinstance(color, str) or not _RGB_RE.match(color)):
            problems.append(f"{here}: 'color' must look like #1d70b8")
            color = None
        indicators = _strings(item.get("indicators"), "indicators", here, problems)
        _check_indicators(indicators, here, problems)
        subthemes = _themes(item.get("subthemes") or [], stage, theme_id, here, problems)
        built.append(
            Theme(
                id=str(theme_id),
                label=str(item.get("label") or "").strip(),
                stage=stage,
                definition=str(item.get("definition") or "").strip(),
                when_to_use=str(item.get("when_to_use") or "").strip(),
                when_not_to_use=str(item.get("when_not_to_use") or "").strip(),
                examples=_strings(item.get("examples"), "examples", here, problems),
                indicators=indicators,
                subthemes=tuple(subthemes),
                parent=parent,
                color=color,
            )
        )
    return built


# -- REFI-QDA codebook (.qdc) --------------------------------------------------------------

_SECTIONS = (
    ("when_to_use", "When to use:"),
    ("when_not_to_use", "When not to use:"),
    ("examples", "Examples:"),
    ("indicators", "Indicative words and phrases:"),
    ("id", "Theme id:"),
)


def _guid(codebook_name: str, key: str) -> str:
    """Stable GUID for a code, so exporting twice gives the same file."""
    return str(uuid.uuid5(_GUID_NAMESPACE, f"{codebook_name}/{key}")).upper()


def _description(theme: Theme) -> str:
    """The theme's fields as readable text for the ``<Description>`` of a code."""
    lines = [theme.definition]
    if theme.when_to_use:
        lines += ["", f"When to use: {theme.when_to_use}"]
    if theme.when_not_to_use:
        lines += ["", f"When not to use: {theme.when_not_to_use}"]
    if theme.examples:
        lines += ["", "Examples:", *(f"- {e}" for e in theme.examples)]
    if theme.indicators:
        lines += ["", "Indicative words and phrases:", *(f"- {i}" for i in theme.indicators)]
    lines += ["", f"Theme id: {theme.id}"]
    return "\n".join(lines)


def _parse_description(text: str) -> dict[str, Any]:
    """Inverse of :func:`_description`; any other text becomes the definition."""
    fields: dict[str, Any] = {"examples": [], "indicators": []}
    current = "definition"
    chunks: dict[str, list[str]] = {"definition": []}
    for line in text.splitlines():
        for key, heading in _SECTIONS:
            if line.startswith(heading):
                current = key
                rest = line[len(heading) :].strip()
                chunks.setdefault(key, [])
                if rest:
                    chunks[key].append(rest)
                break
        else:
            chunks.setdefault(current, []).append(line)
    for key, lines in chunks.items():
        if key in ("examples", "indicators"):
            fields[key] = [ln[2:].strip() for ln in lines if ln.startswith("- ")]
        else:
            fields[key] = "\n".join(lines).strip()
    return fields


def theme_guid(codebook: Codebook, theme_id: str) -> str:
    """The REFI-QDA GUID of a theme's code: the same in every codebook and project export."""
    return _guid(codebook.name, theme_id)


def add_codes(parent: ET.Element, codebook: Codebook, namespace: str) -> ET.Element:
    """Append ``<Codes>`` to ``parent`` (a ``.qdc`` CodeBook, or a project's CodeBook): each
    stage a non-codable parent code, each theme a codable code under it with its sub-themes
    nested, the theme's fields as labelled sections of its ``<Description>``."""
    q = f"{{{namespace}}}"
    codes = ET.SubElement(parent, f"{q}Codes")

    def add(under: ET.Element, theme: Theme) -> None:
        attrs = {"guid": theme_guid(codebook, theme.id), "name": theme.label, "isCodable": "true"}
        if theme.color:
            attrs["color"] = theme.color
        element = ET.SubElement(under, f"{q}Code", attrs)
        ET.SubElement(element, f"{q}Description").text = _description(theme)
        for sub in theme.subthemes:
            add(element, sub)

    for stage in codebook.stages:
        label = codebook.stage_labels.get(stage) or stage.capitalize()
        group = ET.SubElement(
            codes,
            f"{q}Code",
            {
                "guid": _guid(codebook.name, f"stage:{stage}"),
                "name": label,
                "isCodable": "false",
                "color": _STAGE_COLOURS[stage],
            },
        )
        ET.SubElement(group, f"{q}Description").text = f"Stage: {stage}"
        for theme in codebook.themes:
            if theme.stage == stage:
                add(group, theme)
    for theme in codebook.themes:
        if theme.stage is None:
            add(codes, theme)
    return codes


def export_qdc(codebook: Codebook, path: str | Path) -> None:
    """Write ``codebook`` as a REFI-QDA codebook (``.qdc``) readable by NVivo, ATLAS.ti, MAXQDA.

    Each stage becomes a non-codable parent code; each theme a codable code nested under it, with
    sub-themes nested under their theme. The theme's definition, guidance, examples, indicators and
    id are written as labelled sections of the code's ``<Description>``.

    Parameters
    ----------
    codebook : Codebook
    path : str or Path
    """
    ET.register_namespace("", QDC_NAMESPACE)
    ET.register_namespace("xsi", "http://www.w3.org/2001/XMLSchema-instance")
    q = f"{{{QDC_NAMESPACE}}}"
    root = ET.Element(
        f"{q}CodeBook",
        {
            "origin": f"victims-voice analysis ({codebook.name} {codebook.version})",
            "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation": _QDC_SCHEMA_LOCATION,
        },
    )
    add_codes(root, codebook, QDC_NAMESPACE)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def _parse_xml(path: str | Path) -> ET.Element:
    """Parse an XML file that may come from elsewhere, refusing DTDs (entity expansion attacks)."""
    data = Path(path).read_bytes()
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ET.ParseError("DOCTYPE and ENTITY declarations are not allowed in a .qdc file")
    # Without a DTD there are no entities to expand, so the standard parser is safe here.
    return ET.fromstring(data)  # noqa: S314


def guid_problems(owner: str, value: str | None, seen: set[str]) -> list[str]:
    """What is wrong with a REFI-QDA ``guid`` (GUIDType, unique among ``seen``, which it joins)."""
    if value is None or not _GUID_RE.match(value):
        return [f"{owner}: guid {value!r} does not match GUIDType"]
    if value.strip("{}").lower() in seen:
        return [f"{owner}: guid {value} is not unique"]
    seen.add(value.strip("{}").lower())
    return []


def codes_problems(codes: ET.Element, namespace: str, guids: set[str]) -> list[str]:
    """What a ``<Codes>`` element breaks of the REFI-QDA schemas (the codebook's and the
    project's agree on it): each ``Code`` has a unique ``guid``, a ``name``, ``isCodable`` as an
    xsd:boolean, an optional RGB ``color``, at most one ``Description`` first, then nested codes."""
    q = f"{{{namespace}}}"
    problems: list[str] = []

    def check_code(code: ET.Element, where: str) -> None:
        name = code.get("name")
        owner = f"{where}/Code[{name!r}]"
        if not name:
            problems.append(f"{owner}: required attribute 'name' is missing")
        problems.extend(guid_problems(owner, code.get("guid"), guids))
        if code.get("isCodable") not in ("true", "false", "1", "0"):
            problems.append(f"{owner}: isCodable must be an xsd:boolean")
        color = code.get("color")
        if color is not None and not _RGB_RE.match(color):
            problems.append(f"{owner}: color {color!r} does not match RGBType")
        for attr in code.attrib:
            if attr not in ("guid", "name", "isCodable", "color"):
                problems.append(f"{owner}: unexpected attribute {attr!r}")
        for i, kid in enumerate(code):
            if kid.tag == f"{q}Description":
                if i != 0:
                    problems.append(f"{owner}: Description must come first and only once")
            elif kid.tag == f"{q}Code":
                check_code(kid, owner)
            else:
                problems.append(f"{owner}: unexpected element {kid.tag}")

    if not list(codes):
        problems.append("Codes must hold at least one Code")
    for code in codes:
        if code.tag != f"{q}Code":
            problems.append(f"Codes: unexpected element {code.tag}")
        else:
            check_code(code, "Codes")
    return problems


def validate_qdc(path: str | Path) -> list[str]:
    """Check a ``.qdc`` file against the structure of the REFI-QDA Codebook 1.0 schema.

    Checks what the XSD declares: root ``CodeBook`` in namespace ``urn:QDA-XML:codebook:1.0``
    holding ``Codes`` then optionally ``Sets``; each ``Code`` has the required ``guid`` (GUIDType
    pattern), ``name`` and ``isCodable`` (xsd:boolean) attributes, an optional ``color``
    (RGBType), at most one ``Description`` first, then nested ``Code`` elements; each ``Set`` has
    ``guid`` and ``name`` and holds ``Description``, ``MemberCode`` and ``MemberSource``
    elements with ``targetGUID``. GUIDs must be unique.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    list of str
        Problems found; empty when the file conforms.
    """
    q = f"{{{QDC_NAMESPACE}}}"
    problems: list[str] = []
    try:
        root = _parse_xml(path)
    except ET.ParseError as exc:
        return [f"not well-formed XML: {exc}"]
    if root.tag != f"{q}CodeBook":
        return [f"root element is {root.tag}, expected {q}CodeBook"]
    for name in root.attrib:
        if name not in ("origin",) and not name.startswith("{"):
            problems.append(f"CodeBook: unexpected attribute {name!r}")
    children = list(root)
    tags = [c.tag for c in children]
    if tags not in ([f"{q}Codes"], [f"{q}Codes", f"{q}Sets"]):
        problems.append(f"CodeBook must hold Codes then optionally Sets, found {tags}")
    guids: set[str] = set()
    for child in children:
        if child.tag == f"{q}Codes":
            problems += codes_problems(child, QDC_NAMESPACE, guids)
        elif child.tag == f"{q}Sets":
            for s in child:
                owner = f"Sets/Set[{s.get('name')!r}]"
                if s.tag != f"{q}Set" or not s.get("name"):
                    problems.append(f"{owner}: must be a Set with a name")
                problems += guid_problems(owner, s.get("guid"), guids)
                for member in s:
                    if member.tag in (f"{q}MemberCode", f"{q}MemberSource"):
                        if not _GUID_RE.match(member.get("targetGUID") or ""):
                            problems.append(f"{owner}: member without a valid targetGUID")
                    elif member.tag != f"{q}Description":
                        problems.append(f"{owner}: unexpected element {member.tag}")
    return problems


def _slug(text: str) -> str:
    """A theme id made from a label ("Kept informed" -> "kept_informed")."""
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return slug if slug and slug[0].isalpha() else f"theme_{slug}"


def import_qdc(path: str | Path, name: str | None = None) -> Codebook:
    """Read a REFI-QDA codebook (``.qdc``), from this package or from other QDA software.

    Top-level non-codable codes named after a stage (by key or by label) group that stage's
    themes; other codes become themes without a stage. Descriptions written by
    :func:`export_qdc` are split back into their fields; any other description becomes the
    definition, and the theme id is made from the code's name.

    Parameters
    ----------
    path : str or Path
    name : str, optional
        Codebook name; the file name without extension by default.

    Returns
    -------
    Codebook
    """
    path = Path(path)
    q = f"{{{QDC_NAMESPACE}}}"
    problems = validate_qdc(path)
    if problems:
        raise CodebookError([f"{path.name}: {p}" for p in problems])
    root = _parse_xml(path)
    stage_labels: dict[str, str] = {}
    used: set[str] = set()

    def build(code: ET.Element, stage: str | None, parent: str | None) -> Theme:
        desc = code.find(f"{q}Description")
        fields = _parse_description(desc.text or "" if desc is not None else "")
        label = code.get("name") or ""
        theme_id = fields.get("id") or _slug(label)
        while theme_id in used:
            theme_id += "_2"
        used.add(theme_id)
        subs = tuple(build(c, stage, theme_id) for c in code.findall(f"{q}Code"))
        return Theme(
            id=theme_id,
            label=label,
            stage=stage,
            definition=fields.get("definition") or label,
            when_to_use=fields.get("when_to_use", ""),
            when_not_to_use=fields.get("when_not_to_use", ""),
            examples=tuple(fields["examples"]),
            indicators=tuple(fields["indicators"]),
            subthemes=subs,
            parent=parent,
            color=code.get("color") if stage is None and parent is None else None,
        )

    themes: list[Theme] = []
    codes = root.find(f"{q}Codes")
    for code in codes if codes is not None else []:
        label = code.get("name") or ""
        desc = code.find(f"{q}Description")
        desc_text = (desc.text or "").strip() if desc is not None else ""
        stage = next(
            (
                s
                for s in STAGES
                if desc_text == f"Stage: {s}" or label.strip().lower() in (s, f"{s} stage")
            ),
            None,
        )
        if stage and code.get("isCodable") in ("false", "0"):
            stage_labels[stage] = label
            themes.extend(build(c, stage, None) for c in code.findall(f"{q}Code"))
        else:
            themes.append(build(code, None, None))
    # Colours were only written for themes that had one; keep the round trip exact.
    return Codebook(
        name=name or path.stem,
        themes=tuple(themes),
        title=name or path.stem,
        stage_labels=stage_labels,
    )


# -- CSV and XLSX ----------------------------------------------------------------------------

TABLE_COLUMNS = (
    "stage",
    "id",
    "parent_id",
    "label",
    "definition",
    "when_to_use",
    "when_not_to_use",
    "examples",
    "indicators",
)


def _rows(codebook: Codebook) -> list[dict[str, str]]:
    """One row per theme; examples and indicators one per line within their cell."""
    return [
        {
            "stage": t.stage or "",
            "id": t.id,
            "parent_id": t.parent or "",
            "label": t.label,
            "definition": t.definition,
            "when_to_use": t.when_to_use,
            "when_not_to_use": t.when_not_to_use,
            "examples": "\n".join(t.examples),
            "indicators": "\n".join(t.indicators),
        }
        for t in codebook.all_themes()
    ]


def _split_cell(value: str, allow_semicolons: bool) -> list[str]:
    """Split a cell into items: one per line, or by ';' when typed on one line."""
    value = (value or "").strip()
    if not value:
        return []
    parts = value.splitlines() if "\n" in value or not allow_semicolons else value.split(";")
    return [p.strip() for p in parts if p.strip()]


def _from_rows(rows: Iterable[Mapping[str, Any]], source: str, name: str) -> Codebook:
    """Rebuild a codebook from table rows and validate it like a YAML file."""
    rows = [{k: ("" if v is None else restore(str(v))) for k, v in r.items()} for r in rows]
    missing = [c for c in ("id", "label", "definition") if rows and c not in rows[0]]
    if missing:
        raise CodebookError([f"{source}: missing column(s) {', '.join(missing)}"])
    by_parent: dict[str, list[dict[str, Any]]] = {}
    stage_of: dict[str, str] = {}
    for row in rows:
        item: dict[str, Any] = {"id": row.get("id", "").strip()}
        for key in ("label", "definition", "when_to_use", "when_not_to_use"):
            if row.get(key, "").strip():
                item[key] = row[key].strip()
        examples = _split_cell(row.get("examples", ""), allow_semicolons=False)
        indicators = _split_cell(row.get("indicators", ""), allow_semicolons=True)
        if examples:
            item["examples"] = examples
        if indicators:
            item["indicators"] = indicators
        stage_of[item["id"]] = row.get("stage", "").strip()
        by_parent.setdefault(row.get("parent_id", "").strip(), []).append(item)

    def attach(item: dict[str, Any]) -> dict[str, Any]:
        children = by_parent.get(item["id"], [])
        if children:
            item["subthemes"] = [attach(c) for c in children]
        return item

    data: dict[str, Any] = {"kind": "codebook", "name": name, "stages": {}}
    for item in by_parent.get("", []):
        stage = stage_of[item["id"]]
        if stage:
            data["stages"].setdefault(stage, {"themes": []})["themes"].append(attach(item))
        else:
            data.setdefault("themes", []).append(attach(item))
    return codebook_from_dict(data, source=source)


def export_csv(codebook: Codebook, path: str | Path) -> None:
    """Write one row per theme (columns :data:`TABLE_COLUMNS`) to a CSV file (UTF-8 with a BOM)."""
    with open(path, "w", newline="", encoding=CSV_ENCODING) as fh:
        writer = csv.DictWriter(fh, fieldnames=TABLE_COLUMNS)
        writer.writeheader()
        for row in _rows(codebook):
            writer.writerow({column: neutralise(value) for column, value in row.items()})


def import_csv(path: str | Path, name: str | None = None) -> Codebook:
    """Read a codebook table from CSV (as written by :func:`export_csv`) and validate it.

    Indicators may be one per line in their cell or separated by semicolons. The file may be
    UTF-8 or Windows-1252 and separated by ",", ";", a tab or "|", as Excel saves it
    (``analysis.spreadsheet.read_csv``).
    """
    path = Path(path)
    try:
        reader, _ = read_csv(path.read_bytes(), ["id", "label", "definition"])
        rows = list(reader)
    except UnicodeDecodeError:
        raise CodebookError(
            [f"{path.name}: neither UTF-8 nor Windows-1252 text; save it as CSV UTF-8"]
        ) from None
    except csv.Error as exc:
        raise CodebookError([f"{path.name}: not a readable CSV file ({exc})"]) from None
    return _from_rows(rows, path.name, name or path.stem)


def export_xlsx(codebook: Codebook, path: str | Path) -> None:
    """Write the codebook to an Excel workbook: sheet "themes" and sheet "codebook" (metadata)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "themes"
    sheet.append(list(TABLE_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(codebook):
        sheet.append([neutralise(row[c]) for c in TABLE_COLUMNS])
    for column, width in zip("ABCDEFGHI", (12, 24, 18, 30, 50, 40, 40, 50, 40), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    meta = book.create_sheet("codebook")
    meta.append(["key", "value"])
    for key, value in (
        ("name", codebook.name),
        ("title", codebook.title),
        ("description", codebook.description),
        *((f"stage_label:{s}", codebook.stage_labels.get(s, "")) for s in codebook.stages),
    ):
        meta.append([key, neutralise(value)])
    book.save(path)


def import_xlsx(path: str | Path, name: str | None = None) -> Codebook:
    """Read a codebook from an Excel workbook written by :func:`export_xlsx` (or laid out alike)."""
    from openpyxl import load_workbook

    path = Path(path)
    book = load_workbook(path, read_only=True, data_only=True)
    sheet = book["themes"] if "themes" in book.sheetnames else book.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    header = [str(h or "").strip() for h in values[0]] if values else []
    rows = [dict(zip(header, r, strict=False)) for r in values[1:] if any(r)]
    meta: dict[str, str] = {}
    if "codebook" in book.sheetnames:
        for key, value, *_ in book["codebook"].iter_rows(min_row=2, values_only=True):
            if key:
                meta[str(key)] = "" if value is None else restore(str(value))
    book.close()
    codebook = _from_rows(rows, path.name, name or meta.get("name") or path.stem)
    labels = {k.split(":", 1)[1]: v for k, v in meta.items() if k.startswith("stage_label:")}
    return replace(
        codebook,
        title=meta.get("title", codebook.title),
        description=meta.get("description", codebook.description),
        stage_labels=labels or codebook.stage_labels,
    )
