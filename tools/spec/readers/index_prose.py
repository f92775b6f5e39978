"""An index a sentence asks for: `Indexed user_id for filtering by user`, `Task queries use
composite `user_id + status` index`, `Proper indexing on user_id`.

The columns are the identifiers the sentence names (code spans, snake_case words): one, or several
joined as a composite (`+`, "composite"). Several named apart, a predicate, an expression or an
access method the sentence only describes (`partial`, `full-text`, `lower(…)`) say more than a
column list holds, so such a sentence is not read (the caller warns). An index listed apart from
any table goes, once every table is read, to the one table with all its columns.
"""

from __future__ import annotations

import re

from tools.spec.model import Entity, SpecIndex
from tools.spec.readers.index_names import COLUMN_LIST
from tools.spec.readers.sections import IDENT

MAX_SENTENCE_CHARS = 300  # a sentence about an index, not a paragraph
_INDEX_WORD = re.compile(r"(?i)\bindex(?:e[sd]|ing)?\b")
_MORE_THAN_COLUMNS = re.compile(
    r"(?i)\b(?:where|partial|is\s+(?:not\s+)?null|full[- ]text|gin|gist|brin|hash|trgm|trigram|"
    r"lower|upper|expression|unique|primary|foreign|all|every|each)\b"
)
_CODE = re.compile(r"`([^`]+)`")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_COMPOSITE = re.compile(r"(?i)\bcomposite\b|\+")


def prose_index(
    content: str, table: str, entity: Entity | None, line: int, future: bool
) -> SpecIndex | None:
    """The index a list item's sentence asks for on `table` (its columns checked against
    `entity` once read; "" for an item listed apart), if it names its columns and nothing more."""
    if len(content) > MAX_SENTENCE_CHARS or not _INDEX_WORD.search(content):
        return None
    if _MORE_THAN_COLUMNS.search(content):
        return None
    columns = _named_columns(content)
    if not columns or (len(columns) > 1 and not _COMPOSITE.search(content)):
        return None
    if entity is not None and entity.columns and any(entity.column(c) is None for c in columns):
        return None
    return SpecIndex(
        table=table,
        columns=columns,
        purpose=_CODE.sub(r"\1", content).strip(),
        future=future,
        line=line,
    )


def _named_columns(content: str) -> list[str] | None:
    """The identifiers a sentence names, in order (None when a code span is no identifier)."""
    named: list[str] = []
    for code in _CODE.findall(content):
        for part in COLUMN_LIST.split(code.strip()):
            if not IDENT.match(part):
                return None
            named.append(part)
    named += _SNAKE.findall(_CODE.sub(" ", content))
    return list(dict.fromkeys(named))
