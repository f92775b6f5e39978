"""`pgarchitect review`: the architect's checks on a real database, as a CI gate.

Runs compare_spec_to_database (against the project's spec), validate_isolation, suggest_indexes
and review_models (when that tool is installed), each in its own READ ONLY transaction, and
prints the report (server/report.py) as text, markdown or JSON. Exit status: 0 clean, 1
error-severity findings, 2 a missing spec (without --no-spec), a connection problem or a check
that could not run.
"""

from __future__ import annotations

import inspect
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import psycopg

from server import report
from server.config import Settings
from server.connecting import connect
from server.db import error_line, mask_text, mask_url, read_only_transaction
from server.version import package_version
from tools import drift, indexes, isolation, spec
from tools.errors import ConfigError, PgArchitectError
from tools.progress import report_progress

log = logging.getLogger("pgarchitect.review")
FORMATS = ("text", "markdown", "json")


@dataclass
class Plan:
    """What to check: the schema, the spec (None: drift not checked, for `skip_reason`), the
    probe's role and setting (the demo's), and the project whose models are read."""

    schema: str
    tenant_column: str | None = None
    spec: spec.SchemaSpec | None = None
    skip_reason: str = ""
    project_root: Path | None = None
    app_role: str | None = None
    tenant_setting: str | None = None
    probe: bool = False
    statement_timeout_s: float = 15.0
    lock_timeout_s: float = 2.0


def project_spec(settings: Settings, no_spec: bool) -> tuple[spec.SchemaSpec | None, str]:
    """The parsed spec, or None and why; a configured spec that is missing is a ConfigError."""
    path = settings.resolved_spec_path
    if no_spec:
        return None, "--no-spec given"
    if not path.is_file():
        raise ConfigError(
            f"no spec at {str(path)!r}, so drift cannot be checked; write it, point "
            "PGARCHITECT_SPEC_PATH (relative to PGARCHITECT_PROJECT_ROOT) at it, or pass "
            "--no-spec to review without the spec"
        )
    return spec.read_schema_spec(None, project_root=settings.project_root, default_path=path), ""


def models_tool() -> tuple[Callable[..., Any] | None, Callable[..., str] | None]:
    """review_models and its renderer, when tools/review exports them (else the hook waits)."""
    try:
        from tools import review as models_review  # SQLModel classes vs spec and database
    except ImportError:
        return None, None
    tool = getattr(models_review, "review_models", None)
    render = getattr(models_review, "render_models", None) or getattr(
        models_review, "render_review", None
    )
    return tool, render


def _call_with(fn: Callable[..., Any], conn: psycopg.Connection, **offered: Any) -> Any:
    """Call fn(conn, …) with the offered keyword arguments its signature takes."""
    parameters = inspect.signature(fn).parameters
    kwargs = {name: value for name, value in offered.items() if name in parameters}
    return fn(conn, **kwargs) if "conn" in parameters else fn(**kwargs)


def run_checks(conn: psycopg.Connection, plan: Plan, database: str) -> report.Review:
    """Every check in its own READ ONLY transaction; one that fails is reported, not fatal."""
    tool, render = models_tool()

    def models(tx: psycopg.Connection) -> report.Check:
        assert tool is not None
        result = _call_with(
            tool,
            tx,
            schema=plan.schema,
            project_root=plan.project_root,
            spec=plan.spec,
            tenant_column=plan.tenant_column,
            limit=1000,  # one page: the gate reads every model
        )
        return report.models_check(result, render)

    spec = plan.spec  # a local, so that the lambda below sees it narrowed
    steps: list[tuple[str, Callable[[psycopg.Connection], report.Check] | str]] = [
        (
            "drift",
            (lambda tx: report.drift_check(drift.compare_spec_to_database(tx, spec, plan.schema)))
            if spec is not None
            else plan.skip_reason,
        ),
        (
            "isolation",
            lambda tx: report.isolation_check(
                isolation.validate_isolation(
                    tx,
                    plan.schema,
                    plan.tenant_column,
                    app_role=plan.app_role,
                    tenant_setting=plan.tenant_setting,
                    probe=plan.probe,
                    spec=plan.spec,
                )
            ),
        ),
        (
            "indexes",
            lambda tx: report.index_check(
                indexes.suggest_indexes(tx, plan.schema, tenant_column=plan.tenant_column)
            ),
        ),
        ("models", models if tool else "review_models is not installed in this version"),
    ]
    checks = []
    for done, (key, step) in enumerate(steps):
        title, name, _gate = report.CHECKS[key]
        report_progress(done, len(steps), f"{title} ({name})")
        if isinstance(step, str):
            checks.append(report.skipped(key, step))
            continue
        try:
            with read_only_transaction(conn, plan.statement_timeout_s, plan.lock_timeout_s) as tx:
                checks.append(step(tx))
        except (PgArchitectError, psycopg.Error) as err:
            checks.append(report.skipped(key, mask_text(error_line(err)), "failed"))
        except Exception as err:  # one broken check must not hide the others
            log.debug("check %s failed", key, exc_info=err)
            reason = f"{type(err).__name__}: {mask_text(error_line(err, ''))}"
            checks.append(report.skipped(key, reason, "failed"))
    report_progress(len(steps), len(steps), "done")
    return report.Review(plan.schema, database, checks)


def write_report(review: report.Review, output: str, out: TextIO, details: bool = True) -> None:
    """Print the review in one of FORMATS."""
    if output == "json":
        json.dump(report.render_json(review, package_version()), out, indent=1)
        out.write("\n")
    elif output == "markdown":
        out.write(report.render_markdown(review))
    else:
        out.write(report.render_text(review, details=details) + "\n")


def run_review(
    settings: Settings,
    schema: str,
    tenant_column: str | None = None,
    output: str = "text",
    out: TextIO = sys.stdout,
    no_spec: bool = False,
) -> int:
    """Print the review of DATABASE_URL; the exit status of the report (0, 1 or 2)."""
    if not settings.database_url:
        raise ConfigError(
            "review checks a real database: set DATABASE_URL (or run `pgarchitect demo` to see "
            "the checks on the shipped sample)"
        )
    parsed, why = project_spec(settings, no_spec)
    plan = Plan(
        schema,
        tenant_column,
        parsed,
        why,
        settings.project_root,
        statement_timeout_s=settings.statement_timeout_s,
        lock_timeout_s=settings.lock_timeout_s,
    )
    url = settings.database_url
    with connect(url, settings.connect_timeout_s, settings.connect_retries) as conn:
        review = run_checks(conn, plan, mask_url(settings.database_url))
    write_report(review, output, out)
    return review.exit_status
