"""References of a finished spec: FK targets, relationships, constraints and indexes resolved.

Run by `SpecBuilder.finish` once every reader is done: FK targets written loosely or not at all
are resolved to defined tables (guesses warned), FKs and ON DELETE actions stated in relationship
sections are applied, and relationships and constraints naming a table defined nowhere are
warned about. Indexes are finished in `tools.spec.indexes`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tools.spec.model import Entity, Reference, SpecColumn
from tools.spec.names import Resolve, guess_target, match_key

if TYPE_CHECKING:
    from tools.spec.builder import SpecBuilder


def resolve_relationships(builder: SpecBuilder, entities: list[Entity], resolve: Resolve) -> None:
    """Relationships and table constraints named loosely, resolved to defined tables."""
    for relationship in builder.relationships:
        for side in ("from_table", "to_table"):
            found = resolve(getattr(relationship, side))
            if not found and side == "to_table":
                found = _named_after(relationship.text, relationship.to_table, resolve)
            if found:
                setattr(relationship, side, found)
            else:
                builder.warn(
                    relationship.line,
                    f"relationship names {getattr(relationship, side)!r}, a table defined nowhere",
                )
    by_name = {e.name: e for e in entities}
    for constraint in builder.constraints:
        if constraint.table:
            constraint.table = resolve(constraint.table) or constraint.table
        entity = by_name.get(constraint.table or "")
        target = constraint.references
        if constraint.kind == "foreign key" and target is not None:
            found = resolve(target.table)
            if found is None:
                builder.warn(
                    constraint.line,
                    f"foreign key {constraint.table}({', '.join(constraint.columns)})"
                    f" references {target.table!r}, defined nowhere",
                )
            target.table = found or target.table
        if constraint.kind == "primary key" and entity is not None:
            for name in constraint.columns:
                column = entity.column(name)
                if column is not None:
                    column.primary_key, column.nullable = True, False


def _named_after(text: str, word: str, resolve: Resolve) -> str | None:
    """A table named by one of the two words after `word` ("multiple *active* sessions",
    "many *video* watch sessions"): the relationship's noun after an adjective, or the table
    those words make joined by `_`."""
    at = re.search(rf"\b{re.escape(word)}\b\s+(\w+)(?:\s+(\w+))?", text)
    if at is None:
        return None
    first, second = at.groups()
    candidates = [f"{word}_{first}", first]
    if second:
        candidates = [f"{word}_{first}_{second}", *candidates, f"{first}_{second}", second]
    return next((found for name in candidates if (found := resolve(name))), None)


def resolve_references(builder: SpecBuilder, entities: list[Entity], resolve: Resolve) -> None:
    for entity in entities:
        for column in entity.columns:
            ref = column.references
            if ref is None:
                continue
            if not ref.table:
                guess = guess_target(column, resolve)
                if guess is None:
                    builder.warn(
                        column.line, f"foreign key {entity.name}.{column.name} names no table"
                    )
                    column.references = None
                    continue
                ref.table, ref.guessed = guess, True
                builder.warn(
                    column.line,
                    f"guessed {entity.name}.{column.name} references {guess}({ref.column or 'id'})",
                )
            found = resolve(ref.table)
            if found is None and ref.guessed and ref.column is None:
                # A bare word read from a description ("reference to the customer who…") is a
                # word, not a table, when no table has that name (`ghosts(id)` is a table).
                column.references = None
                guessed = (
                    f"{entity.name}.{column.name}: read references {ref.table}(id) from the "
                    "description (guessed)"
                )
                builder.warnings = [
                    w
                    for w in builder.warnings
                    if not (w.line == column.line and w.message == guessed)
                ]  # that guess is withdrawn: one warning says what happened
                builder.warn(
                    column.line,
                    f"{entity.name}.{column.name}: the description names {ref.table!r}, a table "
                    "defined nowhere: not read as a foreign key",
                )
                continue
            if found is None:
                builder.warn(
                    column.line,
                    f"{entity.name}.{column.name} references {ref.table!r}, defined nowhere",
                )
            else:
                ref.table = found
            if ref.column is None:
                target = next((e for e in entities if e.name == ref.table), None)
                pk = [c.name for c in target.columns if c.primary_key] if target else []
                ref.column = pk[0] if len(pk) == 1 else "id"


def apply_text_fks(builder: SpecBuilder, entities: list[Entity], resolve: Resolve) -> None:
    """FKs stated in relationship sections (`tasks.user_id -> users.id`, ON DELETE …)."""
    by_name = {e.name: e for e in entities}
    for table, column_name, ref_table, ref_column, line in builder.text_fks:
        entity = by_name.get(resolve(table) or "")
        column = entity.column(column_name) if entity else None
        if column is None:
            builder.warn(
                line, f"relationship names {table}.{column_name}, a column defined nowhere"
            )
            continue
        if column.references is None or not column.references.table:
            on_delete = column.references.on_delete if column.references else None
            column.references = Reference(table=ref_table, column=ref_column, on_delete=on_delete)
    for table, column_name, action, line in builder.fk_actions:
        entity = by_name.get(resolve(table) or "")
        column = entity.column(column_name) if entity else None
        if column is not None and column.references and not column.references.on_delete:
            column.references.on_delete = action
        elif column is None:
            builder.warn(line, f"ON DELETE for {table}.{column_name}, a column defined nowhere")


RANK_OF_WORDS = 2  # a Markdown table or bullets: code (SQL, models) states its FKs itself


def relationship_fks(builder: SpecBuilder, entities: list[Entity], resolve: Resolve) -> None:
    """A relationship in words ("One user has many tasks", "Each task belongs to a user") whose
    child has the column it names, or `<parent>_id`, with no foreign key yet: that column
    references the parent's key, guessed and warned. A column SQL or model code defines is left
    alone: code that states no REFERENCES means none."""
    by_name = {e.name: e for e in entities}
    for relationship in builder.relationships:
        a = by_name.get(resolve(relationship.from_table) or "")
        b = by_name.get(resolve(relationship.to_table) or "")
        if a is None or b is None or a is b or relationship.kind == "many-to-many":
            continue
        pairs = [(b, a), (a, b)] if relationship.kind == "one-to-many" else [(a, b), (b, a)]
        for child, parent in pairs:
            column = _fk_column(child, parent, relationship.via)
            if column is None:
                continue
            key = [c.name for c in parent.columns if c.primary_key]
            if len(key) != 1:
                continue
            if column.references is None and column._rank >= RANK_OF_WORDS:
                column.references = Reference(table=parent.name, column=key[0], guessed=True)
                builder.warn(
                    relationship.line,
                    f"read {child.name}.{column.name} references {parent.name}({key[0]}) from "
                    "the relationship (guessed)",
                )
            break


def _fk_column(child: Entity, parent: Entity, via: str | None) -> SpecColumn | None:
    """The column of `child` a relationship with `parent` goes through: the one it names, else
    the one `<parent>_id` column (`user_id` for users); never the child's own key alone."""
    named = child.column(via) if via else None
    if named is not None and not (named.primary_key and via == "id"):
        return named
    wanted = match_key(parent.name)
    found = [
        c
        for c in child.columns
        if c.name.lower().endswith("_id") and match_key(c.name[:-3]) == wanted
    ]
    return found[0] if len(found) == 1 else None


def apply_cascades(builder: SpecBuilder, entities: list[Entity], resolve: Resolve) -> None:
    for first, second, action, line in builder.cascades:
        a, b = resolve(first), resolve(second)
        if not a or not b:
            continue
        for child, parent in ((a, b), (b, a)):
            entity = next(e for e in entities if e.name == child)
            for column in entity.columns:
                ref = column.references
                if ref and ref.table == parent and ref.on_delete is None:
                    ref.on_delete = action
                    builder.warn(line, f"read as {child}.{column.name} ON DELETE {action}")
