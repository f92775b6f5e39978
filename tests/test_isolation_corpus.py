"""validate_isolation on real RLS schemas from public projects (read from ../shared/corpus/rls).

Each file loads into its own database, over a test-only stub of what it expects (Supabase's
`auth` schema and roles, Basejump's helpers). The checks must tell intentional patterns
(public read-only, deny-all) apart from leaks. Skips when the corpus folder is absent.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pglast import ast, parse_sql
from pglast.parser import ParseError, scan
from psycopg import sql

from server.db import read_only_transaction
from tests.conftest import SHARED
from tools.isolation.report import IsolationReport, render_isolation, validate_isolation

CORPUS = SHARED / "corpus" / "rls"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"{CORPUS} is absent")

SUPABASE_ROLES = ("anon", "authenticated", "service_role")
# Only what the files reference: auth.users, auth.uid(), auth.role(), uuid_generate_v4.
SUPABASE_STUB = """
CREATE SCHEMA auth;
CREATE SCHEMA extensions;
CREATE EXTENSION IF NOT EXISTS "uuid-ossp" SCHEMA extensions;  -- stubbed where unavailable
CREATE TABLE auth.users (id uuid PRIMARY KEY, email text, raw_user_meta_data jsonb);
CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$;
CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('request.jwt.claim.role', true), '') $$;
"""
BASEJUMP_STUB = """
CREATE SCHEMA basejump;
CREATE FUNCTION basejump.trigger_set_timestamps() RETURNS trigger LANGUAGE plpgsql
    AS $$ BEGIN RETURN NEW; END $$;
CREATE FUNCTION basejump.trigger_set_user_tracking() RETURNS trigger LANGUAGE plpgsql
    AS $$ BEGIN RETURN NEW; END $$;
CREATE FUNCTION basejump.is_set(field_name text) RETURNS boolean LANGUAGE sql STABLE
    AS $$ SELECT true $$;
"""


def corpus_file(prefix: str) -> str:
    path = next(CORPUS.glob(f"{prefix}*.sql"), None)
    if path is None:
        pytest.skip(f"no {prefix}* file in {CORPUS}")
    return Path(path).read_text()


def aws_sample(app_user: str) -> str:
    """The AWS sample (04-) with its login role and a throwaway password filled in."""
    script = corpus_file("04-").replace("{{DB_APP_USER}}", app_user)
    return script.replace("{{DB_APP_PASS}}", secrets.token_hex(8))


corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"{CORPUS} is absent")
# The Supabase-style corpus files: (file prefix, the schema they secure, the stubs they need).
SUPABASE_FILES = pytest.mark.parametrize(
    ("prefix", "schema_name", "stubs"),
    [
        pytest.param("01-", "public", (SUPABASE_STUB,), id="subscription-payments"),
        pytest.param("02-", "public", (SUPABASE_STUB,), id="slack-clone"),
        pytest.param("03-", "basejump", (SUPABASE_STUB, BASEJUMP_STUB), id="basejump"),
    ],
)


def statements(text: str) -> list[str]:
    """Split a script on `;`, and after a `DO $$…$$` body its author forgot to end with `;`."""
    tokens = scan(text)
    cuts = []
    for i, token in enumerate(tokens):
        ends_statement = token.name == "ASCII_59"
        unterminated_do = (
            token.name == "SCONST"
            and 0 < i < len(tokens) - 1
            and tokens[i - 1].name == "DO"
            and tokens[i + 1].name != "ASCII_59"
        )
        if ends_statement or unterminated_do:
            cuts.append(token.end + 1)
    starts = [0, *cuts]
    return [text[a:b] for a, b in zip(starts, [*cuts, len(text)], strict=True) if text[a:b].strip()]


@pytest.fixture
def supabase_roles(admin: psycopg.Connection) -> Iterator[None]:
    """Supabase's API roles, created only if missing and dropped again if we created them."""
    created = []
    for role in SUPABASE_ROLES:
        if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None:
            admin.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
            created.append(role)
    try:
        yield
    finally:
        for role in created:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def load(url: str, *scripts: str) -> None:
    """Run trusted scripts statement by statement in the test database."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET check_function_bodies = off")
        available = conn.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'uuid-ossp'"
        ).fetchone()
        for script in scripts:
            for statement in statements(script):
                schema = None if available else uuid_ossp_schema(statement)
                if schema is not None:  # e.g. the embedded server ships without uuid-ossp
                    conn.execute(UUID_STUB.format(sql.Identifier(schema)))
                    continue
                conn.execute(statement)  # corpus test DDL


UUID_STUB = sql.SQL(
    "CREATE FUNCTION {}.uuid_generate_v4() RETURNS uuid LANGUAGE sql AS 'SELECT gen_random_uuid()'"
)


def uuid_ossp_schema(statement: str) -> str | None:
    """The schema a CREATE EXTENSION "uuid-ossp" statement installs into, else None."""
    try:
        (parsed,) = parse_sql(statement)
    except (ParseError, ValueError):
        return None
    node = parsed.stmt
    if not isinstance(node, ast.CreateExtensionStmt) or node.extname != "uuid-ossp":
        return None
    options = {o.defname: o.arg for o in node.options or ()}
    schema = options.get("schema")
    return getattr(schema, "sval", None) or "public"


def check(url: str, schema: str = "public", **kwargs) -> IsolationReport:
    with (
        psycopg.connect(url, prepare_threshold=None) as conn,
        read_only_transaction(conn, statement_timeout_s=30) as tx,
    ):
        return validate_isolation(tx, schema=schema, **kwargs)


def table(report: IsolationReport, name: str):
    return next(t for t in report.tables if t.table.endswith(f".{name}"))


def codes(report: IsolationReport, name: str) -> set[str]:
    return {f.code for f in table(report, name).findings}


def test_subscription_payments_tells_public_and_private_tables_from_leaks(supabase_roles, database):
    load(database, SUPABASE_STUB, corpus_file("01-"))
    report = check(database)
    text = render_isolation(report)
    assert report.tenant_column == "user_id" and report.tenant_root == "users", text
    # public read-only catalogue tables and the private deny-all table are intentional
    for name in ("products", "prices"):
        assert table(report, name).table_class == "shared", text
        assert "public read-only" in (table(report, name).pattern or "")
    customers = table(report, "customers")
    assert customers.table_class == "shared" and "deny-all" in (customers.pattern or "")
    assert not {"ISO006", "ISO007"} & (codes(report, "products") | codes(report, "customers"))
    # the user-owned tables filter by auth.uid(): no leak, only the per-row call and FORCE
    for name in ("users", "subscriptions"):
        assert not {"ISO006", "ISO007", "ISO008"} & codes(report, name), text
        assert "ISO015" in codes(report, name)
        assert "auth.uid()" in table(report, name).bindings
    assert any(f.code == "ISO025" for f in report.other_findings)  # handle_new_user


def test_slack_clone_flags_the_messages_every_login_reads(supabase_roles, database):
    load(database, SUPABASE_STUB, corpus_file("02-"))
    report = check(database)
    text = render_isolation(report)
    # `auth.role() = 'authenticated'` ties nothing to the row: every user reads every message
    assert "ISO007" in codes(report, "messages"), text
    assert "ISO012" in codes(report, "messages")  # two permissive DELETE policies
    assert table(report, "role_permissions").table_class == "shared"  # deny-all lookup
    assert not {"ISO006", "ISO007", "ISO008"} & codes(report, "user_roles")
    assert report.verdict == "not isolated"


def test_basejump_accepts_security_definer_membership_helpers(supabase_roles, database):
    load(database, SUPABASE_STUB, BASEJUMP_STUB, corpus_file("03-"))
    report = check(database, schema="basejump")
    text = render_isolation(report)
    assert report.tenant_column == "account_id" and report.tenant_root == "accounts", text
    for name in ("accounts", "account_user"):
        assert not {"ISO006", "ISO007", "ISO008"} & codes(report, name), text
    assert any(b.endswith("has_role_on_account()") for b in table(report, "account_user").bindings)
    # a user's own membership rows: stricter than the tenant, reported as info only
    assert "ISO009" in codes(report, "account_user")


@pytest.fixture
def aws_app_user(admin: psycopg.Connection) -> Iterator[str]:
    """The login role the AWS sample creates for its application; dropped afterwards."""
    name = f"app_{secrets.token_hex(4)}"
    try:
        yield name
    finally:
        admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def test_aws_current_setting_sample_is_isolated_and_the_probe_agrees(admin, aws_app_user, database):
    script = aws_sample(aws_app_user)
    rows = """
    INSERT INTO tenant (tenant_id, name, status, tier) VALUES
        ('00000000-0000-0000-0000-00000000000a', 'a', 'Active', 'Gold'),
        ('00000000-0000-0000-0000-00000000000b', 'b', 'Active', 'Gold');
    INSERT INTO tenant_user (tenant_id, email, given_name, family_name) VALUES
        ('00000000-0000-0000-0000-00000000000a', 'a@x', 'A', 'A'),
        ('00000000-0000-0000-0000-00000000000b', 'b@x', 'B', 'B');
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};
    """.replace("{role}", aws_app_user)
    load(database, script, rows)
    report = check(database, app_role=aws_app_user, tenant_setting="app.current_tenant", probe=True)
    text = render_isolation(report)
    assert report.tenant_column == "tenant_id" and report.tenant_root == "tenant", text
    for name in ("tenant", "tenant_user"):
        found = codes(report, name)
        assert not {"ISO001", "ISO006", "ISO007", "ISO008"} & found, text
        assert {"ISO002", "ISO015"} <= found  # not forced; per-row current_setting()
    assert report.unset_behaviour == {
        "current_setting('app.current_tenant')": "raises an error when unset (queries fail loudly)"
    }
    assert report.probe is not None and report.probe.leaks == {}, text
    assert {c.visible_rows for c in report.probe.counts} == {1}
    assert report.verdict == "isolated with warnings"
