"""Benchmark: redaction time for 1 MB of prose and for hostile 40 KB answers (issue 13).

Before the fix the email and URL patterns took quadratic time (a 40 KB answer: 37 s) and the
overlap check was quadratic in the number of spans (1 MB of prose: 36 s). Prints seconds for
each input (best of ``--repeat``), and the ratio for four times the input, which is about 4 when
the work grows linearly. Run: ``python bench/bench_redaction.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.redaction import MAX_CHARS, Redactor  # noqa: E402

CASES = ROOT / "tests" / "analysis" / "data" / "redaction_cases.yaml"

HOSTILE = {
    "email: 'a' * n": lambda n: "a" * n,
    "email/url: 'a.' * n/2": lambda n: "a." * (n // 2),
    "url: 'http://' + 'a.' * n/2": lambda n: "http://" + "a." * (n // 2),
    "email: 'x@' + 'a.' * n/2": lambda n: "x@" + "a." * (n // 2),
    "date of birth: 'born' + spaces": lambda n: "born" + " " * n + "x",
    "names: 'Dave ' * n/5": lambda n: "Dave " * (n // 5),
    "short spans: phone numbers": lambda n: "ring 07700 900123 or 07700 900456. " * (n // 35),
}


def seconds(redactor: Redactor, text: str, repeat: int) -> float:
    """Best wall-clock seconds of ``repeat`` redactions of ``text``."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        redactor.redact(text)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timings per input (best kept)")
    args = parser.parse_args()
    redactor = Redactor()
    cases = yaml.safe_load(CASES.read_text(encoding="utf-8"))["cases"]
    unit = " ".join(case["text"] for case in cases) + " "
    prose = (unit * (MAX_CHARS // len(unit) + 1))[:MAX_CHARS]
    spans = len(redactor.find(prose))
    print(
        f"1 MB of prose ({len(prose):,} characters, {spans:,} spans): "
        f"{seconds(redactor, prose, args.repeat):.2f} s"
    )
    print(f"\n{'hostile input':36s} {'40 KB':>8s} {'160 KB':>8s}  ratio (4 = linear)")
    for name, make in HOSTILE.items():
        small = seconds(redactor, make(40_000), args.repeat)
        large = seconds(redactor, make(160_000), args.repeat)
        print(f"{name:36s} {small:7.3f}s {large:7.3f}s  {large / max(small, 1e-6):5.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
