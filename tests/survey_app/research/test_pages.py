"""Research pages and downloads: redacted by default, originals only by an audited action, and
only researchers and admins get in."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import AuditEvent, Coding, ResearchJob
from tests.spss_files import read_sav
from tests.survey_app.research.factories import (
    SLUG,
    make_online_response,
    make_paper_response,
    text_answers,
)

PHONE = "07700 900123"
ANSWERS = {
    "crime_type": ["domestic_abuse"],
    "area": "wirral",
    "reporting_experience": f"The police did not believe me. Ring Sarah Jones on {PHONE}.",
    "what_would_help": "Someone to talk to, they never called me back.",
}


def token(client, path="/research/"):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


@pytest.fixture
def two_responses(synced):
    """One online and one paper response, coded by the rules."""
    from survey_app.services import coding

    with synced.app_context():
        make_online_response(text_answers(**ANSWERS))
        make_paper_response(text_answers(**ANSWERS))
        coding.code_segments()
    return synced


def rows_of_csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_overview_counts_responses_segments_and_coding(two_responses, client, login_as):
    login_as("researcher")
    page = client.get("/research/").text
    assert "online: 1" in page
    assert "paper: 1" in page
    assert "reporting: 2" in page
    assert "recovery: 2" in page
    assert "survey: 4" in page
    assert "by machine: 4 segments" in page


def test_segments_are_redacted_and_show_original_is_audited(two_responses, client, login_as):
    user_id, email = login_as("researcher")
    page = client.get(f"/research/{SLUG}/segments?stage=reporting").text
    assert PHONE not in page
    assert "Sarah Jones" not in page
    assert "The police did not believe me." in page
    assert "believed_taken_seriously" in page
    segment_id = re.search(r'action="/research/segments/([0-9a-f]+)/original"', page).group(1)
    shown = client.post(
        f"/research/segments/{segment_id}/original", data={"csrf_token": token(client)}
    )
    assert shown.status_code == 200
    assert PHONE in shown.text
    with two_responses.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "segment.original"))
        assert event.actor_id == user_id
        assert event.actor_email == email
        assert event.field == f"segment:{segment_id}"
        assert event.at is not None


def test_segment_downloads_are_redacted_and_the_original_download_is_audited(
    two_responses, client, login_as
):
    login_as("admin")
    data = client.get(f"/research/{SLUG}/segments.csv").data
    rows = rows_of_csv(data)
    assert list(rows[0]) == [
        "segment_id",
        "source",
        "channel",
        "stage",
        "question",
        "crime_type",
        "area",
        "text",
        "themes",
        "directions",
        "session",
        "turn",
        "speaker",
    ]
    assert len(rows) == 4
    assert not [r for r in rows if PHONE in r["text"]]
    reporting = [r for r in rows if r["question"] == "reporting_experience"]
    assert {r["channel"] for r in reporting} == {"online", "paper"}
    assert reporting[0]["themes"] == "believed_taken_seriously"
    assert reporting[0]["area"] == "wirral"
    assert reporting[0]["crime_type"] == "domestic_abuse"
    book = load_workbook(io.BytesIO(client.get(f"/research/{SLUG}/segments.xlsx").data))
    assert PHONE not in str([c.value for row in book.active.iter_rows() for c in row])
    with two_responses.app_context():
        assert not db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "segments.original_download")
        )
    original = client.post(
        f"/research/{SLUG}/segments-original.xlsx", data={"csrf_token": token(client)}
    )
    book = load_workbook(io.BytesIO(original.data))
    assert PHONE in str([c.value for row in book.active.iter_rows() for c in row])
    with two_responses.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "segments.original_download")
            )
            == 1
        )


def test_responses_download_has_a_zero_one_column_per_theme_and_redacted_text(
    two_responses, client, login_as
):
    login_as("researcher")
    rows = rows_of_csv(client.get(f"/research/{SLUG}/responses.csv").data)
    assert len(rows) == 2
    theme_columns = [c for c in rows[0] if c.startswith("theme_")]
    assert len(theme_columns) > 10
    assert {r["theme_believed_taken_seriously"] for r in rows} == {"1"}
    assert {r["theme_kept_informed"] for r in rows} == {"0"}
    assert {r[c] for r in rows for c in theme_columns} == {"0", "1"}
    assert not [r for r in rows if PHONE in r["reporting_experience"]]


def test_responses_download_as_spss_labels_the_theme_columns(
    two_responses, client, login_as, tmp_path
):
    login_as("researcher")
    answer = client.get(f"/research/{SLUG}/responses.sav")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"].endswith('-responses-themes.sav"')
    path = tmp_path / "responses.sav"
    path.write_bytes(answer.data)
    read = read_sav(path)
    assert len(read.values) == 2
    assert read.variables["theme_kept_informed"]["Label"] == "Theme: Being kept informed"
    assert {r["theme_believed_taken_seriously"] for r in read.labels} == {"Carries it"}
    assert "reporting_experience" not in read.variables  # free text is not in the .sav
    assert PHONE not in answer.data.decode("utf-8", "replace")


def test_codebook_downloads(two_responses, client, login_as):
    login_as("researcher")
    qdc = client.get("/research/codebook.qdc")
    assert qdc.status_code == 200
    assert b"urn:QDA-XML:codebook:1.0" in qdc.data
    xlsx = client.get("/research/codebook.xlsx")
    assert load_workbook(io.BytesIO(xlsx.data))


def test_a_researcher_starts_a_coding_job_in_the_browser_and_sees_it_finish(
    synced, client, login_as
):
    with synced.app_context():
        make_online_response(text_answers(**ANSWERS))
    login_as("researcher")
    answer = client.post(
        f"/research/{SLUG}/code", data={"csrf_token": token(client), "coder": "rules"}
    )
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).text
    assert "Coding queued" in page
    assert "done" in page
    assert "2 segments looked at" in page
    with synced.app_context():
        job = db.session.scalar(select(ResearchJob))
        assert (job.status, job.done, job.total) == ("done", 2, 2)
        assert db.session.scalar(select(func.count()).select_from(Coding)) >= 1


def test_a_model_job_without_enough_human_codings_fails_with_a_reason(synced, client, login_as):
    login_as("researcher")
    client.post(f"/research/{SLUG}/code", data={"csrf_token": token(client), "coder": "model"})
    page = client.get("/research/").text
    assert "failed" in page
    assert "at least 20 segments coded by people" in page


def test_entry_staff_cannot_reveal_download_or_start_jobs(two_responses, client, login_as):
    login_as("entry")
    csrf = token(client, "/staff/")
    for url in (
        "/research/segments/x/original",
        f"/research/{SLUG}/segments-original.csv",
        f"/research/{SLUG}/code",
    ):
        assert client.post(url, data={"csrf_token": csrf}).status_code == 403, url
    with two_responses.app_context():
        assert not db.session.scalar(select(func.count()).select_from(ResearchJob))


def test_the_export_commands_redact_unless_original_which_is_audited(two_responses, tmp_path):
    runner = two_responses.test_cli_runner()
    out = tmp_path / "segments.csv"
    result = runner.invoke(
        args=[
            "research",
            "segments",
            "export",
            "--questionnaire",
            SLUG,
            "--source",
            "survey",
            "--format",
            "csv",
            "--output",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 4 segments (redacted)" in result.output
    assert PHONE not in out.read_text(encoding="utf-8-sig")
    result = runner.invoke(
        args=[
            "research",
            "segments",
            "export",
            "--format",
            "csv",
            "--output",
            str(out),
            "--original",
        ]
    )
    assert PHONE in out.read_text(encoding="utf-8-sig")
    responses = tmp_path / "responses.xlsx"
    result = runner.invoke(
        args=[
            "research",
            "responses",
            "export",
            "--questionnaire",
            SLUG,
            "--format",
            "xlsx",
            "--output",
            str(responses),
        ]
    )
    assert result.exit_code == 0, result.output
    header = [c.value for c in next(load_workbook(responses).active.iter_rows())]
    assert "theme_believed_taken_seriously" in header
    spss = tmp_path / "spss" / "responses.sav"
    spss.parent.mkdir()
    command = ["research", "responses", "export", "--questionnaire", SLUG, "--format", "sav"]
    result = runner.invoke(args=[*command, "--output", str(spss), "--original"])
    assert result.exit_code == 2 and "holds no free text" in result.output
    assert not spss.exists()
    result = runner.invoke(args=[*command, "--output", str(spss)])
    assert result.exit_code == 0, result.output
    assert len(read_sav(spss).values) == 2
    with two_responses.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action)))
        assert actions.count("segments.original_download") == 1
        assert actions.count("responses.original_download") == 0
