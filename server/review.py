"""`pgarchitect review`: the architect's checks on a real database, as a CI gate.

Runs compare_spec_to_database (when the project has a spec), validate_isolation and
suggest_indexes in READ ONLY transactions, prints text or JSON, and exits 1 when any check found
an error-severity problem.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

import psycopg
from pydantic import BaseModel

from server.config import Settings
from server.db import read_only_transaction
from tools import drift, indexes, isolation, spec
from tools.errors import ConfigError


def run_review(
    settings: Settings,
    schema: str,
    tenant_column: str | None = None,
    output: str = "text",
    out: TextIO = sys.stdout,
) -> int:
    """Print the review; 1 when drift or isolation has errors, else 0."""
    if not settings.database_url:
        raise ConfigError(
            "review checks a real database: set DATABASE_URL (or run `pgarchitect demo` to see "
            "the checks on the shipped sample)"
        )
    spec_path = settings.resolved_spec_path
    parsed = None
    if spec_path.is_file():
        parsed = spec.read_schema_spec(
            None, project_root=settings.project_root, default_path=spec_path
        )
    reports: dict[str, BaseModel] = {}
    with psycopg.connect(settings.database_url, prepare_threshold=None) as conn:

        def checked(fn: Any, *args: Any, **kwargs: Any) -> BaseModel:
            with read_only_transaction(
                conn, settings.statement_timeout_s, settings.lock_timeout_s
            ) as tx:
                return fn(tx, *args, **kwargs)

        if parsed is not None:
            reports["drift"] = checked(drift.compare_spec_to_database, parsed, schema)
        reports["isolation"] = checked(
            isolation.validate_isolation, schema, tenant_column, spec=parsed
        )
        reports["indexes"] = checked(indexes.suggest_indexes, schema, tenant_column=tenant_column)
    errors = sum(
        report.counts.get("error", 0)
        for key, report in reports.items()
        if key in ("drift", "isolation")
    )
    if output == "json":
        document = {key: report.model_dump(mode="json") for key, report in reports.items()}
        json.dump({"schema": schema, "errors": errors, **document}, out, indent=1)
        out.write("\n")
    else:
        if parsed is None:
            print(f"(no spec at {spec_path}: drift not checked)\n", file=out)
        renders = {
            "drift": drift.render_drift,
            "isolation": isolation.render_isolation,
            "indexes": indexes.render_indexes,
        }
        for key, report in reports.items():
            print(renders[key](report) + "\n", file=out)  # type: ignore[operator]
        print(f"review of schema {schema!r}: {errors} error-severity findings", file=out)
    return 1 if errors else 0
