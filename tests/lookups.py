"""Lookups the tests make in a spec or a snapshot, asserting that what they name is there (the
assertion lists what is, so a failure says what was read instead)."""

from __future__ import annotations

from tools.catalog.models import Column, SchemaSnapshot
from tools.spec.model import Entity, SchemaSpec, SpecColumn


def spec_entity(spec: SchemaSpec, name: str) -> Entity:
    """The spec's table `name`."""
    entity = spec.entity(name)
    assert entity is not None, [e.name for e in spec.entities]
    return entity


def spec_column(spec: SchemaSpec, table: str, name: str) -> SpecColumn:
    """Column `name` of the spec's table `table`."""
    entity = spec_entity(spec, table)
    column = entity.column(name)
    assert column is not None, [c.name for c in entity.columns]
    return column


def snapshot_column(snapshot: SchemaSnapshot, table: str, name: str) -> Column:
    """Column `name` of the database table `table`."""
    found = snapshot.table(table)
    assert found is not None, [t.name for t in snapshot.tables]
    column = found.column(name)
    assert column is not None, [c.name for c in found.columns]
    return column
