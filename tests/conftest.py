"""Fixtures over a real PostgreSQL: TEST_DATABASE_URL, else 127.0.0.1:5432, else the embedded one.

Each test gets its own schema (`t_<random>`), dropped with CASCADE afterwards.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from server.db import read_only_transaction, start_embedded

SHARED = Path(__file__).resolve().parents[2] / "shared"


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The URL of the PostgreSQL the tests run against."""
    configured = os.environ.get("TEST_DATABASE_URL", "")
    if configured == "embedded":  # force the embedded PostgreSQL 18 (make test-embedded)
        return start_embedded(Path(tempfile.mkdtemp(prefix="pgarchitect-test-")) / "pgdata")
    if configured:
        return configured
    local = "postgresql://postgres@127.0.0.1:5432/postgres"
    if _answers(local):
        return local
    return start_embedded(Path(tempfile.mkdtemp(prefix="pgarchitect-test-")) / "pgdata")


@pytest.fixture(scope="session")
def admin(pg_url: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection for setting up and tearing down test objects."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="session")
def server_version(admin: psycopg.Connection) -> int:
    """server_version_num of the test server, e.g. 150020."""
    return admin.info.server_version


def available_extensions(url: str) -> set[str]:
    """The extensions this server could create."""
    with psycopg.connect(url) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM pg_available_extensions")}


@pytest.fixture(scope="session")
def hypopg_available(admin: psycopg.Connection) -> bool:
    """Whether HypoPG can be installed (and then is) in the test database."""
    row = admin.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg'").fetchone()
    if row is None:
        return False
    admin.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
    return True


@pytest.fixture
def schema(admin: psycopg.Connection) -> Iterator[str]:
    """A fresh schema for one test, dropped with CASCADE afterwards."""
    name = f"t_{secrets.token_hex(4)}"
    admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def run_ddl(admin: psycopg.Connection, schema: str, ddl: str) -> None:
    """Run trusted test DDL (several statements) with the test schema first on the search path."""
    admin.execute(sql.SQL("SET search_path TO {}, public").format(sql.Identifier(schema)))
    try:
        admin.execute(ddl)  # test DDL, several statements
    finally:
        admin.execute("RESET search_path")


@pytest.fixture
def ddl(admin: psycopg.Connection, schema: str):
    """Call ddl(text) to run DDL in the test schema."""
    return lambda text: run_ddl(admin, schema, text)


@pytest.fixture
def next_call(pg_url: str, schema: str) -> Iterator[Callable[[], psycopg.Connection]]:
    """Call next_call() for another READ ONLY transaction, as the server's next tool call gets:
    a call reads one snapshot, so DDL a test runs after `ro` has read is seen only here.

    It depends on `schema` so that its connections close first: their locks would hold up the
    DROP SCHEMA.
    """
    with ExitStack() as stack:

        def begin() -> psycopg.Connection:
            conn = stack.enter_context(psycopg.connect(pg_url, prepare_threshold=None))
            return stack.enter_context(read_only_transaction(conn, statement_timeout_s=30))

        yield begin


@pytest.fixture
def ro(next_call: Callable[[], psycopg.Connection]) -> psycopg.Connection:
    """A connection inside a READ ONLY transaction, as the server gives the tools."""
    return next_call()


@contextmanager
def fresh_database(admin: psycopg.Connection, pg_url: str) -> Iterator[str]:
    """Create an empty database, yield its URL, drop it afterwards."""
    name = f"t_{secrets.token_hex(4)}"
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield _replace_dbname(pg_url, name)
    finally:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def database(admin: psycopg.Connection, pg_url: str) -> Iterator[str]:
    """A fresh empty database for one test; yields its URL and drops it afterwards."""
    with fresh_database(admin, pg_url) as url:
        yield url


@pytest.fixture(scope="session")
def scratch_url(admin: psycopg.Connection, pg_url: str) -> Iterator[str]:
    """One database for every round trip of the session; each resets the schemas it uses."""
    with fresh_database(admin, pg_url) as url:
        yield url


def _replace_dbname(url: str, dbname: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))
