"""Faults under load: PostgreSQL stopped, and a full disk under SQLite, while respondents
complete the questionnaire against gunicorn (4 workers).

During the fault respondents get the calm "try again shortly" page (503, GOV.UK layout, quick
exit, no traceback) and the answer they had just posted is shown again filled in; when the
database returns the app carries on by itself (pool pre-ping, no restart); every acknowledged
submission is stored exactly once, as sent, with all its answers and segments.

Short forms (an outage of a few seconds) of `bench/bench_load.py --outage 30`.
"""

import contextlib
import os
import subprocess
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from flask_migrate import upgrade

from survey_app.extensions import db
from survey_app.services.definitions import sync_definitions
from survey_app.services.questionnaires import find_questionnaire
from tests.conftest import make_app
from tests.survey_app import private_postgres
from tests.survey_app.gunicorn_server import run_gunicorn, server_environment
from tests.survey_app.load import Respondent, Tally, run_respondents, stored_problems, summary
from tests.survey_app.walker import SLUG

pytestmark = pytest.mark.slow
DATABASE = os.environ.get("TEST_DATABASE", "sqlite")

RATE = 1.0  # respondents starting each second
SECONDS = 20
FAULT_AFTER = 6.0  # seconds into the run
FAULT_FOR = 8.0


def prepared(url: str):
    """The app over a new database at `url`: migrated, questionnaires loaded."""
    app = make_app(url)
    with app.app_context():
        upgrade()
        sync_definitions(Path(app.config["QUESTIONNAIRES_DIR"]), date.today())
        definition = find_questionnaire(SLUG).definition
        db.session.rollback()
        db.engine.dispose()
    return app, definition


def under_load(url: str, definition, log_path: Path, fault, recover) -> tuple[Tally, list]:
    """Respondents for SECONDS; `fault()` FAULT_AFTER seconds in, `recover()` FAULT_FOR later.

    Also one more respondent who opened a free-text page before the fault and presses Continue
    during it, and again after it: the two replies are returned with what was typed.
    """
    env = server_environment(
        url, FLASK_SUBMISSIONS_PER_HOUR="100000", FLASK_DRAFTS_PER_HOUR="100000"
    )
    tally = Tally()
    with run_gunicorn(env, log_path) as server:
        load = threading.Thread(
            target=run_respondents, args=(server.url, definition, RATE, SECONDS, tally)
        )
        load.start()
        probe = Respondent(server.url, definition, "probe-respondent-zq", Tally())
        try:
            path, typed = probe.open_text_page()
            time.sleep(FAULT_AFTER)
            fault()
            time.sleep(1)
            during = probe.browser.request("POST", path, typed)
            time.sleep(FAULT_FOR - 1)
        finally:
            recover()
            load.join()
        after = probe.send("POST", path, typed)
    return tally, [during, after, probe.texts]


def assert_calm_and_whole(app, tally: Tally, probe: list, log: str) -> None:
    during, after, texts = probe
    assert during.status == 503
    assert "we could not save your answers just now" in during.text
    assert 'id="quick-exit"' in during.text and "Traceback" not in during.text
    assert texts and all(f">{text}</textarea>" in during.text for text in texts.values())
    assert after.status == 302  # the same page sent again once the database is back
    assert tally.unavailable > 0, "the fault never reached a respondent"
    assert tally.bad_pages == []  # no 5xx but calm 503s
    assert tally.lost_typed == []  # every answer POST refused showed what was typed again
    assert tally.failures == []  # everyone finished once the database was back
    assert len(tally.acknowledged) == round(RATE * SECONDS)
    assert stored_problems(app, tally) == []
    assert "Database unavailable" in log
    assert "Traceback" not in log


@pytest.mark.skipif(DATABASE != "postgresql", reason="runs with TEST_DATABASE=postgresql")
@pytest.mark.skipif(not private_postgres.available(), reason="PostgreSQL 15 server not installed")
def test_postgresql_stopped_under_load(tmp_path):
    with private_postgres.private_cluster() as cluster:
        app, definition = prepared(cluster.url)
        tally, probe = under_load(
            cluster.url,
            definition,
            tmp_path / "server.log",
            fault=cluster.stop,  # immediate: as a crash, connections cut mid-transaction
            recover=cluster.start,
        )
        log = (tmp_path / "server.log").read_text(errors="replace")
        print("\n" + summary(f"PostgreSQL down {FAULT_FOR:.0f} s (shared machine)", tally))
        assert_calm_and_whole(app, tally, probe, log)
        with app.app_context():
            db.engine.dispose()


@contextlib.contextmanager
def small_filesystem(megabytes: int):
    """A tmpfs of its own: filling it is a real full disk (ENOSPC) for SQLite, and only for the
    database (the server's log is elsewhere). Needs permission to mount (root here)."""
    folder = Path(tempfile.mkdtemp(prefix="survey-small-disk-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        folder.rmdir()
        pytest.skip(f"cannot mount a small filesystem here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
        folder.rmdir()


def fill(folder: Path) -> Path:
    """Write a file until the filesystem is full."""
    filler = folder / "filler"
    with filler.open("wb") as out, contextlib.suppress(OSError):
        while True:
            out.write(b"\0" * 65536)
            out.flush()
    return filler


@pytest.mark.skipif(DATABASE != "sqlite", reason="runs with TEST_DATABASE=sqlite")
def test_sqlite_disk_full_under_load(tmp_path):
    """A read-only SQLite file is tested in respond/test_database_unavailable.py: a running
    server's filesystem cannot be made read-only here (the kernel refuses while the database is
    open for writing: "mount point is busy"), and as root file modes change nothing."""
    with small_filesystem(64) as folder:
        url = f"sqlite:///{folder / 'survey.db'}"
        app, definition = prepared(url)
        filler: list[Path] = []
        tally, probe = under_load(
            url,
            definition,
            tmp_path / "server.log",
            fault=lambda: filler.append(fill(folder)),
            recover=lambda: [path.unlink() for path in filler],
        )
        log = (tmp_path / "server.log").read_text(errors="replace")
        print("\n" + summary(f"SQLite disk full {FAULT_FOR:.0f} s (shared machine)", tally))
        assert_calm_and_whole(app, tally, probe, log)
        with app.app_context():
            db.engine.dispose()
