"""The live schema as frozen records, fetched with a fixed number of catalog queries.

`fetch_snapshot(conn, schema, tables)` is what every tool builds on: one query per catalog kind
for the whole schema (never one per table), joined by OID, grouped in Python, sent in two
pipelined round trips. Postgres renders types, defaults and expressions (format_type,
pg_get_expr); the definitions of plain indexes and keys are rebuilt from the same catalog rows
by tools.catalog_text (pg_get_indexdef per index was half the time on 2,000 tables), the server
renders the rest. Records are validated in one pass with the garbage collector paused.
"""

from __future__ import annotations

import fnmatch
import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from operator import attrgetter
from typing import Any

import psycopg
from psycopg.rows import dict_row, namedtuple_row

from tools.catalog import text as catalog_text
from tools.catalog.build import (
    RELKINDS,
    Context,
    Row,
    function_record,
    group_by_oid,
    table_record,
    view_record,
)
from tools.catalog.models import SchemaSnapshot
from tools.catalog.queries import (
    BINARY_CASTS,
    COLUMNS,
    COMMENTS,
    DEFAULT_OPCLASSES,
    ENUMS,
    EXTENSIONS,
    FUNCTIONS,
    INDEX_DEFINITIONS,
    JIT_OFF,
    JIT_RESTORE,
    KEYWORDS,
    OPCLASSES,
    POLICIES,
    RELATIONS,
    ROLE,
    SCHEMAS,
    VIEW_DEFINITIONS,
    VIEW_TRIGGERS,
    versioned,
)
from tools.errors import NotFound


def fetch_rows(
    conn: psycopg.Connection, query: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """Rows of a constant catalog query as dicts."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)
        return cur.fetchall()


def fetch_batch(
    conn: psycopg.Connection, queries: list[tuple[str, dict[str, Any]]]
) -> list[list[Row]]:
    """Rows (named tuples) of several constant catalog queries, sent in one round trip.

    Pipeline mode with unnamed statements: nothing outlives the transaction, so it works through
    PgBouncer in transaction mode (Neon's -pooler hosts). JIT is off for the batch only.
    """
    batch = [(JIT_OFF, {}), *queries, (JIT_RESTORE, {})]
    cursors = [conn.cursor(row_factory=namedtuple_row) for _ in batch]
    try:
        with conn.pipeline() if psycopg.Pipeline.is_supported() else nullcontext():
            for cur, (query, params) in zip(cursors, batch, strict=True):
                # prepare=False: no named statement, whatever the connection says (PgBouncer)
                cur.execute(query, params, prepare=False)
        return [cur.fetchall() for cur in cursors[1:-1]]
    finally:
        for cur in cursors:
            cur.close()


def list_schemas(conn: psycopg.Connection) -> list[str]:
    """User schemas of the database (pg_* and information_schema left out)."""
    return [r["nspname"] for r in fetch_rows(conn, SCHEMAS, {})]


def select_names(names: Iterable[str], patterns: list[str] | None) -> set[str]:
    """The names matching any of the patterns (exact names or shell globs); all when None."""
    names = list(names)
    if not patterns:
        return set(names)
    return {n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns)}


def _choose(
    relations: list[Row], tables: list[str] | None, after: str | None, limit: int | None
) -> tuple[list[Row], list[Row], int, bool]:
    """Tables and views asked for, the number of tables matched, and whether more remain."""
    base = [r for r in relations if r.relkind in RELKINDS]
    views = [r for r in relations if r.relkind in ("v", "m")]
    if tables:
        chosen = select_names([r.relname for r in relations], tables)
        if not chosen:
            raise NotFound(
                "table",
                ", ".join(tables),
                [r.relname for r in base],
                "pass tables=[names or globs like 'task*']",
            )
        base = [r for r in base if r.relname in chosen]
        views = [r for r in views if r.relname in chosen]
    matched = len(base)
    if after is not None:
        base = [r for r in base if r.relname > after]
        views = []
    more = limit is not None and len(base) > limit
    if limit is not None:
        base = base[:limit]
    return base, views, matched, more


def _fill_definitions(conn: psycopg.Connection, ctx: Context) -> None:
    """Have the server render the definitions Python left open (one more query, rarely run)."""
    (rows,) = fetch_batch(conn, [(INDEX_DEFINITIONS, {"indexes": list(ctx.unresolved)})])
    for oid, definition in rows:
        ctx.unresolved[oid]["definition"] = definition


def oid_array(oids: Iterable[int]) -> str:
    """An oid[] literal: rendered once, where a list would be dumped again for every query."""
    return "{" + ",".join(map(str, oids)) + "}"


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while tens of thousands of acyclic records are built.

    The collector would walk the growing heap again and again (half the build time on 2,000
    tables); records hold no cycles, so pausing it loses nothing.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def fetch_snapshot(
    conn: psycopg.Connection,
    schema: str = "public",
    tables: list[str] | None = None,
    *,
    after: str | None = None,
    limit: int | None = None,
) -> SchemaSnapshot:
    """Fetch one schema (optionally only the tables matching names or globs) as records.

    `after`/`limit` page through the tables in name order (views come with the first page).
    Costs the same fixed number of queries whatever the number of tables: two round trips
    (pipelines), and a third only for an index whose definition Python cannot rebuild.
    """
    with _gc_paused():
        return _fetch_snapshot(conn, schema, tables, after, limit)


def _fetch_snapshot(
    conn: psycopg.Connection,
    schema: str,
    tables: list[str] | None,
    after: str | None,
    limit: int | None,
) -> SchemaSnapshot:
    version = conn.info.server_version
    sql = versioned(version)
    params: dict[str, Any] = {"schema": schema}
    (
        relations,
        schemas,
        role_rows,
        enum_rows,
        function_rows,
        extension_rows,
        opclass_rows,
        default_rows,
        type_rows,
        cast_rows,
        keyword_rows,
    ) = fetch_batch(
        conn,
        [
            (RELATIONS, params),
            (SCHEMAS, {}),
            (ROLE, params),
            (ENUMS, params),
            (FUNCTIONS, params),
            (EXTENSIONS, {}),
            (OPCLASSES, {}),
            (DEFAULT_OPCLASSES, {}),
            (sql["types"], {}),
            (BINARY_CASTS, {}),
            (KEYWORDS, {}),
        ],
    )
    if not relations and schema not in [r.nspname for r in schemas]:
        raise NotFound("schema", schema, [r.nspname for r in schemas], "pass schema=<one of these>")
    base, views, matched, more = _choose(relations, tables, after, limit)
    oids = {"oids": oid_array(r.oid for r in base + views)}
    view_oids = {"oids": oid_array(v.oid for v in views)}
    (
        column_rows,
        comment_rows,
        constraint_rows,
        index_rows,
        policy_rows,
        view_rows,
        trigger_rows,
    ) = fetch_batch(
        conn,
        [
            (COLUMNS, oids),
            (COMMENTS, oids),
            (sql["constraints"], oids),
            (sql["indexes"], oids),
            (POLICIES, oids),
            (VIEW_DEFINITIONS, view_oids),
            (VIEW_TRIGGERS, view_oids),
        ],
    )
    column_rows.sort(key=attrgetter("oid", "attnum"))
    columns_by_table = group_by_oid(column_rows)
    constraints_by_table = group_by_oid(constraint_rows)
    indexes_by_table = group_by_oid(index_rows)
    policies_by_table = group_by_oid(policy_rows)
    # The constraint an index backs (PK, UNIQUE, EXCLUDE); an FK's conindid is the target's.
    owners = {r.conindid: r.conname for r in constraint_rows if r.contype in ("p", "u", "x")}
    keywords, quote_all = keyword_rows[0]
    ctx = Context(
        schema,
        {r.oid: r.name for r in opclass_rows},
        catalog_text.opclass_catalog(default_rows, type_rows, cast_rows),
        catalog_text.quoter_from(keywords, quote_all),
    )
    ctx.comments = {(r.oid, r.attnum): r.description for r in comment_rows}
    ctx.relnames = {r.oid: r.relname for r in base + views}
    ctx.attnames = {
        oid: {r.attnum: r.attname for r in rows} for oid, rows in columns_by_table.items()
    }
    table_records = [
        table_record(
            rel,
            columns_by_table.get(rel.oid, []),
            constraints_by_table.get(rel.oid, []),
            indexes_by_table.get(rel.oid, []),
            policies_by_table.get(rel.oid, []),
            owners,
            ctx,
        )
        for rel in base
    ]
    view_sql = {r.oid: r for r in view_rows}
    triggers = group_by_oid(trigger_rows)
    view_records = [
        view_record(
            v,
            view_sql.get(v.oid),
            [r.definition for r in triggers.get(v.oid, [])],
            columns_by_table.get(v.oid, []),
            indexes_by_table.get(v.oid, []),
            owners,
            ctx,
        )
        for v in views
    ]
    if ctx.unresolved:
        _fill_definitions(conn, ctx)
    role = role_rows[0]
    return SchemaSnapshot.model_validate(
        {
            "schema": schema,
            "server_version": version,
            "database": role.database,
            "search_path": role.search_path,
            "role": {
                "name": role.rolname,
                "superuser": role.rolsuper,
                "bypass_rls": role.rolbypassrls,
                "can_write": role.can_write or role.rolsuper,
                "owns_tables": role.owns_tables,
            },
            "tables": table_records,
            "enums": [{"schema": schema, "name": r.typname, "values": r.labels} for r in enum_rows],
            "views": view_records,
            "functions": [function_record(r, schema) for r in function_rows],
            "extensions": [
                {"name": r.extname, "version": r.extversion, "schema": r.nspname}
                for r in extension_rows
            ],
            "matched_tables": matched,
            "more_tables": more,
        }
    )
