"""Candidate indexes for one query's access to one table: ordered permutations, partial, covering.

Equality and join columns first (ordered permutations of up to three: the order decides which
other queries can share the index), then one range column or the ORDER BY columns; the tenant
column leads on tenant-owned tables; constant filters become partial-index predicates; a
covering variant adds INCLUDE for the other columns the query reads. Candidates an existing
index already covers are dropped here; the planner (HypoPG) decides among the rest.
"""

from __future__ import annotations

from itertools import permutations

from tools.indexes.access import TableAccess
from tools.indexes.matching import covers
from tools.indexes.models import IndexSpec

MAX_PERMUTED = 3  # equality/join columns taken into permutations
MAX_KEYS = 4
MAX_INCLUDE = 4
MAX_PER_ACCESS = 40  # the most specific first; shorter shared prefixes come from other queries


def _key_lists(access: TableAccess, tenant: str | None) -> list[tuple[str, ...]]:
    lead = (tenant,) if tenant else ()
    equal = [c for c in [*access.equality, *access.join] if c != tenant][:MAX_PERMUTED]
    # Longest first: every order of all equality columns, then the shorter subsets.
    prefixes: list[tuple[str, ...]] = []
    for size in range(len(equal), 0, -1):
        prefixes += list(permutations(equal, size))
    prefixes.append(())
    tails: list[tuple[str, ...]] = [()]
    tails += [(c,) for c in access.range[:2]]
    if access.sort:
        tails.append(tuple(access.sort))
    if access.group and access.group != access.sort:
        tails.append(tuple(access.group))
    keys: list[tuple[str, ...]] = []
    for prefix in prefixes:
        for tail in tails:
            # A range column ends the useful part of a btree: nothing after it.
            key = (*lead, *prefix, *(c for c in tail if c not in prefix))
            if key and len(key) <= MAX_KEYS and len(set(key)) == len(key) and key not in keys:
                keys.append(key)
    return keys


def _include(access: TableAccess, key: tuple[str, ...]) -> tuple[str, ...]:
    """Other columns the query reads from the table, if few enough to cover."""
    if access.selected is None:
        return ()
    used = [
        *access.equality,
        *access.join,
        *access.range,
        *access.sort,
        *access.group,
        *sorted(access.selected),
        *access.filters,
    ]
    rest: list[str] = []
    for column in used:
        if column not in key and column not in rest:
            rest.append(column)
    return tuple(rest) if 0 < len(rest) <= MAX_INCLUDE else ()


def generate_candidates(access: TableAccess, tenant_column: str | None) -> list[IndexSpec]:
    """Candidate indexes for this access, without those an existing index covers."""
    table = access.table
    tenant = tenant_column if tenant_column in access.equality else None
    keys = _key_lists(access, tenant)
    # (predicate, the columns it fixes): none, each constant filter, all of them together
    predicates: list[tuple[str | None, set[str]]] = [(None, set())]
    predicates += [(p, {c}) for c, p in access.filters.items()]
    if len(access.filters) > 1:
        predicates.append((" AND ".join(access.filters.values()), set(access.filters)))
    if access.filters and not keys:
        # A filter alone (WHERE deleted_at IS NULL ORDER BY …): index the sort or the filter.
        keys = [tuple(access.sort)] if access.sort else [(next(iter(access.filters)),)]
    specs: list[IndexSpec] = []
    for key in keys:
        for predicate, filtered in predicates:
            trimmed = tuple(c for c in key if c not in filtered) or key
            spec = IndexSpec(
                schema_name=table.schema_name,
                table=table.name,
                columns=trimmed,
                predicate=predicate,
            )
            specs.append(spec)
        include = _include(access, key)
        if include:
            specs.append(
                IndexSpec(
                    schema_name=table.schema_name, table=table.name, columns=key, include=include
                )
            )
    unique: list[IndexSpec] = []
    for spec in specs:
        if spec not in unique and not any(covers(index, spec) for index in table.indexes):
            unique.append(spec)
    return unique[:MAX_PER_ACCESS]


def best_guess(access: TableAccess, tenant_column: str | None) -> IndexSpec | None:
    """The one index a careful reader would write for this access (used without HypoPG)."""
    table = access.table
    tenant = tenant_column if tenant_column in access.equality else None
    lead = (tenant,) if tenant else ()
    equal = [c for c in [*access.equality, *access.join] if c != tenant][:MAX_PERMUTED]
    tail = access.range[:1] or [c for c in access.sort if c not in equal]
    predicate = " AND ".join(access.filters.values()) or None
    key = tuple(c for c in (*lead, *equal, *tail) if c not in access.filters)[:MAX_KEYS]
    if not key:
        return None
    spec = IndexSpec(
        schema_name=table.schema_name, table=table.name, columns=key, predicate=predicate
    )
    if any(covers(index, spec) for index in table.indexes):
        return None
    return spec
