"""Connecting to DATABASE_URL: what cannot succeed fails at once, what may succeed is retried.

A wrong password, an unknown database or role, a host name that does not resolve, a refused
connection or an SSL mismatch will fail the same way on every attempt: they are reported at once,
with the masked URL and the fix. Timeouts, a cold Neon endpoint, "the database system is
starting up" or "too many connections" may pass: they are retried with backoff, all attempts
and pauses within connect_timeout * (retries + 1).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import psycopg

from server.masking import error_line, mask_text, mask_url
from tools.errors import ConnectionFailed

log = logging.getLogger("pgarchitect.db")

MIN_ATTEMPT_S = 2  # psycopg (like libpq) waits at least 2 s per attempt, whatever is asked
SLACK_S = 0.25  # an attempt may start this much short of MIN_ATTEMPT_S before the deadline
USER_PASSWORD = "check the user and password in DATABASE_URL"
# (words of the message, the fix): failures that no retry can turn into a connection.
PERMANENT = (
    (("password authentication failed",), USER_PASSWORD),
    (("no password supplied",), "put the password in DATABASE_URL (postgresql://user:PW@host/db)"),
    (("authentication failed",), USER_PASSWORD),
    (("role", "does not exist"), "the user in DATABASE_URL does not exist there: check its name"),
    (("database", "does not exist"), "check the database name in DATABASE_URL, or create it"),
    (("no pg_hba.conf entry",), "the server's pg_hba.conf refuses this user, database or host"),
    (("failed to resolve host",), "check the host name in DATABASE_URL"),
    (("could not translate host name",), "check the host name in DATABASE_URL"),
    (("name or service not known",), "check the host name in DATABASE_URL"),
    (
        ("connection refused",),
        "nothing listens there: check that the server is running, "
        "and the host and port in DATABASE_URL",
    ),
    (  # a Unix socket that is not there: the server is down (or another socket directory)
        ("on socket", "no such file or directory"),
        "no server listens on that socket: check that the server is running, and the socket "
        "directory (host=) and port in DATABASE_URL",
    ),
    (("does not support ssl",), "this server has no SSL: use sslmode=prefer (or leave it out)"),
    (("endpoint", "disabled"), "the Neon endpoint is disabled: enable it in the Neon console"),
    (("endpoint id is not specified",), "use a Neon URL with the endpoint in its host name"),
)
TRANSIENT_FIX = (
    "the server did not answer in time: check that the server is running and reachable (host, "
    "port, firewall), or raise PGARCHITECT_CONNECT_TIMEOUT / PGARCHITECT_CONNECT_RETRIES"
)


@dataclass(frozen=True)
class Failure:
    """Why a connection attempt failed, whether waiting could help, and what to do."""

    reason: str
    permanent: bool
    fix: str


def classify(err: BaseException) -> Failure:
    """The kind of a failed connection attempt, from its SQLSTATE or libpq's message."""
    reason = error_line(err)
    for line in str(err).splitlines():  # "connection failed: … failed: FATAL:  the reason"
        if line.strip():
            reason = line.strip().split("FATAL:", 1)[-1].strip() or reason
            break
    sqlstate = getattr(err, "sqlstate", None) or ""
    text = str(err).lower()
    for words, fix in PERMANENT:
        if all(word in text for word in words):
            return Failure(reason, True, fix)
    if sqlstate.startswith("28") or sqlstate == "3D000":
        return Failure(reason, True, USER_PASSWORD)
    return Failure(reason, False, TRANSIENT_FIX)


def connect_kwargs(connect_timeout_s: float) -> dict[str, Any]:
    """Connection options safe behind PgBouncer: no prepared statements, an application name."""
    return {
        "connect_timeout": max(MIN_ATTEMPT_S, int(connect_timeout_s)),
        "prepare_threshold": None,
        "application_name": "pgarchitect",
        "autocommit": False,
    }


def failed(url: str, failure: Failure, attempts: int, seconds: float) -> ConnectionFailed:
    """The error naming the masked URL, the reason and the fix."""
    count = f"{attempts} attempt{'s' if attempts > 1 else ''}"
    tried = "" if failure.permanent else f" ({count} in {seconds:.1f} s)"
    reason = mask_text(failure.reason, url)
    return ConnectionFailed(f"cannot connect to {mask_url(url)}: {reason}{tried}; {failure.fix}")


def connect(url: str, connect_timeout_s: float, retries: int) -> psycopg.Connection:
    """A new connection; ConnectionFailed at once when it cannot succeed, else after the
    retries, within connect_timeout_s * (retries + 1) in all."""
    started = time.monotonic()
    deadline = started + connect_timeout_s * (retries + 1)
    delay, attempts = 0.5, 0
    while True:
        attempts += 1
        timeout = min(connect_timeout_s, deadline - time.monotonic())
        try:
            return psycopg.connect(url, **connect_kwargs(timeout))
        except psycopg.OperationalError as err:
            failure = classify(err)
            remaining = deadline - time.monotonic()
            pause = max(0.0, min(delay, remaining - MIN_ATTEMPT_S))
            if failure.permanent or attempts > retries or remaining < MIN_ATTEMPT_S - SLACK_S:
                raise failed(url, failure, attempts, time.monotonic() - started) from None
            log.warning(
                "database not answering (%s: %s); retrying in %.1f s",
                mask_url(url),
                mask_text(failure.reason, url),
                pause,
            )
            time.sleep(pause)
            delay = min(delay * 2, 8)
