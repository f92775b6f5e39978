"""Reading a plan: findings from EXPLAIN's JSON, pure functions of the plan and table sizes.

The EXP codes (registered in `tools.explain.rules`): sequential scans of big tables, misestimated
row counts, sorts and hashes spilling to disk, nested loops over many row pairs.
`tools.explain.query` fetches the plan and the table sizes, trims the tree and renders; index
advice itself is `suggest_indexes`' job.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pglast
from pglast import ast
from pglast.stream import maybe_double_quote_name as q

from tools.explain.operator_hints import filter_method
from tools.explain.rules import RULES
from tools.findings import Finding, finding
from tools.query_safety import walk_ast

BIG_TABLE_ROWS = 10_000  # a sequential scan below this is usually the right plan
SELECTIVE_SHARE = 0.1  # a filter keeping less than this share of rows wants an index
MISESTIMATE_FACTOR = 10
MISESTIMATE_MIN_ROWS = 100
NESTED_LOOP_PAIRS = 100_000
MAX_TEXT = 300  # characters kept of one condition
MAX_MISESTIMATES = 3


def node_label(node: dict[str, Any]) -> str:
    """'Hash Join (Left)', 'Seq Scan', 'Aggregate (Hashed)', 'Parallel Seq Scan'."""
    label = node["Node Type"]
    if node.get("Parallel Aware"):
        label = f"Parallel {label}"
    if node.get("Join Type") and node["Join Type"] != "Inner":
        label += f" ({node['Join Type']})"
    if node.get("Parent Relationship") in ("InitPlan", "SubPlan"):
        label += f" [{node['Parent Relationship']}]"
    return label


def qualified_relation(node: dict[str, Any]) -> str:
    """schema.table of a scan node (VERBOSE gives "Schema")."""
    schema = node.get("Schema")
    return f"{schema}.{node['Relation Name']}" if schema else node["Relation Name"]


def walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every node of a raw plan, depth first."""
    yield node
    for child in node.get("Plans", []):
        yield from walk(child)


def read_plan(top: dict[str, Any], table_rows: dict[str, float], analyze: bool) -> list[Finding]:
    """All findings of a plan (pure function of the EXPLAIN JSON and the table sizes)."""
    findings = check_seq_scans(top, table_rows)
    findings += check_nested_loops(top)
    if analyze:
        findings += check_misestimates(top)
        findings += check_spills(top)
    return list(dict.fromkeys(findings))  # a table scanned twice (self-join) reads as one


def check_seq_scans(top: dict[str, Any], table_rows: dict[str, float]) -> list[Finding]:
    """EXP001: a sequential scan of a table of BIG_TABLE_ROWS or more."""
    findings = []
    for node in walk(top):
        if node["Node Type"] != "Seq Scan" or "Relation Name" not in node:
            continue
        table = qualified_relation(node)
        seen = node.get("Actual Rows", node["Plan Rows"]) + node.get("Rows Removed by Filter", 0)
        total = max(table_rows.get(table, 0), seen)
        if total < BIG_TABLE_ROWS:
            continue
        kept = node.get("Actual Rows", node["Plan Rows"])
        evidence = f"{node_label(node)} on {table} ({total:,.0f} rows)"
        if node.get("Filter") and kept < total * SELECTIVE_SHARE:
            message = f"sequential scan of {table} keeps about {kept:,.0f} of {total:,.0f} rows"
            fix = (
                "an index on the filtered columns lets Postgres skip the other rows; "
                "call suggest_indexes(queries=[this query]) for one the planner proves"
            )
            needs = filter_method(node["Filter"])
            if needs is not None:  # a B-tree cannot serve @>, ?, ILIKE '%…', @@, &&: name it
                message += f": its {needs[0]} filter needs {needs[1]}"
                fix = (
                    f"{needs[1]} serves {needs[0]}, a B-tree cannot; call "
                    "suggest_indexes(queries=[this query]) for the DDL"
                )
            findings.append(
                finding(
                    RULES["EXP001"],
                    table,
                    message,
                    f"{evidence}, Filter: {node['Filter']}"[:MAX_TEXT],
                    fix,
                )
            )
        elif not node.get("Filter"):
            findings.append(
                finding(
                    RULES["EXP001"],
                    table,
                    f"sequential scan reads all {total:,.0f} rows of {table}",
                    evidence,
                    "fine when the query needs every row; otherwise add a WHERE or LIMIT",
                    severity="info",
                )
            )
    return findings


def check_nested_loops(top: dict[str, Any]) -> list[Finding]:
    """EXP005: a nested loop comparing NESTED_LOOP_PAIRS or more row pairs."""
    findings = []
    for node in walk(top):
        children = node.get("Plans", [])
        if node["Node Type"] != "Nested Loop" or len(children) != 2:
            continue
        outer, inner = children
        outer_rows = rows_total(outer)
        inner_rows = inner.get("Actual Rows", inner["Plan Rows"])
        if outer_rows * inner_rows < NESTED_LOOP_PAIRS:
            continue
        scanned = next(
            (qualified_relation(n) for n in walk(inner) if "Relation Name" in n), "inner side"
        )
        findings.append(
            finding(
                RULES["EXP005"],
                scanned,
                f"nested loop compares about {outer_rows * inner_rows:,.0f} row pairs",
                f"outer {outer_rows:,.0f} rows x inner {inner_rows:,.0f} rows per loop "
                f"({node_label(inner)} on {scanned})",
                f"an index on the join column of {scanned} turns each loop into a lookup; "
                "call suggest_indexes(queries=[this query])",
            )
        )
    return findings


def rows_total(node: dict[str, Any]) -> float:
    """Rows a node produced over all its loops (actual when analyzed, else estimated)."""
    if "Actual Rows" in node:
        return node["Actual Rows"] * node.get("Actual Loops", 1)
    return node["Plan Rows"]


def check_misestimates(top: dict[str, Any]) -> list[Finding]:
    """EXP002: the worst nodes whose actual rows differ from the estimate by 10x or more."""
    candidates = []
    for node in executed_fully(top):
        loops = node.get("Actual Loops", 0)
        if not loops:
            continue
        estimated, actual = node["Plan Rows"] * loops, node["Actual Rows"] * loops
        if max(estimated, actual) < MISESTIMATE_MIN_ROWS:
            continue
        factor = max(estimated, actual) / max(min(estimated, actual), 1)
        if factor >= MISESTIMATE_FACTOR:
            candidates.append((factor, node, estimated, actual))
    candidates.sort(key=lambda item: -item[0])
    findings = []
    for factor, node, estimated, actual in candidates[:MAX_MISESTIMATES]:
        obj = qualified_relation(node) if "Relation Name" in node else node_label(node)
        condition = next((node[k] for k in ("Filter", "Index Cond", "Hash Cond") if k in node), "")
        findings.append(
            finding(
                RULES["EXP002"],
                obj,
                f"{node_label(node)} estimated {estimated:,.0f} rows but got {actual:,.0f} "
                f"({factor:,.0f}x off)",
                f"{node_label(node)} on {obj}" + (f", {condition}" if condition else ""),
                misestimate_fix(node),
            )
        )
    return findings


def misestimate_fix(node: dict[str, Any]) -> str:
    """ANALYZE, and extended statistics when the scan's conditions combine several columns.

    Written as a script that runs as printed (`psql -v ON_ERROR_STOP=1`): advice in comments.
    """
    if "Relation Name" not in node or "Schema" not in node:
        return "-- ANALYZE the tables below this node: their statistics may be stale"
    table = f"{q(node['Schema'])}.{q(node['Relation Name'])}"
    conditions = [node[key] for key in ("Index Cond", "Filter") if key in node]
    columns = list(dict.fromkeys(c for text in conditions for c in condition_columns(node, text)))
    if len(columns) < 2:
        return f"ANALYZE {table};  -- statistics may be stale"
    name = "_".join([node["Relation Name"], *columns, "stats"])[:63]
    return (
        f"ANALYZE {table};\n-- if the estimate stays off, the columns are correlated:\n"
        f"CREATE STATISTICS IF NOT EXISTS {q(node['Schema'])}.{q(name)} (dependencies, mcv) ON "
        f"{', '.join(q(c) for c in columns[:8])} FROM {table};\nANALYZE {table};"
    )


def condition_columns(node: dict[str, Any], condition: str) -> list[str]:
    """Columns of the scanned table a plan condition uses (parsed with pglast; [] if it cannot)."""
    try:
        (statement,) = pglast.parse_sql(f"SELECT 1 WHERE {condition}")
    except (pglast.parser.ParseError, ValueError):
        return []  # e.g. '(hashed SubPlan 1)' is plan text, not SQL
    aliases = {node["Relation Name"], node.get("Alias")}
    columns: list[str] = []
    where = statement.stmt.whereClause if isinstance(statement.stmt, ast.SelectStmt) else None
    if where is None:
        return []
    for ref in walk_ast(where):
        fields = ref.fields if isinstance(ref, ast.ColumnRef) and ref.fields else ()
        if fields and isinstance(fields[-1], ast.String) and fields[-1].sval is not None:
            qualifier = [f.sval for f in fields[:-1] if isinstance(f, ast.String)]
            if not qualifier or qualifier[-1] in aliases:
                columns.append(fields[-1].sval)
    return columns


def executed_fully(top: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Nodes whose actual rows can be compared with the estimate: not cut short by a Limit or
    by the inner side of a semi/anti join, which stop reading early."""
    stack = [top]
    while stack:
        node = stack.pop()
        yield node
        if node["Node Type"] == "Limit":
            continue
        children = node.get("Plans", [])
        if node.get("Join Type") in ("Semi", "Anti") and len(children) == 2:
            children = children[:1]
        stack.extend(reversed(children))


def check_spills(top: dict[str, Any]) -> list[Finding]:
    """EXP003 sorts and EXP004 hashes that did not fit in work_mem."""
    findings = []
    for node in walk(top):
        where = next((qualified_relation(n) for n in walk(node) if "Relation Name" in n), "query")
        if node.get("Sort Space Type") == "Disk":
            used = node.get("Sort Space Used", 0)
            findings.append(
                finding(
                    RULES["EXP003"],
                    where,
                    f"sort spilled {used:,} kB to disk ({node.get('Sort Method')})",
                    f"Sort Key: {', '.join(node.get('Sort Key', []))}"[:MAX_TEXT],
                    "an index in the ORDER BY order avoids the sort (suggest_indexes); or "
                    f"raise work_mem for this query: SET LOCAL work_mem = '{spill_mem(used)}'",
                )
            )
        batches = max(node.get("Hash Batches", 1), node.get("HashAgg Batches", 1))
        if batches > 1 or node.get("Disk Usage"):
            findings.append(
                finding(
                    RULES["EXP004"],
                    where,
                    f"{node_label(node)} spilled to disk in {batches} batches",
                    f"{node_label(node)}: batches {batches}, peak memory "
                    f"{node.get('Peak Memory Usage', 0):,} kB"
                    + (f", disk {node['Disk Usage']:,} kB" if node.get("Disk Usage") else ""),
                    "raise work_mem for this query (SET LOCAL work_mem) or join/group fewer rows",
                )
            )
    return findings


def spill_mem(used_kb: int) -> str:
    """A work_mem that would hold a spilled sort: about three times the disk used, in MB."""
    return f"{max(4, -(-used_kb * 3 // 1024))}MB"
