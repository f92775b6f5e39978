"""Errors of assistant SQL, told without the values they quote.

A server error raised while planning or running an assistant's query may quote data: a row value
(`invalid input syntax for type integer: "<a secret>"`), a setting the planner evaluated while
estimating, a number computed from a secret (`chr(1114112 + …)`: `requested character too large
for encoding: 1114165`) or any text a function RAISEs (issue #13). So the answer carries the
SQLSTATE, its condition name and the server's first line with every quoted text and number
removed; nothing at all of errors raised inside a function body or of classes whose messages are
free text. One exception keeps errors useful: at plan time, a class 42 error (an unknown table or
column, a type mismatch) keeps the quoted names that the query itself spells.
"""

from __future__ import annotations

import re

import psycopg

from tools.errors import Unsupported

# Classes whose first line is a fixed sentence with quoted or numeric parts: shown, values
# removed. Others (P0 raise_exception, 38 external routine, XX internal, user codes) only by name.
TEXT_CLASSES = frozenset(
    {"0A", "21", "22", "23", "25", "26", "2B", "34", "3B", "40", "42", "44", "53", "54", "55"}
    | {"57", "58", "F0", "HV"}
)
# Errors that are not about the query: the connection, a cancel or the lock timeout (the
# server's edge names the setting), the server going away.
PASSED_ON = ("08", "57P", "57014", "55P03", "25P02")

_QUOTED = re.compile(r"\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*'")
_NUMBER = re.compile(r"(?<![\w.])(?:0x[0-9a-fA-F]+|[-+]?\d[\d_,.]*(?:e[-+]?\d+)?)(?![\w])")


class QueryFailed(Unsupported):
    """The database refused an assistant's query; the message carries no value from the data."""

    def __init__(self, message: str, sqlstate: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def is_about_the_query(err: psycopg.Error) -> bool:
    """Whether a server error is the query's fault (not a cancel or a lost connection)."""
    sqlstate = err.sqlstate or ""
    return bool(sqlstate) and not sqlstate.startswith(PASSED_ON)


def condition_name(sqlstate: str) -> str:
    """The condition name of a SQLSTATE, e.g. '22P02' -> 'invalid_text_representation'."""
    try:
        name = psycopg.errors.lookup(sqlstate).__name__.rstrip("_")
    except KeyError:
        return "unknown condition"
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def describe(err: psycopg.Error, query_text: str, planning: bool) -> str:
    """'SQLSTATE 22P02 (invalid_text_representation): invalid input syntax for type integer: …'."""
    sqlstate = err.sqlstate or ""
    head = f"SQLSTATE {sqlstate} ({condition_name(sqlstate)})"
    diag = err.diag
    if diag.context or sqlstate[:2] not in TEXT_CLASSES:
        # Raised inside a function body (RAISE may say anything), or a free-text class.
        return head
    primary = (diag.message_primary or "").strip().splitlines()
    if not primary:
        return head
    keep_names = planning and sqlstate.startswith("42")
    return f"{head}: {without_values(primary[0], query_text if keep_names else None)}"


def without_values(message: str, query_text: str | None = None) -> str:
    """The message with quoted texts and numbers replaced by '…'; quoted names the query spells
    are kept when query_text is given."""
    spelled = query_text.lower() if query_text is not None else None

    def quoted(match: re.Match[str]) -> str:
        inner = match.group(0)[1:-1]
        if spelled is not None and inner and inner.lower() in spelled:
            return match.group(0)
        return '"…"'

    return _NUMBER.sub("…", _QUOTED.sub(quoted, message))


def query_failed(err: psycopg.Error, query_text: str, planning: bool) -> QueryFailed:
    """The error an assistant sees for its failed query (no value of the data in it)."""
    description = describe(err, query_text, planning)
    when = "planning" if planning else "running"
    if err.sqlstate == "42501":
        return QueryFailed(
            f"permission denied while {when} the query: {description}; grant the role read "
            "access to what the query reads",
            err.sqlstate,
        )
    return QueryFailed(
        f"the query failed in the database while {when} it: {description}; fix the query "
        "(tables schema-qualified or on the search path, types matching); values are left out "
        "of database errors on purpose",
        err.sqlstate or "",
    )
