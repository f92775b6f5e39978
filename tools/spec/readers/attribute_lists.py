"""A column written as a name with its attributes nested under it:

    - **email**
      - Type: VARCHAR(255)
      - Unique, not null
      - Default: none
      - Description: where we write

The name item alone says nothing; its nested items are read together, once the item closes, as
one definition of the column (type, constraint words, default, nullability, description). A
name whose nested items are not attributes (`- **Timestamps**` over `- created_at: timestamptz`)
is a title of a group of columns, as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tools.spec.model import SpecColumn
from tools.spec.readers.columns import (
    NO_ANSWER,
    YES_ANSWER,
    Warn,
    apply_type,
    read_attributes,
    read_description,
    warn_guessed,
)
from tools.spec.readers.phrases import scan_constraints, set_not_null, set_nullable
from tools.spec.readers.sections import FIELDS, heading_kind
from tools.spec.readers.text import strip_inline

# `**email**`, `` `email` ``, `email:`: a column's name alone.
_NAME = re.compile(r"^\s*(?:\*\*|__)?`?(?P<name>[A-Za-z_]\w*)`?\s*:?\s*(?:\*\*|__)?\s*:?\s*$")
# `Type: VARCHAR(255)`, `Default - now()`: an attribute given by its label.
_LABELLED = re.compile(
    r"(?i)^\s*(?P<label>data\s*type|type|default(?:\s+value)?|nullable|null|required|optional|"
    r"description|desc|notes?|constraints?|references|foreign\s+key|fk)\s*[:=\-\u2013\u2014]\s*"
    r"(?P<value>.+)$",
    re.S,
)
# `Primary key`, `Unique, not null`, `Indexed`: constraint words alone.
_BARE = re.compile(
    r"(?i)^\s*(?:primary\s+key|pk|unique|not\s+null|nullable|required|optional|indexed|index|"
    r"auto[- ]?increment|serial|foreign\s+key|fk|references|check)\b"
)


def column_name(content: str) -> str | None:
    """The column a list item names alone (`**email**`), if it is only a name (and no title of
    a list of columns, keys or indexes: `**Columns:**`)."""
    named = _NAME.match(content)
    if named is None or heading_kind(named.group("name")) != "entity":
        return None
    return None if FIELDS.match(named.group("name")) else named.group("name")


def is_attribute(content: str) -> bool:
    """A nested item that states one of a column's attributes (`` `type`: text `` names a
    column: code is a name, not a label)."""
    if content.lstrip().startswith("`"):
        return False
    plain = strip_inline(content)
    return bool(_LABELLED.match(plain) or _BARE.match(plain))


@dataclass
class AttributeList:
    """A column name item waiting for its nested attributes."""

    name: str
    content: str
    line: int
    depth: int
    attributes: list[tuple[str, int]] = field(default_factory=list)  # (text, line)
    other_items: bool = False  # a nested item that is no attribute: a group title, not a column

    def column(self, warn: Warn) -> SpecColumn | None:
        """The column the attributes define (None when they are none)."""
        if not self.attributes or self.other_items:
            return None
        column = SpecColumn(name=self.name, line=self.line)
        for text, line in self.attributes:
            _apply(column, strip_inline(text), line, warn)
        return column


_NO_DEFAULT = {"none", "n/a", "-", "\u2014", "no default"}


def _apply(column: SpecColumn, text: str, line: int, warn: Warn) -> None:
    """One attribute onto the column: unread words become its notes."""
    labelled = _LABELLED.match(text)
    if labelled is None:
        column.notes += read_attributes(column, text, typed=True)
        return
    label = re.sub(r"\s+", " ", labelled.group("label").lower())
    value = labelled.group("value").strip()
    if label in ("type", "data type", "datatype"):
        if not apply_type(column, value):
            column.notes.append(text)
    elif label.startswith("default"):
        if value.lower() not in _NO_DEFAULT:
            column.notes.append(scan_constraints(column, f"default {value}"))
    elif label in ("nullable", "null", "optional"):
        _yes_no(column, value, set_nullable, set_not_null)
    elif label == "required":
        _yes_no(column, value, set_not_null, set_nullable)
    elif label in ("description", "desc", "notes", "note"):
        warn_guessed(warn, line, column, read_description(column, value), "description")
    else:  # constraints, references, foreign key: words the column readers know
        words = value if label.startswith("constraint") else text
        column.notes += read_attributes(column, words, typed=True)
    column.notes = [n for n in column.notes if n]


def _yes_no(
    column: SpecColumn,
    value: str,
    if_yes: Callable[[SpecColumn], None],
    if_no: Callable[[SpecColumn], None],
) -> None:
    """`Nullable: no`, `Required: yes`: the answer's setting (neither: nothing)."""
    if YES_ANSWER.match(value):
        if_yes(column)
    elif NO_ANSWER.match(value):
        if_no(column)
