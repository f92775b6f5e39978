"""The DDL that drift fixes print: column definitions, foreign keys, CREATE TABLE, names.

Identifiers are quoted as the server's quote_ident() quotes them, and a constraint the spec does
not name gets the name Postgres itself would give it (`tools.naming.default_name`, which
shortens each part of a long name, not the joined string).
"""

from __future__ import annotations

from collections.abc import Iterable

from tools.catalog.models import Column, ForeignKey, SchemaSnapshot, Table
from tools.naming import default_name, qualified, quote_ident, quote_list
from tools.spec.model import SchemaSpec

# SpecConstraint.kind → the kind tools.naming.default_name labels
_NAME_KINDS = {"foreign key": "foreign", "unique": "unique"}


def type_ddl(column: Column) -> str:
    """The column's type as DDL: an enum qualified with its schema (no search path needed)."""
    if column.enum and "." in column.enum:
        schema, _, name = column.enum.partition(".")
        return qualified(schema, name) + ("[]" if column.type.endswith("[]") else "")
    return column.type


def column_ddl(column: Column) -> str:
    """A column definition: name, type, identity, default, NOT NULL."""
    text = f"{quote_ident(column.name)} {type_ddl(column)}"
    if column.identity:
        text += f" GENERATED {column.identity.upper()} AS IDENTITY"
    if column.default and not column.default.startswith("nextval("):
        text += f" DEFAULT {column.default}"
    if not column.nullable:
        text += " NOT NULL"
    return text


def fk_ddl(fk: ForeignKey) -> str:
    """FOREIGN KEY … REFERENCES schema.table (…) with the referenced table qualified."""
    text = (
        f"FOREIGN KEY ({quote_list(fk.columns)}) REFERENCES "
        f"{qualified(fk.ref_schema, fk.ref_table)}({quote_list(fk.ref_columns)})"
    )
    return text + (f" ON DELETE {fk.on_delete}" if fk.on_delete != "NO ACTION" else "")


def create_table_ddl(table: Table) -> str:
    """CREATE TABLE for a spec table (columns, primary key, unique, foreign keys, checks)."""
    lines = []
    for column in table.columns:
        if (
            column.default
            and column.default.startswith("nextval(")
            and column.type in ("integer", "bigint")
        ):
            serial = "serial" if column.type == "integer" else "bigserial"
            lines.append(
                f"{quote_ident(column.name)} {serial}" + ("" if column.nullable else " NOT NULL")
            )
        else:
            lines.append(column_ddl(column))
    if table.primary_key:
        lines.append(f"PRIMARY KEY ({quote_list(table.primary_key.columns)})")
    lines += [f"UNIQUE ({quote_list(u.columns)})" for u in table.unique_constraints]
    lines += [fk_ddl(fk) for fk in table.foreign_keys]
    lines += [f"CONSTRAINT {quote_ident(c.name)} {c.definition}" for c in table.check_constraints]
    body = ",\n    ".join(lines)
    indexes = [f"\n{i.definition};" for i in table.indexes if not (i.primary or i.constraint)]
    return f"CREATE TABLE {qualified(table.schema_name, table.name)} (\n    {body}\n);" + "".join(
        indexes
    )


def taken_names(db: SchemaSnapshot) -> set[str]:
    """Names a new constraint or index of the schema must not reuse: relations and constraints."""
    names = {t.name for t in db.tables} | {v.name for v in db.views}
    for table in db.tables:
        names |= {i.name for i in table.indexes}
        names |= {c.name for c in table.foreign_keys}
        names |= {c.name for c in table.unique_constraints}
        names |= {c.name for c in table.check_constraints}
        if table.primary_key:
            names.add(table.primary_key.name)
    return names


def constraint_name(
    spec: SchemaSpec, table: str, kind: str, columns: Iterable[str], taken: set[str]
) -> str:
    """The name the spec gives the constraint, else the one Postgres would; added to `taken`."""
    columns = list(columns)
    given = next(
        (
            c.name
            for c in spec.constraints
            if c.table == table and c.kind == kind and c.columns == columns and c.name
        ),
        None,
    )
    name = given or default_name(table, columns, _NAME_KINDS[kind], taken)
    taken.add(name)
    return name
