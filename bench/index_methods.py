"""Benchmark suggest_indexes beyond B-tree: GIN, GiST, trigram, full text, BRIN (a script).

HypoPG cannot simulate GIN or GiST, so the only honest score is the real one: a fresh database
(the copy) gets the planted tables, suggest_indexes advises on the query shapes below, the
printed DDL is applied with `psql -v ON_ERROR_STOP=1` (CREATE EXTENSION pg_trgm included), and
each query runs before and after (median of RUNS executions). Printed per query: the index
suggested, how it was judged (verified / rule), time before → after, whether the plan now uses
it; per index: the size we estimated against its real size. The database is dropped after.

    .venv/bin/python bench/index_methods.py [postgresql://postgres@127.0.0.1:5432/postgres]

bench/indexes.py runs it too, after its B-tree workload (--no-methods leaves it out).
"""

from __future__ import annotations

import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from server.db import read_only_transaction
from tools.indexes.suggest import suggest_indexes

ROWS = 300_000
RUNS = 5

PLANT = """
CREATE TABLE tasks (
    id bigint PRIMARY KEY, meta jsonb NOT NULL, labels text[] NOT NULL, title text NOT NULL,
    during tstzrange NOT NULL, created_at timestamptz NOT NULL
);
INSERT INTO tasks
SELECT g,
       jsonb_build_object('k', g % 100, 'owner', 'u' || (g % 1000))
           || CASE WHEN g % 500 = 0 THEN '{"flag": true}'::jsonb ELSE '{}' END,
       CASE WHEN g % 100 = 0 THEN ARRAY['urgent', 'normal'] ELSE ARRAY['normal', 'l' || g % 50]
       END,
       'task ' || g || CASE WHEN g % 200 = 0 THEN ' quarterly report' ELSE ' routine work' END,
       tstzrange(timestamptz '2025-01-01' + g * interval '1 minute',
                 timestamptz '2025-01-01' + (g + 30) * interval '1 minute'),
       timestamptz '2025-01-01' + g * interval '1 minute'
FROM generate_series(1, {rows}) g;
ANALYZE tasks;
"""

SHAPES = {
    "jsonb @>": "SELECT id FROM tasks WHERE meta @> '{\"k\": 1}'",
    "jsonb ?": "SELECT id FROM tasks WHERE meta ? 'flag'",
    "array @>": "SELECT id FROM tasks WHERE labels @> ARRAY['urgent']",
    "ILIKE %…%": "SELECT id FROM tasks WHERE title ILIKE '%quarterly%'",
    "full text": "SELECT id FROM tasks WHERE to_tsvector('english', title) "
    "@@ plainto_tsquery('english', 'report')",
    "range &&": "SELECT id FROM tasks WHERE during && tstzrange('2025-02-01', '2025-02-02')",
    "BRIN range": "SELECT count(*) FROM tasks WHERE created_at >= '2025-02-01' "
    "AND created_at < '2025-02-03'",
}


def _url(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


def _timed(conn: psycopg.Connection, query: str) -> tuple[float, str]:
    """Median execution time in ms over RUNS, and the plan's index names (EXPLAIN ANALYZE)."""
    times, used = [], ""
    for _ in range(RUNS):
        row = conn.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query).fetchone()
        assert row is not None  # EXPLAIN always returns its plan
        top = row[0][0]
        times.append(top["Execution Time"])
        used = ",".join(sorted(_indexes(top["Plan"])))
    return statistics.median(times), used


def _indexes(node: dict) -> set[str]:
    found = {node["Index Name"]} if "Index Name" in node else set()
    for child in node.get("Plans", []):
        found |= _indexes(child)
    return found


def run_methods(url: str) -> None:
    """Plant, advise, apply, time; print one table per query and one per index."""
    name = f"bench_methods_{secrets.token_hex(3)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    copy = _url(url, name)
    try:
        _run(copy)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _run(copy: str) -> None:
    with psycopg.connect(copy, autocommit=True) as conn:
        started = time.perf_counter()
        if conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg'").fetchone():
            conn.execute("CREATE EXTENSION hypopg")
        conn.execute(PLANT.replace("{rows}", str(ROWS)))  # bench DDL
        print(f"\nindex methods: {ROWS:,} rows planted in {time.perf_counter() - started:.1f} s")
        before = {shape: _timed(conn, query) for shape, query in SHAPES.items()}
    with (
        psycopg.connect(copy, prepare_threshold=None) as conn,
        read_only_transaction(conn, statement_timeout_s=120) as tx,
    ):
        started = time.perf_counter()
        advice = suggest_indexes(tx, "public", list(SHAPES.values()))
        wall = time.perf_counter() - started
    script = "".join(f"{s.ddl};\n" for s in advice.suggestions if s.ddl)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "advice.sql"
        path.write_text(script)
        started = time.perf_counter()
        subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", copy, "-f", str(path)],
            check=True,
            timeout=600,
        )
        built = time.perf_counter() - started
    with psycopg.connect(copy, autocommit=True) as conn:
        after = {shape: _timed(conn, query) for shape, query in SHAPES.items()}
        sizes: dict[str, int] = dict(
            conn.execute(
                "SELECT relname, pg_relation_size(oid) FROM pg_class WHERE relkind = 'i'"
            ).fetchall()
        )
    print(f"advice in {wall:.2f} s, {len(advice.suggestions)} indexes built in {built:.1f} s")
    by_query = {q.query: s for s in advice.suggestions for q in s.queries}
    print("\n| shape | index | judged | ms before | ms after | speed-up | plan uses it |")
    print("|---|---|---|---:|---:|---:|---|")
    for number, shape in enumerate(SHAPES, 1):
        suggestion = by_query.get(f"q{number}")
        (ms_before, _), (ms_after, used) = before[shape], after[shape]
        index = f"{suggestion.method} {suggestion.index}" if suggestion else "-"
        judged = ("verified" if suggestion.verified else "rule") if suggestion else "-"
        uses = "yes" if suggestion and suggestion.index in used.split(",") else "no"
        print(
            f"| {shape} | {index} | {judged} | {ms_before:.1f} | {ms_after:.1f} | "
            f"{ms_before / max(ms_after, 0.001):.0f}x | {uses} |"
        )
    print("\n| index | estimated | real | estimate / real |")
    print("|---|---:|---:|---:|")
    for s in advice.suggestions:
        real = sizes.get(s.index, 0) if s.index else 0
        estimate = s.size_bytes or 0
        ratio = f"{estimate / real:.2f}" if real else "-"
        print(f"| {s.index} | {estimate / 1048576:.1f} MB | {real / 1048576:.1f} MB | {ratio} |")


if __name__ == "__main__":
    run_methods(
        next(
            (a for a in sys.argv[1:] if "://" in a), "postgresql://postgres@127.0.0.1:5432/postgres"
        )
    )
