"""Sustained load and faults, full length: respondents completing the questionnaire at a steady
rate against gunicorn (4 workers) on SQLite and on PostgreSQL, with a worker killed (SIGKILL)
every few seconds, and with PostgreSQL stopped for 30 s; optionally the rate at which each
database saturates.

Each run has a database of its own (a SQLite file in a temporary folder; a database in a private
PostgreSQL cluster started here with initdb/pg_ctl, never the shared server) and ends with the
checks of the short tests (tests/survey_app/test_load.py, test_faults.py): every acknowledged
submission stored exactly once, as sent, whole; no 5xx; a 503 only during a fault, calm and
keeping what was typed. It prints figures and exits non-zero if a check fails.

    python bench/bench_load.py [--seconds 60] [--rate 1.5] [--database sqlite,postgresql]
                               [--kill-every 5] [--outage 30] [--saturation] [--step-seconds 30]

`--saturation` runs only the search for the rate each database keeps up with: arrivals at 0.5, 1,
1.5, 2, 3, 4, 6... a second, 30 s each (`--step-seconds`), until the requests answered a second
while respondents arrive fall below 80% of those they ask for (the server's capacity is reached
and a queue builds), the p95 latency passes 2 s, or a check fails. On a shared machine the
figures say more about the other work than about the app: re-measure on an idle one.
"""

import argparse
import contextlib
import secrets
import sys
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from survey_app.extensions import db  # noqa: E402
from tests.survey_app import private_postgres  # noqa: E402
from tests.survey_app.gunicorn_server import run_gunicorn  # noqa: E402
from tests.survey_app.load import (  # noqa: E402
    Tally,
    killing_workers,
    load_environment,
    offered_rate,
    percentile,
    prepare_database,
    run_respondents,
    run_with_fault,
    served_rate,
    stored_problems,
    summary,
)

SATURATION_RATES = (0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16)


class Databases:
    """New databases of each kind: SQLite files here, PostgreSQL ones in a private cluster."""

    def __init__(self, folder: Path, cluster):
        self.folder = folder
        self.cluster = cluster

    def new(self, kind: str) -> str:
        name = f"load_{secrets.token_hex(4)}"
        if kind == "sqlite":
            return f"sqlite:///{self.folder / (name + '.db')}"
        return self.cluster.create_database(name)


def checked(name: str, app, tally: Tally, extra: list[str] = ()) -> bool:
    """Print the run's figures and what is wrong with it; True when nothing is."""
    print(summary(name, tally), flush=True)
    problems = list(extra) + stored_problems(app, tally)
    problems += [f"gave up or went astray: {failure}" for failure in tally.failures[:5]]
    problems += [f"server error: {page[:3]}" for page in tally.bad_pages[:5]]
    for problem in problems:
        print(f"  PROBLEM {problem}", flush=True)
    with app.app_context():
        db.engine.dispose()
    return not problems


def sustained(
    databases, kind, rate, seconds, folder, kill_every: float = 0, clients: int = 64
) -> tuple[bool, Tally]:
    url = databases.new(kind)
    app, definition = prepare_database(url)
    tally = Tally()
    log_path = folder / f"{kind}-{secrets.token_hex(3)}.log"
    with run_gunicorn(load_environment(url), log_path) as server:
        if kill_every:
            with killing_workers(server.process.pid, kill_every) as killed:
                run_respondents(server.url, definition, rate, seconds, tally, clients=clients)
        else:
            run_respondents(server.url, definition, rate, seconds, tally, clients=clients)
    log = log_path.read_text(errors="replace")
    extra = ["traceback in the server's log"] if "Traceback" in log else []
    if not kill_every and (tally.unavailable or tally.dropped):
        extra.append("503s or dropped connections without a fault")
    label = f"{kind} {rate}/s for {seconds:.0f} s"
    if kill_every:
        label += f", {len(killed)} workers killed"
    return checked(label, app, tally, extra), tally


def outage(databases, rate, seconds, length, folder) -> bool:
    cluster = databases.cluster
    url = databases.new("postgresql")
    app, definition = prepare_database(url)
    log_path = folder / "outage.log"
    tally, (during, after, texts) = run_with_fault(
        url,
        definition,
        log_path,
        cluster.stop,
        cluster.start,
        rate=rate,
        seconds=seconds,
        fault_after=min(15.0, seconds / 4),
        fault_for=length,
    )
    extra = []
    if during.status != 503 or not all(f">{t}</textarea>" in during.text for t in texts.values()):
        extra.append(f"answer posted during the outage: {during.status}, typed text not kept")
    if after.status != 302:
        extra.append(f"the same answer after the outage: {after.status}")
    if tally.lost_typed:
        extra.append(f"503s that lost what was typed: {len(tally.lost_typed)}")
    if "Traceback" in log_path.read_text(errors="replace"):
        extra.append("traceback in the server's log")
    return checked(f"postgresql {rate}/s, stopped for {length:.0f} s", app, tally, extra)


def saturation(databases, kind, step_seconds, folder) -> None:
    best = None
    for rate in SATURATION_RATES:
        ok, tally = sustained(databases, kind, rate, step_seconds, folder, clients=256)
        served, offered = served_rate(tally), offered_rate(tally, rate)
        keeps_up = ok and served >= 0.8 * offered and percentile(tally.latencies, 95) < 2000
        if not keeps_up:
            break
        best = rate
    print(
        f"{kind}: kept up with {best} respondents/s; at {rate}/s {served:.1f} of the "
        f"{offered:.1f} requests/s asked for were answered, p95 latency "
        f"{percentile(tally.latencies, 95):.0f} ms",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=1.5, help="respondents starting a second")
    parser.add_argument("--database", default="sqlite,postgresql")
    parser.add_argument("--kill-every", type=float, default=5, help="0: no SIGKILL run")
    parser.add_argument("--outage", type=float, default=30, help="0: no PostgreSQL outage run")
    parser.add_argument("--saturation", action="store_true")
    parser.add_argument("--step-seconds", type=float, default=30)
    args = parser.parse_args()
    kinds = [kind.strip() for kind in args.database.split(",") if kind.strip()]
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-load-") as temporary:
        folder = Path(temporary)
        cluster_context = (
            private_postgres.private_cluster()
            if "postgresql" in kinds
            else contextlib.nullcontext()
        )
        with cluster_context as cluster:
            databases = Databases(folder, cluster)
            if args.saturation:
                for kind in kinds:
                    saturation(databases, kind, args.step_seconds, folder)
            else:
                for kind in kinds:
                    ok &= sustained(databases, kind, args.rate, args.seconds, folder)[0]
                    if args.kill_every:
                        ok &= sustained(
                            databases, kind, args.rate, args.seconds, folder, args.kill_every
                        )[0]
                if args.outage and "postgresql" in kinds:
                    ok &= outage(databases, args.rate, args.seconds, args.outage, folder)
    print("all checks passed" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
