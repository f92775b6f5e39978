"""`__table_args__` and per-field `index=`/`unique=`, read statically into indexes and constraints.

`Index`, `UniqueConstraint`, `CheckConstraint`, `ForeignKeyConstraint`, `PrimaryKeyConstraint`
and the trailing `{"schema": …}` dict are read; anything else in the tuple is reported as
unread. `index=True` gets SQLModel's name (`ix_<table>_<column>`, its naming convention).
"""

from __future__ import annotations

import ast
import re

from tools.review.fields import Scope, call_name
from tools.review.records import ModelClass, ModelConstraint, ModelIndex

IN_LIST = re.compile(r"\(?\s*\"?(\w+)\"?\s*\)?\s+IN\s*\(([^)]*)\)", re.I)


def field_indexes(cls: ModelClass) -> list[ModelIndex]:
    """Indexes SQLModel creates for `index=True` fields (unique when `unique=True` too), and the
    UNIQUE constraints of `unique=True` alone."""
    indexes = []
    for item in cls.fields:
        if item.index:
            name = f"ix_{cls.table}_{item.column}" if cls.table else None
            indexes.append(ModelIndex(name, [item.column], item.unique, item.line))
        elif item.unique:
            cls.constraints.append(ModelConstraint("unique", [item.column], item.line))
    return indexes


def _key(node: ast.AST, scope: Scope) -> tuple[str, bool]:
    """(column or "(expression)", is_expression) of one Index key."""
    value = scope.value(node)
    if isinstance(value, str):
        return value, False
    name = call_name(node)
    if isinstance(node, ast.Call) and name in ("desc", "asc", "column") and node.args:
        inner = scope.value(node.args[0])
        if isinstance(inner, str):
            return inner, False
    if isinstance(node, ast.Call) and name == "text" and node.args:
        inner = scope.value(node.args[0])
        if isinstance(inner, str):
            return f"({inner})", True
    return f"({ast.unparse(node)})", True


def _strings(nodes: list[ast.expr], scope: Scope) -> list[str] | None:
    values = [scope.value(n) for n in nodes]
    return [str(v) for v in values] if all(isinstance(v, str) for v in values) else None


def _text(node: ast.AST | None, scope: Scope) -> str | None:
    if node is None:
        return None
    if isinstance(node, ast.Call) and call_name(node) == "text" and node.args:
        node = node.args[0]
    value = scope.value(node)
    return value if isinstance(value, str) else None


def read_table_args(cls: ModelClass, node: ast.AST, scope: Scope) -> None:
    """Read a `__table_args__` value (a tuple, a list or a dict, or a module name for one)."""
    if isinstance(node, ast.Name) and node.id in scope.assigned:
        node = scope.assigned[node.id]
    if isinstance(node, ast.Dict):
        items: list[ast.expr] = [node]
    elif isinstance(node, (ast.Tuple, ast.List)):
        items = list(node.elts)
    else:
        scope.report(node, f"{cls.name}.__table_args__", "not a tuple or dict literal: not read")
        return
    for item in items:
        if isinstance(item, ast.Dict):
            _options(cls, item, scope)
        elif isinstance(item, ast.Call):
            _table_item(cls, item, scope)
        else:
            scope.report(item, f"{cls.name}.__table_args__", f"{ast.unparse(item)} not read")


def _options(cls: ModelClass, node: ast.Dict, scope: Scope) -> None:
    for key, value in zip(node.keys, node.values, strict=True):
        if key is not None and scope.value(key) == "schema":
            schema = scope.value(value)
            if isinstance(schema, str):
                cls.schema = schema
            else:
                scope.report(value, f"{cls.name}.__table_args__", "schema is not a literal")
        elif key is None:
            scope.report(node, f"{cls.name}.__table_args__", "{**…} options not read")


def _table_item(cls: ModelClass, call: ast.Call, scope: Scope) -> None:
    kind = call_name(call)
    where = f"{cls.name}.__table_args__"
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    name = scope.value(keywords.get("name"))
    name = name if isinstance(name, str) else None
    if kind == "Index":
        _index(cls, call, scope, keywords)
    elif kind in ("UniqueConstraint", "PrimaryKeyConstraint"):
        columns = _strings(list(call.args), scope)
        if columns is None:
            scope.report(call, where, f"{kind} columns are not literal strings")
            return
        label = "unique" if kind == "UniqueConstraint" else "primary key"
        cls.constraints.append(ModelConstraint(label, columns, call.lineno, name))
        if label == "primary key":
            for column in columns:
                found = cls.field(column)
                if found is not None:
                    found.primary_key = True
                    found.nullable = found.nullable and found.nullable_given
    elif kind == "CheckConstraint":
        text = _text(call.args[0] if call.args else keywords.get("sqltext"), scope)
        if text is None:
            scope.report(call, where, "CheckConstraint text is not a literal")
            return
        cls.constraints.append(ModelConstraint("check", [], call.lineno, name, expression=text))
        _choices(cls, text)
    elif kind == "ForeignKeyConstraint":
        _foreign_key_constraint(cls, call, scope, keywords, name)
    else:
        scope.report(call, where, f"{kind or ast.unparse(call.func)}(...) not read")


def _index(cls: ModelClass, call: ast.Call, scope: Scope, keywords: dict) -> None:
    if not call.args:
        scope.report(call, f"{cls.name}.__table_args__", "Index without a name")
        return
    name = scope.value(call.args[0])
    keys = [_key(arg, scope) for arg in call.args[1:]]
    unique = scope.value(keywords.get("unique")) is True
    predicate = _text(keywords.get("postgresql_where"), scope)
    if "postgresql_where" in keywords and predicate is None:
        scope.report(call, f"{cls.name}.__table_args__", "postgresql_where is not a literal")
    method = scope.value(keywords.get("postgresql_using"))
    opclasses = scope.value(keywords.get("postgresql_ops")) if "postgresql_ops" in keywords else {}
    if not isinstance(opclasses, dict):
        scope.report(call, f"{cls.name}.__table_args__", "postgresql_ops is not a literal dict")
        opclasses = {}
    cls.indexes.append(
        ModelIndex(
            name if isinstance(name, str) else None,
            [key for key, _ in keys],
            unique,
            call.lineno,
            expression=any(is_expression for _, is_expression in keys),
            predicate=predicate,
            method=method if isinstance(method, str) else "btree",
            opclasses={str(k): str(v) for k, v in opclasses.items()},
        )
    )


def _foreign_key_constraint(
    cls: ModelClass, call: ast.Call, scope: Scope, keywords: dict, name: str | None
) -> None:
    args = list(call.args)
    columns_node = args[0] if args else keywords.get("columns")
    refs_node = args[1] if len(args) > 1 else keywords.get("refcolumns")
    columns = scope.value(columns_node)
    refs = scope.value(refs_node)
    if not (isinstance(columns, (list, tuple)) and isinstance(refs, (list, tuple))):
        scope.report(call, f"{cls.name}.__table_args__", "ForeignKeyConstraint not literal")
        return
    ondelete = scope.value(keywords.get("ondelete"))
    cls.constraints.append(
        ModelConstraint(
            "foreign key",
            [str(c) for c in columns],
            call.lineno,
            name,
            ref_columns=[str(r) for r in refs],
            ondelete=ondelete if isinstance(ondelete, str) else None,
        )
    )


def _choices(cls: ModelClass, text: str) -> None:
    """`status IN ('a', 'b')` in a CHECK: the column's fixed set of values."""
    for match in IN_LIST.finditer(text):
        found = cls.field(match.group(1))
        if found is not None and not found.choices:
            found.choices = re.findall(r"'((?:[^']|'')*)'", match.group(2))
