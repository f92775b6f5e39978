"""The one rule registry: every tool's codes registered once, each documented in the README."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from tools.findings import REGISTRY, Rule, all_rules

README = Path(__file__).resolve().parents[1] / "README.md"
TOOL_PACKAGES = ["catalog", "spec", "isolation", "indexes", "explain", "codegen", "drift", "review"]
for package in TOOL_PACKAGES:
    importlib.import_module(f"tools.{package}")
CHECKING_TOOLS = {
    "compare_spec_to_database",
    "explain_query",
    "review_models",
    "suggest_indexes",
    "validate_isolation",
}


def test_every_checking_tool_registers_its_rules() -> None:
    assert set(REGISTRY) == CHECKING_TOOLS
    codes = [rule.code for rule in all_rules()]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[A-Z]+\d{3}", code) for code in codes)


def documented(rule: Rule, text: str) -> bool:
    """A code is documented by a table row of its own or, for an alias, beside its name."""
    row = re.search(rf"^\| {rule.code} \|", text, re.MULTILINE)
    beside = rule.name and re.search(rf"\b{rule.code}\s+`{rule.name}`", text)
    return bool(row or beside)


@pytest.mark.parametrize("tool", sorted(CHECKING_TOOLS))
def test_every_code_is_documented_in_the_readme(tool: str) -> None:
    text = README.read_text(encoding="utf-8")
    missing = [rule.code for rule in REGISTRY[tool] if not documented(rule, text)]
    assert missing == [], f"{tool}: codes not in README.md"


def test_a_code_only_mentioned_in_an_example_is_not_documented() -> None:
    rule = Rule("DRIFT003", "column in the spec, missing in the database", name="missing_column")
    assert not documented(rule, '{"code": "DRIFT003", "severity": "error"}')
    assert documented(rule, "| DRIFT003 | error | column in the spec, missing in the database |")
    assert documented(rule, "IDX001 `x`, DRIFT003 `missing_column` (a column)")


def test_index_rule_names_are_unique_aliases() -> None:
    rules = list(REGISTRY["suggest_indexes"])
    assert all(rule.name for rule in rules)
    assert len({rule.name for rule in rules}) == len(rules)
