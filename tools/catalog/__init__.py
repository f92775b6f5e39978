"""The catalog: one frozen snapshot of a schema in fixed round trips, and `reflect_database`."""

from tools.catalog.models import Column, ForeignKey, Index, SchemaSnapshot, Table
from tools.catalog.reflect import ReflectResult, reflect_database, render_reflect
from tools.catalog.snapshot import fetch_snapshot, list_schemas, select_names

__all__ = [
    "Column",
    "ForeignKey",
    "Index",
    "ReflectResult",
    "SchemaSnapshot",
    "Table",
    "fetch_snapshot",
    "list_schemas",
    "reflect_database",
    "render_reflect",
    "select_names",
]
