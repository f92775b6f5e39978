"""Views in the way of a column change: dropped before it and re-created after, as they were.

Postgres refuses `ALTER COLUMN … TYPE` (and `DROP COLUMN`) on a column a view reads. The fix is
wrapped in one transaction that drops the views reading the column (views over those views
first), runs the change, and re-creates each view with its definition, options, owner, column
defaults, triggers, comments and grants (on the view and on its columns): nothing is lost, and
a failure rolls everything back. A materialized view is re-created WITH DATA (its query runs
again) and with its indexes, and the script says so. Policies using the column go and come
back in the same transaction (`tools.drift.policies`).
"""

from __future__ import annotations

from tools.catalog.models import SchemaSnapshot, View
from tools.drift.policies import create_policy, dependent_policies, drop_policy
from tools.naming import literal, qualified, quote_ident


def dependent_views(db: SchemaSnapshot, table: str, column: str) -> list[View]:
    """The schema's views reading `table.column`, directly or through other views, each after
    every view it reads (the creation order; drop in reverse)."""
    schema = db.schema_name
    by_name = {v.name: v for v in db.views}
    found: set[str] = set()
    pending = [
        v.name
        for v in db.views
        if any(
            (d.schema_name, d.relation, d.column) == (schema, table, column) for d in v.depends_on
        )
    ]
    while pending:
        name = pending.pop()
        if name in found:
            continue
        found.add(name)
        pending += [v.name for v in db.views if name in _views_read(v, schema)]
    order: list[View] = []

    def visit(name: str) -> None:
        if name in {v.name for v in order}:
            return
        for read in sorted(_views_read(by_name[name], schema) & found):
            visit(read)
        order.append(by_name[name])

    for name in sorted(found):
        visit(name)
    return order


def _views_read(view: View, schema: str) -> set[str]:
    """Names of the schema's relations the view reads (views among them)."""
    return {d.relation for d in view.depends_on if d.schema_name == schema}


def around_views(statement: str, db: SchemaSnapshot, table: str, column: str) -> str:
    """`statement` (which changes `table.column`) between dropping the views that read the
    column and re-creating them, in one transaction; the statement alone when none does."""
    views = dependent_views(db, table, column)
    policies = dependent_policies(db, table, column)
    if not views and not policies:
        return statement
    names = [qualified(v.schema_name, v.name) for v in views]
    names += [f"policy {quote_ident(p.name)} on {quote_ident(t.name)}" for t, p in policies]
    # Definitions name the schemas of the session that read them unqualified.
    path = ", ".join(quote_ident(name) for name in db.search_path) or "pg_catalog"
    return "\n".join(
        [
            f"-- {table}.{column} is read by {', '.join(names)}: dropped and re-created as "
            "they were",
            "BEGIN;",
            *(f"DROP {_kind(v)} {qualified(v.schema_name, v.name)};" for v in reversed(views)),
            *(drop_policy(t, p) for t, p in policies),
            statement,
            f"SET LOCAL search_path TO {path};",
            *(line for v in views for line in create_view(v)),
            *(create_policy(t, p) for t, p in policies),
            "COMMIT;",
        ]
    )


def _kind(view: View) -> str:
    return "MATERIALIZED VIEW" if view.materialized else "VIEW"


def create_view(view: View) -> list[str]:
    """CREATE VIEW with its options (a materialized view with its data and indexes), then its
    owner, column defaults, triggers, comments and grants."""
    name = qualified(view.schema_name, view.name)
    options = [
        f"{key} = {value}"
        for key, value in (
            ("security_barrier", "true" if view.security_barrier else None),
            ("security_invoker", "true" if view.security_invoker else None),
            ("check_option", view.check_option),
        )
        if value
    ]
    with_options = f" WITH ({', '.join(options)})" if options else ""
    body = view.definition.strip().removesuffix(";")
    if view.materialized:
        lines = [
            f"-- {name} is repopulated (WITH DATA: its query runs now) and its indexes rebuilt",
            f"CREATE MATERIALIZED VIEW {name} AS\n{body}\nWITH DATA;",
            *(f"{index.definition};" for index in view.indexes),
        ]
    else:
        lines = [f"CREATE VIEW {name}{with_options} AS\n{body};"]
    lines.append(f"ALTER {_kind(view)} {name} OWNER TO {quote_ident(view.owner)};")
    lines += [
        f"ALTER VIEW {name} ALTER COLUMN {quote_ident(c.name)} SET DEFAULT {c.default};"
        for c in view.columns
        if c.default is not None
    ]
    lines += [f"{trigger};" for trigger in view.triggers]
    if view.comment is not None:
        lines.append(f"COMMENT ON {_kind(view)} {name} IS {literal(view.comment)};")
    lines += [
        f"COMMENT ON COLUMN {name}.{quote_ident(c.name)} IS {literal(c.comment)};"
        for c in view.columns
        if c.comment is not None
    ]
    return lines + grants(name, view)


def grants(name: str, view: View) -> list[str]:
    """GRANT statements giving each role back its privileges on the view and its columns."""
    held: dict[tuple[str, bool], set[str]] = {}
    for g in view.grants:
        column = f" ({quote_ident(g.column)})" if g.column else ""
        held.setdefault((g.grantee or "", g.grantable), set()).add(g.privilege + column)
    return [
        f"GRANT {', '.join(sorted(privileges))} ON {name} "
        f"TO {quote_ident(grantee) if grantee else 'PUBLIC'}"
        + (" WITH GRANT OPTION;" if grantable else ";")
        for (grantee, grantable), privileges in sorted(held.items())
    ]
