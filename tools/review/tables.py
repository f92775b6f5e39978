"""A table class as the catalog records `fetch_snapshot` returns: what `create_all` would make.

So the model, the spec (`spec_to_snapshot`) and the database (`fetch_snapshot`) are compared
like with like. Names follow Postgres and SQLAlchemy: `<table>_pkey`, `<table>_<cols>_key` for
UNIQUE, `<table>_<cols>_fkey` for foreign keys, `ix_<table>_<column>` for `index=True`; a
single integer primary key without a foreign key is a serial, as SQLAlchemy creates it.
"""

from __future__ import annotations

from typing import Any

from tools.catalog import Column, ForeignKey, Index, SchemaSnapshot, Table
from tools.naming import action_word, default_name, qualified, quote_ident, quote_list
from tools.naming import sequence_name as serial_sequence
from tools.review.records import ModelClass, ModelField

INTEGERS = {"integer", "bigint", "smallint"}
UNKNOWN = "unknown"  # the type of a field the reader could not map (reported as unread)


def split_target(target: str, schema: str) -> tuple[str, str, str]:
    """`table.column` or `schema.table.column` → (schema, table, column)."""
    parts = target.split(".")
    if len(parts) >= 3:
        return parts[-3], parts[-2], parts[-1]
    if len(parts) == 2:
        return schema, parts[0], parts[1]
    return schema, target, "id"


def is_serial(cls: ModelClass, item: ModelField) -> bool:
    """SQLAlchemy's autoincrement="auto": the one integer primary key column, without an FK."""
    keys = [f for f in cls.fields if f.primary_key]
    return (
        keys == [item]
        and item.pg_type in INTEGERS
        and item.foreign_key is None
        and item.autoincrement is not False
        and item.server_default is None
        and item.identity is None
    )


def model_column(cls: ModelClass, item: ModelField, schema: str) -> Column:
    """The column `create_all` makes for one field."""
    default = item.server_default
    if is_serial(cls, item):
        sequence = quote_ident(serial_sequence(cls.table or "", item.column))
        default = f"nextval('{sequence}'::regclass)"
    pg_type = item.pg_type or UNKNOWN
    return Column(
        name=item.column,
        type=pg_type,
        nullable=item.nullable,
        default=default,
        identity=item.identity,
        enum=f"{schema}.{item.enum}" if item.enum else None,
        is_array=pg_type.endswith("[]"),
    )


def _fk(
    table: str, schema: str, columns: list[str], refs: list[str], ondelete: str | None, taken: set
) -> ForeignKey:
    targets = [split_target(ref, schema) for ref in refs]
    ref_schema, ref_table = targets[0][0], targets[0][1]
    ref_columns = [t[2] for t in targets]
    action = action_word(ondelete) or "NO ACTION"
    name = default_name(table, columns, "foreign", taken)
    taken.add(name)
    definition = (
        f"FOREIGN KEY ({quote_list(columns)}) REFERENCES {qualified(ref_schema, ref_table)}"
        f"({quote_list(ref_columns)})" + (f" ON DELETE {action}" if action != "NO ACTION" else "")
    )
    return ForeignKey(
        name=name,
        columns=columns,
        ref_schema=ref_schema,
        ref_table=ref_table,
        ref_columns=ref_columns,
        on_delete=action,
        on_update="NO ACTION",
        definition=definition,
    )


def index_definition(name: str, schema: str, table: str, index: Index) -> str:
    """CREATE [UNIQUE] INDEX as pg_get_indexdef() prints it."""
    keys = ", ".join(
        (quote_ident(k.column) + (f" {k.opclass}" if k.opclass else ""))
        if k.column is not None
        else f"({k.expression})"
        for k in index.keys
    )
    where = f" WHERE {index.predicate}" if index.predicate else ""
    unique = "UNIQUE " if index.unique else ""
    return (
        f"CREATE {unique}INDEX {quote_ident(name)} ON {qualified(schema, table)} "
        f"USING {index.method} ({keys}){where}"
    )


def _key_index(name: str, columns: list[str], primary: bool, schema: str, table: str) -> Index:
    index = Index(
        name=name,
        keys=[{"column": c} for c in columns],
        unique=True,
        primary=primary,
        constraint=name,
        definition="",
    )
    return index.model_copy(update={"definition": index_definition(name, schema, table, index)})


def model_table(cls: ModelClass, schema: str) -> Table:
    """The table of a class; `schema` is used when `__table_args__` names none."""
    table = cls.table or cls.name.lower()
    schema = cls.schema or schema
    taken: set[str] = set()
    columns = [model_column(cls, f, schema) for f in cls.fields]
    pk_columns = [f.column for f in cls.fields if f.primary_key]
    primary: dict[str, Any] | None = (
        {"name": f"{table}_pkey", "columns": pk_columns} if pk_columns else None
    )
    foreign_keys = [
        _fk(table, schema, [f.column], [f.foreign_key], f.ondelete, taken)
        for f in cls.fields
        if f.foreign_key
    ]
    uniques: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    indexes: list[Index] = []
    for constraint in cls.constraints:
        if constraint.kind == "foreign key" and constraint.ref_columns:
            refs, cols = constraint.ref_columns, constraint.columns
            foreign_keys.append(_fk(table, schema, cols, refs, constraint.ondelete, taken))
        elif constraint.kind == "unique":
            name = constraint.name or default_name(table, constraint.columns, "unique", taken)
            taken.add(name)
            definition = f"UNIQUE ({quote_list(constraint.columns)})"
            uniques.append({"name": name, "columns": constraint.columns, "definition": definition})
        elif constraint.kind == "check" and constraint.expression:
            name = constraint.name or default_name(table, [], "check", taken)
            taken.add(name)
            checks.append(
                {
                    "name": name,
                    "columns": [f.column for f in cls.fields if f.column in constraint.expression],
                    "expression": constraint.expression,
                    "definition": f"CHECK ({constraint.expression})",
                }
            )
    if primary is not None:
        indexes.append(_key_index(primary["name"], pk_columns, True, schema, table))
    indexes += [_key_index(u["name"], u["columns"], False, schema, table) for u in uniques]
    for item in cls.indexes:
        name = item.name or default_name(table, item.columns, "index", taken)
        taken.add(name)
        keys = [
            {"expression": c[1:-1]}
            if c.startswith("(")
            else {"column": c, "opclass": item.opclasses.get(c)}
            for c in item.columns
        ]
        index = Index(
            name=name,
            keys=keys,
            unique=item.unique,
            method=item.method,
            predicate=item.predicate,
            definition="",
        )
        definition = index_definition(name, schema, table, index)
        indexes.append(index.model_copy(update={"definition": definition}))
    # The nested records are validated from dicts: tools.catalog exports the tables' types only.
    return Table.model_validate(
        {
            "schema": schema,
            "name": table,
            "owner": "model",
            "columns": columns,
            "primary_key": primary,
            "foreign_keys": foreign_keys,
            "unique_constraints": uniques,
            "check_constraints": checks,
            "indexes": indexes,
        }
    )


def snapshot_of(
    tables: list[Table], schema: str, enums: list[dict[str, Any]] | None = None
) -> SchemaSnapshot:
    """Tables (and the enums they use, as dicts) as a snapshot for `generate_code` and tenancy."""
    return SchemaSnapshot.model_validate(
        {
            "schema": schema,
            "server_version": 0,
            "database": "models",
            "role": {"name": "models", "superuser": False, "bypass_rls": False, "can_write": False},
            "tables": tables,
            "enums": enums or [],
        }
    )
