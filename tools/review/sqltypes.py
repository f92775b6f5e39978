"""Python annotations and SQLAlchemy type expressions, read statically, as Postgres types.

What SQLModel 0.0.50 creates (`sqlmodel.main.get_sqlalchemy_type`): `str` is `character varying`
(sized by `max_length`), `datetime` is `timestamp with time zone` and `NaiveDatetime` the plain
`timestamp`, an `Enum` subclass a Postgres enum named after the class in lower case. Types are
spelt as `format_type()` prints them, so the three sides of a review compare as text. A type
that cannot be told without running the code gives None, and the reader reports it as unread.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from tools.naming import normalize_type

# Annotation names (last dotted part) → the type SQLModel gives the column.
PY_TYPES = {
    "str": "character varying",
    "EmailStr": "character varying",
    "Path": "character varying",
    "IPv4Address": "character varying",
    "IPv6Address": "character varying",
    "IPv4Network": "character varying",
    "IPv6Network": "character varying",
    "int": "integer",
    "float": "double precision",
    "bool": "boolean",
    "datetime": "timestamp with time zone",
    "AwareDatetime": "timestamp with time zone",
    "NaiveDatetime": "timestamp without time zone",
    "date": "date",
    "time": "time without time zone",
    "timedelta": "interval",
    "bytes": "bytea",
    "Decimal": "numeric",
    "UUID": "uuid",
}

# SQLAlchemy type names (sqlalchemy, sqlalchemy.types, the postgresql dialect, sqlmodel).
SA_TYPES = {
    "AutoString": "character varying",
    "String": "character varying",
    "VARCHAR": "character varying",
    "Unicode": "character varying",
    "Text": "text",
    "TEXT": "text",
    "UnicodeText": "text",
    "CHAR": "character",
    "Integer": "integer",
    "INTEGER": "integer",
    "INT": "integer",
    "BigInteger": "bigint",
    "BIGINT": "bigint",
    "SmallInteger": "smallint",
    "SMALLINT": "smallint",
    "Boolean": "boolean",
    "BOOLEAN": "boolean",
    "Float": "double precision",
    "Double": "double precision",
    "DOUBLE_PRECISION": "double precision",
    "REAL": "real",
    "Numeric": "numeric",
    "NUMERIC": "numeric",
    "DECIMAL": "numeric",
    "Date": "date",
    "DATE": "date",
    "Time": "time without time zone",
    "TIME": "time without time zone",
    "DateTime": "timestamp without time zone",
    "TIMESTAMP": "timestamp without time zone",
    "UTCDateTime": "timestamp with time zone",
    "Interval": "interval",
    "INTERVAL": "interval",
    "LargeBinary": "bytea",
    "BYTEA": "bytea",
    "Uuid": "uuid",
    "UUID": "uuid",
    "JSON": "json",
    "JSONB": "jsonb",
    "INET": "inet",
    "CIDR": "cidr",
    "MACADDR": "macaddr",
    "TSVECTOR": "tsvector",
    "MONEY": "money",
    "OID": "oid",
    "CITEXT": "citext",
}
SIZED = {"character varying", "character", "numeric"}
ZONED = {"timestamp without time zone", "time without time zone"}
TIMESTAMPS = {"timestamp with time zone", "timestamp without time zone"}


@dataclass(frozen=True)
class TypeReading:
    """A column type read from code: the Postgres spelling, or why it cannot be told."""

    pg_type: str | None
    enum: str | None = None  # Postgres enum name, for enum columns
    enum_class: str | None = None  # the Python enum class, when the code names one
    problem: str | None = None  # why pg_type is None


def dotted(node: ast.AST | None) -> str:
    """`sqlalchemy.dialects.postgresql.JSONB` → that text; '' for anything but names."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr}" if head else ""
    return ""


def last_name(node: ast.AST | None) -> str:
    """The last part of a dotted name (`uuid.UUID` → `UUID`), or a string constant's text."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.rsplit(".", 1)[-1]
    return dotted(node).rsplit(".", 1)[-1]


def literal(node: ast.AST | None, constants: dict[str, object] | None = None) -> object:
    """The value of a literal (or of a module constant it names); `Ellipsis` when not literal."""
    if node is None:
        return ...
    if isinstance(node, ast.Name) and constants and node.id in constants:
        return constants[node.id]
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return ...


def python_type(name: str, enums: dict[str, str], max_length: object, digits: object) -> str | None:
    """The column type of an annotation's (inner) name; None when SQLModel has no mapping."""
    if name in enums:
        return enums[name]
    pg_type = PY_TYPES.get(name)
    if pg_type == "character varying" and isinstance(max_length, int):
        return f"character varying({max_length})"
    if pg_type == "numeric" and isinstance(digits, tuple) and isinstance(digits[0], int):
        return f"numeric({digits[0]},{digits[1] if isinstance(digits[1], int) else 0})"
    return pg_type


def sa_type(
    node: ast.AST | None,
    enums: dict[str, str],
    custom: set[str],
    constants: dict[str, object],
) -> TypeReading:
    """The Postgres type of a SQLAlchemy type expression (`JSONB`, `String(50)`, `ARRAY(Text)`).

    `enums` maps Python enum classes to their Postgres names; `custom` holds the module's own
    `UserDefinedType` classes that take the Postgres name as their one argument (`PgType`).
    """
    call = node if isinstance(node, ast.Call) else None
    target = call.func if call is not None else node
    name = last_name(target)
    args = call.args if call is not None else []
    keywords = {k.arg: k.value for k in call.keywords if k.arg} if call is not None else {}
    values = [literal(a, constants) for a in args]
    if name in custom and values and isinstance(values[0], str):
        return TypeReading(normalize_type(values[0]))
    if name == "ARRAY" and args:
        inner = sa_type(args[0], enums, custom, constants)
        return TypeReading(inner.pg_type + "[]" if inner.pg_type else None, problem=inner.problem)
    if name == "Enum":
        return _sa_enum(args, keywords, enums, constants)
    base = SA_TYPES.get(name)
    if base is None:
        shown = ast.unparse(node) if node is not None else "?"
        return TypeReading(None, problem=f"SQLAlchemy type {shown} is not known statically")
    if name in ("DateTime", "TIMESTAMP", "Time", "TIME"):
        zone = literal(keywords.get("timezone"), constants)
        if zone is ... and values:
            zone = values[0]
        if zone is True:
            base = base.replace("without", "with")
        precision = literal(keywords.get("precision"), constants)
        if isinstance(precision, int) and not isinstance(precision, bool):
            head, _, tail = base.partition(" ")
            return TypeReading(f"{head}({precision}) {tail}")
    sizes = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    if "length" in keywords and isinstance(literal(keywords["length"], constants), int):
        sizes = [literal(keywords["length"], constants)]  # type: ignore[list-item]
    if "precision" in keywords and base == "numeric":
        sizes = [
            v
            for v in (
                literal(keywords["precision"], constants),
                literal(keywords.get("scale"), constants),
            )
            if isinstance(v, int)
        ]
    if base in SIZED and sizes:
        return TypeReading(normalize_type(f"{base}({','.join(str(s) for s in sizes)})"))
    return TypeReading(base)


def _sa_enum(
    args: list[ast.expr],
    keywords: dict[str, ast.expr],
    enums: dict[str, str],
    constants: dict[str, object],
) -> TypeReading:
    """`Enum(Status)` (named status), `Enum("a", "b", name="x")`, `native_enum=False` (text)."""
    if literal(keywords.get("native_enum"), constants) is False:
        return TypeReading("character varying")
    name = literal(keywords.get("name"), constants)
    enum_class = last_name(args[0]) if args and not isinstance(args[0], ast.Constant) else None
    if not isinstance(name, str):
        name = enums.get(enum_class or "") if enum_class else None
    if not isinstance(name, str):
        return TypeReading(None, problem="enum type without a name= the reader can see")
    return TypeReading(name, enum=name, enum_class=enum_class)


def same_type(left: str, right: str) -> bool:
    """Whether two format_type() spellings are one type."""
    return normalize_type(left) == normalize_type(right)


def family(pg_type: str) -> str:
    """A coarse family (text, integer, timestamp…), to tell a near miss from a real difference."""
    text = normalize_type(pg_type)
    if text.endswith("[]"):
        return "array"
    for stem, name in (
        ("character", "text"),
        ("text", "text"),
        ("citext", "text"),
        ("smallint", "integer"),
        ("integer", "integer"),
        ("bigint", "integer"),
        ("numeric", "number"),
        ("double", "number"),
        ("real", "number"),
        ("timestamp", "timestamp"),
        ("json", "json"),
    ):
        if text.startswith(stem):
            return name
    return text
