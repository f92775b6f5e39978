"""Migration notes, and the consistency pass that turns spec slips into notes.

Notes say what Alembic autogenerate will and will not see (enums, CHECKs, RLS policies, partial
and expression indexes), which FK targets lie outside the selection, and what was left out
because the source named columns that do not exist.
"""

from __future__ import annotations

from typing import Any

from pglast import ast, enums, parse_sql

from tools.catalog.models import SchemaSnapshot, Table
from tools.errors import Unsupported
from tools.query_parser import check_limits

# Operators whose result is not boolean: a CHECK of `0.0-1.0` is a range shorthand, not SQL.
_ARITHMETIC = {"+", "-", "*", "/", "%", "^", "||"}
_PARSED_CHECK = 2_000  # longer expressions are kept unparsed: a spec's CHECK is a line or two

NAMING_CONVENTION = (
    'SQLModel.metadata.naming_convention = {"ix": "ix_%(column_0_label)s", '
    '"uq": "uq_%(table_name)s_%(column_0_name)s", '
    '"ck": "ck_%(table_name)s_%(constraint_name)s", '
    '"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", '
    '"pk": "pk_%(table_name)s"}'
)


def consistent_table(table: Table, notes: dict[str, list[str]], snapshot: SchemaSnapshot) -> Table:
    """Leave out constraints and indexes naming columns the table lacks (specs have them)."""
    names = {c.name for c in table.columns}
    mine = notes.setdefault(table.name, [])

    def known(kind: str, name: str, columns: list[str]) -> bool:
        missing = [c for c in columns if c not in names]
        if missing:
            mine.append(f"{kind} {name} names unknown column(s) {', '.join(missing)}: left out")
        return not missing

    def boolean(name: str, expression: str) -> bool:
        if is_boolean_sql(expression):
            return True
        mine.append(
            f"check {name} ({expression!r}) is not a boolean SQL expression: left out; write "
            "it in full, e.g. `status IN ('a', 'b')` or `score BETWEEN 0 AND 1`"
        )
        return False

    update: dict[str, Any] = {
        "check_constraints": [c for c in table.check_constraints if boolean(c.name, c.expression)],
        "indexes": [
            i
            for i in table.indexes
            if known("index", i.name, [k.column for k in i.keys if k.column])
        ],
        "unique_constraints": [
            u for u in table.unique_constraints if known("unique constraint", u.name, u.columns)
        ],
        "foreign_keys": [
            fk for fk in table.foreign_keys if known("foreign key", fk.name, fk.columns)
        ],
    }
    if table.primary_key and not known(
        "primary key", table.primary_key.name, table.primary_key.columns
    ):
        update["primary_key"] = None
    for fk in update["foreign_keys"]:
        target = snapshot.table(fk.ref_table) if fk.ref_schema == snapshot.schema_name else None
        if target is None:
            continue
        for column, ref in zip(fk.columns, fk.ref_columns, strict=False):
            mine_col, ref_col = table.column(column), target.column(ref)
            if mine_col and ref_col and mine_col.type != ref_col.type:
                mine.append(
                    f"foreign key {fk.name}: {column} is {mine_col.type} but "
                    f"{fk.ref_table}.{ref} is {ref_col.type}; make the types equal"
                )
    return table.model_copy(update=update)


def table_notes(table: Table, classes: dict[str, str], schema: str) -> list[str]:
    """What Alembic and a reviewer should know about one table."""
    notes = []
    outside = sorted(
        {
            fk.ref_table
            for fk in table.foreign_keys
            if fk.ref_table not in classes or fk.ref_schema != schema
        }
    )
    if outside:
        notes.append(
            "FKs to tables outside the selection, referenced by name only: " + ", ".join(outside)
        )
    if table.rls_enabled:
        forced = " (FORCE)" if table.rls_forced else ""
        names = ", ".join(p.name for p in table.policies) or "none"
        notes.append(
            f"row-level security enabled{forced}, policies {names}: invisible to SQLModel and "
            "Alembic; keep them in a migration with op.execute"
        )
    partial = [i.name for i in table.indexes if i.predicate or any(k.expression for k in i.keys)]
    if partial:
        notes.append(
            "partial/expression indexes "
            + ", ".join(partial)
            + ": Alembic autogenerate compares them poorly; review their diffs by hand"
        )
    if table.check_constraints:
        notes.append("CHECK constraints: Alembic autogenerate does not detect changes to them")
    enums = sorted({c.enum for c in table.columns if c.enum})
    if enums:
        notes.append(
            "enums " + ", ".join(enums) + ": new labels need ALTER TYPE … ADD VALUE by hand"
        )
    return notes


def module_notes(snapshot: SchemaSnapshot, tables: list[Table]) -> list[str]:
    notes = [
        "Alembic autogenerate sees tables, columns, types, nullability, foreign keys, unique "
        "constraints and indexes; it does not see enum label changes, CHECK changes, server "
        "default changes (unless compare_server_default=True), row-level security or policies.",
        "Constraint and index names are written explicitly where they differ from what "
        "Postgres/SQLAlchemy would choose, and left to Postgres where they match its defaults. "
        "Adopt one naming convention before the first Alembic migration so future names are "
        f"predictable, e.g. {NAMING_CONVENTION}; it renames unnamed constraints, so name every "
        "existing one explicitly (or migrate the renames) when you add it.",
    ]
    if any(t.rls_enabled for t in tables):
        notes.append(
            "RLS: ALTER TABLE … ENABLE/FORCE ROW LEVEL SECURITY and CREATE POLICY go in a "
            "migration with op.execute (see each class's notes)."
        )
    views = [v.name for v in snapshot.views]
    if views:
        notes.append("views are not generated: " + ", ".join(views))
    return notes


def is_boolean_sql(expression: str) -> bool:
    """Whether a CHECK expression parses and can be boolean (not a bare constant or sum)."""
    try:  # within the limits that keep pglast's C parser safe in-process (issue #13)
        check_limits(expression)
    except Unsupported:
        return True  # not judged: kept as written
    if len(expression) > _PARSED_CHECK:
        return True
    try:
        statements = parse_sql(f"SELECT ({expression})")
    except Exception:  # pglast raises its own ParseError; any failure means "not SQL"
        return False
    if len(statements) != 1:
        return False
    targets: tuple[Any, ...] = getattr(statements[0].stmt, "targetList", None) or ()
    if len(targets) != 1:
        return False
    node = targets[0].val
    if isinstance(node, ast.A_Const):
        return isinstance(node.val, ast.Boolean)
    if isinstance(node, ast.A_Expr) and node.kind == enums.A_Expr_Kind.AEXPR_OP:
        operator = node.name[-1].sval if node.name else ""
        return operator not in _ARITHMETIC
    return True
