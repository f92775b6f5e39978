"""SQLModel classes of a spec, read with Python's `ast` (never executed).

`table=True` classes become tables, with the fields of base classes defined in the spec;
request/response models without `table=True` (TaskCreate) are left out on purpose. Types follow
what SQLModel creates: `str` is `character varying`, `datetime` is `timestamp without time zone`.
"""

from __future__ import annotations

import ast

from tools.spec.builder import SpecBuilder
from tools.spec.model import Reference, Relationship, SpecColumn, SpecEnum
from tools.spec.readers.python_ast import (
    PY_TYPES,
    PyClass,
    class_setting,
    const,
    inherited,
    name_of,
    sa_type,
    server_default,
    table_args,
    unwrap,
)
from tools.spec.readers.sqlalchemy import (
    is_declarative,
    read_core_tables,
    read_declarative,
    type_foreign_keys,
)


def read_python(code: str, first_line: int, builder: SpecBuilder, future: bool) -> None:
    """Read SQLModel table classes, SQLAlchemy declarative ones, Core tables and Enum classes of
    a block."""
    try:
        tree = ast.parse(code)
    except SyntaxError as error:
        line = first_line + (error.lineno or 1) - 1
        builder.warn(line, f"python block not read: {error.msg}")
        return
    except (ValueError, RecursionError, MemoryError):
        builder.warn(first_line, "python block not read")
        return
    registry: dict[str, PyClass] = builder.py_classes
    classes = [PyClass(n, first_line) for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
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
        elif is_declarative(cls):
            read_declarative(cls, registry, builder, future)
    read_core_tables(tree, first_line, registry, builder, future)
    type_foreign_keys(builder)


def _field(stmt: ast.stmt) -> str | None:
    """The field an annotated assignment of a class body defines."""
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id
    return None


def _table_class(
    cls: PyClass, registry: dict[str, PyClass], builder: SpecBuilder, future: bool
) -> None:
    node = cls.node
    named = class_setting(node, "__tablename__")
    table = (const(named) if named is not None else None) or node.name.lower()
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
        explicit=named is not None,
    )
    for stmt, first in inherited(cls, registry, _field):
        column = _py_column(stmt, first, table, registry, builder, entity.name)
        if column is not None:
            builder.add_column(entity, column, "python")
    settings = class_setting(node, "__table_args__")
    if settings is not None:
        table_args(settings, table, cls.first_line, builder)


def _py_column(
    stmt: ast.AnnAssign,
    first: int,
    table: str,
    registry: dict[str, PyClass],
    builder: SpecBuilder,
    entity: str,
) -> SpecColumn | None:
    name = stmt.target.id  # type: ignore[union-attr]
    line = first + stmt.lineno - 1
    if name.startswith("_"):
        return None
    call = stmt.value if isinstance(stmt.value, ast.Call) else None
    if call is not None and name_of(call.func) == "Relationship":
        inner, _, is_list = unwrap(stmt.annotation)
        builder.relationships.append(
            Relationship(
                from_table=table,
                to_table=name_of(inner),
                text=ast.unparse(stmt),
                line=line,
                kind="one-to-many" if is_list else "many-to-one",
            )
        )
        return None
    if name_of(stmt.annotation) == "ClassVar":
        return None
    inner, optional, is_list = unwrap(stmt.annotation)
    type_name = name_of(inner)
    if type_name in registry and registry[type_name].table:
        return None  # a relationship attribute without Relationship()
    kwargs = (
        {k.arg: k.value for k in call.keywords if k.arg}
        if call is not None and name_of(call.func) == "Field"
        else {}
    )
    enum = registry.get(type_name)
    pg_type = PY_TYPES.get(type_name)
    words = ast.unparse(stmt.annotation) if stmt.annotation is not None else ""
    if enum is not None and enum.is_enum:
        pg_type = type_name.lower()
    sa_column = kwargs.get("sa_column")
    if isinstance(sa_column, ast.Call) and sa_column.args:
        pg_type = sa_type(sa_column.args[0]) or pg_type
    if "sa_type" in kwargs:
        pg_type = sa_type(kwargs["sa_type"]) or pg_type
    max_length = const(kwargs.get("max_length"))
    if pg_type == "character varying" and isinstance(max_length, int):
        pg_type = f"character varying({max_length})"
    if pg_type == "numeric" and isinstance(const(kwargs.get("max_digits")), int):
        pg_type = (
            f"numeric({const(kwargs['max_digits'])},{const(kwargs.get('decimal_places')) or 0})"
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
    column.primary_key = bool(const(kwargs.get("primary_key")))
    column.nullable = optional and not column.primary_key
    if const(kwargs.get("nullable")) is not None:
        column.nullable = bool(const(kwargs.get("nullable")))
    column.unique = bool(const(kwargs.get("unique")))
    column.indexed = bool(const(kwargs.get("index")))
    sa_kwargs = const(kwargs.get("sa_column_kwargs")) if "sa_column_kwargs" in kwargs else None
    if isinstance(given := kwargs.get("sa_column_kwargs"), ast.Dict):
        for key, value in zip(given.keys, given.values, strict=False):
            key_name = const(key)
            if key_name == "index" and const(value):
                column.indexed = True
            elif key_name == "unique" and const(value):
                column.unique = True
            elif key_name == "server_default":
                column.default = server_default(value)
            elif key_name == "nullable" and const(value) is not None:
                column.nullable = bool(const(value))
    _ = sa_kwargs
    if isinstance(sa_column, ast.Call):
        for keyword in sa_column.keywords:
            if keyword.arg == "nullable" and const(keyword.value) is not None:
                column.nullable = bool(const(keyword.value))
            elif keyword.arg == "server_default":
                column.default = server_default(keyword.value)
            elif keyword.arg == "primary_key" and const(keyword.value):
                column.primary_key = True
            elif keyword.arg in ("unique", "index") and const(keyword.value):
                setattr(column, "unique" if keyword.arg == "unique" else "indexed", True)
    if "default_factory" in kwargs:
        column.app_default = ast.unparse(kwargs["default_factory"])
    elif "default" in kwargs and const(kwargs["default"]) is not None:
        column.app_default = ast.unparse(kwargs["default"])
    elif stmt.value is not None and call is None and const(stmt.value) is not None:
        column.app_default = ast.unparse(stmt.value)
    foreign_key = const(kwargs.get("foreign_key"))
    if isinstance(foreign_key, str) and "." in foreign_key:
        ref_table, ref_column = foreign_key.rsplit(".", 1)
        on_delete = const(kwargs.get("ondelete"))
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
    description = const(kwargs.get("description"))
    if isinstance(description, str):
        column.description = description
    if enum is not None and enum.is_enum:
        column.enum_name = type_name.lower()
    return column
