"""The three sides of one model's review, and the issue every drift rule makes of a difference.

`Sides` holds the model's, the spec's and the database's views of one table (the latter two
absent when not compared) with the spec's own words; `difference()` writes the message that
names each side's value and the sides that must change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tools.naming import qualified
from tools.review.records import ModelClass
from tools.review.rules import RULES
from tools.review.views import SIDES, Issue, View
from tools.spec import Entity, SchemaSpec, SpecColumn


@dataclass
class Sides:
    """The views of one model's table, with the spec's own words for what it states."""

    cls: ModelClass
    model: View
    spec: View | None
    database: View | None
    entity: Entity | None = None
    spec_obj: SchemaSpec | None = None
    claimed: set[str] = field(default_factory=set)  # aspects a checklist rule reports

    @property
    def target(self) -> str:
        """schema.table, quoted for DDL."""
        return qualified(self.model.table.schema_name, self.model.table.name)

    @property
    def name(self) -> str:
        """schema.table as shown in findings."""
        return self.model.table.qualified

    def line(self, column: str | None = None) -> int:
        """The model line of a column's field, else the class line."""
        found = self.cls.field(column) if column else None
        return found.line if found else self.cls.line

    def spec_column(self, column: str) -> SpecColumn | None:
        """The spec's own record of a column, for what it states."""
        return self.entity.column(column) if self.entity else None

    def spec_line(self, column: str | None = None) -> str:
        """`spec line N` of the entity or column, for evidence."""
        if self.entity is None:
            return ""
        found = self.spec_column(column) if column else None
        return f"spec line {found.line if found else self.entity.line}"


def _values(values: Mapping[Any, str]) -> str:
    return ", ".join(f"{side}: {values[side]}" for side in SIDES if side in values)


def _who(sides: list[str]) -> str:
    named = " and ".join(f"the {s}" for s in sides)
    return f"{named} should change" if sides else ""


def difference(
    code: str, _s: Sides, obj: str, what: str, values: Mapping[Any, str], **kw: Any
) -> Issue:
    """A drift issue: `what` differs, each side's value, the sides (kw `sides`) that change."""
    changes: list[str] = kw.pop("sides")
    message = f"{what} differs ({_values(values)}): {_who(changes)}"
    return Issue(RULES[code], obj, message, sides=changes, mechanical="model" in changes, **kw)
