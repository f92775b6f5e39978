"""validate_isolation: one planted defect per rule, a clean twin that stays silent, the probe."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from tools.errors import ConfigError, NotFound
from tools.isolation.report import IsolationReport, render_isolation, validate_isolation
from tools.isolation.rules import RULES

BINDING = "(SELECT current_setting('app.tenant_id', true))::uuid"
# A tenant root and a correct tenant table: the clean twin of every planted defect.
BASE = f"""
CREATE TABLE orgs (id uuid PRIMARY KEY, name text NOT NULL);
ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs FORCE ROW LEVEL SECURITY;
CREATE POLICY org_self ON orgs USING (id = {BINDING});
CREATE TABLE projects (
    id bigint PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES orgs ON DELETE CASCADE,
    name text NOT NULL,
    UNIQUE (org_id, name)
);
CREATE INDEX projects_org_id_idx ON projects (org_id);
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON projects USING (org_id = {BINDING});
"""
COLUMN = "org_id uuid NOT NULL REFERENCES orgs ON DELETE CASCADE"
RLS = "ALTER TABLE t ENABLE ROW LEVEL SECURITY; ALTER TABLE t FORCE ROW LEVEL SECURITY;"
POLICY = f"CREATE POLICY tenant ON t USING (org_id = {BINDING});"


def tenant_table(
    column: str = COLUMN,
    rls: str = RLS,
    policies: str = POLICY,
    index: bool = True,
    extra: str = "",
    after: str = "",
) -> str:
    """A correct tenant table `t`, with one part swapped out to plant a defect."""
    return (
        f"CREATE TABLE t (id bigint PRIMARY KEY, {column}, name text, owner text{extra});\n"
        + ("CREATE INDEX t_org_id_idx ON t (org_id);\n" if index else "")
        + f"{rls}\n{policies}\n{after}"
    )


PLANTED = [
    pytest.param(tenant_table(rls="", policies=""), "ISO001", "t", id="rls-disabled"),
    pytest.param(
        tenant_table(rls="ALTER TABLE t ENABLE ROW LEVEL SECURITY;"), "ISO002", "t", id="not-forced"
    ),
    pytest.param(
        tenant_table(column="org_id uuid REFERENCES orgs ON DELETE CASCADE"),
        "ISO003",
        "t.org_id",
        id="tenant-nullable",
    ),
    pytest.param(tenant_table(policies=""), "ISO004", "t", id="rls-without-policy"),
    pytest.param(
        tenant_table(rls=""), "ISO005", "t", id="policies-while-rls-disabled"
    ),  # the policy stays
    pytest.param(
        tenant_table(policies="CREATE POLICY open ON t USING (true);"),
        "ISO006",
        "t.open",
        id="using-true",
    ),
    pytest.param(
        tenant_table(policies="CREATE POLICY anyone ON t USING (current_user = 'app');"),
        "ISO007",
        "t.anyone",
        id="session-only-policy",
    ),
    pytest.param(
        tenant_table(policies="CREATE POLICY named ON t USING (name = 'shared');"),
        "ISO007",
        "t.named",
        id="policy-without-tenant",
    ),
    pytest.param(
        tenant_table(policies="CREATE POLICY unbound ON t USING (org_id IS NOT NULL);"),
        "ISO008",
        "t.unbound",
        id="tenant-not-bound",
    ),
    pytest.param(
        tenant_table(
            policies="CREATE POLICY mine ON t FOR SELECT USING (owner = current_user);",
            after="CREATE INDEX t_owner_idx ON t (owner);",
        ),
        "ISO009",
        "t.mine",
        id="filters-other-column",
    ),
    pytest.param(
        tenant_table(
            policies=f"CREATE POLICY upd ON t FOR UPDATE USING (org_id = {BINDING}) "
            "WITH CHECK (true);"
        ),
        "ISO010",
        "t.upd",
        id="update-check-true",
    ),
    pytest.param(
        tenant_table(
            policies="CREATE POLICY upd ON t FOR UPDATE USING (owner = current_user);",
            after="CREATE INDEX t_owner_idx ON t (owner);",
        ),
        "ISO010",
        "t.upd",
        id="update-without-check",
    ),
    pytest.param(
        tenant_table(policies=f"{POLICY} CREATE POLICY ins ON t FOR INSERT;"),
        "ISO011",
        "t.ins",
        id="insert-without-check",
    ),
    pytest.param(
        tenant_table(
            policies=f"{POLICY} CREATE POLICY also ON t FOR SELECT USING (org_id = {BINDING});"
        ),
        "ISO012",
        "t:SELECT",
        id="permissive-or",
    ),
    pytest.param(
        tenant_table(
            policies=f"CREATE POLICY narrow ON t AS RESTRICTIVE USING (org_id = {BINDING});"
        ),
        "ISO013",
        "t.narrow",
        id="restrictive-alone",
    ),
    pytest.param(
        tenant_table(
            policies="CREATE POLICY fallback ON t USING (org_id = "
            "coalesce((SELECT current_setting('app.tenant_id', true))::uuid, org_id));"
        ),
        "ISO014",
        "t.fallback",
        id="coalesce-matches-all",
    ),
    pytest.param(
        tenant_table(
            policies="CREATE POLICY unset ON t USING ("
            f"(SELECT current_setting('app.tenant_id', true)) IS NULL OR org_id = {BINDING});"
        ),
        "ISO014",
        "t.unset",
        id="is-null-or-matches-all",
    ),
    pytest.param(
        tenant_table(
            policies="CREATE POLICY unset ON t USING (NOT ("
            f"(SELECT current_setting('app.tenant_id', true)) IS NOT NULL) OR org_id = {BINDING});"
        ),
        "ISO014",
        "t.unset",
        id="not-is-not-null-matches-all",
    ),
    pytest.param(
        tenant_table(
            policies="CREATE POLICY slow ON t "
            "USING (org_id = current_setting('app.tenant_id')::uuid);"
        ),
        "ISO015",
        "t.slow",
        id="per-row-current-setting",
    ),
    pytest.param(tenant_table(index=False), "ISO016", "t.org_id", id="no-tenant-index"),
    pytest.param(
        tenant_table(
            policies="CREATE POLICY meta ON t USING (org_id = ((SELECT "
            "current_setting('request.jwt.claims', true))::jsonb -> 'user_metadata' "
            "->> 'org_id')::uuid);"
        ),
        "ISO031",
        "t.meta",
        id="jwt-user-metadata",
    ),
    pytest.param(
        tenant_table(
            policies=f"CREATE POLICY pair ON t USING (org_id = {BINDING} AND owner = current_user);"
        ),
        "ISO017",
        "t.owner",
        id="policy-column-unindexed",
    ),
    pytest.param(
        tenant_table(column="org_id uuid NOT NULL"), "ISO018", "t.org_id", id="no-fk-to-root"
    ),
    pytest.param(
        tenant_table(column="org_id uuid NOT NULL REFERENCES orgs"),
        "ISO019",
        "t.t_org_id_fkey",
        id="fk-without-on-delete",
    ),
    pytest.param(tenant_table(extra=", UNIQUE (name)"), "ISO020", "t.t_name_key", id="unique"),
    pytest.param(
        tenant_table(extra=", project_id bigint REFERENCES projects ON DELETE CASCADE"),
        "ISO021",
        "t.t_project_id_fkey",
        id="cross-tenant-fk",
    ),
    pytest.param(
        "CREATE TABLE t (id bigint PRIMARY KEY, "
        "project_id bigint NOT NULL REFERENCES projects ON DELETE CASCADE);",
        "ISO022",
        "t",
        id="child-without-tenant-column",
    ),
    pytest.param("CREATE TABLE t (code text PRIMARY KEY);", "ISO023", "t", id="unclassified"),
    pytest.param(
        tenant_table(
            policies=f"{POLICY} CREATE POLICY live ON t AS RESTRICTIVE USING (name <> 'gone');"
        ),
        "ISO030",
        "t.live",
        id="restrictive-without-tenant",
    ),
    pytest.param(
        "CREATE VIEW t AS SELECT id, name FROM projects;", "ISO024", "t", id="definer-view"
    ),
    pytest.param(
        "CREATE FUNCTION t() RETURNS bigint LANGUAGE sql SECURITY DEFINER "
        "AS $$ SELECT count(*) FROM projects $$;",
        "ISO025",
        "t()",
        id="definer-function-search-path",
    ),
    pytest.param(
        "CREATE FUNCTION t() RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER "
        "SET search_path = pg_catalog AS $$ BEGIN RETURN (SELECT count(*) FROM projects); END $$;",
        "ISO026",
        "t()",
        id="definer-function-reads-tenant-table",
    ),
]
OTHER_TESTS = {"ISO027", "ISO028", "ISO029"}  # roles and the probe: tests below


def report_for(ro: psycopg.Connection, schema: str, **kwargs) -> IsolationReport:
    return validate_isolation(ro, schema=schema, **kwargs)


def codes_on(report: IsolationReport, obj: str) -> set[str]:
    return {f.code for f in report.findings if f.object == obj}


@pytest.mark.parametrize(("planted", "code", "obj"), PLANTED)
def test_isolation_reports_planted_defect(ddl, schema, ro, planted, code, obj):
    ddl(BASE + planted)
    report = report_for(ro, schema)
    assert code in codes_on(report, f"{schema}.{obj}"), render_isolation(report)
    # the clean twins stay silent whatever was planted beside them
    for table in report.tables:
        if table.table in (f"{schema}.orgs", f"{schema}.projects"):
            assert table.findings == [], table


def test_every_code_has_a_planted_test():
    planted = {p.values[1] for p in PLANTED}
    assert {rule.code for rule in RULES} == planted | OTHER_TESTS


def test_correct_schema_is_isolated(ddl, schema, ro):
    ddl(BASE)
    report = report_for(ro, schema)
    assert [t.findings for t in report.tables] == [[], []]
    assert report.tenant_column == "org_id" and report.tenant_root == "orgs"
    assert report.tables_by_class == {"tenant root": 1, "tenant-owned": 1}
    assert report.unset_behaviour == {
        "current_setting('app.tenant_id')": "NULL when unset (the policy matches nothing)"
    }
    # the test suite connects as a superuser: the only finding is about that role
    assert {f.code for f in report.other_findings} <= {"ISO027"}
    assert report.verdict in ("isolated", "isolated with warnings")


def test_restrictive_tenant_guard_makes_wide_permissive_policies_safe(ddl, schema, ro):
    ddl(
        BASE
        + tenant_table(
            policies="CREATE POLICY readable ON t FOR SELECT USING (true);"
            "CREATE POLICY writable ON t FOR INSERT WITH CHECK (true);"
            f"CREATE POLICY guard ON t AS RESTRICTIVE USING (org_id = {BINDING});"
        )
    )
    report = report_for(ro, schema)
    t = next(t for t in report.tables if t.table == f"{schema}.t")
    assert t.findings == [], render_isolation(report)


def test_child_table_reports_owner_path_and_exists_policy(ddl, schema, ro):
    ddl(
        BASE + "CREATE TABLE tasks (id bigint PRIMARY KEY, "
        "project_id bigint NOT NULL REFERENCES projects ON DELETE CASCADE);"
        "CREATE TABLE notes (id bigint PRIMARY KEY, "
        "task_id bigint NOT NULL REFERENCES tasks ON DELETE CASCADE);"
    )
    report = report_for(ro, schema)
    notes = next(t for t in report.tables if t.table == f"{schema}.notes")
    assert notes.table_class == "indirectly owned"
    assert notes.owner_path == ["notes.task_id → tasks", "tasks.project_id → projects"]
    assert "EXISTS (SELECT 1 FROM" in report.fix_script


def test_ownership_follows_the_path_the_schema_marks(ddl, schema, ro):
    # the comment dies with its task (NOT NULL, ON DELETE CASCADE), not with its author
    ddl(
        BASE + "CREATE TABLE members (id bigint PRIMARY KEY, org_id uuid NOT NULL REFERENCES orgs);"
        "CREATE TABLE tasks (id bigint PRIMARY KEY, "
        "project_id bigint NOT NULL REFERENCES projects ON DELETE CASCADE);"
        "CREATE TABLE comments (id bigint PRIMARY KEY,"
        " author_id bigint NOT NULL REFERENCES members,"
        " task_id bigint NOT NULL REFERENCES tasks ON DELETE CASCADE);"
    )
    report = report_for(ro, schema)
    comments = next(t for t in report.tables if t.table == f"{schema}.comments")
    assert comments.owner_path == ["comments.task_id → tasks", "tasks.project_id → projects"]
    assert comments.other_paths == ["comments.author_id → members"]
    iso022 = next(f for f in comments.findings if f.code == "ISO022")
    assert "other paths: comments.author_id → members" in iso022.evidence
    policy = next(f.fix for f in comments.findings if f.code == "ISO001")
    assert policy is not None and "o1.id = comments.task_id" in policy
    assert "author_id" not in policy


def test_child_table_with_exists_policy_is_accepted(ddl, schema, ro):
    ddl(
        BASE + "CREATE TABLE tasks (id bigint PRIMARY KEY, "
        "project_id bigint NOT NULL REFERENCES projects ON DELETE CASCADE);"
        "CREATE INDEX ON tasks (project_id);"
        "ALTER TABLE tasks ENABLE ROW LEVEL SECURITY; ALTER TABLE tasks FORCE ROW LEVEL SECURITY;"
        "CREATE POLICY via_project ON tasks USING (EXISTS (SELECT 1 FROM projects p "
        f"WHERE p.id = tasks.project_id AND p.org_id = {BINDING}));"
    )
    report = report_for(ro, schema)
    tasks = next(t for t in report.tables if t.table == f"{schema}.tasks")
    assert tasks.table_class == "indirectly owned"
    assert tasks.findings == []


def test_helper_function_and_auth_style_bindings_are_accepted(ddl, schema, ro):
    ddl(
        BASE + "CREATE FUNCTION my_orgs() RETURNS SETOF uuid LANGUAGE sql STABLE SECURITY DEFINER "
        "SET search_path = pg_catalog AS $$ SELECT current_setting('app.tenant_id')::uuid $$;"
        + tenant_table(policies="CREATE POLICY member ON t USING (org_id IN (SELECT my_orgs()));")
    )
    report = report_for(ro, schema)
    t = next(t for t in report.tables if t.table == f"{schema}.t")
    assert t.findings == [], t
    assert any(b.startswith("helper") and b.endswith("my_orgs()") for b in t.bindings)


def test_policy_fix_wraps_session_calls_and_keeps_command(ddl, schema, ro):
    ddl(
        BASE
        + tenant_table(
            policies="CREATE POLICY slow ON t FOR SELECT TO PUBLIC "
            "USING (org_id = current_setting('app.tenant_id')::uuid);"
        )
    )
    report = report_for(ro, schema)
    fix = next(f.fix for f in report.findings if f.code == "ISO015")
    assert fix is not None and "(SELECT current_setting(" in fix
    assert fix.startswith(f"ALTER POLICY slow ON {schema}.t USING (")
    unset = report.unset_behaviour["current_setting('app.tenant_id')"]
    assert unset.startswith("mixed: NULL when unset") and "raises an error when unset" in unset
    assert unset.endswith("in t.slow")


def test_fix_script_orders_columns_before_rls_before_policies(ddl, schema, ro):
    ddl(
        BASE
        + tenant_table(
            column="org_id uuid",
            rls="",
            index=False,
            policies="",
        )
    )
    script = report_for(ro, schema).fix_script
    positions = [
        script.index(marker)
        for marker in (
            "SET NOT NULL",
            "FOREIGN KEY",
            "INDEX CONCURRENTLY IF NOT EXISTS ix_t_",
            "ENABLE ROW",
            "POLICY",
        )
    ]
    assert positions == sorted(positions), script


def test_suppress_by_code_and_by_table(ddl, schema, ro):
    ddl(BASE + tenant_table(index=False, extra=", UNIQUE (name)"))
    report = report_for(ro, schema, suppress=["ISO016:t", "ISO020"])
    assert not {"ISO016", "ISO020"} & {f.code for f in report.findings}
    assert report.suppressed == 2
    with pytest.raises(ConfigError, match="unknown rule 'ISO999'"):
        report_for(ro, schema, suppress=["ISO999"])


def test_shared_tables_and_tenant_column_arguments(ddl, schema, ro):
    ddl(BASE + "CREATE TABLE countries (code text PRIMARY KEY);")
    report = report_for(ro, schema, shared_tables=["countries"], tenant_column="org_id")
    countries = next(t for t in report.tables if t.table == f"{schema}.countries")
    assert countries.table_class == "shared" and countries.findings == []
    with pytest.raises(NotFound, match="unknown table 'nope'"):
        report_for(ro, schema, shared_tables=["nope"])
    with pytest.raises(NotFound, match="unknown tenant column 'tenant'"):
        report_for(ro, schema, tenant_column="tenant")


def test_schema_without_tenancy_says_so(ddl, schema, ro):
    ddl("CREATE TABLE countries (code text PRIMARY KEY);")
    report = report_for(ro, schema)
    assert report.verdict == "no tenancy found"
    assert "no tenancy found".upper() in render_isolation(report)


def test_connecting_superuser_is_named(ddl, schema, ro):
    ddl(BASE)
    report = report_for(ro, schema)
    role = ro.execute("SELECT current_user").fetchone()[0]
    superuser = ro.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    if not superuser[0]:
        pytest.skip("the tests do not connect as a superuser here")
    assert [f.object for f in report.other_findings if f.code == "ISO027"] == [f"role {role}"]


# --- the application role and the live probe --------------------------------------------------


@pytest.fixture
def app_role(admin: psycopg.Connection, schema: str) -> Iterator[str]:
    """A throw-away NOLOGIN role with USAGE on the test schema; dropped with its grants."""
    name = f"app_{secrets.token_hex(4)}"
    admin.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(name)))
    admin.execute(
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
            sql.Identifier(schema), sql.Identifier(name)
        )
    )
    try:
        yield name
    finally:
        admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


LEAKY = f"""
CREATE TABLE docs (
    id bigint PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES orgs ON DELETE CASCADE,
    public boolean NOT NULL DEFAULT false
);
CREATE INDEX docs_org_id_idx ON docs (org_id);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
ALTER TABLE docs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON docs USING (org_id = {BINDING});
CREATE POLICY published ON docs FOR SELECT USING (public);
INSERT INTO orgs VALUES ('00000000-0000-0000-0000-00000000000a', 'a'),
                        ('00000000-0000-0000-0000-00000000000b', 'b');
INSERT INTO projects VALUES (1, '00000000-0000-0000-0000-00000000000a', 'p'),
                            (2, '00000000-0000-0000-0000-00000000000b', 'p');
INSERT INTO docs VALUES (1, '00000000-0000-0000-0000-00000000000a', false),
                        (2, '00000000-0000-0000-0000-00000000000b', true),
                        (3, '00000000-0000-0000-0000-00000000000b', false);
"""


def test_probe_proves_a_leaking_policy(ddl, schema, app_role, ro):
    ddl(BASE + LEAKY)
    ddl(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {app_role}")
    before = ro.execute("SELECT current_user, current_setting('role')").fetchone()
    report = report_for(ro, schema, app_role=app_role, tenant_setting="app.tenant_id", probe=True)
    assert report.probe is not None
    assert len(report.probe.tenants) == 2
    assert report.probe.leaks == {f"{schema}.docs": 1}  # org a sees b's public doc
    leak = [f for f in report.findings if f.code == "ISO029"]
    assert [f.object for f in leak] == [f"{schema}.docs"]
    assert report.verdict == "leak proven"
    projects = [c for c in report.probe.counts if c.table == f"{schema}.projects"]
    assert [(c.visible_rows, c.foreign_rows) for c in projects] == [(1, 0), (1, 0)]
    # role and setting are restored, the transaction is still usable and still read only
    after = ro.execute(
        "SELECT current_user, current_setting('role'), current_setting('app.tenant_id', true),"
        " current_setting('transaction_read_only')"
    ).fetchone()
    assert after[:2] == before and after[2] in (None, "") and after[3] == "on"
    assert "LEAK" in render_isolation(report)


def test_probe_reports_unreadable_tables_without_failing(ddl, schema, app_role, ro):
    ddl(BASE + LEAKY)  # no GRANT SELECT: every count is refused
    report = report_for(ro, schema, app_role=app_role, tenant_setting="app.tenant_id", probe=True)
    assert report.probe is not None and report.probe.leaks == {}
    assert all(c.error and "permission denied" in c.error for c in report.probe.counts)


@pytest.mark.parametrize(
    "grant",
    [
        pytest.param("ALTER ROLE {role} BYPASSRLS", id="bypassrls"),
        pytest.param(
            "ALTER TABLE projects NO FORCE ROW LEVEL SECURITY;ALTER TABLE projects OWNER TO {role}",
            id="owner-without-force",
        ),
    ],
)
def test_app_role_that_bypasses_rls_is_an_error(ddl, schema, app_role, ro, grant):
    ddl(BASE)
    ddl(grant.format(role=app_role))
    report = report_for(ro, schema, app_role=app_role)
    assert [f.code for f in report.other_findings if f.object == f"role {app_role}"] == ["ISO028"]


def test_probe_arguments_are_checked(ddl, schema, ro):
    ddl(BASE)
    with pytest.raises(ConfigError, match="probe=True needs app_role"):
        report_for(ro, schema, probe=True)
    with pytest.raises(ConfigError, match="not a custom setting name"):
        report_for(ro, schema, app_role="postgres", tenant_setting="search_path", probe=True)
    with pytest.raises(NotFound, match="unknown role 'no_such_role_x'"):
        report_for(ro, schema, app_role="no_such_role_x", tenant_setting="app.t", probe=True)


SPEC_NOTES = """# Schema

## Isolation
- Tenant column: `org_id`
- Shared tables: countries, plans (global lookup data)

### countries
- code: text (primary key)
"""


def test_spec_isolation_notes_supply_tenant_column_and_shared_tables(schema, ddl, ro):
    from tools.spec.read import parse_spec

    ddl(
        "CREATE TABLE orgs (id uuid PRIMARY KEY);"
        "CREATE TABLE countries (code text PRIMARY KEY);"
        "CREATE TABLE notes (id int PRIMARY KEY, account_id int,"
        " org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE);"
    )
    spec = parse_spec(SPEC_NOTES, "schema.md")
    assert spec.tenant_column == "org_id" and "countries" in spec.shared_tables
    report = validate_isolation(ro, schema, spec=spec)
    classes = {t.table.split(".")[1]: t.table_class for t in report.tables}
    assert report.tenant_column == "org_id" and report.spec_path == "schema.md"
    assert classes["countries"] == "shared"
    assert "isolation notes read from the spec" in render_isolation(report)
    # Without the spec, countries is a table nobody classified.
    assert {t.table_class for t in validate_isolation(ro, schema).tables} != set(classes.values())
