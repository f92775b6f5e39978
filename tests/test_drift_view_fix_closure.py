"""A column type change under views converges (#11): the views go and come back as they were.

Planted: `tasks.title` is text where the spec says varchar(200), and a view reads it
(security_barrier, WITH CHECK OPTION, a column comment, a column default, a grant WITH GRANT
OPTION and a column grant) under a view over that view (security_invoker, another owner, a
comment, a grant, an INSTEAD OF trigger). The drift script, applied with
`psql -v ON_ERROR_STOP=1`, changes the type; compared again, nothing is left, and both views
have the same definition, options, owner, comments, grants, defaults and triggers. A view that
does not read the column is not touched. A materialized view (and a view over it) comes back
with its data, indexes, comment and grants; policies using the column (on its table, or on
another through EXISTS) come back as they were.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from server.db import read_only_transaction
from tests.conftest import run_ddl
from tests.test_drift_fix_closure import assert_converges, compare
from tests.test_isolation_fix_closure import apply
from tools.catalog.snapshot import fetch_snapshot

SPEC = """\
## tasks
- id: bigint (pk)
- title: varchar(200) (not null)
- done: boolean (not null, default false)
"""
TABLE = """
CREATE TABLE tasks (
    id bigint PRIMARY KEY, title text NOT NULL, done boolean NOT NULL DEFAULT false
);
INSERT INTO tasks VALUES (1, 'write', false), (2, 'ship', true);
"""
VIEWS = """
CREATE VIEW open_tasks WITH (security_barrier = true, check_option = cascaded) AS
    SELECT id, title FROM tasks WHERE NOT done;
CREATE VIEW "open titles" WITH (security_invoker = true) AS
    SELECT title, id FROM open_tasks WHERE id > 0;
CREATE VIEW done_count AS SELECT count(*) AS n FROM tasks WHERE done;
COMMENT ON VIEW "open titles" IS 'what is still to do, by title';
COMMENT ON COLUMN open_tasks.title IS 'the task''s title';
GRANT SELECT ON open_tasks TO {reader} WITH GRANT OPTION;
GRANT SELECT ON "open titles" TO {reader};
ALTER VIEW "open titles" OWNER TO {owner};
GRANT UPDATE (title) ON open_tasks TO {reader};
ALTER VIEW open_tasks ALTER COLUMN id SET DEFAULT 0;
CREATE FUNCTION ignore_write() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;
CREATE TRIGGER "ignore writes" INSTEAD OF INSERT ON "open titles"
    FOR EACH ROW EXECUTE FUNCTION ignore_write();
"""
# What a view is, as the catalog says it: everything re-creating it must keep.
VIEW_STATE = """
SELECT c.relname, c.oid, pg_get_viewdef(c.oid, true), c.reloptions::text[],
       pg_get_userbyid(c.relowner), obj_description(c.oid, 'pg_class'),
       col_description(c.oid, 2), c.relacl::text[],
       ARRAY(SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE t.tgrelid = c.oid),
       ARRAY(SELECT a.attname || ' ' || coalesce(a.attacl::text, '-') || ' '
                    || coalesce(pg_get_expr(d.adbin, d.adrelid), '-')
             FROM pg_attribute a
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE a.attrelid = c.oid AND a.attnum > 0 ORDER BY a.attnum)
FROM pg_class c WHERE c.relnamespace = %s::regnamespace AND c.relkind IN ('v', 'm')
ORDER BY c.relname
"""


@pytest.fixture
def roles(admin: psycopg.Connection, schema: str) -> Iterator[tuple[str, str]]:
    """Two throw-away roles, a reader and a view owner, dropped with what they own or hold."""
    names = (f"reader_{secrets.token_hex(3)}", f"owner_{secrets.token_hex(3)}")
    for name in names:
        admin.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(name)))
    try:
        yield names
    finally:
        for name in names:
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def plant(admin: psycopg.Connection, schema: str, roles: tuple[str, str], extra: str = "") -> None:
    reader, owner = roles
    run_ddl(admin, schema, TABLE + VIEWS.format(reader=reader, owner=owner) + extra)


def view_state(admin: psycopg.Connection, schema: str) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in admin.execute(VIEW_STATE, (schema,)).fetchall()}


def test_snapshot_views_know_what_they_read_and_who_may_read_them(admin, pg_url, schema, roles):
    plant(admin, schema, roles)
    with (
        psycopg.connect(pg_url) as conn,
        read_only_transaction(conn, statement_timeout_s=30) as tx,
    ):
        views = {v.name: v for v in fetch_snapshot(tx, schema).views}
    reads = {(d.relation, d.column) for d in views["open titles"].depends_on}
    assert reads == {("open_tasks", "id"), ("open_tasks", "title")}
    assert ("tasks", "title") in {(d.relation, d.column) for d in views["open_tasks"].depends_on}
    assert ("tasks", "title") not in {
        (d.relation, d.column) for d in views["done_count"].depends_on
    }
    reader, owner = roles
    assert [
        (g.grantee, g.privilege, g.grantable, g.column) for g in views["open_tasks"].grants
    ] == [
        (reader, "SELECT", True, None),
        (reader, "UPDATE", False, "title"),
    ]
    assert [t.split(" INSTEAD")[0] for t in views["open titles"].triggers] == [
        'CREATE TRIGGER "ignore writes"'
    ]
    assert views["open titles"].owner == owner and views["done_count"].grants == []


def test_type_change_under_views_converges_and_keeps_the_views(
    admin, pg_url, schema, roles, tmp_path
):
    plant(admin, schema, roles)
    views_before = view_state(admin, schema)
    before = assert_converges(pg_url, schema, SPEC, tmp_path)
    assert [(f.code, f.object) for f in before.findings] == [("DRIFT005", f"{schema}.tasks.title")]
    assert before.fix_script.index("DROP VIEW") < before.fix_script.index("ALTER TABLE")
    after = view_state(admin, schema)
    assert set(after) == set(views_before)
    for name, (oid, *state) in views_before.items():
        new_oid, *new_state = after[name]
        assert new_state == state, name  # definition, options, owner, comments, grants, …
        assert (new_oid == oid) == (name == "done_count"), name  # only the readers re-created
    column = admin.execute(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attname = 'title'",
        (f"{schema}.tasks",),
    ).fetchone()
    assert column == ("character varying(200)",)
    rows = admin.execute(
        sql.SQL("SELECT title FROM {}.{}").format(
            sql.Identifier(schema), sql.Identifier("open titles")
        )
    ).fetchall()
    assert rows == [("write",)]


def test_clean_twin_leaves_the_views_alone(admin, pg_url, schema, roles):
    plant(admin, schema, roles)
    report = compare(pg_url, schema, SPEC.replace("varchar(200)", "text"))
    assert report.findings == [] and report.fix_script == ""


MATERIALIZED = """
CREATE MATERIALIZED VIEW titles AS SELECT id, title FROM open_tasks;
CREATE UNIQUE INDEX titles_id ON titles (id);
CREATE VIEW titles_seen AS SELECT title FROM titles;
COMMENT ON MATERIALIZED VIEW titles IS 'a copy';
GRANT SELECT ON titles TO {reader};
"""
INDEXES = """
SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index
WHERE indrelid = %s::regclass
"""


def test_materialized_view_reader_is_recreated_with_its_data_and_indexes(
    admin, pg_url, schema, roles, tmp_path
):
    plant(admin, schema, roles, MATERIALIZED.format(reader=roles[0]))
    views_before = view_state(admin, schema)
    indexes_before = admin.execute(INDEXES, (f"{schema}.titles",)).fetchall()
    before = assert_converges(pg_url, schema, SPEC, tmp_path)
    assert "DROP MATERIALIZED VIEW" in before.fix_script and "WITH DATA" in before.fix_script
    after = view_state(admin, schema)
    assert {n: s[1:] for n, s in after.items()} == {n: s[1:] for n, s in views_before.items()}
    assert admin.execute(INDEXES, (f"{schema}.titles",)).fetchall() == indexes_before
    rows = admin.execute(sql.SQL("SELECT id, title FROM {}.titles").format(sql.Identifier(schema)))
    assert rows.fetchall() == [(1, "write")]  # repopulated


def test_definitions_read_on_a_search_path_apply_from_another(
    admin, pg_url, schema, roles, tmp_path
):
    # Read with the schema on the path, the definitions name tasks unqualified; psql runs on
    # the default path: the script sets the path it was read with around the CREATE VIEWs.
    plant(admin, schema, roles)
    on_path = make_conninfo(pg_url, options=f"-c search_path={schema}")
    script = compare(on_path, schema, SPEC).fix_script
    assert f"FROM {schema}.tasks" not in script
    apply(pg_url, script, tmp_path)
    assert compare(pg_url, schema, SPEC).findings == []


POLICY_SPEC = """\
## projects
- id: bigint (pk)
- org_id: bigint (not null)

## tasks
- id: bigint (pk)
- project_id: bigint (not null, FK -> projects.id)
"""
POLICY_DATABASE = """
CREATE TABLE projects (id bigint PRIMARY KEY, org_id integer NOT NULL);
CREATE TABLE tasks (id bigint PRIMARY KEY, project_id bigint NOT NULL REFERENCES projects);
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON projects AS RESTRICTIVE FOR SELECT TO {reader}
    USING (org_id = current_setting('app.org_id')::bigint);
CREATE POLICY "through project" ON tasks
    USING (EXISTS (SELECT 1 FROM projects p WHERE p.id = tasks.project_id
                   AND p.org_id = current_setting('app.org_id')::bigint))
    WITH CHECK (project_id > 0);
CREATE POLICY unrelated ON tasks FOR DELETE USING (id > 0);
"""
POLICY_STATE = """
SELECT p.polrelid::regclass::text, p.polname, p.polcmd, p.polpermissive, p.polroles::regrole[],
       pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid), p.oid
FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
WHERE c.relnamespace = %s::regnamespace ORDER BY 1, 2
"""


def test_type_change_under_policies_converges_and_keeps_them(
    admin, pg_url, schema, roles, tmp_path
):
    # Postgres refuses the change under a policy using the column, on its table or through
    # EXISTS on another; a policy that does not use it stays as it is (same OID).
    run_ddl(admin, schema, POLICY_DATABASE.format(reader=roles[0]))
    policies = admin.execute(POLICY_STATE, (schema,)).fetchall()
    before = assert_converges(pg_url, schema, POLICY_SPEC, tmp_path)
    assert [f.code for f in before.findings] == ["DRIFT005"]
    after = admin.execute(POLICY_STATE, (schema,)).fetchall()
    assert [row[:-1] for row in after] == [row[:-1] for row in policies]
    kept = {row[1] for row, new in zip(policies, after, strict=True) if row[-1] == new[-1]}
    assert kept == {"unrelated"}
