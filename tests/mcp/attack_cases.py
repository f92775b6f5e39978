"""The cases of the attack corpus (issue #13) that need no file of the project: hostile SQL by
class, hostile values for every string argument of every tool, hostile resource-template values.

A case names the tool (or 'resource'), its arguments, a fragment its text must hold and whether
it must be an error; tests/mcp/test_attack_corpus.py sends them and watches the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

SAFE = None  # no fragment expected: an answer, or any clear error


@dataclass(frozen=True)
class Case:
    """One hostile call: the tool (or 'resource'), its arguments, a fragment the text must hold
    (SAFE: none), whether it must be an error (None: an answer or a clear error), and the time
    bound in seconds."""

    tool: str
    arguments: dict[str, Any]
    expect: str | None
    bound_s: float = 15.0
    case_id: str = ""
    error: bool | None = True


def case(
    case_id: str,
    tool: str,
    arguments: dict[str, Any],
    expect: str | None,
    bound_s: float = 15.0,
    error: bool | None = True,
) -> Any:
    if expect is SAFE:
        error = None
    return pytest.param(Case(tool, arguments, expect, bound_s, case_id, error), id=case_id)


def answered(case_id: str, tool: str, arguments: dict[str, Any], expect: str, bound_s=15.0):
    """A case that must get an answer (not an error) holding `expect`."""
    return case(case_id, tool, arguments, expect, bound_s, error=False)


def sql(case_id: str, text: str, expect: str | None, analyze: bool = False, bound_s=15.0):
    arguments = {"sql": text, "schema": "app", "analyze": analyze}
    return case(case_id, "explain_query", arguments, expect, bound_s)


FUNCTION = "refused function call"
SECRETS = "it holds secrets"
STATEMENT = "statement: only select"
SETTING = "only the settings the database's row-level"
XML = "SELECT secret FROM app.vault"

SQL_FUNCTIONS = [
    sql("query-to-xml", f"SELECT query_to_xml('{XML}', true, true, '')", "'query_to_xml'"),
    sql(
        "xpath-over-query-to-xml",
        f"SELECT xpath('//secret/text()', query_to_xml('{XML}', true, true, ''))",
        FUNCTION,
    ),
    sql(
        "query-to-xml-and-schema", f"SELECT query_to_xml_and_xmlschema('{XML}', 1, 1, '')", FUNCTION
    ),
    sql("query-to-xmlschema", f"SELECT query_to_xmlschema('{XML}', true, true, '')", FUNCTION),
    sql("table-to-xml", "SELECT table_to_xml('app.vault', true, true, '')", FUNCTION),
    sql("schema-to-xml", "SELECT schema_to_xml('app', true, true, '')", FUNCTION),
    sql("database-to-xml", "SELECT database_to_xml(true, true, '')", FUNCTION),
    sql("cursor-to-xml", "SELECT cursor_to_xml('c', 1, true, true, '')", FUNCTION),
    sql("ts-stat-runs-sql", f"SELECT * FROM ts_stat('{XML}')", FUNCTION),
    sql("ts-rewrite-runs-sql", f"SELECT ts_rewrite('a'::tsquery, '{XML}')", FUNCTION),
    sql(
        "xmltable-over-query-to-xml",
        f"SELECT * FROM XMLTABLE('//row' PASSING query_to_xml('{XML}', true, true, '') "
        "COLUMNS s text PATH 'secret')",
        "'query_to_xml'",
    ),
    sql(
        "qualified-query-to-xml",
        f"SELECT pg_catalog.query_to_xml('{XML}', true, true, '')",
        "'pg_catalog.query_to_xml'",
    ),
    sql("quoted-query-to-xml", f"SELECT \"query_to_xml\"('{XML}', true, true, '')", FUNCTION),
    sql("upper-case-query-to-xml", f"SELECT QUERY_TO_XML('{XML}', TRUE, TRUE, '')", FUNCTION),
    sql("upper-qualified-read-file", "SELECT PG_CATALOG.PG_READ_FILE('/etc/passwd')", FUNCTION),
    sql("quoted-qualified-ls-dir", 'SELECT * FROM "pg_catalog"."pg_ls_dir"(\'.\')', FUNCTION),
    sql("quoted-sleep", 'SELECT pg_catalog."pg_sleep"(5)', FUNCTION),
    sql("quoted-upper-sleep", 'SELECT "PG_SLEEP"(5)', FUNCTION),
    sql("unicode-escaped-sleep", 'SELECT U&"pg\\005fsleep"(5)', "'pg_sleep'"),
    sql("three-part-sleep", "SELECT postgres.pg_catalog.pg_sleep(5)", FUNCTION),
    sql("named-argument-sleep", "SELECT pg_sleep(seconds => 5)", FUNCTION),
    sql("user-function", "SELECT app.grab(1)", FUNCTION),
    sql("user-function-unqualified", "SELECT grab(1)", FUNCTION),
]
REACHED_THROUGH_OBJECTS = [
    sql("operator-qualified", "SELECT 1 OPERATOR(app.%%%) 2", "refused operator"),
    sql("operator-qualified-in-any", "SELECT 1 OPERATOR(app.%%%) ANY (ARRAY[1])", "operator"),
    sql(
        "operator-order-using",
        "SELECT * FROM app.victim ORDER BY id USING OPERATOR(app.<)",
        "operator",
    ),
    sql("operator-unqualified", "SELECT 1 %%% 2", SAFE),
    sql("cast-to-user-type", "SELECT 1::app.boxed", SAFE),
    sql("cast-to-user-type-analyze", "SELECT 1::app.boxed", SAFE, analyze=True),
    sql("domain-check", "SELECT 5::app.checked", SAFE),
    sql("domain-check-analyze", "SELECT (-1)::app.checked", SAFE, analyze=True),
    sql("default-calls-function", "INSERT INTO app.defaults_t (id) VALUES (1)", SAFE),
    sql(
        "default-analyze-refused",
        "INSERT INTO app.defaults_t (id) VALUES (1)",
        "only SELECT is ever executed",
        analyze=True,
    ),
    sql("view-on-ls-dir", "SELECT * FROM app.listing", SAFE),
    sql("view-on-ls-dir-analyze", "SELECT * FROM app.listing", SAFE, analyze=True),
    sql("view-taking-advisory-lock", "SELECT * FROM app.locking", SAFE, analyze=True),
    sql("view-sleeping-analyze", "SELECT * FROM app.sleeping", "statement timeout", True, 15),
    sql(
        "lateral-function",
        "SELECT * FROM app.victim v, LATERAL pg_ls_dir('.') f",
        "'pg_ls_dir'",
    ),
    sql(
        "lateral-subquery",
        "SELECT * FROM app.victim v, LATERAL (SELECT pg_read_file('/etc/passwd')) f",
        "'pg_read_file'",
    ),
    sql(
        "lateral-query-to-xml",
        f"SELECT * FROM app.victim v CROSS JOIN LATERAL query_to_xml('{XML}', true, true, '') x",
        "'query_to_xml'",
    ),
    sql(
        "recursive-function-analyze",
        "SELECT app.deeper(1)",
        FUNCTION,
        analyze=True,
    ),
]
SAMPLING_AND_WAITING = [
    sql(
        "tablesample-system-time",
        "SELECT * FROM app.victim TABLESAMPLE system_time(5000)",
        "TABLESAMPLE",
    ),
    sql(
        "tablesample-system-rows",
        "SELECT * FROM app.victim TABLESAMPLE system_rows(10)",
        "TABLESAMPLE",
    ),
    sql("tablesample-qualified", "SELECT * FROM app.victim TABLESAMPLE app.evil(1)", "TABLESAMPLE"),
    sql(
        "tablesample-sleep-arg",
        "SELECT * FROM app.victim TABLESAMPLE system (pg_sleep(5)::int)",
        "'pg_sleep'",
    ),
    sql(
        "tablesample-sleep-repeatable",
        "SELECT * FROM app.victim TABLESAMPLE bernoulli (10) REPEATABLE (pg_sleep(5)::int)",
        "'pg_sleep'",
    ),
    sql("tablesample-system-ok", "SELECT * FROM app.victim TABLESAMPLE SYSTEM (50)", SAFE, True),
    sql("sleep-for", "SELECT pg_sleep_for('5 seconds')", "'pg_sleep_for'"),
    sql("sleep-until", "SELECT pg_sleep_until(now() + interval '5 seconds')", "'pg_sleep_until'"),
    sql("sleep-for-qualified", "SELECT pg_catalog.pg_sleep_for('5 s')", "pg_sleep_for"),
    sql("sleep-in-where", "SELECT 1 FROM app.victim WHERE pg_sleep(5) IS NULL", "'pg_sleep'"),
    sql("sleep-in-order-by", "SELECT 1 FROM app.victim ORDER BY pg_sleep(5)", "'pg_sleep'"),
    sql("advisory-lock", "SELECT pg_advisory_lock(1)", "'pg_advisory_lock'"),
    sql("advisory-xact-lock", "SELECT pg_advisory_xact_lock(1)", "'pg_advisory_xact_lock'"),
    sql("advisory-try-lock", "SELECT pg_try_advisory_lock(1)", "'pg_try_advisory_lock'"),
    sql("advisory-lock-shared", "SELECT pg_advisory_lock_shared(1)", "pg_advisory_lock_shared"),
    sql("advisory-unlock-all", "SELECT pg_advisory_unlock_all()", "pg_advisory_unlock_all"),
    sql(
        "advisory-lock-in-cte",
        "WITH l AS (SELECT pg_try_advisory_xact_lock_shared(1)) SELECT * FROM l",
        FUNCTION,
    ),
    sql("listen", "LISTEN pgarchitect_channel", "'listen'"),
    sql("notify", "NOTIFY pgarchitect_channel, 'x'", "'notify'"),
    sql("unlisten", "UNLISTEN *", "'unlisten'"),
    sql("pg-notify-of-a-secret", "SELECT pg_notify('c', secret) FROM app.vault", "'pg_notify'"),
    sql("listening-channels", "SELECT pg_listening_channels()", FUNCTION),
    sql("setval", "SELECT setval('app.victim_seq', 99)", "'setval'"),
    sql("setval-qualified", "SELECT pg_catalog.setval('app.victim_seq', 99, false)", "setval"),
    sql("nextval", "SELECT nextval('app.victim_seq')", "'nextval'"),
    sql("setval-in-subquery", "SELECT (SELECT setval('app.victim_seq', 5))", "'setval'"),
    sql("stat-reset", "SELECT pg_stat_reset()", "'pg_stat_reset'"),
    sql("stat-reset-shared", "SELECT pg_stat_reset_shared('bgwriter')", FUNCTION),
    sql(
        "stat-reset-table",
        "SELECT pg_stat_reset_single_table_counters('app.victim'::regclass)",
        FUNCTION,
    ),
    sql("stat-statements-reset", "SELECT pg_stat_statements_reset()", FUNCTION),
]
SERVER_FILES_AND_SETTINGS = [
    sql("ls-dir", "SELECT * FROM pg_ls_dir('.')", "'pg_ls_dir'"),
    sql("stat-file", "SELECT pg_stat_file('postgresql.conf')", "'pg_stat_file'"),
    sql("ls-logdir", "SELECT * FROM pg_ls_logdir()", FUNCTION),
    sql("ls-waldir", "SELECT * FROM pg_ls_waldir()", FUNCTION),
    sql("read-file", "SELECT pg_read_file('postgresql.conf')", "'pg_read_file'"),
    sql("current-logfile", "SELECT pg_current_logfile()", FUNCTION),
    sql("setting-data-directory", "SELECT current_setting('data_directory')", SETTING),
    sql("setting-config-file", "SELECT 1 WHERE current_setting('config_file') = 'x'", SETTING),
    sql("setting-jwt-secret", "SELECT current_setting('app.jwt_secret')", SETTING),
    sql(
        "setting-by-expression", "SELECT current_setting('data_' || 'directory')", "string literal"
    ),
    sql("show-data-directory", "SHOW data_directory", STATEMENT),
    sql("pg-settings", "SELECT setting FROM pg_settings WHERE name = 'data_directory'", SECRETS),
    sql("file-settings", "SELECT * FROM pg_file_settings", SECRETS),
    sql("hba-file-rules", "SELECT * FROM pg_catalog.pg_hba_file_rules", SECRETS),
    sql("authid", "SELECT rolpassword FROM pg_authid", SECRETS),
    sql("stat-activity", "SELECT query FROM pg_stat_activity", SECRETS),
    sql("db-role-setting", "SELECT setconfig FROM pg_db_role_setting", SECRETS),
]
# Data echoed back through errors: the server allows analyze, nothing of the secret may show.
ECHOED = [
    sql(
        "int-cast-of-secret",
        "SELECT secret::int FROM app.vault",
        "invalid_text_representation",
        True,
    ),
    sql("cast-of-secret", "SELECT CAST(secret AS uuid) FROM app.vault", "SQLSTATE 22P02", True),
    sql("regclass-of-secret", "SELECT secret::regclass FROM app.vault", "SQLSTATE 42", True),
    sql("date-of-secret", "SELECT secret::date FROM app.vault", "SQLSTATE 22", True),
    sql("jsonb-of-secret", "SELECT secret::jsonb FROM app.vault", "SQLSTATE 22P02", True),
    sql(
        "chr-overflow", "SELECT chr(1114112 + ascii(secret)) FROM app.vault", "SQLSTATE 54000", True
    ),
    sql(
        "chr-overflow-three-bytes",
        "SELECT chr(1114112 + ascii(substr(secret, 2)) * 65536 + ascii(substr(secret, 3)) * 256)"
        " FROM app.vault",
        "program_limit_exceeded",
        True,
    ),
    sql(
        "regex-of-secret",
        "SELECT regexp_match('a', secret || '(') FROM app.vault",
        "SQLSTATE 2201B",
        True,
    ),
    sql("format-of-secret", "SELECT format('%' || secret) FROM app.vault", "SQLSTATE 22023", True),
    sql(
        "make-date-of-secret",
        "SELECT make_date(1, ascii(secret), 1) FROM app.vault",
        "SQLSTATE 22008",
        True,
    ),
    sql(
        "scalar-subquery-cast", "SELECT (SELECT secret FROM app.vault)::int", "SQLSTATE 22P02", True
    ),
    sql(
        "cast-in-limit",
        "SELECT 1 LIMIT (SELECT secret FROM app.vault)::int",
        "SQLSTATE 22P02",
        True,
    ),
    sql(
        "policy-setting-at-plan-time",
        "SELECT * FROM app.tenants WHERE id = current_setting('app.org_key')::int",
        "invalid_text_representation",
    ),
    sql(
        "policy-setting-at-run-time",
        "SELECT current_setting('app.org_key')::int FROM app.tenants",
        "SQLSTATE 22P02",
        True,
    ),
    sql("verbose-of-constants", "SELECT id, 'guess' FROM app.vault WHERE secret = 'guess'", SAFE),
    sql("verbose-of-a-secret-column", "SELECT secret FROM app.vault", SAFE, analyze=True),
    sql(
        "row-count-oracle",
        "SELECT * FROM app.vault, generate_series(1, ascii(secret))",
        SAFE,
        analyze=True,
    ),
]
WRITES_AND_ESCAPES = [
    sql("stacked-drop", "SELECT 1; DROP TABLE app.victim", "refused 2 statements"),
    sql(
        "writable-cte",
        "WITH d AS (DELETE FROM app.victim RETURNING *) SELECT * FROM d",
        "data-modifying",
    ),
    sql("select-into", "SELECT * INTO app.stolen FROM app.vault", "INTO"),
    sql("copy-to-file", "COPY app.vault TO '/tmp/pgarchitect-stolen'", "'copy'"),
    sql("lo-import", "SELECT lo_import('/etc/passwd')", "'lo_import'"),
    sql("prepare-transaction", "PREPARE TRANSACTION 'pgarchitect'", STATEMENT),
    sql("set-role", "SET ROLE postgres", STATEMENT),
    sql(
        "set-config-read-write",
        "SELECT set_config('transaction_read_only', 'off', true)",
        "'set_config'",
    ),
    sql("do-block", "DO $$ BEGIN DELETE FROM app.victim; END $$", "'do'"),
    sql("terminate-backends", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity", FUNCTION),
    sql("cancel-self", "SELECT pg_cancel_backend(pg_backend_pid())", FUNCTION),
    sql("reload-conf", "SELECT pg_reload_conf()", FUNCTION),
    sql("switch-wal", "SELECT pg_switch_wal()", FUNCTION),
    sql("explain-analyze-delete", "EXPLAIN ANALYZE DELETE FROM app.victim", "'explain'"),
    sql("delete-analyze", "DELETE FROM app.victim", "only SELECT is ever executed", analyze=True),
    sql("nul-in-query", "SELECT 1\x00; DROP TABLE app.victim", "NUL"),
    sql("for-update", "SELECT * FROM app.victim FOR UPDATE", "locking"),
]
XXE = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
XML_ENTITIES = [
    sql("xxe-xmlparse", f"SELECT xmlparse(document '{XXE}')", SAFE, analyze=True),
    sql("xxe-cast", f"SELECT '{XXE}'::xml", SAFE, analyze=True),
    sql(
        "xxe-xmltable-cast",
        f"SELECT * FROM XMLTABLE('/x' PASSING xmlparse(document '{XXE}') COLUMNS v text PATH '.')"
        " t WHERE v::int > 0",
        SAFE,
        analyze=True,
    ),
]
HUGE_SQL = [
    sql("query-10-mb", "SELECT 1 WHERE 'x' = '" + "x" * 10_000_000 + "'", "characters", bound_s=30),
    sql("nesting-1000", "SELECT " + "(" * 1000 + "1" + ")" * 1000, "nested 1,000 deep"),
    sql("plus-chain-30000", "SELECT " + "+".join(["1"] * 30_000), "tokens"),
    sql("concat-chain-50000", "SELECT " + "||".join(["a"] * 50_000), "are read"),
    sql("union-all-20000", " UNION ALL ".join(["SELECT 1"] * 20_000), "characters"),
]


HOSTILE_VALUES = {
    "quote": 'x"; DROP TABLE app.victim; --',
    "semicolon": "app; DROP TABLE app.victim",
    "nul": "app\x00victim",
    "10kb": "a" * 10_240,
    "rtl": "app\u202e\u2066evil\u2069",
}
# Every string argument of every tool, with the server-free ones marked for speed.
STRING_ARGUMENTS: list[tuple[str, str, dict[str, Any]]] = [
    ("reflect_database", "schema", {}),
    ("reflect_database", "tables", {"schema": "app"}),
    ("reflect_database", "cursor", {"schema": "app"}),
    ("validate_isolation", "schema", {}),
    ("validate_isolation", "tenant_column", {"schema": "app"}),
    ("validate_isolation", "shared_tables", {"schema": "app"}),
    ("validate_isolation", "app_role", {"schema": "app"}),
    ("validate_isolation", "tenant_setting", {"schema": "app"}),
    ("validate_isolation", "suppress", {"schema": "app"}),
    ("suggest_indexes", "schema", {}),
    ("suggest_indexes", "tenant_column", {"schema": "app"}),
    ("suggest_indexes", "queries", {"schema": "app"}),
    ("explain_query", "schema", {"sql": "SELECT * FROM victim"}),
    ("compare_spec_to_database", "schema", {}),
    ("compare_spec_to_database", "path", {"schema": "app"}),
    ("generate_model", "schema", {}),
    ("generate_model", "tables", {"schema": "app"}),
    ("generate_model", "path", {"schema": "app"}),
    ("generate_model", "spec_path", {"source": "spec"}),
    ("read_schema_spec", "path", {}),
    ("review_models", "paths", {"against": ["spec"]}),
    ("review_models", "schema", {}),
    ("review_models", "tenant_column", {"against": ["spec"]}),
]
LIST_ARGUMENTS = {"tables", "shared_tables", "suppress", "queries", "paths"}


def hostile_arguments() -> list[Any]:
    cases = []
    for tool, name, base in STRING_ARGUMENTS:
        for label, value in HOSTILE_VALUES.items():
            given = [value] if name in LIST_ARGUMENTS else value
            arguments = {**base, name: given}
            if name == "queries":  # a refused query is skipped with its reason, not an error
                cases.append(answered(f"{tool}-{name}-{label}", tool, arguments, '"skipped"'))
            else:
                cases.append(case(f"{tool}-{name}-{label}", tool, arguments, SAFE))
    return cases


def _resource(case_id: str, value: str, expect: str | None) -> Any:
    return case(case_id, "resource", {"uri": f"pgarchitect://schema/{value}"}, expect)


RESOURCE_VALUES = [
    _resource("resource-quote", "x%22%3B%20DROP%20TABLE%20app.victim", "unknown schema"),
    _resource("resource-nul", "app%00victim", SAFE),
    _resource("resource-dot-dot", "..%2F..%2Fetc%2Fpasswd", SAFE),
    _resource("resource-10kb", "a" * 10_240, "unknown schema"),
    _resource("resource-rtl", "app%E2%80%AEevil", "unknown schema"),
    _resource("resource-sql-injection", "app'%20OR%20'1'%3D'1", "unknown schema"),
    _resource("resource-empty", "", SAFE),
    _resource("resource-the-schema", "app", SAFE),
]
