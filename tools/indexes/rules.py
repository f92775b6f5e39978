"""The index rules: one registry of IDX codes, each with the name suggestions also carry.

A suggestion's `code` (IDX001…) is stable; its `rule` is the readable alias (`unindexed_fk`).
Index advice is not a finding: the severity says how much acting on it usually matters. The
README and the tests walk this table.
"""

from __future__ import annotations

from tools.findings import Rule, RuleSet

RULES = RuleSet(
    "suggest_indexes",
    [
        Rule(
            "IDX001",
            "foreign key with no index leading with its columns",
            name="unindexed_fk",
        ),
        Rule(
            "IDX002",
            "index of a tenant-owned table that does not lead with the tenant column",
            name="tenant_not_leading",
        ),
        Rule("IDX003", "index identical to another one", name="duplicate_index"),
        Rule(
            "IDX004",
            "index whose keys lead another index, which serves the same lookups",
            name="redundant_index",
        ),
        Rule(
            "IDX005",
            "index never scanned since the statistics reset",
            "info",
            name="unused_index",
        ),
        Rule(
            "IDX006",
            "invalid index left by a failed concurrent build",
            name="invalid_index",
        ),
        Rule("IDX007", "table without a primary key", name="no_primary_key"),
        Rule(
            "IDX008",
            "lone index on a boolean or status column, where a partial index fits",
            "info",
            name="low_selectivity_index",
        ),
        Rule(
            "IDX009",
            "index the workload's queries want, proven by the planner when HypoPG is there",
            "info",
            name="workload_index",
        ),
    ],
)
