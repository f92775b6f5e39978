"""`pgarchitect demo`: load the sample multi-tenant schema and print a review using every tool."""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import resources as package_files
from pathlib import Path

import psycopg
from psycopg import sql

from server.db import read_only_transaction
from tools import codegen, drift, explain, indexes, isolation, spec
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


def sample_file(name: str) -> str:
    """A file of the shipped sample (schema.sql, schema.md)."""
    return package_files.files("resources").joinpath("sample", name).read_text(encoding="utf-8")


def load_sample(url: str, schema: str = SAMPLE_SCHEMA) -> None:
    """(Re)create the sample schema; the only write pgarchitect does, and only for the demo."""
    with psycopg.connect(url, autocommit=True) as conn:
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


def sections(spec_path: Path) -> list[tuple[str, Callable[[psycopg.Connection, str], str]]]:
    """The review's sections, in reading order: title and a function of (conn, schema)."""

    def schema_section(conn: psycopg.Connection, schema: str) -> str:
        return reflect.render_reflect(reflect.reflect_database(conn, schema, detail="summary"))

    def isolation_section(conn: psycopg.Connection, schema: str) -> str:
        probe = schema == SAMPLE_SCHEMA and _role_exists(conn, SAMPLE_ROLE)
        report = isolation.validate_isolation(
            conn,
            schema,
            app_role=SAMPLE_ROLE if probe else None,
            tenant_setting=SAMPLE_SETTING if probe else None,
            probe=probe,
        )
        return isolation.render_isolation(report)

    def explain_section(conn: psycopg.Connection, schema: str) -> str:
        if schema != SAMPLE_SCHEMA:
            return "(the explain example runs on the sample schema only)"
        query = (
            "SELECT t.id, t.title FROM taskly.tasks t "
            "WHERE t.org_id = $1 AND t.status = 'todo' ORDER BY t.created_at DESC LIMIT 20"
        )
        return explain.render_explain(explain.explain_query(conn, query))

    def index_section(conn: psycopg.Connection, schema: str) -> str:
        workload = SAMPLE_WORKLOAD if schema == SAMPLE_SCHEMA else None
        return indexes.render_indexes(indexes.suggest_indexes(conn, schema, queries=workload))

    no_spec = f"(no spec at {spec_path}: write one, or set PGARCHITECT_SPEC_PATH)"

    def read_spec() -> spec.SchemaSpec:
        return spec.read_schema_spec(
            str(spec_path), project_root=spec_path.parent, default_path=spec_path
        )

    def spec_section(conn: psycopg.Connection, schema: str) -> str:
        return spec.render_spec(read_spec()) if spec_path.is_file() else no_spec

    def drift_section(conn: psycopg.Connection, schema: str) -> str:
        if not spec_path.is_file():
            return no_spec
        return drift.render_drift(drift.compare_spec_to_database(conn, read_spec(), schema))

    def codegen_section(conn: psycopg.Connection, schema: str) -> str:
        sample = schema == SAMPLE_SCHEMA
        generated = codegen.generate_model(
            conn,
            schema=schema,
            tables=["organizations", "projects", "tasks"] if sample else None,
            project_root=Path.cwd(),
        )
        # The code of a whole real schema is long: its summary here, the code via the tool.
        return codegen.render_codegen(generated, with_code=sample)

    return [
        ("The spec (read_schema_spec)", spec_section),
        ("Live schema (reflect_database)", schema_section),
        ("Spec versus database (compare_spec_to_database)", drift_section),
        ("Tenant isolation (validate_isolation)", isolation_section),
        ("Index advice (suggest_indexes)", index_section),
        ("One query's plan (explain_query)", explain_section),
        ("SQLModel code (generate_model)", codegen_section),
    ]


def _role_exists(conn: psycopg.Connection, role: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is not None


def run_demo(url: str, schema: str, spec_path: Path, out=sys.stdout) -> int:
    """Print every section; a failing section is reported and the others still run."""
    status = 0
    with psycopg.connect(url, prepare_threshold=None) as conn:
        for title, section in sections(spec_path):
            print(f"\n=== {title} ===", file=out)
            try:
                with read_only_transaction(conn) as tx:
                    print(section(tx, schema), file=out)
            except Exception as err:  # one broken section must not hide the rest
                print(f"(section failed: {type(err).__name__}: {err})", file=out)
                status = 1
    return status
