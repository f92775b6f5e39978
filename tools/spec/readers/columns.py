"""Column definitions written in words: bullets and Markdown-table rows, in many shapes.

`parse_column_bullet("user_id: string (foreign key -> users.id, on delete cascade)")` gives a
column; `parse_column_row({...})` does the same for a table row whose cells were matched to
name/type/constraints/description. Constraint words are read phrase by phrase (`phrases`);
phrases that are not understood stay on the column as notes (never silently dropped), and those
of a Constraints or Notes cell, or Prisma attributes not understood, are reported through `warn`.
Descriptions are read too, as guesses: what they add is reported, never put over what the
definition states.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container

from tools.spec.model import SpecColumn
from tools.spec.readers import vocabulary as vocab
from tools.spec.readers.phrases import (
    attribute_groups,
    guess_constraints,
    probe,
    scan_constraints,
    set_not_null,
    set_nullable,
)
from tools.spec.readers.prisma import FIELD_ATTR, apply_field_attributes, field_attributes
from tools.spec.readers.text import closing, split_description, split_top, strip_inline
from tools.spec.readers.type_prefix import type_prefix
from tools.spec.typenames import TypeInfo, normalize_type

NAME = r"[A-Za-z_][\w$]*"
_NAMES = re.compile(
    rf"""^\s*(?P<names>{NAME}(?:\s*(?:,|/|&|{vocab.AND})\s*{NAME})*)
        \s*(?P<sep>:|\(|\s[-\u2013\u2014]\s|\s+(?=\S))(?P<rest>.*)$""",
    re.VERBOSE | re.DOTALL,
)
_ONE_OF = re.compile(r"(?i)\bone\s+of\s*:?\s*((?:['\"`][^'\"`]+['\"`]\s*(?:,|\bor\b|/)?\s*)+)")
MAX_NESTING = 8  # levels of `( … )` in a column's attributes; people write two
_MYSQL_KEYS = {"pri": "primary key", "uni": "unique", "mul": "indexed"}
_FLAGS = ("primary key", "unique", "indexed", "auto increment")  # header keys of yes/no columns
# A yes or a no in a cell: `Yes`, `required`, `✓` (no \b: a mark is no word character).
YES_ANSWER = re.compile(rf"(?i)^({vocab.YES})(?!\w)")
NO_ANSWER = re.compile(rf"(?i)^({vocab.NO})(?!\w)")


def apply_type(column: SpecColumn, words: str) -> bool:
    """Set the column's type from type words; False when the words are not a type."""
    info = normalize_type(words)
    if info.pg_type is None:
        return False
    _take_type(column, words, info)
    return True


def _take_type(column: SpecColumn, words: str, info: TypeInfo) -> None:
    column.type = words.strip()
    column.pg_type = info.pg_type or "text"
    column.type_guessed = info.guessed
    column.stated.append("type")
    if info.optional:
        column.nullable = True
        column.stated.append("nullable")
    if info.auto_increment:
        column.auto_increment = True
    if info.enum_values:
        column.enum_values = info.enum_values
    if info.note:
        column.notes.append(info.note)
    if info.dialects:
        column.dialects.update(info.dialects)


def _type_prefix(column: SpecColumn, phrase: str) -> str | None:
    """Take the longest leading run of words that reads as a type; return the rest, or None."""
    words = phrase.split()
    found = type_prefix(words)
    if found is None:
        return None
    size, info = found
    _take_type(column, " ".join(words[:size]), info)
    return " ".join(words[size:])


# A type word, a space, then its size or precision: `VARCHAR (50)`, `DECIMAL (10, 2)`.
_SPACED_SIZE = re.compile(r"^(\s*[A-Za-z]\w*(?:\s+varying)?)\s+\((\s*\d+\s*(?:,\s*\d+\s*)?)\)")


def read_attributes(
    column: SpecColumn, text: str, *, typed: bool = False, depth: int = 0
) -> list[str]:
    """Read `TYPE (constraints), more constraints` into the column; return unread phrases.

    Prisma attributes (`@id @default(autoincrement())`) are read wherever they appear; those not
    understood come back as `@name` phrases. Groups nested deeper than MAX_NESTING come back
    unread, whole: each level reads its text again (issue #13).
    """
    if depth > MAX_NESTING:
        return [text.strip()] if text.strip() else []
    if "@" in text and FIELD_ATTR.search(text):
        unread = read_attributes(column, FIELD_ATTR.sub(" ", text), typed=typed, depth=depth)
        column.dialects.add("prisma")
        attrs = field_attributes(text)
        return unread + ["@" + n for n in apply_field_attributes(column, attrs, column.dialects)]
    unread = []
    for phrase in split_top(text):
        if re.match(r"(?i)check\b", phrase):
            scan_constraints(column, phrase)  # its parentheses belong to the expression
            continue
        if not typed and "type" not in column.stated:
            phrase = _SPACED_SIZE.sub(r"\1(\2)", phrase)  # VARCHAR (50) is VARCHAR(50)
        head, groups = attribute_groups(phrase)
        phrases: list[str | list[str]] = [head] if head else []  # a list: a group's items
        for group in groups:
            phrases.append(split_top(group))
        for part in phrases:
            if isinstance(part, list):
                literals = [p for p in part if re.fullmatch(r"""(['"]).*\1""", p)]
                if literals and "type" in column.stated:
                    column.enum_values = [p[1:-1] for p in literals]
                inner = ", ".join(p for p in part if p not in literals)
                unread += read_attributes(column, inner, depth=depth + 1)
                continue
            if not typed and "type" not in column.stated:
                if apply_type(column, part):
                    continue
                rest = _type_prefix(column, part)
                if rest is not None:
                    left = scan_constraints(column, rest)
                    if left:
                        unread.append(left)
                    continue
            left = scan_constraints(column, part)
            if left:
                unread.append(left)
    return unread


def read_description(column: SpecColumn, text: str) -> list[str]:
    """Take a description and the constraint words it states; return those it added (guessed)."""
    column.description = text.strip()
    if "enum" in column.type.lower() and not column.enum_values:
        listed = re.search(
            r"\(([A-Za-z_]\w*(?:\s*(?:,|\bor\b|\bo\b|\bo\b)\s*(?:or\s+)?[A-Za-z_]\w*)+)\)", text
        )
        if listed:
            words = re.split(r"\s*(?:,\s*(?:or\s+|and\s+)?|\s+or\s+|\s+and\s+)\s*", listed.group(1))
            column.enum_values = [w for w in words if w]
    return guess_constraints(column, text)


def _for_names(column: SpecColumn, names: list[str]) -> list[SpecColumn]:
    """One column per name of `created_at, updated_at: timestamp`."""
    if len(names) == 1:
        return [column]
    return [column.model_copy(update={"name": name}, deep=True) for name in names]


Warn = Callable[[int, str], None]


def _ignore(_line: int, _message: str) -> None:
    return None


_PIPES = re.compile(r"\s+\|\s+")
_BRACKETED = re.compile(r"(?<=\S)\s+\[([^\[\]]+)\]")


def _separated(rest: str) -> str:
    """`UUID | PK | NOT NULL` and `UUID [PK]` as the commas and brackets the readers know (a
    union of quoted labels keeps its pipes)."""
    if " | " in rest and not re.search(r"[\'\"]\s+\|", rest):
        rest = _PIPES.sub(", ", rest)
    return _BRACKETED.sub(r" (\1)", rest) if "[" in rest else rest


def parse_column_bullet(
    text: str, line: int, known: Container[str] = frozenset(), warn: Warn = _ignore
) -> list[SpecColumn] | None:
    """Columns from one bullet's text, or None when the bullet is not a column definition.

    A bullet naming a column already known (e.g. from a SQL block) needs no type: it adds
    description and constraint words. `warn(line, message)` hears of Prisma attributes not read
    and of constraints guessed from the description.
    """
    plain = strip_inline(text)
    match = _NAMES.match(plain)
    if not match:
        return None
    names = re.findall(NAME, match.group("names"))
    if len(names) > 1:
        names = [n for n in names if n not in vocab.AND_WORDS]
    sep, rest = match.group("sep"), _separated(match.group("rest"))
    column = SpecColumn(name=names[0], line=line)
    if sep == "(":
        end = closing(rest, 0)
        inner, after = rest[:end], rest[end + 1 :]
        unread = read_attributes(column, inner)
        description = after.strip().lstrip(":-\u2013\u2014 ").strip()
    elif sep.strip() in ("-", "\u2013", "\u2014"):
        # `title — VARCHAR(100), required` or `id - the identifier`: attributes when typed.
        head, description = split_description(rest)
        found = probe()
        if (
            normalize_type(split_top(head)[0] if head else "").pg_type
            or _type_prefix(found, (split_top(head) or [""])[0]) is not None
        ):
            unread = read_attributes(column, head)
        else:
            unread, description = [], rest.strip()
    else:
        head, description = split_description(rest)
        unread = read_attributes(column, head)
    one_of = _ONE_OF.search(description or "")
    if one_of and "type" not in column.stated:
        # `status - one of 'todo', 'done'`: an enum in words.
        apply_type(column, "enum(" + one_of.group(1) + ")")
    untyped = "type" not in column.stated and not column.primary_key and column.references is None
    if untyped and names[0] not in known:
        return None
    if "type" not in column.stated and unread and not description:
        description, unread = ", ".join(unread), []
    column.notes += unread
    prisma = [u for u in unread if u.startswith("@")]
    if prisma:
        warn(line, f"{column.name}: prisma attributes not read: {', '.join(prisma)}")
    if description:
        warn_guessed(warn, line, column, read_description(column, description), "description")
    return _for_names(column, names)


def warn_guessed(warn: Warn, line: int, column: SpecColumn, taken: list[str], where: str) -> None:
    if taken:
        warn(line, f"{column.name}: read {', '.join(taken)} from the {where} (guessed)")


def parse_column_row(
    cells: dict[str, str], line: int, warn: Warn = _ignore
) -> list[SpecColumn] | None:
    """Columns from a Markdown-table row whose cells are keyed name/type/constraints/…

    A Notes cell is read like a Constraints cell when the table has none, else like the
    description. `warn(line, message)` hears of constraint words not read and of constraints
    guessed from a description.
    """
    name_cell = strip_inline(cells.get("name", ""))
    match = re.match(rf"^\s*({NAME}(?:\s*,\s*{NAME})*)\s*(?:\((?P<attrs>.*)\))?\s*$", name_cell)
    if not match:
        return None
    names = [n.strip() for n in match.group(1).split(",")]
    column = SpecColumn(name=names[0], line=line)
    type_cell = strip_inline(cells.get("type", ""))
    unread: list[str] = []
    if type_cell:
        unread += read_attributes(column, type_cell)
        if "type" not in column.stated:
            named = re.fullmatch(r"[A-Za-z_]\w*\??", type_cell.strip())
            if not named:
                return None
            unread = []  # the type cell names a type defined elsewhere, not constraint words
            # A user-defined type (an enum named elsewhere): resolved when the spec is finished.
            column.type, column.pg_type, column.type_guessed = (
                type_cell.strip(),
                type_cell.strip().rstrip("?"),
                True,
            )
            column.stated.append("type")
            column.user_type = True
    if match.group("attrs"):
        unread += read_attributes(column, match.group("attrs"), typed=True)
    for key in ("constraints", "key", "references"):
        if cells.get(key):
            value = strip_inline(cells[key])
            value = _MYSQL_KEYS.get(value.strip().lower(), value)  # DESCRIBE's PRI, UNI, MUL
            if key == "references" and YES_ANSWER.match(value.strip()):
                continue  # an FK mark without its target: the description may name it
            if key == "references" and value and value not in ("-", "\u2014"):
                value = "references " + value
            unread += read_attributes(column, value, typed=True)
    for flag in _FLAGS:  # `| PK | Unique |` columns of yes marks
        if YES_ANSWER.match(strip_inline(cells.get(flag, "")).strip()):
            scan_constraints(column, flag)
    parent = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", strip_inline(cells.get("parents", "")))
    if re.fullmatch(r"[A-Za-z_][\w.]*", parent):  # tbls: `[public.users](public.users.md)`
        unread += read_attributes(column, f"foreign key to {parent.split('.')[-1]}", typed=True)
    required = strip_inline(cells.get("required", "")).lower()
    if required:
        if YES_ANSWER.match(required):
            set_not_null(column)
        elif NO_ANSWER.match(required):
            set_nullable(column)
    nullable = strip_inline(cells.get("nullable", "")).lower()
    if nullable in ("yes", "y", "true", "null", "nullable", "✓", "✅"):
        set_nullable(column)
    elif nullable in ("no", "n", "false", "not null", "✗", "✘", "❌", "\u00d7"):
        set_not_null(column)
    default = strip_inline(cells.get("default", ""))
    if default and default not in ("-", "\u2014", "none", "None", ""):
        scan_constraints(column, "default " + default)
    notes = strip_inline(cells.get("notes", ""))
    if notes in ("-", "\u2014"):
        notes = ""
    unread = [u for u in unread if u not in ("-", "\u2014", "")]
    if unread:
        warn(line, f"{column.name}: constraint words not read: {', '.join(unread)!r}")
    if notes and not any(key in cells for key in ("constraints", "key", "references")):
        left = read_attributes(column, notes, typed=True)
        if left:
            warn(line, f"{column.name}: notes not read as constraints: {', '.join(left)!r}")
        unread += left
        notes = ""
    column.notes += unread
    if cells.get("description"):
        taken = read_description(column, strip_inline(cells["description"]))
        warn_guessed(warn, line, column, taken, "description")
    if cells.get("example"):
        column.notes.append(strip_inline(cells["example"]))
    if notes:
        column.notes.append(notes)
        warn_guessed(warn, line, column, guess_constraints(column, notes), "notes")
    return _for_names(column, names)
