"""SQLModel classes of a spec, read with Python's `ast` (never executed).

`table=True` classes become tables, with the fields of base classes defined in the spec;
request/response models without `table=True` (TaskCreate) are left out on purpose. Types follow
what SQLModel creates: `str` is `character varying`, `datetime` is `timestamp without time zone`.
"""

from __future__ import annotations

import ast
from typing import Any

from tools.spec.builder import SpecBuilder
from tools.spec.model import (
    Reference,
    Relationship,
    SpecColumn,
    SpecConstraint,
    SpecEnum,
    SpecIndex,
)

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


def _name(node: ast.AST | None) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ""


def _const(node: ast.AST | None) -> Any:
    try:
        return ast.literal_eval(node) if node is not None else None
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _unwrap(annotation: ast.AST | None) -> tuple[ast.AST | None, bool, bool]:
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
        elif isinstance(node, ast.Subscript) and _name(node.value) in ("Optional", "Union"):
            inner = node.slice
            items = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            rest = [s for s in items if not (isinstance(s, ast.Constant) and s.value is None)]
            optional = (
                True if len(rest) < len(items) or _name(node.value) == "Optional" else optional
            )
            node = rest[0] if rest else None
        elif isinstance(node, ast.Subscript) and _name(node.value) in (
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


def _sa_type(node: ast.AST | None) -> str | None:
    """Postgres type of a SQLAlchemy type expression: JSONB, String(50), ARRAY(String)."""
    if isinstance(node, ast.Call):
        name = _name(node.func)
        if name == "ARRAY" and node.args:
            inner = _sa_type(node.args[0])
            return (inner or "text") + "[]"
        if name == "Enum" and node.args:
            return None
        base = SA_TYPES.get(name)
        args = [_const(a) for a in node.args]
        if base and args and isinstance(args[0], int) and name in ("String", "Numeric"):
            kind = "character varying" if name == "String" else "numeric"
            return f"{kind}({','.join(str(a) for a in args if isinstance(a, int))})"
        if name == "DateTime" and any(
            k.arg == "timezone" and _const(k.value) for k in node.keywords
        ):
            return "timestamp with time zone"
        return base
    return SA_TYPES.get(_name(node))


class _PyClass:
    def __init__(self, node: ast.ClassDef, first_line: int) -> None:
        self.node, self.first_line = node, first_line
        self.bases = [_name(b) for b in node.bases]
        self.table = any(k.arg == "table" and _const(k.value) is True for k in node.keywords)
        self.is_enum = any(b in ("Enum", "StrEnum", "IntEnum") for b in self.bases)


def read_python(code: str, first_line: int, builder: SpecBuilder, future: bool) -> None:
    """Read SQLModel table classes (and Enum classes) from one python block."""
    try:
        tree = ast.parse(code)
    except SyntaxError as error:
        line = first_line + (error.lineno or 1) - 1
        builder.warn(line, f"python block not read: {error.msg}")
        return
    except (ValueError, RecursionError, MemoryError):
        builder.warn(first_line, "python block not read")
        return
    registry: dict[str, _PyClass] = builder.py_classes
    classes = [_PyClass(n, first_line) for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    for cls in classes:
        registry[cls.node.name] = cls
        if cls.is_enum:
            values = [
                t.id
                for stmt in cls.node.body
                if isinstance(stmt, ast.Assign)
                for t in stmt.targets
                if isinstance(t, ast.Name)
            ]
            name = cls.node.name.lower()
            builder.enums[name] = SpecEnum(
                name=name, values=values, line=first_line + cls.node.lineno - 1
            )
    for cls in classes:
        if cls.table:
            builder.dialects.add("sqlmodel")
            _table_class(cls, registry, builder, future)


def _fields(
    cls: _PyClass, registry: dict[str, _PyClass], seen: set[str]
) -> list[tuple[ast.AnnAssign, int]]:
    out: list[tuple[ast.AnnAssign, int]] = []
    for base in cls.bases:
        parent = registry.get(base)
        if parent is not None and base not in seen:
            seen.add(base)
            out += _fields(parent, registry, seen)
    for stmt in cls.node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            out = [(s, f) for s, f in out if s.target.id != stmt.target.id]  # type: ignore[union-attr]
            out.append((stmt, cls.first_line))
    return out


def _table_class(
    cls: _PyClass, registry: dict[str, _PyClass], builder: SpecBuilder, future: bool
) -> None:
    node = cls.node
    table, named = node.name.lower(), False
    table_args: ast.AST | None = None
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and any(_name(t) == "__tablename__" for t in stmt.targets):
            table, named = _const(stmt.value) or table, True
        if isinstance(stmt, ast.Assign) and any(_name(t) == "__table_args__" for t in stmt.targets):
            table_args = stmt.value
    line = cls.first_line + node.lineno - 1
    doc = ast.get_docstring(node) or ""
    # Without __tablename__ SQLModel names the table after the class (`task`): a loose name,
    # merged with the spec's `tasks` when one exists.
    entity = builder.entity(
        table,
        line,
        "python",
        future=future,
        description=doc.split("\n")[0],
        defines=True,
        explicit=named,
    )
    for stmt, first in _fields(cls, registry, {node.name}):
        column = _py_column(stmt, first, table, registry, builder, entity.name)
        if column is not None:
            builder.add_column(entity, column, "python")
    if table_args is not None:
        _table_args(table_args, table, cls.first_line, builder)


def _py_column(
    stmt: ast.AnnAssign,
    first: int,
    table: str,
    registry: dict[str, _PyClass],
    builder: SpecBuilder,
    entity: str,
) -> SpecColumn | None:
    name = stmt.target.id  # type: ignore[union-attr]
    line = first + stmt.lineno - 1
    if name.startswith("_"):
        return None
    call = stmt.value if isinstance(stmt.value, ast.Call) else None
    if call is not None and _name(call.func) == "Relationship":
        inner, _, is_list = _unwrap(stmt.annotation)
        builder.relationships.append(
            Relationship(
                from_table=table,
                to_table=_name(inner),
                text=ast.unparse(stmt),
                line=line,
                kind="one-to-many" if is_list else "many-to-one",
            )
        )
        return None
    if _name(stmt.annotation) == "ClassVar":
        return None
    inner, optional, is_list = _unwrap(stmt.annotation)
    type_name = _name(inner)
    if type_name in registry and registry[type_name].table:
        return None  # a relationship attribute without Relationship()
    kwargs = (
        {k.arg: k.value for k in call.keywords if k.arg}
        if call is not None and _name(call.func) == "Field"
        else {}
    )
    enum = registry.get(type_name)
    pg_type = PY_TYPES.get(type_name)
    words = ast.unparse(stmt.annotation) if stmt.annotation is not None else ""
    if enum is not None and enum.is_enum:
        pg_type = type_name.lower()
    sa_column = kwargs.get("sa_column")
    if isinstance(sa_column, ast.Call) and sa_column.args:
        pg_type = _sa_type(sa_column.args[0]) or pg_type
    if "sa_type" in kwargs:
        pg_type = _sa_type(kwargs["sa_type"]) or pg_type
    max_length = _const(kwargs.get("max_length"))
    if pg_type == "character varying" and isinstance(max_length, int):
        pg_type = f"character varying({max_length})"
    if pg_type == "numeric" and isinstance(_const(kwargs.get("max_digits")), int):
        pg_type = (
            f"numeric({_const(kwargs['max_digits'])},{_const(kwargs.get('decimal_places')) or 0})"
        )
    if pg_type is None:
        builder.warn(
            line,
            f"python type {words!r} of {table}.{name} not known; read as jsonb"
            if is_list
            else f"python type {words!r} of {table}.{name} not known; read as text",
        )
        pg_type = "jsonb" if is_list else "text"
    elif is_list and not pg_type.endswith("[]") and "sa_column" not in kwargs:
        pg_type = "jsonb"
    column = SpecColumn(
        name=name, type=words, pg_type=pg_type, line=line, stated=["type", "nullable"]
    )
    column.primary_key = bool(_const(kwargs.get("primary_key")))
    column.nullable = optional and not column.primary_key
    if _const(kwargs.get("nullable")) is not None:
        column.nullable = bool(_const(kwargs.get("nullable")))
    column.unique = bool(_const(kwargs.get("unique")))
    column.indexed = bool(_const(kwargs.get("index")))
    sa_kwargs = _const(kwargs.get("sa_column_kwargs")) if "sa_column_kwargs" in kwargs else None
    if isinstance(given := kwargs.get("sa_column_kwargs"), ast.Dict):
        for key, value in zip(given.keys, given.values, strict=False):
            key_name = _const(key)
            if key_name == "index" and _const(value):
                column.indexed = True
            elif key_name == "unique" and _const(value):
                column.unique = True
            elif key_name == "server_default":
                column.default = _server_default(value)
            elif key_name == "nullable" and _const(value) is not None:
                column.nullable = bool(_const(value))
    _ = sa_kwargs
    if isinstance(sa_column, ast.Call):
        for keyword in sa_column.keywords:
            if keyword.arg == "nullable" and _const(keyword.value) is not None:
                column.nullable = bool(_const(keyword.value))
            elif keyword.arg == "server_default":
                column.default = _server_default(keyword.value)
            elif keyword.arg == "primary_key" and _const(keyword.value):
                column.primary_key = True
            elif keyword.arg in ("unique", "index") and _const(keyword.value):
                setattr(column, "unique" if keyword.arg == "unique" else "indexed", True)
    if "default_factory" in kwargs:
        column.app_default = ast.unparse(kwargs["default_factory"])
    elif "default" in kwargs and _const(kwargs["default"]) is not None:
        column.app_default = ast.unparse(kwargs["default"])
    elif stmt.value is not None and call is None and _const(stmt.value) is not None:
        column.app_default = ast.unparse(stmt.value)
    foreign_key = _const(kwargs.get("foreign_key"))
    if isinstance(foreign_key, str) and "." in foreign_key:
        ref_table, ref_column = foreign_key.rsplit(".", 1)
        on_delete = _const(kwargs.get("ondelete"))
        column.references = Reference(
            table=ref_table.split(".")[-1],
            column=ref_column,
            on_delete=on_delete.upper() if isinstance(on_delete, str) else None,
        )
        column.stated.append("references")
    if column.primary_key and pg_type in ("integer", "bigint") and not column.references:
        column.auto_increment = True
    if column.primary_key:
        column.stated.append("primary_key")
    description = _const(kwargs.get("description"))
    if isinstance(description, str):
        column.description = description
    if enum is not None and enum.is_enum:
        column.enum_name = type_name.lower()
    return column


def _server_default(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call) and _name(node.func) == "text" and node.args:
        value = _const(node.args[0])
        return str(value) if value is not None else None
    value = _const(node)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(node, ast.Call):
        return ast.unparse(node).replace("func.", "")
    return None if value is None else str(value).lower()


def _table_args(node: ast.AST, table: str, first_line: int, builder: SpecBuilder) -> None:
    items = node.elts if isinstance(node, (ast.Tuple, ast.List)) else [node]
    for item in items:
        if not isinstance(item, ast.Call):
            continue
        kind = _name(item.func)
        line = first_line + item.lineno - 1
        args = [_const(a) for a in item.args]
        names = [a for a in args if isinstance(a, str)]
        keyword = {k.arg: _const(k.value) for k in item.keywords if k.arg}
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
