"""Every schema rule for indexes over a snapshot: judged from the catalog and `pg_stat_*`.

The rules that ask for an index live in `tools.indexes.missing`, those on existing indexes in
`tools.indexes.existing`; this module runs them table by table so that each existing index gets
one action at most: rebuilt, dropped as a duplicate, as redundant, replaced by a partial index,
or dropped as unused (never the index a redundant one leads, nor one a rule already handles).
A tenant-led twin is asked only for an index that stays.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from tools.catalog.models import SchemaSnapshot, Table
from tools.indexes.existing import check_duplicates, check_invalid, check_redundant, check_unused
from tools.indexes.matching import redundant_with
from tools.indexes.missing import (
    check_low_selectivity,
    check_primary_key,
    check_tenant_leading,
    check_unindexed_fks,
)
from tools.indexes.models import IndexSuggestion
from tools.indexes.tenant_keys import TenantKeys, coming_tenant_keys
from tools.indexes.usage import Usage


def touched(suggestions: Iterable[IndexSuggestion]) -> set[str]:
    """Existing indexes these suggestions rebuild, drop or replace."""
    names: set[str] = set()
    for suggestion in suggestions:
        if suggestion.kind in ("drop", "rebuild") and suggestion.index:
            names.add(suggestion.index)
        names.update(suggestion.replaces)
    return names


def _untouched(suggestions: list[IndexSuggestion], done: list[IndexSuggestion]):
    handled = touched(done)
    return [s for s in suggestions if not (touched([s]) & handled)]


def check_table(
    table: Table,
    usage: Usage,
    tenant_column: str | None,
    taken: Collection[str] = (),
    keys: TenantKeys | None = None,
) -> list[IndexSuggestion]:
    """Every schema rule over one table, one action per existing index."""
    out = check_invalid(table) + check_duplicates(table)
    redundant = _untouched(check_redundant(table), out)
    out += redundant
    out += _untouched(check_low_selectivity(table, usage), out)
    dropped = {s.index for s in redundant}
    leading = {
        longer.name
        for shorter in table.indexes
        if shorter.name in dropped
        for longer in table.indexes
        if redundant_with(shorter, longer)
    }
    out += [s for s in _untouched(check_unused(table, usage), out) if s.index not in leading]
    out += check_tenant_leading(table, tenant_column, usage, skip=touched(out), keys=keys)
    out += check_unindexed_fks(table, keys)
    out += check_primary_key(table, taken)
    return out


def check_schema(
    snapshot: SchemaSnapshot,
    usage: Usage,
    tenant_column: str | None,
    notes: list[str] | None = None,
) -> list[IndexSuggestion]:
    """Every schema rule over every table of the snapshot (merged with the workload later, in
    `tools.indexes.selection`); notes get what the isolation fix's keys make unneeded."""
    keys = coming_tenant_keys(snapshot, tenant_column)
    taken = {t.name for t in snapshot.tables} | {v.name for v in snapshot.views}
    taken |= {i.name for t in snapshot.tables for i in t.indexes}
    out: list[IndexSuggestion] = []
    for table in snapshot.tables:
        if table.kind != "foreign table":
            out += check_table(table, usage, tenant_column, taken, keys)
    if notes is not None:
        notes += keys.notes
    return out
