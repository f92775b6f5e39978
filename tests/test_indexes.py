"""suggest_indexes schema rules: planted defects, each found; a clean twin that stays silent."""

from __future__ import annotations

import json

import pytest

from tools.errors import NotFound
from tools.indexes.models import IndexSpec
from tools.indexes.rules import RULES
from tools.indexes.suggest import render_indexes, suggest_indexes

BASE = """
CREATE TABLE orgs (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE projects (
    id bigint PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES orgs,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_org_created ON projects (org_id, created_at);
"""

PLANTED = [
    pytest.param(
        "CREATE TABLE tasks (id bigint PRIMARY KEY, project_id bigint REFERENCES projects);",
        ("unindexed_fk", "create", "tasks", ["project_id"]),
        id="unindexed-fk",
    ),
    pytest.param(
        """
        CREATE TABLE parent (a int, b int, PRIMARY KEY (a, b));
        CREATE TABLE child (id int PRIMARY KEY, a int, b int, FOREIGN KEY (a, b) REFERENCES parent);
        CREATE INDEX child_a ON child (a);
        """,
        ("unindexed_fk", "create", "child", ["a", "b"]),
        id="unindexed-composite-fk",
    ),
    pytest.param(
        """
        CREATE TABLE tags (id int PRIMARY KEY, label text);
        CREATE INDEX tags_label_1 ON tags (label);
        CREATE INDEX tags_label_2 ON tags (label);
        """,
        ("duplicate_index", "drop", "tags", "tags_label_2"),
        id="duplicate-index",
    ),
    pytest.param(
        """
        CREATE TABLE notes (id int PRIMARY KEY, author text, created date);
        CREATE INDEX notes_author ON notes (author);
        CREATE INDEX notes_author_created ON notes (author, created);
        """,
        ("redundant_index", "drop", "notes", "notes_author"),
        id="redundant-index",
    ),
    pytest.param(
        """
        CREATE TABLE people (id int PRIMARY KEY, email text CONSTRAINT people_email_key UNIQUE);
        CREATE INDEX people_email_plain ON people (email);
        """,
        ("duplicate_index", "drop", "people", "people_email_plain"),
        id="duplicate-of-unique-constraint",
    ),
    pytest.param(
        """
        CREATE TABLE codes (id int PRIMARY KEY, code text);
        CREATE INDEX codes_code ON codes (code);
        UPDATE pg_index SET indisvalid = false
        WHERE indexrelid = 'codes_code'::regclass;
        """,
        ("invalid_index", "rebuild", "codes", "codes_code"),
        id="invalid-index",
    ),
    pytest.param(
        "CREATE TABLE logs (at timestamptz NOT NULL, line text);",
        ("no_primary_key", "review", "logs", None),
        id="no-primary-key",
    ),
    pytest.param(
        """
        CREATE TABLE events (
            id int PRIMARY KEY, org_id bigint NOT NULL REFERENCES orgs, at timestamptz
        );
        CREATE INDEX events_org ON events (org_id);
        CREATE INDEX events_at ON events (at);
        """,
        ("tenant_not_leading", "create", "events", ["org_id", "at"]),
        id="tenant-not-leading",
    ),
    pytest.param(
        """
        CREATE TABLE items (id int PRIMARY KEY, done boolean NOT NULL);
        CREATE INDEX items_done ON items (done);
        INSERT INTO items SELECT g, g % 20 <> 0 FROM generate_series(1, 2000) g;
        ANALYZE items;
        """,
        ("low_selectivity_index", "drop", "items", "items_done"),
        id="low-selectivity-boolean",
    ),
    pytest.param(
        """
        CREATE TABLE big (id int PRIMARY KEY, v bigint);
        INSERT INTO big SELECT g, g FROM generate_series(1, 60000) g;
        CREATE INDEX big_v ON big (v);
        """,
        ("unused_index", "drop", "big", "big_v"),
        id="unused-index",
    ),
]


def _matches(suggestion, expected) -> bool:
    """A replace step is a create, and a drop of each index it replaces."""
    rule, kind, table, detail = expected
    kinds = {suggestion.kind} | ({"create", "drop"} if suggestion.kind == "replace" else set())
    if suggestion.rule != rule or kind not in kinds or not suggestion.table.endswith("." + table):
        return False
    if isinstance(detail, list):
        return suggestion.columns == detail
    if kind == "drop" and suggestion.kind == "replace":
        return detail in suggestion.replaces
    return detail is None or suggestion.index == detail


@pytest.mark.parametrize(("planted", "expected"), PLANTED)
def test_suggest_indexes_reports_planted_defect(ddl, ro, schema, planted, expected):
    ddl(BASE + planted)
    advice = suggest_indexes(ro, schema)
    assert any(_matches(s, expected) for s in advice.suggestions), render_indexes(advice)
    for suggestion in advice.suggestions:
        assert suggestion.code == RULES[suggestion.rule].code  # the name is the code's alias
        if suggestion.kind in ("create", "replace"):
            assert suggestion.ddl is not None, suggestion
            assert suggestion.ddl.startswith("CREATE INDEX CONCURRENTLY IF NOT EXISTS ")
            assert f'ON "{schema}".' in suggestion.ddl
        if suggestion.kind == "drop":
            assert suggestion.ddl is not None, suggestion
            assert suggestion.ddl.startswith("DROP INDEX CONCURRENTLY IF EXISTS ")


def test_clean_twin_yields_no_suggestions(ddl, ro, schema):
    ddl(
        BASE
        + """
        CREATE TABLE tasks (
            id bigint PRIMARY KEY,
            org_id bigint NOT NULL REFERENCES orgs,
            project_id bigint NOT NULL REFERENCES projects,
            title text NOT NULL,
            done boolean NOT NULL DEFAULT false
        );
        CREATE INDEX tasks_project ON tasks (project_id);
        CREATE INDEX tasks_org_title ON tasks (org_id, title);
        CREATE INDEX tasks_open ON tasks (org_id) WHERE NOT done;
        CREATE TABLE parent (a int, b int, PRIMARY KEY (a, b));
        CREATE TABLE child (id int PRIMARY KEY, a int, b int, FOREIGN KEY (a, b) REFERENCES parent);
        CREATE INDEX child_b_a ON child (b, a);
        """
    )
    advice = suggest_indexes(ro, schema)
    assert advice.suggestions == [], render_indexes(advice)
    assert advice.tenant_column == "org_id"
    assert "no suggestions" in render_indexes(advice)


def test_constraint_backing_index_is_never_dropped(ddl, ro, schema):
    ddl(
        """
        CREATE TABLE accounts (id int PRIMARY KEY, email text, handle text,
            CONSTRAINT accounts_email_key UNIQUE (email),
            CONSTRAINT accounts_handle_key UNIQUE (handle));
        CREATE UNIQUE INDEX accounts_email_again ON accounts (email);
        CREATE INDEX accounts_email_handle ON accounts (email, handle);
        CREATE INDEX accounts_handle_plain ON accounts (handle);
        INSERT INTO accounts SELECT g, 'e' || g, 'h' || g FROM generate_series(1, 60000) g;
        """
    )
    advice = suggest_indexes(ro, schema)
    dropped = {s.index for s in advice.suggestions if s.kind == "drop"}
    assert dropped.isdisjoint({"accounts_pkey", "accounts_email_key", "accounts_handle_key"})
    assert {"accounts_email_again", "accounts_handle_plain"} <= dropped


def test_unused_index_reports_statistics_window(ddl, ro, schema):
    ddl(
        """
        CREATE TABLE big (id int PRIMARY KEY, v bigint);
        INSERT INTO big SELECT g, g FROM generate_series(1, 60000) g;
        CREATE INDEX big_v ON big (v);
        CREATE TABLE small (id int PRIMARY KEY, v bigint);
        CREATE INDEX small_v ON small (v);
        """
    )
    advice = suggest_indexes(ro, schema)
    unused = [s for s in advice.suggestions if s.rule == "unused_index"]
    assert [s.index for s in unused] == ["big_v"]
    size = unused[0].size_bytes
    assert size is not None and size > 1024 * 1024
    assert "0 scans since" in unused[0].rationale


def test_low_selectivity_suggests_partial_index_on_rare_value(ddl, ro, schema):
    ddl(
        """
        CREATE TABLE items (id int PRIMARY KEY, done boolean NOT NULL);
        CREATE INDEX items_done ON items (done);
        INSERT INTO items SELECT g, g % 20 <> 0 FROM generate_series(1, 2000) g;
        ANALYZE items;
        """
    )
    advice = suggest_indexes(ro, schema)
    [step] = [s for s in advice.suggestions if s.rule == "low_selectivity_index"]
    assert (step.kind, step.replaces) == ("replace", ["items_done"])  # one step: build, then drop
    assert step.predicate == 'NOT "done"'
    assert step.ddl is not None
    create, drop = step.ddl.split(";\n")
    assert create.endswith('WHERE NOT "done"')
    assert drop.startswith("DROP INDEX CONCURRENTLY IF EXISTS ") and drop.endswith('"items_done"')


def test_rendering_and_answer_are_compact(ddl, ro, schema):
    ddl(BASE + "CREATE TABLE tasks (id bigint PRIMARY KEY, project_id bigint REFERENCES projects);")
    advice = suggest_indexes(ro, schema)
    text = render_indexes(advice)
    assert "IDX001 unindexed_fk" in text
    assert 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ix_tasks_project_id"' in text
    payload = json.loads(advice.model_dump_json())
    assert payload["schema"] == schema
    assert payload["suggestions"][0]["code"] == "IDX001"
    assert payload["suggestions"][0]["rule"] == "unindexed_fk"
    assert payload["suggestions"][0]["sqlmodel"].startswith("project_id: … = Field(index=True)")


def test_index_spec_renders_quoted_ddl_and_sqlmodel():
    spec = IndexSpec(
        schema_name="App",
        table="Task",
        columns=("org_id", "created at"),
        include=("title",),
        predicate='"deleted_at" IS NULL',
    )
    assert spec.create_sql() == (
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ix_Task_org_id_created at_partial" ON '
        '"App"."Task" USING btree ("org_id", "created at") INCLUDE ("title") '
        'WHERE "deleted_at" IS NULL'
    )
    assert spec.sqlmodel().startswith(
        "__table_args__ = (Index('ix_Task_org_id_created at_partial', 'org_id', 'created at', "
        "postgresql_include=['title'], postgresql_where=text('\"deleted_at\" IS NULL')),)"
    )
    long = IndexSpec(schema_name="s", table="t" * 40, columns=("c" * 30,))
    assert len(long.name()) <= 63


def test_every_rule_has_a_planted_test():
    planted = set()
    for param in PLANTED:
        _, expected = param.values
        assert isinstance(expected, tuple), param.id
        planted.add(expected[0])
    assert {rule.name for rule in RULES} - {"workload_index"} == planted


def test_create_never_reuses_a_taken_index_name(ddl, ro, schema):
    # IF NOT EXISTS checks the name only: reusing it would silently create nothing.
    ddl(
        BASE
        + """
        CREATE TABLE tasks (id bigint PRIMARY KEY, project_id bigint REFERENCES projects,
                            title text);
        CREATE INDEX ix_tasks_project_id ON tasks (title);
        """
    )
    advice = suggest_indexes(ro, schema)
    [fk] = [s for s in advice.suggestions if s.rule == "unindexed_fk"]
    assert fk.index == "ix_tasks_project_id_1"
    assert fk.ddl is not None and fk.sqlmodel is not None
    assert (
        '"ix_tasks_project_id_1"' in fk.ddl
        and "Index('ix_tasks_project_id_1', 'project_id')" in fk.sqlmodel
    )


def test_unknown_tenant_column_is_not_found_with_candidates(ddl, ro, schema):
    ddl(BASE)
    with pytest.raises(NotFound, match="unknown tenant column 'nope'") as caught:
        suggest_indexes(ro, schema, tenant_column="nope")
    assert caught.value.existing == ["org_id"]  # columns named like a tenant, not every uuid
    assert suggest_indexes(ro, schema, tenant_column="org_id").tenant_column == "org_id"
