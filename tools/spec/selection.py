"""Part of a spec: the tables matching names or globs (`tables=`), and what is on them.

Indexes, constraints, policies and triggers go with their table, a relationship with either of
its tables; enums, functions, views and the reader's warnings stay whole (they name no one
table, and the warnings are about lines of the file).
"""

from __future__ import annotations

from tools.catalog.snapshot import select_names
from tools.errors import NotFound
from tools.spec.model import SchemaSpec

HINT = "pass tables=[names or globs like 'task*'] of the tables the spec defines"


def select_tables(spec: SchemaSpec, patterns: list[str] | None) -> SchemaSpec:
    """spec narrowed to the tables matching `patterns` (all of it when None or empty)."""
    if not patterns:
        return spec
    known = [entity.name for entity in [*spec.entities, *spec.future]]
    chosen = select_names(known, patterns)
    if not chosen:
        raise NotFound("table", ", ".join(patterns), known, HINT)
    return spec.model_copy(
        update={
            "entities": [e for e in spec.entities if e.name in chosen],
            "future": [e for e in spec.future if e.name in chosen],
            "indexes": [i for i in spec.indexes if i.table in chosen],
            "constraints": [c for c in spec.constraints if c.table in chosen],
            "relationships": [r for r in spec.relationships if {r.from_table, r.to_table} & chosen],
            "policies": [p for p in spec.policies if p.table in chosen],
            "triggers": [t for t in spec.triggers if t.table in chosen],
            "shared_tables": [name for name in spec.shared_tables if name in chosen],
            "external_tables": [name for name in spec.external_tables if name in chosen],
        }
    )
