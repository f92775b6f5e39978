"""Drift between the spec and the database (`compare_spec_to_database`)."""

from tools.drift.compare import (
    DriftReport,
    check_drift,
    compare_spec_to_database,
    create_table_ddl,
    render_drift,
)

__all__ = [
    "DriftReport",
    "check_drift",
    "compare_spec_to_database",
    "create_table_ddl",
    "render_drift",
]
