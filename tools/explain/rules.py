"""The plan-reading rules: one registry of EXP codes, titles and default severities.

A test plants each one; the README and the tests walk this table.
"""

from __future__ import annotations

from tools.findings import Rule, RuleSet

RULES = RuleSet(
    "explain_query",
    [
        Rule("EXP001", "sequential scan of a big table"),
        Rule("EXP002", "row estimate off by 10x or more (analyze)"),
        Rule("EXP003", "sort spilled to disk (analyze)"),
        Rule("EXP004", "hash table spilled to disk (analyze)"),
        Rule("EXP005", "nested loop over many row pairs"),
    ],
)
