"""The REFI-QDA project download: the questionnaire's answers per respondent and every focus
group's transcript, redacted, with the codings the summary counts and who made them."""

import io
import zipfile

from defusedxml import ElementTree

from analysis.qda_project import PROJECT_NAMESPACE, validate_project
from survey_app.extensions import db
from survey_app.models import Coding, User
from survey_app.services import coding
from tests.survey_app.research.factories import (
    SLUG,
    make_online_response,
    make_paper_response,
    text_answers,
)
from tests.survey_app.research.workspace_data import suggestion, turn

Q = f"{{{PROJECT_NAMESPACE}}}"
PHONE = "07700 900123"


def test_the_project_holds_respondents_and_transcripts_redacted_with_the_codings_that_count(
    synced, client, login_as
):
    user_id, _ = login_as("researcher")
    with synced.app_context():
        make_online_response(
            text_answers(
                crime_type=["domestic_abuse"],
                area="wirral",
                reporting_experience=f"They did not believe me. Ring Sarah Jones on {PHONE}.",
                what_would_help="Someone to talk to, they never called me back.",
            )
        )
        make_paper_response(text_answers(area="sefton", what_would_help="Better locks."))
        turn("What helped you?", number=1, speaker="Facilitator")
        helped = turn("The counsellor helped me feel safe again.", number=2, speaker="P1")
        turn("Nothing much, to be honest.", number=3, speaker="P2")
        user = db.session.get(User, user_id)
        coding.code_by_person(helped, "emotional_support", user)
        rejected = suggestion(helped, "kept_informed", 0.6)
        coding.decide(db.session.get(Coding, rejected), user, accept=False)
        suggestion(helped, "kept_informed", 0.7, coder="model:trained-30@abc")
        stale = suggestion(helped, "waiting_times", 0.9, coder="model:old@1")
        db.session.get(Coding, stale).status = "superseded"
        db.session.commit()
        coding.code_segments(SLUG)  # the rules, on the survey answers only
    answer = client.get(f"/research/{SLUG}/project.qdpx")
    assert answer.status_code == 200
    assert answer.mimetype == "application/zip"
    assert f'filename="{SLUG}-coded.qdpx"' in answer.headers["Content-Disposition"]
    assert validate_project(answer.data) == []
    archive = zipfile.ZipFile(io.BytesIO(answer.data))
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert PHONE.encode() not in everything
    assert b"Sarah" not in everything
    root = ElementTree.fromstring(archive.read("project.qde"))
    sources = {s.get("name"): s for s in root.iter(f"{Q}TextSource")}
    assert set(sources) == {"Response 1 (online)", "Response 2 (paper)", "Focus group 1"} or (
        set(sources) == {"Response 1 (paper)", "Response 2 (online)", "Focus group 1"}
    )
    transcript = archive.read(
        "sources/" + sources["Focus group 1"].get("plainTextPath").removeprefix("internal://")
    ).decode()
    assert transcript.startswith("Facilitator\nWhat helped you?\n\nP1\nThe counsellor")
    online = next(s for name, s in sources.items() if "online" in name)
    headings = [sel.get("name") for sel in online.iter(f"{Q}PlainTextSelection")]
    assert len(headings) == 2 and headings[0] != "reporting_experience", "labels, in order"
    codes = {c.get("guid"): c.get("name") for c in root.iter(f"{Q}Code")}
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{Q}User")}
    said = {}
    for selection in sources["Focus group 1"].iter(f"{Q}PlainTextSelection"):
        said[selection.get("name")] = sorted(
            (codes[c.find(f"{Q}CodeRef").get("targetGUID")], users[c.get("creatingUser")])
            for c in selection.iter(f"{Q}Coding")
        )
    # The person's own code; not the suggestion of a theme the person rejected (nor the
    # rejected one), nor the superseded one.
    assert said == {
        "Facilitator": [],
        "P1": [("Emotional support and counselling", f"Person {user_id}")],
        "P2": [],
    }
    assert "Machine suggestions not reviewed" in users.values(), "the rules' suggestions"
    cases = {c.get("name") for c in root.iter(f"{Q}Case")}
    assert {"Focus group 1, P1", "Focus group 1, P2"} <= cases
    assert not any("Facilitator" in c for c in cases)


def test_only_researchers_and_admins_download_the_project(synced, client, login_as):
    login_as("entry")
    assert client.get(f"/research/{SLUG}/project.qdpx").status_code == 403
    assert client.get("/research/no-such-survey/project.qdpx").status_code in (403, 404)


def test_the_command_writes_the_same_project(synced, tmp_path):
    with synced.app_context():
        make_online_response(text_answers(what_would_help=f"Call me on {PHONE}."))
    out = tmp_path / "coded.qdpx"
    runner = synced.test_cli_runner()
    result = runner.invoke(args=["research", "project", "--questionnaire", SLUG, "--output", out])
    assert result.exit_code == 0, result.output
    assert "Wrote the REFI-QDA project (redacted)" in result.output
    data = out.read_bytes()
    assert validate_project(data) == []
    assert b"[phone]" in zipfile.ZipFile(io.BytesIO(data)).read(
        next(n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("sources/"))
    )
    wrong = runner.invoke(args=["research", "project", "--questionnaire", "nope", "--output", out])
    assert wrong.exit_code != 0
    assert "No questionnaire with slug 'nope'" in wrong.output
