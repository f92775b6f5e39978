"""SQLAlchemy declarative classes of a spec: `__tablename__` with `Column(...)`, `Mapped[...]` and
`mapped_column(...)` (the 1.4 and 2.0 styles), read with Python's `ast` (never executed).

Nullability follows SQLAlchemy: a `Column` is nullable unless `nullable=False` or a primary key;
a `Mapped[T]` is NOT NULL unless `Optional[T]` / `T | None`. Mixins defined in the spec give their
columns to the classes that inherit them. A column typed only by its `ForeignKey` takes the type
of the column it references, as SQLAlchemy does. Core `Table("name", metadata, Column(…), …)`
objects (association tables) are tables too.
"""

from __future__ import annotations

import ast

from tools.spec.builder import SpecBuilder
from tools.spec.model import Reference, Relationship, SpecColumn
from tools.spec.readers import python_ast as py
from tools.spec.readers.python_ast import PyClass

_COLUMN_CALLS = ("Column", "mapped_column")
_MAPPED = ("Mapped", "WriteOnlyMapped", "DynamicMapped")
_NOT_TYPES = ("ForeignKey", "Sequence", "Identity", "Computed", "FetchedValue")
_INTEGERS = ("integer", "bigint", "smallint")


def is_declarative(cls: PyClass) -> bool:
    """A mapped class: it names its table and is no SQLModel class."""
    return (
        not cls.table
        and "SQLModel" not in cls.bases
        and isinstance(py.const(py.class_setting(cls.node, "__tablename__")), str)
    )


def read_declarative(
    cls: PyClass, registry: dict[str, PyClass], builder: SpecBuilder, future: bool
) -> None:
    """One declarative class: its table, columns, relationships and `__table_args__`."""
    node = cls.node
    table = str(py.const(py.class_setting(node, "__tablename__")))
    doc = ast.get_docstring(node) or ""
    entity = builder.entity(
        table,
        cls.first_line + node.lineno - 1,
        "python",
        future=future,
        description=doc.split("\n")[0],
        defines=True,
    )
    builder.dialects.add("sqlalchemy")
    for stmt, first in py.inherited(cls, registry, _target):
        column = _column(stmt, first, table, registry, builder)
        if column is not None:
            builder.add_column(entity, column, "python")
    settings = py.class_setting(node, "__table_args__")
    if settings is not None:
        py.table_args(settings, table, cls.first_line, builder)


def read_core_tables(
    tree: ast.AST, first_line: int, registry: dict[str, PyClass], builder: SpecBuilder, future: bool
) -> None:
    """`Table("task_tags", metadata, Column("task_id", ForeignKey("tasks.id")), …)`: a Core
    table (an association table, most often), with its columns and constraints."""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and py.name_of(node.func) == "Table" and node.args):
            continue
        table = py.const(node.args[0])
        if not isinstance(table, str) or not table:
            continue
        comment = {k.arg: py.const(k.value) for k in node.keywords if k.arg}.get("comment")
        entity = builder.entity(
            table,
            first_line + node.lineno - 1,
            "python",
            future=future,
            description=comment if isinstance(comment, str) else "",
            defines=True,
        )
        builder.dialects.add("sqlalchemy")
        others: list[ast.expr] = []
        for arg in node.args[1:]:
            if not isinstance(arg, ast.Call):
                continue  # the MetaData
            named = py.const(arg.args[0]) if arg.args else None
            if py.name_of(arg.func) == "Column" and isinstance(named, str):
                line = first_line + arg.lineno - 1
                column = _column_of(arg, named, line, None, True, registry)
                builder.add_column(entity, column, "python")
            else:
                others.append(arg)
        py.table_args(ast.Tuple(elts=others), table, first_line, builder)


def type_foreign_keys(builder: SpecBuilder) -> None:
    """Columns typed only by their ForeignKey: the type of the column they reference."""
    for table in builder.tables.values():
        for column in table.entity.columns:
            ref = column.references
            if not (column.typed_by_reference and column.type_guessed and ref and ref.column):
                continue
            target = builder.tables.get((ref.table, table.entity.future))
            typed = target.entity.column(ref.column) if target else None
            if typed is not None and typed.pg_type:
                column.pg_type = {"serial": "integer", "bigserial": "bigint"}.get(
                    typed.pg_type, typed.pg_type
                )


def _target(stmt: ast.stmt) -> str | None:
    """The attribute a `name = Column(…)` or `name: Mapped[…]` statement defines."""
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        annotation = stmt.annotation
        mapped = isinstance(annotation, ast.Subscript) and py.name_of(annotation.value) in _MAPPED
        value = stmt.value
        called = isinstance(value, ast.Call) and py.name_of(value.func) in _COLUMN_CALLS
        return stmt.target.id if mapped or called else None
    if (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
        and isinstance(stmt.value, ast.Call)
        and py.name_of(stmt.value.func) in (*_COLUMN_CALLS, "relationship")
    ):
        return stmt.targets[0].id
    return None


def _column(
    stmt: ast.Assign | ast.AnnAssign,
    first: int,
    table: str,
    registry: dict[str, PyClass],
    builder: SpecBuilder,
) -> SpecColumn | None:
    """The column one statement defines; a relationship is recorded and gives none."""
    name = _target(stmt) or ""
    line = first + stmt.lineno - 1
    call = stmt.value if isinstance(stmt.value, ast.Call) else None
    annotation = stmt.annotation.slice if isinstance(stmt, ast.AnnAssign) else None  # type: ignore[attr-defined]
    inner, optional, is_list = py.unwrap(annotation)
    if call is not None and py.name_of(call.func) == "relationship":
        target = py.const(call.args[0]) if call.args else None
        builder.relationships.append(
            Relationship(
                from_table=table,
                to_table=target if isinstance(target, str) else py.name_of(inner),
                kind="one-to-many" if is_list else "many-to-one",
                text=ast.unparse(stmt),
                line=line,
            )
        )
        return None
    if call is not None and py.name_of(call.func) not in _COLUMN_CALLS:
        return None  # column_property, a query expression: nothing the table stores
    mapped_class = py.name_of(inner) in registry and not registry[py.name_of(inner)].is_enum
    if call is None and (is_list or mapped_class):
        return None  # Mapped["User"] or Mapped[list["Task"]] without mapped_column: a relation
    nullable = optional if annotation is not None else True
    return _column_of(call, name, line, inner, nullable, registry)


def _column_of(
    call: ast.Call | None,
    name: str,
    line: int,
    inner: ast.AST | None,
    nullable: bool,
    registry: dict[str, PyClass],
) -> SpecColumn:
    """The column a `Column(…)` / `mapped_column(…)` call (or a bare `Mapped[T]`) defines;
    `nullable` is what the annotation says when the call does not."""
    args = list(call.args) if call is not None else []
    keywords = {k.arg: k.value for k in call.keywords if k.arg} if call is not None else {}
    if args and isinstance(py.const(args[0]), str):
        name = str(py.const(args.pop(0)))  # Column("user_name", String): the column's own name
    column = SpecColumn(name=name, line=line, stated=["type", "nullable"])
    type_arg = next((a for a in args if py.name_of(getattr(a, "func", a)) not in _NOT_TYPES), None)
    _type(column, type_arg, inner, registry)
    for arg in args:
        if isinstance(arg, ast.Call) and py.name_of(arg.func) == "ForeignKey" and arg.args:
            _reference(column, arg)
    column.primary_key = bool(py.const(keywords.get("primary_key")))
    column.nullable = nullable and not column.primary_key
    if py.const(keywords.get("nullable")) is not None:
        column.nullable = bool(py.const(keywords["nullable"]))
    column.unique = bool(py.const(keywords.get("unique")))
    column.indexed = bool(py.const(keywords.get("index")))
    if "server_default" in keywords:
        column.default = py.server_default(keywords["server_default"])
    if "default" in keywords:
        column.app_default = ast.unparse(keywords["default"])
    comment = py.const(keywords.get("comment") or keywords.get("doc"))
    column.description = comment if isinstance(comment, str) else ""
    auto = py.const(keywords.get("autoincrement"))
    integer_key = column.primary_key and column.pg_type in _INTEGERS and not column.references
    column.auto_increment = auto is True or (integer_key and auto is not False)
    if column.primary_key:
        column.stated.append("primary_key")
    return column


def _type(
    column: SpecColumn,
    type_arg: ast.AST | None,
    inner: ast.AST | None,
    registry: dict[str, PyClass],
) -> None:
    """The column's type: the SQLAlchemy type given, else its Mapped[...] annotation's."""
    enum_call = (
        type_arg
        if isinstance(type_arg, ast.Call)
        and py.name_of(type_arg.func)
        in (
            "Enum",
            "SAEnum",
        )
        else None
    )
    if enum_call is not None:
        named = {k.arg: py.const(k.value) for k in enum_call.keywords if k.arg}.get("name")
        labels = [py.const(a) for a in enum_call.args if isinstance(py.const(a), str)]
        enum = py.name_of(enum_call.args[0]) if enum_call.args and not labels else ""
        column.enum_name = str(named or enum.lower() or f"{column.name}_enum")
        column.enum_values = [str(label) for label in labels]
        column.pg_type, column.type = column.enum_name, ast.unparse(enum_call)
        return
    words = ast.unparse(type_arg) if type_arg is not None else ast.unparse(inner) if inner else ""
    pg_type = py.sa_type(type_arg) if type_arg is not None else None
    type_name = py.name_of(inner)
    if pg_type is None and type_name in registry and registry[type_name].is_enum:
        column.enum_name = pg_type = type_name.lower()
    pg_type = pg_type or py.PY_TYPES.get(type_name)
    column.type = words
    if pg_type is None:
        column.typed_by_reference, column.type_guessed, column.type = True, True, ""
        column.pg_type = "integer"  # until its ForeignKey's target is read, and if it is not
        return
    column.pg_type = pg_type


def _reference(column: SpecColumn, foreign_key: ast.Call) -> None:
    """`ForeignKey("users.id", ondelete="CASCADE")` onto the column."""
    target = py.const(foreign_key.args[0])
    if not isinstance(target, str) or "." not in target:
        return
    ref_table, ref_column = target.rsplit(".", 1)
    on_delete = {k.arg: py.const(k.value) for k in foreign_key.keywords if k.arg}.get("ondelete")
    column.references = Reference(
        table=ref_table.split(".")[-1],
        column=ref_column,
        on_delete=on_delete.upper() if isinstance(on_delete, str) else None,
    )
    column.stated.append("references")
