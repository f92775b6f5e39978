"""The static multi-tenant isolation rules: pure functions of a catalog snapshot.

`classify_tables` sorts tables into tenant root, tenant-owned, indirectly owned, shared and
unclassified; the `check_*` functions turn catalog facts and policy analyses
(`tools.policy_expr`) into findings with stable ISO codes. The live probe lives in
`tools.isolation_probe`; the report and fix script in `tools.isolation`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

import pglast
from pglast import ast
from pglast.stream import maybe_double_quote_name as q

from tools.catalog.snapshot import Function, Policy, SchemaSnapshot, Table, View
from tools.findings import Finding, Severity
from tools.isolation.policy_expr import ExprAnalysis, PolicyContext, analyze_policy_expr

# Stable rule ids; the README and a test walk this table.
CODES: dict[str, str] = {
    "ISO001": "tenant table without row-level security",
    "ISO002": "row-level security enabled but not FORCED: the table owner bypasses it",
    "ISO003": "tenant column is nullable",
    "ISO004": "row-level security enabled with no policy: denies everyone but the owner",
    "ISO005": "policies exist while row-level security is disabled: they do nothing",
    "ISO006": "policy USING (true) on a tenant table: every tenant sees every row",
    "ISO007": "policy does not filter rows by tenant",
    "ISO008": "policy compares the tenant column with something not bound to the session",
    "ISO009": "policy filters by another session-bound column, not the tenant column",
    "ISO010": "write path (WITH CHECK) does not pin new rows to the tenant",
    "ISO011": "INSERT policy without WITH CHECK: every insert is denied",
    "ISO012": "several permissive policies for one command and role: they OR together",
    "ISO013": "restrictive policy without a permissive one: the command is denied to all",
    "ISO014": "policy matches every row when the tenant setting is unset",
    "ISO015": "per-row call of a session function not wrapped in (select …)",
    "ISO016": "no index leads with the tenant column",
    "ISO017": "policy filters on a column no index leads with",
    "ISO018": "tenant column has no foreign key to the tenant root",
    "ISO019": "foreign key without an explicit ON DELETE",
    "ISO020": "unique constraint without the tenant column: uniqueness spans tenants",
    "ISO021": "foreign key between tenant tables without the tenant column: crosses tenants",
    "ISO022": "indirectly owned table without its own tenant column or a filtering policy",
    "ISO023": "table is neither tenant-owned nor declared shared",
    "ISO024": "view over row-level-secured tables runs with its owner's rights",
    "ISO025": "SECURITY DEFINER function without a pinned search_path",
    "ISO026": "SECURITY DEFINER function reads tenant tables with its owner's rights",
    "ISO027": "the connecting role bypasses row-level security",
    "ISO028": "the application role bypasses row-level security",
    "ISO029": "live probe: the application role sees another tenant's rows",
    "ISO030": "restrictive policy that does not pin the tenant",
    "ISO031": "policy trusts JWT user_metadata, which the user can edit",
}
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


def finding(
    code: str, severity: Severity, obj: str, message: str, evidence: str, fix: str | None = None
) -> Finding:
    """A finding for one of the CODES."""
    return Finding(
        code=code, severity=severity, object=obj, message=message, evidence=evidence, fix=fix
    )


def qualified(table: Table) -> str:
    """schema.table quoted for DDL."""
    return f"{q(table.schema_name)}.{q(table.name)}"


# --- classification ---------------------------------------------------------------------------


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


# --- row-level security and policies ----------------------------------------------------------


def check_rls(ctx: Context, item: Classified) -> list[Finding]:
    """RLS switched off, not forced, without policies, or policies without RLS."""
    table, out = item.table, []
    name = qualified(table)
    if table.policies and not table.rls_enabled:
        out.append(
            finding(
                "ISO005",
                "error",
                table.qualified,
                f"{len(table.policies)} policies are defined but row-level security is disabled, "
                "so none of them applies",
                f"relrowsecurity = false; policies: {', '.join(p.name for p in table.policies)}",
                f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY;\n"
                f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY;",
            )
        )
    elif item.protected and not table.rls_enabled:
        out.append(
            finding(
                "ISO001",
                "error",
                table.qualified,
                f"{item.table_class} table without row-level security: isolation rests on every "
                "query remembering its WHERE clause",
                "relrowsecurity = false",
                f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY;\n"
                f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY;\n" + _policy_ddl(ctx, item),
            )
        )
    if table.rls_enabled and not table.rls_forced and item.protected:
        out.append(
            finding(
                "ISO002",
                "warning",
                table.qualified,
                f"row-level security is not forced, so the owner {table.owner!r} (and any role "
                "that connects as it) reads every tenant's rows",
                f"relforcerowsecurity = false; owner {table.owner}",
                f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY;",
            )
        )
    if table.rls_enabled and not table.policies:
        meaning = "intentional for a private table" if not item.protected else "the app sees none"
        out.append(
            finding(
                "ISO004",
                "info",
                table.qualified,
                f"row-level security is enabled with no policy: every role but the owner and "
                f"BYPASSRLS roles is denied every row ({meaning})",
                "relrowsecurity = true, 0 policies",
                _policy_ddl(ctx, item)
                if item.table_class in ("tenant-owned", "tenant root")
                else None,  # indirectly owned: ISO022 proposes the EXISTS policy
            )
        )
    return out


def _policy_ddl(ctx: Context, item: Classified, replaces: Policy | None = None) -> str:
    """A tenant policy for the table, or the replacement of one (same command, roles, kind)."""
    table = item.table
    if item.table_class == "indirectly owned":
        parent_fk = next(fk for fk in table.foreign_keys if fk.name == item.path_fk)
        parent = ctx.snapshot.table(parent_fk.ref_table)
        join = " AND ".join(
            f"p.{q(rc)} = {q(table.name)}.{q(c)}"
            for c, rc in zip(parent_fk.columns, parent_fk.ref_columns, strict=True)
        )
        predicate = f"EXISTS (SELECT 1 FROM {qualified(parent) if parent else '?'} p WHERE {join})"
        comment = "-- the parent's own policy filters the EXISTS: keep RLS on the parent\n"
    else:
        column = next(iter(sorted(item.key_columns)), ctx.tenant_column or "tenant_id")
        col = table.column(column)
        predicate = ctx.predicate.replace("{column}", q(column)).replace(
            "{type}", col.type if col else "uuid"
        )
        comment = ""
    if replaces is None:
        return (
            f"{comment}CREATE POLICY tenant_isolation ON {qualified(table)}\n"
            f"  USING ({predicate})\n  WITH CHECK ({predicate});"
        )
    kind = "PERMISSIVE" if replaces.permissive else "RESTRICTIVE"
    roles = ", ".join(r if r == "PUBLIC" else q(r) for r in replaces.roles)
    clauses = []
    if replaces.command != "INSERT":
        clauses.append(f"  USING ({predicate})")
    if replaces.command in ("INSERT", "UPDATE", "ALL"):
        clauses.append(f"  WITH CHECK ({predicate})")
    return (
        f"{comment}DROP POLICY {q(replaces.name)} ON {qualified(table)};\n"
        f"CREATE POLICY {q(replaces.name)} ON {qualified(table)} AS {kind} "
        f"FOR {replaces.command} TO {roles}\n" + "\n".join(clauses) + ";"
    )


def check_policies(ctx: Context, item: Classified) -> list[Finding]:
    """Each policy of a protected table: does USING filter by tenant, does WITH CHECK pin writes."""
    if not item.protected:
        return []
    out: list[Finding] = []
    for policy in item.table.policies:
        using, check = item.analyses[policy.name]
        obj = f"{item.table.qualified}.{policy.name}"
        if not policy.permissive:
            out += _check_restrictive(item, policy, using, obj)
        else:
            # permissive policies may be wide on purpose when a restrictive one pins the tenant
            if policy.command != "INSERT" and not _guarded(item, policy, write=False):
                out += _check_using(ctx, item, policy, using, obj)
            if not _guarded(item, policy, write=True):
                out += _check_write(ctx, item, policy, using, check, obj)
        out += _check_session_calls(item.table, policy, (using, check), obj)
    out += _check_permissive_overlap(item)
    out += _check_restrictive_alone(item)
    return out


def pins_tenant(item: Classified, analysis: ExprAnalysis) -> bool:
    """Whether an expression ties the tenant key (without one: any row column) to the session."""
    if not item.key_columns:
        return analysis.restricts
    return analysis.restricts and bool(item.key_columns & analysis.bound_columns)


def _guarded(item: Classified, policy: Policy, write: bool) -> bool:
    """Whether restrictive policies pin the tenant for every command and role policy covers."""
    commands = COMMANDS if policy.command == "ALL" else (policy.command,)
    paths = ("INSERT", "UPDATE") if write else ("SELECT", "UPDATE", "DELETE")
    wanted = [c for c in commands if c in paths]
    if not wanted:
        return False
    for command in wanted:
        guards = [
            r
            for r in item.table.policies
            if not r.permissive
            and r.command in (command, "ALL")
            and ("PUBLIC" in r.roles or set(policy.roles) <= set(r.roles))
        ]
        if not any(pins_tenant(item, _effective(item, r, write)) for r in guards):
            return False
    return True


def _effective(item: Classified, policy: Policy, write: bool) -> ExprAnalysis:
    using, check = item.analyses[policy.name]
    return check if write and policy.with_check is not None else using


def _check_restrictive(
    item: Classified, policy: Policy, using: ExprAnalysis, obj: str
) -> list[Finding]:
    analysis = _effective(item, policy, write=policy.command == "INSERT")
    if analysis.parse_error or pins_tenant(item, analysis):
        return []
    return [
        finding(
            "ISO030",
            "warning",
            obj,
            f"restrictive policy {policy.name!r} does not pin the tenant: it narrows the "
            "permissive policies by something else, so it is no isolation guard",
            _label(policy, clauses=True) + f"; session bindings seen: "
            f"{', '.join(analysis.bindings) or 'none'}",
        )
    ]


def _label(policy: Policy, clauses: bool = False) -> str:
    text = f"policy {policy.name!r} FOR {policy.command} TO {', '.join(policy.roles)}"
    if clauses and policy.using is not None:
        text += f" USING ({policy.using})"
    if clauses and policy.with_check is not None:
        text += f" WITH CHECK ({policy.with_check})"
    return text


def _check_using(
    ctx: Context, item: Classified, policy: Policy, using: ExprAnalysis, obj: str
) -> list[Finding]:
    evidence = f"{_label(policy)} USING ({policy.using})"
    seen = f"session bindings seen: {', '.join(using.bindings) or 'none'}"
    fix = _policy_ddl(ctx, item, policy)
    keys = item.key_columns
    if using.parse_error:
        return []
    if using.always_true:
        return [
            finding(
                "ISO006",
                "error",
                obj,
                f"{policy.command} policy matches every row of a {item.table_class} table",
                evidence,
                fix,
            )
        ]
    if not using.restricts:
        if keys & using.mentioned_columns:
            return [
                finding(
                    "ISO008",
                    "error",
                    obj,
                    f"the policy mentions {', '.join(sorted(keys & using.mentioned_columns))} but "
                    "never ties it to the session, so it does not isolate tenants",
                    f"{evidence}; {seen}",
                    fix,
                )
            ]
        return [
            finding(
                "ISO007",
                "error",
                obj,
                "the policy does not tie rows to the session's tenant: a session that passes it "
                "reaches the rows of every tenant",
                f"{evidence}; {seen}",
                fix,
            )
        ]
    if keys and not keys & using.bound_columns:
        return [
            finding(
                "ISO009",
                "info",
                obj,
                f"the policy filters by {', '.join(sorted(using.bound_columns))} "
                f"({', '.join(using.bindings)}), not by {', '.join(sorted(keys))}: stricter than "
                "tenant isolation if intended",
                evidence,
            )
        ]
    return []


def _check_write(
    ctx: Context,
    item: Classified,
    policy: Policy,
    using: ExprAnalysis,
    check: ExprAnalysis,
    obj: str,
) -> list[Finding]:
    if policy.command not in ("INSERT", "UPDATE", "ALL"):
        return []
    if policy.command == "INSERT" and policy.with_check is None:
        return [
            finding(
                "ISO011",
                "warning",
                obj,
                "INSERT policy without WITH CHECK: Postgres denies every insert through it",
                _label(policy),
                _policy_ddl(ctx, item, policy),
            )
        ]
    effective, text = (check, policy.with_check) if policy.with_check else (using, policy.using)
    if policy.with_check is None and (using.always_true or not using.restricts):
        return []  # USING is reported already; WITH CHECK defaults to it
    keys = item.key_columns
    if effective.always_true or not effective.restricts:
        why = "accepts any row"
    elif keys and not keys & effective.bound_columns:
        why = f"pins {', '.join(sorted(effective.bound_columns))} but not {', '.join(keys)}"
    else:
        return []
    source = "WITH CHECK" if policy.with_check else "USING (WITH CHECK defaults to it)"
    return [
        finding(
            "ISO010",
            "error",
            obj,
            f"the {policy.command} path {why}: a tenant can write rows into another tenant",
            f"{_label(policy)} {source} ({text})",
            _policy_ddl(ctx, item, policy),
        )
    ]


def _check_session_calls(
    table: Table, policy: Policy, analyses: tuple[ExprAnalysis, ExprAnalysis], obj: str
) -> list[Finding]:
    out = []
    if any(a.unset_matches_all for a in analyses):
        out.append(
            finding(
                "ISO014",
                "error",
                obj,
                "when the tenant setting is unset the policy matches every row "
                "(coalesce(…, column) or `… IS NULL OR …`)",
                _label(policy, clauses=True),
                "-- compare with the setting alone: NULL when unset, which matches nothing",
            )
        )
    if any(a.user_metadata for a in analyses):
        out.append(
            finding(
                "ISO031",
                "error",
                obj,
                "the policy decides on the JWT's user_metadata, which signed-in users can change "
                "for themselves: anyone can grant themselves access",
                _label(policy, clauses=True),
                "-- read app_metadata (set by the server) or a membership table instead",
            )
        )
    calls = sorted({c for a in analyses for c in a.per_row_calls})
    if calls:
        out.append(
            finding(
                "ISO015",
                "warning",
                obj,
                f"{', '.join(calls)} runs once per row; (select …) runs it once per query",
                _label(policy, clauses=True),
                _wrapped_policy_ddl(table, policy),
            )
        )
    return out


def _wrapped_policy_ddl(table: Table, policy: Policy) -> str | None:
    """ALTER POLICY with each session call wrapped in (select …), rewritten through pglast."""
    parts = []
    for keyword, text in (("USING", policy.using), ("WITH CHECK", policy.with_check)):
        if text is None:
            continue
        rewritten = wrap_session_calls(text)
        if rewritten is None:
            return None
        parts.append(f"{keyword} ({rewritten})")
    return f"ALTER POLICY {q(policy.name)} ON {qualified(table)} {' '.join(parts)};"


def wrap_session_calls(text: str) -> str | None:
    """The expression with current_setting()/auth.*() calls wrapped in (SELECT …)."""
    from pglast.stream import RawStream

    try:
        root = pglast.parse_sql(f"SELECT {text}")[0].stmt
    except pglast.parser.ParseError:
        return None

    def wrap(node):
        if isinstance(node, ast.SubLink):
            return node
        if isinstance(node, ast.FuncCall):
            parts = [getattr(p, "sval", "") for p in node.funcname]
            if parts[-1] == "current_setting" or (len(parts) > 1 and parts[0] == "auth"):
                select = ast.SelectStmt(targetList=(ast.ResTarget(val=node),))
                return ast.SubLink(subLinkType=4, subLinkId=0, subselect=select)
        for attr in node:
            value = getattr(node, attr)
            if isinstance(value, ast.Node):
                setattr(node, attr, wrap(value))
            elif isinstance(value, tuple) and any(isinstance(v, ast.Node) for v in value):
                setattr(node, attr, tuple(wrap(v) if isinstance(v, ast.Node) else v for v in value))
        return node

    expression = wrap(root.targetList[0].val)
    return RawStream()(expression)


def _check_permissive_overlap(item: Classified) -> list[Finding]:
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for policy in item.table.policies:
        if not policy.permissive:
            continue
        commands = COMMANDS if policy.command == "ALL" else (policy.command,)
        for command in commands:
            for role in policy.roles:
                groups[(command, role)].append(policy.name)
    overlapping: dict[str, set[str]] = defaultdict(set)
    for (command, role), names in groups.items():
        if len(names) > 1:
            overlapping[command].add(role)
            overlapping[command + "/names"].update(names)
    out = []
    for command in COMMANDS:
        if command not in overlapping:
            continue
        names = sorted(overlapping[command + "/names"])
        out.append(
            finding(
                "ISO012",
                "warning",
                f"{item.table.qualified}:{command}",
                f"{len(names)} permissive {command} policies apply to "
                f"{', '.join(sorted(overlapping[command]))}: a row passing any one of them is "
                "allowed, and each runs for every row",
                f"policies: {', '.join(names)}",
                "-- merge them into one policy (OR the conditions explicitly), or make the "
                "narrowing ones AS RESTRICTIVE",
            )
        )
    return out


def _check_restrictive_alone(item: Classified) -> list[Finding]:
    out = []
    for policy in item.table.policies:
        if policy.permissive:
            continue
        commands = COMMANDS if policy.command == "ALL" else (policy.command,)
        lonely = [
            command
            for command in commands
            if not any(
                p.permissive and p.command in (command, "ALL") and _roles_meet(p, policy)
                for p in item.table.policies
            )
        ]
        # only when it guards nothing at all: a FOR ALL guard beside read-only permissive
        # policies is the usual pattern (and leaves writes denied on purpose)
        if lonely and len(lonely) == len(commands):
            out.append(
                finding(
                    "ISO013",
                    "warning",
                    f"{item.table.qualified}.{policy.name}",
                    f"restrictive policy {policy.name!r} has no permissive policy beside it for "
                    f"{', '.join(lonely)}: restrictive policies only narrow, so these commands "
                    "are denied to everyone",
                    _label(policy),
                    "-- add a permissive policy carrying the tenant filter, or make this one "
                    "PERMISSIVE",
                )
            )
    return out


def _roles_meet(permissive: Policy, restrictive: Policy) -> bool:
    return "PUBLIC" in permissive.roles or bool(set(permissive.roles) & set(restrictive.roles))


# --- tenant column, keys and indexes ----------------------------------------------------------


def leads_with(table: Table, column: str) -> bool:
    """Whether some valid index has the column as its first key."""
    return any(i.valid and i.keys and i.keys[0].column == column for i in table.indexes)


def check_tenant_column(ctx: Context, item: Classified) -> list[Finding]:
    """Nullable tenant column, missing FK to the root, no index leading with it."""
    if item.table_class != "tenant-owned" or ctx.tenant_column is None:
        return []
    table, column = item.table, ctx.tenant_column
    col = table.column(column)
    obj, out = f"{table.qualified}.{column}", []
    if col is not None and col.nullable:
        out.append(
            finding(
                "ISO003",
                "error",
                obj,
                "the tenant column is nullable: a row without a tenant matches no tenant filter "
                "and is invisible to isolation checks",
                f"{column} {col.type} NULL",
                f"-- backfill first: UPDATE {qualified(table)} SET {q(column)} = … WHERE "
                f"{q(column)} IS NULL;\nALTER TABLE {qualified(table)} ALTER COLUMN {q(column)} "
                "SET NOT NULL;",
            )
        )
    root = ctx.snapshot.table(ctx.root) if ctx.root else None
    if not any(fk.columns == [column] for fk in table.foreign_keys) and root:
        pk = root.primary_key.columns if root.primary_key else ["id"]
        out.append(
            finding(
                "ISO018",
                "warning",
                obj,
                f"{column} has no foreign key to the tenant root {root.name}: rows can name a "
                "tenant that does not exist, and deleting a tenant leaves them behind",
                f"foreign keys: {', '.join(fk.name for fk in table.foreign_keys) or 'none'}",
                f"ALTER TABLE {qualified(table)} ADD CONSTRAINT "
                f"{q(f'{table.name}_{column}_fkey'[:63])} FOREIGN KEY ({q(column)}) REFERENCES "
                f"{qualified(root)} ({', '.join(map(q, pk))}) ON DELETE CASCADE;",
            )
        )
    if not leads_with(table, column):
        out.append(
            finding(
                "ISO016",
                "warning",
                obj,
                f"no index leads with {column}: every tenant-filtered query and policy check "
                "scans the whole table",
                f"indexes: {', '.join(i.name for i in table.indexes) or 'none'}",
                f"CREATE INDEX CONCURRENTLY {q(f'{table.name}_{column}_idx'[:63])} ON "
                f"{qualified(table)} ({q(column)});",
            )
        )
    return out


def check_policy_indexes(ctx: Context, item: Classified) -> list[Finding]:
    """Columns policies filter on (other than the tenant column) that no index leads with."""
    if not item.protected:
        return []
    table, out = item.table, []
    columns = {
        c
        for using, check in item.analyses.values()
        for c in using.bound_columns | check.bound_columns
    }
    for column in sorted(columns - {ctx.tenant_column}):
        if leads_with(table, column):
            continue
        out.append(
            finding(
                "ISO017",
                "info",
                f"{table.qualified}.{column}",
                f"policies filter on {column} but no index leads with it",
                f"indexes: {', '.join(i.name for i in table.indexes) or 'none'}",
                f"CREATE INDEX CONCURRENTLY {q(f'{table.name}_{column}_idx'[:63])} ON "
                f"{qualified(table)} ({q(column)});",
            )
        )
    return out


def check_keys(ctx: Context, item: Classified) -> list[Finding]:
    """FKs without ON DELETE or crossing tenants, unique constraints spanning tenants."""
    if item.table_class not in ("tenant-owned", "indirectly owned"):
        return []
    table, column, out = item.table, ctx.tenant_column, []
    for fk in table.foreign_keys:
        target = ctx.classes.get(fk.ref_table)
        crosses = (
            item.table_class == "tenant-owned"
            and column is not None
            and fk.ref_schema == table.schema_name
            and target is not None
            and target.table_class == "tenant-owned"
            and column not in fk.columns
        )
        if crosses and target is not None and column is not None:
            out.append(_cross_tenant_fk(table, target.table, fk, column))
        elif fk.on_delete == "NO ACTION":
            out.append(
                finding(
                    "ISO019",
                    "info",
                    f"{table.qualified}.{fk.name}",
                    f"foreign key {fk.name} has no explicit ON DELETE: deleting a "
                    f"{fk.ref_table} row (or a whole tenant) fails while rows point at it",
                    fk.definition,
                    f"ALTER TABLE {qualified(table)} DROP CONSTRAINT {q(fk.name)}, ADD CONSTRAINT "
                    f"{q(fk.name)} {fk.definition} ON DELETE CASCADE;  -- or RESTRICT",
                )
            )
    if item.table_class == "tenant-owned" and column:
        for name, columns in _unique_keys(table):
            if column not in columns:
                out.append(
                    finding(
                        "ISO020",
                        "info",
                        f"{table.qualified}.{name}",
                        f"unique ({', '.join(columns)}) spans tenants: one tenant's insert fails "
                        "when another tenant has the value, which reveals that it exists",
                        f"unique key {name} on ({', '.join(columns)})",
                        f"-- if the value is per tenant: replace {name} by UNIQUE "
                        f"({', '.join(map(q, [column, *columns]))})",
                    )
                )
    return out


def _unique_keys(table: Table) -> list[tuple[str, list[str]]]:
    keys = [(u.name, u.columns) for u in table.unique_constraints]
    named = {name for name, _ in keys}
    keys += [
        (i.name, i.columns)
        for i in table.indexes
        if i.unique and not i.primary and i.constraint not in named and i.name not in named
    ]
    return keys


def _cross_tenant_fk(table: Table, target: Table, fk, column: str) -> Finding:
    ref_key = f"{target.name}_{column}_{'_'.join(fk.ref_columns)}_key"[:63]
    on_delete, note = f" ON DELETE {fk.on_delete}", ""
    if fk.on_delete == "NO ACTION":
        on_delete, note = " ON DELETE CASCADE", "-- CASCADE or RESTRICT: pick one explicitly\n"
    return finding(
        "ISO021",
        "warning",
        f"{table.qualified}.{fk.name}",
        f"{table.name}.{', '.join(fk.columns)} → {target.name} does not include {column}: a row "
        "of one tenant can point at another tenant's row",
        fk.definition,
        f"{note}ALTER TABLE {qualified(target)} ADD CONSTRAINT {q(ref_key)} UNIQUE "
        f"({', '.join(map(q, [column, *fk.ref_columns]))});\n"
        f"ALTER TABLE {qualified(table)} DROP CONSTRAINT {q(fk.name)}, ADD CONSTRAINT {q(fk.name)} "
        f"FOREIGN KEY ({', '.join(map(q, [column, *fk.columns]))}) REFERENCES {qualified(target)} "
        f"({', '.join(map(q, [column, *fk.ref_columns]))}){on_delete};",
    )


def check_ownership(ctx: Context, item: Classified) -> list[Finding]:
    """Indirectly owned tables with no filtering policy, and tables nobody classified."""
    table = item.table
    if item.table_class == "indirectly owned":
        filtered = table.rls_enabled and any(
            p.command in ("SELECT", "ALL") and item.analyses[p.name][0].restricts
            for p in table.policies
        )
        if filtered:
            return []
        return [
            finding(
                "ISO022",
                "warning",
                table.qualified,
                f"{table.name} has no tenant column; it belongs to a tenant only through "
                f"{' → '.join(item.path)} and no policy follows that path",
                f"owner path: {'; '.join(item.path)}",
                "-- either add the tenant column (denormalised, indexed, composite FK) or a "
                "policy through EXISTS:\n"
                + (
                    _policy_ddl(ctx, item)
                    if table.rls_enabled and not table.policies
                    else "-- (see ISO001 / the policy replacements above)"
                ),
            )
        ]
    if item.table_class == "unclassified" and ctx.tenant_column:
        return [
            finding(
                "ISO023",
                "info",
                table.qualified,
                f"{table.name} has no {ctx.tenant_column} and no NOT NULL path to a tenant table: "
                "declare it shared (shared_tables=[…]) or give it a tenant column",
                f"row-level security {'on' if table.rls_enabled else 'off'}, "
                f"{len(table.policies)} policies",
            )
        ]
    return []


# --- views, functions and roles ---------------------------------------------------------------


def relations_read(text: str) -> set[str]:
    """Names of the relations a query reads (RangeVar nodes of its parse tree)."""
    try:
        statements = pglast.parse_sql(text)
    except pglast.parser.ParseError:
        return set()
    names: set[str] = set()
    for statement in statements:
        for node in _nodes(statement):
            if isinstance(node, ast.RangeVar):
                names.add(node.relname)
    return names


def _nodes(node):
    yield node
    for attr in node:
        value = getattr(node, attr, None)
        if isinstance(value, ast.Node):
            yield from _nodes(value)
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, ast.Node):
                    yield from _nodes(item)


def check_views(ctx: Context) -> list[Finding]:
    """Views (without security_invoker) and materialized views over row-level-secured tables."""
    secured = {n for n, c in ctx.classes.items() if c.protected and c.table.rls_enabled}
    out = []
    for view in ctx.snapshot.views:
        read = sorted(relations_read(view.definition) & secured)
        if not read or (view.security_invoker and not view.materialized):
            continue
        out.append(_view_finding(ctx, view, read))
    return out


def _view_finding(ctx: Context, view: View, read: list[str]) -> Finding:
    name = f"{q(view.schema_name)}.{q(view.name)}"
    if view.materialized:
        fix = f"REVOKE ALL ON {name} FROM PUBLIC;  -- materialized views have no RLS"
        what = "a materialized view copies the rows of every tenant and has no row-level security"
    elif ctx.snapshot.server_version >= 150000:
        fix = f"ALTER VIEW {name} SET (security_invoker = true);"
        what = f"the view runs as its owner {view.owner!r}, so the tables' policies see the owner"
    else:
        fix = f"-- PostgreSQL < 15 has no security_invoker: REVOKE ALL ON {name} FROM PUBLIC;"
        what = f"the view runs as its owner {view.owner!r}, so the tables' policies see the owner"
    return finding(
        "ISO024",
        "warning" if view.materialized else "error",
        f"{view.schema_name}.{view.name}",
        f"{what}: it exposes {', '.join(read)} across tenants",
        f"reads {', '.join(read)}; security_invoker = {str(view.security_invoker).lower()}",
        fix,
    )


def check_functions(ctx: Context) -> list[Finding]:
    """SECURITY DEFINER functions: pinned search_path, and whether they read tenant tables."""
    protected = {n for n, c in ctx.classes.items() if c.protected}
    out = []
    for function in ctx.snapshot.functions:
        if not function.security_definer:
            continue
        obj = f"{function.schema_name}.{function.name}({function.arguments})"
        signature = f"{q(function.schema_name)}.{q(function.name)}({function.arguments})"
        if not any(c.startswith("search_path=") for c in function.config):
            out.append(
                finding(
                    "ISO025",
                    "warning",
                    obj,
                    "SECURITY DEFINER function without a pinned search_path: a caller who can "
                    "create objects earlier on the path runs code with the owner's rights",
                    f"proconfig = {function.config or '{}'}; owner {function.owner}",
                    f"ALTER FUNCTION {signature} SET search_path = "
                    f"{q(function.schema_name)}, pg_temp;",
                )
            )
        read = sorted(_identifiers(function.source or "") & protected)
        if read and function.returns != "trigger":  # triggers cannot be called to read
            bound = session_words(function.source or "")
            out.append(
                finding(
                    "ISO026",
                    "info" if bound else "warning",
                    obj,
                    f"runs as {function.owner!r} and reads {', '.join(read)} past their policies"
                    + (
                        f"; it uses the session bindings {', '.join(sorted(bound))}"
                        if bound
                        else " without any session binding: it can return any tenant's rows"
                    ),
                    f"SECURITY DEFINER, language {function.language}",
                    None if bound else f"ALTER FUNCTION {signature} SECURITY INVOKER;",
                )
            )
    return out


def _identifiers(source: str) -> set[str]:
    try:
        tokens = pglast.parser.scan(source)
    except pglast.parser.ParseError:
        return set()
    return {source[t.start : t.end + 1] for t in tokens if t.name == "IDENT"}


def check_connecting_role(ctx: Context) -> list[Finding]:
    """The role this server connects as: superuser, BYPASSRLS or owner of unforced tables."""
    role = ctx.snapshot.role
    unforced = [
        c.table.name
        for c in ctx.classes.values()
        if c.protected and c.table.rls_enabled and not c.table.rls_forced
    ]
    reasons = []
    if role.superuser:
        reasons.append("is a superuser")
    if role.bypass_rls:
        reasons.append("has BYPASSRLS")
    if role.owns_tables and unforced:
        reasons.append(f"owns {role.owns_tables} tables, RLS not forced on {', '.join(unforced)}")
    if not reasons:
        return []
    return [
        finding(
            "ISO027",
            "warning",
            f"role {role.name}",
            f"the connecting role {role.name!r} {' and '.join(reasons)}: queries through this "
            "connection see every tenant, so use it for tools only, never for the application",
            f"rolsuper = {role.superuser}, rolbypassrls = {role.bypass_rls}, "
            f"owns {role.owns_tables} tables",
            "-- connect the tools as a role that owns nothing and lacks BYPASSRLS, e.g.\n"
            "CREATE ROLE pgarchitect_ro LOGIN NOBYPASSRLS;\n"
            "GRANT pg_read_all_data TO pgarchitect_ro;",
        )
    ]


def check_app_role(ctx: Context, app_role: str, attributes: dict) -> list[Finding]:
    """The application's role: superuser, BYPASSRLS or owner of tables RLS is not forced on."""
    owned = [
        c.table.name
        for c in ctx.classes.values()
        if c.protected and c.table.owner in attributes["member_of"] and not c.table.rls_forced
    ]
    reasons = []
    if attributes["rolsuper"]:
        reasons.append("is a superuser")
    if attributes["rolbypassrls"]:
        reasons.append("has BYPASSRLS")
    if owned:
        reasons.append(f"owns {', '.join(owned)} without FORCE ROW LEVEL SECURITY")
    if not reasons:
        return []
    fix = f"ALTER ROLE {q(app_role)} NOSUPERUSER NOBYPASSRLS;" if len(reasons) > len(owned) else ""
    for name in owned:
        table = ctx.classes[name].table
        fix += f"\nALTER TABLE {qualified(table)} FORCE ROW LEVEL SECURITY;"
    return [
        finding(
            "ISO028",
            "error",
            f"role {app_role}",
            f"the application role {app_role!r} {' and '.join(reasons)}: no policy applies to it",
            f"rolsuper = {attributes['rolsuper']}, rolbypassrls = {attributes['rolbypassrls']}",
            fix.strip(),
        )
    ]
