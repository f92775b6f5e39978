"""DBML blocks of a spec (dbdiagram.io's `Table users { id uuid [pk] }`), parsed by pydbml.

Tables, columns (type, pk, not null, unique, default, increment, note), indexes (composite,
unique, named, `type: gin`, composite primary keys), refs inline and apart (`>` many-to-one, `<`,
`-`, with `delete:`), enums and table notes. Types are SQL as written and read like a SQL
block's. pydbml keeps no line numbers: each table's and column's line is found by one pass over
the block. A block over `MAX_DBML_CHARS` is not parsed (pydbml takes ~15 ms a KB), and warned.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from functools import cache
from typing import Any

from tools.naming import action_word
from tools.spec.builder import SpecBuilder
from tools.spec.model import Reference, SpecColumn, SpecConstraint, SpecEnum, SpecIndex
from tools.spec.typenames import normalize_type

MAX_DBML_CHARS = 50_000
# `Table "public"."users" as U [headercolor: #fff] {`, `Enum task_status {`
_OPENS = re.compile(r'^\s*(?:Table|Enum)\s+(?:"?\w+"?\.)?"?(?P<name>\w+)"?[^{]*\{', re.I)
_COLUMN = re.compile(r'^\s*"?(?P<name>\w+)"?\s+\S')
_SNIFF = re.compile(r"^\s*Table\s+[\w\".]+(?:\s+as\s+\w+)?\s*(?:\[[^\]]*\])?\s*\{\s*$", re.I | re.M)


def is_dbml(code: str) -> bool:
    """An unlabelled block that opens a DBML table."""
    return bool(_SNIFF.search(code))


def read_dbml(code: str, first_line: int, builder: SpecBuilder, future: bool) -> None:
    """Read one DBML block's tables, refs and enums into the builder."""
    if len(code) > MAX_DBML_CHARS:
        builder.warn(
            first_line,
            f"dbml block of {len(code):,} characters not read: at most {MAX_DBML_CHARS:,} are; "
            "split it into several blocks",
        )
        return
    parse, refused = _parser()
    try:
        parsed = parse(code)
    except refused as error:
        if hasattr(error, "lineno") and hasattr(error, "msg"):  # pyparsing's: it has the line
            builder.warn(first_line + error.lineno - 1, f"dbml block not read: {error.msg}")
        else:  # pydbml's own: a ref to a table it lacks, a duplicate…
            builder.warn(first_line, f"dbml block not read: {error}")
        return
    builder.dialects.add("dbml")
    lines = _lines(code, first_line)
    for enum in parsed.enums:
        builder.enums[enum.name] = SpecEnum(
            name=enum.name,
            values=[item.name for item in enum.items],
            line=lines.get((enum.name, ""), first_line),
        )
    for table in parsed.tables:
        _table(table, lines, first_line, builder, future)
    for ref in parsed.refs:
        _ref(ref, lines, builder, future)


@cache
def _parser() -> tuple[Callable[[str], Any], tuple[type[Exception], ...]]:
    """pydbml's parser and the errors it raises, imported on first use (start-up stays fast).

    pydbml calls pyparsing by its camelCase names, deprecated since pyparsing 3.3: nothing a
    user can act on, so those warnings never reach their logs.
    """
    from pydbml import PyDBML, exceptions
    from pyparsing import ParseBaseException
    from pyparsing.warnings import PyparsingWarning

    warnings.filterwarnings("ignore", category=PyparsingWarning)
    own: list[type[Exception]] = [
        v for v in vars(exceptions).values() if isinstance(v, type) and issubclass(v, Exception)
    ]
    odd = (ValueError, KeyError, AttributeError, TypeError, RecursionError)  # odd input's
    return PyDBML, (ParseBaseException, *own, *odd)


def _lines(code: str, first_line: int) -> dict[tuple[str, str], int]:
    """(table, "") and (table, column) -> the spec line that opens or defines it; (table, "#n")
    -> the line of its n-th index."""
    found: dict[tuple[str, str], int] = {}
    current = ""
    depth = indexes = 0
    for offset, text in enumerate(code.splitlines()):
        opened = _OPENS.match(text)
        if opened and depth == 0:
            current, indexes = opened.group("name"), 0
            found.setdefault((current, ""), first_line + offset)
        elif depth == 1 and current:
            column = _COLUMN.match(text)
            if column:
                found.setdefault((current, column.group("name")), first_line + offset)
        elif depth == 2 and current and text.strip() and text.strip() != "}":
            found[(current, f"#{indexes}")] = first_line + offset
            indexes += 1
        depth = max(0, depth + text.count("{") - text.count("}"))
    return found


def _table(
    table: Any, lines: dict[tuple[str, str], int], first: int, builder: SpecBuilder, future: bool
) -> None:
    line = lines.get((table.name, ""), first)
    note = table.note.text if table.note and table.note.text else ""
    entity = builder.entity(
        table.name, line, "dbml", future=future, description=note.split("\n")[0], defines=True
    )
    for column in table.columns:
        builder.add_column(
            entity, _column(column, lines.get((table.name, column.name), line)), "dbml"
        )
    for number, index in enumerate(table.indexes):
        columns = [s.name if hasattr(s, "name") else f"({s.text})" for s in index.subjects]
        index_line = lines.get((table.name, f"#{number}"), line)
        if index.pk:
            builder.key(entity, "primary key", columns, index_line)
            continue
        builder.indexes.append(
            SpecIndex(
                table=table.name,
                columns=columns,
                name=index.name or None,
                unique=bool(index.unique),
                method=(index.type or "btree").lower(),
                purpose=index.note.text if index.note and index.note.text else "",
                future=future,
                line=index_line,
            )
        )


def _column(column: Any, line: int) -> SpecColumn:
    """One DBML column: its type read as SQL, its settings as constraints."""
    enum = getattr(column.type, "name", None) if not isinstance(column.type, str) else None
    words = enum or str(column.type)
    info = normalize_type(words)
    spec = SpecColumn(
        name=column.name,
        type=words,
        pg_type=enum or info.pg_type or words,
        type_guessed=info.guessed,
        nullable=not (column.not_null or column.pk),
        primary_key=bool(column.pk),
        unique=bool(column.unique),
        auto_increment=bool(column.autoinc) or info.auto_increment,
        enum_name=enum,
        description=column.note.text if column.note and column.note.text else "",
        line=line,
        stated=["type", "nullable"] + (["primary_key"] if column.pk else []),
    )
    spec.default = _default(column.default)
    return spec


def _default(value: Any) -> str | None:
    """A DBML default as SQL: `now()` as written, 'text' quoted, numbers and booleans bare."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    text = getattr(value, "text", None)
    return str(text) if text is not None else None


def _ref(ref: Any, lines: dict[tuple[str, str], int], builder: SpecBuilder, future: bool) -> None:
    """`Ref: tasks.user_id > users.id [delete: cascade]` onto the referencing columns."""
    if ref.type == "<>":
        return  # many-to-many: DBML's own join table, no column of either side
    many, one = (ref.col1, ref.col2) if ref.type in (">", "-") else (ref.col2, ref.col1)
    child, parent = many[0].table.name, one[0].table.name
    action = action_word(ref.on_delete) if ref.on_delete else None
    line = lines.get((child, many[0].name), lines.get((child, ""), 0))
    table = builder.tables.get((child, future))
    if len(many) > 1:
        builder.constraints.append(
            SpecConstraint(
                table=child,
                kind="foreign key",
                columns=[c.name for c in many],
                references=Reference(table=parent, on_delete=action),
                ref_columns=[c.name for c in one],
                line=line,
            )
        )
        return
    column = table.entity.column(many[0].name) if table else None
    if column is None:
        return
    kept = column.references.on_delete if column.references else None
    column.references = Reference(table=parent, column=one[0].name, on_delete=action or kept)
    column.stated = sorted(set(column.stated) | {"references"})
