"""One workload set across access methods: the B-tree picks, BRIN, and GIN/GiST/SP-GiST by rule.

`access_method_suggestions` takes the B-tree picks of `tools.indexes.workload` (or the
unverified guesses without HypoPG) and adds what they cannot serve: BRIN for range filters on
big tables stored in the column's order, proven with HypoPG (`tools.indexes.brin`; it may
replace a B-tree pick), and GIN/GiST/SP-GiST judged by rule from the operators
(`tools.indexes.operator_advice`). Both look only at tables a query's current plan reads with a
sequential scan (one EXPLAIN VERBOSE per query that could want them), so an index that exists
and is used is never suggested again. When BRIN changed the set, every query's cost after is
planned again with the whole verified set; rule-judged indexes are never in those costs.
"""

from __future__ import annotations

import psycopg

from tools.catalog.models import SchemaSnapshot
from tools.errors import Unsupported
from tools.explain.plan_reading import walk
from tools.indexes.brin import BRIN_MIN_ROWS, brin_choices, without_flip_back
from tools.indexes.hypopg import HypoPG
from tools.indexes.models import IndexSuggestion, QueryCost, spec_of
from tools.indexes.operator_advice import rule_suggestions, table_rows
from tools.indexes.operators import find_operator_uses
from tools.indexes.queries import Query
from tools.indexes.usage import Usage
from tools.query_safety import plan, plan_cost

RULE_NOTE = (
    "GIN/GiST/SP-GiST suggestions are judged by rule (operator, row estimate, table size): "
    "HypoPG cannot simulate these methods, so their effect is not in any cost after"
)


def access_method_suggestions(
    conn: psycopg.Connection,
    snapshot: SchemaSnapshot,
    usage: Usage,
    hypo: HypoPG | None,
    queries: list[Query],
    picks: list[IndexSuggestion],
    max_indexes: int,
    notes: list[str],
) -> list[IndexSuggestion]:
    """The B-tree picks with BRIN and rule-judged GIN/GiST added, within max_indexes."""
    if max_indexes == 0:
        return picks
    kept = without_flip_back(conn, snapshot, usage, picks, notes)
    wanting = [q for q in queries if _may_want(q, snapshot, usage, brin=hypo is not None)]
    scanned = sequential_scans(conn, wanting) if wanting else {}
    brin: list[IndexSuggestion] = []
    if hypo is not None and scanned:
        brin, kept = brin_choices(conn, hypo, snapshot, usage, wanting, scanned, kept, notes)
    if hypo is not None and (brin or len(kept) != len(picks)):
        replan(conn, hypo, queries, [*kept, *brin])
    rules: list[IndexSuggestion] = []
    if scanned:
        taken = _taken_names(snapshot, [*kept, *brin])
        rules = rule_suggestions(conn, snapshot, usage, wanting, scanned, taken, notes)
    chosen = [*kept, *brin, *rules][:max_indexes]
    if len(chosen) > len(kept) + len(brin):  # some rule-judged index made it in
        notes.append(RULE_NOTE)
    return chosen


def _may_want(query: Query, snapshot: SchemaSnapshot, usage: Usage, *, brin: bool) -> bool:
    """Whether a query has an operator use, or (with HypoPG) a range filter on a big table."""
    if query.skipped or query.checked is None or query.cost_before is None:
        return False
    if brin and any(
        a.range and table_rows(a.table, usage) >= BRIN_MIN_ROWS for a in query.accesses.values()
    ):
        return True
    return bool(find_operator_uses(query.checked.tree, snapshot))


def _taken_names(snapshot: SchemaSnapshot, others: list[IndexSuggestion]) -> set[str]:
    """Relation names of the schema and of the other suggestions: a new index needs another."""
    taken = {t.name for t in snapshot.tables} | {v.name for v in snapshot.views}
    taken |= {i.name for t in snapshot.tables for i in t.indexes}
    return taken | {s.index for s in others if s.index}


def sequential_scans(conn: psycopg.Connection, queries: list[Query]) -> dict[str, set[str]]:
    """Per query id, the schema.table its current plan reads with a sequential scan."""
    out: dict[str, set[str]] = {}
    for query in queries:
        try:
            top = plan(conn, query.checked, verbose=True)["Plan"]  # type: ignore[arg-type]
        except Unsupported:
            continue
        found = {
            f"{node['Schema']}.{node['Relation Name']}"
            for node in walk(top)
            if node["Node Type"] == "Seq Scan" and "Schema" in node
        }
        if found:
            out[query.id] = found
    return out


def replan(
    conn: psycopg.Connection, hypo: HypoPG, queries: list[Query], chosen: list[IndexSuggestion]
) -> None:
    """Plan every query with the verified set as hypothetical indexes; refresh the costs shown."""
    verified = [s for s in chosen if s.verified and s.kind == "create"]
    try:
        with conn.transaction():
            for suggestion in verified:
                hypo.create(spec_of(suggestion))
            for query in queries:
                if not query.skipped and query.checked is not None:
                    query.cost_after = plan_cost(conn, query.checked)
    except BaseException:
        hypo.discard()
        raise
    hypo.reset()
    after = {q.id: q.cost_after for q in queries}
    for suggestion in verified:
        suggestion.queries = [
            QueryCost(
                query=c.query,
                cost_before=c.cost_before,
                cost_after=round(after[c.query], 2) if after.get(c.query) is not None else None,  # type: ignore[arg-type]
            )
            for c in suggestion.queries
        ]
