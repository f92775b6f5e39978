"""Classification: which tables belong to a tenant, directly, through foreign keys, or not at all.

`classify_tables` sorts tables into tenant root, tenant-owned, indirectly owned, shared and
unclassified, and reads every policy expression once (`tools.isolation.policy_expr`). The
`Context` it fills is what every check of `tools.isolation` takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pglast

from tools.catalog.models import Function, SchemaSnapshot, Table, View
from tools.isolation.policy_expr import ExprAnalysis, PolicyContext, analyze_policy_expr
from tools.naming import qualified

PROTECTED = ("tenant root", "tenant-owned", "indirectly owned")
COMMANDS = ("SELECT", "INSERT", "UPDATE", "DELETE")


@dataclass
class Classified:
    """A table with its class, the columns that identify the tenant, and how it got there."""

    table: Table
    table_class: str
    key_columns: set[str] = field(default_factory=set)
    path: list[str] = field(default_factory=list)
    path_fk: str | None = None
    pattern: str | None = None
    analyses: dict[str, tuple[ExprAnalysis, ExprAnalysis]] = field(default_factory=dict)

    @property
    def protected(self) -> bool:
        return self.table_class in PROTECTED


@dataclass
class Context:
    """What every check needs: the snapshot, the tenancy answer and a predicate to propose."""

    snapshot: SchemaSnapshot
    tenant_column: str | None
    root: str | None
    predicate: str
    classes: dict[str, Classified] = field(default_factory=dict)


def ddl_name(relation: Table | View) -> str:
    """schema.name of a table or view, quoted for DDL as the server's quote_ident() does."""
    return qualified(relation.schema_name, relation.name)


def schema_context(snapshot: SchemaSnapshot) -> PolicyContext:
    """The facts about the whole schema that policy analysis needs (built once per schema)."""
    return PolicyContext(
        table="",
        columns=frozenset(),
        tables={t.name: frozenset(c.name for c in t.columns) for t in snapshot.tables},
        helpers=frozenset(f.name for f in snapshot.functions if is_session_helper(f)),
        schema=snapshot.schema_name,
        functions=frozenset(f.name for f in snapshot.functions),
    )


def policy_context(schema: PolicyContext, table: Table) -> PolicyContext:
    """The schema's facts narrowed to one table."""
    return replace(schema, table=table.name, columns=schema.tables[table.name])


def is_session_helper(function: Function) -> bool:
    """A function that ties its answer to the session: SECURITY DEFINER or reads a binding."""
    return function.security_definer or bool(session_words(function.source or ""))


def session_words(source: str) -> set[str]:
    """Session bindings a function body uses, found with the SQL scanner (not regexes)."""
    try:
        tokens = pglast.parser.scan(source)
    except pglast.parser.ParseError:
        return set()
    words = {source[t.start : t.end + 1].lower() for t in tokens}
    return words & {"current_setting", "current_user", "session_user", "auth"}


def analyze_policies(
    schema: PolicyContext, table: Table
) -> dict[str, tuple[ExprAnalysis, ExprAnalysis]]:
    """USING and WITH CHECK analyses for each policy of the table, by policy name."""
    context = policy_context(schema, table)
    return {
        p.name: (analyze_policy_expr(p.using, context), analyze_policy_expr(p.with_check, context))
        for p in table.policies
    }


def _intentional_pattern(table: Table, analyses: dict) -> str | None:
    """Deny-all and public read-only tables: RLS on purpose, not a leak."""
    if not table.rls_enabled:
        return None
    if not table.policies:
        return "deny-all (RLS enabled, no policy)"
    readers = [p for p in table.policies if p.command == "SELECT"]
    if len(readers) == len(table.policies) and all(
        analyses[p.name][0].always_true or not analyses[p.name][0].bindings for p in readers
    ):
        return "public read-only (SELECT policies only)"
    return None


def _owner_path(
    snapshot: SchemaSnapshot, table: Table, owners: set[str], by_name: dict[str, Table]
) -> tuple[list[str], str | None]:
    """Shortest chain of NOT NULL foreign keys from table to a tenant-owned table or the root,
    and the name of its first foreign key."""
    queue: list[tuple[Table, list[str], str | None]] = [(table, [], None)]
    seen = {table.name}
    while queue:
        current, path, first = queue.pop(0)
        for fk in current.foreign_keys:
            if fk.ref_schema != snapshot.schema_name or fk.ref_table in seen:
                continue
            columns = [current.column(c) for c in fk.columns]
            if any(c is None or c.nullable for c in columns):
                continue
            step = [*path, f"{current.name}.{','.join(fk.columns)} → {fk.ref_table}"]
            if fk.ref_table in owners:
                return step, first or fk.name
            seen.add(fk.ref_table)
            if fk.ref_table in by_name:
                queue.append((by_name[fk.ref_table], step, first or fk.name))
    return [], None


def classify_tables(ctx: Context, shared: set[str]) -> dict[str, Classified]:
    """Every table with its class (see PROTECTED) and policy analyses."""
    snapshot, column = ctx.snapshot, ctx.tenant_column
    owned = {t.name for t in snapshot.tables if column and t.column(column) is not None}
    owners = owned - shared | ({ctx.root} if ctx.root else set())
    out: dict[str, Classified] = {}
    schema = schema_context(snapshot)
    by_name = {t.name: t for t in snapshot.tables}
    for table in snapshot.tables:
        analyses = analyze_policies(schema, table)
        item = Classified(table=table, table_class="unclassified", analyses=analyses)
        if table.name in shared:
            item.table_class, item.pattern = "shared", "declared shared"
        elif table.name == ctx.root:
            item.table_class = "tenant root"
            pk = table.primary_key.columns if table.primary_key else []
            item.key_columns = set(pk) | ({column} if column in owned else set())
        elif table.name in owned:
            item.table_class, item.key_columns = "tenant-owned", {column}
        elif (found := _owner_path(snapshot, table, owners, by_name))[0]:
            item.table_class, (item.path, item.path_fk) = "indirectly owned", found
        elif pattern := _intentional_pattern(table, analyses):
            item.table_class, item.pattern = "shared", pattern
        out[table.name] = item
    return out
