"""Type words of every dialect people write in specs, normalised to Postgres's format_type spelling.

One function does the mapping for every source (bullets, Markdown tables, SQL, SQLModel, Prisma),
so `int4`, `Int`, `integer` and `INTEGER` all come out as `integer`. Dialect-only words (MySQL
`DATETIME`, SQLite `AUTOINCREMENT`, Prisma `String?`, TypeScript unions) say which dialect they
came from. Nothing here parses SQL statements: that is pglast's job in `spec_sql.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

# name -> (format_type spelling, dialect or "", guessed). Keys are lower case, without spaces.
_SIMPLE: dict[str, tuple[str, str, bool]] = {
    "int": ("integer", "", False),
    "integer": ("integer", "", False),
    "int4": ("integer", "postgresql", False),
    "positiveinteger": ("integer", "", True),
    "mediumint": ("integer", "mysql", False),
    "smallint": ("smallint", "", False),
    "int2": ("smallint", "postgresql", False),
    "tinyint": ("smallint", "mysql", False),
    "bigint": ("bigint", "", False),
    "int8": ("bigint", "postgresql", False),
    "long": ("bigint", "", True),
    "number": ("numeric", "typescript", True),
    "text": ("text", "", False),
    "string": ("text", "", True),
    "str": ("text", "python", True),
    "longtext": ("text", "mysql", False),
    "mediumtext": ("text", "mysql", False),
    "tinytext": ("text", "mysql", False),
    "citext": ("citext", "postgresql", False),
    "cuid": ("text", "prisma", True),
    "cuid2": ("text", "prisma", True),
    "nanoid": ("text", "", True),
    "ulid": ("text", "", True),
    "email": ("text", "", True),
    "url": ("text", "", True),
    "uuid": ("uuid", "", False),
    "guid": ("uuid", "", True),
    "bool": ("boolean", "", False),
    "boolean": ("boolean", "", False),
    "date": ("date", "", False),
    "time": ("time without time zone", "", False),
    "timetz": ("time with time zone", "postgresql", False),
    "interval": ("interval", "postgresql", False),
    "timestamptz": ("timestamp with time zone", "postgresql", False),
    "timestamp": ("timestamp with time zone", "", True),
    "timestamps": ("timestamp with time zone", "", True),
    "datetime": ("timestamp with time zone", "", True),
    "date-time": ("timestamp with time zone", "", True),
    "instant": ("timestamp with time zone", "", True),
    "float": ("double precision", "", True),
    "float8": ("double precision", "postgresql", False),
    "double": ("double precision", "", False),
    "doubleprecision": ("double precision", "", False),
    "real": ("real", "", False),
    "float4": ("real", "postgresql", False),
    "decimal": ("numeric", "", False),
    "numeric": ("numeric", "", False),
    "money": ("money", "postgresql", False),
    "json": ("jsonb", "", True),
    "jsonb": ("jsonb", "postgresql", False),
    "dict": ("jsonb", "python", True),
    "object": ("jsonb", "", True),
    "bytea": ("bytea", "postgresql", False),
    "bytes": ("bytea", "", True),
    "blob": ("bytea", "sqlite", False),
    "binary": ("bytea", "", True),
    "inet": ("inet", "postgresql", False),
    "cidr": ("cidr", "postgresql", False),
    "tsvector": ("tsvector", "postgresql", False),
    "xml": ("xml", "", False),
    "point": ("point", "postgresql", False),
    "vector": ("vector", "postgresql", False),
    "serial": ("integer", "postgresql", False),
    "serial4": ("integer", "postgresql", False),
    "bigserial": ("bigint", "postgresql", False),
    "serial8": ("bigint", "postgresql", False),
    "smallserial": ("smallint", "postgresql", False),
}
_AUTO = {"serial", "serial4", "bigserial", "serial8", "smallserial"}
_VARCHAR = {"varchar", "charactervarying", "nvarchar", "string", "str"}
_CHAR = {"char", "character", "bpchar", "nchar"}
_MYSQL_WORDS = {"tinyint", "mediumint", "longtext", "mediumtext", "tinytext"}
_TIMESTAMP_WORDS = {"timestamp", "timestamps", "datetime"}

_UNION = re.compile(r"""^\s*(["'])[^"']*\1(\s*\|\s*(["'])[^"']*\3)+\s*$""")
_QUOTED = re.compile(r"""(["'])(.*?)\1""")
_WORDS = re.compile(
    r"""^\s*(?P<name>[A-Za-z][\w.-]*(?:\s+(?:varying|precision))?)
        (?P<tz>\s+(?:with(?:out)?\s+(?:time\s*zone|tz)|w/o?\s*tz))?
        \s*(?:\((?P<mods>[^()]*)\))?
        (?P<array>(?:\s*\[\s*\])+)?
        (?P<optional>\?)?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)
_GENERIC = re.compile(
    r"^\s*(?:optional\[(?P<opt>.+)\]|(?:list|array|set)[\[<](?P<arr>.+)[\]>])\s*$", re.IGNORECASE
)


@dataclass
class TypeInfo:
    """A type as written, read as Postgres."""

    pg_type: str | None
    dialects: set[str] = field(default_factory=set)
    guessed: bool = False
    auto_increment: bool = False
    optional: bool = False
    enum_values: list[str] = field(default_factory=list)
    note: str | None = None


def pg_type_of(name: str, mods: list[str] | None = None, array: bool = False) -> TypeInfo:
    """Map one type name with its modifiers (e.g. varchar, ["255"]) to format_type spelling."""
    key = re.sub(r"[\s_]+", "", name.lower()).removeprefix("pg_catalog.")
    mods = [m.strip() for m in mods or [] if m.strip()]
    info = TypeInfo(pg_type=None)
    if key in _MYSQL_WORDS:
        info.dialects.add("mysql")
    if key == "tinyint" and mods == ["1"]:
        info.pg_type = "boolean"
    elif key in _VARCHAR:
        info.pg_type = f"character varying({mods[0]})" if mods else "character varying"
        if key in ("string", "str") and not mods:
            info.pg_type, info.guessed = "text", True
        if key == "nvarchar":
            info.dialects.add("mssql")
    elif key in _CHAR:
        info.pg_type = f"character({mods[0] if mods else 1})"
    elif key in ("decimal", "numeric") and mods:
        info.pg_type = f"numeric({','.join(mods)})"
    elif key in ("timestamp", "timestamptz", "time", "timetz") and mods and mods[0].isdigit():
        base = pg_type_of(name).pg_type or ""
        word = base.split(" ", 1)
        info.pg_type = f"{word[0]}({mods[0]}) {word[1]}" if len(word) > 1 else base
    elif key == "vector" and mods:
        info.pg_type = f"vector({mods[0]})"
    elif key in _SIMPLE:
        info.pg_type, dialect, info.guessed = _SIMPLE[key]
        if dialect and dialect not in ("postgresql", "typescript", "python"):
            info.dialects.add(dialect)
        info.auto_increment = key in _AUTO
    if info.pg_type and array:
        info.pg_type += "[]"
    return info


def normalize_type(words: str) -> TypeInfo:
    """Read type words as people write them (`VARCHAR(255)`, `String?`, `text[]`, `"a" | "b"`)."""
    info = _normalize_cached(words)
    return replace(info, dialects=set(info.dialects), enum_values=list(info.enum_values))


@lru_cache(maxsize=4096)
def _normalize_cached(words: str) -> TypeInfo:
    text = words.strip().strip("`*").strip()
    if not text:
        return TypeInfo(pg_type=None)
    if _UNION.match(text):
        values = [m.group(2) for m in _QUOTED.finditer(text)]
        return TypeInfo(pg_type="text", dialects={"typescript"}, enum_values=values, guessed=True)
    enum = re.match(
        r"^\s*(?:string\s+)?enum\s*(?:\((?P<values>.*)\))?\s*(?P<opt>\?)?\s*$", text, re.I
    )
    if enum:
        values = _enum_values(enum.group("values") or "")
        info = TypeInfo(pg_type="text", enum_values=values, guessed=True)
        info.optional = bool(enum.group("opt"))
        if "'" in (enum.group("values") or "") and re.match(r"^\s*ENUM", text):
            info.dialects.add("mysql")
        if not values:
            info.note = "enum without values: read as text"
        return info
    generic = _GENERIC.match(text)
    if generic:
        if generic.group("opt"):
            inner = normalize_type(generic.group("opt"))
            inner.optional = True
            return inner
        inner = normalize_type(generic.group("arr"))
        if inner.pg_type:
            inner.pg_type += "[]"
        return inner
    match = _WORDS.match(text)
    if not match:
        return TypeInfo(pg_type=None)
    name = match.group("name")
    key = re.sub(r"\s+", "", name.lower())
    if match.group("tz"):
        said = match.group("tz").lower()
        tz = "without" if "without" in said or "w/o" in said else "with"
        base = "timestamp" if key in _TIMESTAMP_WORDS | {"timestamptz"} else key
        if base in ("timestamp", "time"):
            return TypeInfo(
                pg_type=f"{base} {tz} time zone", optional=bool(match.group("optional"))
            )
    mods = [m for m in (match.group("mods") or "").split(",")]
    info = pg_type_of(name, mods, array=bool(match.group("array")))
    info.optional = bool(match.group("optional"))
    if info.optional:
        info.dialects.add("prisma")
    if key == "datetime" and name.isupper():
        info.dialects.add("mysql")
    return info


def _enum_values(text: str) -> list[str]:
    quoted = [m.group(2) for m in _QUOTED.finditer(text)]
    if quoted:
        return quoted
    return [v.strip() for v in re.split(r"[,|/]", text) if re.fullmatch(r"\s*[\w-]+\s*", v)]


def type_family(pg_type: str | None) -> str:
    """A coarse family for comparing types: integer/bigint -> int, varchar/text -> text, ..."""
    if not pg_type:
        return ""
    base = re.sub(r"\(.*?\)", "", pg_type).strip()
    if base.endswith("[]"):
        return "array"
    for family, words in (
        ("int", ("integer", "bigint", "smallint")),
        ("text", ("text", "character varying", "character", "citext")),
        ("timestamp", ("timestamp with time zone", "timestamp without time zone")),
        ("number", ("numeric", "double precision", "real", "money")),
        ("json", ("json", "jsonb")),
    ):
        if base in words:
            return family
    return base
