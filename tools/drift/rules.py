"""The drift rules: one registry of DRIFT codes, titles, default severities and fix phases.

Fixes apply phase by phase: enum types (1), tables (2), columns (3), column types and defaults
(4), nullability (5), primary keys (6), unique constraints (7), foreign keys (8), indexes and
checks (9); rules whose fix is a spec edit or a choice keep the last phase. The README and the
tests walk this table.
"""

from __future__ import annotations

from tools.findings import LAST_PHASE, Rule, RuleSet

RULES = RuleSet(
    "compare_spec_to_database",
    [
        Rule("DRIFT001", "table in the spec, missing in the database", "error", 2),
        Rule("DRIFT002", "table in the database, not in the spec", "warning", LAST_PHASE),
        Rule("DRIFT003", "column in the spec, missing in the database", "error", 3),
        Rule("DRIFT004", "column in the database, not in the spec", "warning", LAST_PHASE),
        Rule("DRIFT005", "column type differs", "error", 4),
        Rule("DRIFT006", "nullability differs", "warning", 5),
        Rule("DRIFT007", "default differs", "warning", 4),
        Rule("DRIFT008", "foreign key in the spec, missing in the database", "error", 8),
        Rule("DRIFT009", "foreign key differs (target or ON DELETE)", "warning", 8),
        Rule("DRIFT010", "unique constraint in the spec, missing in the database", "warning", 7),
        Rule("DRIFT011", "index in the spec, missing in the database", "warning", 9),
        Rule("DRIFT012", "primary key differs", "error", 6),
        Rule("DRIFT013", "enum differs or is missing", "warning", 1),
        Rule("DRIFT014", "check constraint in the spec, missing in the database", "warning", 9),
    ],
)
