"""The review queue: machine suggestions where a person's decision helps the learned coder most
come first (uncertainty sampling: confidence nearest the decision point), and each batch of
decisions queues a background retraining of the coder, which also estimates per theme, by
cross-validation on people's codings, how far its suggestions can be trusted.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import delete, func, literal_column, select

from analysis.records import FACILITATOR
from survey_app.database import committing, transaction
from survey_app.extensions import db
from survey_app.models import Coding, ResearchJob, Segment, ThemeQuality, User
from survey_app.services import coding

#: A suggestion's confidence at which accepting and rejecting are equally likely right.
DECISION_POINT = 0.5
QUEUE_SIZE = 10
FOLDS = 5
#: Themes whose cross-validated precision and recall both reach this can be trusted more.
TRUSTED = 0.8


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def uncertainty():
    """How far a suggestion's confidence is from the decision point (the expression of the
    partial index ix_coding_uncertainty, so the queue reads that index in order)."""
    return func.abs(Coding.confidence - literal_column(repr(DECISION_POINT)))


def queue(limit: int = QUEUE_SIZE) -> list[str]:
    """Ids of segments with pending machine suggestions, the most uncertain first (by their
    most uncertain suggestion); facilitator turns are never coded, so never queued."""
    rows = db.session.execute(
        select(Coding.segment_id, Segment.speaker)
        .join(Segment, Segment.id == Coding.segment_id)
        .where(coding.awaiting_decision())
        .order_by(uncertainty(), Coding.segment_id)
        .limit(limit * 20)
    ).all()
    out: list[str] = []
    for segment_id, speaker in rows:
        if speaker != FACILITATOR and segment_id not in out:
            out.append(segment_id)
        if len(out) == limit:
            break
    return out


def waiting(limit: int = 1000) -> int:
    """Pending machine suggestions in all, counted up to ``limit`` + 1 (more means "more than")."""
    pending = select(Coding.id).where(coding.awaiting_decision()).limit(limit + 1)
    return db.session.scalar(select(func.count()).select_from(pending.subquery())) or 0


@transaction
def decide_batch(decisions: dict[str, str], user: User) -> int:
    """Apply "accept"/"reject" to each coding id (others are skipped); returns how many were
    decided. Commits."""
    done = 0
    for coding_id, choice in decisions.items():
        if choice not in ("accept", "reject"):
            continue
        row = db.session.get(Coding, coding_id)
        if row is None or row.user_id is not None or row.status != "suggested":
            continue
        coding.decide(row, user, accept=choice == "accept")
        done += 1
    return done


# ----- retraining -------------------------------------------------------------------------------


def training_pending() -> ResearchJob | None:
    """A training job already queued or running, if any."""
    return db.session.scalar(
        select(ResearchJob)
        .where(ResearchJob.kind == "train", ResearchJob.status.in_(("queued", "running")))
        .limit(1)
    )


def start_training(user: User | None) -> ResearchJob:
    """Queue a retraining of the learned coder, unless one is already waiting (commits)."""
    from survey_app import tasks

    found = training_pending()
    if found is not None:
        return found
    job = ResearchJob(
        kind="train",
        questionnaire_slug=None,
        coder="model",
        status="queued",
        message="",
        started_by_id=user.id if user else None,
        created_at=_now(),
    )
    with committing():
        db.session.add(job)
    if current_app.config.get("JOBS_IMMEDIATE"):
        tasks.huey.immediate = True
    tasks.train_task(job.id)
    return job


def examples() -> tuple[list[str], list[list[str]], list[str]]:
    """People's codings as training data: texts, their themes (only themes with enough
    examples), and those themes."""
    from analysis.combine import MODEL_READY_CODES

    by_segment = coding.human_examples()
    counts: dict[str, int] = {}
    for themes in by_segment.values():
        for theme in themes:
            counts[theme] = counts.get(theme, 0) + 1
    ready = sorted(t for t, n in counts.items() if n >= MODEL_READY_CODES)
    texts = dict(
        db.session.execute(
            select(Segment.id, Segment.text).where(Segment.id.in_(list(by_segment)))
        ).all()
    )
    ids = sorted(i for i in by_segment if i in texts)
    return (
        [texts[i] for i in ids],
        [sorted(t for t in by_segment[i] if t in ready) for i in ids],
        ready,
    )


def evaluate() -> dict[str, dict]:
    """Cross-validated precision, recall and support per theme of the learned coder trained on
    people's codings (empty when no theme has enough examples); replaces theme_quality."""
    from analysis.evaluate import cross_validate

    texts, labels, ready = examples()
    if not ready or len(texts) < FOLDS:
        return {}
    if len(ready) == 1:  # one theme: present or not, as the trained coder sees it
        labels = [row or ["(none)"] for row in labels]
    result = cross_validate(texts, labels, folds=FOLDS, seed=0, baseline=False)
    per = {t: v for t, v in result["per_label"].items() if t in ready}
    now = _now()
    with committing():
        db.session.execute(delete(ThemeQuality))
        for theme, figures in per.items():
            db.session.add(
                ThemeQuality(
                    theme=theme,
                    precision=figures["precision"],
                    recall=figures["recall"],
                    support=figures["support"],
                    coder=f"model:trained-{len(texts)}",
                    computed_at=now,
                )
            )
    return per


def run_training_job(job_id: str) -> None:
    """The worker's side: estimate per-theme quality, then code with the retrained model."""
    from survey_app.services import jobs

    job = db.session.get(ResearchJob, job_id)
    if job is None or job.status not in ("queued", "running"):
        return
    with committing():
        job.status = "running"
    try:
        per = evaluate()
        summary = coding.code_segments(None, "model")
    except coding.CodingError as error:
        db.session.rollback()
        jobs._finish(job, "failed", str(error))
        return
    except Exception:
        db.session.rollback()
        current_app.logger.exception("training job %s failed", job_id)
        jobs._finish(job, "failed", "The job stopped with an error; the worker's log has details.")
        raise
    jobs._finish(
        job,
        "done",
        f"Retrained on people's codings ({len(per)} themes cross-validated); "
        f"{summary.codings} new suggestions by {summary.coder}{summary.superseded_note}",
    )


@dataclass(frozen=True)
class Quality:
    theme: str
    label: str
    precision: float
    recall: float
    support: int
    computed_at: datetime

    @property
    def trusted(self) -> bool:
        return self.precision >= TRUSTED and self.recall >= TRUSTED


def quality(labels: dict[str, str]) -> list[Quality]:
    """The latest per-theme figures, least trustworthy first."""
    rows = db.session.scalars(select(ThemeQuality)).all()
    out = [
        Quality(
            r.theme, labels.get(r.theme, r.theme), r.precision, r.recall, r.support, r.computed_at
        )
        for r in rows
    ]
    return sorted(out, key=lambda q: (min(q.precision, q.recall), q.theme))
