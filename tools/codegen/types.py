"""Postgres column types and defaults as SQLModel annotations and `Field` arguments.

Each type maps to the Python annotation and the `Field` arguments SQLModel documents
(`max_length`, `max_digits`/`decimal_places`, `sa_type=`), plus the full SQLAlchemy type for the
places where a Field argument cannot be used (array elements). A type SQLAlchemy has no class
for is written through a small `PgType` class emitted in the module, by its exact Postgres name,
so the round trip holds for extension types too (citext, vector, ltree, …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy.dialects.postgresql.base import ischema_names

from tools.catalog.models import Column, EnumType
from tools.codegen.format import Call, Expr, Imports, Str, is_identifier, py_str
from tools.naming import QUOTED_KEYWORDS

PG_TYPE_NAMES = frozenset(ischema_names)  # the type names SQLAlchemy knows for Postgres

SA = "sqlalchemy"
PG = "sqlalchemy.dialects.postgresql"
Need = tuple[str, str | None]  # (module, name): `from module import name`, or `import module`


@dataclass
class TypeChoice:
    """How one Postgres type is written: annotation, Field arguments and the SQLAlchemy type."""

    annotation: str
    field_args: list[tuple[str, Expr]] = field(default_factory=list)
    sa_type: Expr = ""
    needs: list[Need] = field(default_factory=list)  # imports of annotation and field_args
    sa_needs: list[Need] = field(default_factory=list)  # imports of sa_type alone
    custom: bool = False

    def use(self, imports: Imports, *, as_element: bool = False) -> None:
        """Record the imports this choice needs (`as_element`: inside ARRAY(...))."""
        for module, name in self.needs + (self.sa_needs if as_element else []):
            imports.add(module, name)


# pg type: (annotation, annotation import, SQLAlchemy module, SA name, needs sa_type=)
_SIMPLE: dict[str, tuple[str, Need | None, str, str, bool]] = {
    "integer": ("int", None, SA, "Integer", False),
    "bigint": ("int", None, SA, "BigInteger", True),
    "smallint": ("int", None, SA, "SmallInteger", True),
    "text": ("str", None, SA, "Text", True),
    "boolean": ("bool", None, SA, "Boolean", False),
    "uuid": ("uuid.UUID", ("uuid", None), SA, "Uuid", False),
    "date": ("date", ("datetime", "date"), SA, "Date", False),
    "interval": ("timedelta", ("datetime", "timedelta"), SA, "Interval", False),
    "bytea": ("bytes", None, SA, "LargeBinary", False),
    "double precision": ("float", None, SA, "Float", False),
    "real": ("float", None, SA, "REAL", True),
    "jsonb": ("dict[str, Any]", ("typing", "Any"), PG, "JSONB", True),
    "json": ("dict[str, Any]", ("typing", "Any"), SA, "JSON", True),
    "inet": ("str", None, PG, "INET", True),
    "cidr": ("str", None, PG, "CIDR", True),
    "macaddr": ("str", None, PG, "MACADDR", True),
    "tsvector": ("str", None, PG, "TSVECTOR", True),
    "money": ("Decimal", ("decimal", "Decimal"), PG, "MONEY", True),
    "oid": ("int", None, PG, "OID", True),
}
# Sizes become Python int literals: ASCII digits only, no leading zeros (they are syntax errors
# in Python), and short (a type modifier fits in 32 bits).
_SIZE = r"(0|[1-9][0-9]{0,9})"
_TIMESTAMP = re.compile(rf"timestamp(?:\({_SIZE}\))? (with|without) time zone\Z")
_TIME = re.compile(rf"time(?:\({_SIZE}\))? (with|without) time zone\Z")
_VARCHAR = re.compile(rf"character varying(?:\({_SIZE}\))?\Z")
_CHAR = re.compile(rf"character\({_SIZE}\)\Z")
_NUMERIC = re.compile(rf"numeric(?:\({_SIZE},{_SIZE}\))?\Z")


def scalar_type(pg_type: str) -> TypeChoice | None:
    """The choice for a non-array, non-enum type; None when SQLAlchemy has no class for it."""
    if pg_type in _SIMPLE:
        annotation, need, module, name, explicit = _SIMPLE[pg_type]
        needs: list[Need] = [need] if need else []
        if name in ("JSON", "JSONB"):
            # SQLModel sets every field, and a JSON type would store None as JSON 'null' (not
            # SQL NULL, nor the server default): none_as_null makes None mean "no value".
            sa_type = Call(name, [], [("none_as_null", "True")])
            return TypeChoice(annotation, [("sa_type", sa_type)], sa_type, [*needs, (module, name)])
        if explicit:
            return TypeChoice(annotation, [("sa_type", name)], name, [*needs, (module, name)])
        return TypeChoice(annotation, [], name, needs, [(module, name)])
    if match := _VARCHAR.match(pg_type):
        length = match.group(1)
        sa_type = Call("String", [length] if length else [])
        args: list[tuple[str, Expr]] = [("max_length", length)] if length else []
        return TypeChoice("str", args, sa_type, [], [(SA, "String")])
    if match := _CHAR.match(pg_type):
        sa_type = Call("CHAR", [match.group(1)])
        return TypeChoice("str", [("sa_type", sa_type)], sa_type, [(SA, "CHAR")])
    if match := _NUMERIC.match(pg_type):
        decimal: list[Need] = [("decimal", "Decimal")]
        if match.group(1) is None:
            return TypeChoice("Decimal", [], Call("Numeric"), decimal, [(SA, "Numeric")])
        precision, scale = match.group(1), match.group(2)
        args = [("max_digits", precision), ("decimal_places", scale)]
        sa_type = Call("Numeric", [precision, scale])
        return TypeChoice("Decimal", args, sa_type, decimal, [(SA, "Numeric")])
    if match := _TIMESTAMP.match(pg_type):
        return _timestamp(match.group(1), match.group(2) == "with")
    if match := _TIME.match(pg_type):
        precision, zone = match.group(1), match.group(2) == "with"
        needs = [("datetime", "time")]
        if precision is None and not zone:
            return TypeChoice("time", [], "Time", needs, [(SA, "Time")])
        kwargs: list[tuple[str, Expr]] = [("timezone", str(zone))]
        kwargs += [("precision", precision)] if precision else []
        sa_type = Call("TIME", [], kwargs)
        return TypeChoice("time", [("sa_type", sa_type)], sa_type, [*needs, (PG, "TIME")])
    return None


def _timestamp(precision: str | None, zone: bool) -> TypeChoice:
    # SQLModel 0.0.50 maps `datetime` to timestamptz and NaiveDatetime to timestamp: a plain
    # datetime field on a `timestamp without time zone` column would reject naive values.
    annotation = "datetime" if zone else "NaiveDatetime"
    needs: list[Need] = [("datetime", "datetime") if zone else ("pydantic", "NaiveDatetime")]
    if precision is None:
        sa_type = Call("DateTime", [], [("timezone", str(zone))])
        return TypeChoice(annotation, [], sa_type, needs, [(SA, "DateTime")])
    sa_type = Call("TIMESTAMP", [], [("timezone", str(zone)), ("precision", precision)])
    return TypeChoice(annotation, [("sa_type", sa_type)], sa_type, [*needs, (PG, "TIMESTAMP")])


def custom_type(pg_type: str) -> TypeChoice:
    """A type SQLAlchemy has no class for, written by its exact name through `PgType`."""
    sa_type = Call("PgType", [Str(pg_type)])
    return TypeChoice("Any", [("sa_type", sa_type)], sa_type, [("typing", "Any")], custom=True)


def enum_class_type(enum: EnumType, class_name: str, by_value: bool) -> TypeChoice:
    """A Postgres enum as the Python enum class, with the database type name (and schema)."""
    kwargs: list[tuple[str, Expr]] = [("name", Str(enum.name))]
    if enum.schema_name != "public" or enum.name in PG_TYPE_NAMES:
        # SQLAlchemy refuses an unqualified enum named like a built-in type (`text`, `name`).
        kwargs.append(("schema", Str(enum.schema_name)))
    elif enum.name in QUOTED_KEYWORDS:
        # SQLAlchemy leaves a keyword such as `time` bare, and Postgres then reads its own type.
        kwargs.append(("quote", "True"))
    if by_value:
        kwargs.append(("values_callable", "lambda members: [m.value for m in members]"))
    sa_type = Call("Enum", [class_name], kwargs)
    return TypeChoice(class_name, [("sa_type", sa_type)], sa_type, [(SA, "Enum")])


def enum_members(values: list[str]) -> tuple[list[tuple[str, str]], bool]:
    """(member name, label) pairs and whether SQLAlchemy must store values (not names)."""
    if all(is_identifier(v) and not v.startswith("_") and v not in _ENUM_TAKEN for v in values):
        return [(v, v) for v in values], False
    members: list[tuple[str, str]] = []
    for value in values:
        name = re.sub(r"[^A-Za-z0-9_]+", "_", value).strip("_").upper() or "EMPTY"
        name = f"V_{name}" if name[0].isdigit() else name
        while name in {m for m, _ in members}:
            name += "_"
        members.append((name, value))
    return members, True


_ENUM_TAKEN = {"name", "value", "mro"}


def array_type(element: TypeChoice) -> TypeChoice:
    """`list[T]` with `sa_type=ARRAY(element type)`."""
    sa_type = Call("ARRAY", [element.sa_type])
    needs = [*element.needs, *element.sa_needs, (PG, "ARRAY")]
    return TypeChoice(f"list[{element.annotation}]", [("sa_type", sa_type)], sa_type, needs)


def column_type(column: Column, enum_choices: dict[str, TypeChoice]) -> TypeChoice:
    """The choice for a column: enum, array or scalar; a custom `PgType` as the last resort."""
    pg_type = column.type
    if column.enum and column.enum in enum_choices:
        element = enum_choices[column.enum]
        return array_type(element) if column.is_array else element
    if column.is_array and pg_type.endswith("[]") and not column.enum:
        scalar = scalar_type(pg_type.removesuffix("[]"))
        if scalar is not None:
            return array_type(scalar)
    return scalar_type(pg_type) or custom_type(pg_type)


# --- defaults --------------------------------------------------------------------------------

# A bigint has at most 19 digits; longer ones stay server defaults (Python caps int literals).
_INTEGER = re.compile(r"'?(-?(?:0|[1-9][0-9]{0,18}))'?(?:::(?:integer|bigint|smallint))?\Z")
_STRING = re.compile(r"'((?:[^']|'')*)'(?:::(?:text|character varying))?\Z")
_ENUM_LITERAL = re.compile(r"'((?:[^']|'')*)'(?:::[\w.\"]+)?\Z")


def python_default(column: Column, choice: TypeChoice, members: dict[str, str]) -> str | None:
    """A Python literal equal to a simple server default (bool, int, string, enum member)."""
    default = column.default
    if default is None or choice.custom:
        return None
    if choice.annotation == "bool" and default in ("true", "false"):
        return "True" if default == "true" else "False"
    if choice.annotation == "int" and (match := _INTEGER.match(default)):
        return match.group(1)
    if choice.annotation == "str" and (match := _STRING.match(default)):
        return py_str(match.group(1).replace("''", "'"))
    if members and (match := _ENUM_LITERAL.match(default)):
        label = match.group(1).replace("''", "'")
        if label in members:
            return f"{choice.annotation}.{members[label]}"
    return None


_BIND = re.compile(r"(?<![:\w\\]):(?=\w)")


def sql_text(expression: str) -> Call:
    """`text("…")` with the colons SQLAlchemy would read as bind parameters escaped."""
    return Call("text", [Str(_BIND.sub(r"\\:", expression))])


def server_default(column: Column) -> Expr | None:
    """`func.now()` for now(), else `text(<default as Postgres prints it>)`."""
    if column.default is None:
        return None
    if column.default == "now()":
        return "func.now()"
    return sql_text(column.default)
