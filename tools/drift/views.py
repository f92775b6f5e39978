"""Views in the way of a column change: dropped before it and re-created after, as they were.

Postgres refuses `ALTER COLUMN … TYPE` (and `DROP COLUMN`) on a column a view reads. The fix is
wrapped in one transaction that drops the views reading the column (views over those views
first), runs the change, and re-creates each view with its definition, options, owner,
comments and grants: nothing is lost, and a failure rolls everything back. Materialized views
are not re-created (their data and indexes would be rebuilt behind your back): the change is
skipped with a note saying what to do, and its finding stays.
"""

from __future__ import annotations

from collections.abc import Iterable

from tools.catalog.models import SchemaSnapshot, View
from tools.naming import literal, qualified, quote_ident

BLOCKED = "-- blocked: "  # how a fix the script only notes begins


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
        view = by_name[name]
        if view in order:
            return
        for read in sorted(_views_read(view, schema) & found):
            visit(read)
        order.append(view)

    for name in sorted(found):
        visit(name)
    return order


def _views_read(view: View, schema: str) -> set[str]:
    """Names of the schema's relations the view reads (views among them)."""
    return {d.relation for d in view.depends_on if d.schema_name == schema}


def around_views(statement: str, views: list[View], column: str) -> str:
    """`statement` between dropping `views` and re-creating them, in one transaction; or a
    note when a materialized view is among them."""
    if not views:
        return statement
    names = ", ".join(qualified(v.schema_name, v.name) for v in views)
    materialized = [v for v in views if v.materialized]
    if materialized:
        shown = ", ".join(qualified(v.schema_name, v.name) for v in materialized)
        return (
            f"{BLOCKED}{column} is read by {names}, materialized: {shown}; drop them, run the "
            "statement below, then re-create them (WITH DATA, with their indexes) and their "
            f"grants: the finding stays until then\n-- {statement}"
        )
    drops = [f"DROP VIEW {qualified(v.schema_name, v.name)};" for v in reversed(views)]
    creates = [line for v in views for line in create_view(v)]
    return "\n".join(
        [
            f"-- {_the_views(views)} {names} {'read' if len(views) > 1 else 'reads'} "
            f"{column}: dropped and re-created as they were",
            "BEGIN;",
            *drops,
            statement,
            *creates,
            "COMMIT;",
        ]
    )


def _the_views(views: list[View]) -> str:
    return "the views" if len(views) > 1 else "the view"


def create_view(view: View) -> list[str]:
    """CREATE VIEW with its options, then owner, comments and grants."""
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
    lines = [
        f"CREATE VIEW {name}{with_options} AS\n{body};",
        f"ALTER VIEW {name} OWNER TO {quote_ident(view.owner)};",
    ]
    if view.comment is not None:
        lines.append(f"COMMENT ON VIEW {name} IS {literal(view.comment)};")
    lines += [
        f"COMMENT ON COLUMN {name}.{quote_ident(c.name)} IS {literal(c.comment)};"
        for c in view.columns
        if c.comment is not None
    ]
    return lines + grants(name, view)


def grants(name: str, view: View) -> list[str]:
    """GRANT statements giving each role back its privileges on the view."""
    lines = []
    for grantee in sorted({g.grantee or "" for g in view.grants}):
        role = quote_ident(grantee) if grantee else "PUBLIC"
        held = [g for g in view.grants if (g.grantee or "") == grantee]
        for grantable in (False, True):
            privileges = _privileges(g.privilege for g in held if g.grantable == grantable)
            if privileges:
                option = " WITH GRANT OPTION" if grantable else ""
                lines.append(f"GRANT {privileges} ON {name} TO {role}{option};")
    return lines


def _privileges(names: Iterable[str]) -> str:
    return ", ".join(sorted(set(names)))
