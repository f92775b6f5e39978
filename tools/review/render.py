"""`render_review`: a `ModelReview` as text, for the CLI and a person; one block per model."""

from __future__ import annotations

from tools.findings import render_finding
from tools.review.report import ModelReview


def render_review(review: ModelReview, with_code: bool = True) -> str:
    """The review as text: summary, then each model's findings, unread parts and corrected class."""
    summary = review.summary
    counts = ", ".join(f"{n} {severity}" for severity, n in summary.findings.items())
    lines = [
        f"review_models: {summary.models} models in {summary.files_read} files "
        f"(schema {review.schema_name}; against {', '.join(review.against) or 'nothing'}): "
        f"{counts}; {summary.unread} unread; {summary.corrected} with a corrected class",
    ]
    if review.tenant_column:
        lines.append(f"tenant column: {review.tenant_column} ({review.tenant_source})")
    lines += [f"note: {note}" for note in review.notes]
    for unread in review.unread:
        lines.append(f"UNREAD {unread.file}:{unread.line} {unread.what}: {unread.reason}")
    for model in review.models:
        lines += [
            "",
            f"{model.class_name} ({model.table or 'table not readable'}) {model.location}",
        ]
        lines += [render_finding(item, "  ", with_code) for item in model.findings]
        lines += [f"  UNREAD {u.file}:{u.line} {u.what}: {u.reason}" for u in model.unread]
        if with_code and model.corrected_class:
            lines.append("  corrected class:")
            lines += [f"    {line}" if line else "" for line in model.corrected_imports]
            lines += [f"    {line}" if line else "" for line in model.corrected_class.split("\n")]
    if review.project_findings:
        lines += ["", "tables without a model:"]
        lines += [render_finding(item, "  ", with_code) for item in review.project_findings]
    if review.notice:
        lines += ["", f"note: {review.notice}"]
    return "\n".join(lines)
