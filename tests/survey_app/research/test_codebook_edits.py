"""Editing the codebook in the browser: every change a version with who, when and what; a file
sync that leaves browser edits alone unless the file changed; merges that move codings; and
exports at any version."""

import io
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import func, select

from analysis.codebook import QDC_NAMESPACE
from survey_app.extensions import db
from survey_app.models import AuditEvent, CodebookVersion, Coding, CodingEvent, User
from survey_app.services import codebooks, coding
from survey_app.services.definitions import sync_definitions
from tests.survey_app.research.factories import make_segment

XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>"'


def token(client, path="/research/codebook"):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def post(client, path, **data):
    return client.post(path, data={"csrf_token": token(client), **data})


def current(app):
    with app.app_context():
        version = codebooks.current_version()
        return version.number, codebooks.definition_of(version)


def test_adding_a_theme_makes_a_version_with_who_when_and_what(synced, client, login_as):
    user_id, email = login_as("researcher")
    before, _ = current(synced)
    answer = post(
        client,
        "/research/codebook/add",
        label="Feeling safe at home",
        definition="Whether the person feels safe where they live.",
        stage="recovery",
    )
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).text
    assert "Theme added: now version" in page
    number, book = current(synced)
    assert number == before + 1
    assert book.theme("feeling_safe_at_home").stage == "recovery"
    with synced.app_context():
        version = codebooks.current_version()
        assert (version.origin, version.made_by_id, version.made_by_email) == (
            "browser",
            user_id,
            email,
        )
        assert "added feeling_safe_at_home" in version.change
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "codebook.edit"))
        assert event.actor_id == user_id
        assert f"version {number}" in event.new_value
    history = client.get("/research/codebook/history").text
    assert f"Version {number} (in use)" in history
    assert email in history
    assert "added feeling_safe_at_home (Feeling safe at home)" in history


def test_a_bad_edit_shows_errors_and_keeps_what_was_typed(synced, client, login_as):
    login_as("researcher")
    before, _ = current(synced)
    page = post(client, "/research/codebook/add", label="Half typed", definition="", stage="")
    assert page.status_code == 200
    assert page.text.startswith("<!DOCTYPE html>")
    assert "<title>Error: Add a theme" in page.text
    assert '<a href="#definition">Enter a definition</a>' in page.text
    assert 'value="Half typed"' in page.text
    assert current(synced)[0] == before
    edit = client.get("/research/codebook/edit?theme=nonsense").text
    assert "Select a theme from the list" in edit


def test_renaming_and_moving_a_theme(synced, client, login_as):
    login_as("admin")
    answer = post(
        client,
        "/research/codebook/edit?theme=speed_of_response",
        label="How fast they came",
        definition="How quickly the police came.",
        stage="engagement",
        parent="",
    )
    assert answer.status_code == 302
    _, book = current(synced)
    theme = book.theme("speed_of_response")
    assert (theme.label, theme.stage) == ("How fast they came", "engagement")
    assert theme.indicators  # what the form does not show is kept
    unchanged = post(
        client,
        "/research/codebook/edit?theme=speed_of_response",
        label="How fast they came",
        definition="How quickly the police came.",
        stage="engagement",
    )
    assert "Change the label, definition, stage or parent" in unchanged.text


def test_a_sync_of_the_unchanged_file_keeps_browser_edits_and_a_changed_file_says_so(
    synced, client, login_as, tmp_path
):
    login_as("researcher")
    post(client, "/research/codebook/add", label="New one", definition="A new theme.", stage="")
    edited, _ = current(synced)
    folder = tmp_path / "questionnaires"
    shutil.copytree(synced.config["QUESTIONNAIRES_DIR"], folder)
    with synced.app_context():
        results = sync_definitions(folder, date.today())
    assert [r.created for r in results if r.kind == "codebook"] == [False]
    number, book = current(synced)
    assert number == edited and "new_one" in book.theme_ids
    path = folder / "codebooks" / "victims-services.yaml"
    path.write_text(
        path.read_text().replace("label: Speed of response", "label: Speed"), encoding="utf-8"
    )
    synced.config["QUESTIONNAIRES_DIR"] = str(folder)
    output = synced.test_cli_runner().invoke(args=["questionnaires", "sync"]).output
    assert f"codebook victims-services: version {edited + 1} (new version)" in output
    assert f"note: the changed file replaces edits made in the browser (version {edited})" in output
    with synced.app_context():
        version = codebooks.current_version()
        assert version.origin == "file"
        assert "renamed speed_of_response" in version.change
        assert "replaces edits made in the browser" in version.change
    number, book = current(synced)
    assert number == edited + 1
    assert "new_one" not in book.theme_ids
    assert book.theme("speed_of_response").label == "Speed"


def test_undoing_a_rename_is_a_new_version_too(synced, client, login_as):
    login_as("researcher")
    _, book = current(synced)
    theme = book.theme("speed_of_response")
    for label in ("Speed", theme.label):
        post(
            client,
            "/research/codebook/edit?theme=speed_of_response",
            label=label,
            definition=theme.definition,
            stage=theme.stage,
        )
    with synced.app_context():
        numbers = db.session.scalars(select(CodebookVersion.number)).all()
    assert sorted(numbers) == [1, 2, 3]
    assert current(synced)[1].version == book.version


def code(app, segment_id, theme, who, status=None, confidence=None):
    """A coding by a person (a User) or a machine (a coder id string)."""
    from datetime import UTC, datetime

    with app.app_context():
        if isinstance(who, int):
            made = coding.code_by_person(segment_id, theme, db.session.get(User, who))
            return made.id
        now = datetime.now(UTC).replace(tzinfo=None)
        row = Coding(
            segment_id=segment_id,
            theme=theme,
            coder=who,
            confidence=confidence,
            status=status or "suggested",
            matched=[],
            created_at=now,
            updated_at=now,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def test_merging_moves_codings_and_one_coder_keeps_one_coding(synced, client, login_as):
    user_id, _ = login_as("researcher")
    with synced.app_context():
        only_source = make_segment("They were slow.")
        both = make_segment("Slow and they waited ages.")
    code(synced, only_source, "speed_of_response", user_id)
    code(synced, both, "speed_of_response", user_id)
    code(synced, both, "waiting_times", user_id)
    code(synced, both, "speed_of_response", "rules@x", "accepted", 0.4)
    code(synced, both, "waiting_times", "rules@x", "suggested", 0.9)
    answer = post(
        client, "/research/codebook/merge", source="speed_of_response", target="waiting_times"
    )
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).text
    assert "Themes merged" in page
    assert "1 codings moved, 2 folded" in page
    with synced.app_context():
        rows = db.session.execute(
            select(Coding.segment_id, Coding.theme, Coding.coder, Coding.status)
        ).all()
        assert sorted(rows) == sorted(
            [
                (only_source, "waiting_times", f"person:{user_id}", "human"),
                (both, "waiting_times", f"person:{user_id}", "human"),
                (both, "waiting_times", "rules@x", "accepted"),  # accepted beats suggested
            ]
        )
        actions = db.session.execute(
            select(CodingEvent.action, CodingEvent.theme).where(CodingEvent.action != "created")
        ).all()
        assert sorted(actions) == sorted(
            [
                ("merged", "waiting_times"),
                ("merged", "waiting_times"),
                ("merged", "waiting_times"),
                ("removed", "speed_of_response"),
                ("removed", "speed_of_response"),
            ]
        )
        assert "speed_of_response" not in codebooks.current_codebook().theme_ids
    error = post(client, "/research/codebook/merge", source="waiting_times", target="waiting_times")
    assert "Select a different theme to merge into" in error.text


def test_the_codebook_downloads_at_an_old_version(synced, client, login_as):
    login_as("researcher")
    post(client, "/research/codebook/add", label="Brand new", definition="New.", stage="")
    old = client.get("/research/codebook/export?version=1&format=xlsx")
    assert old.status_code == 200
    assert 'filename="victims-services-v1.xlsx"' in old.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(old.data))["themes"]
    ids = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "speed_of_response" in ids and "brand_new" not in ids
    new = client.get("/research/codebook/export?version=2&format=qdc")
    root = ET.fromstring(new.data)  # noqa: S314 (our own output)
    names = [c.get("name") for c in root.iter(f"{{{QDC_NAMESPACE}}}Code")]
    assert "Brand new" in names
    old = client.get("/research/codebook/export?version=1&format=qdc").data
    old_qdc = ET.fromstring(old)  # noqa: S314 (our own output)
    assert "Brand new" not in [c.get("name") for c in old_qdc.iter(f"{{{QDC_NAMESPACE}}}Code")]
    wrong = client.get("/research/codebook/export?version=9&format=pdf")
    assert wrong.status_code == 200
    assert "Enter a version from 1 to 2" not in wrong.text  # the format is checked first
    assert "Select .qdc or XLSX" in wrong.text
    assert (
        "Enter a version from 1 to 2"
        in client.get("/research/codebook/export?version=9&format=qdc").text
    )


def test_labels_and_definitions_typed_by_researchers_render_as_text(synced, client, login_as):
    login_as("researcher")
    post(client, "/research/codebook/add", label=XSS, definition=XSS, stage="reporting")
    _, book = current(synced)
    theme_id = next(t.id for t in book.all_themes() if t.label == XSS)
    for path in (
        "/research/codebook",
        "/research/codebook/history",
        f"/research/codebook/edit?theme={theme_id}",
        "/research/codebook/merge",
        "/research/codebook/add",
    ):
        page = client.get(path).text
        assert "<script>alert(1)" not in page, path
        assert "<img src=x" not in page, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/research/codebook").text


def test_entry_staff_cannot_edit_the_codebook(synced, client, login_as):
    login_as("entry")
    csrf = token(client, "/staff/")
    for path in ("/research/codebook/add", "/research/codebook/merge"):
        answer = client.post(path, data={"csrf_token": csrf, "label": "x", "definition": "y"})
        assert answer.status_code == 403
    with synced.app_context():
        assert db.session.scalar(select(func.count()).select_from(CodebookVersion)) == 1


def test_a_post_without_the_csrf_token_changes_nothing(synced, client, login_as):
    login_as("researcher")
    answer = client.post(
        "/research/codebook/add", data={"label": "Sneaky", "definition": "x", "stage": ""}
    )
    assert answer.status_code in (400, 403)
    assert current(synced)[0] == 1


def test_codebook_pages_before_any_sync_say_so(app, client, login_as):
    login_as("researcher")
    for path in ("/research/codebook", "/research/codebook/history", "/research/codebook/add"):
        answer = client.get(path)
        assert answer.status_code == 404
        assert "flask questionnaires sync" in answer.text


def test_a_save_from_a_stale_form_is_refused_rather_than_overwriting(synced, client, login_as):
    login_as("researcher")
    form = client.get("/research/codebook/edit?theme=speed_of_response").text
    assert 'name="based_on" value="1"' in form
    post(client, "/research/codebook/add", label="Someone else's", definition="x.", based_on="1")
    stale = post(
        client,
        "/research/codebook/edit?theme=speed_of_response",
        label="Mine",
        definition="Mine.",
        stage="reporting",
        based_on="1",
    )
    assert "The codebook changed while you were editing (it is now version 2)" in stale.text
    assert 'name="based_on" value="2"' in stale.text
    assert 'value="Mine"' in stale.text
    number, book = current(synced)
    assert number == 2
    assert book.theme("speed_of_response").label != "Mine"
