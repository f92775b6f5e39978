"""The spec reader: `specs/database/schema.md` into a `SchemaSpec` (`read_schema_spec`)."""

from tools.spec.read import (
    Entity,
    Reference,
    Relationship,
    SchemaSpec,
    SpecColumn,
    SpecConstraint,
    SpecEnum,
    SpecIndex,
    SpecPolicy,
    SpecWarning,
    column_text,
    parse_spec,
    read_schema_spec,
    render_spec,
    spec_to_snapshot,
)

__all__ = [
    "Entity",
    "Reference",
    "Relationship",
    "SchemaSpec",
    "SpecColumn",
    "SpecConstraint",
    "SpecEnum",
    "SpecIndex",
    "SpecPolicy",
    "SpecWarning",
    "column_text",
    "parse_spec",
    "read_schema_spec",
    "render_spec",
    "spec_to_snapshot",
]
