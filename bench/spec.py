"""Benchmark the spec reader and drift (a script, not a test: timings belong here, not in CI).

Prints the CPU time of parsing a 25 KB spec (target: well under 100 ms) and the wall time of
compare_spec_to_database on 200 tables (target: under 1 s), each as a ratio of its target.
Uses DATABASE_URL, else 127.0.0.1:5432, else the embedded PostgreSQL (like bench/reflect.py).

    .venv/bin/python bench/spec.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reflect import database_url

from server.db import read_only_transaction
from tools.drift.compare import compare_spec_to_database
from tools.spec.read import parse_spec

SCHEMA = "bench_spec"
PARSE_TARGET_S = 0.1
DRIFT_TARGET_S = 1.0


def spec_25kb() -> str:
    """A 25 KB spec of tables, bullets and SQL blocks, as people write them."""
    parts = []
    for i in range(60):
        parts.append(
            f"## table_{i}\n\n| Column | Type | Constraints | Description |\n|---|---|---|---|\n"
            f"| id | uuid | PRIMARY KEY | id |\n"
            f"| org_id | uuid | NOT NULL, FK -> orgs.id | tenant |\n"
            f"| name | varchar(200) | NOT NULL | name |\n"
            f"| created_at | timestamptz | DEFAULT now() | |\n"
            f"\n- note_{i}: text (nullable) - a note\n"
        )
        if i % 3 == 0:
            parts.append(
                f"```sql\nCREATE TABLE extra_{i} (id bigserial PRIMARY KEY, "
                f"ref uuid REFERENCES table_{i}(id) ON DELETE CASCADE, body text NOT NULL);\n"
                f"CREATE INDEX extra_{i}_ref_idx ON extra_{i} (ref);\n```\n"
            )
    text = "# Big spec\n\n## orgs\n- id: uuid (pk)\n\n" + "\n".join(parts)
    while len(text) < 25_000:
        text += "\nSome prose about the design, repeated to reach the size of a real spec.\n"
    return text


def parse_seconds(text: str, repeat: int = 7) -> tuple[float, float]:
    """Best and median CPU seconds of parse_spec (after one warm-up run)."""
    parse_spec(text)
    runs = []
    for _ in range(repeat):
        start = time.process_time()
        parse_spec(text)
        runs.append(time.process_time() - start)
    return min(runs), statistics.median(runs)


def drift_seconds(url: str, tables: int = 200) -> float:
    """Wall seconds of compare_spec_to_database on `tables` tables that match their spec."""
    spec = parse_spec(
        "\n".join(
            f"## t{i}\n- id: bigint (pk)\n- org_id: uuid (not null)\n- name: text\n"
            f"- created_at: timestamptz (not null, default now())\n"
            for i in range(tables)
        )
    )
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(SCHEMA)))
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(SCHEMA)))
        for i in range(tables):
            admin.execute(
                sql.SQL(
                    "CREATE TABLE {} (id bigint PRIMARY KEY, org_id uuid NOT NULL, name text,"
                    " created_at timestamptz NOT NULL DEFAULT now())"
                ).format(sql.Identifier(SCHEMA, f"t{i}"))
            )
    try:
        with psycopg.connect(url, prepare_threshold=None) as conn:
            with read_only_transaction(conn, 60) as tx:
                compare_spec_to_database(tx, spec, SCHEMA)  # warm the backend's caches
            with read_only_transaction(conn, 60) as tx:
                start = time.perf_counter()
                report = compare_spec_to_database(tx, spec, SCHEMA)
                elapsed = time.perf_counter() - start
        assert not report.findings, report.findings[:3]
        return elapsed
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(SCHEMA)))


def main() -> None:
    text = spec_25kb()
    best, median = parse_seconds(text)
    print(
        f"parse_spec, {len(text) / 1000:.0f} KB spec: best {best * 1000:.0f} ms, median "
        f"{median * 1000:.0f} ms = {best / PARSE_TARGET_S:.2f}x the 100 ms target"
    )
    drift = drift_seconds(database_url())
    print(
        f"compare_spec_to_database, 200 tables: {drift:.3f} s = "
        f"{drift / DRIFT_TARGET_S:.2f}x the 1 s target"
    )


if __name__ == "__main__":
    main()
