"""Benchmark suggest_indexes: ~100 tables with data, a 50-query workload (a script, not a test).

Reports wall time, the workload's total planner cost before/after the suggested set, the share
of a hand-picked best set's gain that the suggestions reach (target >= 0.99 with no more
indexes), a 12-query run (target < 5 s), the answer size (target < 80 KB), and a table of
every method (hand-picked, ours, and the peers reimplemented in bench/index_peers.py: Dexter,
Postgres MCP Pro, PgHero): indexes chosen, planner cost after, share of the hand-picked gain,
wall time, all measured with the same HypoPG cost model.

Needs a PostgreSQL with HypoPG installable:
    .venv/bin/python bench/indexes.py [postgresql://postgres@127.0.0.1:5432/postgres]
The schema `bench_indexes` is created, used and dropped (--keep leaves it); --max=N sets
max_indexes (default: as many as the hand-picked set). Then bench/index_methods.py scores the
GIN/GiST/trigram/full-text/BRIN shapes on real indexes in a database of its own (--no-methods
leaves it out).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import psycopg
from index_methods import run_methods
from index_peers import dexter_like, mcp_pro_like, pghero_like
from psycopg import sql

from server.db import read_only_transaction
from tools.indexes.hypopg import HypoPG
from tools.indexes.models import IndexSpec
from tools.indexes.suggest import suggest_indexes
from tools.query_safety import check_query, plan_cost

SCHEMA = "bench_indexes"
TABLES = 100
QUERIED = 25  # t00..t24 carry the workload; t25..t49 are join partners
BIG_ROWS = 20000
SMALL_ROWS = 2000

TABLE = """
CREATE TABLE {t} (
    id bigint PRIMARY KEY,
    account_id bigint NOT NULL,
    parent_id bigint,
    status status NOT NULL,
    a int NOT NULL,
    b int NOT NULL,
    note text,
    created_at timestamptz NOT NULL,
    deleted_at timestamptz
);
INSERT INTO {t}
SELECT g, g % 500, g % 2000 + 1, CASE WHEN g % 50 = 0 THEN 'open' ELSE 'closed' END::status,
       g % 1000, (g * 7919) % 20000, 'note ' || g,
       timestamptz '2025-01-01' + g * interval '1 minute',
       CASE WHEN g % 10 = 0 THEN timestamptz '2025-06-01' END
FROM generate_series(1, {rows}) g;
"""


def name(i: int) -> str:
    return f"t{i:02d}"


def workload() -> tuple[list[str], list[IndexSpec]]:
    """Fifty queries (two per queried table, five patterns) and the hand-picked best indexes."""
    queries: list[str] = []
    hand: list[IndexSpec] = []

    def spec(table: str, *columns: str, predicate: str | None = None) -> IndexSpec:
        return IndexSpec(schema_name=SCHEMA, table=table, columns=columns, predicate=predicate)

    for i in range(QUERIED):
        t, partner = name(i), name(i + QUERIED)
        pattern = i % 5
        if pattern == 0:
            queries += [
                f"SELECT id, note FROM {t} WHERE account_id = $1 AND a = $2",
                f"SELECT count(*) FROM {t} WHERE account_id = $1",
            ]
            hand += [spec(t, "account_id", "a")]
        elif pattern == 1:
            queries += [
                f"SELECT * FROM {t} WHERE account_id = $1 ORDER BY created_at DESC LIMIT 20",
                f"SELECT id FROM {t} WHERE b = $1",
            ]
            hand += [spec(t, "account_id", "created_at"), spec(t, "b")]
        elif pattern == 2:
            queries += [
                f"SELECT id, a FROM {t} WHERE created_at >= $1 AND created_at < $2",
                f"SELECT * FROM {t} WHERE status = 'open' AND account_id = $1",
            ]
            hand += [spec(t, "created_at"), spec(t, "account_id", predicate="\"status\" = 'open'")]
        elif pattern == 3:
            queries += [
                f"SELECT x.id, y.note FROM {t} x JOIN {partner} y ON y.parent_id = x.id "
                "WHERE x.b = $1",
                f"UPDATE {t} SET note = 'x' WHERE a = $1",
            ]
            hand += [spec(t, "b"), spec(partner, "parent_id"), spec(t, "a")]
        else:
            queries += [
                f"SELECT a, count(*) FROM {t} WHERE account_id = $1 AND deleted_at IS NULL "
                "GROUP BY a",
                f"DELETE FROM {t} WHERE parent_id = $1",
            ]
            hand += [
                spec(t, "account_id", predicate='"deleted_at" IS NULL'),
                spec(t, "parent_id"),
            ]
    return queries, hand


def setup(admin: psycopg.Connection) -> None:
    admin.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
    admin.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(SCHEMA)))
    admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(SCHEMA)))
    admin.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(SCHEMA)))
    admin.execute("CREATE TYPE status AS ENUM ('open', 'closed')")
    for i in range(TABLES):
        rows = BIG_ROWS if i < 2 * QUERIED else SMALL_ROWS
        admin.execute(TABLE.format(t=name(i), rows=rows))  # bench DDL
    admin.execute("ANALYZE")
    admin.execute("RESET search_path")


def set_search_path(conn: psycopg.Connection) -> None:
    path = sql.Identifier(SCHEMA).as_string(conn) + ", public"
    conn.execute("SELECT set_config('search_path', %s, true)", (path,))


def total_cost(conn: psycopg.Connection, queries: list[str], specs: list[IndexSpec]) -> float:
    """Workload cost with these indexes created hypothetically (then reset)."""
    hypo = HypoPG(conn, "public")
    try:
        for spec in specs:
            hypo.create(spec)
        return sum(plan_cost(conn, check_query(q, allow_dml=True)) for q in queries)
    finally:
        hypo.reset()


def main() -> None:
    max_indexes = int(next((a.split("=")[1] for a in sys.argv if a.startswith("--max=")), 0))
    url = next(
        (a for a in sys.argv[1:] if "://" in a), "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    keep = "--keep" in sys.argv
    queries, hand = workload()
    with psycopg.connect(url, autocommit=True) as admin:
        started = time.perf_counter()
        setup(admin)
        print(
            f"setup: {TABLES} tables, {len(queries)} queries, {time.perf_counter() - started:.1f} s"
        )
        try:
            run(url, queries, hand, max_indexes or len(hand))
        finally:
            if not keep:
                admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(SCHEMA)))
    if "--no-methods" not in sys.argv:
        run_methods(url)  # GIN, GiST, trigram, full text, BRIN: scored on real indexes (#16)


def run(url: str, queries: list[str], hand: list[IndexSpec], max_indexes: int) -> None:
    with psycopg.connect(url, prepare_threshold=None) as conn:
        with read_only_transaction(conn, statement_timeout_s=60) as tx:
            started = time.perf_counter()
            advice = suggest_indexes(tx, SCHEMA, queries, max_indexes=max_indexes)
            wall = time.perf_counter() - started
        with read_only_transaction(conn, statement_timeout_s=60) as tx:
            started = time.perf_counter()
            small = suggest_indexes(tx, SCHEMA, queries[:12], max_indexes=max_indexes)
            wall_12 = time.perf_counter() - started
        ours = [
            IndexSpec(
                schema_name=SCHEMA,
                table=s.table.partition(".")[2],
                columns=tuple(s.columns),
                include=tuple(s.include),
                predicate=s.predicate,
            )
            for s in advice.suggestions
            if s.rule == "workload_index"
        ]
        peers = {
            "dexter-like": lambda tx: dexter_like(tx, SCHEMA, queries),
            "postgres-mcp-pro-like": lambda tx: mcp_pro_like(tx, SCHEMA, queries, max_indexes),
            "pghero-like": lambda tx: pghero_like(tx, SCHEMA, queries),
        }
        with read_only_transaction(conn, statement_timeout_s=300) as tx:
            set_search_path(tx)
            before = total_cost(tx, queries, [])
            rows = [
                Row("hand-picked", hand, total_cost(tx, queries, hand), None),
                Row("pgarchitect", ours, total_cost(tx, queries, ours), wall),
            ]
            for method, advise in peers.items():
                started = time.perf_counter()
                specs = advise(tx)
                took = time.perf_counter() - started
                rows.append(Row(method, specs, total_cost(tx, queries, specs), took))
    report(advice, small, ours, hand, before, rows, wall_12)


@dataclass
class Row:
    """One method's figures: its index set, the workload cost with it, its wall time."""

    method: str
    specs: list[IndexSpec]
    after: float
    wall: float | None


def report(advice, small, ours, hand, before, rows: list[Row], wall_12: float) -> None:
    """Print the figures, then one table row per method."""
    after_hand, after_ours, wall = rows[0].after, rows[1].after, rows[1].wall or 0.0
    size = len(advice.model_dump_json().encode())
    gain_hand = before - after_hand
    share = (before - after_ours) / gain_hand
    print(f"50-query run: {wall:.2f} s wall, {len(ours)} indexes suggested for the workload")
    print(
        f"  planner cost: before {before:.0f}, after ours {after_ours:.0f}, "
        f"after hand-picked ({len(hand)} indexes) {after_hand:.0f}"
    )
    print(
        f"  share of the hand-picked gain: {share:.4f} (target >= 0.99), "
        f"indexes {len(ours)} <= {len(hand)}: {len(ours) <= len(hand)}"
    )
    print(f"  advice's own totals: {advice.total_cost_before} -> {advice.total_cost_after}")
    print(
        f"  answer size: {size / 1024:.1f} KB (target < 80 KB), "
        f"{len(advice.suggestions)} suggestions in all "
        f"({sum(s.rule != 'workload_index' for s in advice.suggestions)} from schema rules)"
    )
    print(f"  hand-picked only: {[h.label() for h in hand if h not in ours]}")
    print(f"  suggested only: {[h.label() for h in ours if h not in hand]}")
    print(
        f"12-query run: {wall_12:.2f} s wall (target < 5 s), "
        f"{sum(s.rule == 'workload_index' for s in small.suggestions)} workload indexes"
    )
    print()
    print(f"50 queries, planner cost before: {before:.0f} (HypoPG, the same model for every row)")
    print()
    print("| method | indexes | planner cost after | share of hand-picked gain | wall time |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        took = f"{row.wall:.2f} s" if row.wall is not None else "-"
        print(
            f"| {row.method} | {len(row.specs)} | {row.after:.0f} | "
            f"{(before - row.after) / gain_hand:.4f} | {took} |"
        )


if __name__ == "__main__":
    main()
