"""Deciding what the module says, before any of it is written.

`plan_module` chooses the names (classes, field attributes, enum classes and members), the
relationships and the class order; `plan_field` decides, for one column, its annotation and
every `Field` argument. Both return plain data (`ModulePlan`, `FieldPlan`) that
`tools.codegen.render` turns into lines, so a choice can be read and tested without the layout.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from functools import cached_property

from tools.catalog.models import Column, SchemaSnapshot, Table
from tools.codegen.format import Call, Expr, Str
from tools.codegen.names import (
    MODULE_NAMES,
    class_name,
    field_name,
    identifier,
    pascal,
    unique_name,
)
from tools.codegen.relations import Plan, Rel, plan_relationships
from tools.codegen.tables import fk_fits_field, fk_target, foreign_key_call
from tools.codegen.types import (
    SA,
    Need,
    TypeChoice,
    column_type,
    enum_class_type,
    enum_members,
    python_default,
    server_default,
)
from tools.naming import sequence_name

INTEGER_TYPES = {"integer", "bigint", "smallint"}


@dataclass
class ModulePlan:
    """The module-wide decisions every class needs: names, enums and relationships."""

    schema: str
    tables: list[Table]
    classes: dict[str, str]  # table name → class (or Core Table variable) name
    attrs: dict[str, dict[str, str]]  # table name → column → attribute
    enum_choices: dict[str, TypeChoice]  # schema.enum → its Python enum class
    enum_members: dict[str, dict[str, str]]  # schema.enum → label → member name
    rels: dict[str, list[Rel]] = field(default_factory=dict)
    early_notes: dict[str, list[str]] = field(default_factory=dict)
    uses_pg_type: bool = False  # some column needs the module's PgType class

    @cached_property
    def tables_by_class(self) -> dict[str, str]:
        """Table name of each class name."""
        return {cls: table for table, cls in self.classes.items()}


@dataclass
class FieldPlan:
    """One column as a field: what `Field(...)` gets, decided, not yet laid out."""

    attribute: str
    column: str
    annotation: str
    kwargs: list[tuple[str, Expr]]  # Field's own arguments, in the order they are written
    column_args: list[Expr]  # sa_column_args: ForeignKey, Identity, Computed
    column_kwargs: list[tuple[Expr, Expr]]  # sa_column_kwargs: name, server_default, comment
    notes: list[str]  # migration notes about this column
    needs: list[Need]  # imports the field's code uses
    default: str | None  # the Python default literal, when there is one
    server_set: bool  # the database fills it (identity, generated, server default)
    nullable: bool


def plan_module(
    snapshot: SchemaSnapshot, tables: list[Table], early_notes: dict[str, list[str]]
) -> ModulePlan:
    """Names for every class, field, enum and relationship, unique within the module."""
    taken_classes = set(MODULE_NAMES)
    classes = {
        t.name: unique_name(
            class_name(t.name) if t.primary_key else f"{identifier(t.name, 't_')}_table",
            taken_classes,
            "Table",
        )
        for t in tables
    }
    used = {c.enum for t in tables for c in t.columns if c.enum}
    enum_choices: dict[str, TypeChoice] = {}
    members_by_enum: dict[str, dict[str, str]] = {}
    for enum in snapshot.enums:
        key = f"{enum.schema_name}.{enum.name}"
        if key not in used:
            continue
        cls = unique_name(pascal(enum.name), taken_classes, "Enum")
        members, by_value = enum_members(enum.values)
        enum_choices[key] = enum_class_type(enum, cls, by_value)
        members_by_enum[key] = {label: name for name, label in members}
    reserved = set(taken_classes)
    attrs: dict[str, dict[str, str]] = {}
    taken: dict[str, set[str]] = {}
    for table in tables:
        taken[table.name] = set()
        attrs[table.name] = {
            c.name: field_name(c.name, taken[table.name], reserved) for c in table.columns
        }
    plan = ModulePlan(snapshot.schema_name, tables, classes, attrs, enum_choices, members_by_enum)
    plan.early_notes = early_notes
    plan.uses_pg_type = any(column_type(c, enum_choices).custom for t in tables for c in t.columns)
    mapped = [t for t in tables if t.primary_key is not None]
    plan.rels = plan_relationships(Plan(mapped, classes, attrs, taken, reserved), plan.schema)
    return plan


def module_order(plan: ModulePlan) -> list[Table]:
    """Link tables first (link_model needs the class), then parents before children."""
    tables = plan.tables
    links = {r.link_model for rels in plan.rels.values() for r in rels if r.link_model}
    by_class = {plan.classes[t.name]: t for t in tables}
    ordered = [by_class[name] for name in sorted(links)]
    done = {t.name for t in ordered}
    remaining = [t for t in tables if t.name not in done]
    # Kahn's algorithm; among the ready tables the first in the given order goes first.
    position = {t.name: i for i, t in enumerate(remaining)}
    waiting = {
        t.name: {
            fk.ref_table
            for fk in t.foreign_keys
            if fk.ref_table != t.name and fk.ref_table in position
        }
        for t in remaining
    }
    dependents: dict[str, set[str]] = {name: set() for name in position}
    for name, parents in waiting.items():
        for parent in parents:
            dependents[parent].add(name)
    ready = [position[name] for name, parents in waiting.items() if not parents]
    heapq.heapify(ready)
    placed: set[str] = set()
    while len(placed) < len(remaining):
        if ready:
            table = remaining[heapq.heappop(ready)]
        else:  # a cycle: break it at the first table still waiting
            table = next(t for t in remaining if t.name not in placed)
        if table.name in placed:
            continue
        placed.add(table.name)
        ordered.append(table)
        for child in dependents[table.name]:
            waiting[child].discard(table.name)
            if not waiting[child] and child not in placed:
                heapq.heappush(ready, position[child])
    return ordered


@dataclass(frozen=True)
class TableFacts:
    """What the table's `__table_args__` already says, which the fields must not repeat."""

    pk_in_args: bool
    field_index: set[str]
    field_unique: set[str]


def plan_field(table: Table, column: Column, plan: ModulePlan, facts: TableFacts) -> FieldPlan:
    """The annotation and `Field` arguments that recreate one column exactly."""
    choice = column_type(column, plan.enum_choices)
    needs = list(choice.needs)
    notes = []
    if choice.custom:
        notes.append(f"{column.name}: type {column.type!r} has no SQLAlchemy class; PgType")
    pk = table.primary_key
    is_pk = pk is not None and column.name in pk.columns and not facts.pk_in_args
    serial = is_serial(table, column)
    single_int_pk = (
        pk is not None
        and pk.columns == [column.name]
        and column.type in INTEGER_TYPES
        and not any(column.name in fk.columns for fk in table.foreign_keys)
    )
    members = plan.enum_members.get(column.enum or "", {}) if not column.is_array else {}
    literal = python_default(column, choice, members)
    generated = column.identity is not None or column.generated is not None
    server_made = generated or (column.default is not None and literal is None)
    optional = column.nullable or server_made
    kwargs: list[tuple[str, Expr]] = []
    if literal is not None:
        kwargs.append(("default", literal))
    elif optional:
        kwargs.append(("default", "None"))
    if is_pk:
        kwargs.append(("primary_key", "True"))
    column_args: list[Expr] = []
    column_kwargs: list[tuple[Expr, Expr]] = []
    for fk in table.foreign_keys:
        if fk.columns != [column.name]:
            continue
        if fk_fits_field(table, column, fk) and not any(k == "foreign_key" for k, _ in kwargs):
            kwargs.append(("foreign_key", Str(fk_target(fk, fk.ref_columns[0]))))
            if fk.on_delete != "NO ACTION":
                kwargs.append(("ondelete", Str(fk.on_delete)))
        else:
            needs.append((SA, "ForeignKey"))
            column_args.append(foreign_key_call(fk))
    if column.name in facts.field_unique:
        kwargs.append(("unique", "True"))
    if column.name in facts.field_index:
        kwargs.append(("index", "True"))
    if optional and not column.nullable and not is_pk:
        kwargs.append(("nullable", "False"))
    kwargs += choice.field_args
    if column.identity is not None:
        needs.append((SA, "Identity"))
        always = "True" if column.identity == "always" else "False"
        column_args.append(Call("Identity", [], [("always", always)]))
    if column.generated is not None:
        needs.append((SA, "Computed"))
        column_args.append(Call("Computed", [Str(column.generated)], [("persisted", "True")]))
    attribute = plan.attrs[table.name][column.name]
    if attribute != column.name:
        column_kwargs.append((Str("name"), Str(column.name)))
    default = None if serial and single_int_pk else server_default(column)
    if serial and not single_int_pk:
        notes.append(f"{column.name}: serial outside a single-column key: create its sequence")
    if default is not None:
        needs.append((SA, "func" if default == "func.now()" else "text"))
        column_kwargs.append((Str("server_default"), default))
    if single_int_pk and not serial and column.identity is None and is_pk:
        # SQLAlchemy would turn a bare integer primary key into SERIAL.
        column_kwargs.append((Str("autoincrement"), "False"))
    if column.comment:
        column_kwargs.append((Str("comment"), Str(column.comment)))
    return FieldPlan(
        attribute=attribute,
        column=column.name,
        annotation=f"{choice.annotation} | None" if optional else choice.annotation,
        kwargs=kwargs,
        column_args=column_args,
        column_kwargs=column_kwargs,
        notes=notes,
        needs=needs,
        default=literal,
        server_set=server_made,
        nullable=column.nullable,
    )


def is_serial(table: Table, column: Column) -> bool:
    """Whether the default is the nextval() of the sequence a serial column gets."""
    if column.default is None or column.type not in INTEGER_TYPES:
        return False
    sequence = sequence_name(table.name, column.name)
    names = {sequence, f"{table.schema_name}.{sequence}"}
    return any(column.default == f"nextval('{name}'::regclass)" for name in names)
