"""The pgarchitect command: help, configuration errors, the demo, and the README's coverage."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from server.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
EXECUTABLE = Path(sys.executable).parent / "pgarchitect"


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 180):
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(
        [str(EXECUTABLE), *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT / "tests",
    )


def subcommands() -> dict[str, argparse.ArgumentParser]:
    """The command's subparsers, by name (argparse keeps them in its one _SubParsersAction)."""
    (action,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return action.choices


def test_every_subcommand_help_has_an_example():
    for name, sub in subcommands().items():
        assert "example" in sub.format_help(), name


def test_embedded_server_that_cannot_start_is_a_clear_error(tmp_path):
    result = run_cli("demo", env={"PGARCHITECT_EMBEDDED_DATA_DIR": "/proc/no/such/place/pgdata"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "could not start the embedded PostgreSQL" in result.stderr


def test_invalid_database_url_exits_2_with_a_clear_masked_message():
    result = run_cli("demo", env={"DATABASE_URL": "mysql://root:hunter2@db/app"})
    assert result.returncode == 2
    assert "postgresql://" in result.stderr and "hunter2" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_unreachable_database_exits_2_with_the_masked_url():
    result = run_cli(
        "demo",
        env={
            "DATABASE_URL": "postgresql://app:hunter2@127.0.0.1:1/db",
            "PGARCHITECT_CONNECT_TIMEOUT": "1",
        },
    )
    assert result.returncode == 2 and "hunter2" not in result.stderr + result.stdout
    # The URL is named with only its password replaced: user, host, port and database stay.
    assert "cannot connect to postgresql://app:***@127.0.0.1:1/db" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_demo_loads_the_sample_and_reviews_it_with_every_tool(database):
    result = run_cli("demo", "--load-sample", env={"DATABASE_URL": database})
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    for title in ("reflect_database", "validate_isolation", "suggest_indexes", "explain_query"):
        assert f"({title})" in out, title
    assert "section failed" not in out and "failed:" not in out
    lines = out.splitlines()
    # Verdict first, then the counts per check; short enough to read in one screen or two.
    assert lines[1].startswith("FAIL: ") and "isolation" in lines[1], lines[:3]
    assert lines[3].split() == ["check", "errors", "warnings", "info"]
    assert "LEAK PROVEN" in "\n".join(lines[3:9]) and "tags" in out
    assert len(lines) < 120, len(lines)
    # After the findings, one line says what the suite proves about their fixes (#11).
    (proven,) = [n for n, line in enumerate(lines) if line.startswith("Proven in the test suite")]
    assert "tests/test_sample_fix_closure.py" in lines[proven]
    assert proven < lines.index("The other tools, briefly:")
    detailed = run_cli("demo", "--load-sample", "--details", env={"DATABASE_URL": database})
    assert detailed.returncode == 0, detailed.stderr[-2000:]
    assert "=== isolation (validate_isolation) ===" in detailed.stdout
    assert "live probe as taskly_app" in detailed.stdout


@pytest.mark.slow
def test_demo_without_database_url_runs_on_the_embedded_server():
    # Not tmp_path: as root the server runs as 'embedded_postgres', which cannot enter it (0700).
    data_dir = Path(tempfile.mkdtemp(prefix="pgarchitect-test-")) / "pgdata"
    result = run_cli("demo", env={"PGARCHITECT_EMBEDDED_DATA_DIR": str(data_dir)}, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "PostgreSQL 18" in result.stdout and "embedded" in result.stderr


def test_readme_names_every_command_tool_and_setting():
    from server.config import Settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in subcommands():
        assert f"pgarchitect {command}" in readme, command
    for name, field in Settings.model_fields.items():
        assert isinstance(field.validation_alias, str), name  # every setting has its variable
        assert field.validation_alias in readme, field.validation_alias
    import asyncio

    from server.app import build_server
    from server.config import load_settings

    tools = asyncio.run(build_server(load_settings()).list_tools())
    for tool in tools:
        assert f"`{tool.name}`" in readme, tool.name


def test_review_is_a_ci_gate_exit_1_on_errors_0_when_clean(admin, schema, pg_url, tmp_path):
    import json

    from tests.conftest import run_ddl

    run_ddl(admin, schema, "CREATE TABLE notes (id int PRIMARY KEY, body text)")
    env = {"DATABASE_URL": pg_url, "PGARCHITECT_PROJECT_ROOT": str(tmp_path)}
    clean = run_cli("review", "--schema", schema, "--no-spec", env=env)
    assert clean.returncode == 0, clean.stderr[-2000:]
    assert clean.stdout.splitlines()[1].startswith("PASS: no error-severity findings")
    assert "not checked: --no-spec given" in clean.stdout
    run_ddl(
        admin,
        schema,
        "CREATE TABLE orgs (id uuid PRIMARY KEY);"
        "CREATE TABLE tasks (id int PRIMARY KEY, org_id uuid REFERENCES orgs (id));",
    )
    spec = tmp_path / "specs" / "database" / "schema.md"
    spec.parent.mkdir(parents=True)
    spec.write_text("# Schema\n\n## Tables\n\n### notes\n- id: integer (primary key)\n")
    failing = run_cli("review", "--schema", schema, "--format", "json", env=env)
    assert failing.returncode == 1, failing.stderr[-2000:]
    report = json.loads(failing.stdout)
    assert report["errors"] > 0 and report["isolation"]["verdict"] == "not isolated"
    assert {"drift", "isolation", "indexes"} <= set(report)
    assert report["verdict"].startswith("FAIL: ") and report["exit_status"] == 1
    assert report["checks"]["drift"]["status"] == "checked"
    assert report["checks"]["isolation"]["counts"]["error"] >= 1
    assert report["top"][0]["severity"] == "error"
    markdown = run_cli("review", "--schema", schema, "--format", "markdown", env=env)
    assert markdown.returncode == 1, markdown.stderr[-2000:]
    text = markdown.stdout
    assert text.startswith("## ❌ pgarchitect: FAIL: ")
    assert "| check | errors | warnings | info | |" in text
    assert text.index("### Top findings") < text.index("<details>")
    assert "```sql\n" in text and text.count("<details>") == text.count("</details>")


def test_review_includes_the_models_and_fails_the_gate_on_a_model_error(
    admin, schema, pg_url, tmp_path
):
    import json

    from tests.conftest import run_ddl
    from tests.review_support import project_with

    run_ddl(admin, schema, "CREATE TABLE tags (id int PRIMARY KEY, name varchar(50) NOT NULL)")
    results = {}
    for name in ("mod001_defect.py", "mod001_clean.py"):
        root = project_with(tmp_path / name, name)
        env = {"DATABASE_URL": pg_url, "PGARCHITECT_PROJECT_ROOT": str(root)}
        args = ("review", "--schema", schema, "--no-spec", "--format", "json")
        results[name] = run_cli(*args, env=env)
    planted, clean = results["mod001_defect.py"], results["mod001_clean.py"]
    assert planted.returncode == 1, planted.stderr[-2000:]
    models = json.loads(planted.stdout)["checks"]["models"]
    assert models["status"] == "checked" and models["counts"]["error"] >= 1
    assert json.loads(planted.stdout)["top"][0]["code"] == "MOD001"
    assert clean.returncode == 0, clean.stdout[-2000:]
    assert json.loads(clean.stdout)["checks"]["models"]["status"] == "checked"


def test_review_with_a_configured_spec_that_is_missing_exits_2(schema, pg_url, tmp_path):
    env = {
        "DATABASE_URL": pg_url,
        "PGARCHITECT_PROJECT_ROOT": str(tmp_path),
        "PGARCHITECT_SPEC_PATH": "docs/schema.md",
    }
    result = run_cli("review", "--schema", schema, env=env)
    assert result.returncode == 2 and result.stdout == ""
    assert "no spec at" in result.stderr and "--no-spec" in result.stderr
    assert "Traceback" not in result.stderr


def test_version_is_the_package_metadata():
    from importlib.metadata import version

    result = run_cli("--version")
    assert (
        result.returncode == 0 and result.stdout.strip() == f"pgarchitect {version('pgarchitect')}"
    )


def test_review_without_a_database_url_says_what_to_do():
    result = run_cli("review")
    assert result.returncode == 2 and "set DATABASE_URL" in result.stderr
