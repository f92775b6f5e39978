"""The spec as catalog records: `spec_to_snapshot` gives what `fetch_snapshot` would return.

Drift and code generation then compare like with like. Unnamed keys, checks and indexes get the
names Postgres would give them (`tools.naming.default_name`: each part truncated, a number added
when the name is taken), and definitions are printed as `pg_get_constraintdef()` /
`pg_get_indexdef()` print them, names quoted as the server's `quote_ident()` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tools.catalog.build import check_columns
from tools.catalog.models import (
    CheckConstraint,
    Column,
    EnumType,
    ForeignKey,
    Index,
    IndexKey,
    PrimaryKey,
    RoleInfo,
    SchemaSnapshot,
    Table,
    UniqueConstraint,
)
from tools.naming import default_name, quote_ident, quote_list, sequence_name
from tools.spec.model import Entity, Reference, SchemaSpec, SpecColumn, SpecIndex

_FUNCTION = re.compile(r"^\(*\s*(?:\w+\.)?(\w+)\s*\(")
_COLUMN = re.compile(r"^\(*\s*([A-Za-z_]\w*)\s*(?:::[\w\s]+)?\)*$")


@dataclass
class _Names:
    """Names already used in the schema: relations (tables, indexes) and constraints."""

    relations: set[str] = field(default_factory=set)
    constraints: set[str] = field(default_factory=set)

    def index(self, table: str, columns: list[str], kind: str) -> str:
        """An unnamed index or index-backed constraint (pkey, key), free in both namespaces."""
        name = default_name(table, columns, kind, self.relations | self.constraints)
        self.relations.add(name)
        if kind != "index":
            self.constraints.add(name)
        return name

    def constraint(self, table: str, columns: list[str], kind: str) -> str:
        """An unnamed FK or CHECK constraint (ChooseConstraintName: constraints only)."""
        name = default_name(table, columns, kind, self.constraints)
        self.constraints.add(name)
        return name

    def given(self, name: str, *, relation: bool = False) -> str:
        """A name the spec gives: kept, and taken from then on."""
        (self.relations if relation else self.constraints).add(name)
        return name


def index_column_names(columns: list[str]) -> list[str]:
    """ChooseIndexColumnNames(): a column's name, a function's name, else `expr`; made distinct."""
    names: list[str] = []
    for column in columns:
        if not column.startswith("("):
            base = column
        elif function := _FUNCTION.match(column):
            base = function.group(1)
        elif plain := _COLUMN.match(column):
            base = plain.group(1)  # (email::text): FigureColname() looks through the cast
        else:
            base = "expr"
        name, number = base, 0
        while name in names:
            number += 1
            name = f"{base}{number}"
        names.append(name)
    return names


def _fk_definition(columns: list[str], reference: Reference, ref_columns: list[str]) -> str:
    text = (
        f"FOREIGN KEY ({quote_list(columns)}) REFERENCES "
        f"{quote_ident(reference.table)}({quote_list(ref_columns)})"
    )
    if reference.on_delete and reference.on_delete != "NO ACTION":
        text += f" ON DELETE {reference.on_delete}"
    return text


def _index_definition(name: str, schema: str, table: str, index: SpecIndex) -> str:
    cols = ", ".join(c if c.startswith("(") else quote_ident(c) for c in index.columns)
    return (
        f"CREATE {'UNIQUE ' if index.unique else ''}INDEX {quote_ident(name)} ON "
        f"{quote_ident(schema)}.{quote_ident(table)} USING {index.method} ({cols})"
        + (f" WHERE {index.where}" if index.where else "")
    )


def _index(table: str, schema: str, index: SpecIndex, names: _Names) -> Index:
    name = (
        names.given(index.name, relation=True)
        if index.name
        else names.index(table, index_column_names(index.columns), "index")
    )
    keys = [
        IndexKey(expression=c[1:-1]) if c.startswith("(") else IndexKey(column=c)
        for c in index.columns
    ]
    return Index(
        name=name,
        keys=keys,
        method=index.method,
        unique=index.unique,
        predicate=index.where,
        definition=_index_definition(name, schema, table, index),
    )


def _column(column: SpecColumn, table: str, schema: str) -> Column:
    enum = f"{schema}.{column.enum_name}" if column.enum_name else None
    default = column.default
    if (
        column.auto_increment
        and default is None
        and column.identity is None
        and column.pg_type in ("integer", "bigint", "smallint")
    ):
        sequence = quote_ident(sequence_name(table, column.name))
        default = f"nextval('{sequence}'::regclass)"  # what serial creates
    return Column(
        name=column.name,
        type=column.pg_type,
        nullable=column.nullable and not column.primary_key,
        default=default,
        identity=column.identity,
        comment=column.description or None,
        enum=enum,
        is_array=column.pg_type.endswith("[]"),
    )


def _foreign_keys(entity: Entity, spec: SchemaSpec, schema: str, names: _Names) -> list[ForeignKey]:
    table = entity.name
    found: list[tuple[list[str], Reference, list[str], str | None]] = []
    for column in entity.columns:
        ref = column.references
        if ref and ref.table:
            found.append(([column.name], ref, [ref.column or "id"], None))
    for constraint in spec.constraints:
        if constraint.table == table and constraint.kind == "foreign key":
            ref = constraint.references
            if ref:
                ref_columns = constraint.ref_columns or [ref.column or "id"]
                found.append((constraint.columns, ref, ref_columns, constraint.name))
    return [
        ForeignKey(
            name=names.given(name) if name else names.constraint(table, columns, "foreign"),
            columns=columns,
            ref_schema=schema,
            ref_table=ref.table,
            ref_columns=ref_columns,
            on_delete=ref.on_delete or "NO ACTION",
            on_update="NO ACTION",
            definition=_fk_definition(columns, ref, ref_columns),
        )
        for columns, ref, ref_columns, name in found
    ]


def _uniques(
    entity: Entity, spec: SchemaSpec, pk_columns: list[str], names: _Names
) -> list[UniqueConstraint]:
    wanted: list[tuple[list[str], str | None]] = [
        ([c.name], None)
        for c in entity.columns
        if c.unique and not (c.primary_key and len(pk_columns) == 1)
    ]
    wanted += [
        (c.columns, c.name)
        for c in spec.constraints
        if c.table == entity.name and c.kind == "unique" and c.columns
    ]
    return [
        UniqueConstraint(
            name=names.given(name, relation=True)
            if name
            else names.index(entity.name, columns, "unique"),
            columns=columns,
            definition=f"UNIQUE ({quote_list(columns)})",
        )
        for columns, name in wanted
    ]


def _checks(entity: Entity, spec: SchemaSpec, names: _Names) -> list[CheckConstraint]:
    column_names = [c.name for c in entity.columns]
    wanted: list[tuple[str, list[str], str | None]]
    wanted = [(c.check, [c.name], None) for c in entity.columns if c.check]
    wanted += [
        (c.expression, c.columns or check_columns(c.expression, column_names), c.name)
        for c in spec.constraints
        if c.table == entity.name and c.kind == "check" and c.expression
    ]
    # AddRelationNewConstraints(): tab_col_check when it reads one column, else tab_check.
    return [
        CheckConstraint(
            name=names.given(name)
            if name
            else names.constraint(entity.name, columns if len(columns) == 1 else [], "check"),
            columns=columns,
            expression=expression,
            definition=f"CHECK ({expression})",
        )
        for expression, columns, name in wanted
        if expression
    ]


def _key_index(name: str, schema: str, table: str, columns: list[str], primary: bool) -> Index:
    return Index(
        name=name,
        keys=[IndexKey(column=c) for c in columns],
        unique=True,
        primary=primary,
        constraint=name,
        definition=f"CREATE UNIQUE INDEX {quote_ident(name)} ON {quote_ident(schema)}."
        f"{quote_ident(table)} USING btree ({quote_list(columns)})",
    )


def _table(entity: Entity, spec: SchemaSpec, schema: str, names: _Names) -> Table:
    name = entity.name
    pk_columns = [c.name for c in entity.columns if c.primary_key]
    primary = (
        PrimaryKey(name=names.index(name, [], "primary"), columns=pk_columns)
        if pk_columns
        else None
    )
    uniques = _uniques(entity, spec, pk_columns, names)
    checks = _checks(entity, spec, names)
    foreign_keys = _foreign_keys(entity, spec, schema, names)
    indexes = [_key_index(primary.name, schema, name, pk_columns, True)] if primary else []
    indexes += [_key_index(u.name, schema, name, u.columns, False) for u in uniques]
    table_indexes = [i for i in spec.indexes if i.table == name]
    wanted = [i for i in table_indexes if i.columns and not i.future]
    wanted += [
        SpecIndex(table=name, columns=[c.name], line=c.line)
        for c in entity.columns
        if c.indexed and not any(i.columns == [c.name] for i in table_indexes)
    ]
    seen = {tuple(i.columns) for i in indexes}
    for index in wanted:
        if tuple(index.columns) in seen and not index.where:
            continue
        seen.add(tuple(index.columns))
        indexes.append(_index(name, schema, index, names))
    return Table(
        schema_name=schema,
        name=name,
        owner="spec",
        comment=entity.description or None,
        columns=[_column(c, name, schema) for c in entity.columns],
        primary_key=primary,
        foreign_keys=foreign_keys,
        unique_constraints=uniques,
        check_constraints=checks,
        indexes=indexes,
        rls_enabled=entity.rls_enabled,
    )


def spec_to_snapshot(spec: SchemaSpec, schema: str = "public") -> SchemaSnapshot:
    """The spec's current, non-external tables as the catalog records fetch_snapshot returns."""
    used = {c.enum_name for e in spec.entities for c in e.columns if c.enum_name}
    entities = [e for e in spec.entities if not e.external]
    names = _Names(relations={e.name for e in entities})
    # Names the spec gives are taken before any default name is chosen around them.
    names.relations |= {i.name for i in spec.indexes if i.name}
    names.constraints |= {c.name for c in spec.constraints if c.name}
    return SchemaSnapshot(
        schema_name=schema,
        server_version=0,
        database="spec",
        role=RoleInfo(name="spec", superuser=False, bypass_rls=False, can_write=False),
        tables=[_table(e, spec, schema, names) for e in entities],
        enums=[
            EnumType(schema_name=schema, name=e.name, values=e.values)
            for e in spec.enums
            if e.name in used or e.values
        ],
    )
