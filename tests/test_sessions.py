"""The pool: one deadline per call, backends reset before reuse, read-only sessions, a busy pool."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from server.db import Database, PoolBusy
from server.deadline import CallCancelled, CallDeadline, CallTimeout
from server.sessions import RESET_DIRECT, behind_transaction_pooler
from tests.conftest import run_ddl
from tools.explain import explain_query


@pytest.fixture
def database(scratch_url):
    database = Database(scratch_url, max_size=2, call_timeout_s=1.0, connect_timeout_s=1, retries=0)
    database.open()
    yield database
    database.close()


RESET_START = RESET_DIRECT[: RESET_DIRECT.index(";") + 1]  # how the pool's reset begins


def _pgarchitect_sessions(admin: psycopg.Connection, url: str) -> list[tuple[str, str]]:
    """Busy sessions of our pools in the scratch database (other test runs use other ones),
    once the pool's own reset of a returned connection (run in its worker) has finished."""
    dbname = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    for _ in range(20):
        busy = admin.execute(
            "SELECT state, query FROM pg_stat_activity WHERE application_name = 'pgarchitect'"
            " AND datname = %s AND state <> 'idle'",
            (dbname,),
        ).fetchall()
        if not any(query.startswith(RESET_START) for _, query in busy):
            return busy
        time.sleep(0.1)
    return busy


def test_one_deadline_bounds_all_the_statements_of_a_call(database):
    started = time.monotonic()
    with pytest.raises(CallTimeout, match="PGARCHITECT_CALL_TIMEOUT"), database.read_only() as conn:
        for _ in range(20):  # each far under the statement timeout, together far over the call's
            conn.execute("SELECT pg_sleep(0.2)")
    assert 0.9 < time.monotonic() - started < 1.8


def test_the_deadline_cancels_the_statement_running_when_it_passes(database, admin, scratch_url):
    started = time.monotonic()
    with pytest.raises(CallTimeout), database.read_only() as conn:
        conn.execute("SELECT pg_sleep(30)")
    assert time.monotonic() - started < 2
    with database.read_only() as conn:  # the connection came back clean
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert _pgarchitect_sessions(admin, scratch_url) == []


def test_a_cancelled_call_stops_at_once_and_rolls_back(scratch_url, admin):
    database = Database(scratch_url, max_size=1, call_timeout_s=60)
    database.open()
    try:
        deadline = CallDeadline(60)
        threading.Timer(0.5, deadline.cancel).start()
        started = time.monotonic()
        with pytest.raises(CallCancelled), database.read_only(deadline) as conn:
            conn.execute("SELECT pg_sleep(30)")
        assert time.monotonic() - started < 2
        time.sleep(0.2)
        assert _pgarchitect_sessions(admin, scratch_url) == []
    finally:
        database.close()


SESSION_STATE = """
CREATE FUNCTION grab() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_lock(4242);
  EXECUTE 'LISTEN pgarchitect_leak';
  PERFORM set_config('work_mem', '77MB', false);
  RETURN 1;
END $$;
CREATE VIEW grabbing AS SELECT grab() AS g;
"""


def test_the_pool_resets_what_a_call_left_in_the_session(pg_url, admin, schema):
    # Issue #13: a view taking a session advisory lock, explained with analyze, left the lock
    # held by the idle pooled backend.
    run_ddl(admin, schema, SESSION_STATE)
    database = Database(pg_url, max_size=1)
    database.open()
    try:
        with database.read_only() as conn:
            explain_query(conn, f'SELECT * FROM "{schema}".grabbing', analyze=True)
            conn.execute("PREPARE left_behind AS SELECT 1")
            row = conn.execute("SELECT pg_backend_pid()").fetchone()
            assert row is not None  # SELECT without FROM always returns its row
            pid = row[0]
        with database.read_only() as conn:  # the pool resets in its worker before handing it on
            assert conn.execute("SELECT pg_backend_pid()").fetchone() == (pid,)  # same backend
            held = admin.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = %s", (pid,)
            ).fetchone()
            assert held == (0,)
            assert conn.execute("SELECT count(*) FROM pg_listening_channels()").fetchone() == (0,)
            assert conn.execute("SELECT count(*) FROM pg_prepared_statements").fetchone() == (0,)
            assert conn.execute("SHOW work_mem").fetchone() != ("77MB",)
            assert conn.execute("SHOW default_transaction_read_only").fetchone() == ("on",)
    finally:
        database.close()


def test_every_pooled_session_is_read_only_by_default(database):
    with database.read_only() as conn:
        assert conn.execute("SHOW default_transaction_read_only").fetchone() == ("on",)
        assert conn.execute("SHOW transaction_read_only").fetchone() == ("on",)
        timeouts = conn.execute(
            "SELECT current_setting('statement_timeout'), current_setting('lock_timeout'),"
            " current_setting('idle_in_transaction_session_timeout')"
        ).fetchone()
    assert timeouts == ("15s", "2s", "6s")  # idle limit: the call's deadline and a margin


def test_an_exhausted_pool_says_so_and_not_cannot_connect(pg_url):
    database = Database(pg_url, max_size=1, connect_timeout_s=1, retries=0)
    database.open()
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with database.read_only():
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        holding.wait(5)
        busy = pytest.raises(PoolBusy, match="all 1 database connections are busy")
        with busy as caught, database.read_only():
            pass
        assert "PGARCHITECT_POOL_MAX_SIZE" in str(caught.value)
        assert "cannot connect" not in str(caught.value)
    finally:
        release.set()
        thread.join()
        database.close()


@pytest.mark.parametrize(
    ("url", "pooler"),
    [
        ("postgresql://app:pw@ep-cool-123-pooler.eu-central-1.aws.neon.tech/db", True),
        ("postgresql://app:pw@ep-cool-123.eu-central-1.aws.neon.tech/db", False),
        ("postgresql://app@127.0.0.1:6432/db", True),
        ("host=10.0.0.1 port=6432 dbname=db", True),
        ("postgresql://app@127.0.0.1:5432/db", False),
    ],
)
def test_transaction_poolers_are_recognised(url, pooler):
    assert behind_transaction_pooler(url) is pooler
