"""Focus groups and workshops in the app: sessions, transcript upload, preview, confirm, the
command line, and what ends up stored (pseudonymised turns, never a speaker's name)."""

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import AuditEvent, Coding, FocusSession, PendingImport, Segment
from tests.conftest import make_user, sign_in
from tests.survey_app.research.factories import make_online_response, text_answers
from tests.transcript_files import docx, encrypted_office_file, macro_docm, zip_bomb_docx

TRANSCRIPT = [
    "Focus group, Liverpool, March 2015",
    "Present: Sarah Jones, Tom O'Neill, Precious Adeyemi",
    "Jane (Facilitator): Welcome. Thinking about what happened, did you report it to the police?",
    "SARAH JONES: I rang 101 twice. Ring me on 07700 900123 if you need to.",
    "It took them three days to come. Sarah's my name and they still spelt it wrong.",
    "tom - I never reported it. Sarah knows why.",
    "Jane: After reporting, were you offered support from a service?",
    "PRECIOUS",
    "Victim Support rang me. My worker Bernadette was brilliant. Shaz came too.",
    "Facilitator: How have you coped since it happened?",
    "Tom O'Neill: Counselling helped me cope. Precious told me about it.",
]
NAMES = ("Sarah", "Jones", "Tom", "O'Neill", "Precious", "Adeyemi", "Jane")


def csrf(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def session_form(**changes) -> dict:
    form = {
        "kind": "focus_group",
        "held_on": "2015-03-04",
        "area": "liverpool",
        "crime_types": ["domestic_abuse", "hate_crime"],
        "attendees": "6",
        "topic_guide": "victims-focus-group",
        "consent_obtained": "yes",
        "consent_method": "written",
        "notes": "Community centre, evening.",
    }
    form.update(changes)
    return form


@pytest.fixture
def researcher(synced, client):
    user_id, email = make_user(synced, "researcher", "analyst@example.org")
    assert sign_in(client, email).status_code == 302
    return user_id


def record_session(client, user_id: int, **changes) -> str:
    form = session_form(facilitators=[str(user_id)], **changes)
    form["csrf_token"] = csrf(client, "/research/sessions/new")
    response = client.post("/research/sessions/new", data=form)
    assert response.status_code == 302, response.text
    return response.headers["Location"].split("/research/sessions/")[1].split("?")[0]


def upload(client, session_id: str, data: bytes, name: str = "transcript.docx"):
    import io

    token = csrf(client, f"/research/sessions/{session_id}")
    return client.post(
        f"/research/sessions/{session_id}/transcript",
        data={"csrf_token": token, "transcript": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def preview_path(response) -> str:
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def form_values(html: str, action_suffix: str) -> dict:
    """The hidden fields of the form posting to a URL ending with ``action_suffix``."""
    pattern = rf'<form method="post" action="[^"]*{action_suffix}"[^>]*>(.*?)</form>'
    form = re.search(pattern, html, re.S)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1)))


def confirm(client, path: str, **extra):
    page = client.get(path).text
    data = form_values(page, "/confirm")
    data.update(extra)
    return client.post(path + "/confirm", data=data)


def stored_text(app) -> str:
    """Every text the research data holds: segments, sessions, audit trail."""
    with app.app_context():
        parts = [s.text + " " + (s.speaker or "") for s in db.session.scalars(select(Segment))]
        parts += [s.notes for s in db.session.scalars(select(FocusSession))]
        events = db.session.scalars(select(AuditEvent))
        parts += [f"{e.field} {e.old_value} {e.new_value}" for e in events]
        return "\n".join(parts)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# ----- sessions ----------------------------------------------------------------------------------


def test_the_topic_guide_is_synced_as_a_new_kind_and_versioned(synced):
    from survey_app.models import TopicGuideVersion
    from survey_app.services.definitions import sync_definitions

    with synced.app_context():
        rows = list(db.session.scalars(select(TopicGuideVersion)))
        assert [(r.name, r.number) for r in rows] == [("victims-focus-group", 1)]
        again = sync_definitions(Path(synced.config["QUESTIONNAIRES_DIR"]), datetime.now().date())
        assert [r.created for r in again if r.kind == "topic-guide"] == [False]


def test_a_bad_topic_guide_stops_the_sync_naming_the_file(app, tmp_path):
    from survey_app.services.definitions import DefinitionError, sync_definitions

    shutil.copytree(app.config["QUESTIONNAIRES_DIR"], tmp_path / "q")
    guide = tmp_path / "q/topic-guides/victims-focus-group.yaml"
    guide.write_text(guide.read_text().replace("stage: recovery", "stage: later"))
    with app.app_context(), pytest.raises(DefinitionError, match=r"victims-focus-group\.yaml"):
        sync_definitions(tmp_path / "q", datetime.now().date())


def test_a_researcher_records_a_session_with_the_surveys_areas_and_groups(
    researcher, client, synced
):
    page = client.get("/research/sessions/new").text
    assert '<option value="liverpool"' in page and 'value="domestic_abuse"' in page
    session_id = record_session(client, researcher)
    page = client.get(f"/research/sessions/{session_id}").text
    assert "Focus group, Liverpool, 2015-03-04" in page
    assert "Domestic abuse; Hate crime" in page
    assert "Obtained: Written consent form; recorded by analyst@example.org" in page
    with synced.app_context():
        session = db.session.get(FocusSession, session_id)
        assert session.crime_types == ["domestic_abuse", "hate_crime"]
        assert [u.email for u in session.facilitators] == ["analyst@example.org"]
    assert session_id in client.get("/research/sessions").text


def test_a_session_with_mistakes_is_shown_again_with_every_message(researcher, client, synced):
    form = session_form(
        kind="party",
        held_on="04/03/2015",
        area="atlantis",
        crime_types=["burglary_of_the_heart"],
        attendees="lots",
        consent_method="",
        facilitators=[],
    )
    form["csrf_token"] = csrf(client, "/research/sessions/new")
    response = client.post("/research/sessions/new", data=form)
    assert response.status_code == 400
    page = response.text
    assert "<title>Error: " in page
    for message in (
        "Select whether it was a focus group or a workshop",
        "Enter the date it was held as YYYY-MM-DD",
        "Select the area",
        "Select the victim groups the session was for",
        "Enter the number of attendees",
        "Select who facilitated",
        "Select how consent was obtained",
    ):
        assert message in page
    assert "Community centre, evening." in page  # nothing typed is lost
    assert count(synced, FocusSession) == 0


def test_a_future_date_is_refused(researcher, client, synced):
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    form = session_form(held_on=tomorrow, facilitators=[str(researcher)])
    form["csrf_token"] = csrf(client, "/research/sessions/new")
    assert "must be today or in the past" in client.post("/research/sessions/new", data=form).text


def test_entry_staff_cannot_reach_sessions(synced, client):
    _, email = make_user(synced, "entry", "keyer@example.org")
    sign_in(client, email)
    assert client.get("/research/sessions").status_code == 403


# ----- upload, preview, confirm ------------------------------------------------------------------


def test_a_word_transcript_goes_through_preview_and_confirm_into_staged_segments(
    researcher, client, synced
):
    session_id = record_session(client, researcher)
    response = upload(client, session_id, docx(TRANSCRIPT))
    path = preview_path(response)
    # Nothing is in the research data before confirm, and the file itself is nowhere.
    assert count(synced, Segment) == 0
    page = client.get(path).text
    assert "Check the transcript before storing it" in page
    for shown in ("Facilitator", "P1", "P2", "P3", "[P1]", "[phone]", "Always replaced"):
        assert shown in page
    assert "Reporting what happened" in page and "suggested" in page
    assert "Store 7 turns" in page

    response = confirm(client, path)
    assert response.status_code == 302
    with synced.app_context():
        segments = list(db.session.scalars(select(Segment).order_by(Segment.turn)))
        assert [(s.turn, s.speaker, s.stage) for s in segments] == [
            (1, "Facilitator", "reporting"),
            (2, "P1", "reporting"),
            (3, "P2", "reporting"),
            (4, "Facilitator", "engagement"),
            (5, "P3", "engagement"),
            (6, "Facilitator", "recovery"),
            (7, "P2", "recovery"),
        ]
        for s in segments:
            assert (s.source, s.session_ref, s.area, s.crime_types) == (
                "focus_group",
                session_id,
                "liverpool",
                ["domestic_abuse", "hate_crime"],
            )
            assert (s.channel, s.questionnaire_id, s.response_id) == (None, None, None)
        assert segments[1].text == (
            "I rang 101 twice. Ring me on [phone] if you need to.\n\n"
            "It took them three days to come. [P1]'s my name and they still spelt it wrong."
        )
        assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 0
        assert db.session.get(FocusSession, session_id).transcript_imported_at is not None
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "focus_session.transcript")
        )
        assert event.new_value == "7 turns, 3 participants"
    for name in NAMES:
        assert not re.search(rf"(?i)(?<![a-z]){re.escape(name)}(?![a-z])", stored_text(synced))

    page = client.get(f"/research/sessions/{session_id}").text
    assert "Reporting: 3 turns" in page
    assert "Coping and recovery: 2 turns" in page
    assert "/research/victims-experience/segments?stage=reporting" in page
    assert "Upload and preview" not in page  # one transcript per session

    # The turns sit next to the survey's answers in the coding workspace, stage by stage.
    with synced.app_context():
        make_online_response(
            text_answers(
                crime_type=["hate_crime"],
                area="wirral",
                reported="yes",
                reporting_experience="The call handler listened and sent someone the same day.",
            )
        )
    listed = client.get("/research/workspace?stage=reporting").text
    assert "The call handler listened" in listed
    assert "I rang 101 twice. Ring me on [phone]" in listed
    assert "Counselling helped me cope" not in listed  # a recovery turn


def test_the_researcher_adds_and_undoes_replacements_and_marks_sections(researcher, client, synced):
    session_id = record_session(client, researcher)
    path = preview_path(upload(client, session_id, "\n".join(TRANSCRIPT).encode(), "t.txt"))
    page = client.get(path).text
    keep = re.search(r'name="keep" type="checkbox" value="([^"]+)"', page).group(1)
    assert keep == "bernadette"
    data = form_values(page, path.split("/research")[1])
    data.update({"add_term": "Shaz", "keep": [keep, "sarah", "jones"], "mark-5": "recovery"})
    response = client.post(path, data=data)
    assert response.status_code == 302
    page = client.get(path).text
    assert "Bernadette was brilliant" in page and "[redacted] came too" in page
    assert "kept as written" in page
    assert confirm(client, path).status_code == 302
    with synced.app_context():
        turns = {s.turn: s for s in db.session.scalars(select(Segment))}
    assert turns[5].text.endswith("My worker Bernadette was brilliant. [redacted] came too.")
    assert turns[5].stage == "recovery"
    assert turns[4].stage == "engagement"
    assert "Sarah" not in turns[3].text and "[P1]" in turns[3].text  # a name cannot be kept


def test_text_posted_with_the_confirm_is_ignored(researcher, client, synced):
    session_id = record_session(client, researcher)
    path = preview_path(upload(client, session_id, docx(TRANSCRIPT)))
    response = confirm(
        client,
        path,
        text="Sarah Jones lives at 4 Elm Road",
        turns='[{"speaker": "Sarah Jones", "text": "Sarah Jones"}]',
        speaker="Sarah Jones",
    )
    assert response.status_code == 302
    assert "Sarah" not in stored_text(synced)
    assert "Elm Road" not in stored_text(synced)


def test_a_preview_belongs_to_its_uploader_and_expires(researcher, client, synced):
    session_id = record_session(client, researcher)
    path = preview_path(upload(client, session_id, docx(TRANSCRIPT)))
    other = synced.test_client()
    _, email = make_user(synced, "researcher", "colleague@example.org")
    sign_in(other, email)
    response = other.get(path)
    assert response.status_code == 404
    assert "expired or was already used" in response.text
    assert "Bernadette" not in response.text and "07700" not in response.text
    token = csrf(other, "/research/sessions")
    response = other.post(path + "/confirm", data={"csrf_token": token, "revision": "0"})
    assert response.status_code == 404
    assert count(synced, Segment) == 0
    with synced.app_context():
        pending = db.session.scalar(select(PendingImport))
        pending.expires_at = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
        db.session.commit()
    assert client.get(path).status_code == 404
    assert confirm_raw(client, path, "0").status_code == 404
    assert count(synced, Segment) == 0
    # The expired preview, names and all, is deleted by the next action or by the command.
    assert count(synced, PendingImport) == 0


def confirm_raw(client, path: str, revision: str):
    token = csrf(client, "/research/sessions")
    return client.post(path + "/confirm", data={"csrf_token": token, "revision": revision})


def test_a_second_confirm_or_a_confirm_from_an_older_preview_stores_nothing_more(
    researcher, client, synced
):
    session_id = record_session(client, researcher)
    path = preview_path(upload(client, session_id, docx(TRANSCRIPT)))
    page = client.get(path).text
    data = form_values(page, path.split("/research")[1])
    data["add_term"] = "Shaz"
    client.post(path, data=data)  # revision 0 -> 1
    stale = confirm_raw(client, path, "0")
    assert stale.status_code == 409
    assert "changed since this page was shown" in stale.text
    assert count(synced, Segment) == 0
    assert confirm_raw(client, path, "1").status_code == 302
    assert confirm_raw(client, path, "1").status_code == 404
    assert count(synced, Segment) == 7


def test_cancel_discards_the_upload_and_stores_nothing(researcher, client, synced):
    session_id = record_session(client, researcher)
    path = preview_path(upload(client, session_id, docx(TRANSCRIPT)))
    token = csrf(client, path)
    response = client.post(path + "/cancel", data={"csrf_token": token})
    assert response.status_code == 302
    assert count(synced, PendingImport) == 0
    assert count(synced, Segment) == 0
    assert "Nothing was stored" in client.get(response.headers["Location"]).text


def test_a_stored_transcript_is_deleted_with_what_hangs_on_it_and_can_be_uploaded_again(
    researcher, client, synced
):
    from survey_app.models import CodingEvent, Memo, User
    from survey_app.services import coding, workspace

    session_id = record_session(client, researcher)
    other_id = record_session(client, researcher, area="wirral")
    confirm(client, preview_path(upload(client, session_id, docx(TRANSCRIPT))))
    confirm(client, preview_path(upload(client, other_id, docx(TRANSCRIPT))))
    with synced.app_context():
        coding.code_segments()
        turns = db.session.scalars(select(Segment.id).where(Segment.session_ref == session_id))
        turn_ids = set(turns)
        workspace.add_memo(
            db.session.get(User, researcher), "Says 101 was slow", sorted(turn_ids)[0]
        )
        ours = db.session.scalar(
            select(func.count()).select_from(Coding).where(Coding.segment_id.in_(turn_ids))
        )
        theirs = db.session.scalar(select(func.count()).select_from(Coding)) - ours
        events_before = db.session.scalar(select(func.count()).select_from(CodingEvent))
    assert ours > 0 and theirs > 0
    session_page = client.get(f"/research/sessions/{session_id}").text
    assert f"/research/sessions/{session_id}/transcript/delete" in session_page
    page = client.get(f"/research/sessions/{session_id}/transcript/delete").text
    assert f"{len(turn_ids)} stored turns" in page and f"{ours} codings of those turns" in page
    assert "1 memo written" in page

    # A page drawn before the transcript changed (another number of turns) deletes nothing.
    token = csrf(client, f"/research/sessions/{session_id}/transcript/delete")
    path = f"/research/sessions/{session_id}/transcript/delete"
    stale = client.post(path, data={"csrf_token": token, "expected": str(len(turn_ids) + 1)})
    assert stale.status_code == 409 and "changed since this page was shown" in stale.text
    assert count(synced, Segment) == 2 * len(turn_ids)

    done = client.post(path, data={"csrf_token": token, "expected": str(len(turn_ids))})
    assert done.status_code == 302
    shown = client.get(done.headers["Location"]).text
    assert "upload a corrected transcript" in shown and 'name="transcript"' in shown
    assert count(synced, Coding) == theirs
    assert count(synced, Memo) == 0
    assert count(synced, CodingEvent) == events_before + ours
    with synced.app_context():
        left = set(db.session.scalars(select(Segment.session_ref)))
        assert left == {other_id}  # the other session's turns stay
        removed = db.session.scalars(
            select(CodingEvent.segment_id).where(CodingEvent.action == "removed")
        ).all()
        assert set(removed) <= turn_ids and len(removed) == ours
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "focus_session.transcript_deleted")
        ).one()
        assert event.field == f"focus_session:{session_id}"
        assert event.old_value.startswith(f"{len(turn_ids)} turns, {ours} codings, 1 memos")

    again = client.post(path, data={"csrf_token": token, "expected": str(len(turn_ids))})
    assert again.status_code == 409 and "no stored transcript" in again.text
    confirm(client, preview_path(upload(client, session_id, docx(TRANSCRIPT))))
    assert count(synced, Segment) == 2 * len(turn_ids)


def test_deleting_a_transcript_needs_the_csrf_token_and_research_access(researcher, client, synced):
    session_id = record_session(client, researcher)
    confirm(client, preview_path(upload(client, session_id, docx(TRANSCRIPT))))
    stored = count(synced, Segment)
    path = f"/research/sessions/{session_id}/transcript/delete"
    assert client.post(path, data={"expected": str(stored)}).status_code == 400
    _, email = make_user(synced, "entry", "keyer@example.org")
    client.post("/staff/logout", data={"csrf_token": csrf(client, "/research/sessions")})
    assert sign_in(client, email).status_code == 302
    assert client.get(path).status_code == 403
    assert count(synced, Segment) == stored


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Select a transcript file"),
        (b"   \n", "The file is empty"),
        (encrypted_office_file(), "password-protected"),
        (macro_docm(TRANSCRIPT), "contains macros"),
        (zip_bomb_docx(30), "too large when unpacked"),
        (b"just some notes without any speakers at all", "No speakers"),
    ],
    ids=["no-file", "empty", "encrypted", "macros", "zip-bomb", "no-speakers"],
)
def test_a_bad_upload_gets_a_clear_message_and_nothing_is_stored(
    researcher, client, synced, data, message
):
    session_id = record_session(client, researcher)
    import io

    token = csrf(client, f"/research/sessions/{session_id}")
    files = {"transcript": (io.BytesIO(data), "t.docx")} if data else {}
    response = client.post(
        f"/research/sessions/{session_id}/transcript",
        data={"csrf_token": token, **files},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert message in response.text
    assert "<title>Error: " in response.text
    assert count(synced, PendingImport) == 0
    assert count(synced, Segment) == 0


def test_a_file_over_the_size_limit_is_refused_with_a_message(researcher, client, synced):
    session_id = record_session(client, researcher)
    response = upload(client, session_id, b"Sarah: hi\n" * 600_000, "big.txt")
    assert response.status_code == 413
    assert "larger than 5 MB" in response.text
    assert count(synced, PendingImport) == 0


def test_an_oversized_upload_by_someone_without_research_access_shows_nothing(
    researcher, client, synced
):
    import io

    session_id = record_session(client, researcher)
    keyer = synced.test_client()
    _, email = make_user(synced, "entry", "keyer@example.org")
    sign_in(keyer, email)
    token = re.search(r'name="csrf_token" value="([^"]+)"', keyer.get("/staff/").text).group(1)
    response = keyer.post(
        f"/research/sessions/{session_id}/transcript",
        data={"csrf_token": token, "transcript": (io.BytesIO(b"x" * 700_000), "big.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "What you sent was too large" in response.text
    assert "Liverpool" not in response.text and "Community centre" not in response.text


def test_the_upload_still_needs_the_csrf_token(researcher, client, synced):
    import io

    session_id = record_session(client, researcher)
    response = client.post(
        f"/research/sessions/{session_id}/transcript",
        data={"transcript": (io.BytesIO(docx(TRANSCRIPT)), "t.docx")},
        content_type="multipart/form-data",
    )
    assert response.status_code in (302, 400)
    assert count(synced, PendingImport) == 0


def test_changing_a_session_moves_its_stored_turns_with_it(researcher, client, synced):
    session_id = record_session(client, researcher)
    confirm(client, preview_path(upload(client, session_id, docx(TRANSCRIPT))))
    form = session_form(
        kind="workshop",
        area="wirral",
        crime_types=["sexual_offence"],
        facilitators=[str(researcher)],
    )
    form["csrf_token"] = csrf(client, f"/research/sessions/{session_id}/edit")
    assert client.post(f"/research/sessions/{session_id}/edit", data=form).status_code == 302
    with synced.app_context():
        segments = db.session.scalars(select(Segment))
        rows = {(s.source, s.area, tuple(s.crime_types)) for s in segments}
    assert rows == {("workshop", "wirral", ("sexual_offence",))}
    # A second transcript for the same session is refused.
    response = upload(client, session_id, docx(TRANSCRIPT))
    assert response.status_code == 400 and "already stored" in response.text


def test_facilitators_turns_are_never_machine_coded(researcher, client, synced):
    from survey_app.services import coding

    session_id = record_session(client, researcher)
    confirm(client, preview_path(upload(client, session_id, docx(TRANSCRIPT))))
    with synced.app_context():
        coding.code_segments()
        coded = set(
            db.session.scalars(
                select(Segment.speaker).join(Coding, Coding.segment_id == Segment.id)
            )
        )
    assert "Facilitator" not in coded
    assert coded, "the rules coded no participant's turn"
    page = client.get(f"/research/sessions/{session_id}").text
    assert "(rules " in page  # the turns' themes, as on the segment pages
    assert "Turn 7: P2 (recovery)" in page and "Show original" in page
    with synced.app_context():
        turn_id = db.session.scalar(
            select(Segment.id).where(Segment.session_ref == session_id, Segment.turn == 7)
        )
    token = csrf(client, f"/research/sessions/{session_id}")
    shown = client.post(f"/research/segments/{turn_id}/original", data={"csrf_token": token})
    assert "Turn 7, P2 (focus group, recovery)" in shown.text


# ----- the command line --------------------------------------------------------------------------


def test_the_command_line_previews_a_folder_and_stores_only_with_yes(synced, tmp_path):
    folder = tmp_path / "transcripts"
    folder.mkdir()
    (folder / "liverpool-1.docx").write_bytes(docx(TRANSCRIPT))
    (folder / "liverpool-2.txt").write_text("\n".join(TRANSCRIPT[2:7]))
    (folder / "broken.docx").write_bytes(encrypted_office_file())
    runner = synced.test_cli_runner()
    args = ["focus-groups", "import", str(folder), "--date", "2015-03-04", "--area", "liverpool"]
    args += ["--group", "domestic_abuse"]
    result = runner.invoke(args=args)
    assert result.exit_code == 1  # the broken file
    assert "liverpool-1.docx (docx): 7 turns" in result.output
    speakers = "Speakers: Facilitator (3 turns), P1 (1 turn), P2 (2 turns), P3 (1 turn)"
    assert speakers in result.output
    assert "'07700 900123' -> [phone]" in result.output
    assert "Reporting what happened [reporting]: 3" in result.output
    assert "broken.docx: not imported: The file is password-protected" in result.output
    assert "Nothing stored" in result.output
    assert count(synced, Segment) == 0 and count(synced, FocusSession) == 0

    result = runner.invoke(args=[*args, "--kind", "workshop", "--yes"])
    assert "2 transcripts stored, 1 not imported." in result.output
    with synced.app_context():
        assert db.session.scalar(select(func.count(func.distinct(Segment.session_ref)))) == 2
        assert set(db.session.scalars(select(Segment.source))) == {"workshop"}
    for name in NAMES:
        assert not re.search(rf"(?i)(?<![a-z]){re.escape(name)}(?![a-z])", stored_text(synced))

    output = tmp_path / "segments.csv"
    result = runner.invoke(
        args=["research", "segments", "export", "--source", "workshop", "--format", "csv",
              "--output", str(output)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(output.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 11 and {r["source"] for r in rows} == {"workshop"}
    assert any("[phone]" in r["text"] for r in rows)
    assert {r["speaker"] for r in rows} == {"Facilitator", "P1", "P2", "P3"}
    assert sorted(int(r["turn"]) for r in rows if r["session"] == rows[0]["session"])[:2] == [1, 2]


def test_the_command_line_refuses_values_that_are_not_the_surveys(synced, tmp_path):
    (tmp_path / "t.txt").write_text("\n".join(TRANSCRIPT))
    runner = synced.test_cli_runner()
    base = ["focus-groups", "import", str(tmp_path / "t.txt"), "--date", "2015-03-04"]
    result = runner.invoke(args=[*base, "--area", "atlantis", "--group", "domestic_abuse"])
    assert result.exit_code == 2 and "'atlantis' is not an area" in result.output
    result = runner.invoke(args=[*base, "--area", "wirral", "--group", "theft_of_joy"])
    assert result.exit_code == 2 and "is not a victim group" in result.output
    result = runner.invoke(
        args=["focus-groups", "import", str(tmp_path / "t.txt"), "--date", "2099-01-01",
              "--area", "wirral", "--group", "hate_crime"]
    )  # fmt: skip
    assert result.exit_code == 2 and "today or in the past" in result.output


def test_the_purge_command_deletes_expired_previews_only(researcher, client, synced):
    session_id = record_session(client, researcher)
    preview_path(upload(client, session_id, docx(TRANSCRIPT)))
    other = record_session(client, researcher)
    preview_path(upload(client, other, docx(TRANSCRIPT)))
    with synced.app_context():
        first = db.session.scalars(select(PendingImport)).first()
        first.expires_at = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
        db.session.commit()
    result = synced.test_cli_runner().invoke(args=["focus-groups", "purge"])
    assert "Deleted 1 expired transcript previews." in result.output
    assert count(synced, PendingImport) == 1


def test_migration_0005_downgrades_and_upgrades_again(fresh_database_url):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from tests.conftest import make_app

    app = make_app(fresh_database_url)
    tables = {"topic_guide_version", "focus_session", "focus_session_facilitator", "pending_import"}
    with app.app_context():
        upgrade()
        assert tables <= set(inspect(db.engine).get_table_names())
        downgrade(revision="0004_research_data")
        db.engine.dispose()
        assert not tables & set(inspect(db.engine).get_table_names())
        upgrade()
        assert tables <= set(inspect(db.engine).get_table_names())
        db.engine.dispose()


def test_markup_in_a_transcript_is_shown_as_text(researcher, client, synced):
    session_id = record_session(client, researcher)
    hostile = [
        "Facilitator: Did you report it? <script>alert(1)</script>",
        'Sam: <img src=x onerror="alert(2)"> I did &amp; more',
    ]
    path = preview_path(upload(client, session_id, "\n".join(hostile).encode(), "t.txt"))
    page = client.get(path).text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)" in page
    assert "<img src=x" not in page
    confirm(client, path)
    page = client.get(f"/research/sessions/{session_id}").text
    assert "<script>alert(1)</script>" not in page and "&lt;img src=x" in page
