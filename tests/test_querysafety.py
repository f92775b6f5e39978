"""Untrusted query text: every dangerous pattern refused, normal queries planned (PG15 and 16+)."""

from __future__ import annotations

import re
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from server.db import read_only_transaction, start_embedded
from tests.conftest import run_ddl
from tools.errors import Unsupported
from tools.query_errors import without_values
from tools.query_safety import CheckedQuery, check_query, plan, plan_cost

VICTIM = """
CREATE TABLE victim (id int PRIMARY KEY, note text);
INSERT INTO victim VALUES (1, 'still here');
CREATE SEQUENCE victim_seq;
CREATE FUNCTION my_func(int) RETURNS int LANGUAGE sql AS 'SELECT $1';
"""

REFUSED = [
    pytest.param("SELECT 1; DROP TABLE victim", "refused 2 statements", id="stacked"),
    pytest.param("COMMIT; DROP TABLE victim", "refused 2 statements", id="commit-drop"),
    pytest.param("DROP TABLE victim", "'drop'", id="drop"),
    pytest.param("", "refused 0 statements", id="empty"),
    pytest.param("-- only a comment", "refused 0 statements", id="comment-only"),
    pytest.param("SELEC 1", "does not parse", id="syntax-error"),
    pytest.param(
        "WITH d AS (DELETE FROM victim RETURNING *) SELECT * FROM d",
        "data-modifying",
        id="cte-delete",
    ),
    pytest.param(
        "SELECT * FROM (WITH u AS (UPDATE victim SET note = 'x' RETURNING *) SELECT * FROM u) s",
        "data-modifying",
        id="cte-update-in-subquery",
    ),
    pytest.param(
        "WITH i AS (INSERT INTO victim VALUES (2) RETURNING *) SELECT 1",
        "data-modifying",
        id="cte-insert",
    ),
    pytest.param("SELECT * INTO stolen FROM victim", "INTO", id="select-into"),
    pytest.param("SELECT * FROM victim FOR UPDATE", "locking", id="for-update"),
    pytest.param("SELECT * FROM (SELECT * FROM victim FOR SHARE) s", "locking", id="for-share-sub"),
    pytest.param("SELECT * FROM victim FOR KEY SHARE SKIP LOCKED", "locking", id="for-key-share"),
    pytest.param("SELECT * FROM pg_read_file('/etc/passwd')", "pg_read_file", id="read-file-from"),
    pytest.param(
        "SELECT * FROM pg_catalog.pg_read_file('/etc/passwd')",
        "pg_catalog.pg_read_file",
        id="read-file-qualified",
    ),
    pytest.param("SELECT pg_read_binary_file('/etc/passwd')", "pg_read_binary_file", id="read-bin"),
    pytest.param("SELECT * FROM pg_ls_dir('.')", "pg_ls_dir", id="ls-dir"),
    pytest.param("SELECT pg_stat_file('postgresql.conf')", "pg_stat_file", id="stat-file"),
    pytest.param(
        "SELECT * FROM ROWS FROM (generate_series(1, 2), pg_ls_dir('.'))",
        "pg_ls_dir",
        id="rows-from",
    ),
    pytest.param(
        "SELECT * FROM victim WHERE set_config('default_transaction_read_only', 'off', false) "
        "IS NOT NULL",
        "set_config",
        id="set-config-where",
    ),
    pytest.param("SELECT nextval('victim_seq')", "nextval", id="nextval"),
    pytest.param("SELECT setval('victim_seq', 99)", "setval", id="setval"),
    pytest.param(
        "SELECT * FROM dblink('host=x', 'DROP TABLE victim') AS t(x text)", "dblink", id="dblink"
    ),
    pytest.param("SELECT dblink_exec('DROP TABLE victim')", "dblink_exec", id="dblink-exec"),
    pytest.param("SELECT lo_import('/etc/passwd')", "lo_import", id="lo-import"),
    pytest.param("SELECT lo_export(1, '/tmp/x')", "lo_export", id="lo-export"),
    pytest.param("SELECT pg_sleep(10)", "pg_sleep", id="pg-sleep"),
    pytest.param(
        "SELECT * FROM victim ORDER BY pg_cancel_backend(1)",
        "pg_cancel_backend",
        id="order-by-cancel",
    ),
    pytest.param(
        "SELECT * FROM victim v, LATERAL (SELECT pg_terminate_backend(v.id)) t",
        "pg_terminate_backend",
        id="lateral-terminate",
    ),
    pytest.param(
        "WITH x AS (SELECT pg_advisory_lock(1)) SELECT * FROM x", "pg_advisory_lock", id="cte-lock"
    ),
    pytest.param(
        "SELECT * FROM victim WHERE id IN (SELECT txid_current())", "txid_current", id="txid"
    ),
    pytest.param(
        "SELECT query_to_xml('DELETE FROM victim RETURNING 1', true, true, '')",
        "query_to_xml",
        id="query-to-xml",
    ),
    pytest.param("SELECT my_func(id) FROM victim", "my_func", id="user-function"),
    pytest.param("SELECT public.lower('A')", "user-defined", id="other-schema-lower"),
    pytest.param("SELECT \"Lower\"('A')", "'Lower'", id="quoted-case-function"),
    pytest.param("SELECT postgres.pg_catalog.lower('A')", "user-defined", id="three-part-name"),
    pytest.param(
        "SELECT * FROM victim, pg_catalog.set_config('a.b', 'c', false)",
        "set_config",
        id="set-config-from",
    ),
    pytest.param("SELECT 1 OPERATOR(public.+) 2", "operator", id="custom-operator"),
    pytest.param(
        "SELECT * FROM victim ORDER BY id USING OPERATOR(public.<)", "operator", id="order-using"
    ),
    pytest.param(
        "SELECT * FROM victim TABLESAMPLE system_time(1000)", "TABLESAMPLE", id="tablesample-time"
    ),
    pytest.param("COPY victim TO '/tmp/stolen'", "'copy'", id="copy-to-file"),
    pytest.param("COPY (SELECT 1) TO PROGRAM 'rm -rf /'", "'copy'", id="copy-program"),
    pytest.param("DO $$ BEGIN DROP TABLE victim; END $$", "'do'", id="do-block"),
    pytest.param("CALL my_proc()", "'call'", id="call"),
    pytest.param("SET default_transaction_read_only = off", "only select", id="set"),
    pytest.param("RESET ALL", "only select", id="reset"),
    pytest.param("BEGIN READ WRITE", "only select", id="begin"),
    pytest.param("PREPARE p AS DELETE FROM victim", "'prepare'", id="prepare"),
    pytest.param("EXECUTE p", "'execute'", id="execute"),
    pytest.param("DEALLOCATE ALL", "'deallocate'", id="deallocate"),
    pytest.param("EXPLAIN ANALYZE DELETE FROM victim", "'explain'", id="explain-analyze-delete"),
    pytest.param("DELETE FROM victim", "'delete'", id="delete-without-allow-dml"),
    pytest.param("CREATE TABLE stolen AS SELECT 1", "only select", id="create-table-as"),
    pytest.param("LOCK TABLE victim", "'lock'", id="lock-table"),
    pytest.param("NOTIFY ch", "'notify'", id="notify"),
    pytest.param("VACUUM victim", "only select", id="vacuum"),
    pytest.param("DECLARE c CURSOR FOR SELECT 1", "only select", id="declare-cursor"),
]


@pytest.fixture(scope="module")
def victim(admin: psycopg.Connection) -> Iterator[str]:
    """A schema whose table (with a sequence and a user function) every refused query tries to
    harm; shared by the module, as nothing may change it."""
    name = f"t_{secrets.token_hex(4)}"
    admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    try:
        run_ddl(admin, name, VICTIM)
        yield name
    finally:
        admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def _victim_intact(admin: psycopg.Connection, schema: str) -> bool:
    query = sql.SQL("SELECT note FROM {} WHERE id = 1").format(sql.Identifier(schema, "victim"))
    rows = admin.execute(query).fetchall()
    return rows == [("still here",)]


@pytest.mark.parametrize(("text", "fragment"), REFUSED)
def test_check_query_refuses_dangerous_pattern(admin, victim, ro, text, fragment):
    with pytest.raises(Unsupported, match="refused") as caught:
        query = check_query(text)
        plan(ro, query)  # only reached if the check let it through
    assert fragment in str(caught.value)
    assert "select" in str(caught.value).lower()  # says what is accepted
    assert _victim_intact(admin, victim)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("WITH d AS (DELETE FROM victim RETURNING *) SELECT * FROM d", id="cte"),
        pytest.param(
            "UPDATE victim SET note = (SELECT pg_read_file('/etc/passwd'))", id="function-in-update"
        ),
        pytest.param(
            "MERGE INTO victim v USING victim w ON v.id = w.id WHEN MATCHED THEN DELETE", id="merge"
        ),
        pytest.param(
            "DELETE FROM victim WHERE id IN (SELECT id FROM victim FOR UPDATE)", id="lock-in-delete"
        ),
    ],
)
def test_check_query_refuses_with_allow_dml(admin, victim, text):
    with pytest.raises(Unsupported, match="refused"):
        check_query(text, allow_dml=True)
    assert _victim_intact(admin, victim)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("SELECT 1; DROP TABLE victim", id="stacked"),
        pytest.param("SELECT $1::int; DROP TABLE victim", id="stacked-with-param"),
    ],
)
def test_plan_refuses_stacked_text_even_without_the_check(admin, victim, ro, text):
    # The transport is the second line of defence: the extended protocol takes one statement.
    unchecked = CheckedQuery(sql=text, kind="select", tree=None, param_count=text.count("$1"))
    ro.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(victim)))
    with pytest.raises(Unsupported, match="multiple commands"):
        plan(ro, unchecked)
    assert ro.execute("SELECT 1").fetchone() == (1,)  # the caller's transaction is usable
    assert _victim_intact(admin, victim)


SHOP = """
CREATE TABLE users (id int PRIMARY KEY, org_id int NOT NULL, email text NOT NULL, meta jsonb);
CREATE TABLE orders (
    id int PRIMARY KEY, user_id int NOT NULL REFERENCES users, status text NOT NULL,
    total numeric NOT NULL, created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_user_id ON orders (user_id);
INSERT INTO users SELECT g, g % 10, 'u' || g || '@x.org', '{}' FROM generate_series(1, 2000) g;
INSERT INTO orders SELECT g, 1 + g % 2000, 'open', g, now() FROM generate_series(1, 5000) g;
ANALYZE users; ANALYZE orders;
CREATE POLICY by_status ON orders USING (status = current_setting('app.status', true));
"""

ACCEPTED = [
    pytest.param(
        "SELECT u.email, count(o.id) FROM {s}.users u JOIN {s}.orders o ON o.user_id = u.id "
        "WHERE u.org_id = $1 GROUP BY u.email ORDER BY count(o.id) DESC LIMIT 10",
        1,
        id="join-group-param",
    ),
    pytest.param(
        "WITH recent AS (SELECT * FROM {s}.orders WHERE created_at > now() - interval '7 days') "
        "SELECT user_id, sum(total) FROM recent GROUP BY 1",
        0,
        id="cte",
    ),
    pytest.param(
        "SELECT id, row_number() OVER (PARTITION BY user_id ORDER BY created_at DESC), "
        "lag(total) OVER w FROM {s}.orders WINDOW w AS (ORDER BY id)",
        0,
        id="window",
    ),
    pytest.param(
        "SELECT * FROM {s}.orders WHERE user_id = $1 AND status = $2 ORDER BY created_at LIMIT $3",
        3,
        id="three-params",
    ),
    pytest.param(
        "SELECT * FROM {s}.users WHERE lower(email) LIKE 'u1%' AND coalesce(meta->>'k', '') = ''",
        0,
        id="percent-in-literal",
    ),
    pytest.param(
        "SELECT date_trunc('day', created_at), extract(year FROM created_at), "
        "jsonb_build_object('n', count(*)) FROM {s}.orders GROUP BY 1, 2",
        0,
        id="date-json",
    ),
    pytest.param(
        "SELECT g, pg_catalog.upper('a') FROM generate_series(1, 3) g "
        "WHERE EXISTS (SELECT 1 FROM {s}.users u WHERE u.id = g)",
        0,
        id="from-function-exists",
    ),
    pytest.param(
        "SELECT id FROM {s}.users UNION ALL SELECT user_id FROM {s}.orders "
        "WHERE created_at AT TIME ZONE 'UTC' > '2020-01-01'",
        0,
        id="union-at-time-zone",
    ),
    pytest.param(
        "SELECT * FROM {s}.users u, LATERAL (SELECT o.total FROM {s}.orders o "
        "WHERE o.user_id = u.id ORDER BY o.created_at DESC LIMIT 1) last",
        0,
        id="lateral",
    ),
    pytest.param("SELECT '{s}.users'::regclass, 1;", 0, id="cast-trailing-semicolon"),
    pytest.param(
        "SELECT * FROM {s}.orders WHERE status = current_setting('app.status', true)",
        0,
        id="current-setting-a-policy-reads",
    ),
]


@pytest.fixture
def shop(ddl, schema: str) -> str:
    """Users and orders with a few thousand rows, analysed."""
    ddl(SHOP)
    return schema


@pytest.mark.parametrize(("template", "params"), ACCEPTED)
def test_check_query_accepts_and_plans_normal_query(shop, ro, template, params):
    text = template.format(s=shop)
    query = check_query(text)
    assert (query.sql, query.kind, query.param_count) == (text, "select", params)
    assert plan_cost(ro, query) > 0
    assert ro.execute("SELECT count(*) FROM pg_prepared_statements").fetchone() == (0,)
    assert ro.execute("SELECT current_setting('plan_cache_mode')").fetchone() == ("auto",)


@pytest.mark.parametrize(
    ("template", "kind"),
    [
        pytest.param("UPDATE {s}.orders SET status = 'paid' WHERE id = $1", "update", id="update"),
        pytest.param("DELETE FROM {s}.orders WHERE user_id = $1", "delete", id="delete"),
        pytest.param(
            "INSERT INTO {s}.orders (id, user_id, status, total) VALUES ($1, $2, $3, $4)",
            "insert",
            id="insert",
        ),
        pytest.param("DELETE FROM {s}.orders WHERE status = 'open'", "delete", id="delete-literal"),
    ],
)
def test_dml_is_explained_never_executed(admin, shop, ro, template, kind):
    query = check_query(template.format(s=shop), allow_dml=True)
    assert query.kind == kind
    assert plan(ro, query)["Plan"]["Node Type"] == "ModifyTable"
    with pytest.raises(Unsupported, match="only SELECT is ever executed"):
        plan(ro, query, analyze=True)
    count = sql.SQL("SELECT count(*), min(status) FROM {}").format(sql.Identifier(shop, "orders"))
    assert admin.execute(count).fetchone() == (5000, "open")


def _index_scan_on(plan_json: dict, index: str) -> bool:
    """Whether some node of the plan uses the named index."""
    node = plan_json.get("Plan", plan_json)
    if node.get("Index Name") == index:
        return True
    return any(_index_scan_on(child, index) for child in node.get("Plans", []))


def _check_generic_plan(conn: psycopg.Connection, schema: str) -> None:
    query = check_query(f"SELECT * FROM {schema}.orders WHERE user_id = $1")
    result = plan(conn, query)
    assert _index_scan_on(result, "orders_user_id")
    assert "$1" in str(result)  # generic: the parameter, not a value, is in the condition
    assert conn.execute("SELECT count(*) FROM pg_prepared_statements").fetchone() == (0,)


def test_plan_gives_generic_plan_for_params(shop, ro):
    _check_generic_plan(ro, shop)


@pytest.fixture(scope="session")
def url_16_plus(pg_url: str, server_version: int) -> str:
    """A PostgreSQL 16+ server: the test server if new enough, else the embedded one."""
    if server_version >= 160000:
        return pg_url
    try:
        return start_embedded(Path(tempfile.mkdtemp(prefix="pgarchitect-pg18-")) / "pgdata")
    except Exception as err:  # the wheel is optional for this test
        pytest.skip(f"embedded PostgreSQL not available: {err}")


@pytest.fixture
def schema_16_plus(url_16_plus: str) -> Iterator[tuple[str, str]]:
    """(url, schema): the shop tables in a fresh schema of a 16+ server."""
    name = f"t_{secrets.token_hex(4)}"
    with psycopg.connect(url_16_plus, autocommit=True) as setup:
        setup.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
        try:
            run_ddl(setup, name, SHOP)
            yield url_16_plus, name
        finally:
            setup.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def test_plan_gives_generic_plan_for_params_on_16_plus(schema_16_plus):
    url, name = schema_16_plus
    with (
        psycopg.connect(url, prepare_threshold=None) as conn,
        read_only_transaction(conn, statement_timeout_s=30) as tx,
    ):
        assert tx.info.server_version >= 160000
        _check_generic_plan(tx, name)


def test_plan_analyze_runs_select_and_rolls_back(shop, ro):
    query = check_query(f"SELECT count(*) FROM {shop}.orders WHERE total > 10")
    result = plan(ro, query, analyze=True)
    assert result["Plan"]["Actual Rows"] == 1
    assert "Execution Time" in result
    failing = check_query(f"SELECT 1 / (id - id) FROM {shop}.orders")
    with pytest.raises(Unsupported, match=r"while running it: SQLSTATE 22012 \(division_by_zero\)"):
        plan(ro, failing, analyze=True)
    assert ro.execute("SELECT 1").fetchone() == (1,)  # rolled back to the savepoint
    assert ro.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS


def test_plan_analyze_error_does_not_quote_row_values(shop, ro):
    leaking = check_query(f"SELECT email::int FROM {shop}.users")
    with pytest.raises(Unsupported, match="invalid_text_representation") as caught:
        plan(ro, leaking, analyze=True)
    assert "@x.org" not in str(caught.value)
    regclass = check_query(f"SELECT email::regclass FROM {shop}.users")
    with pytest.raises(Unsupported, match="while running it") as caught:
        plan(ro, regclass, analyze=True)
    assert "@x.org" not in str(caught.value)
    constant = check_query("SELECT 'abc'::int")  # planning folds it: values are left out too
    with pytest.raises(Unsupported, match='invalid input syntax for type integer: "…"'):
        plan(ro, constant)


SECRET = "s3cr3t-Vq7"
LEAKS = """
CREATE TABLE vault (id int PRIMARY KEY, secret text NOT NULL);
INSERT INTO vault VALUES (1, 's3cr3t-Vq7');
CREATE FUNCTION shout(t text) RETURNS int LANGUAGE plpgsql AS
  $$BEGIN RAISE EXCEPTION USING ERRCODE = '22P02', MESSAGE = t; END$$;
CREATE FUNCTION shout_quoted(t text) RETURNS int LANGUAGE plpgsql AS
  $$BEGIN RAISE EXCEPTION 'bad value %', t; END$$;
CREATE VIEW shouting AS SELECT shout(secret) FROM vault;
CREATE VIEW shouting_quoted AS SELECT shout_quoted(secret) FROM vault;
CREATE TABLE tenants (id int PRIMARY KEY, org text);
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY by_org ON tenants USING (org = current_setting('app.org_key', true));
"""
# Every way the red team read a secret through an error (issue #13), by SQLSTATE class.
LEAKING = [
    pytest.param("SELECT secret::int FROM {s}.vault", id="22-cast"),
    pytest.param("SELECT secret::regclass FROM {s}.vault", id="42-regclass-at-run-time"),
    pytest.param("SELECT chr(1114112 + ascii(secret)) FROM {s}.vault", id="54-chr"),
    pytest.param(
        "SELECT chr(1114112 + ascii(substr(secret, 2)) * 65536 + ascii(substr(secret, 3)) * 256)"
        " FROM {s}.vault",
        id="54-chr-three-bytes",
    ),
    pytest.param("SELECT secret::date FROM {s}.vault", id="22-date"),
    pytest.param("SELECT secret::uuid FROM {s}.vault", id="22-uuid"),
    pytest.param("SELECT secret::jsonb FROM {s}.vault", id="22-json"),
    pytest.param("SELECT to_number(secret, '9') / 0 FROM {s}.vault", id="22-to-number"),
    pytest.param("SELECT length(secret)::int2 * 10000::int2 FROM {s}.vault", id="22-out-of-range"),
    pytest.param("SELECT * FROM {s}.shouting", id="P0-raise-under-22P02"),
    pytest.param("SELECT * FROM {s}.shouting_quoted", id="P0-raise"),
    pytest.param("SELECT regexp_match('a', secret || '(') FROM {s}.vault", id="2201B-regex"),
    pytest.param("SELECT format('%' || substr(secret, 2)) FROM {s}.vault", id="22023-format"),
    pytest.param("SELECT make_date(1, ascii(secret), 1) FROM {s}.vault", id="22008-date"),
]


@pytest.fixture
def vault(ddl, schema: str) -> str:
    ddl(LEAKS)
    return schema


@pytest.mark.parametrize("template", LEAKING)
def test_no_error_of_a_query_quotes_the_data(vault, ro, template):
    query = check_query(template.format(s=vault))
    with pytest.raises(Unsupported, match=r"SQLSTATE [0-9A-Z]{5} \([a-z_]+\)") as caught:
        plan(ro, query, analyze=True)
    text = str(caught.value)
    assert SECRET not in text and "Vq7" not in text
    description = text.split("SQLSTATE ")[1].split(";")[0]
    assert not re.search(r"\d{3,}", description.partition(")")[2]), text
    assert ro.execute("SELECT 1").fetchone() == (1,)


def test_a_policy_setting_read_at_plan_time_is_not_quoted(vault, ro):
    # The planner evaluates the stable current_setting() while estimating (issue #13, item 4).
    ro.execute("SELECT set_config('app.org_key', %s, true)", (SECRET,))
    query = check_query(
        f"SELECT * FROM {vault}.tenants WHERE id = current_setting('app.org_key')::int"
    )
    with pytest.raises(Unsupported, match="invalid_text_representation") as caught:
        plan(ro, query)
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    "setting",
    ["app.jwt_secret", "data_directory", "APP.JWT_SECRET", "config_file", "hba_file"],
)
def test_current_setting_of_a_setting_no_policy_reads_is_refused(vault, ro, setting):
    query = check_query(f"SELECT 1 WHERE 1 = current_setting('{setting}')::int")
    with pytest.raises(Unsupported, match="only the settings the database's row-level") as caught:
        plan(ro, query)
    assert "app.org_key" in str(caught.value)  # says which ones may be named


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("SELECT current_setting(name) FROM (VALUES ('x')) v(name)", id="column"),
        pytest.param("SELECT current_setting('app.' || 'jwt_secret')", id="expression"),
        pytest.param("SELECT pg_catalog.current_setting($1)", id="parameter"),
    ],
)
def test_current_setting_must_name_its_setting_literally(text):
    with pytest.raises(Unsupported, match="string literal"):
        check_query(text)


def test_current_setting_of_a_policy_setting_plans(vault, ro):
    ro.execute("SELECT set_config('app.org_key', 'acme', true)")
    for spelling in ("'app.org_key'", "'APP.ORG_KEY', true", "'app.org_key'::text"):
        query = check_query(
            f"SELECT * FROM {vault}.tenants WHERE org = current_setting({spelling})"
        )
        assert query.settings == {"app.org_key"}
        assert plan_cost(ro, query) > 0


@pytest.mark.parametrize(
    "relation",
    [
        "pg_authid",
        "pg_catalog.pg_shadow",
        "pg_user_mapping",
        "pg_user_mappings",
        "pg_hba_file_rules",
        "pg_ident_file_mappings",
        "pg_file_settings",
        "pg_stat_activity",
        "pg_catalog.pg_settings",
        "pg_db_role_setting",
        "pg_roles",
        "pg_subscription",
        "information_schema.user_mapping_options",
        "pg_statistic",
        "pg_largeobject",
        '"pg_authid"',
        "PG_AUTHID",
    ],
)
def test_relations_holding_secrets_are_refused_wherever_they_appear(relation):
    for template in (
        "SELECT * FROM {r}",
        "SELECT (SELECT count(*) FROM {r})",
        "SELECT 1 FROM pg_class c JOIN {r} x ON true",
        "WITH x AS (SELECT * FROM {r}) SELECT 1 FROM x",
        "SELECT 1 WHERE EXISTS (SELECT 1 FROM {r} LIMIT 1)",
        "SELECT * FROM pg_class c, LATERAL (SELECT * FROM {r}) s",
        "TABLE {r}",
    ):
        with pytest.raises(Unsupported, match="it holds secrets"):
            check_query(template.format(r=relation))


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            'invalid input syntax for type integer: "hunter2"',
            'invalid input syntax for type integer: "…"',
        ),
        (
            "requested character too large for encoding: 1114165",
            "requested character too large for encoding: …",
        ),
        (
            'value "12.5e3" is out of range for type smallint',
            'value "…" is out of range for type smallint',
        ),
        (
            'invalid byte sequence for encoding "UTF8": 0x00',
            'invalid byte sequence for encoding "…": …',
        ),
        ("invalid value 'ab' for \"YYYY\"", 'invalid value "…" for "…"'),
        ("integer out of range", "integer out of range"),
    ],
)
def test_without_values_removes_quoted_texts_and_numbers(message, expected):
    assert without_values(message) == expected


def test_without_values_keeps_names_the_query_spells():
    message = 'relation "no_such_table" does not exist'
    assert without_values(message, "SELECT * FROM No_Such_Table") == message
    assert without_values(message, "SELECT 1") == 'relation "…" does not exist'


def test_plan_analyze_stops_at_the_statement_timeout(ro):
    ro.execute("SELECT set_config('statement_timeout', '100ms', true)")
    query = check_query("SELECT count(*) FROM generate_series(1, 100000000)")
    with pytest.raises(psycopg.errors.QueryCanceled):
        plan(ro, query, analyze=True)
    assert ro.execute("SELECT 1").fetchone() == (1,)


def test_plan_refuses_analyze_with_params(shop, ro):
    query = check_query(f"SELECT * FROM {shop}.orders WHERE id = $1")
    with pytest.raises(Unsupported, match=r"\$n parameter"):
        plan(ro, query, analyze=True)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("SELECT * FROM no_such_table", id="plain"),
        pytest.param("SELECT * FROM no_such_table WHERE id = $1", id="prepared"),
    ],
)
def test_plan_reports_a_query_that_does_not_plan(ro, text):
    with pytest.raises(
        Unsupported,
        match=r'while planning it: SQLSTATE 42P01 \(undefined_table\): relation "no_such_table" '
        "does not exist",
    ):
        plan(ro, check_query(text))
    assert ro.execute("SELECT count(*) FROM pg_prepared_statements").fetchone() == (0,)


def test_check_query_walks_deeply_nested_query():
    nested = "SELECT " + "(" * 499 + "pg_sleep(1)" + ")" * 499  # within MAX_BRACKET_DEPTH
    with pytest.raises(Unsupported, match="pg_sleep"):
        check_query(nested)
    deep_and = "SELECT 1 WHERE " + " AND ".join(["true"] * 5000)
    assert check_query(deep_and).kind == "select"


def test_plan_reads_strings_as_pglast_does(ro):
    # With standard_conforming_strings off, 'a\' would stay open on the server.
    ro.execute("SELECT set_config('standard_conforming_strings', 'off', true)")
    query = check_query(r"SELECT 'a\' AS x")
    assert plan(ro, query)["Plan"]["Node Type"] == "Result"
    assert ro.execute("SHOW standard_conforming_strings").fetchone() == ("off",)


def test_plan_reports_permission_errors_as_such(admin, pg_url, victim):
    role = f"{victim}_reader"
    admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    try:
        url = psycopg.conninfo.make_conninfo(pg_url, user=role)
        with (
            psycopg.connect(url, prepare_threshold=None) as conn,
            read_only_transaction(conn) as tx,
        ):
            query = check_query(f"SELECT * FROM {victim}.victim")
            with pytest.raises(Unsupported, match="permission denied while planning") as caught:
                plan(tx, query)
            assert f"permission denied for schema {victim}" in str(caught.value)
            assert "grant the role read access" in str(caught.value)
            assert tx.execute("SELECT 1").fetchone() == (1,)
    finally:
        admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
