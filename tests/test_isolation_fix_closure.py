"""validate_isolation's fix script converges: it applies, applies again, and silences itself.

For every planted-defect schema of tests/test_isolation.py, a generated schema with several
foreign keys into one table, keyword and 63-byte identifiers, and the RLS corpus files: run the
tool, apply its fix script with `psql -v ON_ERROR_STOP=1 -f` twice (idempotent), run it again.
The findings the script fixed are gone, no new error or warning appeared, and the second
round's script changes nothing in the catalog.
"""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pglast
import psycopg
import pytest
from psycopg import sql

from server.db import read_only_transaction
from tests.conftest import run_ddl
from tests.test_isolation import BASE, BINDING, PLANTED, tenant_table
from tests.test_isolation_corpus import (
    SUPABASE_FILES,
    aws_app_user,  # noqa: F401  # the AWS sample's login role, dropped after its database
    aws_sample,
    corpus,
    corpus_file,
    load,
    supabase_roles,  # noqa: F401  # a fixture the corpus cases use
)
from tools.catalog.snapshot import fetch_snapshot
from tools.findings import Finding
from tools.isolation import IsolationReport, validate_isolation

# ISO027's fix creates a role to connect the tools as: it is proven by connecting as that role.
CONNECTION_RULES = {"ISO027"}
TOOLS_ROLE = "pgarchitect_ro"
VOLATILE = {"size_bytes", "scans", "row_estimate", "owns_tables"}


def check(url: str, schema: str, **kwargs: Any) -> IsolationReport:
    with (
        psycopg.connect(url, prepare_threshold=None) as conn,
        read_only_transaction(conn, statement_timeout_s=30) as tx,
    ):
        return validate_isolation(tx, schema=schema, **kwargs)


def catalog(url: str, schema: str) -> dict:
    """The schema's catalog snapshot without the statistics that change on their own."""
    with psycopg.connect(url, prepare_threshold=None) as conn:
        dump = fetch_snapshot(conn, schema).model_dump()

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if k not in VOLATILE}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return clean(dump)


def psql(url: str, script: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run a script as psql runs a migration: stop at the first error."""
    path = tmp_path / f"fix_{secrets.token_hex(3)}.sql"
    path.write_text(script)
    return subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def apply(url: str, script: str, tmp_path: Path) -> None:
    """Run a script with psql, which must succeed."""
    result = psql(url, script, tmp_path)
    assert result.returncode == 0, f"{result.stderr}\n--- script ---\n{script}"


def statements(fix: str | None) -> tuple[str, ...]:
    """The SQL statements of a fix, comments left out."""
    return pglast.parser.split(fix, with_parser=True) if fix else ()


def keys(findings: list[Finding], severities: tuple[str, ...] = ("error", "warning", "info")):
    return {(f.code, f.object) for f in findings if f.severity in severities}


def assert_converges(
    url: str, schema: str, tmp_path: Path, **kwargs: Any
) -> tuple[IsolationReport, IsolationReport]:
    """Apply the fix script twice, then check the fixpoint; returns the reports before and after."""
    before = check(url, schema, **kwargs)
    actions = fk_actions(url, schema)
    if before.fix_script:
        apply(url, before.fix_script, tmp_path)
        apply(url, before.fix_script, tmp_path)  # a second run succeeds: idempotent
    after = check(url, schema, **kwargs)
    fixed = {
        (f.code, f.object)
        for f in before.findings
        if statements(f.fix) and f.code not in CONNECTION_RULES
    }
    shown = f"--- script ---\n{before.fix_script}\n--- after ---\n{after.findings}"
    assert not fixed & keys(after.findings), shown
    new = keys(after.findings, ("error", "warning")) - keys(before.findings)
    assert not new, shown
    assert_deletes_reach_no_further(actions, fk_actions(url, schema))
    # the second round of advice changes nothing
    state = catalog(url, schema)
    if after.fix_script:
        apply(url, after.fix_script, tmp_path)
    assert catalog(url, schema) == state, after.fix_script
    assert keys(check(url, schema, **kwargs).findings) == keys(after.findings)
    return before, after


def fk_actions(url: str, schema: str) -> dict[tuple[str, str], str]:
    """ON DELETE of every foreign key in the schema, by (table, constraint)."""
    with psycopg.connect(url, prepare_threshold=None) as conn:
        snapshot = fetch_snapshot(conn, schema)
    return {(t.name, fk.name): fk.on_delete for t in snapshot.tables for fk in t.foreign_keys}


def assert_deletes_reach_no_further(before: dict, after: dict) -> None:
    """A fix keeps each foreign key's ON DELETE (NO ACTION may become RESTRICT), and the keys
    it adds restrict: no DELETE removes or nulls a row it did not before."""
    for key, action in after.items():
        old = before.get(key)
        allowed = {"NO ACTION", "RESTRICT"} if old in (None, "NO ACTION") else {old}
        assert action in allowed, (key, old, action)


@pytest.fixture
def tools_role(admin: psycopg.Connection) -> Iterator[str]:
    """The role ISO027's fix creates, dropped afterwards when this test created it."""
    existed = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (TOOLS_ROLE,)).fetchone()
    try:
        yield TOOLS_ROLE
    finally:
        if existed is None:
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(TOOLS_ROLE)))


def table_of(report: IsolationReport, name: str):
    return next(t for t in report.tables if t.table.split(".", 1)[1] == name)


# --- the planted defects ----------------------------------------------------------------------


@pytest.mark.parametrize(("planted", "code", "obj"), PLANTED)
def test_fix_script_converges_on_planted_defect(
    admin, pg_url, schema, tools_role, tmp_path, planted, code, obj
):
    run_ddl(admin, schema, BASE + planted)
    before, after = assert_converges(pg_url, schema, tmp_path)
    assert code in {f.code for f in before.findings}
    for twin in ("orgs", "projects"):  # the clean twins stay silent before and after
        assert table_of(before, twin).findings == [] and table_of(after, twin).findings == []


def test_clean_schema_has_nothing_to_fix_but_the_connection(admin, pg_url, schema):
    run_ddl(admin, schema, BASE)
    report = check(pg_url, schema)
    assert {f.code for f in report.findings} <= CONNECTION_RULES
    assert schema not in report.fix_script  # nothing in the schema to change


def test_connecting_as_the_role_iso027_creates_silences_it(
    admin, pg_url, schema, tools_role, tmp_path
):
    run_ddl(admin, schema, BASE)
    report = check(pg_url, schema)
    if not any(f.code == "ISO027" for f in report.findings):
        pytest.skip("the tests connect as a role without RLS bypass here")
    apply(pg_url, report.fix_script, tmp_path)
    apply(pg_url, report.fix_script, tmp_path)
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(pg_url)
    host = parts.netloc.rsplit("@", 1)[-1]
    as_role = urlunsplit((parts.scheme, f"{tools_role}@{host}", parts.path, parts.query, ""))
    try:
        psycopg.connect(as_role, connect_timeout=2).close()
    except psycopg.OperationalError as err:
        pytest.skip(f"cannot log in as {tools_role} without a password here: {err}")
    assert not any(f.code == "ISO027" for f in check(as_role, schema).findings)


ORG_A = "00000000-0000-0000-0000-00000000000a"
ORG_B = "00000000-0000-0000-0000-00000000000b"
ROWS = f"""
INSERT INTO orgs VALUES ('{ORG_A}', 'a'), ('{ORG_B}', 'b');
INSERT INTO projects VALUES (1, '{ORG_A}', 'p'), (2, '{ORG_B}', 'p');
"""


def test_backfill_takes_the_tenant_from_the_parent_row(admin, pg_url, schema, tools_role, tmp_path):
    run_ddl(
        admin,
        schema,
        BASE
        + ROWS
        + tenant_table(
            column="org_id uuid REFERENCES orgs ON DELETE CASCADE",
            extra=", project_id bigint NOT NULL REFERENCES projects ON DELETE CASCADE",
        )
        + "INSERT INTO t (id, project_id) VALUES (1, 1), (2, 2);",
    )
    before, _ = assert_converges(pg_url, schema, tmp_path)
    assert "UPDATE" in next(f.fix or "" for f in before.findings if f.code == "ISO003")
    rows = admin.execute(
        sql.SQL("SELECT id, org_id::text FROM {} ORDER BY id").format(sql.Identifier(schema, "t"))
    ).fetchall()
    assert rows == [(1, ORG_A), (2, ORG_B)]


def test_rows_without_a_tenant_stop_the_script_instead_of_being_guessed(
    admin, pg_url, schema, tmp_path
):
    run_ddl(
        admin,
        schema,
        BASE
        + ROWS
        + tenant_table(column="org_id uuid REFERENCES orgs ON DELETE CASCADE")
        + "INSERT INTO t (id) VALUES (1);",
    )
    fix = next(f.fix for f in check(pg_url, schema).findings if f.code == "ISO003")
    assert fix is not None and "UPDATE" not in fix  # no parent row says which tenant
    result = psql(pg_url, fix, tmp_path)
    assert result.returncode != 0 and "contains null values" in result.stderr
    count = admin.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, "t")))
    assert count.fetchone() == (1,)


def test_explicit_on_delete_keeps_what_a_delete_does_and_counts_the_alternatives(
    admin, pg_url, schema, tools_role, tmp_path
):
    run_ddl(
        admin,
        schema,
        BASE
        + ROWS
        + tenant_table(column="org_id uuid NOT NULL REFERENCES orgs")
        + "CREATE TABLE t_notes (id bigint PRIMARY KEY, "
        "t_id bigint NOT NULL REFERENCES t ON DELETE CASCADE);"
        + f"INSERT INTO t (id, org_id) VALUES (1, '{ORG_B}'); INSERT INTO t_notes VALUES (1, 1);",
    )
    before, _ = assert_converges(pg_url, schema, tmp_path)
    iso019 = next(f for f in before.findings if f.object == f"{schema}.t.t_org_id_fkey")
    assert (
        "ON DELETE CASCADE would delete the referencing rows, reaching 2 tables (t, t_notes)"
        in (iso019.evidence)
    )
    assert "ON DELETE SET NULL cannot apply (org_id NOT NULL)" in iso019.evidence
    assert "ON DELETE RESTRICT;" in (iso019.fix or "") and "CASCADE;" not in (iso019.fix or "")
    # PG 18 reports a RESTRICT key as restrict_violation (23001), older ones as 23503.
    refused = (psycopg.errors.ForeignKeyViolation, psycopg.errors.RestrictViolation)
    with pytest.raises(refused):
        admin.execute(
            sql.SQL("DELETE FROM {} WHERE id = %s").format(sql.Identifier(schema, "orgs")), (ORG_B,)
        )
    count = admin.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, "t")))
    assert count.fetchone() == (1,)


def test_exists_policy_follows_a_two_hop_path_and_passes(
    admin, pg_url, schema, tools_role, tmp_path
):
    run_ddl(
        admin,
        schema,
        BASE + "CREATE TABLE tasks (id bigint PRIMARY KEY, "
        "project_id bigint NOT NULL REFERENCES projects ON DELETE CASCADE);"
        "CREATE TABLE notes (id bigint PRIMARY KEY, "
        "task_id bigint NOT NULL REFERENCES tasks ON DELETE CASCADE);",
    )
    before, after = assert_converges(pg_url, schema, tmp_path)
    assert f"FROM {schema}.tasks o1, {schema}.projects o2 WHERE" in before.fix_script
    for name in ("tasks", "notes"):
        assert table_of(after, name).findings == [], after.findings


# --- several foreign keys into one table, keywords and long names -----------------------------

LONG = "a_table_name_that_uses_all_sixty_three_bytes_postgres_allows_xy"
LONG_COLUMN = "a_column_name_that_also_uses_every_one_of_the_sixty_three_bytes"


def generated_schema(references: int = 3) -> str:
    """A tenant schema whose `user` table is pointed at by several foreign keys (no tenant)."""
    assert len(LONG) == 63 and len(LONG_COLUMN) == 63
    user_refs = ",\n".join(
        f'    "ref_{i}" bigint {"NOT NULL" if i == 0 else ""} REFERENCES "user"'
        for i in range(references)
    )
    return f"""
CREATE TABLE orgs (id uuid PRIMARY KEY);
CREATE TABLE "user" (
    id bigint PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES orgs,
    "time" timestamptz,
    email text UNIQUE
);
CREATE TABLE "order" (
    id bigint PRIMARY KEY,
    org_id uuid REFERENCES orgs ON DELETE CASCADE,
    "user" bigint NOT NULL REFERENCES "user",
    approver bigint REFERENCES "user" ON DELETE SET NULL,
    "time" timestamptz NOT NULL
);
CREATE TABLE {LONG} (
    id bigint PRIMARY KEY,
    org_id uuid NOT NULL,
    {LONG_COLUMN} bigint NOT NULL REFERENCES "order" ON DELETE CASCADE,
{user_refs}
);
CREATE TABLE order_line (
    id bigint PRIMARY KEY,
    "order" bigint NOT NULL REFERENCES "order" ON DELETE CASCADE,
    "user" bigint NOT NULL REFERENCES "user",
    quantity int NOT NULL
);
ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs FORCE ROW LEVEL SECURITY;
CREATE POLICY org_self ON orgs USING (id = {BINDING});
"""


def test_fix_script_converges_on_keywords_long_names_and_shared_targets(
    admin, pg_url, schema, tools_role, tmp_path
):
    run_ddl(admin, schema, generated_schema())
    before, after = assert_converges(pg_url, schema, tmp_path)
    script = before.fix_script
    # one UNIQUE (org_id, id) on "user" although five foreign keys need it, before the first
    unique = "ADD CONSTRAINT user_org_id_id_key UNIQUE (org_id, id)"
    assert script.count(unique) == 1, script
    assert script.index(unique) < script.index("FOREIGN KEY (org_id, ref_0)")
    # order_line dies with its order (NOT NULL, ON DELETE CASCADE), not with its user
    lines = table_of(after, "order_line")
    assert lines.table_class == "indirectly owned"
    assert lines.owner_path == ["order_line.order → order"]
    assert lines.other_paths == ["order_line.user → user"]
    # the composite key keeps ON DELETE SET NULL for its own column: a delete nulls no more
    run_ddl(
        admin,
        schema,
        f"""INSERT INTO orgs VALUES ('{ORG_A}');
        INSERT INTO "user" VALUES (1, '{ORG_A}'), (2, '{ORG_A}');
        INSERT INTO "order" VALUES (1, '{ORG_A}', 1, 2, now());
        DELETE FROM "user" WHERE id = 2;""",
    )
    row = admin.execute(
        sql.SQL("SELECT org_id::text, approver FROM {}").format(sql.Identifier(schema, "order"))
    ).fetchone()
    assert row == (ORG_A, None)


# --- the RLS corpus -----------------------------------------------------------------------------


@corpus
@SUPABASE_FILES
def test_fix_script_converges_on_corpus(
    supabase_roles,  # noqa: F811
    database,
    tools_role,
    tmp_path,
    prefix,
    schema_name,
    stubs,
):
    load(database, *stubs, corpus_file(prefix))
    assert_converges(database, schema_name, tmp_path)


@corpus
def test_fix_script_converges_on_aws_sample(aws_app_user, database, tools_role, tmp_path):  # noqa: F811
    load(database, aws_sample(aws_app_user))
    assert_converges(database, "public", tmp_path)
