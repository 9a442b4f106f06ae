"""Sustained load on gunicorn (4 workers): respondents arrive at a steady rate and complete the
questionnaire; then the same with a worker killed (SIGKILL) every few seconds.

Short forms of bench/bench_load.py (60 s runs and the saturation search). They assert only
correctness: every acknowledged submission stored exactly once with the answers its client
sent, every response whole (all answers, all segments), no 5xx. The figures they print were
measured on a shared, loaded machine: compare them with bench/bench_load.py on an idle one.
"""

import pytest

from survey_app.extensions import db
from survey_app.services.questionnaires import find_questionnaire
from tests.survey_app.gunicorn_server import run_gunicorn
from tests.survey_app.load import (
    Tally,
    killing_workers,
    load_environment,
    run_respondents,
    stored_problems,
    summary,
)
from tests.survey_app.walker import SLUG

pytestmark = pytest.mark.slow

RATE = 1.0  # respondents starting each second
SECONDS = 15
KILL_EVERY = 3.0  # seconds between two killed workers


@pytest.fixture
def definition(synced):
    with synced.app_context():
        found = find_questionnaire(SLUG).definition
        db.engine.dispose()
    return found


def test_sustained_load_stores_every_acknowledged_submission_once(
    synced, migrated, definition, tmp_path
):
    tally = Tally()
    with run_gunicorn(load_environment(migrated), tmp_path / "server.log") as server:
        run_respondents(server.url, definition, RATE, SECONDS, tally)
    log = server.log()
    print("\n" + summary("sustained load (machine shared with other work)", tally))

    assert tally.failures == []
    assert tally.bad_pages == []
    assert tally.unavailable == 0 and tally.dropped == 0
    assert len(tally.acknowledged) == round(RATE * SECONDS)
    assert stored_problems(synced, tally) == []
    assert "Traceback" not in log and "WORKER TIMEOUT" not in log


def test_a_worker_killed_every_few_seconds_loses_no_acknowledged_answer(
    synced, migrated, definition, tmp_path
):
    tally = Tally()
    with (
        run_gunicorn(load_environment(migrated), tmp_path / "server.log") as server,
        killing_workers(server.process.pid, KILL_EVERY) as killed,
    ):
        run_respondents(server.url, definition, RATE, SECONDS, tally)
    log = server.log()
    print("\n" + summary(f"{len(killed)} workers killed (machine shared with other work)", tally))

    assert len(killed) >= 3
    assert tally.failures == []
    assert tally.bad_pages == []
    assert len(tally.acknowledged) == round(RATE * SECONDS)
    assert stored_problems(synced, tally) == []
    assert "Traceback" not in log
