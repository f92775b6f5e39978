"""What the Python readers of a spec share: reading annotations, SQLAlchemy types, defaults and
`__table_args__` out of Python's `ast` (the code is never executed).

`sqlmodel` reads `table=True` classes and `sqlalchemy` declarative ones (`__tablename__` with
`Column` / `mapped_column`); both map types the way SQLAlchemy creates them.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from tools.spec.builder import SpecBuilder
from tools.spec.model import SpecConstraint, SpecIndex

PY_TYPES = {
    "str": "character varying",
    "int": "integer",
    "float": "double precision",
    "bool": "boolean",
    "datetime": "timestamp without time zone",
    "date": "date",
    "time": "time without time zone",
    "timedelta": "interval",
    "UUID": "uuid",
    "Decimal": "numeric",
    "bytes": "bytea",
    "dict": "jsonb",
    "Dict": "jsonb",
    "Any": "jsonb",
    "EmailStr": "character varying",
    "HttpUrl": "character varying",
}


SA_TYPES = {
    "JSON": "json",
    "JSONB": "jsonb",
    "Text": "text",
    "TEXT": "text",
    "String": "character varying",
    "Integer": "integer",
    "BigInteger": "bigint",
    "SmallInteger": "smallint",
    "Boolean": "boolean",
    "DateTime": "timestamp without time zone",
    "Date": "date",
    "Float": "double precision",
    "Numeric": "numeric",
    "UUID": "uuid",
    "Uuid": "uuid",
    "LargeBinary": "bytea",
    "INET": "inet",
    "TSVECTOR": "tsvector",
}


def name_of(node: ast.AST | None) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ""


def const(node: ast.AST | None) -> Any:
    try:
        return ast.literal_eval(node) if node is not None else None
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def unwrap(annotation: ast.AST | None) -> tuple[ast.AST | None, bool, bool]:
    """(inner annotation, optional?, list?) of Optional[X], X | None, List[X]."""
    optional = is_list = False
    node = annotation
    for _ in range(4):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return node, optional, is_list
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            sides = [node.left, node.right]
            rest = [s for s in sides if not (isinstance(s, ast.Constant) and s.value is None)]
            optional = optional or len(rest) < len(sides)
            node = rest[0] if rest else None
        elif isinstance(node, ast.Subscript) and name_of(node.value) in ("Optional", "Union"):
            inner = node.slice
            items = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            rest = [s for s in items if not (isinstance(s, ast.Constant) and s.value is None)]
            optional = (
                True if len(rest) < len(items) or name_of(node.value) == "Optional" else optional
            )
            node = rest[0] if rest else None
        elif isinstance(node, ast.Subscript) and name_of(node.value) in (
            "List",
            "list",
            "Set",
            "set",
            "Sequence",
        ):
            is_list, node = True, node.slice
        else:
            break
    return node, optional, is_list


def sa_type(node: ast.AST | None) -> str | None:
    """Postgres type of a SQLAlchemy type expression: JSONB, String(50), ARRAY(String)."""
    if isinstance(node, ast.Call):
        name = name_of(node.func)
        if name == "ARRAY" and node.args:
            inner = sa_type(node.args[0])
            return (inner or "text") + "[]"
        if name == "Enum" and node.args:
            return None
        base = SA_TYPES.get(name)
        args = [const(a) for a in node.args]
        if base and args and isinstance(args[0], int) and name in ("String", "Numeric"):
            kind = "character varying" if name == "String" else "numeric"
            return f"{kind}({','.join(str(a) for a in args if isinstance(a, int))})"
        if name == "DateTime" and any(
            k.arg == "timezone" and const(k.value) for k in node.keywords
        ):
            return "timestamp with time zone"
        return base
    return SA_TYPES.get(name_of(node))


class PyClass:
    def __init__(self, node: ast.ClassDef, first_line: int) -> None:
        self.node, self.first_line = node, first_line
        self.bases = [name_of(b) for b in node.bases]
        self.table = any(k.arg == "table" and const(k.value) is True for k in node.keywords)
        self.is_enum = any(b in ("Enum", "StrEnum", "IntEnum") for b in self.bases)


def inherited(
    cls: PyClass, registry: dict[str, PyClass], attribute: Callable[[ast.stmt], str | None]
) -> list[tuple[Any, int]]:
    """(statement, block's first line) of each attribute of the class, those of its bases in
    the spec first; a redefinition replaces the base's. `attribute` names a statement's
    attribute, or None for statements that define none."""
    out: list[tuple[Any, int]] = []
    seen = {cls.node.name}

    def walk(current: PyClass) -> None:
        nonlocal out
        for base in current.bases:
            parent = registry.get(base)
            if parent is not None and base not in seen:
                seen.add(base)
                walk(parent)
        for stmt in current.node.body:
            name = attribute(stmt)
            if name is not None:
                out = [(s, f) for s, f in out if attribute(s) != name]
                out.append((stmt, current.first_line))

    walk(cls)
    return out


def class_setting(node: ast.ClassDef, name: str) -> ast.AST | None:
    """The value a class body assigns to `name` (`__tablename__`, `__table_args__`), if any."""
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and any(name_of(t) == name for t in stmt.targets):
            return stmt.value
    return None


def server_default(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call) and name_of(node.func) == "text" and node.args:
        value = const(node.args[0])
        return str(value) if value is not None else None
    value = const(node)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(node, ast.Call):
        return ast.unparse(node).replace("func.", "")
    return None if value is None else str(value).lower()


def table_args(node: ast.AST, table: str, first_line: int, builder: SpecBuilder) -> None:
    items = node.elts if isinstance(node, (ast.Tuple, ast.List)) else [node]
    for item in items:
        if not isinstance(item, ast.Call):
            continue
        kind = name_of(item.func)
        line = first_line + item.lineno - 1
        args = [const(a) for a in item.args]
        names = [a for a in args if isinstance(a, str)]
        keyword = {k.arg: const(k.value) for k in item.keywords if k.arg}
        if kind == "UniqueConstraint":
            builder.constraints.append(
                SpecConstraint(
                    table=table, kind="unique", columns=names, name=keyword.get("name"), line=line
                )
            )
        elif kind == "Index" and names:
            builder.indexes.append(
                SpecIndex(
                    table=table,
                    name=names[0],
                    columns=names[1:],
                    unique=bool(keyword.get("unique")),
                    line=line,
                )
            )
        elif kind == "CheckConstraint" and names:
            builder.constraints.append(
                SpecConstraint(
                    table=table,
                    kind="check",
                    expression=names[0],
                    name=keyword.get("name"),
                    line=line,
                )
            )
        elif kind == "PrimaryKeyConstraint":
            builder.constraints.append(
                SpecConstraint(table=table, kind="primary key", columns=names, line=line)
            )
