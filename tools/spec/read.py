"""`read_schema_spec`: the project's schema spec (Markdown, as people really write it) as records.

The spec (`specs/database/schema.md` by default) is the authoritative design. It is read with a
Markdown parser for structure, pglast for SQL blocks and `ast` for SQLModel classes (never
executed); Prisma, MySQL, SQLite and TypeScript flavours are mapped to Postgres. Whatever cannot
be read becomes a warning with its line number. `spec_to_snapshot` turns the spec into the same
catalog records `fetch_snapshot` returns, so drift and code generation compare like with like.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from pglast.keywords import RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

from tools.catalog.build import check_columns
from tools.catalog.snapshot import (
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
from tools.errors import SpecError
from tools.spec.builder import SpecBuilder
from tools.spec.model import (
    Entity,
    Reference,
    Relationship,
    SchemaSpec,
    SpecColumn,
    SpecConstraint,
    SpecEnum,
    SpecIndex,
    SpecPolicy,
    SpecWarning,
)
from tools.spec.readers.markdown import MarkdownReader

__all__ = [
    "Entity",
    "Reference",
    "Relationship",
    "SchemaSpec",
    "SpecColumn",
    "SpecConstraint",
    "SpecEnum",
    "SpecIndex",
    "SpecPolicy",
    "SpecWarning",
    "column_text",
    "parse_spec",
    "read_schema_spec",
    "render_spec",
    "spec_to_snapshot",
]

MAX_BYTES = 1_000_000
ENV_HINT = "set PGARCHITECT_SPEC_PATH or pass path=<file under the project root>"


def parse_spec(text: str, path: str = "<text>") -> SchemaSpec:
    """Read spec text into records; never raises on any Markdown (unreadable lines -> warnings)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    builder = SpecBuilder(path=path, lines=text.split("\n"))
    if not text.strip():
        builder.warn(
            0, "the spec is empty: write the tables under headings, as bullets, tables or SQL"
        )
        return builder.finish()
    try:
        MarkdownReader(builder).read(text)
    except RecursionError:
        builder.warn(0, "the spec nests too deeply to read; what was read so far is kept")
    spec = builder.finish()
    spec.sha256 = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return spec


def read_schema_spec(
    path: str | None = None,
    *,
    project_root: Path,
    default_path: Path,
    include_text: bool = False,
) -> SchemaSpec:
    """Read the project's database schema spec (the authoritative design) into structured records.

    Call this before designing or changing tables, generating SQLModel code, or checking the
    database: it returns every table the spec defines (columns with Postgres types, nullability,
    keys, defaults, foreign keys with ON DELETE), the indexes, constraints and relationships it
    asks for, enums, the tenant column and shared tables if stated, tables managed by an auth
    library (external), future/optional tables kept apart, the dialects seen, and a warning with
    its line number for every line that could not be read. Pass include_text=True to also get the
    raw file when warnings need a human reading. Next: compare_spec_to_database for drift.

    Args:
        path: file under the project root; default specs/database/schema.md (or the setting).
    """
    root = project_root.resolve()
    given = Path(path) if path else default_path
    candidate = given if given.is_absolute() else root / given
    resolved = candidate.resolve()
    if not resolved.is_relative_to(root):
        raise SpecError(
            f"spec path {str(given)!r} resolves to {str(resolved)!r}, outside the project root "
            f"{str(root)!r}; {ENV_HINT}"
        )
    if not resolved.exists():
        raise SpecError(
            f"no spec file at {str(resolved)!r} (looked for {str(given)!r} under the project root "
            f"{str(root)!r}); write it there, {ENV_HINT}"
        )
    if not resolved.is_file():
        raise SpecError(f"spec path {str(resolved)!r} is not a file; {ENV_HINT}")
    size = resolved.stat().st_size
    if size > MAX_BYTES:
        raise SpecError(
            f"spec file {str(resolved)!r} is {size:,} bytes, over the 1 MB limit; "
            "split it or point the path at the schema part"
        )
    data = resolved.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SpecError(
            f"spec file {str(resolved)!r} is not UTF-8 (byte {data[error.start]:#04x} at offset "
            f"{error.start}); save it as UTF-8",
            line=line,
        ) from None
    shown = str(resolved.relative_to(root))
    spec = parse_spec(text, path=shown)
    spec.sha256 = hashlib.sha256(data).hexdigest()
    if include_text:
        spec.text = text
    return spec


# --- the spec as catalog records ------------------------------------------------------------

_RESERVED = set(RESERVED_KEYWORDS) | set(TYPE_FUNC_NAME_KEYWORDS)


def quote_ident(name: str) -> str:
    """An identifier as Postgres prints it: quoted when mixed case, reserved or unusual."""
    if re.fullmatch(r"[a-z_][a-z0-9_$]*", name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def _name(*parts: str, suffix: str) -> str:
    """Postgres's default constraint/index name (63 bytes at most)."""
    return "_".join(parts)[: 63 - len(suffix) - 1] + "_" + suffix


def _fk_definition(columns: list[str], reference: Reference, ref_columns: list[str]) -> str:
    text = (
        f"FOREIGN KEY ({', '.join(map(quote_ident, columns))}) REFERENCES "
        f"{quote_ident(reference.table)}({', '.join(map(quote_ident, ref_columns))})"
    )
    if reference.on_delete and reference.on_delete != "NO ACTION":
        text += f" ON DELETE {reference.on_delete}"
    return text


def _index(table: str, schema: str, index: SpecIndex) -> Index:
    name = index.name or _name(
        table, *[re.sub(r"\W+", "_", c).strip("_") for c in index.columns], suffix="idx"
    )
    keys = [
        IndexKey(expression=c[1:-1]) if c.startswith("(") else IndexKey(column=c)
        for c in index.columns
    ]
    cols = ", ".join(c if c.startswith("(") else quote_ident(c) for c in index.columns)
    definition = (
        f"CREATE {'UNIQUE ' if index.unique else ''}INDEX {quote_ident(name)} ON "
        f"{quote_ident(schema)}.{quote_ident(table)} USING {index.method} ({cols})"
        + (f" WHERE {index.where}" if index.where else "")
    )
    return Index(
        name=name,
        keys=keys,
        method=index.method,
        unique=index.unique,
        predicate=index.where,
        definition=definition,
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
        sequence = quote_ident(f"{table}_{column.name}_seq")
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


def _table(entity: Entity, spec: SchemaSpec, schema: str) -> Table:
    name = entity.name
    constraints = [c for c in spec.constraints if c.table == name]
    pk_columns = [c.name for c in entity.columns if c.primary_key]
    primary = (
        PrimaryKey(name=_name(name, suffix="pkey"), columns=pk_columns) if pk_columns else None
    )
    foreign_keys = []
    for column in entity.columns:
        ref = column.references
        if ref and ref.table:
            ref_columns = [ref.column or "id"]
            foreign_keys.append(
                ForeignKey(
                    name=_name(name, column.name, suffix="fkey"),
                    columns=[column.name],
                    ref_schema=schema,
                    ref_table=ref.table,
                    ref_columns=ref_columns,
                    on_delete=ref.on_delete or "NO ACTION",
                    on_update="NO ACTION",
                    definition=_fk_definition([column.name], ref, ref_columns),
                )
            )
    for constraint in constraints:
        if constraint.kind == "foreign key" and constraint.references:
            ref_columns = constraint.ref_columns or [constraint.references.column or "id"]
            foreign_keys.append(
                ForeignKey(
                    name=constraint.name or _name(name, *constraint.columns, suffix="fkey"),
                    columns=constraint.columns,
                    ref_schema=schema,
                    ref_table=constraint.references.table,
                    ref_columns=ref_columns,
                    on_delete=constraint.references.on_delete or "NO ACTION",
                    on_update="NO ACTION",
                    definition=_fk_definition(
                        constraint.columns, constraint.references, ref_columns
                    ),
                )
            )
    uniques = [
        UniqueConstraint(
            name=_name(name, c.name, suffix="key"),
            columns=[c.name],
            definition=f"UNIQUE ({quote_ident(c.name)})",
        )
        for c in entity.columns
        if c.unique and not (c.primary_key and len(pk_columns) == 1)
    ] + [
        UniqueConstraint(
            name=c.name or _name(name, *c.columns, suffix="key"),
            columns=c.columns,
            definition=f"UNIQUE ({', '.join(map(quote_ident, c.columns))})",
        )
        for c in constraints
        if c.kind == "unique" and c.columns
    ]
    checks = [
        CheckConstraint(
            name=_name(name, c.name, suffix="check"),
            columns=[c.name],
            expression=c.check,
            definition=f"CHECK ({c.check})",
        )
        for c in entity.columns
        if c.check
    ] + [
        CheckConstraint(
            name=c.name or _name(name, suffix="check"),
            columns=c.columns
            or check_columns(c.expression or "", [x.name for x in entity.columns]),
            expression=c.expression or "",
            definition=f"CHECK ({c.expression})",
        )
        for c in constraints
        if c.kind == "check" and c.expression
    ]
    indexes = []
    if primary:
        indexes.append(
            Index(
                name=primary.name,
                keys=[IndexKey(column=c) for c in pk_columns],
                unique=True,
                primary=True,
                constraint=primary.name,
                definition=f"CREATE UNIQUE INDEX {primary.name} ON {quote_ident(schema)}."
                f"{quote_ident(name)} USING btree ({', '.join(map(quote_ident, pk_columns))})",
            )
        )
    for unique in uniques:
        indexes.append(
            Index(
                name=unique.name,
                keys=[IndexKey(column=c) for c in unique.columns],
                unique=True,
                constraint=unique.name,
                definition=f"CREATE UNIQUE INDEX {unique.name} ON {quote_ident(schema)}."
                f"{quote_ident(name)} USING btree ({', '.join(map(quote_ident, unique.columns))})",
            )
        )
    wanted = [i for i in spec.indexes if i.table == name and i.columns and not i.future]
    wanted += [
        SpecIndex(table=name, columns=[c.name], line=c.line)
        for c in entity.columns
        if c.indexed and not any(i.columns == [c.name] for i in spec.indexes if i.table == name)
    ]
    seen = {tuple(i.columns) for i in indexes}
    for index in wanted:
        if tuple(index.columns) in seen and not index.where:
            continue
        seen.add(tuple(index.columns))
        indexes.append(_index(name, schema, index))
    return Table(
        schema=schema,
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
    return SchemaSnapshot(
        schema=schema,
        server_version=0,
        database="spec",
        role=RoleInfo(name="spec", superuser=False, bypass_rls=False, can_write=False),
        tables=[_table(e, spec, schema) for e in spec.entities if not e.external],
        enums=[
            EnumType(schema=schema, name=e.name, values=e.values)
            for e in spec.enums
            if e.name in used or e.values
        ],
    )


# --- text report ------------------------------------------------------------------------------


def column_text(column: SpecColumn) -> str:
    """One line for a column: `user_id uuid NOT NULL -> users.id ON DELETE CASCADE`."""
    parts = [column.name, column.pg_type]
    if column.primary_key:
        parts.append("PK")
    elif not column.nullable:
        parts.append("NOT NULL")
    flags = [
        ("UNIQUE", column.unique),
        ("INDEXED", column.indexed),
        ("AUTO", column.auto_increment),
    ]
    parts += [word for word, on in flags if on]
    if column.default:
        parts.append(f"DEFAULT {column.default}")
    if column.check:
        parts.append(f"CHECK ({column.check})")
    if column.references:
        ref = column.references
        parts.append(f"-> {ref.table}.{ref.column or 'id'}")
        if ref.on_delete:
            parts.append(f"ON DELETE {ref.on_delete}")
    return " ".join(parts)


def render_spec(spec: SchemaSpec) -> str:
    """A compact plain-text report of the spec: tables, columns, indexes and warnings."""
    lines = [
        f"spec {spec.path} (sha256 {spec.sha256[:12]}): {len(spec.entities)} tables, "
        f"{len(spec.indexes)} indexes, {len(spec.relationships)} relationships, "
        f"{len(spec.warnings)} warnings",
    ]
    if spec.dialects:
        lines.append("dialects: " + ", ".join(spec.dialects))
    if spec.tenant_column:
        lines.append(f"tenant column: {spec.tenant_column}")
    if spec.shared_tables:
        lines.append("shared tables: " + ", ".join(spec.shared_tables))
    for entity in spec.entities:
        tag = f" [managed by {entity.managed_by}]" if entity.managed_by else ""
        tag += " [RLS]" if entity.rls_enabled else ""
        lines.append(f"\n{entity.name} (line {entity.line}){tag}")
        lines += [f"  {column_text(c)}" for c in entity.columns]
        for index in spec.indexes:
            if index.table == entity.name and not index.future:
                unique = "unique " if index.unique else ""
                lines.append(
                    f"  {unique}index ({', '.join(index.columns)})"
                    + (f" WHERE {index.where}" if index.where else "")
                )
    if spec.future:
        lines.append("\nfuture/optional: " + ", ".join(e.name for e in spec.future))
    if spec.enums:
        lines.append(
            "\nenums: " + "; ".join(f"{e.name}({', '.join(e.values)})" for e in spec.enums)
        )
    if spec.warnings:
        lines.append("\nwarnings:")
        lines += [
            f"  line {w.line}: {w.message}" + (f"  | {w.text}" if w.text else "")
            for w in spec.warnings
        ]
    return "\n".join(lines)
