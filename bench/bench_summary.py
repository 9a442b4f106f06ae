"""Benchmark: the thematic summary of 100,000 responses, from plain records (issue 10).

Goal: well under 2 s for the pure part (``analysis.summary.build_summary`` and the JSON), so that
the page and ``flask research summary`` stay under 2 s (``bench/bench_summary_db.py`` times them
through the app). Times the first summary of a ``SummaryRecords`` (the per-record work, then the
counting) and then the same records under other filters (the counting only), as the app does. Builds
100,000 respondents answering the shipped questionnaire's closed questions, three free-text
segments each (one per stage) and about 1.5 codings per segment (people's, accepted, rejected
and unreviewed machine suggestions), with sentiment scores precomputed (as the app would store
them), then times the summary, the JSON, and the CSV and XLSX files. CPU seconds are printed
beside wall seconds because the machine is shared.
Run: ``python bench/bench_summary.py [--respondents N]``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml

from analysis.codebook import load_codebook
from analysis.records import ClosedAnswer, Coding, Respondent, Segment
from analysis.report_files import write_summary_csv, write_summary_xlsx
from analysis.summary import SummaryFilter, SummaryRecords, build_summary, closed_questions

ROOT = Path(__file__).resolve().parents[1]
AREAS = ("knowsley", "liverpool", "sefton", "st_helens", "wirral")
CRIMES = (
    "domestic_abuse",
    "sexual_offence",
    "hate_crime",
    "anti_social_behaviour",
    "violence_with_injury",
    "other",
)
SENTENCES = {
    "reporting": [
        "I rang 101 and waited ages before anyone answered the phone.",
        "The officer who came out believed me and took it seriously.",
        "I was scared he would find out I had gone to the police.",
        "I did not know where to report it so I left it for months.",
    ],
    "engagement": [
        "Nobody kept me informed about what was happening with my case.",
        "Victim Care rang me within a week and explained everything.",
        "I had to repeat my story to a new person every single time.",
        "My IDVA came to court with me and that made all the difference.",
    ],
    "recovery": [
        "Counselling helped me start sleeping again after a long time.",
        "They fitted new locks and an alarm so I felt safer at home.",
        "The support stopped after six weeks and I was left on my own.",
        "Talking to others who had been through it helped me most.",
    ],
}


def make_answers(rng: random.Random, questions) -> dict:
    answers = {}
    for q in questions:
        roll = rng.random()
        if roll < 0.03:
            answers[q.name] = ClosedAnswer("prefer_not_to_say")
        elif roll < 0.06:
            answers[q.name] = ClosedAnswer("skipped")
        elif roll < 0.1:
            continue  # not asked
        elif q.multiple:
            k = 1 + (rng.random() < 0.3)
            answers[q.name] = ClosedAnswer(
                "answered", tuple(v for v, _ in rng.sample(q.options, min(k, len(q.options))))
            )
        else:
            answers[q.name] = ClosedAnswer("answered", rng.choice(q.options)[0])
    return answers


def make_records(n: int, questions, codebook, seed: int = 0):
    rng = random.Random(seed)
    themes_by_stage = {s: [t.id for t in codebook.themes_for_stage(s)] for s in SENTENCES}
    respondents, segments, codings, scores = [], [], [], {}
    start = datetime.date(2014, 8, 1)
    for i in range(n):
        rid = f"r{i:06d}"
        crime = (rng.choice(CRIMES),) if rng.random() < 0.85 else tuple(rng.sample(CRIMES, 2))
        area = rng.choice(AREAS) if rng.random() < 0.95 else None
        channel = "paper" if rng.random() < 0.02 else "online"
        answers = make_answers(rng, questions)
        respondents.append(
            Respondent(
                rid,
                channel,
                "victims-experience",
                "v1",
                start + datetime.timedelta(days=rng.randrange(90)),
                crime,
                area,
                answers,
            )
        )
        for stage, sentences in SENTENCES.items():
            sid = f"{rid}/{stage}"
            text = "n/a" if rng.random() < 0.08 else rng.choice(sentences)
            segments.append(Segment(sid, text, stage, "survey", {"response_id": rid}))
            scores[sid] = rng.uniform(-1, 1)
            for theme in rng.sample(themes_by_stage[stage], 1 + (rng.random() < 0.5)):
                roll = rng.random()
                if roll < 0.3:
                    codings.append(Coding(sid, theme, "person:1", 1.0, status="human"))
                elif roll < 0.5:
                    codings.append(Coding(sid, theme, "rules:x", 0.9, status="accepted"))
                elif roll < 0.6:
                    codings.append(Coding(sid, theme, "rules:x", 0.6, status="rejected"))
                else:
                    conf = round(rng.uniform(0.5, 1.0), 2)
                    codings.append(Coding(sid, theme, "rules:x", conf, status="suggested"))
    return respondents, segments, codings, scores


def timed(fn):
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - start, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=100_000)
    args = parser.parse_args(argv)
    with open(ROOT / "questionnaires/victims-experience-survey.yaml", encoding="utf-8") as fh:
        questions = closed_questions(yaml.safe_load(fh))
    codebook = load_codebook(ROOT / "questionnaires/codebooks/victims-services.yaml")
    (respondents, segments, codings, scores), wall, _ = timed(
        lambda: make_records(args.respondents, questions, codebook)
    )
    print(
        f"records: {len(respondents):,} respondents, {len(questions)} closed questions, "
        f"{len(segments):,} segments, {len(codings):,} codings (made in {wall:.1f} s)"
    )

    records = SummaryRecords(respondents, segments, codings)

    def run(filters=None):
        return build_summary(
            records,
            codebook=codebook,
            questions=questions,
            sentiment_scores=scores,
            questionnaire="victims-experience",
            filters=filters,
        )

    build_summary((), (), (), codebook, questions=questions)  # warm: imports, the redactor
    summary, wall, cpu = timed(run)
    print(f"first summary (per-record work, then counting): {wall:.2f} s wall, {cpu:.2f} s CPU")
    for label, filters in (
        ("again, no filter", None),
        ("again, crime type", SummaryFilter(crime_type="domestic_abuse")),
        ("again, area", SummaryFilter(area="wirral")),
        ("again, channel", SummaryFilter(channel="online")),
        ("again, dates", SummaryFilter(date_from=datetime.date(2014, 9, 1))),
    ):
        _, wall, cpu = timed(lambda f=filters: run(f))
        print(f"{label} (records kept): {wall:.2f} s wall, {cpu:.2f} s CPU")
    text, wall_json, _cpu = timed(lambda: json.dumps(summary.to_json()))
    print(f"to_json + dumps: {wall_json:.3f} s wall ({len(text) / 1024:.0f} KB)")
    with tempfile.TemporaryDirectory() as tmp:
        _, wall_csv, _ = timed(lambda: write_summary_csv(summary, Path(tmp) / "s.zip"))
        _, wall_xlsx, _ = timed(lambda: write_summary_xlsx(summary, Path(tmp) / "s.xlsx"))
    print(f"CSV zip: {wall_csv:.2f} s, XLSX: {wall_xlsx:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
