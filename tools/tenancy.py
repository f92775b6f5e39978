"""Which column isolates tenants, and which table is the tenant root: shared by every check."""

from __future__ import annotations

from collections import Counter

from tools.catalog.models import ForeignKey, SchemaSnapshot, Table
from tools.errors import NotFound
from tools.naming import quote_ident

# In order of preference when several appear: the most specific tenancy words first.
TENANT_COLUMNS = (
    "tenant_id",
    "org_id",
    "organization_id",
    "organisation_id",
    "account_id",
    "workspace_id",
    "team_id",
    "company_id",
    "customer_id",
    "project_owner_id",
    "owner_id",
    "user_id",
)
TENANT_ROOT_NAMES = (
    "tenants",
    "tenant",
    "organizations",
    "organization",
    "orgs",
    "org",
    "accounts",
    "account",
    "workspaces",
    "workspace",
    "teams",
    "team",
    "companies",
    "company",
    "customers",
    "customer",
    "users",
    "user",
)


def detect_tenant_column(snapshot: SchemaSnapshot, given: str | None = None) -> str | None:
    """The tenant column: the one given, else the known name most tables carry (None if none)."""
    if given:
        return given
    counts = Counter(
        column.name
        for table in snapshot.tables
        for column in table.columns
        if column.name in TENANT_COLUMNS
    )
    if not counts:
        return None
    best = max(counts.values())
    # Ties go to the most specific word (the order of TENANT_COLUMNS).
    return next(name for name in TENANT_COLUMNS if counts.get(name) == best)


def tenant_column_candidates(snapshot: SchemaSnapshot) -> set[str]:
    """Columns that could isolate tenants: the known tenancy names the schema has, and the
    foreign-key columns that at least two tables carry to the same table (not `id`, nor a
    one-table reference such as `assignee_id`)."""
    known = {c.name for t in snapshot.tables for c in t.columns if c.name in TENANT_COLUMNS}
    references = Counter(
        (fk.columns[0], fk.ref_table)
        for table in snapshot.tables
        for fk in table.foreign_keys
        if len(fk.columns) == 1
    )
    return known | {column for (column, _target), count in references.items() if count >= 2}


def resolve_tenant_column(snapshot: SchemaSnapshot, given: str | None = None) -> str | None:
    """Like `detect_tenant_column`, but a given column no table of the schema has is NotFound.

    The error lists the likely candidates (`tenant_column_candidates`).
    """
    if given and not any(t.column(given) for t in snapshot.tables):
        names = tenant_column_candidates(snapshot)
        raise NotFound("tenant column", given, names, "pass tenant_column=<a column name>")
    return detect_tenant_column(snapshot, given)


def tenant_root(snapshot: SchemaSnapshot, tenant_column: str) -> str | None:
    """The table most tenant-column FKs point at (e.g. organizations), else a well-known name."""
    targets = Counter(
        fk.ref_table
        for table in snapshot.tables
        for fk in table.foreign_keys
        if fk.columns == [tenant_column] and fk.ref_schema == snapshot.schema_name
    )
    if targets:
        return targets.most_common(1)[0][0]
    stem = tenant_column.removesuffix("_id")
    names = {t.name for t in snapshot.tables}
    for candidate in (stem + "s", stem, *TENANT_ROOT_NAMES):
        if candidate in names:
            return candidate
    return None


def is_tenant_owned(table: Table, tenant_column: str | None) -> bool:
    """Whether the table carries the tenant column."""
    return tenant_column is not None and table.column(tenant_column) is not None


def crosses_tenants(
    table: Table, fk: ForeignKey, target: Table | None, tenant_column: str | None
) -> bool:
    """Whether a foreign key joins two tenant tables without the tenant column (ISO021): the
    isolation fix makes it composite, (tenant, *columns) → target (tenant, *ref_columns)."""
    return (
        tenant_column is not None
        and target is not None
        and fk.ref_schema == table.schema_name
        and is_tenant_owned(table, tenant_column)
        and is_tenant_owned(target, tenant_column)
        and tenant_column not in fk.columns
    )


def copy_from_parent(child: str, parent: str, fk: ForeignKey, column: str) -> str:
    """`UPDATE child SET column = parent.column FROM parent WHERE <fk joins> AND … IS NULL;`:
    a backfill of the rows still without `column` from the row their foreign key reaches."""
    joins = " AND ".join(
        f"parent.{quote_ident(ref)} = child.{quote_ident(col)}"
        for col, ref in zip(fk.columns, fk.ref_columns, strict=True)
    )
    name = quote_ident(column)
    return (
        f"UPDATE {child} AS child SET {name} = parent.{name} "
        f"FROM {parent} AS parent WHERE {joins} AND child.{name} IS NULL;\n"
    )
