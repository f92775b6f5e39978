"""Untrusted query text: check it with pglast, then only ever EXPLAIN it over the extended protocol.

`check_query` accepts exactly one SELECT (UPDATE/DELETE/INSERT with `allow_dml`, which are only
EXPLAINed, never executed) and refuses anything that could write, lock, wait or leave the
database: utility statements, data-modifying CTEs, `SELECT … INTO`, locking clauses, and every
function call that is not on the allow-list below, wherever it sits in the tree (FROM clause,
ORDER BY, LATERAL, sub-queries, CTEs). User-defined functions and functions of extensions are
refused too: their bodies may do anything; replace such a call with a `$n` parameter.

`plan` and `plan_cost` send `EXPLAIN` of a checked query with the extended protocol, so nothing
can be stacked behind it, inside the caller's READ ONLY transaction (the last line of defence).
Queries with `$n` parameters get a generic plan on every version: `PREPARE` + `SET LOCAL
plan_cache_mode = force_generic_plan` + `EXPLAIN EXECUTE` + `DEALLOCATE`, all in one transaction
(`EXPLAIN (GENERIC_PLAN)` needs the simple protocol for bare `$n`; see `_prepare`).

Known limit: unqualified names are checked by name, so an allowed name that the database
overloads in another schema on the search path resolves to that overload (the database's own
objects are trusted; the query text is not); likewise column notation (`t.f` for `f(t)`)
resolves only to functions taking a row, and pg_catalog has none with side effects. Views,
casts and operators are the database's own objects too: `analyze=True` runs whatever their
definitions call, so a view built on dblink runs dblink, and an IMMUTABLE function behind a cast
or an unqualified operator runs even while planning (tests/mcp/test_attack_corpus.py). The READ
ONLY transaction, the statement timeout and the pool's session reset still bound it.
`current_setting` is allowed (RLS-style queries use it); EXPLAIN never returns its value, only
the plan.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import psycopg
from pglast import ast
from psycopg import sql

from tools.errors import ConfigError, Unsupported
from tools.query_allowlist import SAFE_FUNCTIONS, SAFE_SAMPLE_METHODS, SECRET_RELATIONS
from tools.query_errors import is_about_the_query, query_failed
from tools.query_parser import ParseFailed, parse_sql

QueryKind = Literal["select", "update", "delete", "insert"]

STATEMENT_KINDS: dict[type[ast.Node], QueryKind] = {
    ast.SelectStmt: "select",
    ast.UpdateStmt: "update",
    ast.DeleteStmt: "delete",
    ast.InsertStmt: "insert",
}

ACCEPTED = (
    "accepted: one SELECT (with joins, CTEs, sub-queries, window functions, $n parameters) "
    "calling only ordinary read-only functions (aggregates, string, date/time, math, json, "
    "array, text search functions such as count, lower, now, date_trunc, jsonb_build_object)"
)


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed `check_query`: its original text, kind, parse tree and $n count."""

    sql: str
    kind: QueryKind
    tree: ast.RawStmt
    param_count: int
    # Settings the query reads with current_setting('…'), lower case: `plan` accepts only the
    # ones the database's policies read.
    settings: frozenset[str] = frozenset()


def check_query(text: str, *, allow_dml: bool = False) -> CheckedQuery:
    """Parse untrusted SQL and accept it only if it is one safe statement; else raise Unsupported.

    With `allow_dml`, UPDATE, DELETE and INSERT are accepted too: callers only EXPLAIN them
    (never with ANALYZE), so they are planned, never executed.
    """
    try:
        statements = parse_sql(text)  # within limits, in a worker process (tools.query_parser)
    except ParseFailed as err:
        raise Unsupported(f"{err}; {ACCEPTED}") from None
    if len(statements) != 1:
        raise Unsupported(
            f"refused {len(statements)} statements: expected exactly one, send one query at a "
            f"time (no `;`-separated statements); {ACCEPTED}"
        )
    raw = statements[0]
    kind = STATEMENT_KINDS.get(type(raw.stmt))
    allowed = "select, update, delete, insert" if allow_dml else "select"
    if kind is None or (kind != "select" and not allow_dml):
        raise Unsupported(
            f"refused {_statement_name(raw.stmt)!r} statement: only {allowed} can be checked; "
            f"{ACCEPTED}"
        )
    param_count = 0
    settings: set[str] = set()
    for node in walk_ast(raw.stmt):
        _check_node(node, top=raw.stmt)
        if isinstance(node, ast.ParamRef):
            param_count = max(param_count, node.number)
        elif isinstance(node, ast.FuncCall) and _names(node.funcname)[-1] == "current_setting":
            settings.add(_setting_name(node))
    return CheckedQuery(text, kind, raw, param_count, frozenset(settings))


def _statement_name(stmt: ast.Node) -> str:
    """A readable statement name: 'DropStmt' -> 'drop'."""
    name = type(stmt).__name__
    return name.removesuffix("Stmt").lower() or name


def walk_ast(root: ast.Node) -> Iterator[ast.Node]:
    """Every pglast node below (and including) root, in source order; iterative, as queries
    can nest deeply."""
    stack: list[Any] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Node):
            yield item
            stack.extend(reversed([getattr(item, attr, None) for attr in item]))
        elif isinstance(item, (tuple, list)):
            stack.extend(reversed(item))


def _check_node(node: ast.Node, top: ast.Node) -> None:
    """Raise Unsupported if this one node is unsafe."""
    if isinstance(node, (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt)):
        if node is not top:
            raise Unsupported(
                f"refused data-modifying {_statement_name(node)!r} inside the query (a CTE or "
                f"sub-statement that writes); {ACCEPTED}"
            )
    elif isinstance(node, ast.SelectStmt):
        if node.intoClause is not None:
            raise Unsupported(f"refused SELECT … INTO (it creates a table); {ACCEPTED}")
        if node.lockingClause:
            raise Unsupported(
                f"refused locking clause (FOR UPDATE/NO KEY UPDATE/SHARE/KEY SHARE); {ACCEPTED}"
            )
    elif isinstance(node, ast.FuncCall):
        _check_function(_names(node.funcname))
    elif isinstance(node, ast.RangeVar) and node.relname in SECRET_RELATIONS:
        raise Unsupported(
            f"refused reading {node.relname!r}: it holds secrets (password hashes, connection "
            "strings, server or role settings, other sessions' queries, sampled values); the "
            f"tools plan the application's queries, not the server's catalogs; {ACCEPTED}"
        )
    elif isinstance(node, ast.RangeTableSample):
        method = _names(node.method)
        if len(method) > 1 or method[-1] not in SAFE_SAMPLE_METHODS:
            raise Unsupported(
                f"refused TABLESAMPLE method {'.'.join(method)!r}: only SYSTEM and BERNOULLI; "
                f"{ACCEPTED}"
            )
    else:
        operator = _operator_name(node)
        schema = ".".join(operator[:-1])
        if schema not in ("", "pg_catalog"):
            raise Unsupported(
                f"refused operator {'.'.join(operator)!r} from schema {schema!r}: only "
                f"built-in operators; {ACCEPTED}"
            )


def _operator_name(node: ast.Node) -> list[str]:
    """The operator name a node uses (`OPERATOR(s.+)`, `ORDER BY … USING`), if any."""
    if isinstance(node, ast.A_Expr):
        return _names(node.name)
    if isinstance(node, ast.SortBy):
        return _names(node.useOp)
    if isinstance(node, ast.SubLink):
        return _names(node.operName)
    return []


def _names(nodes: Any) -> list[str]:
    """The strings of a pglast name list: (String('pg_catalog'), String('lower'))."""
    return [getattr(item, "sval", "*") for item in nodes or ()]


def _setting_name(call: ast.FuncCall) -> str:
    """The setting a current_setting() call reads: it must be spelled as a string literal."""
    value = call.args[0] if call.args else None
    if isinstance(value, ast.NamedArgExpr):
        value = value.arg
    if isinstance(value, ast.TypeCast):
        value = value.arg
    name = getattr(getattr(value, "val", None), "sval", None)
    if not isinstance(name, str):
        raise Unsupported(
            "refused current_setting() of a setting not spelled as a string literal: only the "
            "settings the database's policies read may be named, e.g. "
            f"current_setting('app.tenant_id', true); {ACCEPTED}"
        )
    return name.lower()


def _check_function(names: list[str]) -> None:
    """Accept a (possibly pg_catalog-qualified) call of an allow-listed function.

    Names compare exactly: the parser already folded unquoted names to lower case, and a
    quoted "Lower" is another (user-defined) function.
    """
    schema = ".".join(names[:-1])
    if names[-1] in SAFE_FUNCTIONS and schema in ("", "pg_catalog"):
        return
    reason = (
        "it is not on the allow-list of ordinary read-only functions"
        if schema in ("", "pg_catalog")
        else "user-defined and extension functions are refused (their body may do anything)"
    )
    raise Unsupported(
        f"refused function call {'.'.join(names)!r}: {reason}; replace it with a literal or a "
        f"$n parameter; {ACCEPTED}"
    )


# --- planning -------------------------------------------------------------------------------


def plan(
    conn: psycopg.Connection, query: CheckedQuery, *, analyze: bool = False, verbose: bool = False
) -> dict:
    """EXPLAIN (FORMAT JSON) a checked query; return the top object ("Plan", "Planning Time"...).

    `analyze=True` (SELECT without $n parameters only) executes the query; like every EXPLAIN
    here it runs in a savepoint that is always rolled back, under the caller's statement
    timeout. `verbose=True` adds VERBOSE (schema names, output columns). A query that fails
    (unknown table, type error) raises Unsupported and leaves the caller's transaction usable;
    other server errors (QueryCanceled at the timeout) propagate.
    """
    if analyze and query.kind != "select":
        raise Unsupported(
            f"refused analyze for a {query.kind.upper()} query: only SELECT is ever executed; "
            "call again with analyze=False for its estimated plan"
        )
    if analyze and query.param_count:
        raise Unsupported(
            f"refused analyze for a query with {query.param_count} $n parameter(s): executing "
            "needs values; put literals in place of the parameters or use analyze=False"
        )
    check_settings(conn, query)
    options = ", ".join(["ANALYZE, BUFFERS"] * analyze + ["VERBOSE"] * verbose + ["FORMAT JSON"])
    name = sql.Identifier(f"pgarchitect_{secrets.token_hex(8)}")
    prepared = executing = False
    try:
        with conn.transaction(force_rollback=True):
            _pin_string_syntax(conn)
            if analyze:
                # Plan first: planning errors name tables and types, while errors raised when
                # executing may quote row values ('invalid input syntax …: "<a secret>"').
                _explain(conn, "EXPLAIN (FORMAT JSON)\n", query.sql)
                executing = True
            if not query.param_count:
                return _explain(conn, f"EXPLAIN ({options})\n", query.sql)
            # Generic plan for $n (every version): see _prepare for why not GENERIC_PLAN.
            _prepare(conn, name, query)
            prepared = True
            conn.execute(
                "SELECT set_config('plan_cache_mode', 'force_generic_plan', true)", prepare=False
            )
            nulls = sql.SQL(", ").join([sql.NULL] * query.param_count)
            explain = sql.SQL("EXPLAIN ({}) EXECUTE {}({})").format(sql.SQL(options), name, nulls)
            return _top_plan(conn.execute(explain, binary=True, prepare=False).fetchone())
    except psycopg.Error as err:
        if not is_about_the_query(err):
            raise  # a cancel, the lock timeout or a lost connection: the server's edge says so
        raise query_failed(err, query.sql, planning=not executing) from None
    finally:
        if prepared:
            # Never leave a prepared statement behind (PgBouncer transaction mode); a broken
            # connection takes it with it.
            with contextlib.suppress(psycopg.OperationalError):
                conn.execute(sql.SQL("DEALLOCATE {}").format(name), prepare=False)


# What the policies read: their expressions and the bodies of the functions they call.
POLICY_TEXTS = """
SELECT concat_ws(' ', pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
FROM pg_policy p
UNION ALL
SELECT f.prosrc FROM pg_depend d JOIN pg_proc f ON f.oid = d.refobjid
WHERE d.classid = 'pg_policy'::regclass AND d.refclassid = 'pg_proc'::regclass
"""
_SETTING_READ = re.compile(r"current_setting\s*\(\s*'((?:[^']|'')+)'", re.IGNORECASE)


def policy_settings(conn: psycopg.Connection) -> frozenset[str]:
    """Settings (lower case) that some row-level security policy of the database reads."""
    rows = conn.execute(POLICY_TEXTS, prepare=False).fetchall()
    return frozenset(
        name.replace("''", "'").lower()
        for (text,) in rows
        for name in _SETTING_READ.findall(text or "")
    )


def check_settings(conn: psycopg.Connection, query: CheckedQuery) -> None:
    """Refuse current_setting() of a setting no policy reads (it may hold a secret: a JWT
    key, data_directory); policies' own settings plan as the application would."""
    if not query.settings:
        return
    allowed = policy_settings(conn)
    refused = sorted(query.settings - allowed)
    if refused:
        shown = ", ".join(sorted(allowed)) or "none"
        raise Unsupported(
            f"refused current_setting({refused[0]!r}): only the settings the database's "
            f"row-level security policies read may be named (here: {shown}); put a literal or "
            "a $n parameter in its place"
        )


def _pin_string_syntax(conn: psycopg.Connection) -> None:
    """Make the server read '…' literals as pglast did (for this savepoint only)."""
    if conn.info.parameter_status("standard_conforming_strings") != "on":
        # Otherwise a backslash could keep open on the server a string pglast saw closed, and
        # hide code from the check.
        conn.execute("SELECT set_config('standard_conforming_strings', 'on', true)", prepare=False)


def plan_cost(conn: psycopg.Connection, query: CheckedQuery) -> float:
    """The planner's total cost of the query's top plan node (no ANALYZE)."""
    return float(plan(conn, query)["Plan"]["Total Cost"])


def _explain(conn: psycopg.Connection, prefix: str, text: str) -> dict:
    """Send prefix + checked text with the extended protocol (binary=True), never prepared."""
    # A parameterless execute(str) would use the simple protocol, which runs `;`-stacked
    # statements; binary=True forces Parse/Bind/Execute, which accepts only one.
    statement: Any = prefix + text  # checked text: one statement, by pglast and by protocol
    return _top_plan(conn.execute(statement, binary=True, prepare=False).fetchone())


def _prepare(conn: psycopg.Connection, name: sql.Identifier, query: CheckedQuery) -> None:
    """PREPARE the query under name, over the extended protocol, with no values bound.

    Why not `EXPLAIN (GENERIC_PLAN)` on PostgreSQL 16+: over the extended protocol its `$n`
    become bind parameters that need values (and bound NULLs are constant-folded into
    `One-Time Filter: false`); only the simple protocol, which allows stacking, takes it bare.
    PREPARE is a utility statement whose query is analysed at execution, so Parse/Bind accept
    it with `$n` in the text; it is planned afresh, after any hypothetical index exists.
    """
    text: Any = sql.SQL("PREPARE {} AS\n").format(name).as_string(conn) + query.sql
    conn.execute(text, binary=True, prepare=False)


def _top_plan(row: Any) -> dict:
    """The first object of EXPLAIN's JSON array, whether it came back as text or parsed."""
    document = row[0]
    if isinstance(document, (str, bytes)):
        document = json.loads(document)
    return document[0]


@contextlib.contextmanager
def schema_first_on_path(conn: psycopg.Connection, schema: str) -> Iterator[None]:
    """Plan with the schema first on the search path, as the application would, then restore."""
    if "\x00" in schema:  # quoting would cut the name at the NUL and plan in another schema
        raise ConfigError(f"schema {schema!r} contains a NUL character (\\x00); remove it")
    saved = conn.execute("SELECT current_setting('search_path')").fetchone()[0]  # type: ignore[index]
    path = sql.SQL("{}, public").format(sql.Identifier(schema)).as_string(conn)
    conn.execute("SELECT set_config('search_path', %s, true)", (path,))
    try:
        yield
    finally:
        if conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS:
            conn.execute("SELECT set_config('search_path', %s, true)", (saved,))
