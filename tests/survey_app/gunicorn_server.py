"""Run the app under real gunicorn (the shipped gunicorn.conf.py) in a subprocess for tests."""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"Listening at: http://([\d.]+):(\d+)")


@dataclass
class Server:
    """A running gunicorn: its base URL and the file its access and error logs go to."""

    process: subprocess.Popen
    url: str
    log_path: Path

    def log(self) -> str:
        """Everything gunicorn and the app wrote so far (access log and error log together)."""
        return self.log_path.read_text(errors="replace")


def server_environment(database_url: str, **extra: str) -> dict[str, str]:
    """Production-like environment: configuration only through variables, plain-HTTP cookies."""
    env = {key: value for key, value in os.environ.items() if key != "SURVEY_ENV"}
    env.update(
        {
            "SECRET_KEY": "gunicorn-test-secret-of-at-least-32-bytes",
            "DATABASE_URL": database_url,
            # The test talks plain HTTP to 127.0.0.1: a Secure cookie would never come back.
            "FLASK_SESSION_COOKIE_SECURE": "false",
            # Several workers without Redis: each counts rate limits alone (gunicorn.conf.py
            # refuses this in production unless accepted).
            "SURVEY_PER_WORKER_LIMITS": "accept",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


@contextlib.contextmanager
def run_gunicorn(
    env: dict[str, str],
    log_path: Path,
    workers: int = 4,
    app: str = "survey_app:create_app()",
    ready_path: str = "/healthz",
    timeout: float = 90.0,
    extra_args: tuple[str, ...] = (),
) -> Iterator[Server]:
    """Start gunicorn on a free port with the project's config; stop it (SIGTERM) on exit."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(PROJECT_ROOT / "gunicorn.conf.py"),
        "--bind",
        "127.0.0.1:0",
        "--workers",
        str(workers),
        *extra_args,
        app,
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    try:
        server = Server(process, _wait_for_port(process, log_path, timeout), log_path)
        _wait_until_ready(server, ready_path, timeout)
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """Ask gunicorn to stop gracefully, then insist."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_port(process: subprocess.Popen, log_path: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = LISTENING.search(log_path.read_text(errors="replace"))
        if match:
            return f"http://{match.group(1)}:{match.group(2)}"
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"gunicorn did not start:\n{log_path.read_text(errors='replace')}")


def _wait_until_ready(server: Server, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(server.url + path, timeout=10) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn never became ready:\n{server.log()}")
