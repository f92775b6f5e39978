"""`tables=` (names or globs) on read_schema_spec and compare_spec_to_database (#10): the answer
holds those tables and what is on them, nothing else; a pattern matching nothing lists the
tables there are."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.demo import load_sample, sample_file
from tools.drift.compare import compare_spec_to_database
from tools.errors import NotFound
from tools.spec import parse_spec, read_schema_spec


@pytest.fixture
def project(tmp_path: Path) -> Path:
    spec = tmp_path / "specs" / "database" / "schema.md"
    spec.parent.mkdir(parents=True)
    spec.write_text(sample_file("schema.md"), encoding="utf-8")
    return tmp_path


def read(project: Path, tables: list[str] | None = None):
    default = project / "specs" / "database" / "schema.md"
    return read_schema_spec(None, project_root=project, default_path=default, tables=tables)


def test_read_schema_spec_keeps_the_tables_asked_for_and_what_is_on_them(project):
    whole = read(project)
    part = read(project, ["task*"])
    assert [e.name for e in part.entities] == ["tasks", "task_tags"]
    assert part.indexes and {i.table for i in part.indexes} <= {"tasks", "task_tags"}
    assert {i.table for i in whole.indexes} - {"tasks", "task_tags"}  # others were left out
    assert all({r.from_table, r.to_table} & {"tasks", "task_tags"} for r in part.relationships)
    assert len(part.relationships) < len(whole.relationships)
    assert part.tenant_column == whole.tenant_column and part.sha256 == whole.sha256
    assert read(project, ["tasks", "tags"]).entities == [
        e for e in whole.entities if e.name in ("tasks", "tags")
    ]


def test_read_schema_spec_pattern_matching_nothing_lists_the_spec_tables(project):
    with pytest.raises(NotFound, match=r"unknown table 'invoice\*'; tables here: .*organizations"):
        read(project, ["invoice*"])


def test_compare_keeps_the_drift_of_the_tables_asked_for(project, pg_url, schema, ro, admin):
    load_sample(pg_url, schema)
    admin.execute(f'ALTER TABLE "{schema}".tasks ADD COLUMN extra int')  # planted on tasks
    admin.execute(f'ALTER TABLE "{schema}".comments ALTER COLUMN body DROP NOT NULL')  # and here
    spec = read(project)
    whole = compare_spec_to_database(ro, spec, schema)
    objects = {f.object for f in whole.findings}
    assert f"{schema}.tasks.extra" in objects and f"{schema}.comments.body" in objects
    part = compare_spec_to_database(ro, spec, schema, tables=["tasks"])
    assert {f.object for f in part.findings} == {
        o for o in objects if o.startswith(f"{schema}.tasks")
    }
    assert part.tables_compared == 1 and "comments" not in part.fix_script
    assert sum(part.counts.values()) == len(part.findings)
    with pytest.raises(NotFound, match=r"unknown table 'nope'; tables here: .*comments"):
        compare_spec_to_database(ro, spec, schema, tables=["nope"])


ENUM_SPEC = """# Spec

## projects

| Column | Type | Constraints |
|---|---|---|
| id | bigint | PK |
| status | enum('active', 'archived') | NOT NULL |

## users

| Column | Type | Constraints |
|---|---|---|
| id | bigint | PK |
"""


def test_compare_keeps_the_enum_drift_of_the_tables_asked_for(schema, ro, admin):
    admin.execute(f'SET search_path TO "{schema}"')
    admin.execute(
        "CREATE TYPE projects_status AS ENUM ('active', 'paused');"
        "CREATE TABLE projects (id bigint PRIMARY KEY, status projects_status NOT NULL);"
        "CREATE TABLE users (id bigint PRIMARY KEY)"
    )
    spec = parse_spec(ENUM_SPEC)
    enum = f"{schema}.projects_status"  # the labels differ: the spec has 'archived'
    assert enum in {f.object for f in compare_spec_to_database(ro, spec, schema).findings}
    part = compare_spec_to_database(ro, spec, schema, tables=["projects"])
    assert enum in {f.object for f in part.findings} and "archived" in part.fix_script
    other = compare_spec_to_database(ro, spec, schema, tables=["users"])
    assert enum not in {f.object for f in other.findings}


def test_validate_isolation_reports_the_tables_asked_for(pg_url, schema, ro, admin):
    from tools.isolation import validate_isolation

    load_sample(pg_url, schema)
    admin.execute(f'ALTER TABLE "{schema}".comments DISABLE ROW LEVEL SECURITY')  # planted
    whole = validate_isolation(ro, schema)
    assert any(f.object.startswith(f"{schema}.comments") for f in whole.findings)
    part = validate_isolation(ro, schema, tables=["task*"])
    assert [t.table for t in part.tables] == [f"{schema}.task_tags", f"{schema}.tasks"]
    assert part.tables == [
        t for t in whole.tables if t.table in {f"{schema}.tasks", f"{schema}.task_tags"}
    ]
    assert f"ALTER TABLE {schema}.comments" in whole.fix_script
    assert f"ALTER TABLE {schema}.comments" not in part.fix_script
    assert sum(part.tables_by_class.values()) == 2
    assert sum(part.counts.values()) == len(part.findings)
    with pytest.raises(NotFound, match=r"unknown table 'nope\*'; tables here: .*comments"):
        validate_isolation(ro, schema, tables=["nope*"])


def test_suggest_indexes_keeps_the_advice_on_the_tables_asked_for(pg_url, schema, ro, admin):
    from tools.indexes import suggest_indexes

    load_sample(pg_url, schema)
    admin.execute(f'CREATE INDEX comments_dup ON "{schema}".comments (task_id)')  # planted twice
    admin.execute(f'CREATE INDEX comments_dup2 ON "{schema}".comments (task_id)')
    admin.execute(f'CREATE INDEX tags_dup ON "{schema}".tags (org_id)')
    admin.execute(f'CREATE INDEX tags_dup2 ON "{schema}".tags (org_id)')
    whole = suggest_indexes(ro, schema, max_indexes=100)
    tables = {s.table for s in whole.suggestions}
    assert {f"{schema}.comments", f"{schema}.tags"} <= tables
    part = suggest_indexes(ro, schema, max_indexes=100, tables=["comments"])
    assert part.suggestions and {s.table for s in part.suggestions} == {f"{schema}.comments"}
    assert [s.code for s in part.suggestions] == [
        s.code for s in whole.suggestions if s.table == f"{schema}.comments"
    ]
    with pytest.raises(NotFound, match=r"unknown table 'nope'; tables here: .*comments"):
        suggest_indexes(ro, schema, tables=["nope"])
