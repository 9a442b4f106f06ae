"""Coded text as a REFI-QDA project (.qdpx): selections that point at the right characters,
codes that line up with the .qdc codebook, coders as users, cases with variables, and a
validator that catches what QDA software would refuse."""

import io
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from defusedxml import ElementTree

from analysis.codebook import load_codebook, theme_guid
from analysis.qda_project import PROJECT_NAMESPACE, Document, Part, project_bytes, validate_project

CODEBOOK = load_codebook(
    Path(__file__).resolve().parents[2] / "questionnaires" / "codebooks" / "victims-services.yaml"
)
Q = f"{{{PROJECT_NAMESPACE}}}"
MADE = datetime(2026, 12, 1, 10, 30, 15, 123456)


def documents():
    survey = Document(
        key="response:r1",
        name="Response 1 (online)",
        parts=(
            Part(
                "s1",
                "How did reporting go?",
                "They didn’t believe me 😞 at all.",
                (
                    ("believed_taken_seriously", "person:3"),
                    ("speed_of_response", "unreviewed"),
                ),
            ),
            Part(
                "s2", "What would help?", "Being kept informed.", (("kept_informed", "accepted"),)
            ),
            Part("s3", "Anything else?", "No.", (("not_a_theme", "person:3"),)),
        ),
        variables={"Crime type": "Domestic abuse", "Area": "Wirral", "Channel": "online"},
        case="Response 1 (online)",
    )
    session = Document(
        key="session:7",
        name="Focus group 1",
        parts=(
            Part("t1", "Facilitator", "What helped?"),
            Part(
                "t2",
                "P1",
                "The counsellor, every week.",
                (("emotional_support", "person:4"),),
                case="Focus group 1, P1",
            ),
            Part("t3", "P2", "Nothing did.", case="Focus group 1, P2"),
            Part("t4", "P1", "And my sister.", case="Focus group 1, P1"),
        ),
        variables={"Area": "Sefton", "Source": "Focus group"},
    )
    return [survey, session]


USERS = {
    "person:3": "Person 3",
    "person:4": "Person 4",
    "accepted": "Machine suggestions accepted by a person",
    "unreviewed": "Machine suggestions not reviewed",
}


def written():
    return project_bytes("Test project", CODEBOOK, documents(), USERS, MADE)


def parsed(data: bytes):
    archive = zipfile.ZipFile(io.BytesIO(data))
    return archive, ElementTree.fromstring(archive.read("project.qde"))


def test_the_project_is_valid_and_each_selection_is_its_parts_text():
    data = written()
    assert validate_project(data) == []
    archive, root = parsed(data)
    assert root.get("name") == "Test project"
    assert root.get("creationDateTime") == "2026-12-01T10:30:15Z"
    expected = {p.heading + ":" + p.text for d in documents() for p in d.parts}
    found = set()
    for source in root.iter(f"{Q}TextSource"):
        path = "sources/" + source.get("plainTextPath").removeprefix("internal://")
        text = archive.read(path).decode("utf-8")
        for selection in source.iter(f"{Q}PlainTextSelection"):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            # Positions count characters (code points): the emoji and the curly quote are one.
            found.add(selection.get("name") + ":" + text[start:end])
            assert text[:start].endswith(selection.get("name") + "\n")
    assert found == expected


def test_codes_are_the_codebooks_with_its_qdc_guids_and_coders_are_users():
    _, root = parsed(written())
    codes = {c.get("guid"): c.get("name") for c in root.iter(f"{Q}Code")}
    assert codes[theme_guid(CODEBOOK, "kept_informed")] == "Being kept informed"
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{Q}User")}
    assert sorted(users.values()) == sorted(USERS.values())
    coded = []
    for selection in root.iter(f"{Q}PlainTextSelection"):
        for coding in selection.iter(f"{Q}Coding"):
            code = codes[coding.find(f"{Q}CodeRef").get("targetGUID")]
            coded.append((selection.get("name"), code, users[coding.get("creatingUser")]))
    assert sorted(coded) == sorted(
        [
            ("How did reporting go?", "Being believed and taken seriously", "Person 3"),
            ("How did reporting go?", "Speed of response", "Machine suggestions not reviewed"),
            ("What would help?", "Being kept informed", USERS["accepted"]),
            ("P1", "Emotional support and counselling", "Person 4"),
        ]
    ), "a theme the codebook does not have is left out"


def test_respondents_and_participants_are_cases_with_their_variables():
    _, root = parsed(written())
    variables = {v.get("guid"): v.get("name") for v in root.iter(f"{Q}Variable")}
    selections = {s.get("guid"): s for s in root.iter(f"{Q}PlainTextSelection")}
    cases = {}
    for case in root.iter(f"{Q}Case"):
        values = {
            variables[v.find(f"{Q}VariableRef").get("targetGUID")]: v.find(f"{Q}TextValue").text
            for v in case.iter(f"{Q}VariableValue")
        }
        turns = [selections[r.get("targetGUID")].get("name") for r in case.iter(f"{Q}SelectionRef")]
        cases[case.get("name")] = (values, len(case.findall(f"{Q}SourceRef")), turns)
    assert cases == {
        "Response 1 (online)": (
            {"Crime type": "Domestic abuse", "Area": "Wirral", "Channel": "online"},
            1,
            [],
        ),
        "Focus group 1, P1": ({"Area": "Sefton", "Source": "Focus group"}, 0, ["P1", "P1"]),
        "Focus group 1, P2": ({"Area": "Sefton", "Source": "Focus group"}, 0, ["P2"]),
    }


def test_the_same_data_gives_the_same_guids():
    first, second = parsed(written())[1], parsed(written())[1]
    guids = [e.get("guid") for e in first.iter() if e.get("guid")]
    assert guids == [e.get("guid") for e in second.iter() if e.get("guid")]
    assert len(set(guids)) == len(guids)


def tampered(change) -> bytes:
    archive, _ = parsed(written())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as copy:
        for name in archive.namelist():
            data = archive.read(name)
            data = change(name, data)
            if data is not None:
                copy.writestr(name, data)
    return out.getvalue()


def _qde(edit):
    return lambda name, data: edit(data) if name == "project.qde" else data


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (_qde(lambda d: d.replace(b'endPosition="', b'endPosition="9', 1)), "outside its"),
        (lambda name, data: None if name.startswith("sources/") else data, "not in sources/"),
        (
            _qde(
                lambda d: d.replace(
                    b'CodeRef targetGUID="' + theme_guid(CODEBOOK, "kept_informed").encode(),
                    b'CodeRef targetGUID="00000000-0000-0000-0000-000000000000',
                )
            ),
            "CodeRef is not one codable code",
        ),
        (_qde(lambda d: d.replace(b"<Project ", b"<!DOCTYPE Project><Project ", 1)), "DOCTYPE"),
        (_qde(lambda d: d.replace(b'name="Test project"', b"")), "'name' is missing"),
    ],
)
def test_the_validator_names_what_qda_software_would_refuse(change, problem):
    problems = validate_project(tampered(change))
    assert any(problem in p for p in problems), problems


def test_the_validator_refuses_what_is_not_a_project():
    assert validate_project(b"not a zip")[0].startswith("not a .qdpx file")
