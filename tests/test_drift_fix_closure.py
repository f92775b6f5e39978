"""compare_spec_to_database's fix script converges: it applies as printed and silences itself.

For every planted drift of tests/test_drift.py, a generated spec with several foreign keys into
one table and keyword identifiers (`user`, `order`, `time`), and the composite foreign key the
isolation fix writes: run the tool, apply `fix_script` with `psql -v ON_ERROR_STOP=1 -f`, run it
again. No finding the script fixed comes back as an error or warning, nothing new appears,
and the second round's script is empty. Tables and columns only the database has are the
user's choice (describe them, or drop them): the script leaves them, and so do these tests.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from server.db import read_only_transaction
from tests.conftest import run_ddl
from tests.test_drift import CLEAN, PLANTED, SPEC
from tests.test_isolation_fix_closure import apply
from tools.drift import DriftReport, compare_spec_to_database, render_drift
from tools.drift.rules import RULES
from tools.findings import LAST_PHASE
from tools.spec.read import parse_spec


def compare(url: str, schema: str, spec_text: str) -> DriftReport:
    with (
        psycopg.connect(url, prepare_threshold=None) as conn,
        read_only_transaction(conn, statement_timeout_s=30) as tx,
    ):
        return compare_spec_to_database(tx, parse_spec(spec_text, "schema.md"), schema=schema)


def serious(report: DriftReport) -> set[tuple[str, str]]:
    return {(f.code, f.object) for f in report.findings if f.severity != "info"}


def assert_converges(url: str, schema: str, spec_text: str, tmp_path: Path) -> DriftReport:
    """Apply the fix script; what it fixed is gone, nothing new, no second script."""
    before = compare(url, schema, spec_text)
    if before.fix_script:
        apply(url, before.fix_script, tmp_path)
    after = compare(url, schema, spec_text)
    shown = f"--- script ---\n{before.fix_script}\n--- after ---\n{render_drift(after)}"
    fixed = {
        (f.code, f.object)
        for f in before.findings
        if f.fix and RULES[f.code].fix_phase < LAST_PHASE
    }
    assert not fixed & serious(after), shown
    assert serious(after) <= serious(before), shown
    assert after.fix_script == "", shown
    return before


@pytest.mark.parametrize(("database_ddl", "code", "where"), PLANTED)
def test_fix_script_converges_on_planted_drift(
    admin, pg_url, schema, tmp_path, database_ddl, code, where
):
    run_ddl(admin, schema, database_ddl)
    before = assert_converges(pg_url, schema, SPEC, tmp_path)
    assert code in {f.code for f in before.findings}


def test_clean_twin_has_no_script(admin, pg_url, schema):
    run_ddl(admin, schema, CLEAN)
    report = compare(pg_url, schema, SPEC)
    assert report.findings == [] and report.fix_script == ""


KEYWORD_SPEC = """\
# Shop

## user
- id: bigint (pk)
- org_id: bigint (not null)
- email: text (not null, unique)
- time: timestamptz

## order
- id: bigint (pk)
- org_id: bigint (not null)
- buyer_id: bigint (FK -> user.id)
- seller_id: bigint (FK -> user.id, on delete set null)
- approver_id: bigint (FK -> user.id)
- time: timestamptz (not null, default now())
- state: enum('open', 'paid', 'shipped') (not null, default 'open')

## line
- id: bigint (pk)
- order: bigint (not null, FK -> order.id, on delete cascade)
- user: bigint (FK -> user.id)
- qty: int (not null, default 1)
"""
KEYWORD_DATABASE = """
CREATE TABLE "user" (id bigint PRIMARY KEY, org_id bigint NOT NULL, email text NOT NULL);
CREATE TYPE order_state AS ENUM ('open', 'shipped');
CREATE TABLE "order" (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL,
    buyer_id bigint REFERENCES "user",
    seller_id bigint REFERENCES "user",
    approver_id bigint,
    "time" timestamptz,
    state order_state NOT NULL DEFAULT 'open'
);
INSERT INTO "user" VALUES (1, 1, 'a@example.com');
INSERT INTO "order" (id, org_id, buyer_id) VALUES (1, 1, 1);  -- "time" is NULL: a backfill
"""


def test_fix_script_converges_with_keywords_and_several_fks_into_one_table(
    admin, pg_url, schema, tmp_path
):
    run_ddl(admin, schema, KEYWORD_DATABASE)
    before = assert_converges(pg_url, schema, KEYWORD_SPEC, tmp_path)
    found = {(f.code, f.object.removeprefix(f"{schema}.")) for f in before.findings}
    assert {
        ("DRIFT001", "line"),
        ("DRIFT003", "user.time"),
        ("DRIFT006", "order.time"),
        ("DRIFT007", "order.time"),
        ("DRIFT008", "order.approver_id"),
        ("DRIFT009", "order.seller_id"),
        ("DRIFT010", "user.email"),
        ("DRIFT013", "order_state"),
    } <= found, sorted(found)
    rows = admin.execute(f'SELECT count(*) FROM {schema}."order" WHERE "time" IS NOT NULL')
    assert rows.fetchone()[0] == 1  # backfilled with the spec's default, not deleted


BACKFILL_SPEC = """\
## orgs
- id: bigint (pk)

## projects
- id: bigint (pk)
- org_id: bigint (not null, FK -> orgs.id, on delete cascade)

## tasks
- id: bigint (pk)
- project_id: bigint (not null, FK -> projects.id, on delete cascade)
- org_id: bigint (not null, FK -> orgs.id, on delete cascade)
- title: text (not null)
"""
BACKFILL_DATABASE = """
CREATE TABLE orgs (id bigint PRIMARY KEY);
CREATE TABLE projects (
    id bigint PRIMARY KEY, org_id bigint NOT NULL REFERENCES orgs ON DELETE CASCADE
);
CREATE TABLE tasks (
    id bigint PRIMARY KEY, project_id bigint NOT NULL REFERENCES projects ON DELETE CASCADE
);
INSERT INTO orgs VALUES (1), (2);
INSERT INTO projects VALUES (10, 1), (20, 2);
INSERT INTO tasks VALUES (100, 10), (200, 20);
"""


def test_not_null_column_added_to_rows_is_backfilled_from_its_parent(
    admin, pg_url, schema, tmp_path
):
    run_ddl(admin, schema, BACKFILL_DATABASE)
    before = compare(pg_url, schema, BACKFILL_SPEC)
    # org_id comes from the project the task belongs to; title has no source: it says so.
    assert "UPDATE" in next(f.fix or "" for f in before.findings if f.object.endswith("org_id"))
    assert "need a title first" in before.fix_script
    run_ddl(admin, schema, "ALTER TABLE tasks ADD COLUMN title text NOT NULL DEFAULT 'x'")
    assert_converges(pg_url, schema, BACKFILL_SPEC, tmp_path)
    rows = admin.execute(f"SELECT id, org_id FROM {schema}.tasks ORDER BY id").fetchall()
    assert rows == [(100, 1), (200, 2)]


def test_not_null_column_without_a_source_stops_the_script_before_set_not_null(
    admin, pg_url, schema, tmp_path
):
    from tests.test_isolation_fix_closure import psql

    run_ddl(admin, schema, BACKFILL_DATABASE)
    script = compare(pg_url, schema, BACKFILL_SPEC).fix_script
    result = psql(pg_url, script, tmp_path)
    assert result.returncode != 0 and 'column "title"' in result.stderr
    rows = admin.execute(f"SELECT count(*) FROM {schema}.tasks").fetchone()
    assert rows == (2,)  # nothing deleted: the script stopped at the value it cannot choose


COMPOSITE_SPEC = """\
## users
- id: bigint (pk)
- org_id: bigint (not null)

## projects
- id: bigint (pk)
- org_id: bigint (not null)
- owner_id: bigint (not null, FK -> users.id{action})
"""
COMPOSITE_DATABASE = """
CREATE TABLE users (id bigint PRIMARY KEY, org_id bigint NOT NULL, UNIQUE (org_id, id));
CREATE TABLE projects (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL,
    owner_id bigint NOT NULL,
    FOREIGN KEY (org_id, owner_id) REFERENCES users (org_id, id) ON DELETE RESTRICT
);
"""


def test_composite_foreign_key_holding_the_spec_one_satisfies_it(admin, pg_url, schema, tmp_path):
    # What validate_isolation's fix writes for owner_id -> users(id): at most a remark.
    run_ddl(admin, schema, COMPOSITE_DATABASE)
    report = compare(pg_url, schema, COMPOSITE_SPEC.format(action=""))
    assert [(f.code, f.severity) for f in report.findings] == [("DRIFT009", "info")]
    assert "enforced by the composite" in report.findings[0].message
    assert report.fix_script == ""


def test_composite_foreign_key_with_another_on_delete_is_rebuilt_composite(
    admin, pg_url, schema, tmp_path
):
    run_ddl(admin, schema, COMPOSITE_DATABASE)
    spec_text = COMPOSITE_SPEC.format(action=", on delete cascade")
    before = assert_converges(pg_url, schema, spec_text, tmp_path)
    assert [(f.code, f.severity) for f in before.findings] == [("DRIFT009", "warning")]
    assert "(org_id, owner_id)" in before.fix_script  # the tenant stays in the key


def test_fix_script_converges_on_a_foreign_key_the_spec_only_implies(
    admin, pg_url, schema, tmp_path
):
    spec = (
        "# S\n\n## accounts\n- id: bigint (pk)\n\n## notes\n- id: bigint (pk)\n"
        "- account_id: bigint\n\n## Relationships\n- One account has many notes\n"
    )
    run_ddl(
        admin,
        schema,
        "CREATE TABLE accounts (id bigint PRIMARY KEY);"
        "CREATE TABLE notes (id bigint PRIMARY KEY, account_id bigint);"
        "INSERT INTO accounts VALUES (1); INSERT INTO notes VALUES (1, 1), (2, NULL);",
    )
    before = assert_converges(pg_url, schema, spec, tmp_path)
    assert [(f.code, f.severity) for f in before.findings] == [("DRIFT008", "warning")]
    assert admin.execute(f"SELECT count(*) FROM {schema}.notes").fetchone()[0] == 2
