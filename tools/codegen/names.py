"""Python names for database names: singular PascalCase classes, safe field attributes.

Field names stay as in the database unless Python or SQLModel forbids them: keywords, names
that are not identifiers, SQLModel's own attributes (`metadata`, `model_config`, …) and the
names the module itself uses in annotations (`datetime`, `uuid`, `Column`, …), because in a
class body a field named `datetime` would shadow the type for every later annotation.
Postgres's own default constraint names are `tools.naming.default_name`.
"""

from __future__ import annotations

import builtins
import keyword
import re

from sqlmodel import SQLModel

from tools.codegen.format import is_identifier

# Names the generated module binds or uses in annotations: a field must not shadow them.
MODULE_NAMES = frozenset(
    {
        "enum", "uuid", "datetime", "date", "time", "timedelta", "Decimal", "Any", "Optional",
        "NaiveDatetime", "SQLModel", "Field", "Relationship", "Column", "Enum", "text", "func",
        "Index", "Identity", "Computed", "ForeignKey", "ForeignKeyConstraint", "CheckConstraint",
        "UniqueConstraint", "PrimaryKeyConstraint", "PgType", "UserDefinedType", "ARRAY",
        "JSONB", "JSON", "Text", "String", "CHAR", "Numeric", "BigInteger", "SmallInteger",
        "Integer", "Boolean", "Uuid", "Date", "Interval", "LargeBinary", "Float", "REAL",
        "INET", "CIDR", "MACADDR", "TSVECTOR", "MONEY", "OID", "TIMESTAMP", "TIME", "Time",
        "DateTime", "int", "str", "bool", "float", "bytes", "list", "dict", "type",
    }
)  # fmt: skip

_IRREGULAR = {"people": "person", "children": "child", "men": "man", "women": "woman",
              "data": "data", "media": "media", "series": "series", "news": "news",
              "statuses": "status", "addresses": "address", "analyses": "analysis"}  # fmt: skip


def singular(word: str) -> str:
    """A plain-English singular of a table name's last word (tasks → task, categories →
    category); words that do not look plural are left alone."""
    lower = word.lower()
    if lower in _IRREGULAR:
        return word[: len(word) - len(lower)] + _IRREGULAR[lower]
    if lower.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if re.search(r"(ss|x|ch|sh|zz)es\Z", lower):
        return word[:-2]
    if lower.endswith("s") and not re.search(r"(ss|us|is|os)\Z", lower) and len(word) > 3:
        return word[:-1]
    return word


def class_name(table: str) -> str:
    """PascalCase singular: task_tags → TaskTag, user → User, "Order Items" → OrderItem."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", table) if w]
    if not words:
        return "Table"
    words[-1] = singular(words[-1])
    name = "".join(w[:1].upper() + w[1:] for w in words)
    return _not_keyword(f"T{name}" if name[0].isdigit() else name)


def pascal(name: str) -> str:
    """PascalCase without singularizing (enum type names)."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name) if w]
    joined = "".join(w[:1].upper() + w[1:] for w in words) or "Type"
    return _not_keyword(f"T{joined}" if joined[0].isdigit() else joined)


def _not_keyword(name: str) -> str:
    """`None`, `True` and `False` are PascalCase too: they get a trailing underscore."""
    return f"{name}_" if keyword.iskeyword(name) else name


def identifier(text: str, prefix: str) -> str:
    """An ASCII snake_case identifier for any text: `prefix` before a leading digit."""
    name = snake(text)
    return f"{prefix}{name}" if name[0].isdigit() else name


def unique_name(wanted: str, taken: set[str], suffix: str) -> str:
    """`wanted`, else `wanted + suffix`, else numbered; the result is added to `taken`."""
    name, number = wanted, 2
    if name in taken:
        name = wanted + suffix
    while name in taken:
        name, number = f"{wanted}{suffix}{number}", number + 1
    taken.add(name)
    return name


# Declarative reserves these on mapped classes without SQLModel having them as attributes.
DECLARATIVE_NAMES = frozenset({"registry"})


def _forbidden(name: str, reserved: set[str]) -> bool:
    return (
        not is_identifier(name)
        or name.startswith("_")
        or hasattr(SQLModel, name)
        or name in DECLARATIVE_NAMES
        or name in MODULE_NAMES
        or name in reserved
        or (hasattr(builtins, name) and name[:1].isupper())
    )


def field_name(column: str, taken: set[str], reserved: set[str]) -> str:
    """The attribute for a column: its own name when allowed, else a snake_case variant + `_`."""
    if not _forbidden(column, reserved) and column not in taken:
        taken.add(column)
        return column
    base = snake(column) if not keyword.iskeyword(column) else column
    if base[0].isdigit():
        base = f"c_{base}"
    name = base if not _forbidden(base, reserved) else base + "_"
    while name in taken or _forbidden(name, reserved):
        name += "_"
    taken.add(name)
    return name


def relation_name(wanted: str, taken: set[str], reserved: set[str]) -> str:
    """A relationship attribute that collides with no column, attribute or module name."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", wanted).strip("_") or "related"
    name = f"r_{name}" if name[0].isdigit() else name
    if _forbidden(name, reserved):
        name += "_"
    return unique_name(name, taken, "_rel")


def plural(word: str) -> str:
    """The table name as a plural attribute: tasks stays, task → tasks, category → categories."""
    if singular(word) != word:
        return word
    if re.search(r"[^aeiou]y\Z", word):
        return word[:-1] + "ies"
    if re.search(r"(s|x|ch|sh|z)\Z", word):
        return word + "es"
    return word + "s"


def snake(name: str) -> str:
    """A lower snake_case ASCII word (`OrderItems` → `order_items`); other characters become `_`."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return re.sub(r"[^A-Za-z0-9_]+", "_", spaced).strip("_").lower() or "related"


def sqlalchemy_index_name(schema: str, table: str, column: str) -> str:
    """The name SQLAlchemy gives `Field(index=True)`: ix_[schema_]table_column."""
    prefix = f"{schema}_" if schema != "public" else ""
    return f"ix_{prefix}{table}_{column}"
