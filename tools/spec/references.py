"""References of a finished spec: FK targets, relationships, constraints and indexes resolved.

Run by `SpecBuilder.finish` once every reader is done: FK targets written loosely or not at all
are resolved to defined tables (guesses warned), FKs and ON DELETE actions stated in relationship
sections are applied, and relationships, constraints and indexes naming a table defined nowhere
are warned about.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tools.spec.model import Entity, Reference, SpecConstraint, SpecIndex
from tools.spec.names import Resolve, guess_target, resolver

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


def finish_indexes(builder: SpecBuilder, entities: list[Entity], future_names: set[str]) -> None:
    """Tables of indexes resolved (guessed from idx_<table>_… names, or the one table with all
    the columns of an index listed without one), duplicates merged."""
    names = {e.name for e in entities}
    resolve, future_resolve = resolver(names), resolver(future_names)
    longest_first: list[str] = []  # sorted once, not per index (issue #13)
    having: dict[str, set[str]] = {}  # column -> tables: built once, when first needed
    for index in builder.indexes:
        if not index.table and index.name:
            stem = re.sub(r"^(idx|ix|index)_", "", index.name)
            longest_first = longest_first or sorted(names, key=len, reverse=True)
            index.table = next((n for n in longest_first if stem.startswith(n + "_")), "")
        if not index.table:
            having = having or _tables_having(entities)
            owners = set.intersection(*(having.get(c, set()) for c in index.columns))
            if len(owners) != 1:
                builder.warn(index.line, "index not read: no one table has all its columns")
                continue
            index.table = owners.pop()
    builder.indexes = unique_indexes(
        [i for i in builder.indexes if i.table], resolve, future_resolve
    )
    known = names | future_names
    for index in builder.indexes:
        if index.table not in known:
            builder.warn(index.line, f"index on {index.table!r}, a table defined nowhere")


def one_name_per_relation(builder: SpecBuilder) -> None:
    """A name the spec gives indexes or keys of two tables: Postgres names indexes (and the
    indexes of UNIQUE and PRIMARY KEY constraints) per schema, so the second is left unnamed
    (its default name then differs), and warned."""
    named: list[SpecIndex | SpecConstraint] = [i for i in builder.indexes if i.name]
    named += [c for c in builder.constraints if c.name and c.kind in ("unique", "primary key")]
    first: dict[str, SpecIndex | SpecConstraint] = {}
    for record in sorted(named, key=lambda r: r.line):
        assert record.name is not None
        seen = first.setdefault(record.name.lower(), record)
        if seen is not record and seen.table != record.table:
            builder.warn(
                record.line,
                f"index name {record.name!r} is already the name of an index on {seen.table}"
                f" (line {seen.line}); left unnamed here",
            )
            record.name = None


def _tables_having(entities: list[Entity]) -> dict[str, set[str]]:
    """Each column name and the tables that have it."""
    having: dict[str, set[str]] = {}
    for entity in entities:
        for column in entity.columns:
            having.setdefault(column.name, set()).add(entity.name)
    return having


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


def unique_indexes(
    indexes: list[SpecIndex], resolve: Resolve, future_resolve: Resolve
) -> list[SpecIndex]:
    """One index per (table, columns, predicate): the same index listed twice is merged."""
    kept: dict[tuple[str, tuple[str, ...], str | None, bool], SpecIndex] = {}
    for index in indexes:
        index.table = (future_resolve if index.future else resolve)(index.table) or index.table
        key = (index.table, tuple(index.columns), index.where, index.future)
        first = kept.get(key)
        if first is None:
            kept[key] = index
            continue
        first.name = first.name or index.name
        first.unique = first.unique or index.unique
        first.purpose = first.purpose or index.purpose
    return list(kept.values())
