"""The index a sequential scan's filter needs when a B-tree cannot serve its operator.

A pure reading of the plan's Filter text (parsed with pglast), without the catalog: the value's
cast in the plan (`'{"k": 1}'::jsonb`, `'{urgent}'::text[]`, `'[1,5)'::int4range`) tells the
type. suggest_indexes reads the operator classes from the catalog itself
(`tools.indexes.access_methods`); this is the short version for explain_query's findings.
"""

from __future__ import annotations

from typing import Any

import pglast
from pglast import ast

from tools.query_safety import walk_ast

TRIGRAM = "a GIN index with gin_trgm_ops (extension pg_trgm)"
JSONB_KEYS = "a GIN index (jsonb_ops)"
JSONB_PATHS = "a GIN index (jsonb_path_ops)"
ARRAYS = "a GIN index (array_ops)"
GIST = "a GiST index"
CONTAINMENT = ("@>", "<@", "&&")
GEOMETRIC = ("<<", ">>", "&<", "&>", "-|-", "~=", "<^", ">^", "<<|", "|>>", "&<|", "|&>")


def filter_method(condition: str) -> tuple[str, str] | None:
    """(operator, the index it needs) for the first B-tree-less operator of a Filter, or None."""
    try:
        (statement,) = pglast.parse_sql(f"SELECT 1 WHERE {condition}")
    except (pglast.parser.ParseError, ValueError):
        return None  # plan text such as '(hashed SubPlan 1)'
    for node in walk_ast(statement.stmt.whereClause):
        if isinstance(node, ast.A_Expr) and node.name and len(node.name) == 1:
            method = _method(node.name[0].sval, node)
            if method is not None:
                return node.name[0].sval, method
    return None


def _method(operator: str, node: ast.A_Expr) -> str | None:
    types = {_cast(node.lexpr), _cast(node.rexpr)}
    if operator in ("~~", "~~*"):
        pattern = _literal(node.rexpr)
        return TRIGRAM if pattern is None or pattern.startswith(("%", "_")) else None
    if operator in ("~", "~*", "%"):
        return TRIGRAM
    if operator in ("?", "?|", "?&"):
        return JSONB_KEYS
    if operator == "@?":
        return JSONB_PATHS
    if operator == "@@":
        if "jsonpath" in types:
            return JSONB_PATHS
        target = "the tsvector expression" if isinstance(node.lexpr, ast.FuncCall) else "it"
        return f"a GIN index on {target} (tsvector_ops)"
    if operator in CONTAINMENT:
        if "jsonb" in types:
            return JSONB_PATHS if operator != "&&" else None
        if "array" in types:
            return ARRAYS
        if any(t and (t.endswith("range") or t in ("box", "polygon", "circle")) for t in types):
            return GIST
        return "a GIN (arrays, jsonb) or GiST (ranges, geometry) index"
    return GIST if operator in GEOMETRIC else None


def _cast(node: Any) -> str | None:
    """The type a plan casts a value to: 'jsonb', 'array', 'int4range'…, None if not cast."""
    if not isinstance(node, ast.TypeCast):
        return None
    type_name = node.typeName
    if type_name is None or not type_name.names:
        return None
    return "array" if type_name.arrayBounds else type_name.names[-1].sval


def _literal(node: Any) -> str | None:
    while isinstance(node, ast.TypeCast):
        node = node.arg
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.String):
        return node.val.sval
    return None
