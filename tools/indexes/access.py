"""How one checked query reads each table: equality, range, join, ORDER BY and GROUP BY columns.

Works on the pglast tree of a `tools.querysafety.CheckedQuery` (the text itself is never
rewritten). Names resolve against the snapshot's schema: unqualified tables are looked up there,
qualified ones must be in it; aliases, correlated sub-queries and joins are followed. Constant
filters (`deleted_at IS NULL`, `status = 'open'`, `NOT archived`) are kept with their rendered
predicate, for partial indexes. OR branches are ignored: they need bitmap OR plans, not one index.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pglast import ast
from pglast.enums import A_Expr_Kind, BoolExprType, NullTestType, SortByDir
from pglast.stream import RawStream
from psycopg import sql

from tools.catalog.models import SchemaSnapshot, Table

EQUALITY = {"="}
RANGE = {"<", ">", "<=", ">="}
STATEMENTS = (ast.SelectStmt, ast.UpdateStmt, ast.DeleteStmt)


@dataclass
class TableAccess:
    """The columns one query uses on one table, in order of appearance."""

    table: Table
    equality: list[str] = field(default_factory=list)
    range: list[str] = field(default_factory=list)
    join: list[str] = field(default_factory=list)
    sort: list[str] = field(default_factory=list)
    group: list[str] = field(default_factory=list)
    filters: dict[str, str] = field(default_factory=dict, repr=False)  # column -> predicate
    selected: set[str] | None = field(default_factory=set)  # None: all columns (*)

    def add(self, bucket: list[str], column: str) -> None:
        if column not in bucket:
            bucket.append(column)


Scope = dict[str, Table]  # alias or table name -> table


def analyze_query(tree: ast.RawStmt, snapshot: SchemaSnapshot) -> dict[str, TableAccess]:
    """Per schema-qualified table, the columns the query filters, joins, sorts and groups on."""
    accesses: dict[str, TableAccess] = {}
    _statement(tree.stmt, [], snapshot, accesses)
    return accesses


def _statement(
    node: Any, outer: list[Scope], snapshot: SchemaSnapshot, out: dict[str, TableAccess]
) -> None:
    if isinstance(node, ast.SelectStmt) and node.larg is not None:  # UNION / INTERSECT / EXCEPT
        _statement(node.larg, outer, snapshot, out)
        _statement(node.rarg, outer, snapshot, out)
        return
    scope: Scope = {}
    quals: list[Any] = []
    if isinstance(node, ast.SelectStmt):
        for item in node.fromClause or ():
            _from_item(item, scope, quals, snapshot)
    else:
        _from_item(node.relation, scope, quals, snapshot)
        for item in (getattr(node, "fromClause", None) or getattr(node, "usingClause", None)) or ():
            _from_item(item, scope, quals, snapshot)
    chain = [scope, *outer]
    for table in scope.values():
        out.setdefault(table.qualified, TableAccess(table))
    for predicate in [*quals, node.whereClause]:
        _predicate(predicate, chain, out)
    if isinstance(node, ast.SelectStmt):
        _sort(node.sortClause, chain, out)
        for item in node.groupClause or ():
            found = _column(item, chain)
            if found:
                out[found[0].qualified].add(out[found[0].qualified].group, found[1])
        _targets(node.targetList, chain, out)
    for child in _child_statements(node, top=node):
        _statement(child, chain, snapshot, out)


def _from_item(item: Any, scope: Scope, quals: list[Any], snapshot: SchemaSnapshot) -> None:
    if isinstance(item, ast.RangeVar):
        if item.schemaname not in (None, snapshot.schema_name):
            return
        table = snapshot.table(item.relname)
        if table is not None:
            scope[item.alias.aliasname if item.alias else item.relname] = table
    elif isinstance(item, ast.JoinExpr):
        _from_item(item.larg, scope, quals, snapshot)
        _from_item(item.rarg, scope, quals, snapshot)
        if item.quals is not None:
            quals.append(item.quals)


def _child_statements(node: Any, top: Any) -> Iterator[Any]:
    """Statements nested in node (sub-queries, CTEs, LATERAL), not looking inside them."""
    if isinstance(node, STATEMENTS) and node is not top:
        yield node
        return
    if isinstance(node, ast.Node):
        for attr in node:
            yield from _child_statements(getattr(node, attr, None), top)
    elif isinstance(node, (tuple, list)):
        for item in node:
            yield from _child_statements(item, top)


def _column(node: Any, chain: list[Scope]) -> tuple[Table, str] | None:
    """The (table, column) a ColumnRef names, or None (expression, unknown, ambiguous)."""
    while isinstance(node, ast.TypeCast):
        node = node.arg
    if not isinstance(node, ast.ColumnRef):
        return None
    names: list[Any] = [getattr(f, "sval", None) for f in node.fields]  # str, or None for *
    if None in names:
        return None  # a.* or *
    column = names[-1]
    for scope in chain:
        if len(names) >= 2:
            table = scope.get(names[-2])
            if table is not None:
                return (table, column) if table.column(column) else None
            continue
        owners = [t for t in scope.values() if t.column(column) is not None]
        if len(owners) == 1:
            return owners[0], column
        if owners:
            return None
    return None


def _is_value(node: Any) -> bool:
    """A constant, parameter or expression of them (no column, no sub-query)."""
    if isinstance(node, (ast.ColumnRef, ast.SubLink)):
        return False
    if isinstance(node, ast.Node):
        return all(_is_value(getattr(node, a, None)) for a in node)
    if isinstance(node, (tuple, list)):
        return all(_is_value(item) for item in node)
    return True


def _predicate(node: Any, chain: list[Scope], out: dict[str, TableAccess]) -> None:
    if node is None:
        return
    if isinstance(node, ast.BoolExpr):
        if node.boolop == BoolExprType.AND_EXPR:
            for arg in node.args:
                _predicate(arg, chain, out)
        elif node.boolop == BoolExprType.NOT_EXPR:
            found = _column(node.args[0], chain)
            if found and _is_boolean(found):
                _filter(found, "NOT " + _ident(found[1]), out)
        return
    if isinstance(node, ast.NullTest):
        found = _column(node.arg, chain)
        if found:
            test = "IS NULL" if node.nulltesttype == NullTestType.IS_NULL else "IS NOT NULL"
            _filter(found, f"{_ident(found[1])} {test}", out)
        return
    if isinstance(node, ast.ColumnRef):
        found = _column(node, chain)
        if found and _is_boolean(found):
            _filter(found, _ident(found[1]), out)
        return
    if isinstance(node, ast.SubLink) and node.testexpr is not None:
        found = _column(node.testexpr, chain)
        if found:
            _use(found, "join", out)
        return
    if isinstance(node, ast.A_Expr):
        _comparison(node, chain, out)


def _comparison(node: ast.A_Expr, chain: list[Scope], out: dict[str, TableAccess]) -> None:
    operator = getattr(node.name[-1], "sval", "") if node.name else ""
    if node.kind == A_Expr_Kind.AEXPR_IN and operator == "=":
        found = _column(node.lexpr, chain)
        if found and _is_value(node.rexpr):
            _use(found, "equality", out)
        return
    if node.kind == A_Expr_Kind.AEXPR_BETWEEN:
        found = _column(node.lexpr, chain)
        if found and _is_value(node.rexpr):
            _use(found, "range", out)
        return
    if node.kind != A_Expr_Kind.AEXPR_OP or operator not in EQUALITY | RANGE:
        return
    left, right = _column(node.lexpr, chain), _column(node.rexpr, chain)
    if left and right:
        if left[0] is not right[0] and operator in EQUALITY:
            _use(left, "join", out)
            _use(right, "join", out)
        return
    found, value = (left, node.rexpr) if left else (right, node.lexpr)
    if found is None or not _is_value(value):
        return
    _use(found, "equality" if operator in EQUALITY else "range", out)
    if operator == "=" and isinstance(value, ast.A_Const) and _is_status(found):
        _filter(found, f"{_ident(found[1])} = {RawStream()(value)}", out)


def _use(found: tuple[Table, str], bucket: str, out: dict[str, TableAccess]) -> None:
    table, column = found
    access = out.setdefault(table.qualified, TableAccess(table))
    access.add(getattr(access, bucket), column)


def _filter(found: tuple[Table, str], predicate: str, out: dict[str, TableAccess]) -> None:
    table, column = found
    out.setdefault(table.qualified, TableAccess(table)).filters.setdefault(column, predicate)


def _is_boolean(found: tuple[Table, str]) -> bool:
    column = found[0].column(found[1])
    return column is not None and column.type == "boolean"


def _is_status(found: tuple[Table, str]) -> bool:
    """Columns whose constant filters make good partial indexes: booleans and enums."""
    column = found[0].column(found[1])
    return column is not None and (column.type == "boolean" or column.enum is not None)


def _ident(name: str) -> str:
    return sql.Identifier(name).as_string()


def _sort(items: Any, chain: list[Scope], out: dict[str, TableAccess]) -> None:
    """ORDER BY columns, kept when they all belong to one table and share one direction."""
    found = [(_column(item.node, chain), item.sortby_dir) for item in items or ()]
    if not found or any(f is None for f, _ in found):
        return
    tables = {f[0].qualified for f, _ in found if f}
    directions = {d == SortByDir.SORTBY_DESC for _, d in found}
    if len(tables) == 1 and len(directions) == 1:
        access = out[tables.pop()]
        for f, _ in found:
            if f:
                access.add(access.sort, f[1])


def _targets(targets: Any, chain: list[Scope], out: dict[str, TableAccess]) -> None:
    """Columns the select list reads, per table (for covering indexes); * reads all."""
    for target in targets or ():
        value = getattr(target, "val", None)
        if isinstance(value, ast.ColumnRef):
            if isinstance(value.fields[-1], ast.A_Star):
                alias = getattr(value.fields[-2], "sval", None) if len(value.fields) > 1 else None
                for name, table in chain[0].items():
                    if alias is None or name == alias:
                        out[table.qualified].selected = None
                continue
            found = _column(value, chain)
            if found and out[found[0].qualified].selected is not None:
                out[found[0].qualified].selected.add(found[1])  # type: ignore[union-attr]
        else:
            for ref in _column_refs(value):
                found = _column(ref, chain)
                access = out.get(found[0].qualified) if found else None
                if found and access is not None and access.selected is not None:
                    access.selected.add(found[1])


def _column_refs(node: Any) -> Iterator[ast.ColumnRef]:
    if isinstance(node, ast.ColumnRef):
        yield node
    elif isinstance(node, ast.Node) and not isinstance(node, STATEMENTS):
        for attr in node:
            yield from _column_refs(getattr(node, attr, None))
    elif isinstance(node, (tuple, list)):
        for item in node:
            yield from _column_refs(item)
