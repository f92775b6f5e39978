"""Workload indexes: candidates from the queries, proven (or not) by the planner through HypoPG.

With HypoPG: every candidate is created as a hypothetical index inside the caller's READ ONLY
transaction and the queries of its table are EXPLAINed again (`tools.query_safety.plan_cost`,
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

The queries themselves are prepared in `tools.indexes.queries` (which also gives, without
HypoPG, one best-guess index per query and table, marked unverified), HypoPG's calls are in
`tools.indexes.hypopg`.
"""

from __future__ import annotations

import heapq
import logging
from dataclasses import dataclass, field

import psycopg

from tools.errors import Unsupported
from tools.indexes.access import TableAccess
from tools.indexes.candidates import generate_candidates
from tools.indexes.hypopg import HypoPG
from tools.indexes.models import IndexSpec, IndexSuggestion, QueryCost, create_suggestion
from tools.indexes.queries import Query, reason, representatives
from tools.indexes.rules import RULES
from tools.indexes.usage import Usage
from tools.progress import report_progress
from tools.query_safety import plan_cost

__all__ = ["HypoPG", "measure", "proven_suggestions"]

log = logging.getLogger("pgarchitect.indexes")

MIN_GAIN = 0.20  # a candidate must lower some query's cost by at least this share
WRITE_CHARGE = 0.05  # an index on a write-only table costs this share of its queries' cost


def measure(conn: psycopg.Connection, queries: list[Query]) -> None:
    """The planner cost of every analysable query with the indexes that exist now."""
    for query in queries:
        if query.skipped or query.checked is None:
            continue
        try:
            query.cost_before = plan_cost(conn, query.checked)
        except Unsupported as err:
            query.skipped = reason(err)


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
            report_progress(number, len(candidates), f"HypoPG: {candidate.spec.label()}")
            gain = self.evaluate(candidate)
            if gain > 0:
                heap.append((-gain, candidate.size, number, 0))
        report_progress(len(candidates), len(candidates), "HypoPG: candidates evaluated")
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
        RULES["workload_index"],
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
