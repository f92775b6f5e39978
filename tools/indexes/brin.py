"""BRIN for range filters on big tables stored in the column's order, proven with HypoPG.

A BRIN index keeps one summary (min/max) per block range (128 pages): a few kB where a B-tree
takes megabytes, and almost nothing to maintain, but it only helps when the column follows the
physical order of the rows (append-only timestamps, serial ids): pg_stats.correlation of
BRIN_CORRELATION or more in absolute value. Candidates: a range filter (`<`, `>`, BETWEEN) of a
query on a table of BRIN_MIN_ROWS or more that its plan reads with a sequential scan. HypoPG
simulates BRIN, so each is proven like the B-tree picks: it must cut some query's planner cost
by MIN_GAIN. The planner costs a BRIN scan above a B-tree's (its bitmap is lossy), so a B-tree
pick on that one column usually exists; BRIN replaces it when every query the B-tree serves is
one BRIN was proven for (a B-tree that also sorts or serves equality stays, and BRIN is then
left out as redundant). The rationale gives both costs and both sizes: the choice is the user's.
Once a BRIN index exists on such a column, a B-tree pick on it alone is left out with a note, so
the advice does not flip back.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import psycopg

from tools.catalog.models import SchemaSnapshot, Table
from tools.catalog.snapshot import fetch_rows
from tools.indexes.hypopg import HypoPG
from tools.indexes.models import (
    MAX_IDENTIFIER,
    IndexSpec,
    IndexSuggestion,
    QueryCost,
    create_suggestion,
)
from tools.indexes.operator_advice import format_size, table_rows
from tools.indexes.queries import Query
from tools.indexes.rules import RULES
from tools.indexes.usage import Usage
from tools.indexes.workload import MIN_GAIN
from tools.query_safety import plan_cost

BRIN_MIN_ROWS = 100_000
BRIN_CORRELATION = 0.9

CORRELATIONS = """
SELECT tablename, attname, correlation FROM pg_stats
WHERE schemaname = %(schema)s AND NOT inherited AND correlation IS NOT NULL
"""


@dataclass
class Proof:
    """What HypoPG said of one index: cost per query id, and its size."""

    costs: dict[str, float]
    size: int


def fetch_correlations(conn: psycopg.Connection, schema: str) -> dict[tuple[str, str], float]:
    """pg_stats.correlation per (table, column) of the schema: one query."""
    rows = fetch_rows(conn, CORRELATIONS, {"schema": schema})
    return {(r["tablename"], r["attname"]): float(r["correlation"]) for r in rows}


def brin_choices(
    conn: psycopg.Connection,
    hypo: HypoPG,
    snapshot: SchemaSnapshot,
    usage: Usage,
    queries: list[Query],
    scanned: dict[str, set[str]],
    picks: list[IndexSuggestion],
    notes: list[str],
) -> tuple[list[IndexSuggestion], list[IndexSuggestion]]:
    """(BRIN suggestions, the B-tree picks that remain) as the module docstring says."""
    correlations = fetch_correlations(conn, snapshot.schema_name)
    ordered = {k for k, v in correlations.items() if abs(v) >= BRIN_CORRELATION}
    groups: dict[tuple[str, str], list[Query]] = defaultdict(list)
    tables: dict[str, Table] = {}
    for query in queries:
        if query.skipped or query.cost_before is None:
            continue
        for access in query.accesses.values():
            table = access.table
            if (
                table.qualified not in scanned.get(query.id, set())
                or table_rows(table, usage) < BRIN_MIN_ROWS
            ):
                continue
            for column in access.range:
                users = groups[(table.qualified, column)]
                if (table.name, column) in ordered and all(q is not query for q in users):
                    users.append(query)
                    tables[table.qualified] = table
    out = []
    for (qualified, column), users in groups.items():
        if not users:
            continue
        table = tables[qualified]
        brin = _brin_spec(table, column)
        proof = _prove(conn, hypo, brin, users)
        if proof is None:
            continue
        proven = {q.id for q in users if proof.costs[q.id] <= (1 - MIN_GAIN) * q.cost_before}  # type: ignore[operator]
        if not proven:
            continue
        pick = next((p for p in picks if _single_btree(p, table, column)), None)
        if pick is not None and not {c.query for c in pick.queries} <= proven:
            continue  # the B-tree serves more than these range filters: BRIN would be redundant
        btree_spec = brin.model_copy(update={"method": "btree", "index_name": None})
        btree = _prove(conn, hypo, btree_spec, users)
        if btree is None:
            continue
        if pick is not None:
            picks = [p for p in picks if p is not pick]
        out.append(_suggestion(table, column, brin, users, proof, btree, correlations, usage, pick))
    return out, picks


def _brin_spec(table: Table, column: str) -> IndexSpec:
    """The BRIN index, named ix_<table>_<column>_brin: apart from a B-tree on the column."""
    spec = IndexSpec(
        schema_name=table.schema_name, table=table.name, columns=(column,), method="brin"
    )
    name = spec.name()
    if len(name.encode()) + len("_brin") <= MAX_IDENTIFIER:
        spec = spec.model_copy(update={"index_name": name + "_brin"})
    return spec


def _single_btree(pick: IndexSuggestion, table: Table, column: str) -> bool:
    return (
        pick.table == table.qualified
        and pick.method == "btree"
        and pick.columns == [column]
        and not pick.include
        and pick.predicate is None
    )


def without_flip_back(
    conn: psycopg.Connection,
    snapshot: SchemaSnapshot,
    usage: Usage,
    picks: list[IndexSuggestion],
    notes: list[str],
) -> list[IndexSuggestion]:
    """Leave out B-tree picks on a lone ordered column that a BRIN index already serves."""
    served = {}
    for pick in picks:
        table = snapshot.table(pick.table.partition(".")[2])
        if table is None or len(pick.columns) != 1 or table_rows(table, usage) < BRIN_MIN_ROWS:
            continue
        brin = next(
            (
                i
                for i in table.indexes
                if i.valid and i.method == "brin" and i.columns == pick.columns
            ),
            None,
        )
        if brin is not None and _single_btree(pick, table, pick.columns[0]):
            served[id(pick)] = brin.name
    if not served:
        return picks
    correlations = fetch_correlations(conn, snapshot.schema_name)
    kept = []
    for pick in picks:
        column = pick.columns[0] if pick.columns else ""
        correlation = correlations.get((pick.table.partition(".")[2], column), 0.0)
        if id(pick) not in served or abs(correlation) < BRIN_CORRELATION:
            kept.append(pick)
            continue
        costs = ", ".join(
            f"{c.query} {c.cost_before:.0f} → {c.cost_after:.0f}"
            for c in pick.queries
            if c.cost_after is not None
        )
        notes.append(
            f"left out {pick.index} (B-tree on {pick.table}.{column}"
            + (f", {costs}" if costs else "")
            + f"): the BRIN index {served[id(pick)]} already serves this ordered column; drop "
            "it first if a B-tree's lower cost matters more than its size"
        )
    return kept


def _prove(
    conn: psycopg.Connection, hypo: HypoPG, spec: IndexSpec, users: list[Query]
) -> Proof | None:
    """Planner costs of the queries with the hypothetical index, and its size; never left.

    None when HypoPG refuses the definition (a partitioned table, an old HypoPG).
    """
    try:
        with conn.transaction():
            oid = hypo.create(spec)
    except (psycopg.errors.QueryCanceled, psycopg.OperationalError):
        raise
    except psycopg.Error:
        return None
    with hypo.dropped_after(oid):
        costs = {q.id: plan_cost(conn, q.checked) for q in users}  # type: ignore[arg-type]
        return Proof(costs, hypo.size(oid))


def _suggestion(
    table: Table,
    column: str,
    brin: IndexSpec,
    users: list[Query],
    proof: Proof,
    btree: Proof,
    correlations: dict[tuple[str, str], float],
    usage: Usage,
    pick: IndexSuggestion | None,
) -> IndexSuggestion:
    served = [
        QueryCost(
            query=q.id,
            cost_before=round(q.cost_before or 0, 2),
            cost_after=round(proof.costs[q.id], 2),
        )
        for q in users
    ]
    best = max(1 - proof.costs[q.id] / q.cost_before for q in users if q.cost_before)
    compared = ", ".join(
        f"{q.id} {q.cost_before:.0f} → BRIN {proof.costs[q.id]:.0f} "
        f"(B-tree {btree.costs[q.id]:.0f})"
        for q in users
    )
    correlation = correlations[(table.name, column)]
    why = (
        f"verified with HypoPG: the planner costs {compared}; {table.name}.{column} is stored in "
        f"its order (pg_stats.correlation {correlation:.2f}, {table_rows(table, usage):,} rows), "
        f"so a BRIN of {format_size(proof.size)} (one min/max per 128 pages) does much of what "
        f"a B-tree of {format_size(btree.size)} would, at almost no write cost. It stays useful "
        "while rows arrive in column order (append-only); updates and deletes scatter it; "
        "VACUUM summarises new pages (or WITH (autosummarize = on))."
    )
    if pick is not None:
        why += (
            f" Replaces the B-tree {pick.index}: prefer that one if this query's latency "
            "matters more than size."
        )
    return create_suggestion(
        RULES["workload_index"],
        brin,
        why,
        concurrently=table.kind == "table",
        queries=served,
        size_bytes=proof.size,
        confidence="high" if best >= 0.5 else "medium",
        verified=True,
    )
