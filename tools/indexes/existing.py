"""Schema rules on the indexes that exist: duplicate, redundant, unused and invalid ones.

An index backing a constraint (primary key, unique, exclusion) is never dropped, nor one that
makes a foreign key indexed. Pure functions of the snapshot and `Usage`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from psycopg import sql

from tools.catalog.models import Index, Table
from tools.indexes.matching import index_signature, redundant_with, serves_fk
from tools.indexes.models import IndexSuggestion, drop_suggestion
from tools.indexes.rules import RULES
from tools.indexes.usage import Usage

UNUSED_MIN_BYTES = 1024 * 1024  # smaller unused indexes cost too little to be worth a drop


def _keeper_rank(index: Index) -> tuple[Any, ...]:
    """Which of equal indexes to keep: constraint-backing, primary, unique, then by name."""
    return (index.constraint is None, not index.primary, not index.unique, index.name)


def check_duplicates(table: Table) -> list[IndexSuggestion]:
    """Indexes identical in keys, INCLUDE, predicate and method: keep one, drop the rest."""
    groups: dict[tuple[Any, ...], list[Index]] = defaultdict(list)
    for index in table.indexes:
        if index.valid:
            groups[index_signature(index)].append(index)
    out = []
    for same in groups.values():
        if len(same) < 2:
            continue
        keep, *others = sorted(same, key=_keeper_rank)
        for index in others:
            if index.constraint or index.primary or (index.unique and not keep.unique):
                continue
            out.append(
                drop_suggestion(
                    RULES["duplicate_index"],
                    table,
                    index,
                    f"{index.name} is identical to {keep.name} ({index.definition}): every write "
                    "maintains both, reads use one",
                )
            )
    return out


def check_redundant(table: Table) -> list[IndexSuggestion]:
    """Plain btree indexes whose keys lead another btree index: the longer one serves both."""
    out = []
    for index in table.indexes:
        other = next((o for o in table.indexes if redundant_with(index, o)), None)
        if other is None:
            continue
        out.append(
            drop_suggestion(
                RULES["redundant_index"],
                table,
                index,
                f"{index.name} ({', '.join(index.columns)}) is a leading prefix of "
                f"{other.name} ({', '.join(other.columns)}), which serves the same lookups",
            )
        )
    return out


def check_unused(table: Table, usage: Usage) -> list[IndexSuggestion]:
    """Indexes never scanned since the statistics reset and big enough to matter."""
    since = f"since {usage.stats_reset}" if usage.stats_reset else "since statistics began"
    out = []
    for index in table.indexes:
        if (
            index.scans != 0
            or index.size_bytes < UNUSED_MIN_BYTES
            or index.constraint
            or index.unique
            or not index.valid
            or serves_fk(table, index)
        ):
            continue
        out.append(
            drop_suggestion(
                RULES["unused_index"],
                table,
                index,
                f"{index.name} has had 0 scans {since} and takes "
                f"{index.size_bytes // 1024} kB; check replicas and rare jobs (month-end "
                "reports) before dropping",
                confidence="medium",
            )
        )
    return out


def check_invalid(table: Table) -> list[IndexSuggestion]:
    """Indexes left invalid by a failed CREATE INDEX CONCURRENTLY: maintained, never used."""
    out = []
    for index in table.indexes:
        if index.valid:
            continue
        reindex = sql.SQL("REINDEX INDEX CONCURRENTLY {}").format(
            sql.Identifier(table.schema_name, index.name)
        )
        out.append(
            drop_suggestion(
                RULES["invalid_index"],
                table,
                index,
                f"{index.name} is invalid (indisvalid = false, a failed concurrent build): "
                "writes maintain it, the planner never uses it; rebuild it, or drop it with "
                "DROP INDEX CONCURRENTLY if it is not wanted",
                kind="rebuild",
                ddl=reindex.as_string(),
            )
        )
    return out
