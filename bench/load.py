"""Load on the HTTP transport: 50 concurrent clients x 20 tool calls, three rounds.

Not a test, but it exits 1 when a bound fails. Starts `pgarchitect serve --transport http` on
127.0.0.1 against a fresh database holding the sample schema (dropped afterwards), then, round
after round, runs the same mix of cheap real calls (reflect_database on a few tables,
validate_isolation, explain_query without analyze, read_schema_spec) two ways:

- baseline: the tool functions one after another in this process, each in its own READ ONLY
  transaction from a pool of the same size, with the arguments the server would fill in
  (warmed up by one call of each kind first);
- load: CLIENTS MCP clients over streamable HTTP at once, CALLS calls each (sessions opened
  before the clock starts; the first round starts cold: the server imports its tools and
  fills its pool under the burst of first calls). The clients skip the Python SDK's
  revalidation of each answer against the tool's outputSchema unless --validate is given: it
  is jsonschema in this process, about 9 ms of CPU a call on the cores the server runs on, a
  cost of this client and not of the server (tests/mcp checks the answers against the schemas).

Bounds: zero errors; the server's sessions (pg_stat_activity by application_name, sampled every
20 ms) never above PGARCHITECT_POOL_MAX_SIZE; the server's RSS (/proc/PID/status) after the last
round within --rss-growth-mb of the first; the load throughput at least --min-ratio x the
baseline's (medians over the rounds, which take turns so load on the machine hits both alike).

    .venv/bin/python bench/load.py [--clients 50] [--calls 20] [--rounds 3]

Uses DATABASE_URL (a loopback one), else 127.0.0.1:5432, else the embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.db import Database, start_embedded
from server.demo import SAMPLE_SCHEMA, load_sample, sample_file

EXECUTABLE = Path(sys.executable).parent / "pgarchitect"
POOL_SIZE = 4  # PGARCHITECT_POOL_MAX_SIZE, the default
SPEC = Path("specs/database/schema.md")
# (tool, arguments): cheap real calls, cycled through by every client.
MIX: list[tuple[str, dict[str, Any]]] = [
    ("reflect_database", {"schema": SAMPLE_SCHEMA, "tables": ["tasks", "projects"]}),
    ("validate_isolation", {"schema": SAMPLE_SCHEMA}),
    (
        "explain_query",
        {"sql": "SELECT id, title FROM tasks WHERE org_id = $1", "schema": SAMPLE_SCHEMA},
    ),
    ("read_schema_spec", {}),
    ("reflect_database", {"schema": SAMPLE_SCHEMA, "tables": ["organizations", "users"]}),
]
LOOPBACK = ("127.0.0.1", "localhost", "::1", "")


def database_url() -> str:
    """DATABASE_URL (loopback only), else the local server, else a fresh embedded one."""
    configured = os.environ.get("DATABASE_URL")
    if configured:
        if (urlsplit(configured).hostname or "") not in LOOPBACK:
            sys.exit("bench/load.py runs against a loopback database only")
        return configured
    local = "postgresql://postgres@127.0.0.1:5432/postgres"
    try:
        psycopg.connect(local, connect_timeout=2).close()
        return local
    except psycopg.OperationalError:
        return start_embedded(Path(tempfile.mkdtemp(prefix="pgarchitect-bench-")) / "pgdata")


@contextmanager
def bench_database(url: str) -> Iterator[str]:
    """A fresh database with the sample schema; dropped afterwards."""
    name = f"bench_load_{secrets.token_hex(3)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parts = urlsplit(url)
    bench_url = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))
    try:
        load_sample(bench_url)
        yield bench_url
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def project_root() -> Iterator[Path]:
    """A project folder with the sample spec; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="pgarchitect-load-") as folder:
        root = Path(folder)
        (root / SPEC).parent.mkdir(parents=True)
        (root / SPEC).write_text(sample_file("schema.md"), encoding="utf-8")
        yield root


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def http_server(url: str, root: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """`pgarchitect serve --transport http` on loopback; yields (process, MCP URL)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PGARCHITECT_")}
    env |= {
        "DATABASE_URL": url,
        "PGARCHITECT_PROJECT_ROOT": str(root),
        "PGARCHITECT_LOG_LEVEL": "WARNING",
        "PGARCHITECT_POOL_MAX_SIZE": str(POOL_SIZE),
    }
    command = [str(EXECUTABLE), "serve", "--transport", "http", "--host", "127.0.0.1"]
    process = subprocess.Popen(
        [*command, "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None  # stderr=PIPE
    try:
        line = process.stderr.readline().strip()
        if "listening on" not in line:
            sys.exit(f"the server did not start: {line}")
        yield process, line.rsplit(" ", 1)[-1]
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()


def rss_mb(pid: int) -> float:
    """The resident set size of a process (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


class SessionSampler:
    """The most sessions the server held at once, from pg_stat_activity every 20 ms."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.dbname = urlsplit(url).path.lstrip("/")
        self.most = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with psycopg.connect(self.url, autocommit=True, application_name="bench") as conn:
            while not self._stop.is_set():
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE application_name = 'pgarchitect' AND datname = %s",
                    (self.dbname,),
                ).fetchone()
                assert row is not None  # count(*) always returns its row
                self.most, self.samples = max(self.most, row[0]), self.samples + 1
                time.sleep(0.02)

    def __enter__(self) -> SessionSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def baseline_calls(root: Path) -> list[Callable[[psycopg.Connection], object]]:
    """The MIX as plain tool calls, with what the server fills in (the spec, read each call)."""
    from tools import explain, isolation, spec
    from tools.catalog import reflect

    def read_spec() -> spec.SchemaSpec:
        return spec.read_schema_spec(None, project_root=root, default_path=root / SPEC)

    plain = {
        "reflect_database": lambda conn, args: reflect.reflect_database(conn, **args),
        "validate_isolation": lambda conn, args: isolation.validate_isolation(
            conn, **args, spec=read_spec()
        ),
        "explain_query": lambda conn, args: explain.explain_query(conn, **args),
        "read_schema_spec": lambda _conn, _args: read_spec(),
    }

    def call(tool: str, args: dict[str, Any]) -> Callable[[psycopg.Connection], object]:
        return lambda conn: plain[tool](conn, args)

    return [call(tool, args) for tool, args in MIX]


def run_baseline(database: Database, root: Path, count: int) -> float:
    """Calls per second of `count` calls of the mix, one after another in this process."""
    calls = baseline_calls(root)
    started = time.perf_counter()
    for index in range(count):
        with database.read_only() as conn:
            calls[index % len(calls)](conn)
    return count / (time.perf_counter() - started)


async def skip_validation(_name: str, _result: object) -> None:
    """In place of ClientSession.validate_tool_result (see the module docstring)."""


async def run_clients(
    mcp_url: str, clients: int, calls: int, validate: bool
) -> tuple[float, list[float], int]:
    """Calls per second of `clients` sessions x `calls` calls at once, their latencies (s) and
    the number of errors."""
    from mcp import Client
    from mcp.types import TextContent

    ready, start = asyncio.Barrier(clients + 1), asyncio.Event()
    latencies: list[float] = []
    errors: list[str] = []

    async def client(number: int) -> None:
        async with Client(mcp_url, read_timeout_seconds=120) as session:
            if not validate:
                session.session.validate_tool_result = skip_validation  # type: ignore[assignment]
            await ready.wait()
            await start.wait()
            for index in range(calls):
                tool, args = MIX[(number + index) % len(MIX)]
                began = time.perf_counter()
                try:
                    result = await session.call_tool(tool, args)
                except Exception as err:  # counted: the bound is zero errors
                    errors.append(f"{tool}: {type(err).__name__}: {err}")
                    continue
                latencies.append(time.perf_counter() - began)
                if result.is_error:
                    block = result.content[0]
                    text = block.text if isinstance(block, TextContent) else repr(block)
                    errors.append(f"{tool}: {text}")

    async with asyncio.TaskGroup() as group:
        for number in range(clients):
            group.create_task(client(number))
        await ready.wait()
        started = time.perf_counter()
        start.set()
        ended: list[float] = []

        async def stop_clock() -> None:
            while len(latencies) + len(errors) < clients * calls:
                await asyncio.sleep(0.005)
            ended.append(time.perf_counter())

        group.create_task(stop_clock())
    for error in errors[:3]:
        print(f"    error: {error[:300]}")
    return clients * calls / (ended[0] - started), latencies, len(errors)


def percentile(values: list[float], share: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[share - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline-calls", type=int, default=200)
    parser.add_argument("--min-ratio", type=float, default=0.7)
    parser.add_argument("--rss-growth-mb", type=float, default=10.0)
    parser.add_argument(
        "--validate", action="store_true", help="clients check answers against the outputSchema"
    )
    args = parser.parse_args()
    with project_root() as root, bench_database(database_url()) as url:
        database = Database(url, max_size=POOL_SIZE)
        # Its own name, so that the sampler counts the server's sessions alone.
        kwargs = database.pool.kwargs
        assert isinstance(kwargs, dict), kwargs  # Database passes connect_kwargs(), a dict
        database.pool.kwargs = {**kwargs, "application_name": "bench-baseline"}
        database.open()
        run_baseline(database, root, len(MIX))  # imports and caches, like the server's warm-up
        with http_server(url, root) as (process, mcp_url):
            print(
                f"{args.clients} clients x {args.calls} calls over HTTP, {args.rounds} rounds; "
                f"baseline: {args.baseline_calls} calls in-process, one after another; "
                f"pool size {POOL_SIZE}; clients {'' if args.validate else 'do not '}check "
                "answers against the outputSchema"
            )
            baselines, rates, latencies, rss, errors, most = [], [], [], [], 0, 0
            for number in range(1, args.rounds + 1):
                baselines.append(run_baseline(database, root, args.baseline_calls))
                with SessionSampler(url) as sampler:
                    rate, times, failed = asyncio.run(
                        run_clients(mcp_url, args.clients, args.calls, args.validate)
                    )
                rates.append(rate)
                latencies += times
                errors += failed
                most = max(most, sampler.most)
                rss.append(rss_mb(process.pid))
                print(
                    f"  round {number}: {rate:6.1f} calls/s over HTTP, baseline "
                    f"{baselines[-1]:6.1f} calls/s ({rate / baselines[-1]:.2f}x); "
                    f"p50 {percentile(times, 50) * 1000:4.0f} ms, "
                    f"p99 {percentile(times, 99) * 1000:4.0f} ms; {failed} errors; "
                    f"sessions at most {sampler.most} "
                    f"({sampler.samples} samples); server RSS {rss[-1]:.1f} MB"
                )
        database.close()
    ratio = statistics.median(rates) / statistics.median(baselines)
    growth = rss[-1] - rss[0]
    checks = [
        (errors == 0, f"errors: {errors} (bound 0)"),
        (most <= POOL_SIZE, f"server sessions at most {most} (bound: the pool size {POOL_SIZE})"),
        (growth <= args.rss_growth_mb, f"RSS growth {growth:+.1f} MB (bound {args.rss_growth_mb})"),
        (ratio >= args.min_ratio, f"throughput {ratio:.2f}x the baseline (bound {args.min_ratio})"),
    ]
    print(
        f"all rounds: p50 {percentile(latencies, 50) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 99) * 1000:.0f} ms"
    )
    for ok, text in checks:
        print(f"  {'ok  ' if ok else 'FAIL'} {text}")
    return 0 if all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
