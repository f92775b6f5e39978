"""Every schema rule for indexes over a snapshot: judged from the catalog and `pg_stat_*`.

The rules that ask for an index live in `tools.indexes.missing`, those on existing indexes in
`tools.indexes.existing`; this module runs them table by table and merges their creates.
"""

from __future__ import annotations

from tools.catalog.models import SchemaSnapshot
from tools.indexes.existing import check_duplicates, check_invalid, check_redundant, check_unused
from tools.indexes.missing import (
    check_low_selectivity,
    check_primary_key,
    check_tenant_leading,
    check_unindexed_fks,
)
from tools.indexes.models import IndexSuggestion
from tools.indexes.usage import Usage


def merge_creates(suggestions: list[IndexSuggestion]) -> list[IndexSuggestion]:
    """Drop a create whose plain btree keys lead another create on the same table."""
    creates = [s for s in suggestions if s.kind == "create"]
    out = []
    for suggestion in suggestions:
        longer = next(
            (
                other
                for other in creates
                if suggestion.kind == "create"
                and other is not suggestion
                and other.table == suggestion.table
                and other.method == suggestion.method == "btree"
                and other.predicate == suggestion.predicate is None
                and not suggestion.include
                and len(other.columns) > len(suggestion.columns)
                and set(other.columns[: len(suggestion.columns)]) == set(suggestion.columns)
            ),
            None,
        )
        if longer is None:
            out.append(suggestion)
        else:
            longer.rationale += f"; it also serves {suggestion.rule} ({suggestion.rationale})"
    return out


def check_schema(
    snapshot: SchemaSnapshot, usage: Usage, tenant_column: str | None
) -> list[IndexSuggestion]:
    """Every schema rule over every table of the snapshot."""
    out: list[IndexSuggestion] = []
    for table in snapshot.tables:
        if table.kind == "foreign table":
            continue
        out += check_unindexed_fks(table)
        out += check_tenant_leading(table, tenant_column, usage)
        out += check_duplicates(table)
        duplicates = {s.index for s in out if s.rule == "duplicate_index"}
        out += [s for s in check_redundant(table) if s.index not in duplicates]
        dropped = {s.index for s in out if s.kind == "drop" and s.table == table.qualified}
        out += [s for s in check_unused(table, usage) if s.index not in dropped]
        out += check_invalid(table)
        out += check_primary_key(table)
        out += check_low_selectivity(table, usage)
    return merge_creates(out)
