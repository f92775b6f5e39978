"""Laravel migrations of a spec (`Schema::create('users', function (Blueprint $table) {…})`).

Each `$table->…;` statement is a chain of calls: the first names the column and its type, the
others are modifiers (`nullable()`, `unique()`, `default(…)`, `constrained()`…). Types are those
Laravel's Postgres grammar creates; `id()`, `timestamps()`, `softDeletes()` and `rememberToken()`
expand to their columns. Read with regular expressions, never executed.
"""

from __future__ import annotations

import re

from tools.spec.builder import SpecBuilder
from tools.spec.model import Entity, Reference, SpecColumn, SpecIndex
from tools.spec.readers.text import split_top

TYPES = {
    "string": "character varying",
    "char": "character",
    "text": "text",
    "mediumText": "text",
    "longText": "text",
    "tinyText": "text",
    "integer": "integer",
    "unsignedInteger": "integer",
    "bigInteger": "bigint",
    "unsignedBigInteger": "bigint",
    "smallInteger": "smallint",
    "unsignedSmallInteger": "smallint",
    "tinyInteger": "smallint",
    "unsignedTinyInteger": "smallint",
    "mediumInteger": "integer",
    "boolean": "boolean",
    "date": "date",
    "dateTime": "timestamp without time zone",
    "dateTimeTz": "timestamp with time zone",
    "timestamp": "timestamp without time zone",
    "timestampTz": "timestamp with time zone",
    "time": "time without time zone",
    "year": "integer",
    "decimal": "numeric",
    "float": "double precision",
    "double": "double precision",
    "json": "json",
    "jsonb": "jsonb",
    "uuid": "uuid",
    "ulid": "character(26)",
    "binary": "bytea",
    "ipAddress": "inet",
    "macAddress": "macaddr",
    "enum": "character varying",
    "foreignId": "bigint",
    "foreignUuid": "uuid",
    "increments": "integer",
    "bigIncrements": "bigint",
}
# Calls that make several columns, or one with a fixed name.
EXPANSIONS = {
    "id": [("id", "bigint", "pk")],
    "timestamps": [
        ("created_at", "timestamp without time zone", ""),
        ("updated_at", "timestamp without time zone", ""),
    ],
    "timestampsTz": [
        ("created_at", "timestamp with time zone", ""),
        ("updated_at", "timestamp with time zone", ""),
    ],
    "softDeletes": [("deleted_at", "timestamp without time zone", "")],
    "softDeletesTz": [("deleted_at", "timestamp with time zone", "")],
    "rememberToken": [("remember_token", "character varying(100)", "")],
}
ON_DELETE = {
    "cascadeOnDelete": "CASCADE",
    "nullOnDelete": "SET NULL",
    "restrictOnDelete": "RESTRICT",
}
_CREATE = re.compile(r"Schema::(?:create|table)\(\s*['\"](?P<table>\w+)['\"]")
_STATEMENT = re.compile(r"\$table->(?P<chain>[^;]+);", re.S)
_CALL = re.compile(r"(?P<name>\w+)\s*\((?P<args>(?:[^()]|\([^()]*\))*)\)")


def is_laravel(code: str) -> bool:
    """The block holds Laravel schema-builder migrations."""
    return "Schema::create" in code or "Schema::table" in code


def _value(arg: str) -> str:
    return arg.strip().strip("'\"")


def read_laravel(code: str, first_line: int, builder: SpecBuilder, future: bool) -> None:
    """Read each `Schema::create` of one PHP block into a table."""
    builder.dialects.add("laravel")
    starts = list(_CREATE.finditer(code))
    for at, create in enumerate(starts):
        end = starts[at + 1].start() if at + 1 < len(starts) else len(code)
        line = first_line + code.count("\n", 0, create.start())
        entity = builder.entity(create.group("table"), line, "laravel", future=future, defines=True)
        for statement in _STATEMENT.finditer(code, create.end(), end):
            at_line = first_line + code.count("\n", 0, statement.start())
            calls = [
                (m.group("name"), split_top(m.group("args")))
                for m in _CALL.finditer(statement.group("chain"))
            ]
            if calls:
                _statement(calls, at_line, entity, builder, future)


def _statement(
    calls: list[tuple[str, list[str]]],
    line: int,
    entity: Entity,
    builder: SpecBuilder,
    future: bool,
) -> None:
    """One `$table->…;` chain: columns, a foreign key, or a key or index over columns."""
    kind, args = calls[0]
    if kind in ("unique", "index", "primary") and args:
        columns = [_value(c) for c in re.findall(r"['\"]\w+['\"]", args[0])]
        if kind == "index":
            builder.indexes.append(
                SpecIndex(future=future, table=entity.name, columns=columns, line=line)
            )
        else:
            builder.key(entity, "primary key" if kind == "primary" else "unique", columns, line)
        return
    if kind == "foreign" and args:
        column = entity.column(_value(args[0]))
        chain = dict(calls[1:])
        if column is not None and "on" in chain:
            column.references = Reference(
                table=_value(chain["on"][0]),
                column=_value(chain["references"][0]) if chain.get("references") else None,
                on_delete=_action(calls[1:]),
            )
        builder.ledger.mark(line)
        return
    if kind in EXPANSIONS:
        for name, pg_type, flag in EXPANSIONS[kind]:
            column = SpecColumn(name=name, type=kind, pg_type=pg_type, line=line, stated=["type"])
            if flag == "pk":
                column.primary_key, column.nullable, column.auto_increment = True, False, True
            builder.add_column(entity, column, "laravel")
        return
    if kind not in TYPES or not args:
        builder.warn(line, f"laravel column {kind!r} of {entity.name} not read")
        return
    column = SpecColumn(name=_value(args[0]), type=kind, pg_type=_typed(kind, args), line=line)
    column.stated = ["type", "nullable"]
    column.nullable = False  # Laravel columns are NOT NULL unless ->nullable()
    if kind.endswith("ncrements"):
        column.primary_key = column.auto_increment = True
    if kind == "enum" and len(args) > 1:
        column.enum_values = [_value(v) for v in re.findall(r"['\"][^'\"]*['\"]", args[1])]
    for modifier, margs in calls[1:]:
        _modify(column, modifier, margs)
    builder.add_column(entity, column, "laravel")


def _typed(kind: str, args: list[str]) -> str:
    pg_type = TYPES[kind]
    sizes = [a.strip() for a in args[1:] if a.strip().isdigit()]
    if kind == "string":
        return f"character varying({sizes[0] if sizes else 255})"
    if kind == "char":
        return f"character({sizes[0] if sizes else 255})"
    if kind == "decimal":
        return f"numeric({sizes[0] if sizes else 8},{sizes[1] if len(sizes) > 1 else 2})"
    return pg_type


def _modify(column: SpecColumn, modifier: str, args: list[str]) -> None:
    """One modifier of a column's chain."""
    if modifier == "nullable":
        column.nullable = not args or _value(args[0]).lower() != "false"
    elif modifier == "unique":
        column.unique = True
    elif modifier == "index":
        column.indexed = True
    elif modifier == "primary":
        column.primary_key, column.nullable = True, False
    elif modifier == "default" and args:
        raw = args[0].strip()
        quoted = raw[:1] in "'\""
        column.default = "'" + _value(raw).replace("'", "''") + "'" if quoted else raw.lower()
    elif modifier == "constrained":
        table = _value(args[0]) if args else re.sub(r"_id$", "", column.name) + "s"
        column.references = column.references or Reference(table=table, column="id")
        column.stated.append("references")
    elif modifier in ON_DELETE and column.references:
        column.references.on_delete = ON_DELETE[modifier]
    elif modifier == "onDelete" and args and column.references:
        column.references.on_delete = _value(args[0]).upper()
    elif modifier == "useCurrent":
        column.default = "now()"


def _action(calls: list[tuple[str, list[str]]]) -> str | None:
    for name, args in calls:
        if name in ON_DELETE:
            return ON_DELETE[name]
        if name == "onDelete" and args:
            return _value(args[0]).upper()
    return None
