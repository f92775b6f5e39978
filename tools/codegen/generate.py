"""`generate_model`: SQLModel code that recreates a schema exactly, in the SQLModel docs' style.

From a `SchemaSnapshot` (the live database through `fetch_snapshot`, or a spec through
`generate_model_from_spec`) to one formatted module: `table=True` classes with docstrings,
every column through `Field`'s own arguments (`max_length`, `foreign_key`/`ondelete`, `sa_type`,
`sa_column_args`, `sa_column_kwargs`) rather than `sa_column=Column(...)`, constraints and
indexes in `__table_args__` under their database names, and `Relationship()` on both sides of
every FK. Importing the module and running `SQLModel.metadata.create_all` on an empty database
gives back the same tables, columns, types, defaults, keys, constraints, indexes and enums
(tests/test_codegen_roundtrip.py proves it). The choices are made in `plan` (names, order,
each field's arguments) and written in `render`; types and defaults live in `types`, keys and
indexes in `tables`, relationships in `relations`, layout in `format`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import psycopg

from tools.catalog.models import SchemaSnapshot, Table
from tools.catalog.snapshot import fetch_snapshot, select_names
from tools.codegen.crud import crud_blocks
from tools.codegen.extensions import (
    extension_note,
    needed_extensions,
    render_extensions,
    schema_function_note,
)
from tools.codegen.files import write_module
from tools.codegen.format import Imports
from tools.codegen.models import GeneratedClass, GeneratedModels
from tools.codegen.notes import consistent_table, module_notes
from tools.codegen.plan import module_order, plan_module
from tools.codegen.render import (
    render_class,
    render_core_table,
    render_enums,
    render_header,
    render_pg_type,
)
from tools.codegen.spec import fill_spec_defaults
from tools.errors import ConfigError, NotFound
from tools.spec import SchemaSpec, spec_to_snapshot
from tools.tenancy import detect_tenant_column


def generate_code(
    snapshot: SchemaSnapshot,
    *,
    include_crud_models: bool = False,
    tenant_column: str | None = None,
    assumptions: list[str] | None = None,
    source: Literal["database", "spec"] = "database",
) -> GeneratedModels:
    """Generate the SQLModel module for a snapshot (pure: no database, no disk)."""
    early_notes: dict[str, list[str]] = {}
    tables = [
        consistent_table(t, early_notes, snapshot)
        for t in sorted(snapshot.tables, key=lambda t: t.name)
    ]
    tenant = detect_tenant_column(snapshot, tenant_column)
    plan = plan_module(snapshot, tables, early_notes)
    imports = Imports()
    defined: set[str] = set()
    blocks: list[list[str]] = []
    generated: list[GeneratedClass] = []
    for table in module_order(plan):
        if table.primary_key is None:
            lines, record = render_core_table(table, plan, imports)
            blocks.append(lines)
            generated.append(record)
            continue
        lines, record = render_class(table, plan, imports, defined)
        defined.add(table.name)
        blocks.append(lines)
        generated.append(record)
        if include_crud_models:
            blocks += crud_blocks(record, tenant)
    enum_blocks = render_enums(snapshot, plan, imports)
    extensions = needed_extensions(snapshot, tables)
    if extensions:  # registered before the tables, so it runs before their CREATEs
        enum_blocks.append(render_extensions(extensions, imports))
    header = render_header(snapshot, source, len(tables))
    body = ([render_pg_type(imports)] if plan.uses_pg_type else []) + enum_blocks + blocks
    imported = imports.lines()
    lines = [*header, *([""] if imported else []), *imported]  # no tables: the docstring alone
    for number, block in enumerate(body):
        # isort leaves one blank line between the imports and a statement, ruff two before a class
        after_imports = number == 0 and not block[0].startswith(("class ", "def ", "@"))
        lines += ["", *block] if after_imports else ["", "", *block]
    for record in generated:  # the spec's open points, next to the class they shaped
        name = record.table.split(".", 1)[1]
        record.migration_notes += [
            f"assumption: {a}" for a in assumptions or [] if a.startswith((f"{name}.", f"{name}:"))
        ]
    return GeneratedModels(
        schema_name=snapshot.schema_name,
        source=source,
        code="\n".join(lines) + "\n",
        classes=generated,
        enums=[plan.enum_choices[k].annotation for k in sorted(plan.enum_choices)],
        extensions=extensions,
        migration_notes=[*module_notes(snapshot, tables), *_dependency_notes(snapshot, tables)],
        assumptions=list(assumptions or []),
        fields_total=sum(len(c.fields) for c in generated),
        fields_with_sa_column=sum(f.uses_sa_column for c in generated for f in c.fields),
    )


def _dependency_notes(snapshot: SchemaSnapshot, tables: list[Table]) -> list[str]:
    """What the tables need that is not a table: extensions, the schema's own functions."""
    extensions = needed_extensions(snapshot, tables)
    notes = [extension_note(extensions)] if extensions else []
    functions = schema_function_note(snapshot, tables)
    return [*notes, functions] if functions else notes


def generate_model(
    conn: psycopg.Connection | None,
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
    if source == "spec":  # the old spelling of generate_model_from_spec, kept for callers
        if spec_snapshot is None:
            raise ConfigError(
                "source='spec' needs a parsed spec; pass spec_snapshot=spec_to_snapshot(spec)"
            )
        return generate_model_from_spec(
            spec_snapshot,
            tables=tables,
            path=path,
            include_crud_models=include_crud_models,
            overwrite=overwrite,
            project_root=project_root,
            tenant_column=tenant_column,
            assumptions=assumptions,
        )
    if source != "database":
        raise ConfigError(f"unknown source {source!r}; use 'database' or 'spec'")
    if conn is None:
        raise ConfigError("source='database' needs a database connection")
    result = generate_code(
        fetch_snapshot(conn, schema, tables),
        include_crud_models=include_crud_models,
        tenant_column=tenant_column,
        assumptions=assumptions,
    )
    return _written(result, path, project_root, overwrite)


def generate_model_from_spec(
    spec: SchemaSpec | SchemaSnapshot,
    schema: str = "public",
    tables: list[str] | None = None,
    path: str | None = None,
    include_crud_models: bool = False,
    overwrite: bool = False,
    *,
    project_root: Path,
    tenant_column: str | None = None,
    assumptions: list[str] | None = None,
) -> GeneratedModels:
    """`generate_model` for a parsed spec (or its `spec_to_snapshot`): no database needed.

    A `SchemaSpec` is placed in `schema` and brings its own tenant column unless
    `tenant_column` is given; a snapshot already has its schema. What the spec leaves open gets
    the seeds' defaults, returned as assumptions.
    """
    if isinstance(spec, SchemaSpec):
        tenant_column = tenant_column or spec.tenant_column
        snapshot = spec_to_snapshot(spec, schema)
    else:
        snapshot = spec
    if tables:
        names = [t.name for t in snapshot.tables]
        chosen = select_names(names, tables)
        if not chosen:
            raise NotFound("table", ", ".join(tables), names, "pass tables=[spec tables]")
        kept = [t for t in snapshot.tables if t.name in chosen]
        snapshot = snapshot.model_copy(update={"tables": kept})
    snapshot, filled = fill_spec_defaults(snapshot, tenant_column)
    result = generate_code(
        snapshot,
        include_crud_models=include_crud_models,
        tenant_column=tenant_column,
        assumptions=[*(assumptions or []), *filled],
        source="spec",
    )
    return _written(result, path, project_root, overwrite)


def _written(
    result: GeneratedModels, path: str | None, project_root: Path, overwrite: bool
) -> GeneratedModels:
    """The result, with the module written to `path` when one is given."""
    if path is None:
        return result
    written = write_module(result.code, path, project_root, overwrite)
    return result.model_copy(update={"path": str(written)})


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
