"""Comparing indexes: what makes two the same, and when one serves what another would.

Pure functions of catalog records (`tools.catalog.snapshot.Index`) and proposed indexes
(`IndexSpec`), shared by the schema rules, the workload candidates and the merging of advice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tools.catalog.models import Index, IndexKey, Table
from tools.indexes.models import IndexSpec


def key_signature(index: Index) -> tuple[Any, ...]:
    """The keys of an index with their order, NULLS placement and operator class."""
    return tuple((k.text, k.descending, k.nulls_first, k.opclass) for k in index.keys)


def index_signature(index: Index) -> tuple[Any, ...]:
    """What makes two indexes the same: keys, INCLUDE, predicate, method."""
    return (key_signature(index), tuple(index.include), index.predicate, index.method)


def covers(index: Index, spec: IndexSpec) -> bool:
    """Whether an existing valid index already serves everything the proposed one would."""
    if not index.valid or index.method != spec.method:
        return False
    if index.predicate is not None and index.predicate != spec.predicate:
        return False
    keys = index.columns
    if spec.method != "btree":
        return list(spec.columns) == keys
    if keys[: len(spec.columns)] != list(spec.columns):
        return False
    return set(spec.include) <= set(keys) | set(index.include)


def leads_with(index: Index, columns: Iterable[str]) -> bool:
    """Whether the index's first keys are exactly these columns, in any order (FK lookups)."""
    wanted = set(columns)
    first = index.columns[: len(wanted)]
    return (
        index.valid
        and index.predicate is None
        and index.method in ("btree", "hash" if len(wanted) == 1 else "btree")
        and set(first) == wanted
    )


def serves_fk(table: Table, index: Index) -> bool:
    """Whether the index is what makes some FK of the table indexed."""
    return any(leads_with(index, fk.columns) for fk in table.foreign_keys)


def plain(index: Index) -> bool:
    """A valid, non-unique btree index of columns that backs no constraint: free to drop."""
    return (
        index.valid
        and not index.unique
        and not index.primary
        and index.constraint is None
        and index.method == "btree"
        and all(k.column is not None for k in index.keys)
    )


def redundant_with(shorter: Index, longer: Index) -> bool:
    """Whether the plain index `shorter` leads `longer`, which then serves all its lookups."""
    signature = key_signature(shorter)
    return (
        plain(shorter)
        and longer.name != shorter.name
        and longer.valid
        and longer.method == "btree"
        and longer.predicate == shorter.predicate
        and len(longer.keys) > len(shorter.keys)
        and key_signature(longer)[: len(signature)] == signature
        and set(shorter.include) <= set(longer.columns) | set(longer.include)
    )


def as_index(spec: IndexSpec) -> Index:
    """The index a proposal would create, as the catalog would describe it once it exists."""
    return Index(
        name=spec.name(),
        keys=[IndexKey(column=column) for column in spec.columns],
        include=list(spec.include),
        method=spec.method,
        predicate=spec.predicate,
        definition=spec.create_sql(concurrently=False, if_not_exists=False),
    )
