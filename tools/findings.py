"""Findings: judgements returned as data, shared by every checking tool."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


class Finding(BaseModel):
    """One thing a check found, with the evidence and the fix."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="stable rule id, e.g. ISO003 = tenant column is nullable")
    severity: Severity = Field(description="error (breaks correctness or isolation), warning, info")
    object: str = Field(description="qualified name, e.g. saas.tasks.org_id")
    message: str = Field(description="what is wrong, in one sentence")
    evidence: str = Field("", description="what we saw: catalog fact, plan cost, spec line")
    fix: str | None = Field(None, description="DDL or spec edit that resolves it")


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Order findings by (severity, object, code) so one database gives one report."""
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.object, f.code))


def count_by_severity(findings: Iterable[Finding]) -> dict[str, int]:
    """Count findings per severity, every severity present (zero where none)."""
    counts = dict.fromkeys(SEVERITY_ORDER, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts
