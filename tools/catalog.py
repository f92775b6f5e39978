"""The live schema as frozen records, fetched with a fixed number of catalog queries.

`fetch_snapshot(conn, schema, tables)` is what every tool builds on: one query per catalog kind
for the whole schema (never one per table), joined by OID, grouped in Python. Postgres renders
its own text (format_type, pg_get_indexdef, pg_get_constraintdef, pg_get_expr).
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Literal

import psycopg
from psycopg.rows import dict_row
from pydantic import BaseModel, ConfigDict, Field

from tools.errors import NotFound

FK_ACTIONS = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}
RELKINDS = {"r": "table", "p": "partitioned table", "f": "foreign table"}
POLICY_COMMANDS = {"*": "ALL", "r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE"}


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


# --- catalog queries: one per kind, for the whole schema ---------------------------------------

SCHEMAS = (
    "SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'"
)

RELATIONS = """
SELECT c.oid, c.relname, c.relkind::text AS relkind, pg_get_userbyid(c.relowner) AS owner,
       obj_description(c.oid, 'pg_class') AS comment,
       c.reltuples::bigint AS reltuples, c.relrowsecurity, c.relforcerowsecurity,
       (c.relpages::bigint + coalesce(toast.relpages, 0)
        + coalesce((SELECT sum(ic.relpages) FROM pg_index i
                    JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = c.oid), 0)
       ) * current_setting('block_size')::bigint AS size,
       c.reloptions
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class toast ON toast.oid = c.reltoastrelid
WHERE n.nspname = %(schema)s AND c.relkind IN ('r','p','f','v','m')
  AND NOT c.relispartition
ORDER BY c.relname
"""

COLUMNS = """
SELECT a.attrelid AS oid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type,
       NOT a.attnotnull AS nullable,
       CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END AS "default",
       CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END AS identity,
       CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END AS generated,
       dsc.description AS comment,
       CASE WHEN et.typtype = 'e' THEN etn.nspname || '.' || et.typname END AS enum,
       t.typcategory = 'A' AS is_array
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type et ON et.oid = CASE WHEN t.typelem <> 0 AND t.typcategory = 'A'
                                      THEN t.typelem ELSE t.oid END
LEFT JOIN pg_namespace etn ON etn.oid = et.typnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_description dsc ON dsc.objoid = a.attrelid AND dsc.objsubid = a.attnum
     AND dsc.classoid = 'pg_class'::regclass
WHERE a.attrelid = ANY(%(oids)s) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

CONSTRAINTS = """
SELECT con.conrelid AS oid, con.conname, con.contype::text AS contype, con.conindid,
       pg_get_constraintdef(con.oid) AS definition,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n
             ORDER BY k.i)::text[] AS columns,
       rn.nspname AS ref_schema, rc.relname AS ref_table,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n
             ORDER BY k.i)::text[] AS ref_columns,
       con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update,
       con.condeferrable, con.condeferred, con.confmatchtype::text AS matchtype,
       con.convalidated,
       CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid) END AS expression
FROM pg_constraint con
LEFT JOIN pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.conrelid = ANY(%(oids)s) AND con.contype IN ('p','f','u','c','x')
ORDER BY con.conrelid, con.conname
"""

INDEXES = """
SELECT i.indrelid AS oid, i.indexrelid, ic.relname AS name, am.amname AS method, i.indisunique,
       i.indisprimary, i.indisvalid, i.indnkeyatts, i.indnatts,
       pg_get_indexdef(i.indexrelid) AS definition,
       pg_get_expr(i.indpred, i.indrelid) AS predicate,
       CASE WHEN 0 = ANY (i.indkey::int2[]) THEN
           ARRAY(SELECT CASE WHEN i.indkey[k - 1] = 0
                             THEN pg_get_indexdef(i.indexrelid, k, true) END
                 FROM generate_series(1, i.indnatts) AS k)::text[]
       END AS expressions,
       i.indkey::int2[] AS attnums, i.indoption::int2[] AS options,
       i.indclass::oid[] AS opclasses,
       ic.relpages::bigint * current_setting('block_size')::bigint AS size,
       pg_stat_get_numscans(i.indexrelid) AS idx_scan
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_am am ON am.oid = ic.relam
WHERE i.indrelid = ANY(%(oids)s)
ORDER BY i.indrelid, ic.relname
"""

# Operator classes that are not their type's default: the only ones an index record names.
OPCLASSES = """
SELECT oc.oid, n.nspname || '.' || oc.opcname AS name
FROM pg_opclass oc JOIN pg_namespace n ON n.oid = oc.opcnamespace
WHERE NOT oc.opcdefault
"""

POLICIES = """
SELECT p.polrelid AS oid, p.polname, p.polcmd::text AS cmd, p.polpermissive,
       CASE WHEN p.polroles = '{0}' THEN ARRAY['PUBLIC']
            ELSE ARRAY(SELECT rolname FROM pg_roles WHERE oid = ANY(p.polroles) ORDER BY rolname)
       END::text[] AS roles,
       pg_get_expr(p.polqual, p.polrelid) AS using_expr,
       pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr
FROM pg_policy p
WHERE p.polrelid = ANY(%(oids)s)
ORDER BY p.polrelid, p.polname
"""

VIEW_DEFINITIONS = """
SELECT c.oid, pg_get_viewdef(c.oid, true) AS definition
FROM pg_class c WHERE c.oid = ANY(%(oids)s)
"""

ENUMS = """
SELECT t.typname, ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid
                        ORDER BY e.enumsortorder)::text[] AS labels
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = %(schema)s AND t.typtype = 'e'
ORDER BY t.typname
"""

FUNCTIONS = """
SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS arguments,
       CASE WHEN p.prokind IN ('f','w') THEN pg_get_function_result(p.oid) END AS returns,
       l.lanname, p.prosecdef, p.provolatile::text AS volatility,
       coalesce(p.proconfig, '{}')::text[] AS config, pg_get_userbyid(p.proowner) AS owner,
       CASE WHEN l.lanname IN ('sql','plpgsql') THEN left(p.prosrc, 4000) END AS source
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
LEFT JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
WHERE n.nspname = %(schema)s AND p.prokind IN ('f','p') AND d.objid IS NULL
ORDER BY p.proname, arguments
"""

EXTENSIONS = """
SELECT e.extname, e.extversion, n.nspname
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
ORDER BY e.extname
"""

ROLE = """
SELECT r.rolname, r.rolsuper, r.rolbypassrls, current_database() AS database,
       has_schema_privilege(r.rolname, %(schema)s, 'CREATE')
       OR EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = %(schema)s AND c.relkind IN ('r','p')
                    AND has_table_privilege(r.rolname, c.oid, 'INSERT,UPDATE,DELETE'))
         AS can_write,
       (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %(schema)s AND c.relkind IN ('r','p')
          AND pg_has_role(r.rolname, c.relowner, 'USAGE'))::int AS owns_tables
FROM pg_roles r WHERE r.rolname = current_user
"""


def fetch_rows(
    conn: psycopg.Connection, query: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """Rows of a constant catalog query as dicts."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)  # type: ignore[arg-type]  # constant catalog query
        return cur.fetchall()


def list_schemas(conn: psycopg.Connection) -> list[str]:
    """User schemas of the database (pg_* and information_schema left out)."""
    return [r["nspname"] for r in fetch_rows(conn, SCHEMAS, {})]


def select_names(names: Iterable[str], patterns: list[str] | None) -> set[str]:
    """The names matching any of the patterns (exact names or shell globs); all when None."""
    names = list(names)
    if not patterns:
        return set(names)
    return {n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns)}


def _group(rows: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["oid"]].append(row)
    return grouped


def _column(row: dict[str, Any]) -> Column:
    return Column(
        name=row["attname"],
        type=row["type"],
        nullable=row["nullable"],
        default=row["default"],
        identity=row["identity"],
        generated=row["generated"],
        comment=row["comment"],
        enum=row["enum"],
        is_array=row["is_array"],
    )


def _index(
    row: dict[str, Any], attnames: dict[int, str], opclasses: dict[int, str], owners: dict[int, str]
) -> Index:
    keys = []
    expressions = row["expressions"] or []
    for position in range(row["indnkeyatts"]):
        attnum = row["attnums"][position]
        option = row["options"][position] if row["options"] else 0
        keys.append(
            IndexKey(
                column=attnames.get(attnum) if attnum else None,
                expression=None if attnum else expressions[position],
                descending=bool(option & 1),
                nulls_first=bool(option & 2),
                opclass=opclasses.get(row["opclasses"][position]),
            )
        )
    include = [
        attnames.get(row["attnums"][p]) or expressions[p]
        for p in range(row["indnkeyatts"], row["indnatts"])
    ]
    return Index(
        name=row["name"],
        keys=keys,
        include=include,
        method=row["method"],
        unique=row["indisunique"],
        primary=row["indisprimary"],
        constraint=owners.get(row["indexrelid"]),
        predicate=row["predicate"],
        valid=row["indisvalid"],
        definition=row["definition"],
        size_bytes=row["size"] or 0,
        scans=row["idx_scan"],
    )


def _check_columns(expression: str, column_names: list[str]) -> list[str]:
    """Columns a CHECK mentions, found through its parse tree (pglast)."""
    from pglast import parse_sql
    from pglast.visitors import Visitor

    found: list[str] = []

    class _Refs(Visitor):
        def visit_ColumnRef(self, _ancestors: Any, node: Any) -> None:
            last = node.fields[-1]
            name = getattr(last, "sval", None)
            if name in column_names and name not in found:
                found.append(name)

    try:
        _Refs()(parse_sql(f"SELECT {expression}"))
    except Exception:  # a CHECK pglast cannot read: fall back to no column list
        return []
    return found


def _constraints(rows: list[dict[str, Any]], columns: list[Column]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "primary_key": None,
        "foreign_keys": [],
        "unique_constraints": [],
        "check_constraints": [],
    }
    names = [c.name for c in columns]
    for row in rows:
        kind = row["contype"]
        if kind == "p":
            out["primary_key"] = PrimaryKey(name=row["conname"], columns=row["columns"])
        elif kind == "u":
            out["unique_constraints"].append(
                UniqueConstraint(
                    name=row["conname"], columns=row["columns"], definition=row["definition"]
                )
            )
        elif kind == "c":
            expression = row["expression"] or ""
            out["check_constraints"].append(
                CheckConstraint(
                    name=row["conname"],
                    columns=row["columns"] or _check_columns(expression, names),
                    expression=expression,
                    definition=row["definition"],
                )
            )
        elif kind == "f":
            out["foreign_keys"].append(
                ForeignKey(
                    name=row["conname"],
                    columns=row["columns"],
                    ref_schema=row["ref_schema"],
                    ref_table=row["ref_table"],
                    ref_columns=row["ref_columns"],
                    on_delete=FK_ACTIONS[row["on_delete"]],
                    on_update=FK_ACTIONS[row["on_update"]],
                    deferrable=row["condeferrable"],
                    initially_deferred=row["condeferred"],
                    match_full=row["matchtype"] == "f",
                    validated=row["convalidated"],
                    definition=row["definition"],
                )
            )
    return out


def _option(reloptions: list[str] | None, name: str) -> bool:
    for option in reloptions or []:
        key, _, value = option.partition("=")
        if key == name:
            return value.lower() in ("true", "on", "1", "yes")
    return False


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
    Costs the same fixed number of queries whatever the number of tables.
    """
    relations = fetch_rows(conn, RELATIONS, {"schema": schema})
    if not relations and schema not in list_schemas(conn):
        raise NotFound("schema", schema, list_schemas(conn), "pass schema=<one of these>")
    base = [r for r in relations if r["relkind"] in RELKINDS]
    views = [r for r in relations if r["relkind"] in ("v", "m")]
    if tables:
        chosen = select_names([r["relname"] for r in relations], tables)
        if not chosen:
            raise NotFound(
                "table",
                ", ".join(tables),
                [r["relname"] for r in base],
                "pass tables=[names or globs like 'task*']",
            )
        base = [r for r in base if r["relname"] in chosen]
        views = [r for r in views if r["relname"] in chosen]
    matched = len(base)
    if after is not None:
        base = [r for r in base if r["relname"] > after]
        views = []
    more = limit is not None and len(base) > limit
    if limit is not None:
        base = base[:limit]
    oids = [r["oid"] for r in base + views]
    params = {"schema": schema, "oids": oids}
    column_rows = _group(fetch_rows(conn, COLUMNS, params))
    constraint_rows = _group(fetch_rows(conn, CONSTRAINTS, params))
    index_rows = _group(fetch_rows(conn, INDEXES, params))
    opclasses = {r["oid"]: r["name"] for r in fetch_rows(conn, OPCLASSES, {})}
    # The constraint an index backs (PK, UNIQUE, EXCLUDE); an FK's conindid is the target's.
    owners = {
        r["conindid"]: r["conname"]
        for rows in constraint_rows.values()
        for r in rows
        if r["contype"] in ("p", "u", "x")
    }
    policy_rows = _group(fetch_rows(conn, POLICIES, params))
    view_oids = {"oids": [v["oid"] for v in views]}
    view_sql = {r["oid"]: r["definition"] for r in fetch_rows(conn, VIEW_DEFINITIONS, view_oids)}
    role_row = fetch_rows(conn, ROLE, params)[0]

    table_records = []
    for rel in base:
        columns = [_column(r) for r in column_rows.get(rel["oid"], [])]
        attnames = {r["attnum"]: r["attname"] for r in column_rows.get(rel["oid"], [])}
        table_records.append(
            Table(
                schema=schema,
                name=rel["relname"],
                kind=RELKINDS[rel["relkind"]],
                owner=rel["owner"],
                comment=rel["comment"],
                row_estimate=rel["reltuples"] if rel["reltuples"] >= 0 else None,
                size_bytes=rel["size"] or 0,
                columns=columns,
                **_constraints(constraint_rows.get(rel["oid"], []), columns),
                indexes=[
                    _index(r, attnames, opclasses, owners) for r in index_rows.get(rel["oid"], [])
                ],
                rls_enabled=rel["relrowsecurity"],
                rls_forced=rel["relforcerowsecurity"],
                policies=[
                    Policy(
                        name=r["polname"],
                        command=POLICY_COMMANDS[r["cmd"]],
                        roles=r["roles"],
                        permissive=r["polpermissive"],
                        using=r["using_expr"],
                        with_check=r["check_expr"],
                    )
                    for r in policy_rows.get(rel["oid"], [])
                ],
            )
        )
    return SchemaSnapshot(
        schema=schema,
        server_version=conn.info.server_version,
        database=role_row["database"],
        role=RoleInfo(
            name=role_row["rolname"],
            superuser=role_row["rolsuper"],
            bypass_rls=role_row["rolbypassrls"],
            can_write=role_row["can_write"] or role_row["rolsuper"],
            owns_tables=role_row["owns_tables"],
        ),
        tables=table_records,
        enums=[
            EnumType(schema=schema, name=r["typname"], values=r["labels"])
            for r in fetch_rows(conn, ENUMS, params)
        ],
        views=[
            View(
                schema=schema,
                name=v["relname"],
                materialized=v["relkind"] == "m",
                owner=v["owner"],
                comment=v["comment"],
                definition=view_sql.get(v["oid"], ""),
                security_invoker=_option(v["reloptions"], "security_invoker"),
                security_barrier=_option(v["reloptions"], "security_barrier"),
                columns=[_column(r) for r in column_rows.get(v["oid"], [])],
            )
            for v in views
        ],
        functions=[
            Function(
                schema=schema,
                name=r["proname"],
                arguments=r["arguments"],
                returns=r["returns"],
                language=r["lanname"],
                security_definer=r["prosecdef"],
                volatility={"i": "immutable", "s": "stable", "v": "volatile"}[r["volatility"]],
                config=r["config"],
                owner=r["owner"],
                source=r["source"],
            )
            for r in fetch_rows(conn, FUNCTIONS, params)
        ],
        extensions=[
            Extension(name=r["extname"], version=r["extversion"], schema=r["nspname"])
            for r in fetch_rows(conn, EXTENSIONS, {})
        ],
        matched_tables=matched,
        more_tables=more,
    )
