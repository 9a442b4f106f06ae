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
from pathlib import Path

import pytest

from survey_app.extensions import db
from tests.survey_app import private_postgres
from tests.survey_app.load import (
    Tally,
    prepare_database,
    run_with_fault,
    stored_problems,
    summary,
)

pytestmark = pytest.mark.slow
DATABASE = os.environ.get("TEST_DATABASE", "sqlite")

RATE = 1.0  # respondents starting each second
SECONDS = 20
FAULT_FOR = 8.0
# The fault comes 6 s into the run and lasts FAULT_FOR seconds.
TIMING = {"rate": RATE, "seconds": SECONDS, "fault_after": 6.0, "fault_for": FAULT_FOR}


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
        app, definition = prepare_database(cluster.url)
        tally, probe = run_with_fault(
            cluster.url,
            definition,
            tmp_path / "server.log",
            fault=cluster.stop,  # immediate: as a crash, connections cut mid-transaction
            recover=cluster.start,
            **TIMING,
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
        app, definition = prepare_database(url)
        filler: list[Path] = []
        tally, probe = run_with_fault(
            url,
            definition,
            tmp_path / "server.log",
            fault=lambda: filler.append(fill(folder)),
            recover=lambda: [path.unlink() for path in filler],
            **TIMING,
        )
        log = (tmp_path / "server.log").read_text(errors="replace")
        print("\n" + summary(f"SQLite disk full {FAULT_FOR:.0f} s (shared machine)", tally))
        assert_calm_and_whole(app, tally, probe, log)
        with app.app_context():
            db.engine.dispose()
