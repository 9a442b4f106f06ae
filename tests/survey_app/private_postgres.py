"""A private PostgreSQL cluster for tests that stop the database: its own data directory and
port, made with initdb and run with pg_ctl, removed afterwards. The shared server on 5432 is
never touched."""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

BIN = Path(os.environ.get("POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))


@dataclass
class PrivateCluster:
    """A running cluster: start and stop it at will; `url` is its one database."""

    folder: Path
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return self.url_of("survey")

    def url_of(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database in this cluster; its URL."""
        with psycopg.connect(self.url_of("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url_of(name)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        log = self.folder / "postgres.log"
        _run(["pg_ctl", "-D", str(self.data), "-o", options, "-l", str(log), "-w", "start"])

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server; "immediate" is a crash (no shutdown checkpoint, recovery at start)."""
        _run(["pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop"])

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


def available() -> bool:
    """True when PostgreSQL's server programs are installed here."""
    return (BIN / "initdb").exists() and (BIN / "pg_ctl").exists()


@contextlib.contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    """A new cluster with an empty database "survey" (trust authentication on 127.0.0.1)."""
    # Not pytest's tmp_path: as root that folder is closed to the postgres account.
    folder = Path(tempfile.mkdtemp(prefix="survey-private-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    cluster = PrivateCluster(folder, _free_port())
    try:
        _run(["initdb", "-D", str(cluster.data), "-A", "trust", "-U", "postgres", "--no-sync"])
        cluster.start()
        cluster.create_database("survey")
        yield cluster
    finally:
        if cluster.running():
            with contextlib.suppress(subprocess.CalledProcessError):
                cluster.stop("fast")
        shutil.rmtree(folder, ignore_errors=True)


def _run(command: list[str]) -> None:
    """Run one of PostgreSQL's programs, as the postgres account when we are root (initdb and
    the server refuse to run as root)."""
    command = [str(BIN / command[0]), *command[1:]]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
