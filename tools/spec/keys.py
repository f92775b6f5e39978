"""A table the spec describes in words with no primary key but a column `id`: that is its key.

Specs written from ORM models (Laravel, Rails, Django, Prisma's `id` convention) list `id: UUID`
and leave "primary key" to the framework. The guess is warned, so the spec's author sees it.
"""

from __future__ import annotations

from collections.abc import Callable

from tools.spec.model import Entity, SpecConstraint

Warn = Callable[[int, str], None]
_PROSE = {"bullets", "table", "mermaid"}  # the spec's own words, not code that states keys


def guess_primary_keys(
    entities: list[Entity], constraints: list[SpecConstraint], warn: Warn
) -> None:
    """Mark `id` the primary key of each entity that states none (no key column, no composite)."""
    keyed = {c.table for c in constraints if c.kind == "primary key"}
    for entity in entities:
        if not set(entity.sources) <= _PROSE or entity.name in keyed:
            continue  # SQL, a model class or a Prisma model states its key exactly
        if any(c.primary_key for c in entity.columns):
            continue
        column = entity.column("id")
        if column is None:
            continue
        column.primary_key, column.nullable = True, False
        said = "read as the primary key, the table states none (guessed)"
        warn(column.line, f"{entity.name}.id: {said}")
