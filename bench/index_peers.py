"""Peers' index advisers, reimplemented for bench/indexes.py from their published descriptions.

None of their code is copied; each is a plain reading of how the peer describes its method, run
on the same connection (inside a READ ONLY transaction, search_path set to the bench schema):

- Dexter: per query, one- and two-column HypoPG candidates; the best one is kept when it saves
  at least 50 % of that query's cost.
- Postgres MCP Pro: SELECT queries only; candidates are btree combinations of up to 3 of the
  columns a query uses on a table; a greedy pass adds the candidate that lowers the workload's
  HypoPG cost most, until the budget of indexes or no candidate saves 1 % more; sizes come
  from a naive formula (rows x sum of column widths) and only break ties.
- PgHero: heuristics, no planner and no joins: for each query on a single table, an index on
  its WHERE equality columns (most distinct values first), then one range column.

The bench evaluates every method's set with the same HypoPG cost model (`total_cost`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import psycopg

from tools.catalog import SchemaSnapshot, fetch_snapshot
from tools.indexes.access import TableAccess, analyze_query
from tools.indexes.models import IndexSpec
from tools.indexes.workload import HypoPG
from tools.query_safety import CheckedQuery, check_query, plan_cost

DEXTER_SAVING = 0.5
MCP_PRO_COLUMNS = 3
MCP_PRO_MIN_IMPROVEMENT = 0.01
WIDTHS = """
SELECT tablename, attname, avg_width, n_distinct FROM pg_stats WHERE schemaname = %s
"""


def _spec(schema: str, access: TableAccess, columns: tuple[str, ...]) -> IndexSpec:
    return IndexSpec(schema_name=schema, table=access.table.name, columns=columns)


def _checked(
    conn: psycopg.Connection, schema: str, queries: list[str]
) -> tuple[SchemaSnapshot, list[tuple[CheckedQuery, dict[str, TableAccess]]]]:
    snapshot = fetch_snapshot(conn, schema)
    checked = [check_query(text, allow_dml=True) for text in queries]
    return snapshot, [(c, analyze_query(c.tree, snapshot)) for c in checked]


def _existing(snapshot: SchemaSnapshot) -> set[tuple[str, tuple[str, ...]]]:
    return {(t.name, tuple(i.columns)) for t in snapshot.tables for i in t.indexes}


def dexter_like(conn: psycopg.Connection, schema: str, queries: list[str]) -> list[IndexSpec]:
    """Per query, the best one- or two-column candidate saving >= 50 % (Dexter's method)."""
    _snapshot, workload = _checked(conn, schema, queries)
    hypo = HypoPG(conn, "public")
    chosen: list[IndexSpec] = []
    for checked, accesses in workload:
        before = plan_cost(conn, checked)
        best: tuple[float, IndexSpec] | None = None
        for access in accesses.values():
            columns = list(dict.fromkeys([*access.equality, *access.join, *access.range]))
            keys = [(c,) for c in columns] + list(itertools.permutations(columns, 2))
            for key in keys:
                spec = _spec(schema, access, key)
                oid = hypo.create(spec)
                with hypo.dropped_after(oid):
                    cost = plan_cost(conn, checked)
                if cost <= DEXTER_SAVING * before and (best is None or cost < best[0]):
                    best = (cost, spec)
        if best and best[1] not in chosen:
            chosen.append(best[1])
    return chosen


def _naive_size(
    snapshot: SchemaSnapshot, widths: dict[tuple[str, str], int], spec: IndexSpec
) -> int:
    """Rows x sum of the key columns' average widths: no header, pointer or fill factor."""
    table = snapshot.table(spec.table)
    rows = max(table.row_estimate or 0, 0) if table else 0
    return rows * sum(widths.get((spec.table, c), 8) for c in spec.columns)


def _stats(conn: psycopg.Connection, schema: str) -> dict[tuple[str, str], tuple[int, float]]:
    rows = conn.execute(WIDTHS, (schema,)).fetchall()
    return {(table, column): (width, distinct) for table, column, width, distinct in rows}


def mcp_pro_like(
    conn: psycopg.Connection, schema: str, queries: list[str], max_indexes: int
) -> list[IndexSpec]:
    """Greedy over btree combinations of up to 3 columns, SELECT only, naive sizes."""
    snapshot, workload = _checked(conn, schema, queries)
    selects = [(c, a) for c, a in workload if c.kind == "select"]
    widths = {key: width for key, (width, _) in _stats(conn, schema).items()}
    existing = _existing(snapshot)
    candidates: dict[IndexSpec, None] = {}
    for _checked_query, accesses in selects:
        for access in accesses.values():
            used = [*access.equality, *access.range, *access.join, *access.sort, *access.group]
            columns = list(dict.fromkeys([*used, *access.filters]))
            for size in range(1, MCP_PRO_COLUMNS + 1):
                for key in itertools.combinations(columns, size):
                    if (access.table.name, key) not in existing:
                        candidates.setdefault(_spec(schema, access, key))
    hypo = HypoPG(conn, "public")
    costs = [plan_cost(conn, checked) for checked, _ in selects]
    chosen: list[IndexSpec] = []
    try:
        while len(chosen) < max_indexes:
            best = _best_addition(conn, hypo, selects, costs, candidates, snapshot, widths)
            if best is None or best[0] < MCP_PRO_MIN_IMPROVEMENT * sum(costs):
                break
            _gain, spec, new_costs = best
            hypo.create(spec)  # kept for the next rounds
            chosen.append(spec)
            del candidates[spec]
            costs = new_costs
    finally:
        hypo.discard()
    return chosen


def _best_addition(
    conn: psycopg.Connection,
    hypo: HypoPG,
    selects: list[tuple[CheckedQuery, dict[str, TableAccess]]],
    costs: list[float],
    candidates: dict[IndexSpec, None],
    snapshot: SchemaSnapshot,
    widths: dict[tuple[str, str], int],
) -> tuple[float, IndexSpec, list[float]] | None:
    """The candidate lowering the SELECTs' total most (ties: the smaller naive size)."""
    best: tuple[float, int, IndexSpec, list[float]] | None = None
    for spec in candidates:
        oid = hypo.create(spec)
        with hypo.dropped_after(oid):
            # An index on one table changes only the plans of queries reading that table.
            new = [
                plan_cost(conn, checked) if spec.qualified in accesses else cost
                for (checked, accesses), cost in zip(selects, costs, strict=True)
            ]
        gain, size = sum(costs) - sum(new), _naive_size(snapshot, widths, spec)
        if best is None or (gain, -size) > (best[0], -best[1]):
            best = (gain, size, spec, new)
    return None if best is None else (best[0], best[2], best[3])


def pghero_like(conn: psycopg.Connection, schema: str, queries: list[str]) -> list[IndexSpec]:
    """Single-table queries only: their WHERE equality columns (most distinct first), one range."""
    snapshot, workload = _checked(conn, schema, queries)
    stats = _stats(conn, schema)
    existing = _existing(snapshot)
    chosen: list[IndexSpec] = []
    for _checked_query, accesses in workload:
        if len(accesses) != 1:
            continue  # joins are ignored
        [access] = accesses.values()
        distinct = _distinct(snapshot, stats, access.table.name)
        key = tuple(sorted(access.equality, key=distinct, reverse=True)) + tuple(access.range[:1])
        spec = _spec(schema, access, key) if key else None
        covered = any(
            name == access.table.name and columns[: len(key)] == key for name, columns in existing
        )
        if spec is not None and not covered and spec not in chosen:
            chosen.append(spec)
    return chosen


def _distinct(
    snapshot: SchemaSnapshot, stats: dict[tuple[str, str], tuple[int, float]], table: str
) -> Callable[[str], float]:
    """Estimated distinct values of a column (pg_stats' negative n_distinct is a row share)."""
    found = snapshot.table(table)
    rows = found.row_estimate or 0 if found else 0

    def count(column: str) -> float:
        distinct = stats.get((table, column), (0, 0.0))[1]
        return -distinct * rows if distinct < 0 else distinct

    return count
