"""The `suggest_indexes` tool: schema rules plus workload indexes the planner proves.

Schema rules run in `tools.indexes.checks` (`missing`, `existing`), the codes are in
`tools.indexes.rules`, query analysis in `access`, the workload in `queries`, candidates in
`candidates`, the HypoPG proof in `workload` and `hypopg`, the records in `models`. This module
fetches, calls them in order and renders the advice.
"""

from __future__ import annotations

import psycopg

from tools.catalog.models import SchemaSnapshot
from tools.catalog.snapshot import fetch_snapshot, select_names
from tools.errors import ConfigError, NotFound
from tools.indexes.checks import check_schema
from tools.indexes.hypopg import HYPOPG_HINT, HypoPG
from tools.indexes.method_choice import access_method_suggestions
from tools.indexes.models import (
    MAX_IDENTIFIER,
    IndexAdvice,
    IndexSpec,
    IndexSuggestion,
    WorkloadQuery,
    restated,
    spec_of,
)
from tools.indexes.queries import (
    TEXT_LIMIT,
    Query,
    fetch_statements,
    prepare_queries,
    unverified_suggestions,
)
from tools.indexes.selection import BUILDS, select_indexes
from tools.indexes.usage import Usage, fetch_usage
from tools.indexes.workload import measure, proven_suggestions
from tools.query_safety import schema_first_on_path
from tools.tenancy import resolve_tenant_column

MAX_QUERIES = 100


def suggest_indexes(
    conn: psycopg.Connection,
    schema: str = "public",
    queries: list[str] | None = None,
    use_pg_stat_statements: bool = False,
    tenant_column: str | None = None,
    max_indexes: int = 10,
    tables: list[str] | None = None,
) -> IndexAdvice:
    """Suggest indexes to create and to drop, each with DDL, SQLModel code and its proof.

    Call it when queries are slow, after a schema change, or before shipping a feature: pass the
    feature's queries (SQL with literals or $1 parameters; SELECT, UPDATE, DELETE) and/or set
    use_pg_stat_statements to take the database's most expensive statements. Always runs the
    schema rules too: unindexed foreign keys, tenant-scoped indexes not leading with the tenant
    column, duplicate, redundant, unused and invalid indexes, tables without a primary key,
    low-selectivity boolean/status indexes. With the HypoPG extension installed every workload
    index is proven by the planner (cost before → after per query, estimated size); without
    it the candidates come back with verified=false and a hint to install it. Beyond B-tree:
    jsonb and array containment, LIKE/ILIKE '%…', regular expressions (pg_trgm), full-text @@
    and range/geometric operators get GIN/GiST indexes judged by rule (HypoPG cannot simulate
    them: verified=false, the rationale gives the operator, the planner's row estimate, the
    table size, a rough index size and the write cost), and range filters on big tables stored
    in the column's order get BRIN, proven with HypoPG. Nothing is
    created: run the returned `CREATE INDEX CONCURRENTLY` DDL (or add the SQLModel `Index(...)`)
    yourself, in the order given: the answer is one set (schema rules and workload merged, no
    index asked twice or already served, a drop that a new index makes possible folded into
    one replace step) and applied it leaves nothing to suggest next time; max_indexes bounds
    every index it creates. Use explain_query next to look at a single plan. tenant_column,
    when given, must be a column of some table of the schema (else NotFound lists the
    candidates); left out, the usual names (tenant_id, org_id, account_id, …) are detected.
    `tables` (names or globs, 'task*') keeps the advice on those tables only.
    """
    if max_indexes < 0:
        raise ConfigError(f"max_indexes must be 0 or more, got {max_indexes!r}")
    if queries and len(queries) > MAX_QUERIES:
        raise ConfigError(
            f"too many queries ({len(queries)}); pass at most {MAX_QUERIES}, the most frequent"
        )
    snapshot = fetch_snapshot(conn, schema)
    chosen = _chosen(snapshot, tables)
    tenant = resolve_tenant_column(snapshot, tenant_column)
    usage = fetch_usage(conn, schema)
    notes: list[str] = []
    extension = next((e for e in snapshot.extensions if e.name == "hypopg"), None)
    hypo = HypoPG(conn, extension.schema_name) if extension else None

    statements = fetch_statements(conn, snapshot, notes) if use_pg_stat_statements else []
    workload: list[Query] = []
    workload_suggestions: list[IndexSuggestion] = []
    if queries or statements:
        with schema_first_on_path(conn, schema):
            workload = prepare_queries(list(queries or []), statements, snapshot)
            measure(conn, workload)
            if hypo is not None:
                workload_suggestions = proven_suggestions(
                    conn, hypo, workload, tenant, usage, max_indexes
                )
            else:
                notes.append(HYPOPG_HINT)
                workload_suggestions = unverified_suggestions(workload, tenant, max_indexes)
            # GIN/GiST by rule and BRIN by HypoPG, for what a B-tree cannot serve (#16)
            workload_suggestions = access_method_suggestions(
                conn, snapshot, usage, hypo, workload, workload_suggestions, max_indexes, notes
            )

    rules = [s for s in check_schema(snapshot, usage, tenant, notes) if _on(s, chosen)]
    workload_suggestions = [s for s in workload_suggestions if _on(s, chosen)]
    suggestions = select_indexes(workload_suggestions, rules, snapshot.tables, max_indexes, notes)
    _size_creates(conn, hypo, suggestions, snapshot, usage)
    _rename_clashes(suggestions, snapshot)
    if usage.stats_reset is None:
        notes.append("statistics were never reset: unused-index counts cover the server's life")
    return IndexAdvice(
        schema_name=schema,
        tenant_column=tenant,
        hypopg=hypo is not None,
        stats_reset=usage.stats_reset,
        suggestions=suggestions,
        workload=[_workload_query(q) for q in workload],
        total_cost_before=_total(workload, "cost_before"),
        total_cost_after=_total(workload, "cost_after") if hypo is not None else None,
        notes=notes,
    )


def _chosen(snapshot: SchemaSnapshot, tables: list[str] | None) -> set[str] | None:
    """The table names `tables=` asks for; None for all of them."""
    if not tables:
        return None
    names = [t.name for t in snapshot.tables]
    chosen = select_names(names, tables)
    if not chosen:
        raise NotFound("table", ", ".join(tables), names, "pass tables=[names or globs]")
    return chosen


def _on(suggestion: IndexSuggestion, chosen: set[str] | None) -> bool:
    """Whether a suggestion is on one of the chosen tables (all when None)."""
    return chosen is None or suggestion.table.split(".", 1)[-1] in chosen


def _size_creates(
    conn: psycopg.Connection,
    hypo: HypoPG | None,
    suggestions: list[IndexSuggestion],
    snapshot: SchemaSnapshot,
    usage: Usage,
) -> None:
    """Fill in the size of creates: hypopg_relation_size when there, else an estimate."""
    for suggestion in suggestions:
        if suggestion.kind not in BUILDS or suggestion.size_bytes is not None:
            continue
        spec = spec_of(suggestion)
        if hypo is not None:
            suggestion.size_bytes = _hypothetical_size(conn, hypo, spec)
        if suggestion.size_bytes is None:
            suggestion.size_bytes = estimate_size(snapshot, usage, spec)


def _rename_clashes(suggestions: list[IndexSuggestion], snapshot: SchemaSnapshot) -> None:
    """Give a create a fresh name when its derived one is taken.

    `CREATE INDEX IF NOT EXISTS` looks at the name only: a clash would silently create nothing.
    """
    taken = {t.name for t in snapshot.tables} | {v.name for v in snapshot.views}
    taken |= {i.name for t in snapshot.tables for i in t.indexes}
    for number, suggestion in enumerate(suggestions):
        if suggestion.kind not in BUILDS or suggestion.index is None:
            continue
        name, counter = suggestion.index, 1
        while name in taken:
            suffix = f"_{counter}"
            name = (
                suggestion.index.encode()[: MAX_IDENTIFIER - len(suffix)].decode(errors="ignore")
                + suffix
            )
            counter += 1
        taken.add(name)
        if name != suggestion.index:
            suggestions[number] = restated(suggestion, name=name)


def _hypothetical_size(conn: psycopg.Connection, hypo: HypoPG, spec: IndexSpec) -> int | None:
    """hypopg_relation_size of the index, None if HypoPG refuses it; the index never stays."""
    try:
        with conn.transaction():
            oid = hypo.create(spec)
        with hypo.dropped_after(oid):
            return hypo.size(oid)
    except psycopg.Error:
        return None


def estimate_size(snapshot: SchemaSnapshot, usage: Usage, spec: IndexSpec) -> int:
    """Rows x (key widths + tuple header and pointer) / leaf fill, from pg_stats widths."""
    table = snapshot.table(spec.table)
    stats = usage.tables.get(spec.table)
    rows = max(table.row_estimate or 0 if table else 0, stats.live_rows if stats else 0)
    widths = [usage.columns.get((spec.table, c)) for c in (*spec.columns, *spec.include)]
    width = sum(stats.avg_width if stats else 8 for stats in widths)
    return int(rows * (width + 16) / 0.9) + 8192


def _workload_query(query: Query) -> WorkloadQuery:
    text = query.text if len(query.text) <= TEXT_LIMIT else query.text[: TEXT_LIMIT - 1] + "…"
    return WorkloadQuery(
        id=query.id,
        source="given" if query.source == "given" else "pg_stat_statements",
        text=text,
        calls=query.calls,
        tables=sorted(query.accesses),
        cost_before=round(query.cost_before, 2) if query.cost_before is not None else None,
        cost_after=round(query.cost_after, 2) if query.cost_after is not None else None,
        skipped=query.skipped,
    )


def _total(queries: list[Query], attribute: str) -> float | None:
    values = [(q.calls, getattr(q, attribute)) for q in queries if not q.skipped]
    if not values or any(v is None for _, v in values):
        return None
    return round(sum(calls * value for calls, value in values), 2)


def _size(size: int | None) -> str:
    if size is None:
        return "size ?"
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size // 1024} kB"


def render_indexes(advice: IndexAdvice) -> str:
    """The advice as a compact plain-text report."""
    head = (
        f"index advice for schema {advice.schema_name!r}: tenant column "
        f"{advice.tenant_column or 'none'}, HypoPG {'yes' if advice.hypopg else 'no'}"
    )
    lines = [head]
    if advice.total_cost_before is not None:
        after = advice.total_cost_after
        change = (
            f" → {after:.1f} ({(after / advice.total_cost_before - 1):+.0%})"
            if after is not None and advice.total_cost_before
            else ""
        )
        lines.append(
            f"workload: {len(advice.workload)} queries, cost {advice.total_cost_before:.1f}{change}"
        )
    if not advice.suggestions:
        lines.append("no suggestions")
    for s in advice.suggestions:
        proof = "verified" if s.verified else "unverified"
        replaces = f" (replaces {', '.join(s.replaces)})" if s.replaces else ""
        lines.append(
            f"{s.kind.upper():7} {s.code} {s.rule}: {s.table} {s.index or ''}{replaces} "
            f"[{s.confidence}, {proof}, {_size(s.size_bytes)}]"
        )
        if s.ddl:
            lines += [f"  {statement};" for statement in s.ddl.split(";\n")]
        if s.sqlmodel:
            lines.append(f"  SQLModel: {s.sqlmodel}")
        lines.append(f"  why: {s.rationale}")
        if s.queries:
            costs = ", ".join(
                f"{q.query} {q.cost_before:.1f}"
                + (f" → {q.cost_after:.1f}" if q.cost_after is not None else "")
                for q in s.queries
            )
            lines.append(f"  cost: {costs}")
    if advice.workload:
        lines.append("queries:")
        for q in advice.workload:
            first = " ".join(q.text.split())[:90]
            if q.skipped:
                lines.append(f"  {q.id} skipped: {q.skipped} — {first}")
                continue
            cost = f"{q.cost_before:.1f}" if q.cost_before is not None else "?"
            if q.cost_after is not None:
                cost += f" → {q.cost_after:.1f}"
            lines.append(f"  {q.id} x{q.calls} cost {cost}: {first}")
    lines += [f"note: {n}" for n in advice.notes]
    return "\n".join(lines)
