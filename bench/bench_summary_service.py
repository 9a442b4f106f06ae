"""Benchmark: CPU seconds of `summary_for` alone (no request, no rendering) on SQLite, fresh and
after a coding and a new online response (issue 10), for a quick before/after at a smaller size.

Fills a throwaway SQLite database as ``bench/bench_summary_db.py`` does, then prints the CPU
seconds of the first summary in this process (nothing kept), a new crime-type filter, the summary
after a person codes one segment, after one online response, after a paper copy made final, after
its correction, after a transcript stored and after its session changed (each change made through
the services). Run: ``python bench/bench_summary_service.py [--respondents N]`` (default 20,000).
"""

from __future__ import annotations

import argparse
import datetime
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_summary_db as b
from flask_migrate import upgrade


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=20_000)
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="bench-summary-service-")
    app = b.create_app(
        {"SECRET_KEY": secrets.token_hex(32), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/b.db"}
    )
    with app.app_context():
        upgrade(directory=str(b.PROJECT_ROOT / "migrations"))
        b.definitions.sync_definitions(
            Path(app.config["QUESTIONNAIRES_DIR"]), datetime.date.today()
        )
        b.create_user("researcher@example.org", "researcher", b.PASSWORD)
    print(b.fill(app, args.respondents))
    s = b.summaries

    def timed(label: str, request) -> None:
        cpu = time.process_time()
        s.summary_for(request)
        print(f"  {label}: {time.process_time() - cpu:.2f} s CPU", flush=True)

    everything = s.Request(slug=b.SLUG)
    with app.test_request_context():
        timed("first summary in this process", everything)
        timed("a new filter (crime type)", s.Request(slug=b.SLUG, crime_type="domestic_abuse"))
        b.code_one()
        timed("after a person coded one segment", everything)
        b.respond()
        timed("after one new online response", everything)
        for label, change in (
            ("after a paper copy keyed and made final", b.key_paper),
            ("after that copy was corrected", b.correct_paper),
            ("after a transcript was stored", b.import_transcript),
            ("after that session's area changed", b.change_session),
        ):
            change()
            timed(label, everything)
    return 0


if __name__ == "__main__":
    sys.exit(main())
