"""A small HTTP load generator (asyncio, one thread) and the CPU use of a server's processes.

Each request opens a connection, sends one GET and reads to the end, as gunicorn's sync workers
close the connection after every response. One thread with asyncio keeps the generator's own CPU
use low, which matters when it shares two cores with the server it measures.
"""

import asyncio
import os
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class LoadResult:
    """Throughput and latency of one run against one URL."""

    requests: int
    errors: int  # responses other than the expected status, and failed connections
    seconds: float
    latencies: tuple[float, ...]  # seconds, successful requests only
    server_cpu_seconds: float | None = None
    client_cpu_seconds: float | None = None

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        """Latency percentile in milliseconds (nearest rank)."""
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        rank = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[rank] * 1000

    @property
    def cpu_ms_per_request(self) -> float | None:
        """Server CPU time per request (all of gunicorn's processes), in milliseconds."""
        if self.server_cpu_seconds is None or not self.requests:
            return None
        return self.server_cpu_seconds / self.requests * 1000

    @property
    def client_cpu_ms_per_request(self) -> float | None:
        """The load generator's own CPU time per request, in milliseconds."""
        if self.client_cpu_seconds is None or not self.requests:
            return None
        return self.client_cpu_seconds / self.requests * 1000


def build_request(
    host: str, port: int, path: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    """The bytes of a GET (or, with a body, a form POST) that asks the server to close the
    connection afterwards."""
    method = "POST" if body else "GET"
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    if body:
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _one(host: str, port: int, request: bytes) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        data = await reader.read()
    finally:
        writer.close()
    return int(data[9:12]) if data.startswith(b"HTTP/1.") else 0


async def _run(
    host, port, request, concurrency, seconds, ok=(200,)
) -> tuple[int, int, float, list[float]]:
    latencies: list[float] = []
    errors = 0
    started = time.perf_counter()
    deadline = started + seconds

    async def client() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            try:
                status = await _one(host, port, request)
            except OSError:
                status = 0
            if status in ok:
                latencies.append(time.perf_counter() - sent)
            else:
                errors += 1

    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return len(latencies) + errors, errors, elapsed, latencies


def run_load(
    host: str,
    port: int,
    path: str,
    seconds: float,
    concurrency: int,
    headers: dict[str, str] | None = None,
    server_pids: tuple[int, ...] = (),
    body: bytes = b"",
    ok: tuple[int, ...] = (200,),
) -> LoadResult:
    """Keep `concurrency` requests in flight for `seconds`; also the server's CPU time spent.
    With a `body` each request is a form POST; statuses other than `ok` count as errors."""
    request = build_request(host, port, path, headers, body)
    cpu_before, client_before = process_cpu_seconds(server_pids), time.process_time()
    total, errors, elapsed, latencies = asyncio.run(
        _run(host, port, request, concurrency, seconds, ok)
    )
    client = time.process_time() - client_before
    cpu = process_cpu_seconds(server_pids) - cpu_before if server_pids else None
    return LoadResult(total, errors, elapsed, tuple(latencies), cpu, client)


def process_cpu_seconds(pids: tuple[int, ...]) -> float:
    """User plus system CPU time of these processes, from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def median_result(results: list[LoadResult]) -> LoadResult:
    """The run with the median rate (rounds smooth out other load on a shared machine)."""
    ordered = sorted(results, key=lambda r: r.rate)
    return ordered[len(ordered) // 2]


def summary_line(name: str, result: LoadResult) -> str:
    """One row of the figures table."""
    server = result.cpu_ms_per_request
    client = result.client_cpu_ms_per_request
    return (
        f"{name:<28} {result.rate:>8.1f} {result.percentile(50):>8.1f} "
        f"{result.percentile(99):>8.1f} {_or_nan(server):>10.2f} {_or_nan(client):>10.2f} "
        f"{result.errors:>6}"
    )


def _or_nan(value: float | None) -> float:
    return float("nan") if value is None else value


HEADER = (
    f"{'page':<28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'server cpu':>10} "
    f"{'client cpu':>10} {'errors':>6}"
)
