"""The MCP edge: every exception of a tool call becomes one sentence of the right kind.

The kinds are the input (a NUL, nesting too deep), the database (a refused query, a lost
connection, a lock held by someone else, resources it ran out of) and the server's own limits
(the call deadline, the statement timeout, the pool, memory). A connection problem is called
one only when it is one (issue #13: out-of-memory, stack-depth and chr() errors were reported as
"check DATABASE_URL"). Anything unexpected is logged with its traceback here, and the client
gets one line; no message carries a password or a value of the data.
"""

from __future__ import annotations

import logging

import psycopg
from mcp.server.mcpserver.exceptions import ToolError

from server.config import Settings
from server.deadline import CallCancelled, CallTimeout
from server.masking import error_line, mask_text
from tools.errors import PgArchitectError
from tools.query_errors import condition_name, without_values

log = logging.getLogger("pgarchitect")

# The narrower call to make when a call ran out of time.
NARROWER = {
    "reflect_database": "pass tables=[...] or a smaller limit",
    "validate_isolation": "pass shared_tables=[...] for lookup tables, or probe=False",
    "suggest_indexes": "pass fewer queries (queries=[...]) or use_pg_stat_statements=False",
    "explain_query": "simplify the query, or call with analyze=False",
    "compare_spec_to_database": "compare one schema at a time",
    "generate_model": "pass tables=['name', 'prefix*']",
}
LOST_CONNECTION = ("08", "57P")


def narrower(tool: str) -> str:
    """How to narrow a call of this tool."""
    return NARROWER.get(tool, "narrow the call")


def to_tool_error(err: BaseException, tool: str, settings: Settings, url: str | None) -> ToolError:
    """The one place where exceptions become messages a client sees."""
    return ToolError(mask_text(message_for(err, tool, settings), url))


def message_for(err: BaseException, tool: str, settings: Settings) -> str:
    """One sentence for the error, naming problem and way out."""
    if isinstance(err, CallTimeout):
        return (
            f"{tool} stopped: {err}; {narrower(tool)}, or raise PGARCHITECT_CALL_TIMEOUT; the "
            "transaction was rolled back"
        )
    if isinstance(err, CallCancelled):
        return f"{tool} stopped: {err}; the transaction was rolled back"
    if isinstance(err, PgArchitectError):
        return str(err)
    if _holds_nul(err):
        return (
            f"{tool}: an argument holds a NUL character (\\x00), which no name, path or query "
            "can contain; remove it"
        )
    if isinstance(err, psycopg.Error):
        return _database_message(err, tool, settings)
    if isinstance(err, UnicodeError):
        return f"{tool}: an argument is not valid UTF-8 text (a lone surrogate?); fix its encoding"
    if isinstance(err, RecursionError):
        return f"{tool}: the input is nested too deeply to read; simplify it (fewer nested levels)"
    if isinstance(err, MemoryError):
        return f"{tool}: the server ran out of memory on this call; {narrower(tool)}"
    log.error("unexpected error in %s", tool, exc_info=err)
    return (
        f"{tool} failed: unexpected {type(err).__name__} in the server; the server log has the "
        "details"
    )


def _holds_nul(err: BaseException) -> bool:
    """Whether the error is about a NUL in an argument: Python's "embedded null byte", or
    psycopg refusing to send one ("cannot contain NUL (0x00) bytes", no SQLSTATE: the database
    never saw it)."""
    text = str(err).lower()
    if isinstance(err, psycopg.Error):
        return not err.sqlstate and "nul (0x00)" in text
    return isinstance(err, ValueError) and "null" in text


def _database_message(err: psycopg.Error, tool: str, settings: Settings) -> str:
    sqlstate = err.sqlstate or ""
    first = error_line(err, "")
    if isinstance(err, psycopg.errors.QueryCanceled):
        return (
            f"statement timeout of {settings.statement_timeout_s:g} s "
            f"(PGARCHITECT_STATEMENT_TIMEOUT) reached in {tool}; {narrower(tool)}, or raise "
            "PGARCHITECT_STATEMENT_TIMEOUT"
        )
    if isinstance(err, psycopg.errors.LockNotAvailable):
        return (
            f"{tool} waited longer than PGARCHITECT_LOCK_TIMEOUT ({settings.lock_timeout_s:g} s) "
            "for a lock another session holds (a migration running?); retry once it is done, "
            "or raise PGARCHITECT_LOCK_TIMEOUT"
        )
    if isinstance(err, psycopg.errors.ReadOnlySqlTransaction):
        return f"{tool} refused: the server only runs READ ONLY transactions"
    if isinstance(err, psycopg.errors.InsufficientPrivilege):
        return f"{tool}: permission denied ({first}); grant the role read access"
    if sqlstate == "53300":
        return (
            f"{tool}: the database accepts no more connections (too_many_connections); lower "
            "PGARCHITECT_POOL_MAX_SIZE or close other connections"
        )
    lost = not sqlstate or sqlstate.startswith(LOST_CONNECTION)
    if lost and isinstance(err, psycopg.OperationalError | psycopg.InterfaceError):
        return (
            f"{tool}: database connection problem: {first or 'the connection was lost'}; "
            "the next call reconnects; check that the server is running and DATABASE_URL"
        )
    state = f"SQLSTATE {sqlstate} ({condition_name(sqlstate)})" if sqlstate else "an error"
    if sqlstate.startswith("53"):
        return (
            f"{tool}: the database ran out of resources ({state}: {without_values(first)}); "
            f"{narrower(tool)}"
        )
    if sqlstate.startswith("54"):
        # Stack depth, chr() or a length over a limit: a deeply nested expression in the query
        # or in a definition the tool reads (a CHECK constraint, a view).
        return (
            f"{tool}: the database hit one of its limits ({state}: {without_values(first)}); "
            f"{narrower(tool)}, or simplify the query or definition it reads"
        )
    return f"{tool}: the database refused the query: {state}: {without_values(first)}"
