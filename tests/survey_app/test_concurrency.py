"""200 questionnaires from 20 concurrent clients against gunicorn with 4 workers."""

import http.client
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AnswerRow, Response
from survey_app.questionnaire import LongText
from survey_app.services.questionnaires import find_questionnaire
from tests.survey_app.gunicorn_server import run_gunicorn, server_environment
from tests.survey_app.walker import SLUG, csrf_token, page_id_of, typical_value

pytestmark = pytest.mark.slow

CLIENTS = 20
QUESTIONNAIRES = 200
# Every DOUBLE_CLICK_EVERY-th respondent presses "Send my answers" twice at the same moment.
DOUBLE_CLICK_EVERY = 10
# Every READ_EVERY-th respondent fetches each question page before answering it, as a browser
# does; the others post each page straight away (it keeps the test's run time down).
READ_EVERY = 4
MARKER_QUESTION = "anything_else"


@dataclass
class Reply:
    """What came back for one request."""

    status: int
    location: str
    text: str


class Browser:
    """A minimal HTTP client with its own cookie jar (the one session cookie the app sets).

    Plain http.client rather than requests: 10,000 requests from 20 threads spend far less CPU
    time on the client side, which shares the machine's cores with the server under test.
    """

    def __init__(self, base_url: str, cookie: str | None = None):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.cookie = cookie

    def request(self, method: str, path: str, form: dict | None = None) -> Reply:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or ():
            if header.startswith("session="):
                value = header.split(";")[0]
                self.cookie = None if value == "session=" else value
        location = urlsplit(response.headers.get("Location", "")).path
        return Reply(response.status, location, text)


@dataclass
class Tally:
    """What the clients saw, shared between threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    server_errors: list = field(default_factory=list)
    acknowledged: list = field(default_factory=list)  # markers whose submission went to /done

    def record(self, method: str, path: str, reply: Reply) -> Reply:
        with self.lock:
            self.statuses[reply.status] += 1
            if reply.status >= 500:
                self.server_errors.append((method, path, reply.status))
        return reply


class Respondent:
    """One person completing the questionnaire in their own browser, without JavaScript."""

    def __init__(self, base_url: str, definition, marker: str, tally: Tally):
        self.base = base_url
        self.definition = definition
        self.marker = marker
        self.tally = tally
        self.browser = Browser(base_url)

    def get(self, path: str) -> Reply:
        return self.tally.record("GET", path, self.browser.request("GET", path))

    def post(self, path: str, data: dict, browser: Browser | None = None) -> Reply:
        browser = browser or self.browser
        return self.tally.record("POST", path, browser.request("POST", path, data))

    def answers_for(self, page_id: str) -> dict:
        data: dict = {}
        for question in self.definition.page(page_id).questions:
            if question.name == MARKER_QUESTION:
                data[question.name] = [self.marker]
            elif isinstance(question, LongText):
                data[question.name] = [f"Free text from {self.marker}"]
            else:
                data.update(typical_value(question))
        return data

    def complete(self, reads_pages: bool, double_click: bool) -> None:
        assert self.get(f"/s/{SLUG}/").status == 200
        location = self.get(f"/s/{SLUG}/start").location
        token = csrf_token(self.get(location).text)
        for _ in range(100):
            page_id = page_id_of(location)
            if page_id is None:
                break
            if reads_pages:
                assert self.get(location).status == 200, location
            data = {"csrf_token": token, "action": "continue", **self.answers_for(page_id)}
            answered = self.post(location, data)
            assert answered.status == 302, (location, answered.text[:500])
            location = answered.location
        assert location == f"/s/{SLUG}/check", location
        assert self.get(location).status == 200
        if double_click:
            results = self._submit_twice(location, token)
        else:
            results = [self.post(location, {"csrf_token": token})]
        assert all(r.status == 302 for r in results), [r.status for r in results]
        if any(r.location == f"/s/{SLUG}/done" for r in results):
            with self.tally.lock:
                self.tally.acknowledged.append(self.marker)
            assert self.get(f"/s/{SLUG}/done").status == 200

    def _submit_twice(self, path: str, token: str) -> list[Reply]:
        """Two tabs of the same browser send the check page at the same moment."""
        other_tab = Browser(self.base, self.browser.cookie)
        barrier = threading.Barrier(2)
        results: list = [None, None]

        def send(slot: int, browser: Browser) -> None:
            barrier.wait()
            results[slot] = self.post(path, {"csrf_token": token}, browser)

        other = threading.Thread(target=send, args=(1, other_tab))
        other.start()
        send(0, self.browser)
        other.join()
        return results


def run_clients(base_url: str, definition, tally: Tally) -> None:
    """CLIENTS threads share QUESTIONNAIRES respondents between them."""

    def one(number: int) -> None:
        respondent = Respondent(base_url, definition, f"respondent-{number:04d}-zq", tally)
        respondent.complete(
            reads_pages=number % READ_EVERY == 0, double_click=number % DOUBLE_CLICK_EVERY == 0
        )

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        for future in [pool.submit(one, n) for n in range(QUESTIONNAIRES)]:
            future.result()


def test_concurrent_respondents_each_stored_exactly_once(synced, migrated, tmp_path):
    with synced.app_context():
        definition = find_questionnaire(SLUG).definition
        db.engine.dispose()
    env = server_environment(
        migrated,
        # 200 drafts and submissions come from one address: lift the per-address limits, keep
        # the limiter on.
        FLASK_SUBMISSIONS_PER_HOUR="100000",
        FLASK_DRAFTS_PER_HOUR="100000",
    )
    tally = Tally()
    log_path = tmp_path / "server.log"
    with run_gunicorn(env, log_path, workers=4) as server:
        started = time.monotonic()
        run_clients(server.url, definition, tally)
        elapsed = time.monotonic() - started
    log = log_path.read_text(errors="replace")
    print(f"{sum(tally.statuses.values())} requests in {elapsed:.1f} s: {dict(tally.statuses)}")

    assert tally.server_errors == []
    assert "database is locked" not in log
    assert "Traceback" not in log
    assert "WORKER TIMEOUT" not in log
    assert len(tally.acknowledged) == QUESTIONNAIRES
    with synced.app_context():
        responses = db.session.scalars(select(Response)).all()
        markers = db.session.scalars(
            select(AnswerRow.value).where(AnswerRow.question == MARKER_QUESTION)
        ).all()
        answer_counts = Counter(db.session.scalars(select(AnswerRow.response_id)).all())
    assert len(responses) == QUESTIONNAIRES
    assert Counter(markers) == Counter(tally.acknowledged)  # each one stored exactly once
    # Every response is whole: the same answers stored for every identical journey.
    assert len(set(answer_counts.values())) == 1
    assert set(answer_counts) == {response.id for response in responses}
