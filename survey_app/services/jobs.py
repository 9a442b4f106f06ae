"""Research jobs: long work (coding, training) queued for the worker, with progress in the
database so that a researcher can start one in the browser and watch it."""

import os
import traceback
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select

from survey_app.database import committing
from survey_app.extensions import db
from survey_app.models import ResearchJob, User
from survey_app.services import coding


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def queue_description() -> str:
    """Where queued jobs wait, for the research page."""
    if os.environ.get("REDIS_URL"):
        return "Jobs wait in Redis (REDIS_URL) for the worker."
    return "Jobs wait in a SQLite file (instance/jobs.db) for the worker."


def start_coding(slug: str | None, coder: str, user: User | None) -> ResearchJob:
    """Record a coding job and queue it (commits)."""
    from survey_app import tasks

    job = ResearchJob(
        kind="code",
        questionnaire_slug=slug,
        coder=coder,
        status="queued",
        message="",
        started_by_id=user.id if user else None,
        created_at=_now(),
    )
    with committing():
        db.session.add(job)
    if current_app.config.get("JOBS_IMMEDIATE"):
        tasks.huey.immediate = True  # tests: run now, in this process, without storage
    tasks.code_task(job.id)
    return job


def unfinished() -> list[str]:
    """Ids of jobs queued or running (for a worker starting up)."""
    return list(
        db.session.scalars(
            select(ResearchJob.id).where(ResearchJob.status.in_(("queued", "running")))
        )
    )


def run_coding_job(job_id: str) -> None:
    """The worker's side: code the segments, reporting progress on the job's row."""
    job = db.session.get(ResearchJob, job_id)
    if job is None or job.status not in ("queued", "running"):
        return
    with committing():
        job.status = "running"

    def progress(done: int, total: int) -> None:
        with committing():
            job.done, job.total = done, total

    try:
        summary = coding.code_segments(job.questionnaire_slug, job.coder, None, progress)
    except coding.CodingError as error:
        db.session.rollback()
        _finish(job, "failed", str(error))
        return
    except Exception:
        db.session.rollback()
        current_app.logger.error("coding job %s failed:\n%s", job_id, traceback.format_exc())
        _finish(job, "failed", "The job stopped with an error; the worker's log has details.")
        raise
    _finish(
        job,
        "done",
        f"{summary.segments} segments looked at, {summary.coded} given a theme, "
        f"{summary.codings} codings by {summary.coder} in {summary.total_seconds:.1f} s"
        f"{summary.superseded_note}",
    )


def _finish(job: ResearchJob, status: str, message: str) -> None:
    with committing():
        job = db.session.get(ResearchJob, job.id)
        job.status = status
        job.message = message
        job.finished_at = _now()
