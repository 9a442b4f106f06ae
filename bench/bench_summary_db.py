"""Benchmark: the thematic summary page and JSON with 100,000 responses in the database (issue 10).

Goal: the summary page and the JSON each build in under 2 s with 100,000 responses and their
segments, on SQLite and on PostgreSQL. Fills a fresh database of each kind through plain
inserts (the same records as ``bench/bench_summary.py``: every closed question answered, three
free-text segments per response, about 1.5 codings per segment; plus 2,000 focus-group turns),
signs a researcher in, and times through the real app (test client, full request):

- **cold**: the first summary in a fresh process, nothing kept (read the rows, prepare the
  records, count, render; sentiment scores are read, stored with the segments as the app
  stores them);
- **page, new filter** and **JSON, new filter**: a filter not asked before (the records are
  kept while the data's fingerprint holds; only the counting and the rendering run);
- **page, again**: the same page again (the summary is kept too);
- **after a coding**, **after a new online response**, **after a paper copy made final**,
  **after its correction**, **after a transcript stored** and **after its session changed**,
  each made through the services (timed apart): the kept records are updated (codings read
  again; the new or corrected response, or the session's turns, read and put in) instead of
  read again.

Run: ``python bench/bench_summary_db.py [--respondents N] [--database sqlite|postgresql|both]``
(PostgreSQL at ``BENCH_POSTGRES_ADMIN_URL``, default ``postgresql://postgres@127.0.0.1:5432/
postgres``; a throwaway database is created and dropped). CPU seconds are printed beside wall
seconds because the machine is shared.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import resource
import secrets
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "bench"))
os.environ["SURVEY_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="bench-summary-")

import psycopg  # noqa: E402
from bench_summary import make_records  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import exists, insert, select  # noqa: E402

from analysis.codebook import load_codebook  # noqa: E402
from survey_app import create_app  # noqa: E402
from survey_app.extensions import db  # noqa: E402
from survey_app.models import AnswerRow, Coding, Response, Segment  # noqa: E402
from survey_app.services import definitions, questionnaires  # noqa: E402
from survey_app.services import summary as summaries  # noqa: E402
from survey_app.services.segments import sentiment_of  # noqa: E402
from survey_app.services.users import create_user  # noqa: E402

SLUG = "victims-experience"
ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
QUESTION_OF_STAGE = {
    "reporting": "reporting_experience",
    "engagement": "engagement_experience",
    "recovery": "what_would_help",
}
PASSWORD = "bench-password-1234567"


def fill(app, n: int) -> str:
    """Insert n responses, their answers, segments and codings, and focus-group turns."""
    codebook = load_codebook(PROJECT_ROOT / "questionnaires/codebooks/victims-services.yaml")
    with app.app_context():
        found = questionnaires.find_questionnaire(SLUG)
        questions = summaries.questions_of(found.version)
        qid, vid = found.row.id, found.version.id
    respondents, segments, codings, _scores = make_records(n, questions, codebook)
    now = datetime.datetime(2014, 10, 1)
    ids = {}
    response_rows, answer_rows = [], []
    for r in respondents:
        rid = ids[r.id] = secrets.token_hex(16)
        response_rows.append(
            {"id": rid, "version_id": vid, "channel": r.channel, "submitted_on": r.submitted}
        )
        answers = dict(r.answers)
        answers.pop("crime_type", None)
        answers.pop("area", None)
        answer_rows.append(
            {
                "response_id": rid,
                "question": "crime_type",
                "position": 0,
                "state": "answered",
                "value": list(r.crime_types),
            }
        )
        if r.area:
            answer_rows.append(
                {
                    "response_id": rid,
                    "question": "area",
                    "position": 1,
                    "state": "answered",
                    "value": r.area,
                }
            )
        for position, (name, a) in enumerate(answers.items(), start=2):
            value = list(a.value) if isinstance(a.value, tuple) else a.value
            answer_rows.append(
                {
                    "response_id": rid,
                    "question": name,
                    "position": position,
                    "state": a.state,
                    "value": value,
                }
            )
    by_id = {r.id: r for r in respondents}
    segment_ids = {}
    segment_rows = []
    scores: dict[str, float] = {}

    def score(text: str) -> float:
        """The score the app stores with a segment (services/segments.py), once per text."""
        found = scores.get(text)
        if found is None:
            found = scores[text] = sentiment_of(text)
        return found

    for s in segments:
        r = by_id[s.metadata["response_id"]]
        sid = segment_ids[s.id] = secrets.token_hex(16)
        segment_rows.append(
            {
                "id": sid,
                "source": "survey",
                "channel": r.channel,
                "stage": s.stage,
                "text": s.text,
                "questionnaire_id": qid,
                "version_id": vid,
                "question": QUESTION_OF_STAGE[s.stage],
                "response_id": ids[r.id],
                "crime_types": list(r.crime_types),
                "area": r.area,
                "sentiment": score(s.text),
            }
        )
    # Focus groups: 20 sessions of 100 turns, 8 participants and a facilitator each.
    themes = {s: [t.id for t in codebook.themes_for_stage(s)] for s in QUESTION_OF_STAGE}
    fg_codings = []
    for session in range(20):
        for turn in range(100):
            stage = ("reporting", "engagement", "recovery")[turn * 3 // 100]
            speaker = "Facilitator" if turn % 9 == 0 else f"P{turn % 8 + 1}"
            sid = secrets.token_hex(16)
            segment_rows.append(
                {
                    "id": sid,
                    "source": "focus_group" if session < 15 else "workshop",
                    "stage": stage,
                    "text": "We waited weeks and nobody rang us back about what was happening.",
                    "crime_types": [("domestic_abuse", "hate_crime")[session % 2]],
                    "area": ("knowsley", "liverpool", "sefton", "st_helens", "wirral")[session % 5],
                    "session_ref": str(session + 1),
                    "turn": turn + 1,
                    "speaker": speaker,
                    "sentiment": score(
                        "We waited weeks and nobody rang us back about what was happening."
                    ),
                }
            )
            if speaker != "Facilitator":
                fg_codings.append((sid, themes[stage][turn % len(themes[stage])]))
    coding_rows = [
        {
            "id": secrets.token_hex(16),
            "segment_id": segment_ids[c.segment_id],
            "theme": c.theme_id,
            "coder": c.coder,
            "confidence": c.confidence,
            "status": c.status,
            "matched": [],
            "created_at": now,
            "updated_at": now,
        }
        for c in codings
    ]
    coding_rows += [
        {
            "id": secrets.token_hex(16),
            "segment_id": sid,
            "theme": theme,
            "coder": "person:1",
            "confidence": 1.0,
            "status": "human",
            "matched": [],
            "created_at": now,
            "updated_at": now,
        }
        for sid, theme in fg_codings
    ]
    with app.app_context():
        for model, rows in (
            (Response, response_rows),
            (AnswerRow, answer_rows),
            (Segment, segment_rows),
            (Coding, coding_rows),
        ):
            for start in range(0, len(rows), 20_000):
                db.session.execute(insert(model), rows[start : start + 20_000])
        db.session.commit()
    return (
        f"{len(response_rows):,} responses, {len(answer_rows):,} answers, "
        f"{len(segment_rows):,} segments, {len(coding_rows):,} codings"
    )


def code_one() -> None:
    """A researcher codes one segment through the service (a coding and a coding event)."""
    from survey_app.models import User
    from survey_app.services import coding

    sid = db.session.scalar(
        select(Segment.id)
        .where(Segment.stage == "reporting", ~exists().where(Coding.segment_id == Segment.id))
        .order_by(Segment.id)
        .limit(1)
    )
    user = db.session.scalar(select(User).where(User.email == "researcher@example.org"))
    coding.code_by_person(sid, "fear_of_reprisal", user)


def respond() -> None:
    """One respondent submits online through the services (a response, answers, segments)."""
    from survey_app.questionnaire import Answer
    from survey_app.services import drafts, responses

    found = questionnaires.find_questionnaire(SLUG)
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    draft = drafts.start_draft(found.version, now, hours=1)
    answers = {
        "crime_type": Answer.answered_with(("domestic_abuse",)),
        "area": Answer.answered_with("wirral"),
        "reported": Answer.answered_with("yes"),
        "reporting_experience": Answer.answered_with("They rang me back the same day."),
    }
    responses.submit_draft(draft, found.definition, answers, now)


def _user(email: str, role: str):
    """An account of ``role`` (made the first time)."""
    from survey_app.models import User

    found = db.session.scalar(select(User).where(User.email == email))
    if found is None:
        found = db.session.get(User, create_user(email, role, PASSWORD).id)
    return found


def key_paper() -> None:
    """A paper copy printed and keyed once (single entry), which makes it final: through the
    services, audited, as staff do it."""
    from survey_app.questionnaire import Answer
    from survey_app.services import paper

    found = questionnaires.find_questionnaire(SLUG)
    keyer = _user("keyer@example.org", "entry")
    found.row.double_entry = False
    today = datetime.date.today()
    copy = paper.print_batch(found.row, 1, keyer, today).copies[0]
    answers = {
        "crime_type": Answer.answered_with(("hate_crime",)),
        "area": Answer.answered_with("sefton"),
        "reported": Answer.answered_with("yes"),
        "reporting_experience": Answer.answered_with("I filled in the form at the library."),
    }
    paper.save_entry(copy, keyer, found.definition, answers, None, today)


def correct_paper() -> None:
    """The paper copy corrected by an admin: another area (group and cell) and another text
    (its segment's text, sentiment and codings)."""
    from survey_app.models import PaperCopy
    from survey_app.questionnaire import Answer
    from survey_app.services import corrections

    copy = db.session.scalar(select(PaperCopy).where(PaperCopy.response_id.is_not(None)))
    answers = corrections.final_answers(copy)
    answers["area"] = Answer.answered_with("liverpool")
    answers["reporting_experience"] = Answer.answered_with("They were wonderful and kind.")
    found = questionnaires.find_questionnaire(SLUG)
    admin = _user("admin@example.org", "admin")
    corrections.correct(copy, admin, found.definition, answers, "keyed wrongly", copy.lock_version)


TRANSCRIPT = "\n".join(
    [
        "Jane (Facilitator): Thinking about what happened, did you report it to the police?",
        "Sam: I rang 101 twice and nobody believed me at first.",
        "Alex: They never told me what was happening with my case.",
        "Facilitator: How have you coped since it happened?",
        "Sam: Counselling helped me cope.",
    ]
)


def import_transcript() -> None:
    """A focus-group transcript stored as the command line stores it (a session and its
    turns, audited)."""
    from survey_app.services import topic_guides, transcripts

    path = Path(os.environ["SURVEY_INSTANCE_PATH"]) / "transcript.txt"
    path.write_text(TRANSCRIPT)
    guide = topic_guides.guide_of(topic_guides.current_version("victims-focus-group"))
    transcripts.store_new_session(
        kind="focus_group",
        held_on=datetime.date(2015, 3, 4),
        area="liverpool",
        crime_types=["domestic_abuse"],
        guide_name="victims-focus-group",
        preview=transcripts.read_for_import(path, guide).preview,
    )


def change_session() -> None:
    """That session's area changed by a researcher (its turns follow, audited)."""
    from dataclasses import replace

    from survey_app.models import FocusSession
    from survey_app.services import focus_groups

    session = db.session.scalar(select(FocusSession))
    researcher = _user("researcher@example.org", "researcher")
    entered = replace(
        focus_groups.SessionInput.of(session),
        area="wirral",
        facilitators=[str(researcher.id)],
        consent_obtained="yes",
        consent_method="written",
    )
    focus_groups.update_session(session.id, entered, researcher, datetime.date.today())


def timed(fn):
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - start, time.process_time() - cpu


def run(kind: str, url: str, n: int) -> None:
    app = create_app({"SECRET_KEY": secrets.token_hex(32), "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        definitions.sync_definitions(Path(app.config["QUESTIONNAIRES_DIR"]), datetime.date.today())
        create_user("researcher@example.org", "researcher", PASSWORD)
    what, wall, _ = timed(lambda: fill(app, n))
    print(f"{kind}: inserted {what} in {wall:.0f} s")
    client = app.test_client()
    page = client.get("/staff/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    signed = client.post(
        "/staff/login",
        data={"csrf_token": token, "email": "researcher@example.org", "password": PASSWORD},
    )
    assert signed.status_code == 302, signed.status_code
    page_url = f"/research/{SLUG}/summary"
    steps = [
        ("cold: first page (a fresh process, nothing kept)", page_url),
        ("page again (same filters)", page_url),
        ("page, new filter (crime type)", f"{page_url}?crime_type=domestic_abuse"),
        ("page, new filter (area)", f"{page_url}?area=wirral"),
        ("JSON, new filter (channel)", f"{page_url}.json?channel=online"),
        ("JSON, new filter (source)", f"{page_url}.json?source=focus_group"),
        ("JSON, no filter (summary kept)", f"{page_url}.json"),
        ("segments behind a count", None),
        ("JSON, new filter (date from)", f"{page_url}.json?date_from=2014-09-01"),
        ("page after a person coded a segment (codings read again)", (code_one, page_url)),
        ("page after a new online response (added to the kept records)", (respond, page_url)),
        ("page after a paper copy keyed and made final (added)", (key_paper, page_url)),
        ("page after that copy was corrected (its response read again)", (correct_paper, page_url)),
        ("page after a transcript was stored (its session read)", (import_transcript, page_url)),
        ("page after that session's area changed (read again)", (change_session, page_url)),
        ("JSON, no filter, after the changes", f"{page_url}.json"),
    ]
    first_page = ""
    for label, url_ in steps:
        if isinstance(url_, tuple):
            change, url_ = url_
            with app.app_context():
                _, wall, cpu = timed(change)
            print(f"  (the change itself: {wall:.2f} s wall, {cpu:.2f} s CPU)")
        if url_ is None:
            match = re.search(r'href="([^"]*summary/segments[^"]*)"', first_page)
            url_ = match.group(1).replace("&amp;", "&")
            print("  ", url_)
        response, wall, cpu = timed(lambda u=url_: client.get(u))
        assert response.status_code == 200, (url_, response.status_code)
        if label.startswith("cold"):
            first_page = response.text
        print(f"  {label}: {wall:.2f} s wall, {cpu:.2f} s CPU ({len(response.data) // 1024} KB)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of the process: {rss:.0f} MB")
    with app.app_context():
        db.engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    if args.database in ("sqlite", "both"):
        folder = tempfile.mkdtemp(prefix="bench-summary-db-")
        run("SQLite", f"sqlite:///{folder}/bench.db", args.respondents)
    if args.database in ("postgresql", "both"):
        name = f"bench_summary_{secrets.token_hex(4)}"
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            run("PostgreSQL", f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}", args.respondents)
        finally:
            with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
