"""CPU time per request of the respondent pages inside one process, next to the minimal page.

bench_pages.py measures requests per second under gunicorn, which on a shared 2-core machine
moves with everyone else's load. This measures what the app itself spends: each page is
requested through Flask's test client (no sockets, no gunicorn) in alternating rounds, and the
process's CPU time per request is printed, with the median, the spread of rounds and the
minimal page's cost as a share of each page's (the rate ratio a CPU-bound server would reach
if gunicorn cost nothing).

    python bench/bench_page_cpu.py [--rounds 7] [--requests 300]
"""

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
SLUG = "victims-experience"


def make_targets(folder: Path) -> dict:
    """name -> a function making one request (each checked once for its expected status)."""
    os.environ["SURVEY_INSTANCE_PATH"] = str(folder)
    from flask_migrate import upgrade

    from bench.hello_app import app as hello_app
    from survey_app import create_app
    from survey_app.services.definitions import sync_definitions

    app = create_app(
        {
            "SECRET_KEY": "bench-" + "x" * 40,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'survey.db'}",
        }
    )
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        sync_definitions(Path(app.config["QUESTIONNAIRES_DIR"]), date.today())
    hello = hello_app.test_client()
    reader = app.test_client()  # follows Start now, then reads its first question page
    question = reader.get(f"/s/{SLUG}/start").headers["Location"]
    answerer = app.test_client()
    answer_path = answerer.get(f"/s/{SLUG}/start").headers["Location"]
    page = answerer.get(answer_path).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "crime_type": "domestic_abuse", "action": "continue"}
    targets = {
        "minimal Flask page": (lambda: hello.get("/"), 200),
        "start page": (lambda: app.test_client().get(f"/s/{SLUG}/"), 200),
        "question page (with a draft)": (lambda: reader.get(question), 200),
        "answer POST": (lambda: answerer.post(answer_path, data=form), 302),
    }
    for name, (request, status) in targets.items():
        got = request().status_code
        assert got == status, (name, got)
    return {name: request for name, (request, _) in targets.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=300, help="requests per page per round")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-cpu-") as folder:
        targets = make_targets(Path(folder))
        costs: dict[str, list[float]] = {name: [] for name in targets}
        for round_number in range(args.rounds + 1):
            for name, request in targets.items():
                started = time.process_time()
                for _ in range(args.requests):
                    request()
                if round_number:  # the first round warms up (templates, caches)
                    costs[name].append((time.process_time() - started) / args.requests * 1000)
    print(f"CPU ms per request in one process, {args.rounds} rounds of {args.requests}:")
    hello = costs["minimal Flask page"]
    for name, values in costs.items():
        ratios = sorted(h / v for h, v in zip(hello, values, strict=True))
        print(
            f"{name:<30} median {statistics.median(values):6.3f} ms "
            f"(rounds {min(values):.3f}-{max(values):.3f}); minimal page's cost / this: "
            f"{statistics.median(ratios):.0%} ({ratios[0]:.0%}-{ratios[-1]:.0%})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
