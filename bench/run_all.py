"""Run every benchmark in bench/ (each bench_*.py file) one after another; `make bench` calls this.

python bench/run_all.py [NAME_PART ...]   # only the benchmarks whose file name contains one
"""

import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def benchmarks(filters: list[str]) -> list[Path]:
    """The bench_*.py files, by name, keeping those matching any filter (all without filters)."""
    found = sorted(BENCH_DIR.glob("bench_*.py"))
    return [path for path in found if not filters or any(f in path.name for f in filters)]


def main(argv: list[str]) -> int:
    selected = benchmarks(argv)
    if not selected:
        print("no benchmarks match", file=sys.stderr)
        return 1
    failed = []
    for path in selected:
        print(f"== {path.name}", flush=True)
        started = time.monotonic()
        # One process each: benchmarks start servers and must not share imports or state.
        result = subprocess.run([sys.executable, str(path)], cwd=BENCH_DIR.parent, check=False)
        print(f"== {path.name}: exit {result.returncode} in {time.monotonic() - started:.0f} s\n")
        if result.returncode != 0:
            failed.append(path.name)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
