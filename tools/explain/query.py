"""`explain_query`: one query's plan, trimmed to the useful fields, with a short reading.

The query goes through `tools.query_safety` (checked, then EXPLAINed over the extended protocol
inside the caller's READ ONLY transaction); `tools.explain.plan_reading` turns the plan into
findings (sequential scans of big tables, misestimates, spills, nested loops over many rows). Index
advice itself is `suggest_indexes`' job; findings point there.
"""

from __future__ import annotations

from typing import Any

import psycopg
from pydantic import BaseModel, Field

from tools.errors import Unsupported
from tools.explain.plan_reading import (
    MAX_TEXT,
    node_label,
    qualified_relation,
    read_plan,
    walk,
)
from tools.findings import Finding, sort_findings
from tools.query_safety import QueryKind, check_query, plan, schema_first_on_path

__all__ = ["MAX_NODES", "ExplainResult", "PlanNode", "explain_query", "render_explain"]

MAX_NODES = 60  # plan nodes kept in the answer; deeper ones are cut (plan_truncated)

DETAIL_KEYS = (
    "Operation",
    "Index Cond",
    "Recheck Cond",
    "Filter",
    "Join Filter",
    "Hash Cond",
    "Merge Cond",
    "One-Time Filter",
    "Sort Key",
    "Presorted Key",
    "Group Key",
    "Cache Key",
    "Strategy",
    "Rows Removed by Filter",
    "Rows Removed by Join Filter",
    "Rows Removed by Index Recheck",
    "Heap Fetches",
    "Sort Method",
    "Hash Batches",
    "HashAgg Batches",
    "Disk Usage",
    "Workers Launched",
    "Subplan Name",
)

# Rows as the planner counts them: reltuples scaled to the relation's current size.
RELATION_TABLES = """
SELECT n.nspname, c.relname,
       CASE WHEN c.relpages > 0
            THEN c.reltuples / c.relpages
                 * (pg_relation_size(c.oid) / current_setting('block_size')::int)
            ELSE c.reltuples END::float8
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest(%s::text[], %s::text[]))
"""


class PlanNode(BaseModel):
    """One plan node with the fields worth reading; children in execution order."""

    node: str = Field(description="node type, with join type or operation, e.g. 'Hash Join (Left)'")
    relation: str | None = Field(
        None, description="schema.table scanned (with alias), or the CTE or function name"
    )
    index: str | None = Field(None, description="index used by an index scan")
    cost: float = Field(description="planner total cost of this node, children included")
    rows: float = Field(description="estimated rows per loop")
    actual_rows: float | None = Field(None, description="actual rows per loop (analyze only)")
    loops: int | None = Field(None, description="times this node ran (analyze only)")
    actual_ms: float | None = Field(None, description="actual time per loop in ms (analyze only)")
    details: list[str] = Field(
        default_factory=list,
        description="conditions, keys and spill facts, e.g. 'Filter: (status = 'open')'",
    )
    children: list[PlanNode] = Field(default_factory=list, description="child plan nodes")


class ExplainResult(BaseModel):
    """A query's plan, its reading as findings, and the numbers that matter."""

    query: str = Field(description="the query as given")
    kind: QueryKind = Field(description="select, update, delete or insert")
    analyzed: bool = Field(description="whether the query was executed (EXPLAIN ANALYZE)")
    generic_plan: bool = Field(
        description="planned without values for its $n parameters (a generic plan)"
    )
    total_cost: float = Field(description="planner total cost of the top node")
    estimated_rows: float = Field(description="rows the planner expects the query to return")
    actual_rows: float | None = Field(None, description="rows returned (analyze only)")
    planning_ms: float | None = Field(None, description="planning time in ms (analyze only)")
    execution_ms: float | None = Field(None, description="execution time in ms (analyze only)")
    plan: PlanNode = Field(description="the plan tree, trimmed to the useful fields")
    plan_truncated: bool = Field(
        False, description=f"more than {MAX_NODES} nodes: deeper nodes left out"
    )
    findings: list[Finding] = Field(
        default_factory=list, description="what the plan shows, EXP codes, worst first"
    )
    next_steps: list[str] = Field(default_factory=list, description="tools worth calling next")


def explain_query(
    conn: psycopg.Connection,
    sql: str,
    analyze: bool = False,
    schema: str = "public",
    allow_analyze: bool = True,
) -> ExplainResult:
    """Explain one query and read its plan: scans, misestimates, spills, costly nested loops.

    Call it to see why a query is slow or how Postgres will run it. `sql` is one SELECT
    (UPDATE/DELETE/INSERT are planned only, never executed); `$1`-style parameters give a
    generic plan. `analyze=True` runs a SELECT inside the read-only transaction under the
    statement timeout and rolls back, adding actual rows, timings, misestimates and spills.
    Returns the trimmed plan tree, total cost, timings and findings (EXP001 sequential scan of a
    big table, EXP002 misestimate, EXP003/EXP004 spill to disk, EXP005 nested loop over many
    rows). Unqualified table names resolve in `schema` first, then public. Servers may turn
    `analyze` off (it runs the query: row counts reveal the data); errors never quote values.
    Next: `suggest_indexes(queries=[sql])` for indexes the planner proves.
    """
    if analyze and not allow_analyze:
        raise Unsupported(
            "analyze=True is off on this server: it executes the query, and its row counts and "
            "timings reveal the data; call again with analyze=False for the estimated plan, or "
            "ask the operator to start the server with PGARCHITECT_ALLOW_ANALYZE=on"
        )
    query = check_query(sql, allow_dml=True)
    with schema_first_on_path(conn, schema):
        document = plan(conn, query, analyze=analyze, verbose=True)
    top = document["Plan"]
    counter = [0]
    tree = trim_node(top, counter)
    table_rows = fetch_table_rows(conn, top)
    findings = sort_findings(read_plan(top, table_rows, analyze))
    return ExplainResult(
        query=sql,
        kind=query.kind,
        analyzed=analyze,
        generic_plan=query.param_count > 0,
        total_cost=top["Total Cost"],
        estimated_rows=top["Plan Rows"],
        actual_rows=top.get("Actual Rows"),
        planning_ms=document.get("Planning Time"),
        execution_ms=document.get("Execution Time"),
        plan=tree,
        plan_truncated=counter[0] > MAX_NODES,
        findings=findings,
        next_steps=next_steps(findings, query.kind, analyze, query.param_count),
    )


# --- trimming ---------------------------------------------------------------------------------


def trim_node(node: dict[str, Any], counter: list[int]) -> PlanNode:
    """The node with its useful fields; counter[0] counts nodes seen, to cut after MAX_NODES."""
    counter[0] += 1
    children = []
    for child in node.get("Plans", []):
        if counter[0] >= MAX_NODES:
            counter[0] += sum(1 for _ in walk(child))
            continue
        children.append(trim_node(child, counter))
    return PlanNode(
        node=node_label(node),
        relation=relation_label(node),
        index=node.get("Index Name"),
        cost=node["Total Cost"],
        rows=node["Plan Rows"],
        actual_rows=node.get("Actual Rows"),
        loops=node.get("Actual Loops"),
        actual_ms=node.get("Actual Total Time"),
        details=[detail for key in DETAIL_KEYS if (detail := detail_text(node, key))],
        children=children,
    )


def relation_label(node: dict[str, Any]) -> str | None:
    """schema.table with its alias when it differs, or the CTE/function scanned."""
    if "Relation Name" in node:
        name = qualified_relation(node)
        alias = node.get("Alias")
        return f"{name} {alias}" if alias and alias != node["Relation Name"] else name
    if "CTE Name" in node:
        return f"CTE {node['CTE Name']}"
    if "Function Name" in node:
        return f"function {node['Function Name']}"
    return None


def detail_text(node: dict[str, Any], key: str) -> str | None:
    """'Key: value' for one detail worth keeping, shortened; None when absent or uninteresting."""
    value = node.get(key)
    if value in (None, [], ""):
        return None
    if key in ("Hash Batches", "HashAgg Batches") and value <= 1:
        return None
    if key in ("Rows Removed by Filter", "Rows Removed by Join Filter", "Disk Usage") and not value:
        return None
    if key == "Sort Method" and "Sort Space Type" in node:
        value = f"{value}, {node['Sort Space Type']} {node.get('Sort Space Used', 0):,} kB"
    if isinstance(value, list):
        value = ", ".join(str(item) for item in value)
    text = f"{key}: {value}"
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


# --- table sizes, next steps -----------------------------------------------------------------


def fetch_table_rows(conn: psycopg.Connection, top: dict[str, Any]) -> dict[str, float]:
    """Rows of every table the plan scans, by schema.table (one catalog query)."""
    pairs = {
        (node["Schema"], node["Relation Name"])
        for node in walk(top)
        if "Relation Name" in node and "Schema" in node
    }
    if not pairs:
        return {}
    schemas, names = zip(*sorted(pairs), strict=True)
    rows = conn.execute(RELATION_TABLES, (list(schemas), list(names)), prepare=False).fetchall()
    return {f"{s}.{n}": count for s, n, count in rows if count is not None and count >= 0}


def next_steps(findings: list[Finding], kind: str, analyze: bool, params: int) -> list[str]:
    """Which tool to call next, given what the plan showed."""
    steps = []
    if any(f.code in ("EXP001", "EXP003", "EXP005") and f.severity == "warning" for f in findings):
        steps.append("suggest_indexes(queries=[this query]): indexes proven by the planner")
    if not analyze and kind == "select" and not params:
        steps.append("explain_query(sql, analyze=True): actual rows, timings, spills")
    return steps


# --- rendering --------------------------------------------------------------------------------


def render_explain(result: ExplainResult) -> str:
    """The plan as an indented tree, then the numbers and the findings."""
    mode = "analyzed" if result.analyzed else "estimated"
    if result.generic_plan:
        mode += ", generic plan for $n parameters"
    lines = [f"plan ({mode}) of: {shorten(' '.join(result.query.split()), 200)}"]
    numbers = f"total cost {result.total_cost:,.2f}, estimated rows {result.estimated_rows:,.0f}"
    if result.analyzed:
        numbers += (
            f", actual rows {result.actual_rows or 0:,.0f}, planning "
            f"{result.planning_ms or 0:.2f} ms, execution {result.execution_ms or 0:.2f} ms"
        )
    lines.append(numbers)
    lines += render_node(result.plan, 0)
    if result.plan_truncated:
        lines.append(f"  … (plan cut after {MAX_NODES} nodes)")
    lines.append(f"findings ({len(result.findings)}):" if result.findings else "findings: none")
    for item in result.findings:
        lines.append(f"  {item.severity} {item.code} {item.object}: {item.message}")
        lines.append(f"    evidence: {item.evidence}")
        if item.fix:
            lines.append(f"    fix: {item.fix}")
    lines += [f"next: {step}" for step in result.next_steps]
    return "\n".join(lines)


def render_node(node: PlanNode, depth: int) -> list[str]:
    """One node and its children, EXPLAIN-style."""
    pad = "  " * depth
    head = f"{pad}-> {node.node}"
    if node.index:
        head += f" using {node.index}"
    if node.relation:
        head += f" on {node.relation}"
    head += f"  (cost {node.cost:,.2f}, rows {node.rows:,.0f}"
    if node.loops is not None:
        head += f"; actual rows {node.actual_rows or 0:,.0f} x {node.loops} loops"
        head += f", {node.actual_ms or 0:.2f} ms"
    lines = [head + ")"]
    lines += [f"{pad}     {detail}" for detail in node.details]
    for child in node.children:
        lines += render_node(child, depth + 1)
    return lines


def shorten(text: str, width: int) -> str:
    """text cut to width characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 1] + "…"
