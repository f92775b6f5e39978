"""The workload: queries given or read from pg_stat_statements, checked, analysed, grouped.

Each query is checked (`tools.query_safety.check_query`) and analysed per table
(`tools.indexes.access`); refused or irrelevant ones carry the reason. Queries of one shape (the
same columns used, other literals) are represented by one, weighted by the calls of all.
Without HypoPG, `unverified_suggestions` gives one best-guess index per query and table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from tools.catalog.models import SchemaSnapshot
from tools.errors import Unsupported
from tools.indexes.access import TableAccess, analyze_query
from tools.indexes.candidates import best_guess
from tools.indexes.models import IndexSpec, IndexSuggestion, QueryCost, create_suggestion
from tools.indexes.rules import RULES
from tools.query_safety import CheckedQuery, check_query

TEXT_LIMIT = 300
REASON_LIMIT = 160
TOP_STATEMENTS = 50

PG_STAT_STATEMENTS = """
SELECT query, calls FROM {view}
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY total_exec_time DESC LIMIT %(limit)s
"""


@dataclass
class Query:
    """One workload query with what the tool learned of it."""

    id: str
    text: str
    source: str
    calls: int = 1
    weight: int = 1  # calls of every query of its shape, on the one that represents them
    shape: list[Query] = field(default_factory=list, repr=False)  # the queries it represents
    checked: CheckedQuery | None = None
    accesses: dict[str, TableAccess] = field(default_factory=dict)
    cost_before: float | None = None
    cost_after: float | None = None
    skipped: str | None = None


def fetch_statements(
    conn: psycopg.Connection, snapshot: SchemaSnapshot, notes: list[str]
) -> list[tuple[str, int]]:
    """Top statements of pg_stat_statements by total time, or none with a note why."""
    extension = next((e for e in snapshot.extensions if e.name == "pg_stat_statements"), None)
    if extension is None:
        notes.append(
            "pg_stat_statements is not installed in this database: only the given queries were "
            "examined (CREATE EXTENSION pg_stat_statements, with it in shared_preload_libraries)"
        )
        return []
    query = sql.SQL(PG_STAT_STATEMENTS).format(
        view=sql.Identifier(extension.schema_name, "pg_stat_statements")
    )
    try:
        with conn.transaction():
            rows = conn.execute(query, {"limit": TOP_STATEMENTS}).fetchall()
    except psycopg.Error as err:
        notes.append(f"pg_stat_statements could not be read: {str(err).strip().splitlines()[0]}")
        return []
    return [(text, calls) for text, calls in rows]


def prepare_queries(
    given: list[str], statements: list[tuple[str, int]], snapshot: SchemaSnapshot
) -> list[Query]:
    """Check and analyse every query; refused or irrelevant ones carry the reason."""
    queries = [Query(f"q{i}", text, "given") for i, text in enumerate(given, 1)]
    offset = len(queries)
    queries += [
        Query(f"q{offset + i}", text, "pg_stat_statements", calls=max(1, calls))
        for i, (text, calls) in enumerate(statements, 1)
    ]
    for query in queries:
        try:
            query.checked = check_query(query.text, allow_dml=True)
        except Unsupported as err:
            query.skipped = reason(err)
            continue
        if query.checked.kind == "insert":
            query.skipped = "INSERT reads no rows: no index makes it faster"
            continue
        query.accesses = analyze_query(query.checked.tree, snapshot)
        if not query.accesses:
            query.skipped = f"reads no table of schema {snapshot.schema_name!r}"
    return queries


def reason(err: Exception) -> str:
    """The refusal's first clauses: the full text repeats what is accepted for every query."""
    text = str(err)
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 1] + "…"


def unverified_suggestions(
    queries: list[Query], tenant_column: str | None, max_indexes: int
) -> list[IndexSuggestion]:
    """One best-guess index per query and table, marked unverified (no HypoPG)."""
    served: dict[IndexSpec, list[Query]] = {}
    for query in queries:
        if query.skipped:
            continue
        for access in query.accesses.values():
            spec = best_guess(access, tenant_column)
            if spec is not None:
                served.setdefault(spec, []).append(query)
    out = []
    for spec, users in list(served.items())[:max_indexes]:
        out.append(
            create_suggestion(
                RULES["workload_index"],
                spec,
                f"built from the WHERE/JOIN/ORDER BY of {', '.join(q.id for q in users)}; not "
                "proven by the planner (HypoPG is not installed: see the notes)",
                concurrently=_plain_table(queries, spec),
                queries=[
                    QueryCost(query=q.id, cost_before=q.cost_before or 0)
                    for q in users
                    if q.cost_before is not None
                ],
                confidence="low",
                verified=False,
            )
        )
    return out


def _plain_table(queries: list[Query], spec: IndexSpec) -> bool:
    for query in queries:
        access = query.accesses.get(spec.qualified)
        if access is not None:
            return access.table.kind == "table"
    return True


def _shape(query: Query) -> tuple[object, ...]:
    """What the index choice depends on: the kind and the columns used per table."""
    return (
        query.checked.kind if query.checked else None,
        tuple(
            (
                name,
                tuple(a.equality),
                tuple(a.range),
                tuple(a.join),
                tuple(a.sort),
                tuple(a.group),
                tuple(sorted(a.filters.items())),
            )
            for name, a in sorted(query.accesses.items())
        ),
    )


def representatives(queries: list[Query]) -> list[Query]:
    """One query per shape (same literals aside), weighted by the calls of all of its shape."""
    shapes: dict[tuple[object, ...], Query] = {}
    for query in queries:
        if query.skipped or query.cost_before is None:
            continue
        first = shapes.setdefault(_shape(query), query)
        first.shape.append(query)
    for first in shapes.values():
        first.weight = sum(q.calls for q in first.shape)
    return list(shapes.values())
