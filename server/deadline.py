"""One deadline per tool call (`PGARCHITECT_CALL_TIMEOUT`), across all its statements.

`statement_timeout` bounds one statement; a call of a hundred statements of a second each still
took 183 s (issue #13). A `CallDeadline` starts with the call: every statement checks it before
it is sent (`DeadlineCursor`), a timer cancels the statement still running when it passes, and
`cancel()` does the same for a call whose client went away or a server shutting down. The
statement then fails inside the call's READ ONLY transaction, which is rolled back as always.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import anyio
import psycopg

from tools.errors import PgArchitectError

T = TypeVar("T")


class CallTimeout(PgArchitectError):
    """The call ran past PGARCHITECT_CALL_TIMEOUT; the edge says how to narrow it."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the call took longer than PGARCHITECT_CALL_TIMEOUT ({seconds:g} s)")
        self.seconds = seconds


class CallCancelled(PgArchitectError):
    """The client went away (or the server is stopping) while the call ran."""

    def __init__(self) -> None:
        super().__init__("the call was cancelled (the client went away or the server is stopping)")


class CallDeadline:
    """When a tool call must end, and the connection to cancel when it does."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.expired = self.cancelled = False
        self._conn: psycopg.Connection | None = None
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def remaining(self) -> float:
        """Seconds left (0 when past)."""
        return max(0.0, self.ends - time.monotonic())

    def check(self) -> None:
        """Raise CallCancelled or CallTimeout when the call must stop."""
        if self.cancelled:
            raise CallCancelled
        if self.expired or self.remaining() <= 0:
            self.expired = True
            raise CallTimeout(self.seconds)

    def cancel(self) -> None:
        """Stop the call: the next statement is not sent, the running one is cancelled."""
        self.cancelled = True
        self._cancel_statement()

    def _expire(self) -> None:
        self.expired = True
        self._cancel_statement()

    def _cancel_statement(self) -> None:
        with self._lock:
            conn = self._conn
        if conn is not None and not conn.closed:
            conn.cancel_safe(timeout=2)

    @contextmanager
    def watching(self, conn: psycopg.Connection) -> Iterator[psycopg.Connection]:
        """Check every statement of conn against the deadline while the block runs."""
        self.check()
        with self._lock:
            self._conn = conn
        timer = threading.Timer(self.remaining(), self._expire)
        timer.daemon = True
        _DEADLINES[conn] = self
        saved = conn.cursor_factory
        conn.cursor_factory = DeadlineCursor
        timer.start()
        try:
            yield conn
        finally:
            timer.cancel()
            conn.cursor_factory = saved
            _DEADLINES.pop(conn, None)
            with self._lock:
                self._conn = None


_DEADLINES: weakref.WeakKeyDictionary[psycopg.Connection, CallDeadline] = (
    weakref.WeakKeyDictionary()
)


def deadline_of(conn: psycopg.Connection) -> CallDeadline | None:
    """The deadline watching conn, if any."""
    return _DEADLINES.get(conn)


class DeadlineCursor(psycopg.Cursor):
    """A cursor that checks the call's deadline before each statement, and reports a statement
    cancelled by it as the call's timeout (or cancellation)."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> DeadlineCursor:
        deadline = deadline_of(self.connection)
        if deadline is None:
            return super().execute(query, params, **kwargs)
        deadline.check()
        try:
            return super().execute(query, params, **kwargs)
        except psycopg.errors.QueryCanceled:
            deadline.check()  # cancelled by the deadline: say so
            raise


async def run_cancellable(work: Callable[[], T], deadline: CallDeadline) -> T:
    """Run work() in a worker thread; if the awaiting task is cancelled (the client went away,
    the server is stopping), cancel the deadline so the thread's statement stops at once and
    its transaction rolls back, instead of running on unseen."""
    try:
        return await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
    except anyio.get_cancelled_exc_class():
        deadline.cancel()
        raise


async def run_within(work: Callable[[], T], deadline: CallDeadline) -> T:
    """Run work() — no database: reading the spec, a tool that needs none — in a worker thread
    within the call's deadline. Past it the call ends with CallTimeout at once; the thread,
    which holds no connection, is left to finish unseen (the spec reader is linear in a file
    of at most 1 MB)."""
    with anyio.move_on_after(deadline.remaining()):
        return await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
    deadline.expired = True
    raise CallTimeout(deadline.seconds)
