"""`generate_model`: SQLModel code that recreates a schema exactly, in the SQLModel docs' style.

From a `SchemaSnapshot` (the live database through `fetch_snapshot`, or a spec through
`tools.spec.spec_to_snapshot`) to one formatted module: `table=True` classes with docstrings,
every column through `Field`'s own arguments (`max_length`, `foreign_key`/`ondelete`, `sa_type`,
`sa_column_args`, `sa_column_kwargs`) rather than `sa_column=Column(...)`, constraints and
indexes in `__table_args__` under their database names, and `Relationship()` on both sides of
every FK. Importing the module and running `SQLModel.metadata.create_all` on an empty database
gives back the same tables, columns, types, defaults, keys, constraints, indexes and enums
(tests/test_codegen_roundtrip.py proves it). Types and defaults live in `codegen_types`, names in
`codegen_names`, relationships in `codegen_relations`, layout in `codegen_format`.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

import psycopg
from pydantic import BaseModel, Field

from tools.catalog.snapshot import Column, SchemaSnapshot, Table, fetch_snapshot, select_names
from tools.codegen.crud import crud_blocks
from tools.codegen.format import (
    INDENT,
    Call,
    Expr,
    Imports,
    Mapping,
    Seq,
    Str,
    comment,
    docstring,
    flat,
    lay_out,
)
from tools.codegen.names import (
    MODULE_NAMES,
    class_name,
    field_name,
    pascal,
    pg_default_name,
    snake,
    unique_name,
)
from tools.codegen.notes import consistent_table, module_notes, table_notes
from tools.codegen.relations import Plan, Rel, plan_relationships
from tools.codegen.spec import fill_spec_defaults
from tools.codegen.tables import fk_fits_field, fk_target, foreign_key_call, table_args
from tools.codegen.types import (
    SA,
    TypeChoice,
    column_type,
    enum_class_type,
    enum_members,
    python_default,
    server_default,
)
from tools.errors import ConfigError, NotFound
from tools.tenancy import detect_tenant_column

INTEGER_TYPES = {"integer", "bigint", "smallint"}


class GeneratedField(BaseModel):
    """One column as a model field."""

    name: str = Field(description="the Python attribute")
    column: str = Field(description="the database column it maps to")
    annotation: str = Field(description="the Python type annotation")
    code: str = Field(description="the line(s) of the field in the module")
    uses_sa_column: bool = Field(False, description="written as Field(sa_column=Column(...))")
    default: str | None = Field(None, description="Python default literal, when there is one")
    server_set: bool = Field(False, description="the database fills it (identity, default, …)")
    nullable: bool = Field(True, description="the column accepts NULL")


class GeneratedRelationship(BaseModel):
    """One Relationship() attribute."""

    name: str = Field(description="the attribute name")
    target: str = Field(description="class on the other side")
    kind: Literal["many-to-one", "one-to-many", "many-to-many"] = Field(description="cardinality")
    back_populates: str = Field(description="the attribute on the other side")
    link_model: str | None = Field(None, description="link class of a many-to-many")
    cascade_delete: bool = Field(False, description="the database cascades deletes this way")


class GeneratedClass(BaseModel):
    """One table=True class."""

    table: str = Field(description="schema.table")
    class_name: str = Field(description="the SQLModel class")
    fields: list[GeneratedField] = Field(description="columns in table order")
    relationships: list[GeneratedRelationship] = Field(description="Relationship() attributes")
    migration_notes: list[str] = Field(description="what Alembic and reviewers should know")


class GeneratedModels(BaseModel):
    """A generated SQLModel module and what it holds."""

    schema_name: str = Field(description="the schema the models describe")
    source: Literal["database", "spec"] = Field(description="where the structure came from")
    code: str = Field(description="the Python module, ruff-formatted, imports sorted")
    classes: list[GeneratedClass] = Field(description="table classes in module order")
    enums: list[str] = Field(description="Python enum classes generated for Postgres enums")
    migration_notes: list[str] = Field(description="module-wide notes for Alembic")
    assumptions: list[str] = Field(description="choices made where the source said nothing")
    fields_total: int = Field(description="number of column fields")
    fields_with_sa_column: int = Field(description="fields that needed sa_column=Column(...)")
    path: str | None = Field(None, description="file written, when path= was given")


@dataclass
class _Context:
    """What every class renderer needs: names, enums, imports and relationships."""

    schema: str
    tables: list[Table]
    classes: dict[str, str]
    attrs: dict[str, dict[str, str]]
    enum_choices: dict[str, TypeChoice]
    enum_members: dict[str, dict[str, str]]
    imports: Imports
    rels: dict[str, list[Rel]] = field(default_factory=dict)
    uses_pg_type: bool = False
    early_notes: dict[str, list[str]] = field(default_factory=dict)

    @cached_property
    def tables_by_class(self) -> dict[str, str]:
        """Table name of each class name."""
        return {cls: table for table, cls in self.classes.items()}


def generate_code(
    snapshot: SchemaSnapshot,
    *,
    include_crud_models: bool = False,
    tenant_column: str | None = None,
    assumptions: list[str] | None = None,
    source: Literal["database", "spec"] = "database",
) -> GeneratedModels:
    """Generate the SQLModel module for a snapshot (pure: no database, no disk)."""
    schema = snapshot.schema_name
    early_notes: dict[str, list[str]] = {}
    tables = [
        consistent_table(t, early_notes, snapshot)
        for t in sorted(snapshot.tables, key=lambda t: t.name)
    ]
    tenant = detect_tenant_column(snapshot, tenant_column)
    imports = Imports()
    context = _plan(snapshot, tables, imports)
    context.early_notes = early_notes
    ordered = _module_order(tables, context)
    defined: set[str] = set()
    blocks: list[list[str]] = []
    generated: list[GeneratedClass] = []
    for table in ordered:
        if table.primary_key is None:
            lines, record = _render_core_table(table, context)
            blocks.append(lines)
            generated.append(record)
            continue
        lines, record = _render_class(table, context, defined)
        defined.add(table.name)
        blocks.append(lines)
        generated.append(record)
        if include_crud_models:
            blocks += crud_blocks(record, tenant)
    enum_blocks = _enum_blocks(snapshot, context)
    notes = module_notes(snapshot, tables)
    header = _header(snapshot, source, len(tables))
    body = ([_pg_type_block(imports)] if context.uses_pg_type else []) + enum_blocks + blocks
    lines = [*header, "", *imports.lines()]
    for block in body:
        lines += ["", "", *block]
    code = "\n".join(lines) + "\n"
    total = sum(len(c.fields) for c in generated)
    for record in generated:  # the spec's open points, next to the class they shaped
        name = record.table.split(".", 1)[1]
        record.migration_notes += [
            f"assumption: {a}" for a in assumptions or [] if a.startswith((f"{name}.", f"{name}:"))
        ]
    return GeneratedModels(
        schema_name=schema,
        source=source,
        code=code,
        classes=generated,
        enums=[context.enum_choices[k].annotation for k in sorted(context.enum_choices)],
        migration_notes=notes,
        assumptions=list(assumptions or []),
        fields_total=total,
        fields_with_sa_column=sum(f.uses_sa_column for c in generated for f in c.fields),
    )


def _plan(snapshot: SchemaSnapshot, tables: list[Table], imports: Imports) -> _Context:
    taken_classes = set(MODULE_NAMES)
    classes = {
        t.name: unique_name(
            class_name(t.name) if t.primary_key else f"{snake(t.name)}_table",
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
    context = _Context(
        snapshot.schema_name, tables, classes, attrs, enum_choices, members_by_enum, imports
    )
    mapped = [t for t in tables if t.primary_key is not None]
    plan = Plan(mapped, classes, attrs, taken, reserved)
    context.rels = plan_relationships(plan, snapshot.schema_name)
    return context


def _module_order(tables: list[Table], context: _Context) -> list[Table]:
    """Link tables first (link_model needs the class), then parents before children."""
    links = {r.link_model for rels in context.rels.values() for r in rels if r.link_model}
    by_class = {context.classes[t.name]: t for t in tables}
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


def _header(snapshot: SchemaSnapshot, source: str, count: int) -> list[str]:
    origin = "the live database" if source == "database" else "the schema spec"
    text = (
        f'SQLModel models for schema "{snapshot.schema_name}" ({count} tables), generated by '
        f"pgarchitect from {origin}. `SQLModel.metadata.create_all(engine)` recreates the "
        "tables, keys, constraints, indexes and enums under their database names."
    )
    return docstring(text, "")


def _pg_type_block(imports: Imports) -> list[str]:
    imports.add("typing", "Any")
    imports.add(SA + ".types", "UserDefinedType")
    return [
        "class PgType(UserDefinedType):",
        f'{INDENT}"""A Postgres type SQLAlchemy has no class for, written by its exact name."""',
        "",
        f"{INDENT}cache_ok = True",
        "",
        f"{INDENT}def __init__(self, name: str) -> None:",
        f"{INDENT * 2}self.name = name",
        "",
        f"{INDENT}def get_col_spec(self, **kw: Any) -> str:",
        f"{INDENT * 2}return self.name",
    ]


def _enum_blocks(snapshot: SchemaSnapshot, context: _Context) -> list[list[str]]:
    blocks = []
    for enum in snapshot.enums:
        key = f"{enum.schema_name}.{enum.name}"
        if key not in context.enum_choices:
            continue
        context.imports.add("enum")
        cls = context.enum_choices[key].annotation
        lines = [f"class {cls}(enum.StrEnum):"]
        lines += [*docstring(f"Postgres enum {key}.", INDENT), ""]
        members = context.enum_members[key]
        for label in enum.values:
            lines += lay_out(Str(label), INDENT, f"{members[label]} = ")
        blocks.append(lines)
    return blocks


# --- one class ------------------------------------------------------------------------------


def _render_class(
    table: Table, context: _Context, defined: set[str]
) -> tuple[list[str], GeneratedClass]:
    cls = context.classes[table.name]
    imports = context.imports
    imports.add("sqlmodel", "SQLModel")
    notes: list[str] = []
    lines = [f"class {cls}(SQLModel, table=True):"]
    parents = sorted(
        {
            context.classes[fk.ref_table]
            for fk in table.foreign_keys
            if fk.ref_table in context.classes
        }
        - {cls}
    )
    refers = f"; references {', '.join(parents)}" if parents else ""
    summary = table.comment or f"A row of {table.qualified}{refers}."
    lines += [*docstring(summary, INDENT), ""]
    # What the metadata cannot carry (RLS, enums' future labels, …) is said where it matters.
    for note in context.early_notes.get(table.name, []) + _comment_notes(table, context):
        lines += comment(note[:1].upper() + note[1:] + ".", INDENT)
    lines += lay_out(Str(table.name), INDENT, "__tablename__ = ")
    args, pk_in_args, field_index, field_unique = table_args(
        table, context.schema, context.imports, notes
    )
    if args:
        lines += lay_out(Seq(args, tuple=True), INDENT, "__table_args__ = ")
    lines.append("")
    fields = []
    for column in table.columns:
        code, generated = _field(
            table, column, context, pk_in_args, field_index, field_unique, notes
        )
        lines += code
        fields.append(generated)
    order = {"many-to-one": 0, "one-to-many": 1, "many-to-many": 2}
    rels = sorted(context.rels.get(table.name, []), key=lambda r: order[r.kind])
    if rels:
        lines.append("")
    for rel in rels:
        lines += lay_out(
            rel.call(), INDENT, f"{rel.name}: {_rel_annotation(rel, context, defined)} = "
        )
        imports.add("sqlmodel", "Relationship")
    record = GeneratedClass(
        table=table.qualified,
        class_name=cls,
        fields=fields,
        relationships=[
            GeneratedRelationship(
                name=r.name,
                target=r.target,
                kind=r.kind,  # type: ignore[arg-type]
                back_populates=r.back_populates,
                link_model=r.link_model,
                cascade_delete=r.cascade_delete,
            )
            for r in rels
        ],
        migration_notes=context.early_notes.get(table.name, [])
        + notes
        + table_notes(table, context.classes, context.schema),
    )
    return lines, record


def _comment_notes(table: Table, context: _Context) -> list[str]:
    """The notes worth a comment in the class: RLS and FKs leaving the module."""
    notes = table_notes(table, context.classes, context.schema)
    return [n for n in notes if n.startswith(("row-level security", "FKs to tables outside"))]


def _render_core_table(table: Table, context: _Context) -> tuple[list[str], GeneratedClass]:
    """A table without a primary key: SQLModel cannot map it, so a Core `Table` keeps it."""
    imports = context.imports
    for name in ("Table", "Column"):
        imports.add(SA, name)
    imports.add("sqlmodel", "SQLModel")
    notes = ["no primary key: SQLModel cannot map it, so it is a Core Table; add a primary key"]
    args, _, field_index, field_unique = table_args(table, context.schema, context.imports, notes)
    items: list[Expr] = [Str(table.name), "SQLModel.metadata"]
    fields = []
    for column in table.columns:
        choice = column_type(column, context.enum_choices)
        choice.use(imports, as_element=True)
        context.uses_pg_type |= choice.custom
        call_args: list[Expr] = [Str(column.name), choice.sa_type]
        for fk in table.foreign_keys:
            if fk.columns == [column.name]:
                imports.add(SA, "ForeignKey")
                call_args.append(foreign_key_call(fk))
        if column.identity is not None:
            imports.add(SA, "Identity")
            call_args.append(Call("Identity", [], [("always", str(column.identity == "always"))]))
        if column.generated is not None:
            imports.add(SA, "Computed")
            call_args.append(Call("Computed", [Str(column.generated)], [("persisted", "True")]))
        kwargs: list[tuple[str, Expr]] = []
        if not column.nullable:
            kwargs.append(("nullable", "False"))
        if column.name in field_unique:
            kwargs.append(("unique", "True"))
        if column.name in field_index:
            kwargs.append(("index", "True"))
        default = server_default(column)
        if default is not None:
            imports.add(SA, "func" if default == "func.now()" else "text")
            kwargs.append(("server_default", default))
        if column.comment:
            kwargs.append(("comment", Str(column.comment)))
        call = Call("Column", call_args, kwargs)
        items.append(call)
        fields.append(
            GeneratedField(
                name=column.name,
                column=column.name,
                annotation=choice.annotation,
                code=flat(call),
                uses_sa_column=True,
            )
        )
    for arg in args:
        if isinstance(arg, Mapping):  # schema and comment are keywords of Table()
            items += [f"{flat(k).strip(chr(34))}={flat(v)}" for k, v in arg.items]
        else:
            items.append(arg)
    variable = context.classes[table.name]
    lines = comment(f"{table.qualified}: " + notes[0], "")
    lines += lay_out(Call("Table", items), "", f"{variable} = ")
    record = GeneratedClass(
        table=table.qualified,
        class_name=variable,
        fields=fields,
        relationships=[],
        migration_notes=context.early_notes.get(table.name, [])
        + notes
        + table_notes(table, context.classes, context.schema),
    )
    return lines, record


def _rel_annotation(rel: Rel, context: _Context, defined: set[str]) -> str:
    if rel.many:
        return f'list["{rel.target}"]'
    target_table = context.tables_by_class[rel.target]
    if target_table in defined:
        return f"{rel.target} | None"
    context.imports.add("typing", "Optional")
    return f'Optional["{rel.target}"]'


def _field(
    table: Table,
    column: Column,
    context: _Context,
    pk_in_args: bool,
    field_index: set[str],
    field_unique: set[str],
    notes: list[str],
) -> tuple[list[str], GeneratedField]:
    imports = context.imports
    attr = context.attrs[table.name][column.name]
    choice = column_type(column, context.enum_choices)
    choice.use(imports)
    if choice.custom:
        context.uses_pg_type = True
        notes.append(f"{column.name}: type {column.type!r} has no SQLAlchemy class; PgType")
    pk = table.primary_key
    is_pk = pk is not None and column.name in pk.columns and not pk_in_args
    serial = _is_serial(table, column)
    single_int_pk = (
        pk is not None
        and pk.columns == [column.name]
        and column.type in INTEGER_TYPES
        and not any(column.name in fk.columns for fk in table.foreign_keys)
    )
    members = context.enum_members.get(column.enum or "", {}) if not column.is_array else {}
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
            imports.add(SA, "ForeignKey")
            column_args.append(foreign_key_call(fk))
    if column.name in field_unique:
        kwargs.append(("unique", "True"))
    if column.name in field_index:
        kwargs.append(("index", "True"))
    if optional and not column.nullable and not is_pk:
        kwargs.append(("nullable", "False"))
    kwargs += choice.field_args
    if column.identity is not None:
        imports.add(SA, "Identity")
        always = "True" if column.identity == "always" else "False"
        column_args.append(Call("Identity", [], [("always", always)]))
    if column.generated is not None:
        imports.add(SA, "Computed")
        column_args.append(Call("Computed", [Str(column.generated)], [("persisted", "True")]))
    if attr != column.name:
        column_kwargs.append((Str("name"), Str(column.name)))
    default = None if serial and single_int_pk else server_default(column)
    if serial and not single_int_pk:
        notes.append(f"{column.name}: serial outside a single-column key: create its sequence")
    if default is not None:
        imports.add(SA, "func" if default == "func.now()" else "text")
        column_kwargs.append((Str("server_default"), default))
    if single_int_pk and not serial and column.identity is None and is_pk:
        # SQLAlchemy would turn a bare integer primary key into SERIAL.
        column_kwargs.append((Str("autoincrement"), "False"))
    if column.comment:
        column_kwargs.append((Str("comment"), Str(column.comment)))
    if column_args:
        kwargs.append(("sa_column_args", Seq(column_args)))
    if column_kwargs:
        kwargs.append(("sa_column_kwargs", Mapping(column_kwargs)))
    annotation = f"{choice.annotation} | None" if optional else choice.annotation
    value: Expr = "None" if kwargs == [("default", "None")] else Call("Field", [], kwargs)
    if isinstance(value, Call):
        imports.add("sqlmodel", "Field")
    if kwargs:
        code = lay_out(value, INDENT, f"{attr}: {annotation} = ")
    else:
        code = [f"{INDENT}{attr}: {annotation}"]
    return code, GeneratedField(
        name=attr,
        column=column.name,
        annotation=annotation,
        code="\n".join(line.strip() for line in code),
        default=literal,
        server_set=server_made,
        nullable=column.nullable,
    )


def _is_serial(table: Table, column: Column) -> bool:
    if column.default is None or column.type not in INTEGER_TYPES:
        return False
    sequence = pg_default_name(table.name, [column.name], "seq")
    names = {sequence, f"{table.schema_name}.{sequence}"}
    return any(column.default == f"nextval('{name}'::regclass)" for name in names)


# --- the tool ---------------------------------------------------------------------------------


def generate_model(
    conn: psycopg.Connection,
    source: Literal["database", "spec"] = "database",
    schema: str = "public",
    tables: list[str] | None = None,
    path: str | None = None,
    include_crud_models: bool = False,
    overwrite: bool = False,
    *,
    project_root: Path,
    spec_snapshot: SchemaSnapshot | None = None,
    tenant_column: str | None = None,
    assumptions: list[str] | None = None,
) -> GeneratedModels:
    """Generate SQLModel classes that recreate a schema exactly (tables, keys, indexes, enums).

    Call it when the user needs model code for an existing database (source="database",
    optionally `tables=` names or globs) or for the parsed schema spec (source="spec"; what the
    spec leaves open gets the architect defaults — timestamps default to now(), an index on
    every FK and the tenant column — listed as assumptions). Returns one ruff-clean module in
    the SQLModel docs' style (Field arguments, Relationship on both sides of every FK, names of
    constraints and indexes kept) plus, per class, fields, relationships and migration notes:
    what Alembic will not see (enums, RLS policies, partial indexes). include_crud_models adds
    Base/Create/Public/Update models without the tenant column. Nothing is written unless `path`
    is given (inside the project; an existing file only with overwrite=True). Next: review the
    notes; after migrating, reflect_database confirms the database matches.
    """
    if source == "spec":
        if spec_snapshot is None:
            raise ConfigError(
                "source='spec' needs a parsed spec; pass spec_snapshot=spec_to_snapshot(spec)"
            )
        if tables:
            chosen = select_names([t.name for t in spec_snapshot.tables], tables)
            if not chosen:
                existing = [t.name for t in spec_snapshot.tables]
                raise NotFound("table", ", ".join(tables), existing, "pass tables=[spec tables]")
            kept = [t for t in spec_snapshot.tables if t.name in chosen]
            spec_snapshot = spec_snapshot.model_copy(update={"tables": kept})
        snapshot, filled = fill_spec_defaults(spec_snapshot, tenant_column)
        assumptions = [*(assumptions or []), *filled]
    elif source == "database":
        snapshot = fetch_snapshot(conn, schema, tables)
    else:
        raise ConfigError(f"unknown source {source!r}; use 'database' or 'spec'")
    result = generate_code(
        snapshot,
        include_crud_models=include_crud_models,
        tenant_column=tenant_column,
        assumptions=assumptions,
        source=source,
    )
    if path is not None:
        written = write_module(result.code, path, project_root, overwrite)
        result = result.model_copy(update={"path": str(written)})
    return result


def write_module(code: str, path: str, project_root: Path, overwrite: bool) -> Path:
    """Write the module under the project root; refuse to overwrite unless asked."""
    root = project_root.resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root):
        raise ConfigError(
            f"path {path!r} is outside the project root {str(root)!r}; pass a relative path"
        )
    if target.suffix != ".py":
        raise ConfigError(f"path {path!r} is not a .py file; pass e.g. 'app/models.py'")
    if target.exists() and not overwrite:
        raise ConfigError(f"{path!r} already exists; pass overwrite=True to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(code, encoding="utf-8")
    return target


def render_codegen(result: GeneratedModels, with_code: bool = True) -> str:
    """The report: summary, per-class notes, then the module (unless with_code=False)."""
    share = result.fields_total - result.fields_with_sa_column
    lines = [
        f"generate_model: {len(result.classes)} classes for schema {result.schema_name!r} "
        f"from the {result.source}; {share}/{result.fields_total} fields use Field's own "
        "arguments (no sa_column)",
    ]
    if result.path:
        lines.append(f"written to {result.path}")
    for cls in result.classes:
        rels = ", ".join(f"{r.name} ({r.kind})" for r in cls.relationships) or "none"
        lines.append(
            f"- {cls.class_name} ← {cls.table}: {len(cls.fields)} fields; relationships: {rels}"
        )
        lines += [f"    note: {n}" for n in cls.migration_notes]
    if result.assumptions:
        lines.append("assumptions:")
        lines += [f"- {a}" for a in result.assumptions]
    lines.append("migration notes:")
    lines += [f"- {n}" for n in result.migration_notes]
    if with_code:
        lines += ["", result.code.rstrip()]
    return "\n".join(lines)
