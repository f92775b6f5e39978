"""`read_schema_spec`: the project's schema spec (Markdown, as people really write it) as records.

The spec (`specs/database/schema.md` by default) is the authoritative design. It is read with a
Markdown parser for structure, pglast for SQL blocks and `ast` for SQLModel classes (never
executed); Prisma, MySQL, SQLite and TypeScript flavours are mapped to Postgres. Whatever cannot
be read becomes a warning with its line number. `spec_to_snapshot` (in `ddl`) turns the spec into
the same catalog records `fetch_snapshot` returns; `render_spec` is the plain-text report.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from tools.errors import SpecError
from tools.paths import resolve_given
from tools.spec.builder import SpecBuilder
from tools.spec.ddl import spec_to_snapshot
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
from tools.spec.selection import select_tables

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
    tables: list[str] | None = None,
) -> SchemaSpec:
    """Read the project's database schema spec (the authoritative design) into structured records.

    Call this before designing or changing tables, generating SQLModel code, or checking the
    database: it returns every table the spec defines (columns with Postgres types, nullability,
    keys, defaults, foreign keys with ON DELETE), the indexes, constraints and relationships it
    asks for, enums, the tenant column and shared tables if stated, tables managed by an auth
    library (external), future/optional tables kept apart, the dialects seen, and a warning with
    its line number for every line that could not be read. Pass include_text=True to also get the
    raw file when warnings need a human reading. `tables` (names or globs, 'task*') narrows the
    answer to those tables and their indexes, constraints, policies and relationships. Next:
    compare_spec_to_database for drift.

    Args:
        path: file under the project root; default specs/database/schema.md (or the setting).
    """
    root = project_root.resolve()
    given = Path(path) if path else default_path
    candidate = given if given.is_absolute() else root / given
    resolved = resolve_given(candidate, str(path or given), ENV_HINT)
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
    return select_tables(spec, tables)


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
