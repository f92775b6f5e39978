"""reflect_database against a real PostgreSQL: every kind of object, paging, sizing, errors."""

from __future__ import annotations

import psycopg
import pytest

from tools.catalog import fetch_snapshot
from tools.catalog.reflect import TOKEN_BUDGET, reflect_database, render_reflect
from tools.errors import ConfigError, NotFound

RICH = """
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE org (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL UNIQUE);
COMMENT ON TABLE org IS 'tenants';
CREATE TABLE task (
    org_id uuid NOT NULL REFERENCES org (id) ON DELETE CASCADE ON UPDATE RESTRICT,
    id bigint GENERATED ALWAYS AS IDENTITY,
    tags text[] DEFAULT '{}',
    meta jsonb,
    feeling mood DEFAULT 'ok',
    price numeric(10, 2) CHECK (price >= 0),
    title varchar(200) NOT NULL,
    doubled bigint GENERATED ALWAYS AS (id * 2) STORED,
    PRIMARY KEY (org_id, id)
);
COMMENT ON COLUMN task.title IS 'what to do';
CREATE TABLE note (
    org_id uuid NOT NULL,
    task_id bigint NOT NULL,
    body text,
    FOREIGN KEY (org_id, task_id) REFERENCES task (org_id, id) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX task_open_idx ON task (org_id, lower(title)) WHERE price > 0;
CREATE INDEX task_cover_idx ON task (org_id DESC NULLS LAST) INCLUDE (meta);
CREATE INDEX task_tags_gin ON task USING gin (tags);
ALTER TABLE task ENABLE ROW LEVEL SECURITY;
ALTER TABLE task FORCE ROW LEVEL SECURITY;
CREATE POLICY task_tenant ON task AS RESTRICTIVE FOR SELECT TO PUBLIC
    USING (org_id = current_setting('app.org_id', true)::uuid);
CREATE POLICY task_insert ON task FOR INSERT
    WITH CHECK (org_id = current_setting('app.org_id', true)::uuid);
CREATE VIEW open_task WITH (security_invoker = true) AS SELECT id, title FROM task;
CREATE MATERIALIZED VIEW task_count AS SELECT org_id, count(*) AS n FROM task GROUP BY org_id;
"""


@pytest.fixture
def rich(ddl, ro, schema):
    ddl(RICH)
    return reflect_database(ro, schema, detail="full")


def test_reflect_reports_columns_with_types_defaults_identity_and_generated(rich):
    task = next(t for t in rich.tables if t.name == "task")
    columns = {c.name: c for c in task.columns}
    assert columns["id"].identity == "always" and not columns["id"].nullable
    assert columns["tags"].type == "text[]" and columns["tags"].is_array
    assert columns["tags"].default == "'{}'::text[]"
    assert columns["meta"].type == "jsonb"
    assert columns["feeling"].enum.endswith(".mood")
    assert columns["price"].type == "numeric(10,2)"
    assert columns["title"].type == "character varying(200)"
    assert columns["title"].comment == "what to do"
    assert columns["doubled"].generated == "(id * 2)" and columns["doubled"].default is None
    assert [c.name for c in task.columns][:2] == ["org_id", "id"]


def test_reflect_reports_composite_keys_as_column_pairs(rich):
    task = next(t for t in rich.tables if t.name == "task")
    note = next(t for t in rich.tables if t.name == "note")
    assert task.primary_key.columns == ["org_id", "id"]
    (fk,) = note.foreign_keys
    assert (fk.columns, fk.ref_table, fk.ref_columns) == (
        ["org_id", "task_id"],
        "task",
        ["org_id", "id"],
    )
    assert fk.deferrable and fk.initially_deferred and fk.on_delete == "NO ACTION"
    (task_fk,) = task.foreign_keys
    assert (task_fk.on_delete, task_fk.on_update) == ("CASCADE", "RESTRICT")


def test_reflect_reports_unique_and_check_constraints(rich):
    org = next(t for t in rich.tables if t.name == "org")
    task = next(t for t in rich.tables if t.name == "task")
    assert [u.columns for u in org.unique_constraints] == [["name"]]
    (check,) = task.check_constraints
    assert check.columns == ["price"] and check.expression == "(price >= (0)::numeric)"
    assert org.comment == "tenants"


def test_reflect_reports_partial_expression_include_and_method(rich):
    task = next(t for t in rich.tables if t.name == "task")
    indexes = {i.name: i for i in task.indexes}
    partial = indexes["task_open_idx"]
    assert partial.keys[0].column == "org_id" and partial.keys[1].column is None
    assert partial.keys[1].expression.replace("(", "").startswith("lowertitle")
    assert partial.predicate == "(price > (0)::numeric)"
    cover = indexes["task_cover_idx"]
    assert cover.include == ["meta"] and cover.keys[0].descending and not cover.keys[0].nulls_first
    assert indexes["task_tags_gin"].method == "gin"
    assert indexes["task_pkey"].primary and indexes["task_pkey"].constraint == "task_pkey"
    assert all(i.valid for i in task.indexes)


def test_reflect_reports_rls_and_policies(rich):
    task = next(t for t in rich.tables if t.name == "task")
    assert task.rls_enabled and task.rls_forced
    policies = {p.name: p for p in task.policies}
    tenant = policies["task_tenant"]
    assert (tenant.command, tenant.permissive, tenant.roles) == ("SELECT", False, ["PUBLIC"])
    assert "current_setting('app.org_id'::text, true)" in tenant.using
    insert = policies["task_insert"]
    assert insert.command == "INSERT" and insert.using is None and "app.org_id" in insert.with_check


def test_reflect_reports_enums_views_and_extensions(rich):
    assert [(e.name, e.values) for e in rich.enums] == [("mood", ["sad", "ok", "happy"])]
    views = {v.name: v for v in rich.views}
    assert views["open_task"].security_invoker and not views["open_task"].materialized
    assert views["task_count"].materialized
    assert "plpgsql" in {e.name for e in rich.extensions}


def test_reflect_filters_tables_by_glob_and_lists_what_exists(ddl, ro, schema):
    ddl(RICH)
    result = reflect_database(ro, schema, tables=["ta*"])
    assert [t.name for t in result.tables] == ["task"]
    with pytest.raises(NotFound, match=r"unknown table 'nope'.*note, org, task"):
        reflect_database(ro, schema, tables=["nope"])


def test_reflect_unknown_schema_lists_schemas(ro, schema):
    with pytest.raises(NotFound, match=rf"unknown schema 'no_such'.*{schema}"):
        reflect_database(ro, "no_such")


def test_reflect_pages_with_limit_and_cursor(ddl, ro, schema):
    ddl("".join(f"CREATE TABLE p{i:02d} (id int PRIMARY KEY);" for i in range(7)))
    seen, cursor = [], None
    while True:
        page = reflect_database(ro, schema, limit=3, cursor=cursor)
        assert page.table_count == 7
        seen += [t.name for t in page.tables]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"p{i:02d}" for i in range(7)]
    with pytest.raises(ConfigError, match="limit"):
        reflect_database(ro, schema, limit=0)
    with pytest.raises(ConfigError, match="invalid cursor 'zzzz'"):
        reflect_database(ro, schema, limit=3, cursor="zzzz")


def test_reflect_auto_detail_switches_to_summary_over_budget(ddl, ro, schema):
    wide = ", ".join(f"column_with_a_long_name_{i} text DEFAULT 'x'" for i in range(40))
    ddl("".join(f"CREATE TABLE wide_{i:03d} (id int PRIMARY KEY, {wide});" for i in range(60)))
    auto = reflect_database(ro, schema)
    assert auto.detail == "summary" and not auto.tables and len(auto.summary) == 60
    assert auto.hint is not None and "tables=" in auto.hint
    assert len(auto.model_dump_json()) < TOKEN_BUDGET * 4
    assert reflect_database(ro, schema, detail="full").detail == "full"
    assert reflect_database(ro, schema, tables=["wide_000"]).detail == "full"
    assert "wide_000: 41 cols" in render_reflect(auto)


def test_reflect_reports_the_connecting_role(rich, admin):
    row = admin.execute(
        "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    assert row is not None
    name, superuser, bypass_rls = row
    assert (rich.role.name, rich.role.superuser, rich.role.bypass_rls) == (
        name,
        superuser,
        superuser or bypass_rls,
    )


def test_reflect_costs_the_same_round_trips_for_1_and_50_tables(
    admin, ddl, pg_url, schema, monkeypatch
):
    from server.db import read_only_transaction

    original = psycopg.Cursor.execute
    calls = 0

    def counting(self, *args, **kwargs):
        nonlocal calls
        calls += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counting)

    def count_queries(tables: int) -> int:
        nonlocal calls
        ddl(
            "".join(f"CREATE TABLE IF NOT EXISTS r{i} (id int PRIMARY KEY);" for i in range(tables))
        )
        with psycopg.connect(pg_url) as conn, read_only_transaction(conn) as tx:
            calls = 0
            fetch_snapshot(tx, schema)
            return calls

    assert count_queries(1) == count_queries(50)
