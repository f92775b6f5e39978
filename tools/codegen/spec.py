"""The seeds' defaults for what a spec leaves open, applied before generating models.

A spec rarely says how timestamps get their values or which indexes exist. The architect
seeds answer for it: `created_at`/`updated_at` get `server_default=func.now()`, and every
foreign key and the tenant column get an index (unless an index or key already starts with
those columns). Every such choice comes back as a sentence for the migration notes.
"""

from __future__ import annotations

from tools.catalog.models import Index, IndexKey, PrimaryKey, SchemaSnapshot, Table
from tools.naming import default_name, qualified, quote_ident, quote_list
from tools.tenancy import detect_tenant_column

TIMESTAMP_NAMES = {
    "created_at",
    "updated_at",
    "inserted_at",
    "modified_at",
    "created_on",
    "updated_on",
}


def fill_spec_defaults(
    snapshot: SchemaSnapshot, tenant_column: str | None = None
) -> tuple[SchemaSnapshot, list[str]]:
    """The snapshot with the seeds' defaults filled in, and the assumptions made."""
    tenant = detect_tenant_column(snapshot, tenant_column)
    assumptions: list[str] = []
    tables = [_fill_table(table, tenant, assumptions) for table in snapshot.tables]
    return snapshot.model_copy(update={"tables": tables}), assumptions


def _fill_table(table: Table, tenant: str | None, assumptions: list[str]) -> Table:
    columns = []
    for column in table.columns:
        if (
            column.name in TIMESTAMP_NAMES
            and column.default is None
            and column.type.startswith("timestamp")
        ):
            column = column.model_copy(update={"default": "now()"})
            assumptions.append(
                f"{table.name}.{column.name}: server_default=func.now() (the spec gives no default)"
            )
        columns.append(column)
    update: dict[str, object] = {}
    id_column = table.column("id")
    if table.primary_key is None and id_column is not None:
        update["primary_key"] = PrimaryKey(
            name=default_name(table.name, [], "primary"), columns=["id"]
        )
        columns = [
            c.model_copy(update={"nullable": False}) if c.name == "id" else c for c in columns
        ]
        assumptions.append(f"{table.name}: primary key (id) (the spec names no primary key)")
    indexes = [
        i
        for i in table.indexes
        if not (i.unique and i.columns == ["id"] and "primary_key" in update)
    ]
    wanted = [fk.columns for fk in table.foreign_keys]
    if tenant and table.column(tenant) is not None:
        wanted.append([tenant])
    for cols in wanted:
        if _covered(indexes, cols):
            continue
        indexes.append(_btree(table, cols))
        fk_columns = [fk.columns for fk in table.foreign_keys]
        why = "foreign key" if cols in fk_columns else "tenant column"
        assumptions.append(
            f"{table.name}: index {indexes[-1].name} on ({', '.join(cols)}) for the {why}"
        )
    return table.model_copy(update={**update, "columns": columns, "indexes": indexes})


def _covered(indexes: list[Index], columns: list[str]) -> bool:
    """Whether an index (or the key behind a constraint) already starts with these columns."""
    return any(index.columns[: len(columns)] == columns for index in indexes)


def _btree(table: Table, columns: list[str]) -> Index:
    name = default_name(table.name, columns, "index")
    target = qualified(table.schema_name, table.name)
    return Index(  # the definition as pg_get_indexdef() prints it
        name=name,
        keys=[IndexKey(column=c) for c in columns],
        definition=f"CREATE INDEX {quote_ident(name)} ON {target} USING btree "
        f"({quote_list(columns)})",
    )
