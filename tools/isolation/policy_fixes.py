"""The policies the fixes write: a tenant policy, the narrowing of a policy, session calls wrapped.

A tenant-owned table is filtered by its tenant column; an indirectly owned one through EXISTS
along its ownership path (`Classified.hops`), ending in the tenant filter on the tenant table,
so the policy isolates on its own and passes `validate_isolation`. A replacement keeps the
policy's command, roles and kind and only narrows: a clause that pins the tenant stays, any
other is ANDed with the tenant filter, `true` becomes the filter. Every policy statement is
idempotent (DROP POLICY IF EXISTS before CREATE POLICY).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pglast
from pglast import ast
from pglast.stream import RawStream

from tools.catalog.models import Policy, Table
from tools.isolation.classify import Classified, Context, ddl_name, pins_tenant
from tools.isolation.fixes import create_index
from tools.isolation.policy_expr import ExprAnalysis
from tools.naming import qualified, quote_ident


def predicate_template(classes: dict[str, Classified], tenant_setting: str | None) -> str:
    """The tenant filter proposed in fixes: the setting given, else the binding most used."""
    seen = Counter(
        binding
        for item in classes.values()
        for using, check in item.analyses.values()
        for binding in using.bindings + check.bindings
        if using.restricts or check.restricts
    )
    setting = tenant_setting
    if not setting:
        settings = [b for b, _ in seen.most_common() if b.startswith("current_setting('")]
        setting = settings[0].split("'")[1] if settings else None
    if setting:
        quoted = setting.replace("'", "''")
        return f"{{column}} = (SELECT current_setting('{quoted}', true))::{{type}}"
    if any(b.startswith("auth.uid") for b in seen):
        return "{column} = (SELECT auth.uid())"
    if "current_user" in seen:
        return "{column} = current_user"
    return "{column} = (SELECT current_setting('app.tenant_id', true))::{type}"


def _tenant_filter(ctx: Context, table: Table | None, column: str, alias: str = "") -> str:
    """The predicate template filled in for one column (`alias.column` inside EXISTS)."""
    col = table.column(column) if table else None
    name = f"{alias}.{quote_ident(column)}" if alias else quote_ident(column)
    return ctx.predicate.replace("{column}", name).replace("{type}", col.type if col else "uuid")


def _tenant_key(ctx: Context, table: Table | None) -> str:
    """The column that names the tenant on a tenant table: its tenant column, else (the root)
    its primary key."""
    if table is not None and ctx.tenant_column and table.column(ctx.tenant_column):
        return ctx.tenant_column
    if table is not None and table.primary_key:
        return table.primary_key.columns[0]
    return ctx.tenant_column or "tenant_id"


def _exists_filter(ctx: Context, item: Classified) -> str:
    """EXISTS along the ownership path, ending in the tenant filter on the tenant table; a last
    hop that points at the tenant key itself (owner_id → users.id) is filtered directly."""
    table = item.table
    hops = list(item.hops)
    owner = ctx.table(hops[-1].fk.ref_table)
    key = _tenant_key(ctx, owner)
    direct = hops[-1].fk.ref_columns == [key]
    sources, conditions, previous = [], [], quote_ident(table.name)
    for number, hop in enumerate(hops[:-1] if direct else hops, start=1):
        alias = f"o{number}" if f"o{number}" != table.name else f"o{number}_"
        sources.append(f"{qualified(hop.fk.ref_schema, hop.fk.ref_table)} {alias}")
        conditions += [
            f"{alias}.{quote_ident(ref)} = {previous}.{quote_ident(col)}"
            for col, ref in zip(hop.fk.columns, hop.fk.ref_columns, strict=True)
        ]
        previous = alias
    if direct:
        source = ctx.table(hops[-1].table)
        column, alias = hops[-1].fk.columns[0], previous if sources else ""
        conditions.append(_tenant_filter(ctx, source, column, alias))
    else:
        conditions.append(_tenant_filter(ctx, owner, key, previous))
    if not sources:
        return conditions[0]
    return f"EXISTS (SELECT 1 FROM {', '.join(sources)} WHERE {' AND '.join(conditions)})"


def _narrowed(item: Classified, text: str | None, analysis: ExprAnalysis, tenant: str) -> str:
    """A clause narrowed to the tenant: kept when it pins the tenant, else ANDed with it."""
    if text is None or analysis.always_true:
        return tenant
    kept = wrap_session_calls(text) or text
    return kept if pins_tenant(item, analysis) else f"({kept}) AND {tenant}"


def policy_ddl(ctx: Context, item: Classified, replaces: Policy | None = None) -> str:
    """A tenant policy for the table, or the narrowing of one (same command, roles, kind)."""
    table, name = item.table, ddl_name(item.table)
    prefix = ""
    if item.table_class == "indirectly owned" and item.hops:
        tenant = _exists_filter(ctx, item)
        # the EXISTS runs per row through these columns: index them (ISO017 otherwise)
        prefix = create_index(ctx, table, item.hops[0].fk.columns)
    else:
        column = next(iter(sorted(item.key_columns)), ctx.tenant_column or "tenant_id")
        tenant = _tenant_filter(ctx, table, column)
    prefix += "\n" if prefix else ""
    if replaces is None:
        return (
            f"{prefix}DROP POLICY IF EXISTS tenant_isolation ON {name};\n"
            f"CREATE POLICY tenant_isolation ON {name}\n"
            f"  USING ({tenant})\n  WITH CHECK ({tenant});"
        )
    using, check = item.analyses[replaces.name]
    clauses = []
    if replaces.command != "INSERT":
        clauses.append(f"  USING ({_narrowed(item, replaces.using, using, tenant)})")
    if replaces.command in ("INSERT", "UPDATE", "ALL"):
        # WITH CHECK defaults to USING: narrow whichever Postgres applies to new rows
        text, analysis = (
            (replaces.with_check, check)
            if replaces.with_check is not None
            else (replaces.using, using)
        )
        clauses.append(f"  WITH CHECK ({_narrowed(item, text, analysis, tenant)})")
    kind = "PERMISSIVE" if replaces.permissive else "RESTRICTIVE"
    roles = ", ".join(r if r == "PUBLIC" else quote_ident(r) for r in replaces.roles)
    policy = quote_ident(replaces.name)
    return (
        f"{prefix}DROP POLICY IF EXISTS {policy} ON {name};\n"
        f"CREATE POLICY {policy} ON {name} AS {kind} FOR {replaces.command} TO {roles}\n"
        + "\n".join(clauses)
        + ";"
    )


def wrapped_policy_ddl(table: Table, policy: Policy) -> str | None:
    """ALTER POLICY with each session call wrapped in (select …), rewritten through pglast."""
    parts = []
    for keyword, text in (("USING", policy.using), ("WITH CHECK", policy.with_check)):
        if text is None:
            continue
        rewritten = wrap_session_calls(text)
        if rewritten is None:
            return None
        parts.append(f"{keyword} ({rewritten})")
    return f"ALTER POLICY {quote_ident(policy.name)} ON {ddl_name(table)} {' '.join(parts)};"


def wrap_session_calls(text: str) -> str | None:
    """The expression with current_setting()/auth.*() calls wrapped in (SELECT …)."""
    try:
        root: Any = pglast.parse_sql(f"SELECT {text}")[0].stmt
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
