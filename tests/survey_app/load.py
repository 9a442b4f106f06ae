"""Respondents arriving at a steady rate and completing the questionnaire against a real server,
with the faults a server meets (a killed worker, a database gone), and the checks that every
acknowledged submission was stored exactly once and whole.

Used by the short tests (tests/survey_app/test_load.py, test_faults.py) and by the full-length
runs in bench/bench_load.py. Each respondent is a browser without JavaScript: it reads each page
(GET) and answers it (POST), as fast as the server lets it. When a request fails in a way a
person would meet (the connection drops, or "try again shortly", 503) it waits and sends the
same request again, as a person pressing the button again would; anything else is a failure.
"""

import contextlib
import html
import http.client
import os
import random
import signal
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AnswerRow, Response, Segment
from survey_app.questionnaire import LongText, ShortText
from survey_app.services.definitions import sync_definitions
from survey_app.services.questionnaires import find_questionnaire
from tests.conftest import make_app
from tests.survey_app.gunicorn_server import run_gunicorn, server_environment
from tests.survey_app.test_concurrency import Browser, Reply
from tests.survey_app.walker import SLUG, csrf_token, page_id_of, typical_value

MARKER_QUESTION = "anything_else"
# How long one request is retried (a dropped connection or 503) before the respondent gives up:
# longer than the longest outage the bench makes (30 s).
RETRY_FOR_SECONDS = 120.0
RETRY_PAUSE_SECONDS = 0.5


class GaveUp(Exception):
    """A respondent's request kept failing for RETRY_FOR_SECONDS."""


@dataclass
class Tally:
    """What the respondents saw, shared between their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    latencies: list = field(default_factory=list)  # seconds, every answered request
    answer_latencies: list = field(default_factory=list)  # seconds, answer POSTs (302)
    answer_posts: int = 0
    dropped: int = 0  # connections that failed or closed without an answer
    unavailable: int = 0  # 503 "try again shortly" pages
    kept_typed: int = 0  # 503s to an answer POST that showed the typed text again
    lost_typed: list = field(default_factory=list)  # 503s to an answer POST that did not
    bad_pages: list = field(default_factory=list)  # 5xx other than 503, or an unkind 503
    failures: list = field(default_factory=list)  # respondents who gave up or went astray
    sent: dict = field(default_factory=dict)  # marker -> {question: text} as sent
    acknowledged: list = field(default_factory=list)  # markers whose submission reached /done
    durations: list = field(default_factory=list)  # (number, seconds from arrival to /done)
    answered_at: list = field(default_factory=list)  # time.monotonic() of each answered request
    window: float = 0.0  # seconds over which respondents arrived
    offered: str = ""  # the arrival rate and duration asked for
    started: float = field(default_factory=time.monotonic)
    finished: float = 0.0

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile in milliseconds."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[rank] * 1000


def served_rate(tally: Tally) -> float:
    """Requests answered a second while respondents were arriving: the offered rate (less a
    little for the first respondents' start) while the server keeps up, its capacity once a
    queue builds."""
    end = tally.started + tally.window
    return sum(1 for t in tally.answered_at if t <= end) / tally.window


def offered_rate(tally: Tally, rate: float) -> float:
    """Requests a second the arriving respondents ask for (their requests per questionnaire)."""
    if not tally.acknowledged:
        return float("nan")
    return rate * len(tally.answered_at) / len(tally.acknowledged)


def summary(name: str, tally: Tally) -> str:
    """One line of figures for a run."""
    seconds = tally.seconds
    return (
        f"{name}: respondents arriving {tally.offered}; "
        f"{len(tally.acknowledged)} questionnaires completed in {seconds:.1f} s; "
        f"{served_rate(tally):.1f} requests/s answered while they arrived; over the whole run "
        f"{len(tally.acknowledged) / seconds:.2f} questionnaires/s, "
        f"{tally.answer_posts / seconds:.1f} answer POSTs/s, "
        f"{sum(tally.statuses.values()) / seconds:.1f} requests/s; latency ms "
        f"p50 {percentile(tally.latencies, 50):.0f} p95 {percentile(tally.latencies, 95):.0f} "
        f"p99 {percentile(tally.latencies, 99):.0f} (answer POSTs p50 "
        f"{percentile(tally.answer_latencies, 50):.0f} p95 "
        f"{percentile(tally.answer_latencies, 95):.0f} p99 "
        f"{percentile(tally.answer_latencies, 99):.0f}); a questionnaire took "
        f"{percentile([d for _, d in tally.durations], 50) / 1000:.1f} s (median, from arrival); "
        f"503s {tally.unavailable}, dropped "
        f"connections {tally.dropped}, statuses {dict(sorted(tally.statuses.items()))}"
    )


class Respondent:
    """One person completing the questionnaire in their own browser."""

    def __init__(self, base_url: str, definition, marker: str, tally: Tally):
        self.definition = definition
        self.marker = marker
        self.tally = tally
        self.browser = Browser(base_url)
        self.texts: dict[str, str] = {}

    def send(self, method: str, path: str, form: dict | None = None) -> Reply:
        """One request, sent again after a dropped connection or a 503 until it is answered."""
        deadline = time.monotonic() + RETRY_FOR_SECONDS
        while time.monotonic() < deadline:
            sent = time.perf_counter()
            try:
                reply = self.browser.request(method, path, form)
            except (OSError, http.client.HTTPException):
                with self.tally.lock:
                    self.tally.dropped += 1
                time.sleep(RETRY_PAUSE_SECONDS)
                continue
            elapsed = time.perf_counter() - sent
            with self.tally.lock:
                self.tally.statuses[reply.status] += 1
                if reply.status == 503:
                    self.tally.unavailable += 1
                    self._check_calm(method, path, form, reply)
                elif reply.status >= 500:
                    self.tally.bad_pages.append((method, path, reply.status, reply.text[:300]))
                else:
                    self.tally.latencies.append(elapsed)
                    self.tally.answered_at.append(time.monotonic())
            if reply.status == 503:
                time.sleep(RETRY_PAUSE_SECONDS)
                continue
            return reply
        raise GaveUp(f"{method} {path}")

    def _check_calm(self, method: str, path: str, form: dict | None, reply: Reply) -> None:
        """A 503 is a calm GOV.UK page with the quick exit; an answer POST keeps the text."""
        text = reply.text
        if "Traceback" in text or 'id="quick-exit"' not in text or "try again" not in text:
            self.tally.bad_pages.append((method, path, 503, text[:300]))
        if method == "POST" and page_id_of(path) is not None:
            typed = [values[0] for name, values in (form or {}).items() if name in self.texts]
            if not typed:
                return
            if all(html.escape(value, quote=False) in text for value in typed):
                self.tally.kept_typed += 1
            else:
                self.tally.lost_typed.append(path)

    def answers_for(self, page_id: str) -> dict:
        data: dict = {}
        for question in self.definition.page(page_id).questions:
            if question.name == MARKER_QUESTION:
                value = self.marker
            elif isinstance(question, LongText | ShortText):
                value = f"{question.name} from {self.marker}"
            else:
                data.update(typical_value(question))
                continue
            data[question.name] = [value]
            self.texts[question.name] = value
        return data

    def open_text_page(self) -> tuple[str, dict]:
        """Walk to the first page with a free-text question; its path and the answers to post."""
        location = self.send("GET", f"/s/{SLUG}/start").location
        for _ in range(100):
            page = self.send("GET", location)
            data = {"csrf_token": csrf_token(page.text), "action": "continue"}
            data.update(self.answers_for(page_id_of(location)))
            if "<textarea" in page.text:
                return location, data
            location = self.send("POST", location, data).location
        raise AssertionError("no free-text page")

    def complete(self) -> None:
        start = self.send("GET", f"/s/{SLUG}/")
        assert start.status == 200, ("start page", start.status)
        location = self.send("GET", f"/s/{SLUG}/start").location
        for _ in range(100):
            page_id = page_id_of(location)
            if page_id is None:
                break
            page = self.send("GET", location)
            assert page.status == 200, (location, page.status)
            data = {"csrf_token": csrf_token(page.text), "action": "continue"}
            data.update(self.answers_for(page_id))
            sent = time.perf_counter()
            answered = self.send("POST", location, data)
            assert answered.status == 302, (location, answered.status, answered.text[:300])
            with self.tally.lock:
                self.tally.answer_posts += 1
                self.tally.answer_latencies.append(time.perf_counter() - sent)
            location = answered.location
        assert location == f"/s/{SLUG}/check", location
        check = self.send("GET", location)
        assert check.status == 200, ("check", check.status)
        sent_reply = self.send("POST", location, {"csrf_token": csrf_token(check.text)})
        assert sent_reply.status == 302 and sent_reply.location == f"/s/{SLUG}/done", (
            sent_reply.status,
            sent_reply.location,
        )
        done = self.send("GET", f"/s/{SLUG}/done")
        assert done.status == 200 and "answers have been sent" in done.text, done.text[:300]
        with self.tally.lock:
            self.tally.sent[self.marker] = dict(self.texts)
            self.tally.acknowledged.append(self.marker)


def run_respondents(
    base_url: str, definition, rate: float, seconds: float, tally: Tally, clients: int = 32
) -> None:
    """Start `rate` respondents a second for `seconds`, each in a thread of a pool of `clients`,
    and wait for all of them to finish."""
    count = max(1, round(rate * seconds))
    tag = os.urandom(3).hex()

    def one(number: int) -> None:
        marker = f"respondent-{tag}-{number:05d}-zq"
        arrival = tally.started + number / rate
        try:
            Respondent(base_url, definition, marker, tally).complete()
            with tally.lock:
                tally.durations.append((number, time.monotonic() - arrival))
        except (AssertionError, GaveUp) as problem:
            with tally.lock:
                tally.failures.append((marker, repr(problem)[:500]))

    tally.offered = f"{rate:g}/s for {seconds:g} s"
    tally.window = seconds
    tally.started = time.monotonic()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = []
        for number in range(count):
            delay = tally.started + number / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(one, number))
        for future in futures:
            future.result()
    tally.finished = time.monotonic()


@contextlib.contextmanager
def killing_workers(master_pid: int, every: float) -> Iterator[list[int]]:
    """Kill one of gunicorn's workers with SIGKILL every `every` seconds while the block runs;
    yields the list of the pids killed."""
    killed: list[int] = []
    stop = threading.Event()

    def kill_loop() -> None:
        while not stop.wait(every):
            workers = worker_pids(master_pid)
            if workers:
                victim = random.choice(workers)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(victim, signal.SIGKILL)
                    killed.append(victim)

    thread = threading.Thread(target=kill_loop, daemon=True)
    thread.start()
    try:
        yield killed
    finally:
        stop.set()
        thread.join()


def worker_pids(master_pid: int) -> list[int]:
    """The pids of a gunicorn master's workers (its child processes), from /proc (Linux)."""
    try:
        with open(f"/proc/{master_pid}/task/{master_pid}/children") as children:
            return [int(pid) for pid in children.read().split()]
    except FileNotFoundError:
        return []


def stored_problems(app, tally: Tally) -> list[str]:
    """Everything wrong with what was stored, compared with what the respondents were told:
    an acknowledged submission missing or stored twice, answers not as sent, a response without
    all its answers or segments, or a response nobody was told about. Empty when all is well."""
    problems = []
    with app.app_context():
        responses = set(db.session.scalars(select(Response.id)).all())
        rows = db.session.execute(
            select(AnswerRow.response_id, AnswerRow.question, AnswerRow.value)
        ).all()
        segments = db.session.execute(
            select(Segment.response_id, Segment.question, Segment.text).where(
                Segment.response_id.is_not(None)
            )
        ).all()
        db.session.rollback()
    answers: dict = defaultdict(dict)
    for response_id, question, value in rows:
        answers[response_id][question] = value
    texts: dict = defaultdict(dict)
    for response_id, question, text in segments:
        texts[response_id][question] = text
    by_marker: dict = defaultdict(list)
    for response_id, stored in answers.items():
        by_marker[stored.get(MARKER_QUESTION)].append(response_id)
    for marker in tally.acknowledged:
        found = by_marker.get(marker, [])
        if len(found) != 1:
            problems.append(f"{marker}: acknowledged, stored {len(found)} times")
            continue
        stored = answers[found[0]]
        for question, text in tally.sent[marker].items():
            if stored.get(question) != text:
                problems.append(f"{marker}: {question} stored {stored.get(question)!r}")
            if question != MARKER_QUESTION and texts[found[0]].get(question) != text:
                problems.append(
                    f"{marker}: segment {question} is {texts[found[0]].get(question)!r}"
                )
    unacknowledged = set(by_marker) - set(tally.acknowledged)
    if unacknowledged:
        problems.append(f"stored but never acknowledged: {sorted(map(str, unacknowledged))[:5]}")
    # Identical journeys: every response has the same number of answers and of segments.
    answer_counts = Counter(len(answers[r]) for r in responses)
    segment_counts = Counter(len(texts[r]) for r in responses)
    if len(answer_counts) > 1 or len(segment_counts) > 1:
        problems.append(
            f"half-written: answers per response {answer_counts}, segments {segment_counts}"
        )
    if set(answers) - responses or set(texts) - responses:
        problems.append("answers or segments without their response")
    return problems


def load_environment(database_url: str) -> dict[str, str]:
    """The server's environment: every respondent comes from one address here, so the
    per-address limits are lifted (the limiter stays on)."""
    return server_environment(
        database_url, FLASK_SUBMISSIONS_PER_HOUR="100000", FLASK_DRAFTS_PER_HOUR="100000"
    )


def prepare_database(url: str):
    """The app over a new database at `url`: migrated, questionnaires loaded."""
    app = make_app(url)
    with app.app_context():
        upgrade()
        sync_definitions(Path(app.config["QUESTIONNAIRES_DIR"]), date.today())
        definition = find_questionnaire(SLUG).definition
        db.session.rollback()
        db.engine.dispose()
    return app, definition


def run_with_fault(
    url: str,
    definition,
    log_path: Path,
    fault,
    recover,
    rate: float,
    seconds: float,
    fault_after: float,
    fault_for: float,
) -> tuple[Tally, list]:
    """Respondents (`rate` a second for `seconds`) against gunicorn (4 workers) over `url`;
    `fault()` `fault_after` seconds in, `recover()` `fault_for` seconds later.

    Also one more respondent who opened a free-text page before the fault and presses Continue
    during it, and again after it: the two replies are returned with what was typed.
    """
    env = load_environment(url)
    tally = Tally()
    with run_gunicorn(env, log_path) as server:
        load = threading.Thread(
            target=run_respondents, args=(server.url, definition, rate, seconds, tally)
        )
        load.start()
        probe = Respondent(server.url, definition, "probe-respondent-zq", Tally())
        try:
            path, typed = probe.open_text_page()
            time.sleep(fault_after)
            fault()
            faulty_until = time.monotonic() + fault_for
            time.sleep(1)
            # A write may still succeed for a moment (SQLite reuses its WAL file's space on a
            # full disk): the same page is sent again (that saves it again) until it is refused.
            during = probe.browser.request("POST", path, typed)
            while during.status == 302 and time.monotonic() < faulty_until - 1:
                time.sleep(0.3)
                during = probe.browser.request("POST", path, typed)
            time.sleep(max(0.0, faulty_until - time.monotonic()))
        finally:
            recover()
            load.join()
        after = probe.send("POST", path, typed)
    return tally, [during, after, probe.texts]
