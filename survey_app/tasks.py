"""The job queue: Huey, on a SQLite file by default (no server needed) or Redis with REDIS_URL.

Run the worker with ``huey_consumer survey_app.tasks.huey`` (``make worker``; ``make run`` starts
it beside the web server). Queued jobs are stored (instance/jobs.db, or Redis), so they wait for a
worker through restarts of either process; progress lives in the `research_job` table.
"""

import os
from pathlib import Path

from huey import RedisHuey, SqliteHuey

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def jobs_database() -> Path:
    """Where the SQLite queue lives: SURVEY_JOBS_DB, else jobs.db in the instance folder."""
    if os.environ.get("SURVEY_JOBS_DB"):
        return Path(os.environ["SURVEY_JOBS_DB"])
    instance = os.environ.get("SURVEY_INSTANCE_PATH") or PROJECT_ROOT / "instance"
    return Path(instance) / "jobs.db"


def make_huey():
    """Redis when REDIS_URL is set, otherwise the SQLite file."""
    if os.environ.get("REDIS_URL"):
        return RedisHuey("survey-jobs", url=os.environ["REDIS_URL"])
    path = jobs_database()
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("survey-jobs", filename=str(path))


huey = make_huey()
_worker_app = None


def _app():
    """The Flask app: the caller's (immediate mode, tests) or one made once per worker."""
    global _worker_app
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app._get_current_object(), False
    if _worker_app is None:
        from survey_app import create_app

        _worker_app = create_app()
    return _worker_app, True


@huey.on_startup()
def requeue_unfinished() -> None:
    """A worker that stopped mid-job (or after taking a job off the queue) leaves it unfinished:
    queue every such job again. Coding resumes where it stopped (each batch is committed with its
    machine passes), and a job found already done is skipped, so a duplicate does no harm."""
    from survey_app.services import jobs

    app, own = _app()
    if not own:
        return
    with app.app_context():
        for job_id in jobs.unfinished():
            job = jobs.db.session.get(jobs.ResearchJob, job_id)
            (train_task if job.kind == "train" else code_task)(job_id)


@huey.task()
def code_task(job_id: str) -> None:
    """Run a queued coding job (see survey_app.services.jobs.run_coding_job)."""
    from survey_app.services import jobs

    app, own = _app()
    if own:
        with app.app_context():
            jobs.run_coding_job(job_id)
    else:
        jobs.run_coding_job(job_id)


@huey.task()
def train_task(job_id: str) -> None:
    """Run a queued retraining (see survey_app.services.review.run_training_job)."""
    from survey_app.services import review

    app, own = _app()
    if own:
        with app.app_context():
            review.run_training_job(job_id)
    else:
        review.run_training_job(job_id)
