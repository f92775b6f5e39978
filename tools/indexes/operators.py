"""The predicates of a query that only a GIN, GiST or SP-GiST index can serve, found in its tree.

Works on the pglast tree of a checked query, with the scopes of `tools.indexes.access` (aliases,
joins, sub-queries): every `key OP value` of the AND-ed WHERE and JOIN conditions, where key is
a column or an expression of one table's columns (`to_tsvector('english', title)`) and value
holds no column, plus `ORDER BY key <-> value … LIMIT n`. Which operators need which access
method is the catalog's answer (`tools.indexes.access_methods`), not this module's: here are
only the facts of the query. LIKE/ILIKE keep only patterns a B-tree cannot serve (a leading
wildcard, or a parameter). No database access.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pglast import ast
from pglast.enums import A_Expr_Kind, BoolExprType
from pglast.stream import RawStream

from tools.catalog.models import SchemaSnapshot, Table
from tools.indexes.access import (
    Scope,
    _child_statements,
    _column,
    _column_refs,
    _from_item,
    _is_value,
)
from tools.query_safety import walk_ast

PATTERN_KINDS = {A_Expr_Kind.AEXPR_LIKE, A_Expr_Kind.AEXPR_ILIKE}
WILDCARDS = ("%", "_")


@dataclass(frozen=True)
class OperatorUse:
    """One `key OP value` (or `ORDER BY key <-> value`) of a query on one table."""

    table: Table
    alias: str  # how the query names the table (its alias, else its name)
    key: str  # a column name, or the expression as an index writes it (columns unqualified)
    columns: tuple[str, ...]  # the table's columns the key reads
    function: str | None  # the expression's function (its result type decides), None: a column
    arg_count: int
    operator: str  # as written; `swapped` when the key is on the right
    swapped: bool
    predicate: str  # the condition as SQL, parameters renumbered $1…, for the row estimate
    ordering: bool = False  # ORDER BY key <-> value with a LIMIT
    pattern: str | None = None  # the LIKE/regex pattern when it is a literal

    @property
    def expression(self) -> bool:
        return self.function is not None


def find_operator_uses(tree: ast.RawStmt, snapshot: SchemaSnapshot) -> list[OperatorUse]:
    """Every indexable `key OP value` and distance ORDER BY of the query, in order."""
    return list(_statement(tree.stmt, [], snapshot))


def _statement(node: Any, outer: list[Scope], snapshot: SchemaSnapshot) -> Iterator[OperatorUse]:
    if isinstance(node, ast.SelectStmt) and node.larg is not None:
        yield from _statement(node.larg, outer, snapshot)
        yield from _statement(node.rarg, outer, snapshot)
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
    for condition in [*quals, node.whereClause]:
        for expr in _conjuncts(condition):
            use = _use(expr, chain)
            if use is not None:
                yield use
    if isinstance(node, ast.SelectStmt) and node.limitCount is not None:
        for item in (node.sortClause or ())[:1]:  # a KNN scan serves the first key
            use = _use(item.node, chain, ordering=True)
            if use is not None:
                yield use
    for child in _child_statements(node, top=node):
        yield from _statement(child, chain, snapshot)


def _conjuncts(node: Any) -> Iterator[Any]:
    """The AND-ed parts of a condition (OR branches would need a BitmapOr: not followed)."""
    if isinstance(node, ast.BoolExpr) and node.boolop == BoolExprType.AND_EXPR:
        for arg in node.args or ():
            yield from _conjuncts(arg)
    elif node is not None:
        yield node


def _use(node: Any, chain: list[Scope], *, ordering: bool = False) -> OperatorUse | None:
    if not isinstance(node, ast.A_Expr) or not node.name or len(node.name) != 1:
        return None  # OPERATOR(schema.op) is refused by the query check anyway
    if node.kind not in (A_Expr_Kind.AEXPR_OP, *PATTERN_KINDS):
        return None
    operator = node.name[0].sval
    swapped = False
    key, value = _key(node.lexpr, chain), node.rexpr
    if key is None:
        key, value, swapped = _key(node.rexpr, chain), node.lexpr, True
    if key is None or not _is_value(value):
        return None
    table, alias, text, columns, function, arg_count = key
    pattern = _pattern(value)
    if node.kind in PATTERN_KINDS and (swapped or not _needs_trigrams(value, pattern)):
        return None  # a fixed prefix is a B-tree's job (text_pattern_ops or the C collation)
    return OperatorUse(
        table=table,
        alias=alias,
        key=text,
        columns=columns,
        function=function,
        arg_count=arg_count,
        operator=operator,
        swapped=swapped,
        predicate=_render(_renumbered(node)),
        ordering=ordering,
        pattern=pattern if operator in ("~~", "~~*", "~", "~*") else None,
    )


def _key(
    node: Any, chain: list[Scope]
) -> tuple[Table, str, str, tuple[str, ...], str | None, int] | None:
    """(table, alias, key text, columns, function, argument count) of a column or a function."""
    found = _column(node, chain)
    if found is not None:
        return found[0], _alias(node, found[0], chain), found[1], (found[1],), None, 0
    if not isinstance(node, ast.FuncCall) or len(node.funcname or ()) != 1 or node.agg_star:
        return None
    function = node.funcname[0].sval
    columns = [_column(ref, chain) for ref in _column_refs(node)]
    tables = {id(c[0]) for c in columns if c is not None}
    if not columns or None in columns or len(tables) != 1 or node.over is not None:
        return None
    table = columns[0][0]  # type: ignore[index]
    first = next(_column_refs(node))
    bare = copy.deepcopy(node)
    for ref in _column_refs(bare):
        ref.fields = (ref.fields or ())[-1:]  # an index expression names its columns bare
    return (
        table,
        _alias(first, table, chain),
        _render(bare),
        tuple(dict.fromkeys(c[1] for c in columns if c is not None)),
        function,
        len(node.args or ()),
    )


def _alias(ref: Any, table: Table, chain: list[Scope]) -> str:
    while isinstance(ref, ast.TypeCast):
        ref = ref.arg
    if isinstance(ref, ast.ColumnRef) and len(ref.fields or ()) >= 2:
        return ref.fields[-2].sval
    for scope in chain:
        for name, scoped in scope.items():
            if scoped is table:
                return name
    return table.name


def _pattern(node: Any) -> str | None:
    while isinstance(node, ast.TypeCast):
        node = node.arg
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.String):
        return node.val.sval
    return None


def _needs_trigrams(value: Any, pattern: str | None) -> bool:
    """A LIKE pattern no B-tree serves: a leading wildcard, or not known until run time."""
    if pattern is not None:
        return pattern.startswith(WILDCARDS)
    while isinstance(value, ast.TypeCast):
        value = value.arg
    if isinstance(value, ast.A_Expr) and value.name and value.name[0].sval == "||":
        left = _pattern(value.lexpr)
        return left is None or left.startswith(WILDCARDS)  # '%' || $1 || '%'
    return True  # a parameter: the generic plan cannot use a prefix


def longest_literal(pattern: str) -> int:
    """The longest run of plain characters in a LIKE pattern (trigrams need three)."""
    runs, current, escaped = [0], 0, False
    for char in pattern:
        if escaped or char not in "%_\\":
            current += 1
            escaped = False
        else:
            runs.append(current)
            current = 0
            escaped = char == "\\"
    return max([*runs, current])


def _renumbered(node: ast.A_Expr) -> ast.A_Expr:
    """A copy whose $n parameters are $1…$k, so it plans alone."""
    copied = copy.deepcopy(node)
    numbers: dict[int, int] = {}
    for param in [n for n in walk_ast(copied) if isinstance(n, ast.ParamRef)]:
        param.number = numbers.setdefault(param.number or 0, len(numbers) + 1)
    return copied


def _render(node: Any) -> str:
    return RawStream()(node)
