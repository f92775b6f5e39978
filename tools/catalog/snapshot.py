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
from typing import Any, Literal

import psycopg
from psycopg.rows import dict_row, namedtuple_row
from pydantic import BaseModel, ConfigDict, Field

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
    versioned,
)
from tools.errors import NotFound


class Record(BaseModel):
    """A frozen catalog record."""

    model_config = ConfigDict(frozen=True)


class Column(Record):
    """A column as Postgres describes it."""

    name: str
    type: str = Field(
        description="the type as format_type() renders it, e.g. character varying(255)"
    )
    nullable: bool
    default: str | None = Field(None, description="default expression as pg_get_expr renders it")
    identity: Literal["always", "by default"] | None = Field(
        None, description="GENERATED … AS IDENTITY"
    )
    generated: str | None = Field(
        None, description="expression of a GENERATED ALWAYS AS … STORED column"
    )
    comment: str | None = None
    enum: str | None = Field(
        None, description="schema.name of the enum type (or array element enum)"
    )
    is_array: bool = False


class PrimaryKey(Record):
    """The primary key constraint."""

    name: str
    columns: list[str]


class ForeignKey(Record):
    """A foreign key; composite keys keep their column pairs in order."""

    name: str
    columns: list[str]
    ref_schema: str
    ref_table: str
    ref_columns: list[str]
    on_delete: str = Field(description="NO ACTION, RESTRICT, CASCADE, SET NULL or SET DEFAULT")
    on_update: str
    deferrable: bool = False
    initially_deferred: bool = False
    match_full: bool = False
    validated: bool = True
    definition: str = Field(description="pg_get_constraintdef()")


class UniqueConstraint(Record):
    """A UNIQUE constraint (not a unique index without constraint: see indexes)."""

    name: str
    columns: list[str]
    definition: str


class CheckConstraint(Record):
    """A CHECK constraint (NOT NULL constraints are reported on the columns)."""

    name: str
    columns: list[str] = Field(description="columns the expression mentions")
    expression: str = Field(description="the boolean expression, without CHECK ( )")
    definition: str


class IndexKey(Record):
    """One key of an index: a column or an expression, with its ordering and operator class."""

    column: str | None = Field(None, description="column name, None for an expression key")
    expression: str | None = Field(None, description="expression text for an expression key")
    descending: bool = False
    nulls_first: bool = False
    opclass: str | None = Field(None, description="operator class when not the type's default")

    @property
    def text(self) -> str:
        """The column name or the expression."""
        return self.column if self.column is not None else f"({self.expression})"


class Index(Record):
    """An index with everything that distinguishes it from another."""

    name: str
    keys: list[IndexKey]
    include: list[str] = Field(default_factory=list, description="INCLUDE (…) columns")
    method: str = "btree"
    unique: bool = False
    primary: bool = False
    constraint: str | None = Field(None, description="name of the constraint this index backs")
    predicate: str | None = Field(None, description="WHERE of a partial index")
    valid: bool = True
    definition: str = Field(description="pg_get_indexdef()")
    size_bytes: int = Field(0, description="from pg_class.relpages, as of the last VACUUM/ANALYZE")
    scans: int | None = Field(None, description="idx_scan since the statistics reset")

    @property
    def columns(self) -> list[str]:
        """Key columns (expressions in parentheses), in order."""
        return [key.text for key in self.keys]


class Policy(Record):
    """A row-level security policy."""

    name: str
    command: Literal["ALL", "SELECT", "INSERT", "UPDATE", "DELETE"]
    roles: list[str] = Field(description="role names; PUBLIC when the policy applies to all")
    permissive: bool = True
    using: str | None = None
    with_check: str | None = None


class Table(Record):
    """A table with its columns, constraints, indexes and row-level security."""

    schema_name: str = Field(alias="schema")
    name: str
    kind: str = "table"
    owner: str
    comment: str | None = None
    row_estimate: int | None = Field(None, description="pg_class.reltuples; None if never analyzed")
    size_bytes: int = Field(
        0,
        description="table + TOAST + indexes, from pg_class.relpages (as of the last VACUUM or "
        "ANALYZE: no relation is opened, which stays cheap on Neon and on 1,000+ tables)",
    )
    columns: list[Column] = Field(default_factory=list)
    primary_key: PrimaryKey | None = None
    foreign_keys: list[ForeignKey] = Field(default_factory=list)
    unique_constraints: list[UniqueConstraint] = Field(default_factory=list)
    check_constraints: list[CheckConstraint] = Field(default_factory=list)
    indexes: list[Index] = Field(default_factory=list)
    rls_enabled: bool = False
    rls_forced: bool = False
    policies: list[Policy] = Field(default_factory=list)

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    @property
    def qualified(self) -> str:
        """schema.name"""
        return f"{self.schema_name}.{self.name}"

    def column(self, name: str) -> Column | None:
        """The column of that name, if any."""
        return next((c for c in self.columns if c.name == name), None)


class EnumType(Record):
    """An enum type and its labels in order."""

    schema_name: str = Field(alias="schema")
    name: str
    values: list[str]

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)


class View(Record):
    """A view or materialized view."""

    schema_name: str = Field(alias="schema")
    name: str
    materialized: bool = False
    owner: str
    comment: str | None = None
    definition: str
    security_invoker: bool = False
    security_barrier: bool = False
    columns: list[Column] = Field(default_factory=list)

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)


class Function(Record):
    """A function or procedure: enough to judge SECURITY DEFINER and search_path."""

    schema_name: str = Field(alias="schema")
    name: str
    arguments: str = Field(description="pg_get_function_identity_arguments()")
    returns: str | None = None
    language: str
    security_definer: bool = False
    volatility: Literal["immutable", "stable", "volatile"] = "volatile"
    config: list[str] = Field(default_factory=list, description="SET options, e.g. search_path=…")
    owner: str
    source: str | None = Field(None, description="body text for sql/plpgsql functions")

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)


class Extension(Record):
    """An installed extension."""

    name: str
    version: str
    schema_name: str = Field(alias="schema")

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)


class RoleInfo(Record):
    """The role the server connects as, and what it could do without the READ ONLY guard."""

    name: str
    superuser: bool
    bypass_rls: bool
    can_write: bool = Field(
        description="holds INSERT/UPDATE/DELETE on a table or CREATE on the schema"
    )
    owns_tables: int = Field(
        0, description="tables of the schema this role owns (RLS skips owners)"
    )


class SchemaSnapshot(Record):
    """One schema of a live database, as records."""

    schema_name: str = Field(alias="schema")
    server_version: int = Field(description="server_version_num, e.g. 170004")
    database: str
    role: RoleInfo
    tables: list[Table] = Field(default_factory=list)
    enums: list[EnumType] = Field(default_factory=list)
    views: list[View] = Field(default_factory=list)
    functions: list[Function] = Field(default_factory=list)
    extensions: list[Extension] = Field(default_factory=list)
    matched_tables: int = Field(0, description="tables matching the filter, before paging")
    more_tables: bool = Field(False, description="whether tables remain after this page")

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    def table(self, name: str) -> Table | None:
        """The table of that name, if any."""
        return next((t for t in self.tables if t.name == name), None)

    def has_extension(self, name: str) -> bool:
        """Whether the extension is installed in the database."""
        return any(e.name == name for e in self.extensions)


def fetch_rows(
    conn: psycopg.Connection, query: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """Rows of a constant catalog query as dicts."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)  # type: ignore[arg-type]  # constant catalog query
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
                cur.execute(query, params, prepare=False)  # type: ignore[arg-type]
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
    column_rows, comment_rows, constraint_rows, index_rows, policy_rows, view_rows = fetch_batch(
        conn,
        [
            (COLUMNS, oids),
            (COMMENTS, oids),
            (sql["constraints"], oids),
            (sql["indexes"], oids),
            (POLICIES, oids),
            (VIEW_DEFINITIONS, {"oids": oid_array(v.oid for v in views)}),
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
    if ctx.unresolved:
        _fill_definitions(conn, ctx)
    view_sql = {r.oid: r.definition for r in view_rows}
    role = role_rows[0]
    return SchemaSnapshot.model_validate(
        {
            "schema": schema,
            "server_version": version,
            "database": role.database,
            "role": {
                "name": role.rolname,
                "superuser": role.rolsuper,
                "bypass_rls": role.rolbypassrls,
                "can_write": role.can_write or role.rolsuper,
                "owns_tables": role.owns_tables,
            },
            "tables": table_records,
            "enums": [{"schema": schema, "name": r.typname, "values": r.labels} for r in enum_rows],
            "views": [
                view_record(v, view_sql.get(v.oid, ""), columns_by_table.get(v.oid, []), ctx)
                for v in views
            ],
            "functions": [function_record(r, schema) for r in function_rows],
            "extensions": [
                {"name": r.extname, "version": r.extversion, "schema": r.nspname}
                for r in extension_rows
            ],
            "matched_tables": matched,
            "more_tables": more,
        }
    )
