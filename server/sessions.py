"""What a pooled backend holds between calls: set up once, reset before every reuse.

Every pooled session is `default_transaction_read_only = on` (each call is also `BEGIN READ
ONLY`: two locks on one door). Before the pool hands a backend to the next call it clears what
a call could have left in the session despite the rollback (issue #13: a view taking a session
advisory lock, explained with analyze, left the lock held by the idle backend): advisory locks,
listeners, cursors, prepared statements, settings and HypoPG's hypothetical indexes.

Behind PgBouncer in transaction mode (Neon's `-pooler` hosts, port 6432) the backend is shared
with other clients and PgBouncer tracks some settings itself: there `RESET ALL`, `DEALLOCATE
ALL` and the session-level `SET` would disturb them, so only the parts that touch this
client's own state run (advisory locks, listeners, HypoPG); each call still opens `BEGIN READ
ONLY`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

READ_ONLY_SESSION = "SET default_transaction_read_only = on"
# One round trip (simple protocol, one implicit transaction); the last result lists HypoPG.
RESET_DIRECT = (
    "SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; DEALLOCATE ALL; RESET ALL; "
    f"{READ_ONLY_SESSION}; "
)
RESET_BEHIND_POOLER = "SELECT pg_advisory_unlock_all(); UNLISTEN *; "
HYPOPG_RESETS = (
    "SELECT n.nspname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE p.proname = 'hypopg_reset' AND p.pronargs = 0"
)


def behind_transaction_pooler(url: str) -> bool:
    """Whether the URL points at PgBouncer-style transaction pooling (a -pooler host, :6432)."""
    try:
        options = conninfo_to_dict(url)
    except psycopg.Error:
        return False
    hosts = str(options.get("host") or "")
    ports = str(options.get("port") or "")
    if "://" in url and not hosts:
        hosts = urlsplit(url).hostname or ""
    return "-pooler" in hosts or "6432" in ports.split(",")


class SessionReset:
    """The pool's `configure` and `reset` callbacks for one URL."""

    def __init__(self, url: str) -> None:
        self.pooler = behind_transaction_pooler(url)

    def configure(self, conn: psycopg.Connection) -> None:
        """A new pooled connection: read-only by default (not behind a transaction pooler)."""
        if not self.pooler:
            conn.autocommit = True
            try:
                conn.execute(READ_ONLY_SESSION)
            finally:
                conn.autocommit = False

    def reset(self, conn: psycopg.Connection) -> None:
        """Clear the session before the pool reuses the connection (raises to discard it)."""
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.rollback()
        conn.autocommit = True
        try:
            script = (RESET_BEHIND_POOLER if self.pooler else RESET_DIRECT) + HYPOPG_RESETS
            cursor = conn.execute(script)  # trusted, several statements
            while cursor.nextset():
                pass
            for (namespace,) in cursor.fetchall():
                reset = sql.SQL("SELECT {}()").format(sql.Identifier(namespace, "hypopg_reset"))
                conn.execute(reset)
        finally:
            conn.autocommit = False
