"""Workload indexes beyond the B-tree: GIN, GiST and SP-GiST chosen by rule from the operators.

HypoPG simulates btree, brin and hash indexes only ("access method gin is not supported"), so
the planner cannot prove these. The advice is judged by rule instead, and says so: for each
`key OP value` of a query (`tools.indexes.operators`) whose operator no B-tree class has and a
GIN/GiST/SP-GiST class has (`tools.indexes.access_methods`, from the catalog), on a table of
BIG_TABLE_ROWS or more that the query's plan reads with a sequential scan, where the planner
estimates the predicate keeps at most SELECTIVE_SHARE of the rows (or the query takes the
nearest rows by `<->` with a LIMIT). The evidence is those facts: the operator, the estimate
against the table's rows, the table's size; the rationale adds the index's write cost and a
rough size. The operators of a key across the whole workload choose one class for it.

Queries whose key is a non-immutable expression (`to_tsvector(title)`, which depends on
default_text_search_config) get a note instead: no index can serve them as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import psycopg
from psycopg import sql

from tools.catalog.models import Index, SchemaSnapshot, Table
from tools.errors import Unsupported
from tools.indexes.access_methods import (
    TRIGRAM,
    TRIGRAM_CLASSES,
    OperatorClass,
    choose_class,
    fetch_available,
    fetch_commutators,
    fetch_function_types,
    fetch_operator_classes,
)
from tools.indexes.models import IndexSuggestion, QueryCost
from tools.indexes.operator_index import OperatorIndex, free_name
from tools.indexes.operators import OperatorUse, find_operator_uses, longest_literal
from tools.indexes.queries import Query
from tools.indexes.rules import RULES
from tools.indexes.usage import Usage
from tools.query_safety import check_query, plan

BIG_TABLE_ROWS = 10_000  # below this a sequential scan is usually the right plan
SELECTIVE_SHARE = 0.1  # an index pays when the predicate keeps less than this share of rows
TRIGRAM_MIN = 3  # a LIKE pattern needs a run of 3 plain characters to give a trigram
# Rough bytes per row and byte of key, measured on 300,000-row tables (bench/indexes.py
# prints real sizes next to these): GIN ~0.1-2x the key width (fewer distinct keys, smaller
# posting lists), GiST ~2-5x, SP-GiST ~1-2x.
SIZE_FACTOR = {"gin": 1.2, "gist": 3.0, "spgist": 1.5}
ROW_OVERHEAD = {"gin": 2, "gist": 16, "spgist": 12}
GIN_WRITES = (
    "each INSERT or UPDATE of the key adds one GIN entry per element, key or lexeme; with "
    "fastupdate on (the default) they queue in a pending list (gin_pending_list_limit, 4 MB) "
    "that VACUUM or a full list merges: cheaper writes, an occasional slow one, and searches "
    "that also read the list (fastupdate = off on tables read far more than written)"
)
GIST_WRITES = "each INSERT or UPDATE of the key updates the GiST tree (costlier than a B-tree)"


@dataclass
class Found:
    """The uses of one key of one table across the workload, with what the planner said."""

    table: Table
    key: str
    function: str | None
    type_name: str
    uses: list[tuple[Query, OperatorUse, float | None]] = field(default_factory=list)


def rule_suggestions(
    conn: psycopg.Connection,
    snapshot: SchemaSnapshot,
    usage: Usage,
    queries: list[Query],
    scanned: dict[str, set[str]],
    taken: set[str],
    notes: list[str],
) -> list[IndexSuggestion]:
    """GIN/GiST/SP-GiST suggestions for the workload, judged by rule (module docstring).

    `scanned` maps a query id to the tables its current plan reads with a sequential scan;
    `taken` holds the relation names in use, which the new indexes' names avoid (and join).
    """
    uses = [
        (query, use)
        for query in queries
        if query.checked is not None and not query.skipped
        for use in find_operator_uses(query.checked.tree, snapshot)
        if use.table.qualified in scanned.get(query.id, set()) and _big(use.table, usage)
    ]
    if not uses:
        return []
    functions = fetch_function_types(conn, {u.function for _, u in uses if u.function})
    commutators = fetch_commutators(conn, {u.operator for _, u in uses if u.swapped})
    found: dict[tuple[str, str], Found] = {}
    for query, use in uses:
        type_name = _key_type(use, functions, query, notes)
        operator = commutators.get(use.operator) if use.swapped else use.operator
        if type_name is None or operator is None:
            continue
        if use.swapped:
            use = _with_operator(use, operator)
        group = found.setdefault(
            (use.table.qualified, use.key), Found(use.table, use.key, use.function, type_name)
        )
        group.uses.append((query, use, None))
    classes = fetch_operator_classes(
        conn, {f.type_name for f in found.values()}, _trigram_missing(conn, snapshot, found)
    )
    out = []
    for group in found.values():
        suggestion = _judge(conn, usage, group, classes[group.type_name], taken, notes)
        if suggestion is not None:
            out.append(suggestion)
    return out


def _big(table: Table, usage: Usage) -> bool:
    return table_rows(table, usage) >= BIG_TABLE_ROWS


def table_rows(table: Table, usage: Usage) -> int:
    """The planner's row count (reltuples); n_live_tup only when never analyzed.

    n_live_tup can count a bulk load twice when ANALYZE runs before its statistics are flushed.
    """
    if table.row_estimate:
        return table.row_estimate
    stats = usage.tables.get(table.name)
    return stats.live_rows if stats else 0


def _key_type(
    use: OperatorUse,
    functions: dict[tuple[str, int], tuple[str | None, bool]],
    query: Query,
    notes: list[str],
) -> str | None:
    if use.function is None:
        column = use.table.column(use.key)
        return column.type if column else None
    type_name, immutable = functions.get((use.function, use.arg_count), (None, False))
    if type_name is not None and not immutable:
        hint = ""
        if use.function == "to_tsvector":
            hint = (
                ": to_tsvector(text) depends on default_text_search_config; write the "
                "configuration, to_tsvector('english', …), and an expression index can serve it"
            )
        notes.append(f"{query.id}: no index can serve {use.key}, which is not immutable{hint}")
        return None
    return type_name


def _with_operator(use: OperatorUse, operator: str) -> OperatorUse:
    return replace(use, operator=operator, swapped=False)


def _trigram_missing(
    conn: psycopg.Connection, snapshot: SchemaSnapshot, found: dict[tuple[str, str], Found]
) -> bool:
    """Whether pg_trgm is available but not installed, when some use could want it."""
    wanted = TRIGRAM_CLASSES[0].operators
    if any(e.name == TRIGRAM for e in snapshot.extensions):
        return False
    if not any(u.operator in wanted for f in found.values() for _, u, _ in f.uses):
        return False
    return TRIGRAM in fetch_available(conn, [TRIGRAM])


def _judge(
    conn: psycopg.Connection,
    usage: Usage,
    group: Found,
    classes: list[OperatorClass],
    taken: set[str],
    notes: list[str],
) -> IndexSuggestion | None:
    search = {u.operator for _, u, _ in group.uses if not u.ordering}
    ordering = {u.operator for _, u, _ in group.uses if u.ordering}
    opclass = choose_class(classes, search, ordering)
    if opclass is None:
        if search and search <= TRIGRAM_CLASSES[0].operators and not classes_with_trigrams(classes):
            ids = ", ".join(dict.fromkeys(q.id for q, _, _ in group.uses))
            notes.append(
                f"{ids}: {group.table.name}.{group.key} needs a trigram index (pg_trgm), and "
                "pg_trgm is not available on this server (it ships with PostgreSQL's contrib)"
            )
        return None
    index = _index(group, opclass)
    if any(_same(existing, index) for existing in group.table.indexes):
        return None  # it exists and the planner still scans: not ours to repeat
    rows = table_rows(group.table, usage)
    kept = _selective(conn, group, rows)
    if not kept:
        return None
    index = index.model_copy(update={"index_name": free_name(index.name(), taken)})
    taken.add(index.name())
    return _suggestion(group, index, kept, rows, usage)


def classes_with_trigrams(classes: list[OperatorClass]) -> bool:
    return any(c.name.endswith("_trgm_ops") for c in classes)


def _index(group: Found, opclass: OperatorClass) -> OperatorIndex:
    table = group.table
    _, first, _ = group.uses[0]
    return OperatorIndex(
        schema_name=table.schema_name,
        table=table.name,
        key=group.key,
        columns=first.columns,
        expression=group.function is not None,
        opclass=opclass,
        concurrently=table.kind == "table",
    )


def _same(existing: Index, index: OperatorIndex) -> bool:
    """An existing valid index with the same method and key (any operator class)."""
    return (
        existing.valid
        and existing.method == index.method
        and existing.predicate is None
        and existing.columns[:1] == [index.key_text]
    )


def _selective(
    conn: psycopg.Connection, group: Found, rows: int
) -> list[tuple[Query, OperatorUse, float | None]]:
    """The uses the planner estimates selective enough (nearest-row ORDER BY always is)."""
    kept: list[tuple[Query, OperatorUse, float | None]] = []
    for query, use, _ in group.uses:
        short = use.pattern is not None and longest_literal(use.pattern) < TRIGRAM_MIN
        if short and use.operator in ("~~", "~~*"):
            continue  # '%ab%' gives no trigram: the index would be read whole
        if use.ordering:
            kept.append((query, use, None))
            continue
        estimate = estimate_rows(conn, group.table, use)
        if estimate is not None and estimate <= SELECTIVE_SHARE * rows:
            kept.append((query, use, estimate))
    return kept


def estimate_rows(conn: psycopg.Connection, table: Table, use: OperatorUse) -> float | None:
    """The planner's row estimate for the predicate alone on its table (None if it fails)."""
    text = (
        sql.SQL("SELECT 1 FROM {} AS {} WHERE ")
        .format(sql.Identifier(table.schema_name, table.name), sql.Identifier(use.alias))
        .as_string(conn)
        + use.predicate
    )
    try:
        return float(plan(conn, check_query(text))["Plan"]["Plan Rows"])
    except Unsupported:
        return None


def estimate_size(index: OperatorIndex, usage: Usage, rows: int) -> int:
    """Rows x (key width x a per-method factor + overhead): a rough size, see SIZE_FACTOR."""
    widths = [
        usage.columns[(index.table, c)].avg_width if (index.table, c) in usage.columns else 32
        for c in index.columns or (index.key,)
    ]
    per_row = sum(widths) * SIZE_FACTOR[index.method] + ROW_OVERHEAD[index.method]
    return int(rows * per_row) + 8192 * 2


def _suggestion(
    group: Found,
    index: OperatorIndex,
    kept: list[tuple[Query, OperatorUse, float | None]],
    rows: int,
    usage: Usage,
) -> IndexSuggestion:
    table = group.table
    opclass = index.opclass
    seen = []
    for query, use, estimate in kept:
        if use.ordering:
            seen.append(f"{query.id} takes the nearest rows by {use.predicate} with a LIMIT")
        else:
            share = estimate / rows if rows else 0  # type: ignore[operator]
            seen.append(
                f"{query.id} filters on {use.predicate} ({use.operator}): the planner estimates "
                f"{estimate:,.0f} of {rows:,} rows ({share:.2%})"
            )
    size = estimate_size(index, usage, rows)
    why = (
        f"judged by rule (HypoPG cannot simulate {opclass.method}, so no planner cost is "
        f"claimed): no B-tree class has these operators, {opclass.method} {opclass.name} has "
        f"them; {'; '.join(seen)}; the plan reads {table.name} "
        f"({format_size(table.size_bytes)} with its indexes) with a sequential scan. "
        f"Size ~{format_size(size)} (rough, from the key's average width: a GIN index is "
        "several times smaller when keys repeat, larger when most are distinct). Writes: "
        + (GIN_WRITES if opclass.method == "gin" else GIST_WRITES)
        + f"; {_writes(usage, table.name)}."
    )
    if opclass.name == "jsonb_path_ops":
        why += " jsonb_path_ops, not jsonb_ops: only containment/path operators are used."
    if opclass.extension:
        why += f" {opclass.extension} is available but not installed: the DDL creates it first."
    if group.function == "to_tsvector":
        why += (
            " Alternative: a stored generated tsvector column (GENERATED ALWAYS AS (…) STORED) "
            "with a GIN index: no to_tsvector at read time (ts_rank gets cheaper), but the row "
            "grows and queries must name the column."
        )
    return IndexSuggestion(
        code=RULES["workload_index"].code,
        rule=RULES["workload_index"].name,
        kind="create",
        table=table.qualified,
        index=index.name(),
        columns=[index.key_text],
        method=opclass.method,
        ddl=index.create_sql(),
        sqlmodel=index.sqlmodel(),
        rationale=why,
        queries=[
            QueryCost(query=q.id, cost_before=round(q.cost_before or 0, 2))
            for q in {q.id: q for q, _, _ in kept}.values()
        ],
        size_bytes=size,
        confidence="medium",
        verified=False,
    )


def _writes(usage: Usage, table: str) -> str:
    stats = usage.tables.get(table)
    writes = stats.writes if stats else 0
    return f"{writes:,} rows written to {table} since the statistics reset"


def format_size(size: int) -> str:
    """1.2 MB or 24 kB."""
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} kB"
