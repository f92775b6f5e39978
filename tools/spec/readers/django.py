"""Django models of a spec (`class Post(models.Model)`), read with Python's `ast` (never executed).

Each model is a table: `Meta.db_table` when given, else Django's `<app>_<model>` when the block
names its app (a `# blog/models.py` comment), else the model's name in lower case, a loose name
merged with the spec's own (`post` and `posts`). Fields map to the types Django creates on
Postgres; a model without a primary key gets Django's `id bigint` (BigAutoField). ForeignKey and
OneToOneField columns are `<name>_id`; ManyToManyField makes a join table, not a column.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from tools.spec.builder import SpecBuilder
from tools.spec.model import Entity, Reference, SpecColumn, SpecIndex

FIELD_TYPES = {
    "AutoField": "integer",
    "BigAutoField": "bigint",
    "SmallAutoField": "smallint",
    "CharField": "character varying",
    "SlugField": "character varying(50)",
    "EmailField": "character varying(254)",
    "URLField": "character varying(200)",
    "FileField": "character varying(100)",
    "ImageField": "character varying(100)",
    "FilePathField": "character varying(100)",
    "TextField": "text",
    "IntegerField": "integer",
    "PositiveIntegerField": "integer",
    "BigIntegerField": "bigint",
    "PositiveBigIntegerField": "bigint",
    "SmallIntegerField": "smallint",
    "PositiveSmallIntegerField": "smallint",
    "BooleanField": "boolean",
    "NullBooleanField": "boolean",
    "DateTimeField": "timestamp with time zone",  # USE_TZ is on by default
    "DateField": "date",
    "TimeField": "time without time zone",
    "DurationField": "interval",
    "DecimalField": "numeric",
    "FloatField": "double precision",
    "UUIDField": "uuid",
    "JSONField": "jsonb",
    "BinaryField": "bytea",
    "GenericIPAddressField": "inet",
    "IPAddressField": "inet",
}
RELATIONS = {"ForeignKey", "OneToOneField"}
ON_DELETE = {
    "CASCADE": "CASCADE",
    "SET_NULL": "SET NULL",
    "SET_DEFAULT": "SET DEFAULT",
    "PROTECT": "RESTRICT",
    "RESTRICT": "RESTRICT",
    "DO_NOTHING": "NO ACTION",
}
_APP = re.compile(r"^\s*#\s*(?:\S*/)?(?P<app>[a-z_]\w*)/models(?:/\w+)?\.py\b", re.M)


def is_django(code: str) -> bool:
    """The block defines Django models."""
    return bool(re.search(r"^\s*class\s+\w+\([^)]*\bmodels\.Model\b", code, re.M))


def _name(node: ast.AST | None) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _const(node: ast.AST | None) -> Any:
    return node.value if isinstance(node, ast.Constant) else None


def read_django(code: str, first_line: int, builder: SpecBuilder, future: bool) -> None:
    """Read the Django models of one python block into tables."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return  # the SQLModel reader of the same block already warned
    app = _APP.search(code)
    models = [
        n
        for n in tree.body
        if isinstance(n, ast.ClassDef) and any(_name(b) == "Model" for b in n.bases)
    ]
    tables = {m.name: _table_name(m, app.group("app") if app else None) for m in models}
    keys = {m.name: _key_type(m) for m in models}
    builder.dialects.add("django")
    for model in models:
        name, explicit = tables[model.name]
        line = first_line + model.lineno - 1
        entity = builder.entity(
            name, line, "python", future=future, defines=True, explicit=explicit
        )
        columns = [
            c
            for stmt in model.body
            if (c := _column(stmt, first_line, model.name, (tables, keys), builder)) is not None
        ]
        if not any(c.primary_key for c in columns):
            columns.insert(0, _implicit_id(line))
        for column in columns:
            builder.add_column(entity, column, "python")
        _meta(model, entity, first_line, builder, future)


def _table_name(model: ast.ClassDef, app: str | None) -> tuple[str, bool]:
    """(table, written exactly?) of a model: db_table, else `<app>_<model>`, else `<model>`."""
    for stmt in model.body:
        if isinstance(stmt, ast.ClassDef) and stmt.name == "Meta":
            for item in stmt.body:
                if isinstance(item, ast.Assign) and any(
                    _name(t) == "db_table" for t in item.targets
                ):
                    table = _const(item.value)
                    if isinstance(table, str):
                        return table, True
    if app:
        return f"{app}_{model.name.lower()}", True
    return model.name.lower(), False


def _key_type(model: ast.ClassDef) -> str:
    """The type of the model's primary key (Django's bigint when none is declared)."""
    for stmt in model.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            kwargs = {k.arg: k.value for k in stmt.value.keywords if k.arg}
            kind = _name(stmt.value.func)
            if _const(kwargs.get("primary_key")) or kind.endswith("AutoField"):
                return _sized(FIELD_TYPES.get(kind, "bigint"), kwargs)
    return "bigint"


def _implicit_id(line: int) -> SpecColumn:
    return SpecColumn(
        name="id",
        type="BigAutoField",
        pg_type="bigint",
        primary_key=True,
        nullable=False,
        auto_increment=True,
        line=line,
        stated=["type", "primary_key", "nullable"],
    )


def _column(
    stmt: ast.stmt,
    first_line: int,
    model: str,
    block: tuple[dict[str, tuple[str, bool]], dict[str, str]],
    builder: SpecBuilder,
) -> SpecColumn | None:
    """One `name = models.XField(...)` line as a column (None for anything else).

    `block` holds the table and primary-key type of each model of the block.
    """
    tables, keys = block
    if not (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call)):
        return None
    target = stmt.targets[0]
    kind = _name(stmt.value.func)
    if not isinstance(target, ast.Name) or (not kind.endswith("Field") and kind not in RELATIONS):
        return None
    call, line = stmt.value, first_line + stmt.lineno - 1
    kwargs = {k.arg: k.value for k in call.keywords if k.arg}
    name = _const(kwargs.get("db_column")) or target.id
    column = SpecColumn(name=name, type=kind, line=line, stated=["type", "nullable"])
    if kind in RELATIONS:
        to = call.args[0] if call.args else kwargs.get("to")
        to_model = _const(to) if isinstance(to, ast.Constant) else _name(to)
        to_model = model if to_model == "self" else str(to_model).split(".")[-1]
        table = tables.get(to_model, (to_model.lower(), False))[0]
        if to_model == "AUTH_USER_MODEL":
            table = "auth_user"  # settings.AUTH_USER_MODEL: Django's own user table, external
            builder.managed.setdefault(table, ("Django", line))
        column.name = _const(kwargs.get("db_column")) or f"{target.id}_id"
        column.pg_type = keys.get(to_model, "bigint")
        action = ON_DELETE.get(_name(kwargs.get("on_delete")))
        column.references = Reference(table=table, column=None, on_delete=action)
        column.unique = kind == "OneToOneField"
        column.stated.append("references")
    elif kind in FIELD_TYPES:
        column.pg_type = _sized(FIELD_TYPES[kind], kwargs)
        column.auto_increment = kind.endswith("AutoField")
    elif kind == "ManyToManyField":
        return None  # a join table Django makes, not a column of this one
    else:
        builder.warn(line, f"django field {kind!r} of {model}.{target.id} not known; read as text")
        column.pg_type = "text"
    column.primary_key = bool(_const(kwargs.get("primary_key"))) or kind.endswith("AutoField")
    column.nullable = bool(_const(kwargs.get("null"))) and not column.primary_key
    column.unique = column.unique or bool(_const(kwargs.get("unique")))
    column.indexed = bool(_const(kwargs.get("db_index"))) or kind == "SlugField"
    if column.primary_key:
        column.stated.append("primary_key")
    default = kwargs.get("default")
    value = _const(default)
    if isinstance(value, bool):
        column.default = "true" if value else "false"
    elif isinstance(value, int | float):
        column.default = str(value)
    elif isinstance(value, str):
        column.default = "'" + value.replace("'", "''") + "'"
    if _const(kwargs.get("auto_now_add")) or _const(kwargs.get("auto_now")):
        column.app_default = "now"
    help_text = _const(kwargs.get("help_text")) or _const(kwargs.get("verbose_name"))
    column.description = help_text if isinstance(help_text, str) else ""
    return column


def _sized(pg_type: str, kwargs: dict[str, ast.expr]) -> str:
    """character varying(max_length), numeric(max_digits, decimal_places)."""
    if pg_type == "character varying" and isinstance(_const(kwargs.get("max_length")), int):
        return f"character varying({_const(kwargs['max_length'])})"
    digits, places = _const(kwargs.get("max_digits")), _const(kwargs.get("decimal_places"))
    if pg_type == "numeric" and isinstance(digits, int):
        return f"numeric({digits},{places if isinstance(places, int) else 0})"
    return pg_type


def _meta(
    model: ast.ClassDef, entity: Entity, first_line: int, builder: SpecBuilder, future: bool
) -> None:
    """`class Meta`: unique_together, indexes and UniqueConstraint of the model."""
    meta = next((s for s in model.body if isinstance(s, ast.ClassDef) and s.name == "Meta"), None)
    for item in meta.body if meta else []:
        if not isinstance(item, ast.Assign):
            continue
        line, key = first_line + item.lineno - 1, _name(item.targets[0])
        value = item.value
        groups = value.elts if isinstance(value, ast.List | ast.Tuple) else []
        if key == "unique_together":
            sets = groups if groups and isinstance(groups[0], ast.List | ast.Tuple) else [value]
            for fields in sets:
                builder.key(entity, "unique", _strings(fields, entity), line)
        for call in groups if key in ("indexes", "constraints") else []:
            named = next(
                (k.value for k in getattr(call, "keywords", []) if k.arg == "fields"), None
            )
            columns = _strings(named, entity)
            if not columns:
                continue
            if _name(getattr(call, "func", None)) == "UniqueConstraint":
                builder.key(entity, "unique", columns, line)
            else:
                builder.indexes.append(
                    SpecIndex(future=future, table=entity.name, columns=columns, line=line)
                )


def _strings(node: ast.AST | None, entity: Entity) -> list[str]:
    """Field names as column names: a ForeignKey `author` is the column `author_id`."""
    elts = node.elts if isinstance(node, ast.List | ast.Tuple) else []
    names = [e.value for e in elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return [n if entity.column(n) or not entity.column(f"{n}_id") else f"{n}_id" for n in names]
