"""Redaction recall on the project's own transcript cases (printed with -s; see also
bench/bench_transcripts.py). A speaker's own name must never survive: its recall is 1."""

from pathlib import Path

import yaml

from analysis.transcript_recall import transcript_recall

CASES = Path(__file__).parent / "data" / "transcript_redaction_cases.yaml"


def test_recall_on_the_transcript_cases_is_reported_and_speakers_names_never_survive():
    report = transcript_recall(yaml.safe_load(CASES.read_text())["cases"])
    for kind, row in report.items():
        found = row["expected"] - row["missed"]
        print(f"{kind}: recall {row['recall']:.2f} ({found}/{row['expected']})")
    assert report["speaker"]["recall"] == 1.0
    assert report["speaker"]["expected"] >= 10
    assert report["overall"]["recall"] >= 0.9


def test_recall_counts_a_detail_left_in_the_text_as_missed():
    cases = [
        {
            "transcript": "Facilitator: Hello.\nSam: Shaz told me.\n",
            "identifying": [{"type": "name", "text": "Shaz"}, {"type": "speaker", "text": "Sam"}],
        }
    ]
    report = transcript_recall(cases)
    assert report["name"] == {"expected": 1, "missed": 1, "recall": 0.0}
    assert report["speaker"]["recall"] == 1.0
