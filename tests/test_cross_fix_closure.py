"""validate_isolation's fix script and suggest_indexes' advice, computed on the same state and
applied together, converge (#11).

For the RLS corpus files, a planted multi-tenant schema and the sample schema: run both tools,
apply the isolation fix script and then the index advice with `psql -v ON_ERROR_STOP=1 -f`, run
both again. What either fixed is gone, neither reports a new error or warning the pair caused
(no index made redundant by the other tool's DDL), and a second round of advice is empty.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from server.demo import SAMPLE_ROLE, SAMPLE_SETTING, load_sample, sample_file
from tests.conftest import run_ddl
from tests.test_indexes_fix_closure import advise, assert_one_set, script
from tests.test_isolation_corpus import (
    SUPABASE_FILES,
    aws_app_user,  # noqa: F401  # the AWS sample's login role, dropped after its database
    aws_sample,
    corpus,
    corpus_file,
    load,
    supabase_roles,  # noqa: F401  # a fixture the corpus cases use
)
from tests.test_isolation_fix_closure import (
    CONNECTION_RULES,
    apply,
    catalog,
    check,
    keys,
    statements,
    tools_role,  # noqa: F401  # the role ISO027's fix creates, dropped afterwards
)
from tests.test_isolation_fix_closure import generated_schema as several_fks_schema
from tools.indexes import render_indexes
from tools.indexes.models import IndexAdvice
from tools.isolation import IsolationReport
from tools.spec.read import parse_spec


def assert_pair_converges(
    url: str, schema: str, tmp_path: Path, **kwargs: Any
) -> tuple[IsolationReport, IndexAdvice]:
    """Both tools' advice on one state, applied isolation first, leaves a fixpoint.

    Returns the first isolation report and index advice.
    """
    iso_before = check(url, schema, **kwargs)
    idx_before = advise(url, schema)
    assert_one_set(url, schema, idx_before)
    if iso_before.fix_script:
        apply(url, iso_before.fix_script, tmp_path)
    if idx_before.suggestions:
        apply(url, script(idx_before), tmp_path)
    iso_after = check(url, schema, **kwargs)
    idx_after = advise(url, schema)
    shown = (
        f"--- isolation script ---\n{iso_before.fix_script}\n"
        f"--- indexes before ---\n{render_indexes(idx_before)}\n"
        f"--- indexes after ---\n{render_indexes(idx_after)}\n"
        f"--- isolation after ---\n{iso_after.findings}"
    )
    fixed = {
        (f.code, f.object)
        for f in iso_before.findings
        if statements(f.fix) and f.code not in CONNECTION_RULES
    }
    assert not fixed & keys(iso_after.findings), shown
    assert not keys(iso_after.findings, ("error", "warning")) - keys(iso_before.findings), shown
    assert idx_after.suggestions == [], shown
    # the second round of isolation advice changes nothing in the catalog
    state = catalog(url, schema)
    if iso_after.fix_script:
        apply(url, iso_after.fix_script, tmp_path)
    assert catalog(url, schema) == state, iso_after.fix_script
    return iso_before, idx_before


def assert_both_advised(iso: IsolationReport, idx: IndexAdvice) -> None:
    """Each tool printed DDL for the schema itself, so the pair was put to the test."""
    schema_fixes = [f for f in iso.findings if statements(f.fix) and f.code not in CONNECTION_RULES]
    assert schema_fixes and idx.suggestions, (iso.findings, render_indexes(idx))


# --- the RLS corpus -----------------------------------------------------------------------------


@corpus
@SUPABASE_FILES
def test_isolation_and_index_advice_converge_on_corpus(
    supabase_roles,  # noqa: F811
    database,
    tools_role,  # noqa: F811
    tmp_path,
    prefix,
    schema_name,
    stubs,
):
    load(database, *stubs, corpus_file(prefix))
    iso, idx = assert_pair_converges(database, schema_name, tmp_path)
    assert_both_advised(iso, idx)


@corpus
def test_isolation_and_index_advice_converge_on_aws_sample(
    aws_app_user,  # noqa: F811
    database,
    tools_role,  # noqa: F811
    tmp_path,
):
    load(database, aws_sample(aws_app_user))
    iso, idx = assert_pair_converges(database, "public", tmp_path)
    assert_both_advised(iso, idx)


# --- a planted multi-tenant schema and the sample -----------------------------------------------

# The usual defects: no RLS, a nullable tenant column, foreign keys that skip the tenant (two of
# them into `users`), unindexed foreign keys, an indirectly owned table without a tenant column.
MULTI_TENANT = """
CREATE TABLE orgs (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE users (id bigint PRIMARY KEY, org_id uuid NOT NULL REFERENCES orgs, email text);
CREATE TABLE projects (
    id bigint PRIMARY KEY,
    org_id uuid REFERENCES orgs ON DELETE CASCADE,
    owner_id bigint NOT NULL REFERENCES users,
    name text NOT NULL
);
CREATE TABLE tasks (
    id bigint PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES orgs ON DELETE CASCADE,
    project_id bigint NOT NULL REFERENCES projects ON DELETE CASCADE,
    assignee_id bigint REFERENCES users,
    status text NOT NULL
);
CREATE INDEX tasks_status ON tasks (status);
CREATE TABLE comments (
    id bigint PRIMARY KEY,
    task_id bigint NOT NULL REFERENCES tasks ON DELETE CASCADE,
    author_id bigint NOT NULL REFERENCES users,
    body text
);
"""


def test_isolation_and_index_advice_converge_on_a_planted_multi_tenant_schema(
    admin,
    pg_url,
    schema,
    tools_role,  # noqa: F811
    tmp_path,
):
    run_ddl(admin, schema, MULTI_TENANT)
    iso, idx = assert_pair_converges(pg_url, schema, tmp_path)
    assert_both_advised(iso, idx)
    # the tenant keys are indexed as the isolation fix indexes them: no plain (org_id) beside
    # the composite key's (org_id, assignee_id), none beside the UNIQUE (org_id, id) it adds
    builds = {(s.table.split(".")[1], tuple(s.columns)): s.index for s in idx.suggestions}
    assert builds[("tasks", ("org_id", "assignee_id"))] == "ix_tasks_org_id_assignee_id"
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_tasks_org_id_assignee_id" in iso.fix_script
    assert not {(name, ("org_id",)) for name in ("projects", "tasks", "users")} & builds.keys()
    for name in ("projects", "users"):  # targets of crossing keys: the UNIQUE serves them
        assert any(note.startswith(f"{name}.org_id: no index asked") for note in idx.notes)


def test_isolation_and_index_advice_converge_with_several_fks_into_one_table(
    admin,
    pg_url,
    schema,
    tools_role,  # noqa: F811
    tmp_path,
):
    run_ddl(admin, schema, several_fks_schema())
    iso, idx = assert_pair_converges(pg_url, schema, tmp_path)
    assert_both_advised(iso, idx)


def test_isolation_and_index_advice_converge_on_the_sample(pg_url, schema, tmp_path):
    load_sample(pg_url, schema)
    spec = parse_spec(sample_file("schema.md"), "schema.md")
    iso, idx = assert_pair_converges(
        pg_url, schema, tmp_path, spec=spec, app_role=SAMPLE_ROLE, tenant_setting=SAMPLE_SETTING
    )
    assert_both_advised(iso, idx)
