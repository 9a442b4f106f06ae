"""Instructions per request of the respondent pages, counted by callgrind (steady under load).

Rates and even CPU times move with whatever else the machine runs; instruction counts do not.
This runs itself under `valgrind --tool=callgrind`, builds the pages as bench_page_cpu.py does,
requests each 50 times to warm up, then `--requests` times inside `operator.call`, the only
stretch callgrind counts (one dump per page). Slow: 15-30 minutes on a loaded 2-core machine,
most of it the set-up under valgrind. Not run by `make bench`.

    python bench/callgrind_pages.py [--requests 200]
"""

import argparse
import operator
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))


def run_pages(requests: int) -> None:
    """Inside valgrind: warm every page up, then request each one in its own counted stretch."""
    from bench.bench_page_cpu import make_targets

    with tempfile.TemporaryDirectory(prefix="bench-callgrind-") as folder:
        targets = make_targets(Path(folder))
        for request in targets.values():
            for _ in range(50):
                request()

        def loop(request):
            for _ in range(requests):
                request()

        for name, request in targets.items():
            print(f"PAGE {name}", flush=True)
            operator.call(loop, request)  # callgrind counts inside _operator_call only


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inside:
        run_pages(args.requests)
        return 0
    with tempfile.TemporaryDirectory(prefix="callgrind-") as folder:
        inside = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--collect-atstart=no",
                "--toggle-collect=_operator_call",
                "--dump-after=_operator_call",
                f"--callgrind-out-file={folder}/pages.out",
                sys.executable,
                __file__,
                "--inside",
                "--requests",
                str(args.requests),
            ],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        names = re.findall(r"^PAGE (.+)$", inside.stdout, re.M)
        dumps = sorted(Path(folder).glob("pages.out.*"), key=lambda p: int(p.suffix[1:]))
        counts = [int(re.search(r"^summary: (\d+)", d.read_text(), re.M).group(1)) for d in dumps]
    print(f"Instructions per request (callgrind, {args.requests} requests of each page):")
    for name, count in zip(names, counts, strict=True):
        print(f"{name:<30} {count / args.requests:>12,.0f}  {count / counts[0]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
