"""The review report shared by `pgarchitect review` and `pgarchitect demo`: text, markdown, JSON.

A `Review` is one `Check` per tool (spec drift, isolation, indexes, models), each reduced to
counts, findings and the tool's own rendering. Text and markdown open with the verdict and a table
of counts, then the top findings, then the details; markdown is made to be posted as a
pull-request comment (details collapsed, fix DDL in sql fences, under GitHub's comment limit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from tools import drift, indexes, isolation
from tools.findings import SEVERITY_ORDER, Finding, count_by_severity, render_findings
from tools.indexes.models import IndexAdvice
from tools.indexes.rules import RULES as INDEX_RULES

Status = Literal["checked", "not checked", "failed"]
TOP = 5  # findings shown before the details
MARKDOWN_LIMIT = 60_000  # GitHub refuses comments over 65,536 characters
SQL_START = re.compile(
    r"^\s*(--|ALTER|CREATE|DROP|DO|GRANT|REVOKE|COMMENT|UPDATE|INSERT|DELETE|BEGIN|SET|REINDEX)\b",
    re.IGNORECASE,
)


@dataclass
class Check:
    """One tool's part of the review."""

    key: str  # drift | isolation | indexes | models
    title: str  # what a person calls it: "spec drift"
    tool: str  # the MCP tool that answers it
    gate: bool  # whether its error-severity findings fail the review
    status: Status = "checked"
    note: str = ""  # one phrase beside the counts: a verdict, why it was not checked
    findings: list[Finding] = field(default_factory=list)
    details: str = ""  # the tool's own text rendering
    fix_script: str = ""
    report: BaseModel | None = None
    totals: dict[str, int] | None = None  # when `findings` is one page of more

    @property
    def counts(self) -> dict[str, int]:
        return {**count_by_severity(self.findings), **(self.totals or {})}

    @property
    def errors(self) -> int:
        return self.counts["error"] if self.gate else 0


@dataclass
class Review:
    """The checks of one schema, in reading order."""

    schema: str
    database: str  # the masked URL
    checks: list[Check]

    @property
    def errors(self) -> int:
        """Error-severity findings of the checks that gate."""
        return sum(check.errors for check in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if check.status == "failed"]

    @property
    def exit_status(self) -> int:
        """0 clean, 1 error-severity findings, 2 a check could not run."""
        return 2 if self.failed else 1 if self.errors else 0

    def verdict(self) -> str:
        """One line: PASS or FAIL, and why."""
        if self.failed:
            names = ", ".join(check.title for check in self.failed)
            return f"INCOMPLETE: {names} could not run"
        warnings = sum(c.counts["warning"] for c in self.checks)
        if not self.errors:
            return f"PASS: no error-severity findings ({warnings} warnings to review)"
        where = ", ".join(f"{c.title} {c.errors}" for c in self.checks if c.errors)
        return f"FAIL: {self.errors} error-severity findings ({where}); {warnings} warnings"

    def top(self, n: int = TOP) -> list[tuple[Check, Finding]]:
        """The n most severe findings: errors, then warnings, taking turns between the checks
        (isolation first, a proven leak first of all) so one long list cannot hide the others."""
        picked: list[tuple[Check, Finding]] = []
        for severity in ("error", "warning"):
            queues = [
                [(c, f) for f in sorted(c.findings, key=_urgency) if f.severity == severity]
                for c in sorted(self.checks, key=lambda c: PRIORITY.index(c.key))
            ]
            while any(queues) and len(picked) < n:
                picked += [queue.pop(0) for queue in queues if queue][: n - len(picked)]
        return picked


# --- from each tool's result -----------------------------------------------------------------


def drift_check(report: drift.DriftReport) -> Check:
    """The spec-drift part."""
    note = f"{report.tables_compared} tables compared"
    if report.spec_warnings:
        note += f", {report.spec_warnings} spec lines unread"
    return Check(
        "drift",
        "spec drift",
        "compare_spec_to_database",
        gate=True,
        note=note,
        findings=list(report.findings),
        details=drift.render_drift(report),
        fix_script="\n".join(f.fix for f in report.findings if f.fix and is_sql(f.fix)),
        report=report,
    )


def isolation_check(report: isolation.IsolationReport) -> Check:
    """The isolation part: findings of every table and of views, functions and roles."""
    found = [item for table in report.tables for item in table.findings]
    return Check(
        "isolation",
        "isolation",
        "validate_isolation",
        gate=True,
        note=report.verdict.upper(),
        findings=sorted(found, key=_order) + list(report.other_findings),
        details=isolation.render_isolation(report),
        fix_script=report.fix_script,
        report=report,
    )


def index_check(advice: IndexAdvice) -> Check:
    """The index part: advice, not a gate (each suggestion at its rule's severity)."""
    found = [
        Finding(
            code=s.code,
            severity=INDEX_RULES[s.code].severity if s.code in INDEX_RULES else "info",
            object=s.table + (f".{s.index}" if s.index else ""),
            message=f"{s.kind} index ({', '.join(s.columns)}): {s.rationale}",
            evidence=f"confidence {s.confidence}" + (", proven with HypoPG" if s.verified else ""),
            fix=s.ddl,
        )
        for s in advice.suggestions
    ]
    return Check(
        "indexes",
        "indexes",
        "suggest_indexes",
        gate=False,
        note="advice, not a gate" + ("" if advice.hypopg else "; HypoPG absent"),
        findings=sorted(found, key=_order),
        details=indexes.render_indexes(advice),
        fix_script="\n".join(f.fix for f in found if f.fix),
        report=advice,
    )


def models_check(result: Any, render: Any = None) -> Check:
    """The SQLModel part (review_models): the findings of every model and of the project."""
    found = [f for model in result.models for f in model.findings]
    found += list(result.project_findings)
    plain = [Finding.model_validate(f, from_attributes=True) for f in found]
    summary = result.summary
    note = f"{summary.models} SQLModel classes in {summary.files_read} files"
    if not summary.models:
        note = "no SQLModel table classes in the project"
    return Check(
        "models",
        "models",
        "review_models",
        gate=True,
        note=note,
        findings=sorted(plain, key=_order),
        details=render(result) if render else render_findings(plain),
        report=result,
        totals=dict(summary.findings),
    )


def skipped(key: str, why: str, status: Status = "not checked") -> Check:
    """A check that did not run, and why (a hook not there yet, --no-spec, an error)."""
    title, tool, gate = CHECKS[key]
    return Check(key, title, tool, gate, status=status, note=why)


CHECKS = {  # key: (title, tool, gate)
    "drift": ("spec drift", "compare_spec_to_database", True),
    "isolation": ("isolation", "validate_isolation", True),
    "indexes": ("indexes", "suggest_indexes", False),
    "models": ("models", "review_models", True),
}


PRIORITY = ["isolation", "models", "drift", "indexes"]
PROVEN = {"ISO029"}  # a leak the live probe saw, not one the catalog suggests


def _urgency(item: Finding) -> tuple[bool, int, str, str]:
    return (item.code not in PROVEN, *_order(item))


def _order(item: Finding) -> tuple[int, str, str]:
    return SEVERITY_ORDER[item.severity], item.object, item.code


def is_sql(text: str) -> bool:
    """Whether a fix is DDL (else it is a spec edit or advice in words)."""
    return bool(SQL_START.match(text))


# --- rendering -------------------------------------------------------------------------------


def _count_cells(check: Check) -> list[str]:
    if check.status != "checked":
        return ["-", "-", "-"]
    counts = check.counts
    return [str(counts["error"]), str(counts["warning"]), str(counts["info"])]


def _note(check: Check) -> str:
    return check.note if check.status == "checked" else f"{check.status}: {check.note}"


def render_text(review: Review, details: bool = True) -> str:
    """The report for a terminal or a CI log: verdict, counts, top findings, details."""
    lines = [
        f"pgarchitect review of schema {review.schema!r} ({review.database})",
        review.verdict(),
        "",
    ]
    rows = [["check", "errors", "warnings", "info", ""]]
    rows += [[f"{c.title} ({c.tool})", *_count_cells(c), _note(c)] for c in review.checks]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [row[i].rjust(widths[i]) for i in (1, 2, 3)]
        lines.append("  ".join([*cells, row[4]]).rstrip())
    top = review.top()
    if top:
        lines += ["", "top findings:"]
        for n, (check, item) in enumerate(top, 1):
            lines.append(f"{n}. [{check.title}] " + render_findings([item], "   ")[3:])
    if details:
        for check in review.checks:
            if check.status == "checked":
                lines += ["", f"=== {check.title} ({check.tool}) ===", check.details]
    return "\n".join(lines)


def fence(text: str, language: str = "") -> str:
    """A fenced code block that the text itself cannot close."""
    ticks = "`" * max([3, *(len(run) + 1 for run in re.findall(r"`{3,}", text))])
    return f"{ticks}{language}\n{text.rstrip()}\n{ticks}"


def _md_finding(item: Finding, prefix: str = "- ") -> str:
    head = f"{prefix}**{item.severity.upper()}** `{item.code}` `{item.object}`: {item.message}"
    parts = [head]
    if item.evidence:
        parts.append(f"  evidence: {item.evidence}")
    if item.fix:
        block = fence(item.fix, "sql" if is_sql(item.fix) else "text")
        parts.append("\n".join("  " + line for line in block.splitlines()))
    return "\n".join(parts)


def render_markdown(review: Review, limit: int = MARKDOWN_LIMIT) -> str:
    """The report as a pull-request comment: the verdict and counts first, details collapsed."""
    icon = {0: "✅", 1: "❌", 2: "⚠️"}[review.exit_status]
    head = [
        f"## {icon} pgarchitect: {review.verdict()}",
        "",
        f"Schema `{review.schema}` on `{review.database}`.",
        "",
        "| check | errors | warnings | info | |",
        "|---|---:|---:|---:|---|",
    ]
    for check in review.checks:
        cells = _count_cells(check)
        head.append(f"| {check.title} (`{check.tool}`) | {' | '.join(cells)} | {_note(check)} |")
    top = review.top()
    if top:
        head += ["", "### Top findings", ""]
        head += [_md_finding(item, f"{n}. ") for n, (_c, item) in enumerate(top, 1)]
    text = "\n".join(head)
    for check in review.checks:
        if check.status != "checked" or not (check.findings or check.fix_script):
            continue
        counts = check.counts
        summary = (
            f"{check.title}: {counts['error']} errors, {counts['warning']} warnings, "
            f"{counts['info']} info (<code>{check.tool}</code>)"
        )
        body = [_md_finding(item) for item in check.findings]
        if check.fix_script:
            body += ["", "Every fix, in order:", "", fence(check.fix_script, "sql")]
        section = f"\n\n<details><summary>{summary}</summary>\n\n" + "\n".join(body)
        section += "\n\n</details>"
        if len(text) + len(section) > limit:
            text += (
                f"\n\n_{check.title}: details left out to stay under GitHub's comment limit; "
                f"run `pgarchitect review --format text` for them._"
            )
            continue
        text += section
    return text + "\n"


def render_json(review: Review, version: str) -> dict[str, Any]:
    """The report as data for CI: stable keys, each tool's full result under its key."""
    document: dict[str, Any] = {
        "version": version,
        "schema": review.schema,
        "database": review.database,
        "verdict": review.verdict(),
        "exit_status": review.exit_status,
        "errors": review.errors,
        "checks": {
            c.key: {"tool": c.tool, "status": c.status, "gate": c.gate, "note": c.note}
            | ({"counts": c.counts} if c.status == "checked" else {})
            for c in review.checks
        },
        "top": [
            {"check": check.key, **item.model_dump(mode="json")} for check, item in review.top()
        ],
    }
    for check in review.checks:
        if check.report is not None:
            document[check.key] = check.report.model_dump(mode="json", by_alias=True)
    return document
