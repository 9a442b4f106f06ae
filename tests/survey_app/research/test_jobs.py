"""The job queue: queued work is stored (it outlives the processes), unfinished jobs are found
again by a starting worker, and running a finished job twice does nothing."""

from datetime import UTC, datetime

from huey import SqliteHuey

from survey_app.extensions import db
from survey_app.models import ResearchJob
from survey_app.services import jobs


def test_a_job_queued_in_the_sqlite_file_waits_there_for_a_new_worker(tmp_path):
    path = str(tmp_path / "jobs.db")
    web = SqliteHuey("survey-jobs", filename=path)

    @web.task()
    def work(x):
        return x * 2

    work(21)
    restarted = SqliteHuey("survey-jobs", filename=path)  # another process, later
    assert restarted.pending_count() == 1


def test_a_starting_worker_finds_unfinished_jobs_and_a_done_job_is_not_run_again(app):
    with app.app_context():
        now = datetime.now(UTC).replace(tzinfo=None)
        for status in ("queued", "running", "done", "failed"):
            db.session.add(
                ResearchJob(kind="code", coder="rules", status=status, message="", created_at=now)
            )
        db.session.commit()
        unfinished = jobs.unfinished()
        statuses = {db.session.get(ResearchJob, i).status for i in unfinished}
        assert statuses == {"queued", "running"}
        done = db.session.query(ResearchJob).filter_by(status="done").one()
        jobs.run_coding_job(done.id)
        assert done.message == ""


def test_the_queue_is_a_sqlite_file_by_default_and_redis_with_redis_url(monkeypatch, tmp_path):
    from survey_app import tasks

    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("SURVEY_JOBS_DB", str(tmp_path / "queue.db"))
    assert type(tasks.make_huey()).__name__ == "SqliteHuey"
    assert (tmp_path / "queue.db").exists()
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6399/3")
    queue = tasks.make_huey()
    assert type(queue).__name__ == "RedisHuey"
    assert queue.storage.pool.connection_kwargs["db"] == 3


def test_the_web_app_loads_no_scikit_learn_or_nltk():
    """Coding runs in the worker or the command: each web process stays small (see
    analysis/__init__.py)."""
    import subprocess
    import sys
    import tempfile

    code = (
        "import sys; from survey_app import create_app; "
        "create_app({'SECRET_KEY': 'x', 'TESTING': True}); "
        "print(sorted(m for m in ('sklearn', 'nltk', 'scipy') if m in sys.modules))"
    )
    env = {"SURVEY_INSTANCE_PATH": tempfile.mkdtemp(), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env=env,
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
