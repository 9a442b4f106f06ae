"""Coded text as a REFI-QDA project (``.qdpx``) for NVivo, ATLAS.ti, MAXQDA and QualCoder.

A ``.qdpx`` file is a zip holding ``project.qde`` (XML in the namespace
``urn:QDA-XML:project:1.0``, REFI-QDA Project 1.0 of March 2019) and the documents' plain text
under ``sources/``. Here each document is a respondent's free-text answers (one part per answer,
headed by its question) or a focus group's transcript (one part per turn, headed by its
speaker's pseudonym). Each part is a ``PlainTextSelection`` carrying its codings; each coding
names its coder as a project ``User``, so QDA software can tell people's codes from machine
suggestions. Respondents, and focus-group participants, are ``Cases`` with variables (crime
type, area, channel, source). The codes are the codebook's, with the GUIDs of its ``.qdc``
export, so the codebook and the project line up.

Positions are zero-based character (code point) offsets into the document's text, end
exclusive. The text given is written as is: redact it first.
"""

from __future__ import annotations

import io
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException

from analysis.codebook import Codebook, add_codes, codes_problems, guid_problems, theme_guid

__all__ = [
    "PROJECT_NAMESPACE",
    "Document",
    "Part",
    "project_bytes",
    "validate_project",
]

PROJECT_NAMESPACE = "urn:QDA-XML:project:1.0"
_Q = f"{{{PROJECT_NAMESPACE}}}"
_SCHEMA_LOCATION = (
    "urn:QDA-XML:project:1.0 http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd"
)
_GUIDS = uuid.UUID("3e1b6c52-8f0a-5d47-b1e2-6a9c0d4f7e13")
#: The project's top-level elements, in the order the schema requires.
_ORDER = ("Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Sets")
#: Case variables, in this order, all text.
VARIABLES = ("Crime type", "Area", "Channel", "Source")


@dataclass(frozen=True)
class Part:
    """One coded unit of a document: a survey answer or a focus-group turn."""

    key: str  # stable and unique in the project (the segment id)
    heading: str  # the question, or the speaker's pseudonym
    text: str
    codings: tuple[tuple[str, str], ...] = ()  # (theme id, user key)
    case: str = ""  # the case the part belongs to, when not the document's (a participant)


@dataclass(frozen=True)
class Document:
    """A respondent's answers or a session's transcript, with the case variables."""

    key: str  # stable and unique in the project
    name: str
    parts: tuple[Part, ...]
    variables: Mapping[str, str] = field(default_factory=dict)
    case: str = ""  # the document's case ("" for none: a transcript's parts carry theirs)


def _guid(key: str) -> str:
    return str(uuid.uuid5(_GUIDS, key)).upper()


def _text_and_spans(document: Document) -> tuple[str, list[tuple[int, int]]]:
    """The document's text (each part its heading, a line break, its text, a blank line) and
    each part's (start, end) within it."""
    chunks: list[str] = []
    spans: list[tuple[int, int]] = []
    at = 0
    for part in document.parts:
        head = f"{part.heading}\n"
        chunks.append(head)
        at += len(head)
        chunks.append(part.text)
        spans.append((at, at + len(part.text)))
        at += len(part.text)
        chunks.append("\n\n")
        at += 2
    return "".join(chunks), spans


def _variable_values(parent: ET.Element, values: Mapping[str, str]) -> None:
    for name in VARIABLES:
        value = values.get(name)
        if value:
            element = ET.SubElement(parent, f"{_Q}VariableValue")
            ET.SubElement(element, f"{_Q}VariableRef", targetGUID=_guid(f"variable:{name}"))
            ET.SubElement(element, f"{_Q}TextValue").text = value


def project_bytes(
    name: str,
    codebook: Codebook,
    documents: Sequence[Document],
    users: Mapping[str, str],
    made: datetime,
    origin: str = "victims-voice",
) -> bytes:
    """The ``.qdpx`` file (a zip) of ``documents`` coded with ``codebook``'s themes.

    Parameters
    ----------
    name : str
        The project's name.
    codebook : Codebook
        Its themes become the project's codes (GUIDs as in :func:`analysis.codebook.export_qdc`).
    documents : sequence of Document
        Text already redacted. Codings of themes not in the codebook are left out.
    users : mapping of str to str
        User key (as in :attr:`Part.codings`) to the name shown in QDA software.
    made : datetime
        When the export was made (``creationDateTime``; UTC).
    origin : str
        The software that wrote the file.
    """
    known = {theme.id for theme in codebook.all_themes()}
    stamp = made.replace(microsecond=0).isoformat() + "Z"
    ET.register_namespace("", PROJECT_NAMESPACE)
    ET.register_namespace("xsi", "http://www.w3.org/2001/XMLSchema-instance")
    root = ET.Element(
        f"{_Q}Project",
        {
            "name": name,
            "origin": origin,
            "creationDateTime": stamp,
            "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation": _SCHEMA_LOCATION,
        },
    )
    if users:
        users_element = ET.SubElement(root, f"{_Q}Users")
        for key, label in users.items():
            ET.SubElement(users_element, f"{_Q}User", guid=_guid(f"user:{key}"), name=label)
    book = ET.SubElement(root, f"{_Q}CodeBook")
    add_codes(book, codebook, PROJECT_NAMESPACE)
    variables = ET.SubElement(root, f"{_Q}Variables")
    for variable in VARIABLES:
        ET.SubElement(
            variables,
            f"{_Q}Variable",
            guid=_guid(f"variable:{variable}"),
            name=variable,
            typeOfVariable="Text",
        )
    cases: dict[str, tuple[Mapping[str, str], list[str], list[str]]] = {}
    sources = ET.SubElement(root, f"{_Q}Sources")
    files: dict[str, str] = {}
    for document in documents:
        text, spans = _text_and_spans(document)
        source_guid = _guid(f"source:{document.key}")
        files[f"sources/{source_guid}.txt"] = text
        source = ET.SubElement(
            sources,
            f"{_Q}TextSource",
            guid=source_guid,
            name=document.name,
            plainTextPath=f"internal://{source_guid}.txt",
            creationDateTime=stamp,
        )
        if document.case:
            cases.setdefault(document.case, (document.variables, [], []))[1].append(source_guid)
        for part, (start, end) in zip(document.parts, spans, strict=True):
            selection_guid = _guid(f"selection:{part.key}")
            selection = ET.SubElement(
                source,
                f"{_Q}PlainTextSelection",
                guid=selection_guid,
                name=part.heading,
                startPosition=str(start),
                endPosition=str(end),
            )
            if part.case:
                cases.setdefault(part.case, (document.variables, [], []))[2].append(selection_guid)
            for theme_id, user in part.codings:
                if theme_id not in known:
                    continue
                coding = ET.SubElement(
                    selection,
                    f"{_Q}Coding",
                    guid=_guid(f"coding:{part.key}:{theme_id}:{user}"),
                    creatingUser=_guid(f"user:{user}"),
                )
                ET.SubElement(coding, f"{_Q}CodeRef", targetGUID=theme_guid(codebook, theme_id))
    if cases:
        cases_element = ET.Element(f"{_Q}Cases")
        for case_name, (values, source_guids, selection_guids) in cases.items():
            case = ET.SubElement(
                cases_element, f"{_Q}Case", guid=_guid(f"case:{case_name}"), name=case_name
            )
            _variable_values(case, values)
            for target in source_guids:
                ET.SubElement(case, f"{_Q}SourceRef", targetGUID=target)
            for target in selection_guids:
                ET.SubElement(case, f"{_Q}SelectionRef", targetGUID=target)
        root.insert(list(root).index(sources), cases_element)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    xml = io.BytesIO()
    tree.write(xml, encoding="utf-8", xml_declaration=True)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", xml.getvalue())
        for path, text in files.items():
            archive.writestr(path, text.encode("utf-8"))
    return out.getvalue()


def validate_project(data: bytes) -> list[str]:
    """Check a ``.qdpx`` file against the structure of the REFI-QDA Project 1.0 schema and the
    references inside it; an empty list means it conforms.

    Checks: a zip with ``project.qde``, root ``Project`` (namespace ``urn:QDA-XML:project:1.0``)
    with a ``name`` and its children in the schema's order; every GUID valid and unique; codes as
    :func:`analysis.codebook.codes_problems` checks them; each ``TextSource``'s
    ``internal://`` text present in ``sources/``; each selection within its text, start before
    end; each coding's ``CodeRef`` a codable code and its ``creatingUser`` a user; each case's
    variables, sources and selections defined.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        xml = archive.read("project.qde")
    except (zipfile.BadZipFile, KeyError) as error:
        return [f"not a .qdpx file with project.qde: {error}"]
    try:
        root = SafeElementTree.fromstring(xml, forbid_dtd=True)
    except DefusedXmlException:
        return ["DOCTYPE and ENTITY declarations are not allowed"]
    except ET.ParseError as error:
        return [f"project.qde is not well-formed XML: {error}"]
    if root.tag != f"{_Q}Project":
        return [f"root element is {root.tag}, expected {_Q}Project"]
    problems: list[str] = []
    if not root.get("name"):
        problems.append("Project: required attribute 'name' is missing")
    tags = [child.tag.removeprefix(_Q) for child in root]
    if tags != sorted(tags, key=lambda t: _ORDER.index(t) if t in _ORDER else len(_ORDER)):
        problems.append(f"Project's elements are out of the schema's order: {tags}")
    guids: set[str] = set()

    def defined(tag: str) -> set[str]:
        return {e.get("guid", "").upper() for e in root.iter(f"{_Q}{tag}")}

    for tag in ("User", "Variable", "Case", "TextSource", "PlainTextSelection", "Coding"):
        for element in root.iter(f"{_Q}{tag}"):
            problems += guid_problems(f"{tag}[{element.get('name')!r}]", element.get("guid"), guids)
    for codes in root.iter(f"{_Q}Codes"):
        problems += codes_problems(codes, PROJECT_NAMESPACE, guids)
    codable = {
        c.get("guid", "").upper()
        for c in root.iter(f"{_Q}Code")
        if c.get("isCodable") in ("true", "1")
    }
    users, variables = defined("User"), defined("Variable")
    names = set(archive.namelist())
    for source in root.iter(f"{_Q}TextSource"):
        owner = f"TextSource[{source.get('name')!r}]"
        path = source.get("plainTextPath") or ""
        inside = "sources/" + path.removeprefix("internal://")
        if not path.startswith("internal://") or inside not in names:
            problems.append(f"{owner}: plainTextPath {path!r} is not in sources/")
            continue
        length = len(archive.read(inside).decode("utf-8"))
        for selection in source.iter(f"{_Q}PlainTextSelection"):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            if not 0 <= start <= end <= length:
                problems.append(f"{owner}: selection {start}-{end} outside its {length} characters")
    for coding in root.iter(f"{_Q}Coding"):
        refs = coding.findall(f"{_Q}CodeRef")
        if len(refs) != 1 or refs[0].get("targetGUID", "").upper() not in codable:
            problems.append(f"Coding {coding.get('guid')}: CodeRef is not one codable code")
        if coding.get("creatingUser") and coding.get("creatingUser").upper() not in users:
            problems.append(f"Coding {coding.get('guid')}: creatingUser is not a user")
    targets = {"VariableRef": variables, "SourceRef": defined("TextSource")}
    targets["SelectionRef"] = defined("PlainTextSelection")
    for case in root.iter(f"{_Q}Case"):
        for ref in case.iter():
            tag = ref.tag.removeprefix(_Q)
            if tag in targets and ref.get("targetGUID", "").upper() not in targets[tag]:
                problems.append(f"Case[{case.get('name')!r}]: {tag} to nothing defined")
    return problems
