"""The rules of `review_models`: the architect's checklist on SQLModel code, and drift.

MOD001 to MOD016 judge the code itself (the seeds' checklist); MOD020 to MOD030 compare each model
with the spec's entity and the live table. Fix phases order the database side's DDL as the drift
rules do: tables (2), columns (3), types and defaults (4), nullability (5), primary keys (6),
unique constraints (7), foreign keys (8), indexes (9).
"""

from __future__ import annotations

from tools.findings import LAST_PHASE, Rule, RuleSet

RULES = RuleSet(
    "review_models",
    [
        Rule("MOD001", "table class without a primary key", "error", 6, "no_primary_key"),
        Rule("MOD002", "foreign key without ondelete", "warning", 8, "fk_without_ondelete"),
        Rule("MOD003", "foreign key column without an index", "warning", 9, "unindexed_fk"),
        Rule("MOD004", "back_populates names no partner", "error", LAST_PHASE, "no_partner"),
        Rule("MOD005", "relationship partners disagree", "error", LAST_PHASE, "partners_disagree"),
        Rule("MOD006", "tenant-owned model without the tenant column", "error", 3, "no_tenant"),
        Rule("MOD007", "tenant column is nullable", "error", 5, "tenant_nullable"),
        Rule("MOD008", "no index leads with the tenant column", "warning", 9, "tenant_unindexed"),
        Rule("MOD009", "missing created_at / updated_at", "info", 3, "no_timestamps"),
        Rule(
            "MOD010", "Optional annotation contradicts nullable", "warning", 5, "optional_nullable"
        ),
        Rule("MOD011", "JSON where the database has JSONB", "warning", 4, "json_not_jsonb"),
        Rule("MOD012", "enum values stored as free text", "warning", 4, "enum_as_text"),
        Rule(
            "MOD013",
            "from __future__ import annotations in a module with relationships",
            "error",
            LAST_PHASE,
            "future_annotations",
        ),
        Rule("MOD014", "datetime field on a timestamp without time zone", "warning", 4, "naive_ts"),
        Rule(
            "MOD015",
            "relationship without a foreign key between the tables",
            "error",
            LAST_PHASE,
            "relationship_without_fk",
        ),
        Rule(
            "MOD016",
            "foreign key column type differs from the column it references",
            "error",
            4,
            "fk_type_mismatch",
        ),
        Rule("MOD020", "table missing on one side", "error", 2, "missing_table"),
        Rule("MOD021", "table of the spec or database without a model", "info", 2, "no_model"),
        Rule("MOD022", "column missing on one side", "error", 3, "missing_column"),
        Rule("MOD023", "column type differs", "error", 4, "type_differs"),
        Rule("MOD024", "nullability differs", "warning", 5, "nullability_differs"),
        Rule("MOD025", "default differs", "warning", 4, "default_differs"),
        Rule("MOD026", "foreign key differs or is missing", "error", 8, "fk_differs"),
        Rule("MOD027", "ON DELETE differs", "warning", 8, "on_delete_differs"),
        Rule("MOD028", "unique constraint differs", "warning", 7, "unique_differs"),
        Rule("MOD029", "index differs", "warning", 9, "index_differs"),
        Rule("MOD030", "primary key differs", "error", 6, "primary_key_differs"),
    ],
)

CHECKLIST = [rule.code for rule in RULES if rule.code < "MOD020"]
DRIFT = [rule.code for rule in RULES if rule.code >= "MOD020"]
