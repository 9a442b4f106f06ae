"""Benchmark: transcript redaction recall on the project's own cases, and the time to read,
parse and pseudonymise a long (two-hour) focus-group transcript in Word and plain text.

Run: ``python bench/bench_transcripts.py``. Prints recall per detail type (speakers' own names
must be 1.00) and seconds per transcript.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.transcript_recall import transcript_recall  # noqa: E402
from analysis.transcripts import parse_turns, pseudonymise, read_transcript  # noqa: E402
from tests.transcript_files import docx  # noqa: E402

CASES = ROOT / "tests" / "analysis" / "data" / "transcript_redaction_cases.yaml"


def long_transcript(turns: int = 1200) -> list[str]:
    speakers = ["Facilitator", "Sarah Jones", "Tom O'Neill", "Precious", "Kev Doyle", "Ann"]
    lines = []
    for i in range(turns):
        who = speakers[i % len(speakers)]
        lines.append(
            f"{who}: I rang the police on 101 and Sarah said PC Whitfield would call me back "
            f"at 0151 496 0{i % 1000:03d}, but nobody did, and my IDVA Bernadette chased it."
        )
    return lines


def main() -> None:
    report = transcript_recall(yaml.safe_load(CASES.read_text())["cases"])
    print("Transcript redaction recall (tests/analysis/data/transcript_redaction_cases.yaml)")
    for kind, row in report.items():
        found = row["expected"] - row["missed"]
        print(f"  {kind:10} {row['recall']:.2f}  ({found}/{row['expected']})")
    lines = long_transcript()
    for label, data in (
        ("text", "\n".join(lines).encode()),
        ("docx", docx(lines)),
    ):
        start = time.perf_counter()
        _, read = read_transcript(data)
        turns, register = parse_turns(read)
        result = pseudonymise(turns, register=register)
        seconds = time.perf_counter() - start
        print(f"{label}: {len(result.turns)} turns, {len(data) / 1024:.0f} KB in {seconds:.2f} s")


if __name__ == "__main__":
    main()
