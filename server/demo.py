"""`pgarchitect demo`: load the sample multi-tenant schema and print the review, verdict first.

The review is the one `pgarchitect review` prints (server/report.py); the tools it does not use
(read_schema_spec, reflect_database, explain_query, generate_model) follow in a few lines each.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import resources as package_files
from pathlib import Path
from typing import TextIO

import psycopg
from psycopg import sql

from server.config import Settings
from server.connecting import connect
from server.db import mask_url, read_only_transaction
from server.review import Plan, run_checks, write_report
from tools import codegen, explain, spec
from tools.catalog import reflect

SAMPLE_SCHEMA = "taskly"
SAMPLE_ROLE = "taskly_app"  # the role the sample application connects as (NOLOGIN)
SAMPLE_SETTING = "app.org_id"
SAMPLE_WORKLOAD = [
    "SELECT id, title FROM tasks WHERE org_id = $1 AND project_id = $2 ORDER BY created_at DESC",
    "SELECT id, title FROM tasks WHERE org_id = $1 AND status = 'todo' ORDER BY created_at DESC",
    "SELECT c.body, u.display_name FROM comments c JOIN users u ON u.id = c.author_id"
    " WHERE c.task_id = $1 ORDER BY c.created_at",
    "SELECT count(*) FROM tasks WHERE assignee_id = $1 AND status <> 'done'",
]
# The test that proves what proven_line() says about the sample (#11).
PROVEN_BY = "tests/test_sample_fix_closure.py"


def sample_file(name: str) -> str:
    """A file of the shipped sample (schema.sql, schema.md)."""
    return package_files.files("resources").joinpath("sample", name).read_text(encoding="utf-8")


def connect_with(url: str, settings: Settings | None) -> psycopg.Connection:
    """A connection bounded by the connect timeout and retries of the settings (#10)."""
    defaults = settings or Settings.model_construct()
    return connect(url, defaults.connect_timeout_s, defaults.connect_retries)


def load_sample(url: str, schema: str = SAMPLE_SCHEMA, settings: Settings | None = None) -> None:
    """(Re)create the sample schema; the only write pgarchitect does, and only for the demo."""
    with connect_with(url, settings) as conn:
        conn.autocommit = True
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        conn.execute(sample_file("schema.sql").encode())  # trusted, shipped DDL
        role = sql.Identifier(SAMPLE_ROLE)
        if not _role_exists(conn, SAMPLE_ROLE):
            conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(role))
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), role))
        conn.execute(
            sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(
                sql.Identifier(schema), role
            )
        )


def read_spec(spec_path: Path) -> spec.SchemaSpec | None:
    """The demo's spec, or None when the file is not there."""
    if not spec_path.is_file():
        return None
    return spec.read_schema_spec(
        str(spec_path), project_root=spec_path.parent, default_path=spec_path
    )


def other_tools(
    parsed: spec.SchemaSpec | None,
) -> list[tuple[str, Callable[[psycopg.Connection, str], str]]]:
    """The tools the review does not show, briefly: title and a function of (conn, schema)."""

    def spec_section(conn: psycopg.Connection, schema: str) -> str:
        if parsed is None:
            return "(no spec: write specs/database/schema.md, or set PGARCHITECT_SPEC_PATH)"
        return spec.render_spec(parsed).split("\n", 1)[0]  # its first line: what was read

    def schema_section(conn: psycopg.Connection, schema: str) -> str:
        return reflect.render_reflect(reflect.reflect_database(conn, schema, detail="summary"))

    def explain_section(conn: psycopg.Connection, schema: str) -> str:
        if schema != SAMPLE_SCHEMA:
            return "(the explain example runs on the sample schema only)"
        query = (
            "SELECT t.id, t.title FROM taskly.tasks t "
            "WHERE t.org_id = $1 AND t.status = 'todo' ORDER BY t.created_at DESC LIMIT 20"
        )
        return explain.render_explain(explain.explain_query(conn, query))

    def codegen_section(conn: psycopg.Connection, schema: str) -> str:
        generated = codegen.generate_model(conn, schema=schema, project_root=Path.cwd())
        summary = codegen.render_codegen(generated, with_code=False).splitlines()
        classes = [line for line in summary if line.startswith("- ") and " ← " in line]
        return "\n".join([*summary[:1], *classes, "(the code itself: the generate_model tool)"])

    return [
        ("The spec (read_schema_spec)", spec_section),
        ("Live schema (reflect_database)", schema_section),
        ("One query's plan (explain_query)", explain_section),
        ("SQLModel code (generate_model)", codegen_section),
    ]


def proven_line(schema: str) -> str:
    """What the test suite proves about the fixes printed above, and no more (#11)."""
    how = (
        "applied to a copy with psql -v ON_ERROR_STOP=1, the tool run again: what it fixed is "
        "gone, nothing new, the next round empty"
    )
    if schema == SAMPLE_SCHEMA:
        return (
            f"Proven in the test suite ({PROVEN_BY}): this sample's isolation fix script, "
            f"index advice and drift fix script, each {how}; every rule's fix is proven so on "
            "planted defects (tests/test_*_fix_closure.py)."
        )
    return (
        f"Every rule's fix is proven on planted defects in the test suite "
        f"(tests/test_*_fix_closure.py: {how}); not on this schema: apply them to a copy first."
    )


def _role_exists(conn: psycopg.Connection, role: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is not None


def run_demo(
    url: str,
    schema: str,
    spec_path: Path,
    out: TextIO = sys.stdout,
    details: bool = False,
    project_root: Path | None = None,
    settings: Settings | None = None,
) -> int:
    """Print the review (verdict first), then the other tools briefly; 1 if a part failed."""
    parsed = read_spec(spec_path)
    bounds = settings or Settings.model_construct()
    with connect_with(url, settings) as conn:
        probe = schema == SAMPLE_SCHEMA and _role_exists(conn, SAMPLE_ROLE)
        plan = Plan(
            schema,
            spec=parsed,
            skip_reason=f"no spec at {spec_path}",
            project_root=project_root or spec_path.parent,
            app_role=SAMPLE_ROLE if probe else None,
            tenant_setting=SAMPLE_SETTING if probe else None,
            probe=probe,
        )
        review = run_checks(conn, plan, mask_url(url))
        write_report(review, "text", out, details=details)
        print(proven_line(schema), file=out)
        status = 1 if review.failed else 0
        print("\nThe other tools, briefly:", file=out)
        for title, section in other_tools(parsed):
            print(f"\n=== {title} ===", file=out)
            try:
                with read_only_transaction(
                    conn, bounds.statement_timeout_s, bounds.lock_timeout_s
                ) as tx:
                    print(section(tx, schema), file=out)
            except Exception as err:  # one broken section must not hide the rest
                print(f"(section failed: {type(err).__name__}: {err})", file=out)
                status = 1
    more = "" if details else "every finding with its evidence: pgarchitect demo --details\n"
    print(
        f"\n{more}the same report as a pull-request comment: pgarchitect review --format markdown"
        "\nis this set up right (role, extensions, MCP client)? pgarchitect doctor",
        file=out,
    )
    return status
