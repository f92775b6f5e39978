"""Workload indexes: candidates from the queries, proven (or not) by the planner through HypoPG.

With HypoPG: every candidate is created as a hypothetical index inside the caller's READ ONLY
transaction and the queries of its table are EXPLAINed again (`tools.querysafety.plan_cost`,
which prepares afresh each time, so the planner sees the hypothetical indexes). A lazy greedy
pass picks the index that lowers the calls-weighted workload cost most, net of a write charge,
until `max_indexes` or no candidate lowers some query's cost by 20 % more; a pruning pass then
removes any pick the others made unnecessary. Selection plans one query per shape (the same
columns used, other literals), weighted by the calls of all of that shape, and a candidate only
against the shapes that can use it (leading column used, partial predicate implied); the final
costs are then planned for every query. `hypopg_reset()` always runs before returning, after
an error too (in a fresh savepoint, once the failed one is rolled back).

The write charge is a heuristic: WRITE_CHARGE x the table's share of row writes among its
accesses since the statistics reset x the weighted cost of the workload's queries on the table.

Without HypoPG: one best-guess index per query and table, marked unverified.
"""

from __future__ import annotations

import contextlib
import heapq
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from tools.catalog.models import SchemaSnapshot
from tools.errors import Unsupported
from tools.indexes.access import TableAccess, analyze_query
from tools.indexes.candidates import best_guess, generate_candidates
from tools.indexes.models import IndexSpec, IndexSuggestion, QueryCost, create_suggestion
from tools.indexes.rules import Usage
from tools.query_safety import CheckedQuery, check_query, plan_cost

log = logging.getLogger("pgarchitect.indexes")

MIN_GAIN = 0.20  # a candidate must lower some query's cost by at least this share
WRITE_CHARGE = 0.05  # an index on a write-only table costs this share of its queries' cost
TEXT_LIMIT = 300
REASON_LIMIT = 160
TOP_STATEMENTS = 50
HYPOPG_HINT = (
    "install HypoPG to have every workload index proven by the planner: CREATE EXTENSION "
    "hypopg (available on Neon; on Debian/Ubuntu install postgresql-NN-hypopg first); this "
    "tool never creates extensions"
)

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
            query.skipped = _reason(err)
            continue
        if query.checked.kind == "insert":
            query.skipped = "INSERT reads no rows: no index makes it faster"
            continue
        query.accesses = analyze_query(query.checked.tree, snapshot)
        if not query.accesses:
            query.skipped = f"reads no table of schema {snapshot.schema_name!r}"
    return queries


def _reason(err: Exception) -> str:
    """The refusal's first clauses: the full text repeats what is accepted for every query."""
    text = str(err)
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 1] + "…"


def measure(conn: psycopg.Connection, queries: list[Query]) -> None:
    """The planner cost of every analysable query with the indexes that exist now."""
    for query in queries:
        if query.skipped or query.checked is None:
            continue
        try:
            query.cost_before = plan_cost(conn, query.checked)
        except Unsupported as err:
            query.skipped = _reason(err)


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
                "workload_index",
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


class HypoPG:
    """Hypothetical indexes of this backend; `reset` drops them all.

    They belong to the backend session, not to the transaction: a rolled-back savepoint keeps
    them, and a pooled connection would carry them to the next caller. So every use runs in a
    savepoint of ours, and the cleanup runs after rolling back to it (`dropped_after`,
    `discard`), when the transaction accepts statements again.
    """

    def __init__(self, conn: psycopg.Connection, schema: str) -> None:
        self.conn = conn
        self.schema = schema

    def _call(self, function: str, argument: Any) -> Any:
        query = sql.SQL("SELECT * FROM {}(%s)").format(sql.Identifier(self.schema, function))
        return self.conn.execute(query, (argument,)).fetchone()

    def create(self, spec: IndexSpec) -> int:
        row = self._call(
            "hypopg_create_index", spec.create_sql(concurrently=False, if_not_exists=False)
        )
        return int(row[0])

    def drop(self, oid: int) -> None:
        self._call("hypopg_drop_index", oid)

    def size(self, oid: int) -> int:
        return int(self._call("hypopg_relation_size", oid)[0])

    def reset(self) -> None:
        query = sql.SQL("SELECT {}()").format(sql.Identifier(self.schema, "hypopg_reset"))
        self.conn.execute(query)

    @contextlib.contextmanager
    def dropped_after(self, oid: int) -> Iterator[None]:
        """Run the block in a savepoint, then drop the hypothetical index, error or not.

        After an error the savepoint is rolled back first, so the drop can run; a drop failing
        then is logged (the caller's reset remains), never hiding the first error.
        """
        try:
            with self.conn.transaction():
                yield
        except BaseException:
            self.discard(oid)
            raise
        self.drop(oid)

    def discard(self, oid: int | None = None) -> None:
        """Drop one hypothetical index (None: all of them) after an error, never raising."""
        if self.conn.info.transaction_status != psycopg.pq.TransactionStatus.INTRANS:
            log.warning("hypothetical indexes left: the transaction is aborted or gone")
            return
        try:
            with self.conn.transaction():
                if oid is None:
                    self.reset()
                else:
                    self.drop(oid)
        except psycopg.Error as err:
            log.warning("hypothetical indexes could not be dropped: %s", err)


@dataclass
class Candidate:
    """A candidate index and what the planner said of it."""

    spec: IndexSpec
    queries: list[Query]
    charge: float = 0.0
    size: int = 0
    costs: dict[str, float] = field(default_factory=dict)  # query id -> cost with it
    before: dict[str, float] = field(default_factory=dict)  # query id -> cost without it


class Prover:
    """Greedy selection of hypothetical indexes by planner cost."""

    def __init__(self, conn: psycopg.Connection, hypo: HypoPG, current: dict[str, float]) -> None:
        self.conn = conn
        self.hypo = hypo
        self.current = current  # query id -> cost with the chosen set
        self.chosen: dict[IndexSpec, int] = {}  # spec -> hypothetical oid
        self.explains = 0

    def _costs(self, queries: list[Query]) -> dict[str, float]:
        self.explains += len(queries)
        return {q.id: plan_cost(self.conn, q.checked) for q in queries}  # type: ignore[arg-type]

    def evaluate(self, candidate: Candidate) -> float:
        """Net weighted gain of adding the candidate to the chosen set (-inf if under 20 %)."""
        try:
            with self.conn.transaction():  # HypoPG refuses some definitions: skip those
                oid = self.hypo.create(candidate.spec)
        except (psycopg.errors.QueryCanceled, psycopg.OperationalError):
            raise
        except psycopg.Error as err:
            log.info("hypopg refused %s: %s", candidate.spec.label(), err)
            return float("-inf")
        with self.hypo.dropped_after(oid):
            candidate.costs = self._costs(candidate.queries)
            if not candidate.size:
                candidate.size = self.hypo.size(oid)
        return self._gain(candidate, self.current, candidate.costs)

    def _gain(self, candidate: Candidate, without: dict[str, float], with_: dict[str, float]):
        if not any(with_[q.id] <= (1 - MIN_GAIN) * without[q.id] for q in candidate.queries):
            return float("-inf")
        gain = sum(q.weight * (without[q.id] - with_[q.id]) for q in candidate.queries)
        return gain - candidate.charge

    def choose(self, candidates: list[Candidate], max_indexes: int) -> list[Candidate]:
        """Lazy greedy: re-evaluate the best bound against the current set until it holds."""
        # Ties (same plan cost) go to the smaller index, then to the earlier candidate.
        heap: list[tuple[float, int, int, int]] = []
        for number, candidate in enumerate(candidates):
            gain = self.evaluate(candidate)
            if gain > 0:
                heap.append((-gain, candidate.size, number, 0))
        heapq.heapify(heap)
        picked: list[Candidate] = []
        while heap and len(picked) < max_indexes:
            _bound, _size, number, stamp = heapq.heappop(heap)
            candidate = candidates[number]
            if stamp != len(picked):
                gain = self.evaluate(candidate)
                if gain > 0:
                    heapq.heappush(heap, (-gain, candidate.size, number, len(picked)))
                continue
            self.chosen[candidate.spec] = self.hypo.create(candidate.spec)
            self.current.update(candidate.costs)
            picked.append(candidate)
        return self.prune(picked)

    def prune(self, picked: list[Candidate]) -> list[Candidate]:
        """Remove picks the others made unnecessary; record each kept pick's before → after."""
        kept: list[Candidate] = []
        for candidate in sorted(picked, key=lambda c: c.size, reverse=True):
            self.hypo.drop(self.chosen.pop(candidate.spec))
            without = self._costs(candidate.queries)
            merged = {**self.current, **without}
            if self._gain(candidate, merged, self.current) > 0:
                self.chosen[candidate.spec] = self.hypo.create(candidate.spec)
                candidate.before = without
                candidate.costs = {q.id: self.current[q.id] for q in candidate.queries}
                kept.append(candidate)
            else:
                self.current.update(without)
        kept_ids = {id(c) for c in kept}
        return [c for c in picked if id(c) in kept_ids]


def write_share(usage: Usage, table: str) -> float:
    """Share of row writes among the table's accesses since the statistics reset."""
    stats = usage.tables.get(table)
    if stats is None:
        return 0.0
    reads = stats.seq_scan + stats.idx_scan
    return stats.writes / (stats.writes + reads) if stats.writes else 0.0


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


def relevant(spec: IndexSpec, access: TableAccess) -> bool:
    """Whether the query can use the index: its leading column used, its predicate implied."""
    used = {
        *access.equality,
        *access.join,
        *access.range,
        *access.sort,
        *access.group,
        *access.filters,
    }
    if spec.columns[0] not in used:
        return False
    filters = list(access.filters.values())
    return spec.predicate is None or spec.predicate in [*filters, " AND ".join(filters)]


def candidates_for(shapes: list[Query], tenant_column: str | None, usage: Usage) -> list[Candidate]:
    """Every candidate once, with the query shapes that can use it and its write charge."""
    by_spec: dict[IndexSpec, Candidate] = {}
    for query in shapes:
        for access in query.accesses.values():
            for spec in generate_candidates(access, tenant_column):
                by_spec.setdefault(spec, Candidate(spec, []))
    for candidate in by_spec.values():
        spec = candidate.spec
        candidate.queries = [
            q
            for q in shapes
            if spec.qualified in q.accesses and relevant(spec, q.accesses[spec.qualified])
        ]
        share = write_share(usage, spec.table)
        on_table = [q for q in shapes if spec.qualified in q.accesses]
        candidate.charge = (
            WRITE_CHARGE * share * sum(q.weight * (q.cost_before or 0) for q in on_table)
        )
    return [c for c in by_spec.values() if c.queries]


def proven_suggestions(
    conn: psycopg.Connection,
    hypo: HypoPG,
    queries: list[Query],
    tenant_column: str | None,
    usage: Usage,
    max_indexes: int,
) -> list[IndexSuggestion]:
    """Candidates proven with hypothetical indexes, chosen greedily; HypoPG reset on the way out.

    Selection plans one query per shape; the final costs are planned for every query.
    """
    shapes = representatives(queries)
    candidates = candidates_for(shapes, tenant_column, usage)
    current = {q.id: q.cost_before for q in shapes}
    prover = Prover(conn, hypo, current)  # type: ignore[arg-type]
    try:
        with conn.transaction():  # a savepoint: an error leaves the caller's transaction usable
            picked = prover.choose(candidates, max_indexes)
            for query in queries:
                if not query.skipped and query.checked is not None:
                    query.cost_after = plan_cost(conn, query.checked)
    except BaseException:
        hypo.discard()  # after the rollback to the savepoint; never hides the error
        raise
    hypo.reset()
    log.info("%d candidates, %d EXPLAINs, %d picked", len(candidates), prover.explains, len(picked))
    return [_proven(c) for c in picked]


def _proven(candidate: Candidate) -> IndexSuggestion:
    """The suggestion for a pick: every query of the shapes it helped, before → after the set."""
    helped = [
        q for q in candidate.queries if candidate.costs[q.id] < candidate.before[q.id] * 0.999
    ]
    best = max((1 - candidate.costs[q.id] / candidate.before[q.id] for q in helped), default=0.0)
    served = [
        QueryCost(
            query=member.id,
            cost_before=round(member.cost_before or 0, 2),
            cost_after=round(member.cost_after, 2) if member.cost_after is not None else None,
        )
        for q in helped
        for member in q.shape
    ]
    spec = candidate.spec
    table = candidate.queries[0].accesses[spec.qualified].table
    return create_suggestion(
        "workload_index",
        spec,
        f"the planner (HypoPG) prefers it for {', '.join(s.query for s in served)}: given the "
        f"other picks it cuts the cost by {best:.0%} at best (costs shown: before → after the "
        "whole set)",
        concurrently=table.kind == "table",
        queries=served,
        size_bytes=candidate.size,
        confidence="high" if best >= 0.5 else "medium",
        verified=True,
    )
