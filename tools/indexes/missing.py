"""Schema rules that ask for an index or a key: unindexed foreign keys, tenant-leading lookups,
tables without a primary key, and lone low-selectivity indexes where a partial index fits.

Pure functions of the snapshot and `Usage`.
"""

from __future__ import annotations

from collections.abc import Collection

from psycopg import sql

from tools.catalog.models import Index, Table
from tools.indexes.matching import covers, leads_with, serves_fk
from tools.indexes.models import IndexSpec, IndexSuggestion, create_suggestion, restated
from tools.indexes.rules import RULES
from tools.indexes.tenant_keys import TenantKeys, composite_reason, tenant_lead_columns
from tools.indexes.usage import ColumnStats, Usage
from tools.naming import default_name
from tools.tenancy import is_tenant_owned

LOW_SELECTIVITY_SHARE = 0.5  # one value in at least half the rows: a plain index rarely helps
STATUS_MAX_DISTINCT = 10
SMALL_TABLE_ROWS = 10_000  # below this a sequential scan is cheap: no tenant lookup index asked


def check_unindexed_fks(table: Table, keys: TenantKeys | None = None) -> list[IndexSuggestion]:
    """Foreign keys whose columns no index leads with: deletes on the parent scan this table.

    The tenant key of a table the isolation fix gives a tenant-led index is indexed as that
    fix does it (`tools.indexes.tenant_keys`), so that both tools' advice applied is one set.
    """
    out = []
    for fk in table.foreign_keys:
        if any(leads_with(index, fk.columns) for index in table.indexes):
            continue
        columns, why = tuple(fk.columns), ""
        if keys is not None and fk.columns == [keys.tenant_column]:
            instead = tenant_lead_columns(keys, table)
            if instead == ():
                continue  # the UNIQUE the isolation fix adds serves it (a note says so)
            if instead:
                columns, why = instead, composite_reason(instead)
        spec = IndexSpec(schema_name=table.schema_name, table=table.name, columns=columns)
        out.append(
            create_suggestion(
                RULES["unindexed_fk"],
                spec,
                f"foreign key {fk.name} ({', '.join(fk.columns)}) → {fk.ref_table} has no index "
                "leading with its columns: every delete or key update on "
                f"{fk.ref_table} scans {table.name}, and joins on it cannot use an index{why}",
                confidence="high",
                verified=True,
                concurrently=table.kind == "table",
            )
        )
    return out


def check_tenant_leading(
    table: Table,
    tenant_column: str | None,
    usage: Usage,
    skip: Collection[str] = (),
    keys: TenantKeys | None = None,
) -> list[IndexSuggestion]:
    """Lookup indexes of a tenant-owned table that do not lead with the tenant column.

    Lone low-selectivity indexes are left to check_low_selectivity (a partial index fits),
    indexes named in `skip` (dropped or replaced by another rule) are not worth a tenant-led
    twin, and analysed tables under SMALL_TABLE_ROWS are left alone.
    """
    if not is_tenant_owned(table, tenant_column) or (
        table.row_estimate is not None and table.row_estimate < SMALL_TABLE_ROWS
    ):
        return []
    assert tenant_column is not None
    out = []
    fk_column_sets = {tuple(fk.columns) for fk in table.foreign_keys}
    for index in table.indexes:
        columns = index.columns
        if (
            index.primary
            or index.constraint
            or index.unique
            or not index.valid
            or index.method != "btree"
            or tenant_column in columns
            or any(k.column is None for k in index.keys)
            or tuple(columns) in fk_column_sets  # serves the FK check, which has no tenant
            or index.name in skip
            or _low_selectivity(table, index, usage) is not None
        ):
            continue
        spec = IndexSpec(
            schema_name=table.schema_name,
            table=table.name,
            columns=(tenant_column, *columns),
            include=tuple(index.include),
            predicate=index.predicate,
        )
        if any(covers(existing, spec) for existing in table.indexes):
            continue
        out.append(
            create_suggestion(
                RULES["tenant_not_leading"],
                spec,
                f"{index.name} ({', '.join(columns)}) does not lead with {tenant_column}: "
                f"tenant-scoped lookups read every tenant's entries; drop {index.name} once "
                "this one is used",
                confidence="medium",
                verified=False,
                concurrently=table.kind == "table",
            )
        )
    if not any(i.columns[:1] == [tenant_column] and i.valid for i in table.indexes) and not any(
        fk.columns[:1] == [tenant_column] for fk in table.foreign_keys
    ):
        lead: tuple[str, ...] = (tenant_column,)
        why = ""
        instead = tenant_lead_columns(keys, table) if keys is not None else None
        if instead == ():
            return out  # the UNIQUE the isolation fix adds leads with it (a note says so)
        if instead:
            lead, why = instead, composite_reason(instead)
        spec = IndexSpec(schema_name=table.schema_name, table=table.name, columns=list(lead))
        out.append(
            create_suggestion(
                RULES["tenant_not_leading"],
                spec,
                f"no index leads with the tenant column {tenant_column}: tenant-scoped "
                f"queries scan the whole table{why}",
                confidence="medium",
                verified=False,
                concurrently=table.kind == "table",
            )
        )
    return out


def check_primary_key(table: Table, taken: Collection[str] = ()) -> list[IndexSuggestion]:
    """Tables without a primary key: no row identity for ORMs, logical replication, updates.

    `taken` holds the relation names of the schema: the key is named as Postgres would name it,
    past those, and a new identity column never reuses a column's name.
    """
    if table.primary_key is not None or table.kind != "table":
        return []
    candidate = next(
        (
            i
            for i in table.indexes
            if i.unique
            and i.valid
            and i.predicate is None
            and all(k.column and not table.column(k.column).nullable for k in i.keys)  # type: ignore[union-attr]
        ),
        None,
    )
    target = sql.Identifier(table.schema_name, table.name)
    if candidate is not None:
        ddl = (
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY USING INDEX {}")
            .format(
                target,
                sql.Identifier(default_name(table.name, [], "primary", taken)),
                sql.Identifier(candidate.name),
            )
            .as_string()
        )
        how = f"promote the unique index {candidate.name} on NOT NULL columns"
    else:
        column = next(c for c in ("id", f"{table.name}_id", "row_id") if table.column(c) is None)
        ddl = (
            sql.SQL("ALTER TABLE {} ADD COLUMN {} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY")
            .format(target, sql.Identifier(column))
            .as_string()
        )
        how = "add an identity column (rewrites the table: plan a maintenance window)"
    return [
        IndexSuggestion(
            code=RULES["no_primary_key"].code,
            rule="no_primary_key",
            kind="review",
            table=table.qualified,
            index=candidate.name if candidate else None,
            columns=candidate.columns if candidate else [],
            ddl=ddl,
            sqlmodel="id: int | None = Field(default=None, primary_key=True)",
            rationale=f"{table.name} has no primary key: SQLModel cannot map it, logical "
            f"replication cannot send its updates and deletes; {how}",
            confidence="high",
            verified=True,
        )
    ]


def _quote(value: str) -> str:
    return sql.Literal(value).as_string()


def _low_selectivity(table: Table, index: Index, usage: Usage) -> str | None:
    """The partial-index predicate for a lone boolean/status index, None if it is not one."""
    if (
        len(index.keys) != 1
        or index.keys[0].column is None
        or index.predicate
        or index.unique
        or index.constraint
        or index.method != "btree"
    ):
        return None
    name = index.keys[0].column
    column = table.column(name)
    if column is None:
        return None
    return _partial_predicate(name, column.type, usage.columns.get((table.name, name)))


def check_low_selectivity(table: Table, usage: Usage) -> list[IndexSuggestion]:
    """Lone indexes on a boolean or status column where a partial index fits better: one
    replace step (build the partial index, then drop the lone one). An index that makes a
    foreign key indexed stays."""
    out = []
    for index in table.indexes:
        predicate = _low_selectivity(table, index, usage)
        if predicate is None or serves_fk(table, index):
            continue
        name = index.columns[0]
        column = table.column(name)
        stats = usage.columns.get((table.name, name))
        assert column is not None
        spec = IndexSpec(
            schema_name=table.schema_name, table=table.name, columns=(name,), predicate=predicate
        )
        if any(covers(other, spec) for other in table.indexes if other.name != index.name):
            continue
        share = (
            f"{stats.values[0]!r} in {stats.freqs[0]:.0%} of rows"
            if stats and stats.freqs
            else "two values"
        )
        reason = (
            f"{index.name} indexes {name} alone ({column.type}, {share}): the planner uses it "
            f"only for the rare values; the partial index WHERE {predicate} serves those at a "
            "fraction of the size and write cost"
        )
        create = create_suggestion(
            RULES["low_selectivity_index"],
            spec,
            reason + f"; {index.name} is dropped once the partial index is built",
            confidence="medium",
            concurrently=table.kind == "table",
        )
        out.append(restated(create, replaces=[index.name]))
    return out


def _partial_predicate(name: str, type_: str, stats: ColumnStats | None) -> str | None:
    """The WHERE that keeps the rare rows: `flag` / `NOT flag`, or `status <> 'common'`."""
    column = sql.Identifier(name).as_string()
    if type_ == "boolean":
        if stats and stats.values and stats.freqs and stats.freqs[0] >= LOW_SELECTIVITY_SHARE:
            return f"NOT {column}" if stats.values[0] == "t" else column
        return column
    if (
        stats is None
        or not stats.freqs
        or not 0 < stats.n_distinct <= STATUS_MAX_DISTINCT
        or stats.freqs[0] < LOW_SELECTIVITY_SHARE
    ):
        return None
    return f"{column} <> {_quote(stats.values[0])}"
