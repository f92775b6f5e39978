"""Drift between the spec and the database (`compare_spec_to_database`)."""

from tools.drift.compare import (
    DriftReport,
    check_drift,
    compare_spec_to_database,
    create_table_ddl,
    render_drift,
)
from tools.drift.rules import RULES

__all__ = [
    "RULES",
    "DriftReport",
    "check_drift",
    "compare_spec_to_database",
    "create_table_ddl",
    "render_drift",
]
