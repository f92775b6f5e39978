"""Indexes of a finished spec: each placed on its table, listed once, named once per schema.

Run by `SpecBuilder.finish` once every reader is done and references are resolved: an index
written without its table goes to the table its idx_<table>_… name or its columns point to, the
same index listed twice is merged, a name given on two tables names only the first, and an index
on a table defined nowhere is warned about.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tools.spec.model import Entity, SpecConstraint, SpecIndex
from tools.spec.names import Resolve, resolver

if TYPE_CHECKING:
    from tools.spec.builder import SpecBuilder


def finish_indexes(builder: SpecBuilder, entities: list[Entity], future_names: set[str]) -> None:
    """Place, merge and name the spec's indexes (and the names of its UNIQUE / PRIMARY KEY
    constraints, which share the indexes' namespace)."""
    _place(builder, entities)
    names = {e.name for e in entities}
    builder.indexes = _unique(
        [i for i in builder.indexes if i.table], resolver(names), resolver(future_names)
    )
    known = names | future_names
    for index in builder.indexes:
        if index.table not in known:
            builder.warn(index.line, f"index on {index.table!r}, a table defined nowhere")
    _one_name_per_relation(builder)


def _place(builder: SpecBuilder, entities: list[Entity]) -> None:
    """Tables of indexes written without one: guessed from idx_<table>_… names, else the one
    table with all the index's columns (warned and dropped when there is none)."""
    names = {e.name for e in entities}
    longest_first: list[str] = []  # sorted once, not per index (issue #13)
    having: dict[str, set[str]] = {}  # column -> tables: built once, when first needed
    for index in builder.indexes:
        if not index.table and index.name:
            stem = re.sub(r"^(idx|ix|index)_", "", index.name)
            longest_first = longest_first or sorted(names, key=len, reverse=True)
            index.table = next((n for n in longest_first if stem.startswith(n + "_")), "")
        if not index.table:
            having = having or _tables_having(entities)
            owners = set.intersection(*(having.get(c, set()) for c in index.columns))
            if len(owners) != 1:
                builder.warn(index.line, "index not read: no one table has all its columns")
                continue
            index.table = owners.pop()


def _one_name_per_relation(builder: SpecBuilder) -> None:
    """A name the spec gives indexes or keys of two tables: Postgres names indexes (and the
    indexes of UNIQUE and PRIMARY KEY constraints) per schema, so the second is left unnamed
    (its default name then differs), and warned."""
    named: list[SpecIndex | SpecConstraint] = [i for i in builder.indexes if i.name]
    named += [c for c in builder.constraints if c.name and c.kind in ("unique", "primary key")]
    first: dict[str, SpecIndex | SpecConstraint] = {}
    for record in sorted(named, key=lambda r: r.line):
        assert record.name is not None
        seen = first.setdefault(record.name.lower(), record)
        if seen is not record and seen.table != record.table:
            builder.warn(
                record.line,
                f"index name {record.name!r} is already the name of an index on {seen.table}"
                f" (line {seen.line}); left unnamed here",
            )
            record.name = None


def _tables_having(entities: list[Entity]) -> dict[str, set[str]]:
    """Each column name and the tables that have it."""
    having: dict[str, set[str]] = {}
    for entity in entities:
        for column in entity.columns:
            having.setdefault(column.name, set()).add(entity.name)
    return having


def _unique(indexes: list[SpecIndex], resolve: Resolve, future_resolve: Resolve) -> list[SpecIndex]:
    """One index per (table, columns, predicate): the same index listed twice is merged."""
    kept: dict[tuple[str, tuple[str, ...], str | None, bool], SpecIndex] = {}
    for index in indexes:
        index.table = (future_resolve if index.future else resolve)(index.table) or index.table
        key = (index.table, tuple(index.columns), index.where, index.future)
        first = kept.get(key)
        if first is None:
            kept[key] = index
            continue
        first.name = first.name or index.name
        first.unique = first.unique or index.unique
        first.purpose = first.purpose or index.purpose
    return list(kept.values())
