"""validate_isolation as a person reads it (#15): the probe's tenant setting taken from the
policies, counts and articles that read right, and the tenant-column hint naming candidates."""

from __future__ import annotations

import pytest

from tests.test_isolation import BASE, LEAKY, app_role, report_for  # noqa: F401 (fixture)
from tools.errors import ConfigError, NotFound
from tools.isolation import validate_isolation


def test_probe_takes_the_tenant_setting_from_the_policies(ddl, schema, app_role, ro):  # noqa: F811
    ddl(BASE + LEAKY)
    ddl(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {app_role}")
    report = report_for(ro, schema, app_role=app_role, probe=True)
    assert report.probe is not None and report.probe.tenant_setting == "app.tenant_id"
    assert report.probe.leaks == {f"{schema}.docs": 1}
    (leak,) = [f for f in report.findings if f.code == "ISO029"]
    assert "read 1 row of other tenants" in leak.message and "1 rows" not in leak.evidence


@pytest.mark.parametrize(
    ("policy", "named"),
    [
        pytest.param(
            "CREATE POLICY other ON projects USING (org_id = "
            "(SELECT current_setting('app.org', true))::uuid)",
            "they read 'app.org', 'app.tenant_id'",
            id="two-settings",
        ),
        pytest.param(
            "DROP POLICY org_self ON orgs; DROP POLICY tenant ON projects",
            "they read none",
            id="no-setting",
        ),
    ],
)
def test_probe_without_one_setting_in_the_policies_asks_for_it(
    ddl,
    schema,
    app_role,  # noqa: F811
    ro,
    policy,
    named,
):
    ddl(BASE + policy)
    with pytest.raises(ConfigError, match=named) as raised:
        report_for(ro, schema, app_role=app_role, probe=True)
    assert "pass tenant_setting=" in str(raised.value)


def test_a_missing_foreign_key_action_reads_as_a_row_of_the_table(ddl, schema, ro):
    ddl(BASE.replace("REFERENCES orgs ON DELETE CASCADE", "REFERENCES orgs"))
    report = report_for(ro, schema)
    (item,) = [f for f in report.findings if f.code == "ISO019"]
    assert "deleting a row of orgs (or a whole tenant)" in item.message


def test_an_unknown_tenant_column_lists_candidates_not_every_id(ddl, schema, ro):
    ddl(
        BASE + "CREATE TABLE users (id bigint PRIMARY KEY, org_id uuid REFERENCES orgs);"
        "CREATE TABLE tasks (id bigint PRIMARY KEY, org_id uuid REFERENCES orgs,"
        " project_id bigint REFERENCES projects, assignee_id bigint REFERENCES users);"
    )
    with pytest.raises(NotFound) as raised:
        validate_isolation(ro, schema, tenant_column="tenant_id")
    here = str(raised.value).split("tenant columns here: ", 1)[1].split(";")[0]
    assert here == "org_id"
