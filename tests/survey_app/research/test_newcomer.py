"""Issue 9's "done when", over HTTP: two people complete the questionnaire, `flask research code`
runs, a researcher reads both responses' answers as coded segments by stage, downloads them
redacted and reveals one original, which the audit trail records."""

import csv
import io
import re

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AuditEvent
from tests.conftest import make_user, sign_in
from tests.survey_app.walker import SLUG, submit, walk

PHONE = "07700 900456"
REPORTING = f"The police did not believe me. My number is {PHONE}."


def test_a_newcomer_sees_two_responses_as_coded_segments_and_reveals_one(synced):
    for _ in range(2):
        respondent = synced.test_client()
        check, _ = walk(
            respondent,
            synced,
            overrides={"reporting_experience": {"reporting_experience": [REPORTING]}},
        )
        submit(respondent, check)
    coded = synced.test_cli_runner().invoke(args=["research", "code"])
    assert coded.exit_code == 0, coded.output
    assert "believed_taken_seriously: 2" in coded.output

    researcher = synced.test_client()
    _, email = make_user(synced, "researcher")
    assert sign_in(researcher, email).status_code == 302
    overview = researcher.get("/research/").text
    assert "online: 2" in overview
    page = researcher.get(f"/research/{SLUG}/segments?stage=reporting").text
    assert page.count("The police did not believe me.") == 2
    assert PHONE not in page
    assert page.count("believed_taken_seriously") == 2

    rows = list(
        csv.DictReader(
            io.StringIO(researcher.get(f"/research/{SLUG}/segments.csv").data.decode("utf-8-sig"))
        )
    )
    reporting = [r for r in rows if r["question"] == "reporting_experience"]
    assert len(reporting) == 2
    assert all(PHONE not in r["text"] and r["stage"] == "reporting" for r in reporting)

    segment_id = re.search(r"/research/segments/([0-9a-f]+)/original", page).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    shown = researcher.post(f"/research/segments/{segment_id}/original", data={"csrf_token": token})
    assert PHONE in shown.text
    with synced.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "segment.original"))
        assert event.actor_email == email
        assert event.field == f"segment:{segment_id}"
