"""Postgres naming and spelling, one copy each: quoting, default names, FK actions, type aliases.

`quote_ident` is the server's `quote_ident()` (keyword categories from pglast, which ships
Postgres's own list); `default_name` is `ChooseRelationName()`/`makeObjectName()` of
`src/backend/commands/indexcmds.c`, which truncates each part, not the joined string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

NAMEDATALEN = 64  # identifiers hold NAMEDATALEN - 1 bytes
MAX_IDENTIFIER = NAMEDATALEN - 1
# Every keyword but the unreserved ones needs quotes as a name (ruleutils.c quote_identifier).
QUOTED_KEYWORDS = frozenset(RESERVED_KEYWORDS) | TYPE_FUNC_NAME_KEYWORDS | COL_NAME_KEYWORDS
SAFE_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")

# pg_constraint.confdeltype / confupdtype letters, and the words a spec may spell them with.
FK_ACTIONS = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}
FK_ACTION_WORDS = {word.replace(" ", "").lower(): word for word in FK_ACTIONS.values()}

# Short or internal type names → the name format_type() prints.
TYPE_ALIASES = {
    "int": "integer",
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "serial": "integer",
    "serial4": "integer",
    "bigserial": "bigint",
    "serial8": "bigint",
    "smallserial": "smallint",
    "serial2": "smallint",
    "bool": "boolean",
    "float8": "double precision",
    "float": "double precision",
    "float4": "real",
    "decimal": "numeric",
    "timestamptz": "timestamp with time zone",
    "timestamp": "timestamp without time zone",
    "timetz": "time with time zone",
    "time": "time without time zone",
    "varchar": "character varying",
    "char": "character",
    "bpchar": "character",
    "varbit": "bit varying",
}

# The labels ChooseIndexName / ChooseConstraintName append.
LABELS = {"primary": "pkey", "unique": "key", "index": "idx", "foreign": "fkey", "check": "check"}


def quote_ident(name: str) -> str:
    """`name` as the server's quote_ident() prints it: bare only when lower case and no keyword."""
    if SAFE_IDENTIFIER.fullmatch(name) and name not in QUOTED_KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, name: str) -> str:
    """schema.name, each part quoted as needed."""
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def quote_list(names: Iterable[str]) -> str:
    """Quoted names separated by ', ', as ruleutils.c lists columns."""
    return ", ".join(quote_ident(n) for n in names)


def _clip(text: str, limit: int) -> str:
    """The longest prefix of `text` within `limit` UTF-8 bytes, never splitting a character."""
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[:limit].decode(errors="ignore")


def column_addition(columns: Iterable[str]) -> str:
    """ChooseIndexNameAddition(): the column names joined by '_', stopped once past 63 bytes."""
    joined = ""
    for column in columns:
        if joined:
            joined += "_"
        joined += _clip(column, MAX_IDENTIFIER)
        if len(joined.encode()) >= NAMEDATALEN:
            break
    return joined  # makeObjectName() does the final shortening


def object_name(name1: str, name2: str | None, label: str) -> str:
    """makeObjectName(): name1_name2_label within 63 bytes, the longer part shortened first."""
    name1_len = len(name1.encode())
    name2_len = len(name2.encode()) if name2 else 0
    available = MAX_IDENTIFIER - (len(label) + 1 if label else 0) - (1 if name2 else 0)
    while name1_len + name2_len > available:
        if name1_len > name2_len:
            name1_len -= 1
        else:
            name2_len -= 1
    # Clip by bytes, then drop a partial character as pg_mbcliplen does.
    parts = [_clip(name1, name1_len)]
    if name2:
        parts.append(_clip(name2, name2_len))
    if label:
        parts.append(label)
    return "_".join(parts)


def default_name(table: str, columns: Iterable[str], kind: str, taken: Iterable[str] = ()) -> str:
    """The name Postgres gives an unnamed index or constraint of `kind` (see LABELS).

    `taken` holds the names already used in the schema: Postgres then appends 1, 2, ... to the
    label (`tasks_org_id_key1`), as ChooseRelationName() does.
    """
    label = LABELS[kind]
    addition = None if kind == "primary" else column_addition(columns) or None
    used = set(taken)
    name = object_name(table, addition, label)
    number = 0
    while name in used:
        number += 1
        name = object_name(table, addition, f"{label}{number}")
    return name


def sequence_name(table: str, column: str) -> str:
    """The sequence a serial or identity column gets (table_column_seq)."""
    return object_name(table, column, "seq")


def normalize_type(pg_type: str) -> str:
    """A type name in format_type()'s spelling: `int4` → `integer`, `varchar(20)` kept sized."""
    text = " ".join(pg_type.strip().lower().split())
    base, sep, rest = text.partition("(")
    # Postgres keeps no array dimensions in the type: int[3][] prints as integer[].
    base, dims = re.subn(r"\s*\[\d*\]", "", base.strip())
    rest, more = re.subn(r"\s*\[\d*\]", "", rest)
    array = "[]" if dims or more else ""
    name = TYPE_ALIASES.get(base, base)
    if sep:
        args = rest.split(")", 1)
        size = "(" + args[0].replace(" ", "") + ")"
        tail = args[1].strip() if len(args) > 1 else ""
        if name.startswith(("timestamp ", "time ")):
            head, _, zone = name.partition(" ")
            return f"{head}{size} {zone}{array}".strip()
        name = f"{name}{size}" + (f" {tail}" if tail else "")
    return name + array


def action_word(text: str | None) -> str | None:
    """'cascade', 'set null', 'SetNull', 'c' → the ON DELETE words Postgres prints, else None."""
    if not text:
        return None
    if text in FK_ACTIONS:
        return FK_ACTIONS[text]
    return FK_ACTION_WORDS.get(re.sub(r"[\s_]+", "", text).lower())
