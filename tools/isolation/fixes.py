"""The DDL the fixes write: tenant policies, session calls wrapped, and the ordered fix script.

`policy_ddl` writes a tenant policy (or the replacement of a policy) through the tenant column
or, for an indirectly owned table, through EXISTS on its parent; `build_fix_script` orders every
finding's fix by its rule's fix phase (`tools.isolation.rules`).
"""

from __future__ import annotations

from collections import Counter

import pglast
from pglast import ast
from pglast.stream import RawStream

from tools.catalog.models import Policy, Table
from tools.findings import Finding
from tools.isolation.classify import Classified, Context, ddl_name
from tools.isolation.rules import RULES
from tools.naming import quote_ident

# Findings whose fix rewrites the whole policy (and so already wraps its session calls).
POLICY_REPLACEMENTS = {"ISO006", "ISO007", "ISO008", "ISO010", "ISO011"}


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


def policy_ddl(ctx: Context, item: Classified, replaces: Policy | None = None) -> str:
    """A tenant policy for the table, or the replacement of one (same command, roles, kind)."""
    table = item.table
    if item.table_class == "indirectly owned":
        parent_fk = next(fk for fk in table.foreign_keys if fk.name == item.path_fk)
        parent = ctx.snapshot.table(parent_fk.ref_table)
        join = " AND ".join(
            f"p.{quote_ident(rc)} = {quote_ident(table.name)}.{quote_ident(c)}"
            for c, rc in zip(parent_fk.columns, parent_fk.ref_columns, strict=True)
        )
        predicate = f"EXISTS (SELECT 1 FROM {ddl_name(parent) if parent else '?'} p WHERE {join})"
        comment = "-- the parent's own policy filters the EXISTS: keep RLS on the parent\n"
    else:
        column = next(iter(sorted(item.key_columns)), ctx.tenant_column or "tenant_id")
        col = table.column(column)
        predicate = ctx.predicate.replace("{column}", quote_ident(column)).replace(
            "{type}", col.type if col else "uuid"
        )
        comment = ""
    if replaces is None:
        return (
            f"{comment}CREATE POLICY tenant_isolation ON {ddl_name(table)}\n"
            f"  USING ({predicate})\n  WITH CHECK ({predicate});"
        )
    kind = "PERMISSIVE" if replaces.permissive else "RESTRICTIVE"
    roles = ", ".join(r if r == "PUBLIC" else quote_ident(r) for r in replaces.roles)
    clauses = []
    if replaces.command != "INSERT":
        clauses.append(f"  USING ({predicate})")
    if replaces.command in ("INSERT", "UPDATE", "ALL"):
        clauses.append(f"  WITH CHECK ({predicate})")
    return (
        f"{comment}DROP POLICY {quote_ident(replaces.name)} ON {ddl_name(table)};\n"
        f"CREATE POLICY {quote_ident(replaces.name)} ON {ddl_name(table)} AS {kind} "
        f"FOR {replaces.command} TO {roles}\n" + "\n".join(clauses) + ";"
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


def build_fix_script(findings: list[Finding]) -> str:
    """All fix DDL, ordered columns → keys → indexes → RLS → policies → views/functions."""
    replaced = {f.object for f in findings if f.code in POLICY_REPLACEMENTS and f.fix}
    seen: set[str] = set()
    blocks = []
    for item in sorted(findings, key=lambda f: (RULES[f.code].fix_phase, f.object, f.code)):
        if not item.fix or item.fix in seen:
            continue
        if item.code == "ISO015" and item.object in replaced:
            continue  # the replacement policy already wraps its calls
        seen.add(item.fix)
        blocks.append(f"-- {item.code} {item.object}: {RULES[item.code].title}\n{item.fix}")
    if not blocks:
        return ""
    header = (
        "-- pgarchitect isolation fixes: review each statement, then run with psql outside a\n"
        "-- transaction block (CREATE INDEX CONCURRENTLY cannot run inside one).\n"
    )
    return header + "\n\n".join(blocks) + "\n"
