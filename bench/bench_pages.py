"""Requests per second and latency of respondent pages under gunicorn, next to a minimal Flask page.

Runs the app and bench/hello_app.py with the shipped gunicorn.conf.py (4 workers each), the app on
SQLite in a temporary instance, and loads one page at a time from an asyncio client in this
process. Rounds alternate between the pages so that other load on the machine hits them alike;
the median round of each is printed. "cpu ms/req" is the CPU time gunicorn's processes spent per
request, a figure much less sensitive to other programs on the machine than the rate.

    python bench/bench_pages.py [--seconds 5] [--rounds 3] [--concurrency 16]
"""

import argparse
import http.client
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode, urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from bench.loadgen import HEADER, median_result, run_load, summary_line  # noqa: E402
from tests.survey_app.gunicorn_server import run_gunicorn, server_environment  # noqa: E402

SLUG = "victims-experience"
#: Each page's goal, as a share of the minimal page's requests per second (issue 14).
GOALS = {"start page": 0.8, "question page (first visit)": 0.5, "answer POST": 0.5}
WORKERS = 4
BOOTED = re.compile(r"Booting worker with pid: (\d+)")


def prepare_database(env: dict[str, str]) -> None:
    """Apply the migrations and sync the shipped questionnaires, as `make run` does."""
    for command in (["db", "upgrade"], ["questionnaires", "sync"]):
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "survey_app", *command],
            cwd=PROJECT_ROOT,
            env=env,
            check=True,
            capture_output=True,
        )


def server_pids(server) -> tuple[int, ...]:
    """The master and its workers (read from gunicorn's log)."""
    return (server.process.pid, *(int(pid) for pid in BOOTED.findall(server.log())))


def session_with_draft(url: str) -> tuple[str, str]:
    """Follow the Start now link once; returns (Cookie header, first question page path)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("GET", f"/s/{SLUG}/start")
    begun = connection.getresponse()
    begun.read()
    connection.close()
    assert begun.status == 302, begun.status
    return begun.headers["Set-Cookie"].split(";")[0], begun.headers["Location"]


def answer_body(url: str, cookie: str, path: str) -> tuple[str, bytes]:
    """(Cookie header, form) of a respondent answering the first question page (one box
    ticked, Continue) with that page's CSRF token; answered once here to check it is accepted."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("GET", path, headers={"Cookie": cookie})
    shown = connection.getresponse()
    page = shown.read().decode()
    connection.close()
    if shown.headers["Set-Cookie"]:  # the session now holds the CSRF token too
        cookie = shown.headers["Set-Cookie"].split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    body = urlencode({"csrf_token": token, "crime_type": "domestic_abuse", "action": "continue"})
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request(
        "POST",
        path,
        body=body,
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    answered = connection.getresponse()
    answered.read()
    connection.close()
    assert answered.status == 302, answered.status
    return cookie, body.encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-pages-") as folder:
        folder = Path(folder)
        env = server_environment(f"sqlite:///{folder / 'survey.db'}")
        prepare_database(env)
        with (
            run_gunicorn(env, folder / "app.log", workers=WORKERS) as app_server,
            run_gunicorn(
                env,
                folder / "hello.log",
                workers=WORKERS,
                app="bench.hello_app:app",
                ready_path="/",
            ) as hello_server,
        ):
            cookie, question_path = session_with_draft(app_server.url)
            # A second respondent answers (the first's page stays a first visit, unanswered).
            answer_cookie, answer_path = session_with_draft(app_server.url)
            answer_cookie, body = answer_body(app_server.url, answer_cookie, answer_path)
            targets = {
                "minimal Flask page": (hello_server, "/", {}, b""),
                "start page": (app_server, f"/s/{SLUG}/", {}, b""),
                "question page (first visit)": (
                    app_server,
                    question_path,
                    {"Cookie": cookie},
                    b"",
                ),
                "answer POST": (app_server, answer_path, {"Cookie": answer_cookie}, body),
            }
            results: dict[str, list] = {name: [] for name in targets}
            for round_number in range(args.rounds + 1):
                for name, (server, path, headers, body) in targets.items():
                    parts = urlsplit(server.url)
                    result = run_load(
                        parts.hostname,
                        parts.port,
                        path,
                        # The first round only warms the workers up (imports, template compiling).
                        args.seconds if round_number else 1.0,
                        args.concurrency,
                        headers,
                        server_pids(server),
                        body=body,
                        ok=(302,) if body else (200,),
                    )
                    if round_number:
                        results[name].append(result)

    print(
        f"Pages under gunicorn ({WORKERS} sync workers each, SQLite), {args.concurrency} requests "
        f"in flight, median of {args.rounds} rounds of {args.seconds:g} s:"
    )
    print(HEADER)
    medians = {name: median_result(runs) for name, runs in results.items()}
    for name, result in medians.items():
        print(summary_line(name, result))
    hello_runs = results["minimal Flask page"]
    ratios = {}
    for name in GOALS:
        # Each round's page against the minimal page measured just before it, then the median:
        # other programs' load changes from minute to minute on a shared machine.
        per_round = sorted(
            run.rate / hello.rate for run, hello in zip(results[name], hello_runs, strict=True)
        )
        ratios[name] = per_round[len(per_round) // 2]
        cpu = medians[name].cpu_ms_per_request / medians["minimal Flask page"].cpu_ms_per_request
        print(
            f"{name}: {ratios[name]:.0%} of the minimal page's rate (median of rounds: "
            f"{', '.join(f'{r:.0%}' for r in per_round)}), {cpu:.1f}x its server CPU per request; "
            f"goal {GOALS[name]:.0%}: {'met' if ratios[name] >= GOALS[name] else 'NOT met'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
