"""`reflect_database`: the live schema as structured data, sized to fit an assistant's context.

Full detail when it fits a token budget, else one line per table with a hint how to narrow;
`limit`/`cursor` page through tables. The records come from `tools.catalog`.
"""

from __future__ import annotations

import base64
from typing import Literal

import psycopg
from pydantic import BaseModel, Field

from tools.catalog.models import (
    EnumType,
    Extension,
    Function,
    RoleInfo,
    SchemaSnapshot,
    Table,
    View,
)
from tools.catalog.snapshot import fetch_snapshot
from tools.errors import ConfigError

TOKEN_BUDGET = 20_000
CURSOR_PREFIX = "after:"
CHARS_PER_TOKEN = 4  # JSON of identifiers and SQL runs close to 4 characters a token


class TableSummary(BaseModel):
    """One line about a table, for schemas too large to show in full."""

    name: str = Field(description="table name (schema-qualified in `qualified`)")
    qualified: str = Field(description="schema.table")
    columns: int = Field(description="number of columns")
    primary_key: list[str] = Field(description="primary key columns, empty if none")
    foreign_keys: list[str] = Field(description="'col -> table.col' per foreign key")
    indexes: int = Field(description="number of indexes")
    rls: Literal["off", "enabled", "forced"] = Field(description="row-level security state")
    policies: int = Field(description="number of policies")
    row_estimate: int | None = Field(description="planner's row estimate; None if never analyzed")
    size_bytes: int = Field(description="total size with indexes and TOAST")
    comment: str | None = Field(None, description="table comment")


class ReflectResult(BaseModel):
    """The schema of a live database: full records, or a summary when too large."""

    schema_name: str = Field(alias="schema", description="the schema reflected")
    database: str = Field(description="database name")
    server_version: int = Field(description="server_version_num, e.g. 170004")
    role: RoleInfo = Field(description="the role the server connects as and what it could do")
    detail: Literal["full", "summary"] = Field(description="which form `tables`/`summary` hold")
    table_count: int = Field(description="tables matching the filter, across all pages")
    tables: list[Table] = Field(default_factory=list, description="full tables (detail=full)")
    summary: list[TableSummary] = Field(
        default_factory=list, description="one entry per table (detail=summary)"
    )
    enums: list[EnumType] = Field(default_factory=list, description="enum types of the schema")
    views: list[View] = Field(default_factory=list, description="views and materialized views")
    functions: list[Function] = Field(default_factory=list, description="functions of the schema")
    extensions: list[Extension] = Field(default_factory=list, description="installed extensions")
    next_cursor: str | None = Field(None, description="pass as cursor= for the next page")
    hint: str | None = Field(None, description="how to narrow or page when the answer was cut")

    model_config = {"populate_by_name": True, "serialize_by_alias": True}


def summarize_table(table: Table) -> TableSummary:
    """The one-line form of a table."""
    return TableSummary(
        name=table.name,
        qualified=table.qualified,
        columns=len(table.columns),
        primary_key=table.primary_key.columns if table.primary_key else [],
        foreign_keys=[
            f"{','.join(fk.columns)} -> {fk.ref_table}.{','.join(fk.ref_columns)}"
            for fk in table.foreign_keys
        ],
        indexes=len(table.indexes),
        rls="forced"
        if table.rls_forced and table.rls_enabled
        else "enabled"
        if table.rls_enabled
        else "off",
        policies=len(table.policies),
        row_estimate=table.row_estimate,
        size_bytes=table.size_bytes,
        comment=table.comment,
    )


def _estimate_tokens(result: BaseModel) -> int:
    return len(result.model_dump_json(exclude_none=True)) // CHARS_PER_TOKEN


def reflect_database(
    conn: psycopg.Connection,
    schema: str = "public",
    tables: list[str] | None = None,
    detail: Literal["auto", "full", "summary"] = "auto",
    limit: int | None = None,
    cursor: str | None = None,
) -> ReflectResult:
    """Inspect a live Postgres/Neon schema: tables, columns, keys, indexes, RLS, policies, enums.

    Call this before designing or changing models, indexes or policies, to see what really
    exists. `tables` takes names or globs ('task*'). detail="auto" returns every record when it
    fits ~20k tokens, else one line per table plus a hint: then call again with `tables=` or
    `limit`/`cursor` (pass back `next_cursor`). The result also says which role the server
    connects as and whether it is superuser, bypasses RLS or could write. Next:
    validate_isolation, suggest_indexes, compare_spec_to_database or generate_model.
    """
    if limit is not None and limit < 1:
        raise ConfigError(f"limit must be a positive number of tables, got {limit!r}")
    if detail not in ("auto", "full", "summary"):
        raise ConfigError(f"detail must be 'auto', 'full' or 'summary', got {detail!r}")
    after = decode_cursor(cursor) if cursor else None
    snapshot = fetch_snapshot(conn, schema, tables, after=after, limit=limit)
    return build_result(snapshot, detail)


def encode_cursor(table: str) -> str:
    """An opaque cursor for the page after `table`."""
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{table}".encode()).decode()


def decode_cursor(cursor: str) -> str:
    """The table a cursor points after; ConfigError for anything not made by encode_cursor."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeError):
        text = ""
    if not text.startswith(CURSOR_PREFIX):
        raise ConfigError(
            f"invalid cursor {cursor!r}; pass back the next_cursor of the previous page as it "
            "is, or leave cursor out to start from the first table"
        )
    return text.removeprefix(CURSOR_PREFIX)


def build_result(snapshot: SchemaSnapshot, detail: str) -> ReflectResult:
    """Shape a snapshot into the answer: full or summary, with the cursor of the next page."""
    next_cursor = encode_cursor(snapshot.tables[-1].name) if snapshot.more_tables else None
    result = ReflectResult(
        schema_name=snapshot.schema_name,
        database=snapshot.database,
        server_version=snapshot.server_version,
        role=snapshot.role,
        detail="full",
        table_count=snapshot.matched_tables,
        tables=snapshot.tables,
        enums=snapshot.enums,
        views=snapshot.views,
        functions=snapshot.functions,
        extensions=snapshot.extensions,
        next_cursor=next_cursor,
    )
    if detail == "full" or (detail == "auto" and _estimate_tokens(result) <= TOKEN_BUDGET):
        return result
    summary = result.model_copy(
        update={
            "detail": "summary",
            "tables": [],
            "summary": [summarize_table(t) for t in snapshot.tables],
            "views": [
                v.model_copy(
                    update={
                        "definition": "",
                        "columns": [],
                        "indexes": [],
                        "depends_on": [],
                        "triggers": [],
                    }
                )
                for v in snapshot.views
            ],
            "functions": [f.model_copy(update={"source": None}) for f in snapshot.functions],
        }
    )
    if detail == "auto":
        summary.hint = (
            f"full detail of {len(snapshot.tables)} tables exceeds ~{TOKEN_BUDGET} tokens; "
            "call again with tables=['name', 'prefix*'] for full records, or limit=50 and "
            "cursor=next_cursor to page, or detail='full' to force everything"
        )
    return summary


def render_reflect(result: ReflectResult) -> str:
    """A compact text view: one line per table, then enums, views and the connecting role."""
    role = result.role
    lines = [
        f"schema {result.schema_name} in database {result.database} "
        f"(PostgreSQL {result.server_version // 10000}): {result.table_count} tables",
        f"connected as {role.name}: superuser={role.superuser}, bypass_rls={role.bypass_rls}, "
        f"can_write={role.can_write} (every tool call runs READ ONLY)",
    ]
    entries = result.summary or [summarize_table(t) for t in result.tables]
    for entry in entries:
        fks = f"; fk {', '.join(entry.foreign_keys)}" if entry.foreign_keys else ""
        rows = f"~{entry.row_estimate} rows" if entry.row_estimate is not None else "not analyzed"
        lines.append(
            f"  {entry.name}: {entry.columns} cols, pk({', '.join(entry.primary_key) or '-'})"
            f", {entry.indexes} idx, rls {entry.rls}/{entry.policies} policies, {rows}{fks}"
        )
    for enum in result.enums:
        lines.append(f"  enum {enum.name}: {', '.join(enum.values)}")
    for view in result.views:
        kind = "materialized view" if view.materialized else "view"
        lines.append(f"  {kind} {view.name} (security_invoker={view.security_invoker})")
    if result.hint:
        lines.append(f"hint: {result.hint}")
    if result.next_cursor:
        lines.append(f"next page: cursor={result.next_cursor!r}")
    return "\n".join(lines)
