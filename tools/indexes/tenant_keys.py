"""The indexes validate_isolation's ISO021 fix will build, so that suggest_indexes agrees (#11).

A foreign key between two tenant tables that leaves out the tenant column crosses tenants; the
isolation fix makes it composite, `(org_id, owner_id) → users (org_id, id)`, adds `UNIQUE
(org_id, id)` on the target when none exists, and indexes `(org_id, owner_id)`. Both lead with
the tenant column, so a plain `(org_id)` index for the tenant foreign key would be redundant
once the fix is applied. Instead the unindexed_fk rule asks, on the referencing table, for the
composite index itself (same key and name as the isolation fix: `IF NOT EXISTS` builds it once),
and on a target leaves the tenant key to the UNIQUE the fix adds, with a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tools.catalog.models import SchemaSnapshot, Table
from tools.tenancy import crosses_tenants


@dataclass
class TenantKeys:
    """Per table name, the key columns the isolation fix will give an index."""

    tenant_column: str | None = None
    composites: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    uniques: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _has_unique(table: Table, columns: tuple[str, ...]) -> bool:
    return any(
        i.unique and i.valid and i.predicate is None and set(i.columns) == set(columns)
        for i in table.indexes
    )


def coming_tenant_keys(snapshot: SchemaSnapshot, tenant_column: str | None) -> TenantKeys:
    """The composite keys and target UNIQUEs that validate_isolation's ISO021 fix writes."""
    keys = TenantKeys(tenant_column)
    if tenant_column is None:
        return keys
    tables = {t.name: t for t in snapshot.tables}
    for table in snapshot.tables:
        for fk in table.foreign_keys:
            target = tables.get(fk.ref_table)
            if target is None or not crosses_tenants(table, fk, target, tenant_column):
                continue
            keys.composites.setdefault(table.name, []).append((tenant_column, *fk.columns))
            unique = (tenant_column, *fk.ref_columns)
            if not _has_unique(target, unique) and unique not in keys.uniques.get(target.name, []):
                keys.uniques.setdefault(target.name, []).append(unique)
    return keys


def tenant_lead_columns(keys: TenantKeys, table: Table) -> tuple[str, ...] | None:
    """What to index instead of a lone `(tenant)` on this table: the composite key the isolation
    fix indexes, the empty tuple when the UNIQUE it adds leads with the tenant (a note says so),
    else None (index `(tenant)`)."""
    if keys.uniques.get(table.name):
        unique = ", ".join(keys.uniques[table.name][0])
        note = (
            f"{table.name}.{keys.tenant_column}: no index asked, the UNIQUE ({unique}) that "
            "validate_isolation's ISO021 fix adds leads with it; apply that fix"
        )
        if note not in keys.notes:
            keys.notes.append(note)
        return ()
    composites = keys.composites.get(table.name)
    return composites[0] if composites else None


def composite_reason(columns: tuple[str, ...]) -> str:
    """Why a tenant index has more keys than the tenant column."""
    return (
        f"; indexed ({', '.join(columns)}): the composite foreign key validate_isolation's ISO021 "
        f"fix writes needs that index, and it leads with {columns[0]}"
    )
