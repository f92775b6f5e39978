"""Findings: judgements returned as data, the one rule registry, and the one text renderer.

Every checking tool declares its rules once, in a `RuleSet` (code, title, default severity,
fix phase, an alias name): the README, the tests and the fix-script order all read that table,
and `finding(rule, ...)` is the only way a check makes a `Finding`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}
LAST_PHASE = 9  # fix phase of a rule whose fixes have no order to keep


@dataclass(frozen=True)
class Rule:
    """One stable check: its code, what it means, how bad it is and when its fix runs."""

    code: str
    title: str
    severity: Severity = "warning"
    fix_phase: int = LAST_PHASE
    name: str | None = None  # a readable alias shown beside the code (e.g. "unindexed_fk")

    @property
    def anchor(self) -> str:
        """The README anchor that documents the rule."""
        return f"README.md#{self.code.lower()}"


class RuleSet:
    """The rules of one tool, by code and by alias; every set registers itself in `REGISTRY`."""

    def __init__(self, tool: str, rules: Iterable[Rule]) -> None:
        self.tool = tool
        self.rules: dict[str, Rule] = {}
        for rule in rules:
            if rule.code in self.rules or any(r.code == rule.code for r in all_rules()):
                raise ValueError(f"rule {rule.code} declared twice")
            self.rules[rule.code] = rule
        self.by_name = {rule.name: rule for rule in self.rules.values() if rule.name}
        REGISTRY[tool] = self

    def __getitem__(self, code_or_name: str) -> Rule:
        return self.rules.get(code_or_name) or self.by_name[code_or_name]

    def __contains__(self, code_or_name: object) -> bool:
        return code_or_name in self.rules or code_or_name in self.by_name

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules.values())

    def __len__(self) -> int:
        return len(self.rules)

    def titles(self) -> dict[str, str]:
        """code → title, for outputs and error messages that list the codes."""
        return {rule.code: rule.title for rule in self}


REGISTRY: dict[str, RuleSet] = {}


def all_rules() -> list[Rule]:
    """Every rule of every tool registered so far."""
    return [rule for rule_set in REGISTRY.values() for rule in rule_set]


class Finding(BaseModel):
    """One thing a check found, with the evidence and the fix."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="stable rule id, e.g. ISO003 = tenant column is nullable")
    severity: Severity = Field(description="error (breaks correctness or isolation), warning, info")
    object: str = Field(description="qualified name, e.g. saas.tasks.org_id")
    message: str = Field(description="what is wrong, in one sentence")
    evidence: str = Field("", description="what we saw: catalog fact, plan cost, spec line")
    fix: str | None = Field(None, description="DDL or spec edit that resolves it")


def finding(
    rule: Rule,
    obj: str,
    message: str,
    evidence: str = "",
    fix: str | None = None,
    severity: Severity | None = None,
) -> Finding:
    """A finding of `rule`, at the rule's own severity unless the check knows better."""
    return Finding(
        code=rule.code,
        severity=severity or rule.severity,
        object=obj,
        message=message,
        evidence=evidence,
        fix=fix,
    )


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Order findings by (severity, object, code) so one database gives one report."""
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.object, f.code))


def count_by_severity(findings: Iterable[Finding]) -> dict[str, int]:
    """Count findings per severity, every severity present (zero where none)."""
    counts = dict.fromkeys(SEVERITY_ORDER, 0)
    for item in findings:
        counts[item.severity] += 1
    return counts


def render_finding(item: Finding, indent: str = "", with_fix: bool = True) -> str:
    """One finding as text: `SEVERITY CODE object: message`, then evidence and fix, indented."""
    lines = [f"{indent}{item.severity.upper()} {item.code} {item.object}: {item.message}"]
    if item.evidence:
        lines.append(f"{indent}  evidence: {item.evidence}")
    if with_fix and item.fix:
        pad = f"\n{indent}       "
        lines.append(f"{indent}  fix: " + item.fix.replace("\n", pad))
    return "\n".join(lines)


def render_findings(findings: Iterable[Finding], indent: str = "", with_fix: bool = True) -> str:
    """Findings as text, one block each: the renderer shared by MCP text and the CLI."""
    return "\n".join(render_finding(item, indent, with_fix) for item in findings)
