"""A respondent completes the questionnaire with a plain HTTP client (no JavaScript)."""

import threading
import time
from datetime import UTC, datetime

from sqlalchemy import event, select, text, update
from werkzeug.datastructures import MultiDict

from survey_app.database import read_before_writing
from survey_app.extensions import db
from survey_app.models import Draft, Response
from survey_app.services import drafts, questionnaires
from tests.survey_app.walker import SLUG, begin, csrf_token, submit, walk


def test_index_lists_open_questionnaires(client, synced):
    page = client.get("/")
    assert page.status_code == 200
    assert f'href="/s/{SLUG}/"' in page.text


def test_start_page_explains_anonymity_skipping_and_999(client, synced):
    page = client.get(f"/s/{SLUG}/")
    assert "call 999" in page.text
    assert "Skip any you do not want to answer" in page.text
    assert "minutes" in page.text
    assert "Start now" in page.text


def test_completing_the_questionnaire_stores_one_response(client, synced):
    check, visited = walk(client, synced)
    assert check.request.path == f"/s/{SLUG}/check"
    assert "Check your answers" in check.text
    assert len(visited) > 5
    done = submit(client, check)
    assert "Thank you: your answers have been sent" in done.text
    with synced.app_context():
        responses = db.session.query(Response).all()
        assert len(responses) == 1
        assert responses[0].channel == "online"
        assert len(responses[0].id) == 32


def test_confirmation_signposts_services_for_crime_type_and_area(client, synced):
    check, _ = walk(
        client,
        synced,
        overrides={"crime_type": {"crime_type": ["domestic_abuse"]}, "area": {"area": ["wirral"]}},
    )
    done = submit(client, check)
    assert "National Domestic Abuse Helpline" in done.text


def test_submitting_twice_stores_once(client, synced):
    check, _ = walk(client, synced)
    token = csrf_token(check.text)
    first = client.post(check.request.path, data={"csrf_token": token})
    second = client.post(check.request.path, data={"csrf_token": token})
    assert first.status_code == 302
    assert second.status_code == 302
    with synced.app_context():
        assert db.session.query(Response).count() == 1


def test_every_question_can_be_skipped(client, synced):
    check, _ = walk(client, synced, answer_for=lambda question: {})
    assert "Not answered" in check.text or "Skipped" in check.text
    done = submit(client, check)
    assert done.status_code == 200


def test_change_link_returns_to_check_answers(client, synced):
    _check, visited = walk(client, synced)
    first_page = visited[0]
    change = client.get(f"/s/{SLUG}/q/{first_page}?return_to=check")
    assert change.status_code == 200
    assert 'name="return_to" value="check"' in change.text
    response = client.post(
        change.request.path,
        data={"csrf_token": csrf_token(change.text), "return_to": "check", "action": "continue"},
    )
    assert response.headers["Location"].endswith("/check")


def test_question_page_shows_section_progress_and_back_link(client, synced):
    first = begin(client)
    assert "Section 1 of" in first.text
    assert "govuk-back-link" in first.text


def test_a_page_sent_again_unchanged_writes_nothing_and_a_changed_one_is_stored(app, synced):
    client = app.test_client()
    page = begin(client)
    form = {"csrf_token": csrf_token(page.text), "crime_type": "hate_crime"}
    assert client.post(page.request.path, data=form).status_code == 302
    statements = []

    def count(_connection, _cursor, statement, *_args):
        statements.append(statement.split()[0].upper())

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    try:
        again = client.post(page.request.path, data=form)
        assert again.status_code == 302
        # Its reads go to the driver directly (database.read_row); a write would come here, as
        # the changed page's does below.
        assert "UPDATE" not in statements
        statements.clear()
        changed = client.post(page.request.path, data={**form, "crime_type": "domestic_abuse"})
        assert changed.status_code == 302
        assert statements.count("UPDATE") == 1
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", count)
    with app.app_context():
        stored = db.session.scalar(select(Draft.answers))
    assert stored["crime_type"]["value"] == ["domestic_abuse"]


def test_answers_saved_from_a_page_opened_before_submission_leave_the_spent_draft_alone(
    app, synced
):
    client = app.test_client()
    begin(client)
    now = datetime.now(UTC).replace(tzinfo=None)
    with app.test_request_context("/", method="POST"):
        draft_id = db.session.scalar(select(Draft.id))
        before = drafts.find_draft_snapshot(draft_id, now)  # read as the page was opened
        definition = questionnaires.published_version(before.version_id).definition
        db.session.get(Draft, draft_id).status = "submitted"  # another tab sent the answers
        db.session.commit()
        page = definition.page("crime_type")
        question = page.questions[0]
        answer = question.parse(_form({question.name: question.choices[0].value}))
        drafts.save_answers(before, definition, page, {question.name: answer})
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Draft, draft_id).answers == {}


def _form(values: dict):
    return MultiDict({key: str(value) for key, value in values.items()})


def test_answers_saved_from_a_page_read_without_the_lock_keep_a_page_answered_meanwhile(
    app, synced
):
    client = app.test_client()
    first = begin(client)
    form = {"csrf_token": csrf_token(first.text), "crime_type": "hate_crime"}
    second = client.post(first.request.path, data=form).headers["Location"]
    now = datetime.now(UTC).replace(tzinfo=None)
    with app.test_request_context("/", method="POST"):
        read_before_writing()
        draft_id = db.session.scalar(select(Draft.id))
        db.session.rollback()  # the answer POST reads before it writes, without the lock:
        before = drafts.find_draft_snapshot(draft_id, now)
        assert not db.session().in_transaction()
        # another tab answers the second page meanwhile
        second_page = client.get(second)
        second_form = {"csrf_token": csrf_token(second_page.text), "action": "continue"}
        question = next(iter(_questions_of(second_page.text)))
        second_form[question] = _first_choice(second_page.text, question)
        assert client.post(second, data=second_form).status_code == 302
        definition = questionnaires.published_version(before.version_id).definition
        page = definition.page("crime_type")
        crime_type = page.questions[0]
        answer = crime_type.parse(_form({crime_type.name: "hate_crime"}))
        other = definition.page(second.rsplit("/", 1)[1].split("?")[0]).questions[0]
        changed = crime_type.parse(_form({crime_type.name: crime_type.choices[1].value}))
        assert changed != answer
        saved = drafts.save_answers(before, definition, page, {crime_type.name: changed})
        assert other.name in saved  # merged with the draft as stored when written
        db.session.commit()
        stored = db.session.get(Draft, draft_id).answers
        assert other.name in stored and stored[crime_type.name] == changed.to_json()


def _questions_of(html: str) -> list[str]:
    import re

    return [
        name
        for name in dict.fromkeys(re.findall(r'<input[^>]+name="([^"]+)"', html))
        if name not in ("csrf_token", "return_to")
    ]


def _first_choice(html: str, name: str) -> str:
    import re

    return re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', html).group(1)


def test_two_tabs_saving_pages_of_one_draft_at_the_same_moment_keep_both(app, synced):
    """The other tab's save holds the draft (PostgreSQL: its row lock; SQLite: the write lock)
    while this save starts: this one must wait for it and merge into its answers, not read the
    answers from before it and write them back without its page."""
    client = app.test_client()
    begin(client)
    now = datetime.now(UTC).replace(tzinfo=None)
    with app.app_context():
        draft_id = db.session.scalar(select(Draft.id))
        before = drafts.find_draft_snapshot(draft_id, now)
        definition = questionnaires.published_version(before.version_id).definition
        engine = db.engine
    crime_page, area_page = definition.page("crime_type"), definition.page("area")
    crime, area = crime_page.questions[0], area_page.questions[0]
    crime_answer = crime.parse(_form({crime.name: "hate_crime"}))
    area_answer = area.parse(_form({area.name: "wirral"}))
    saved: dict = {}

    def this_tab():
        with app.test_request_context("/", method="POST"):
            read_before_writing()
            saved.update(
                drafts.save_answers(before, definition, crime_page, {crime.name: crime_answer})
            )
            db.session.commit()

    with engine.connect() as other_tab:
        with other_tab.begin():  # SQLite: BEGIN IMMEDIATE, the write lock
            other_tab.execute(select(Draft.id).where(Draft.id == draft_id).with_for_update())
            thread = threading.Thread(target=this_tab)
            thread.start()
            assert _waits_for_the_other_tab(other_tab, thread)
            other_tab.execute(
                update(Draft)
                .where(Draft.id == draft_id)
                .values(answers={area.name: area_answer.to_json()})
            )
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert area.name in saved and crime.name in saved
    with app.app_context():
        stored = db.session.get(Draft, draft_id).answers
    assert stored == {area.name: area_answer.to_json(), crime.name: crime_answer.to_json()}


def _waits_for_the_other_tab(other_tab, thread) -> bool:
    """True once the save in ``thread`` is blocked behind ``other_tab``'s lock."""
    for tries in range(400):  # up to 20 s on a busy machine; it returns once it sees the wait
        if not thread.is_alive():
            return False  # it finished without waiting: it read the answers from before
        if other_tab.dialect.name == "postgresql":
            waiting = other_tab.execute(
                text(  # a process waiting for a lock this connection holds
                    "SELECT count(*) FROM pg_locks"
                    " WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
                )
            ).scalar()
            if waiting:
                return True
        elif tries == 20:
            return True  # SQLite: still waiting after a second, at BEGIN IMMEDIATE
        time.sleep(0.05)
    return False
