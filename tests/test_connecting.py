"""server.connecting: permanent connection failures at once, transient ones within the bound.

Every path honours PGARCHITECT_CONNECT_TIMEOUT and PGARCHITECT_CONNECT_RETRIES: the server's
pool, `pgarchitect review` and `pgarchitect demo`, tried against a listener made here that
accepts connections and never answers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from server.connecting import classify, connect
from server.db import Database
from tools.errors import ConnectionFailed

EXECUTABLE = Path(sys.executable).parent / "pgarchitect"


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in held:
            conn.close()
        listener.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again: connecting is refused


def with_parts(
    url: str, netloc: str | None = None, path: str | None = None, query: str = ""
) -> str:
    parts = urlsplit(url)
    return urlunsplit(
        (parts.scheme, netloc or parts.netloc, path or parts.path, query or parts.query, "")
    )


@pytest.mark.parametrize(
    ("message", "permanent", "fix"),
    [
        pytest.param(
            'connection failed: FATAL:  password authentication failed for user "app"',
            True,
            "user and password",
            id="password",
        ),
        pytest.param('FATAL:  role "ghost" does not exist', True, "user", id="role"),
        pytest.param('FATAL:  database "nope" does not exist', True, "database name", id="db"),
        pytest.param(
            "failed to resolve host 'db.invalid': [Errno -2] Name or service not known",
            True,
            "host name",
            id="dns",
        ),
        pytest.param("port 1 failed: Connection refused", True, "is running", id="refused"),
        pytest.param(
            'connection to server on socket "/tmp/x/.s.PGSQL.5432" failed: No such file or '
            "directory",
            True,
            "check that the server is running",
            id="socket-missing",
        ),
        pytest.param("server does not support SSL, but SSL was required", True, "ssl", id="ssl"),
        pytest.param("ERROR:  The endpoint has been disabled", True, "Neon console", id="neon"),
        pytest.param("connection timeout expired", False, "CONNECT_TIMEOUT", id="timeout"),
        pytest.param("FATAL:  the database system is starting up", False, "", id="starting"),
        pytest.param("ERROR:  Couldn't connect to compute node", False, "", id="neon-cold"),
        pytest.param("FATAL:  sorry, too many clients already", False, "", id="too-many"),
    ],
)
def test_failures_are_told_apart_by_whether_waiting_can_help(message, permanent, fix):
    failure = classify(psycopg.OperationalError(message))
    assert failure.permanent is permanent and fix.lower() in failure.fix.lower()


def permanent_urls(pg_url: str) -> list[tuple[str, str]]:
    user = urlsplit(pg_url).hostname or "127.0.0.1"
    port = urlsplit(pg_url).port or 5432
    urls = [
        (f"postgresql://app:hunter2@127.0.0.1:{closed_port()}/db", "Connection refused"),
        ("postgresql://app:hunter2@/db?host=/nonexistent-socket-dir", "No such file"),
        ("postgresql://app:hunter2@no-such-host.invalid/db", "resolve host"),
        (with_parts(pg_url, netloc=f"no_such_role_x:hunter2@{user}:{port}"), "does not exist"),
        (with_parts(pg_url, path="/no_such_database_x"), "does not exist"),
    ]
    if urlsplit(pg_url).hostname:  # libpq ignores sslmode on a Unix socket (the embedded server)
        urls.append((with_parts(pg_url, query="sslmode=require"), "SSL"))
    return urls


def test_permanent_failures_answer_at_once_with_the_masked_url_and_the_fix(pg_url):
    for url, reason in permanent_urls(pg_url):
        started = time.monotonic()
        with pytest.raises(ConnectionFailed) as caught:
            connect(url, connect_timeout_s=5, retries=3)
        message = str(caught.value)
        assert time.monotonic() - started < 1.5, message  # no retries, no waiting
        assert reason in message and "hunter2" not in message and "; " in message
        assert message.startswith("cannot connect to postgresql://")


def test_a_server_that_never_answers_costs_the_timeout_times_the_attempts(silent_port):
    started = time.monotonic()
    with pytest.raises(ConnectionFailed, match=r"timeout expired \(2 attempts in") as caught:
        connect(f"postgresql://app:hunter2@127.0.0.1:{silent_port}/db", 2, retries=1)
    elapsed = time.monotonic() - started
    assert 3.5 <= elapsed <= 4 + 0.75, elapsed  # two attempts of 2 s, within 2 s x (1 + 1)
    assert "PGARCHITECT_CONNECT_TIMEOUT" in str(caught.value)


def test_the_pool_says_why_at_once_and_keeps_within_the_bound(pg_url, silent_port):
    cases = [
        (with_parts(pg_url, path="/no_such_database_x"), 1.5),
        (f"postgresql://app:hunter2@127.0.0.1:{silent_port}/db", 2 * 2 + 1.0),
    ]
    for url, bound in cases:
        database = Database(url, connect_timeout_s=2, retries=1)
        database.open()
        started = time.monotonic()
        try:
            with pytest.raises(ConnectionFailed), database.read_only():
                pass
        finally:
            database.close()
        assert time.monotonic() - started <= bound


@pytest.mark.parametrize("command", [["review", "--no-spec"], ["demo"]], ids=["review", "demo"])
def test_cli_commands_honour_the_connect_timeout(command, silent_port, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PGARCHITECT_")}
    env.update(
        DATABASE_URL=f"postgresql://app:hunter2@127.0.0.1:{silent_port}/db",
        PGARCHITECT_CONNECT_TIMEOUT="2",
        PGARCHITECT_CONNECT_RETRIES="1",
        PGARCHITECT_PROJECT_ROOT=str(tmp_path),
    )
    started = time.monotonic()
    done = subprocess.run(
        [str(EXECUTABLE), *command], env=env, capture_output=True, text=True, timeout=60
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 2, done.stderr
    assert "timeout expired" in done.stderr and "hunter2" not in done.stderr
    assert elapsed < 4 + 10, elapsed  # the connect bound, and the interpreter's start-up
