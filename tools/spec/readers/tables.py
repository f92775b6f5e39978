"""Pipe tables of a spec: cut out of their block, split into cells, headers matched to meanings.

`split_tables` finds GitHub pipe tables in a block's text (markdown-it's own table rule makes three
tokens a cell, half the parse time of a spec made of tables); `map_headers` says which cell holds
the column name, type, constraints… by header words in several languages, or by the cells' shape;
`TableReader` reads a table's rows as columns of the current table, or as a list of indexes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tools.spec.model import SpecIndex
from tools.spec.readers import vocabulary as vocab
from tools.spec.readers.columns import parse_column_row
from tools.spec.readers.index_names import UNIQUE_WORD, index_method
from tools.spec.readers.sections import ASIDES, OBJECTS, SectionReader
from tools.spec.readers.text import split_top, strip_inline
from tools.spec.typenames import normalize_type

_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")


def _group_label(cells: list[str]) -> bool:
    """`| **Multi-source support:** | | |`: a label over the rows below it, not a column."""
    first = cells[0].strip() if cells else ""
    labelled = first.endswith(":") or (first.startswith(("**", "*", "_")) and first[-1:] in "*_")
    return bool(first) and labelled and not any(c.strip() for c in cells[1:])


def cells(row: str) -> list[str]:
    """The cells of a pipe-table row (escaped pipes and pipes inside `code` kept)."""
    text = row.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    if "`" not in text and "\\" not in text:
        return [cell.strip() for cell in text.split("|")]
    out: list[str] = []
    current: list[str] = []
    code = False
    for i, char in enumerate(text):
        if char == "`":
            code = not code
        if char == "|" and not code and (i == 0 or text[i - 1] != "\\"):
            out.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    out.append("".join(current).strip())
    return out


def split_tables(content: str, line: int) -> list[tuple[str, Any, int]]:
    """A block's text as ("text", text, line) and ("table", (headers, rows), line) parts.

    A table is a row with pipes followed by a delimiter row (`|---|---|`), up to the first line
    without a pipe, as GitHub reads them.
    """
    if "|" not in content or "-" not in content:
        return [("text", content, line)]
    lines = content.split("\n")
    parts: list[tuple[str, Any, int]] = []  # the middle: a str, or (headers, rows)
    start, index = 0, 0
    while index < len(lines) - 1:
        if (
            "|" in lines[index]
            and _DELIMITER.match(lines[index + 1])
            and "|" in (lines[index] + lines[index + 1])
        ):
            if index > start:
                parts.append(("text", "\n".join(lines[start:index]), line + start))
            headers = cells(lines[index])
            end = index + 2
            rows = []
            while end < len(lines) and "|" in lines[end]:
                rows.append((line + end, cells(lines[end])))
                end += 1
            parts.append(("table", (headers, rows), line + index))
            start = index = end
            continue
        index += 1
    if start < len(lines):
        parts.append(("text", "\n".join(lines[start:]), line + start))
    return parts


HEADER_KEYS: list[tuple[str, re.Pattern[str]]] = [
    ("name", re.compile(rf"^({vocab.HEADER_NAME})$")),
    ("type", re.compile(rf"^({vocab.HEADER_TYPE})$")),
    ("constraints", re.compile(rf"^({vocab.HEADER_CONSTRAINTS})$")),
    ("description", re.compile(rf"^({vocab.HEADER_DESCRIPTION})$")),
    ("notes", re.compile(rf"^({vocab.HEADER_NOTES})$")),
    ("example", re.compile(rf"^({vocab.HEADER_EXAMPLE})$")),
    ("required", re.compile(rf"^({vocab.HEADER_REQUIRED})$")),
    ("nullable", re.compile(rf"^({vocab.HEADER_NULLABLE})$")),
    ("default", re.compile(rf"^({vocab.HEADER_DEFAULT})$")),
    ("references", re.compile(rf"^({vocab.HEADER_REFERENCES})$")),
    ("parents", re.compile(rf"^({vocab.HEADER_PARENTS})$")),
    ("primary key", re.compile(rf"^({vocab.HEADER_PRIMARY})$")),
    ("unique", re.compile(rf"^({vocab.HEADER_UNIQUE})$")),
    ("indexed", re.compile(rf"^({vocab.HEADER_INDEXED})$")),
    ("auto increment", re.compile(rf"^({vocab.HEADER_AUTO})$")),
]
_INDEX_COLUMNS = re.compile(vocab.INDEX_COLUMNS)
_INDEX_NAME = re.compile(vocab.INDEX_NAME)
_INDEX_TABLE = re.compile(vocab.INDEX_TABLE)


def map_headers(headers: list[str], rows: list[tuple[int, list[str]]]) -> dict[str, int] | None:
    """Which cell holds the name, type, constraints… (None when the table is not about columns).

    Headers are matched loosely in several languages; when they say nothing known, the shape of
    the cells decides: identifiers in one column and type words in the next.
    """
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        for key, pattern in HEADER_KEYS:
            if key not in mapping and pattern.match(header.strip()):
                mapping[key] = index
                break
    if "name" in mapping and "type" in mapping:
        return mapping
    if not rows or len(headers) < 2:
        return None
    # Structure, not words: identifiers in one column, type words in a later one. Each column is
    # judged once (judging every pair again was cubic: a 48 KB header row took minutes, #13).
    idents = [_count(rows, at, _is_ident) >= 0.8 * len(rows) for at in range(len(headers))]
    typed_after: list[int | None] = [None] * len(headers)  # the first type column after each
    for at in range(len(headers) - 2, -1, -1):
        typed = _count(rows, at + 1, _is_type) >= 0.6 * len(rows)
        typed_after[at] = at + 1 if typed else typed_after[at + 1]
    for name_at in range(len(headers) - 1):
        type_at = typed_after[name_at]
        if not idents[name_at] or type_at is None:
            continue
        found = {"name": name_at, "type": type_at}
        for index in range(len(headers)):
            if index not in found.values():
                found.setdefault(
                    "constraints" if "constraints" not in found else "description", index
                )
        return found
    return None


def _count(rows: list[tuple[int, list[str]]], at: int, test: Callable[[str], bool]) -> int:
    """How many rows have a cell at `at` that passes `test`."""
    return sum(test(strip_inline(r[1][at])) for r in rows if at < len(r[1]))


def _is_ident(text: str) -> bool:
    return bool(re.match(r"^[A-Za-z_]\w*$", text))


def _is_type(text: str) -> bool:
    info = normalize_type(text)
    return info.pg_type is not None and not info.guessed


class TableReader(SectionReader):
    """Pipe tables under a table heading (columns) or an indexes heading (indexes)."""

    def table(self, headers: list[str], rows: list[tuple[int, list[str]]], line: int) -> None:
        """A pipe table: columns of the current table, an index table, or a warning."""
        headers = [strip_inline(h).lower() for h in headers]
        mapping = map_headers(headers, rows)
        section = self.section
        ledger = self.builder.ledger
        if section.obj is not None or section.sub in ASIDES:
            ledger.mark(line, line + 1)  # the columns of a view, a function's result, an example
            for row_line, cells in rows:
                if section.obj is not None:
                    self.object_item(strip_inline(cells[0]) if cells else "", row_line)
                elif section.sub in OBJECTS:
                    self.listed_object(" - ".join(cells), row_line)  # a table of its triggers
                ledger.mark(row_line)
            return
        if section.kind == "enums" and not section.sub_entity and self.enum_table(rows):
            ledger.mark(line, line + 1)
            return
        about_indexes = section.kind == "indexes" or section.sub == "indexes"
        if about_indexes and self.index_table(headers, rows):  # `Table | Columns | Type`
            ledger.mark(line, line + 1)
            return
        if mapping is not None and section.candidate and self.promote():
            pass  # "## Security" > "### api_keys" with a column table: the table is api_keys
        current = self.current_entity()
        for row_line, _ in rows:
            if current is not None:
                ledger.block(row_line, row_line, current[0])
        if mapping is None:
            if any("index" in h for h in headers) and self.index_table(headers, rows):
                ledger.mark(line, line + 1)
                return
            if (
                section.kind in ("entity",)
                and current
                and section.sub not in ("constraints", "rules", "other")
            ):
                self.builder.warn(line, f"table with columns {', '.join(headers)!r} not read")
            elif current:
                for row_line, cells in rows:  # a table of notes, rules or examples
                    self.note(" | ".join(strip_inline(c) for c in cells), row_line)
            return
        entity = self.entity_here("table")
        if entity is None:
            self.builder.warn(line, "column table outside any table section: not read")
            return
        ledger.mark(line, line + 1)
        for row_line, cells in rows:
            if _group_label(cells):
                ledger.mark(row_line)
                continue
            values = {key: cells[i] for key, i in mapping.items() if i < len(cells)}
            heard: list[tuple[int, str]] = []
            columns = parse_column_row(values, row_line, lambda *said, to=heard: to.append(said))
            if not columns:
                if " ".join(cells).strip():
                    self.builder.warn(row_line, "table row not read as a column")
                else:
                    ledger.mark(row_line)
                continue
            self.warn_about(entity, heard)
            for column in columns:
                if column.user_type:
                    self.builder.type_names.append((entity.name, column.name))
                self.builder.add_column(entity, column, "table")

    def enum_table(self, rows: list[tuple[int, list[str]]]) -> bool:
        """Under an Enums heading, `| task_status | todo, done |` rows; under a type's own
        heading, one label per row. False when no row is one."""
        read, named = False, self.enum_heading() is not None
        for row_line, cells in rows:
            if not cells:
                continue
            text = cells[0] if named or len(cells) < 2 else f"{cells[0]}: {cells[1]}"
            read = self.enum_item(text, row_line) or read
        return read

    def index_table(self, headers: list[str], rows: list[tuple[int, list[str]]]) -> bool:
        """A table listing indexes (a columns cell, maybe name and table); False when not one."""
        cols_at = next((i for i, h in enumerate(headers) if _INDEX_COLUMNS.search(h)), None)
        name_at = next((i for i, h in enumerate(headers) if _INDEX_NAME.search(h)), None)
        table_at = next((i for i, h in enumerate(headers) if _INDEX_TABLE.search(h)), None)
        if cols_at is None:
            return False
        current = self.current_entity()
        for row_line, cells in rows:
            columns = [
                c.strip()
                for c in split_top(strip_inline(cells[cols_at]) if cols_at < len(cells) else "")
                if c.strip()
            ]
            name = (
                strip_inline(cells[name_at])
                if name_at is not None and name_at < len(cells)
                else None
            )
            table = (
                strip_inline(cells[table_at])
                if table_at is not None and table_at < len(cells)
                else ""
            )
            others = " ".join(c for i, c in enumerate(cells) if i not in (cols_at, name_at))
            self.builder.indexes.append(
                SpecIndex(
                    future=self.section.future,
                    table=table or (current[0] if current else ""),
                    columns=columns,
                    name=name,
                    unique=bool(UNIQUE_WORD.search(others)),
                    method=index_method(others),
                    purpose=strip_inline(cells[-1]) if cells else "",
                    line=row_line,
                )
            )
        return True
