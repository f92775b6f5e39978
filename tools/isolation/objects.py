"""Views, functions and roles: objects that read tenant tables past their policies.

Views without security_invoker and materialized views over row-level-secured tables,
SECURITY DEFINER functions (search_path, tenant tables read with the owner's rights), and the
connecting and application roles (superuser, BYPASSRLS, owners of tables RLS is not forced on).
"""

from __future__ import annotations

import pglast
from pglast import ast

from tools.catalog.models import View
from tools.findings import Finding, finding
from tools.isolation.classify import Context, ddl_name, session_words
from tools.isolation.fixes import create_role_once
from tools.isolation.rules import RULES
from tools.naming import qualified, quote_ident

TOOLS_ROLE = "pgarchitect_ro"  # the role ISO027 proposes to connect the tools as


def relations_read(text: str) -> set[str]:
    """Names of the relations a query reads (RangeVar nodes of its parse tree)."""
    try:
        statements = pglast.parse_sql(text)
    except pglast.parser.ParseError:
        return set()
    names: set[str] = set()
    for statement in statements:
        for node in _nodes(statement):
            if isinstance(node, ast.RangeVar) and node.relname:
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
    name = ddl_name(view)
    if view.materialized:
        # advice, not DDL: revoking grants does not change what the view holds, so no
        # statement could silence this finding
        fix = (
            f"-- materialized views have no RLS: REVOKE SELECT ON {name} FROM the roles the "
            "application uses,\n-- or replace it with a view WITH (security_invoker = true)"
        )
        what = "a materialized view copies the rows of every tenant and has no row-level security"
    elif ctx.snapshot.server_version >= 150000:
        fix = f"ALTER VIEW {name} SET (security_invoker = true);"
        what = f"the view runs as its owner {view.owner!r}, so the tables' policies see the owner"
    else:
        fix = f"-- PostgreSQL < 15 has no security_invoker: REVOKE ALL ON {name} FROM PUBLIC;"
        what = f"the view runs as its owner {view.owner!r}, so the tables' policies see the owner"
    return finding(
        RULES["ISO024"],
        f"{view.schema_name}.{view.name}",
        f"{what}: it exposes {', '.join(read)} across tenants",
        f"reads {', '.join(read)}; security_invoker = {str(view.security_invoker).lower()}",
        fix,
        severity="warning" if view.materialized else None,
    )


def check_functions(ctx: Context) -> list[Finding]:
    """SECURITY DEFINER functions: pinned search_path, and whether they read tenant tables."""
    protected = {n for n, c in ctx.classes.items() if c.protected}
    out = []
    for function in ctx.snapshot.functions:
        if not function.security_definer:
            continue
        obj = f"{function.schema_name}.{function.name}({function.arguments})"
        signature = f"{qualified(function.schema_name, function.name)}({function.arguments})"
        if not any(c.startswith("search_path=") for c in function.config):
            out.append(
                finding(
                    RULES["ISO025"],
                    obj,
                    "SECURITY DEFINER function without a pinned search_path: a caller who can "
                    "create objects earlier on the path runs code with the owner's rights",
                    f"proconfig = {function.config or '{}'}; owner {function.owner}",
                    f"ALTER FUNCTION {signature} SET search_path = "
                    f"{quote_ident(function.schema_name)}, pg_temp;",
                )
            )
        read = sorted(_identifiers(function.source or "") & protected)
        if read and function.returns != "trigger":  # triggers cannot be called to read
            bound = session_words(function.source or "")
            out.append(
                finding(
                    RULES["ISO026"],
                    obj,
                    f"runs as {function.owner!r} and reads {', '.join(read)} past their policies"
                    + (
                        f"; it uses the session bindings {', '.join(sorted(bound))}"
                        if bound
                        else " without any session binding: it can return any tenant's rows"
                    ),
                    f"SECURITY DEFINER, language {function.language}",
                    None if bound else f"ALTER FUNCTION {signature} SECURITY INVOKER;",
                    severity="info" if bound else None,
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
            RULES["ISO027"],
            f"role {role.name}",
            f"the connecting role {role.name!r} {' and '.join(reasons)}: queries through this "
            "connection see every tenant, so use it for tools only, never for the application",
            f"rolsuper = {role.superuser}, rolbypassrls = {role.bypass_rls}, "
            f"owns {role.owns_tables} tables",
            "-- connect the tools as a role that owns nothing and lacks BYPASSRLS, e.g.\n"
            + create_role_once(TOOLS_ROLE, "LOGIN NOBYPASSRLS")
            + "\n"
            + _read_grant(ctx, TOOLS_ROLE),
        )
    ]


def _read_grant(ctx: Context, role: str) -> str:
    """Read access to every table: pg_read_all_data from PostgreSQL 14, else this schema's."""
    if ctx.snapshot.server_version >= 140000:
        return f"GRANT pg_read_all_data TO {quote_ident(role)};"
    schema = quote_ident(ctx.snapshot.schema_name)
    return (
        f"GRANT USAGE ON SCHEMA {schema} TO {quote_ident(role)};\n"
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {quote_ident(role)};"
    )


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
    fix = (
        f"ALTER ROLE {quote_ident(app_role)} NOSUPERUSER NOBYPASSRLS;"
        if len(reasons) > len(owned)
        else ""
    )
    for name in owned:
        table = ctx.classes[name].table
        fix += f"\nALTER TABLE {ddl_name(table)} FORCE ROW LEVEL SECURITY;"
    return [
        finding(
            RULES["ISO028"],
            f"role {app_role}",
            f"the application role {app_role!r} {' and '.join(reasons)}: no policy applies to it",
            f"rolsuper = {attributes['rolsuper']}, rolbypassrls = {attributes['rolbypassrls']}",
            fix.strip(),
        )
    ]
