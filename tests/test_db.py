"""server.db and server.config: READ ONLY transactions, timeouts, masking, settings errors."""

from __future__ import annotations

import psycopg
import pytest

from server.config import load_settings
from server.db import Database, mask_text, mask_url, read_only_transaction
from tools.errors import ConfigError, ConnectionFailed


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        pytest.param(
            "postgresql://app:s3cret@ep-cool-1234-pooler.eu.aws.neon.tech/db?sslmode=require",
            "postgresql://app:***@ep-cool-1234-pooler.eu.aws.neon.tech/db?sslmode=require",
            id="neon-pooler",
        ),
        pytest.param("postgres://u@h:5432/d", "postgres://u@h:5432/d", id="no-password"),
        pytest.param(
            "postgresql://u@h/d?password=hunter2&sslmode=require",
            "postgresql://u@h/d?password=***&sslmode=require",
            id="password-in-query",
        ),
    ],
)
def test_mask_url_hides_the_password(url, masked):
    assert mask_url(url) == masked


def test_mask_text_hides_urls_and_the_raw_password():
    url = "postgresql://app:s3cret@db.example/x"
    text = f"failed for {url} (password s3cret rejected)"
    assert "s3cret" not in mask_text(text, url)


def test_log_records_are_masked(caplog):
    import logging

    from server.db import MaskingFilter

    url = "postgresql://app:s3cret@db.example/x"
    logger = logging.getLogger("test.masking")
    caplog.handler.addFilter(MaskingFilter(url))
    with caplog.at_level(logging.WARNING, logger="test.masking"):
        logger.warning("connecting to %s failed (s3cret)", url)
    assert "s3cret" not in caplog.text and "app:***@db.example" in caplog.text


def test_read_only_transaction_refuses_writes(ddl, pg_url, schema):
    ddl("CREATE TABLE victim (id int)")
    with psycopg.connect(pg_url) as conn:
        with (
            pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
            read_only_transaction(conn) as tx,
        ):
            tx.execute(f'INSERT INTO "{schema}".victim VALUES (1)')
        with read_only_transaction(conn) as tx:
            assert tx.execute("SHOW transaction_read_only").fetchone() == ("on",)
            assert tx.execute("SHOW statement_timeout").fetchone() == ("15s",)


def test_a_call_reads_one_snapshot_taken_at_its_first_query(admin, pg_url, schema):
    """REPEATABLE READ: DDL committed after the call's first query is not half seen by its later
    queries (a catalog fingerprint taken last describes what the tool read, #10); DDL before the
    first query is, since bounding the transaction takes no snapshot."""
    with psycopg.connect(pg_url) as conn, read_only_transaction(conn) as tx:
        admin.execute(f'CREATE TABLE "{schema}".before_first (id int)')
        tables = f"SELECT count(*) FROM pg_class WHERE relnamespace = '\"{schema}\"'::regnamespace"
        assert tx.execute(tables).fetchone() == (1,)
        admin.execute(f'CREATE TABLE "{schema}".after_first (id int)')
        assert tx.execute(tables).fetchone() == (1,)
        assert tx.execute("SHOW transaction_isolation").fetchone() == ("repeatable read",)


def test_read_only_transaction_rolls_back_and_leaves_no_session_state(pg_url):
    with psycopg.connect(pg_url) as conn:
        with read_only_transaction(conn, statement_timeout_s=1) as tx:
            tx.execute("SELECT set_config('application_name', 'changed', true)")
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert conn.execute("SHOW statement_timeout").fetchone() != ("1s",)
        assert conn.execute("SHOW application_name").fetchone() != ("changed",)


def test_statement_timeout_cancels_long_queries(pg_url):
    with (
        psycopg.connect(pg_url) as conn,
        pytest.raises(psycopg.errors.QueryCanceled),
        read_only_transaction(conn, 0.2) as tx,
    ):
        tx.execute("SELECT pg_sleep(%s)", (5,))


def test_unreachable_database_gives_a_masked_connection_error():
    database = Database(
        "postgresql://app:topsecret@127.0.0.1:1/nodb", connect_timeout_s=1, retries=1
    )
    database.open()
    try:
        with pytest.raises(ConnectionFailed) as caught, database.read_only():
            pass
    finally:
        database.close()
    message = str(caught.value)
    assert "topsecret" not in message and "app:***@127.0.0.1:1" in message
    assert "DATABASE_URL" in message


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        pytest.param("mysql://root:pw@localhost/db", "postgresql://", id="scheme"),
        pytest.param("postgresql://u:pw@localhost:abc/db", "not a valid", id="port"),
        pytest.param("postgresql://u:pw@h/db?sslmode=bogus", "sslmode='bogus'", id="sslmode"),
        pytest.param("postgresql://u:pw@h/db?nonsense=1", "not a valid", id="option"),
    ],
)
def test_invalid_database_url_is_a_clear_config_error(monkeypatch, url, problem):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ConfigError, match=problem) as caught:
        load_settings()
    assert "pw" not in str(caught.value)


def test_settings_read_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@h/d?sslmode=require")
    monkeypatch.setenv("PGARCHITECT_PROJECT_ROOT", str(tmp_path))
    monkeypatch.setenv("PGARCHITECT_STATEMENT_TIMEOUT", "5")
    settings = load_settings()
    assert settings.statement_timeout_s == 5
    assert settings.resolved_spec_path == tmp_path / "specs/database/schema.md"


def test_pool_clears_hypothetical_indexes_before_reusing_a_connection(
    pg_url, ddl, schema, hypopg_available
):
    if not hypopg_available:
        pytest.skip("HypoPG is not installed on this server")
    ddl("CREATE TABLE hypo (id int, v int)")
    database = Database(pg_url, max_size=1)
    database.open()
    try:
        with database.read_only() as tx:
            tx.execute(
                "SELECT * FROM hypopg_create_index(%s)", (f"CREATE INDEX ON {schema}.hypo (v)",)
            )
            backend = tx.execute("SELECT pg_backend_pid()").fetchone()
        with database.read_only() as tx:
            assert tx.execute("SELECT pg_backend_pid()").fetchone() == backend
            assert tx.execute("SELECT count(*) FROM hypopg_list_indexes").fetchone() == (0,)
    finally:
        database.close()


def test_a_definitive_connection_error_is_reported_at_once_with_its_reason(pg_url):
    import time
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(pg_url)
    missing = urlunsplit((parts.scheme, parts.netloc, "/no_such_db_here", parts.query, ""))
    database = Database(missing, connect_timeout_s=2, retries=3)
    database.open()
    started = time.monotonic()
    try:
        with pytest.raises(ConnectionFailed, match="does not exist"), database.read_only():
            pass
    finally:
        database.close()
    assert time.monotonic() - started < 8  # no retries for what waiting cannot fix


def test_a_burst_of_first_calls_never_opens_more_sessions_than_the_pool(database, monkeypatch):
    import threading
    import time

    import server.db

    direct: list[str] = []

    def counted(url: str, timeout_s: float, retries: int) -> psycopg.Connection:
        direct.append(url)
        return psycopg.connect(url, connect_timeout=2, application_name="pgarchitect")

    monkeypatch.setattr(server.db, "connect", counted)
    dbname = psycopg.conninfo.conninfo_to_dict(database)["dbname"]
    most, stop = [0], threading.Event()

    def sample() -> None:
        with psycopg.connect(database, autocommit=True, application_name="sampler") as conn:
            while not stop.is_set():
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE application_name = 'pgarchitect' AND datname = %s",
                    (dbname,),
                ).fetchone()
                assert row is not None  # count(*) always returns its row
                most[0] = max(most[0], row[0])

    pool = Database(database, max_size=2)
    pool.open()
    calls = 12
    together = threading.Barrier(calls)

    def call() -> None:
        together.wait()
        with pool.read_only() as tx:
            tx.execute("SELECT pg_sleep(0.05)")

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        time.sleep(0.1)
        workers = [threading.Thread(target=call) for _ in range(calls)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=30)
    finally:
        stop.set()
        sampler.join(timeout=5)
        pool.close()
    assert len(direct) == 1  # one connection learns that the database answers, for all of them
    assert 1 <= most[0] <= 2
