"""`pgarchitect doctor`: is this set up right? Connection, role, extensions, spec, MCP client.

Each check is ok, warn or fail, with the fix beside it; exit status 0 when all are ok, 1 with a
warning, 2 with a failure (as `review`). Runs on the embedded server when DATABASE_URL is unset,
like the demo. Reads the catalogs only, in a READ ONLY transaction; prints masked URLs only.
"""

from __future__ import annotations

import shlex
import shutil
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from server.config import Settings
from server.db import connect_kwargs, error_line, mask_text, mask_url, read_only_transaction
from server.version import package_version
from tools import spec
from tools.errors import PgArchitectError
from tools.naming import quote_ident

Status = Literal["ok", "warn", "fail"]
READ_ONLY_ROLE = "pgarchitect_ro"

ROLE = """
SELECT r.rolname, r.rolsuper, r.rolbypassrls, current_database() AS database,
       (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\\_%'
          AND (has_table_privilege(c.oid, 'INSERT') OR has_table_privilege(c.oid, 'UPDATE')
               OR has_table_privilege(c.oid, 'DELETE') OR has_table_privilege(c.oid, 'TRUNCATE'))
       ) AS writable_tables,
       ARRAY(SELECT n.nspname FROM pg_namespace n
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
               AND n.nspname NOT LIKE 'pg\\_%' AND has_schema_privilege(n.oid, 'CREATE')
             ORDER BY 1) AS creatable_schemas,
       ARRAY(SELECT DISTINCT n.nspname FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p', 'v', 'm')
               AND n.nspname NOT IN ('pg_catalog', 'information_schema')
               AND n.nspname NOT LIKE 'pg\\_%'
             ORDER BY 1) AS table_schemas
FROM pg_roles r WHERE r.rolname = current_user
"""
EXTENSIONS = """
SELECT name, default_version, installed_version FROM pg_available_extensions
WHERE name IN ('hypopg', 'pg_stat_statements')
"""


@dataclass
class Check:
    """One line of the doctor's answer."""

    name: str
    status: Status
    summary: str
    fix: str = ""


def run_doctor(settings: Settings, url: str, embedded: bool) -> list[Check]:
    """Every check, in reading order; a database that does not answer stops the database ones."""
    checks: list[Check] = []
    masked = mask_url(url)
    try:
        started = time.perf_counter()
        conn = psycopg.connect(url, **connect_kwargs(settings.connect_timeout_s))
        connect_ms = (time.perf_counter() - started) * 1000
    except psycopg.Error as err:
        checks.append(
            Check(
                "connection",
                "fail",
                f"cannot connect to {masked}: {mask_text(error_line(err), url)}",
                "check that the server runs, the host, port, user and password in DATABASE_URL, "
                "and ?sslmode=require for Neon",
            )
        )
        return [*checks, spec_check(settings), mcp_check(settings)]
    with conn, read_only_transaction(conn) as tx:
        checks.append(connection_check(tx, url, connect_ms, embedded, settings))
        checks.append(_guarded("role", lambda: role_check(tx, embedded), tx))
        checks += _guarded("extensions", lambda: extension_checks(tx, url, embedded), tx)
    return [*checks, spec_check(settings), mcp_check(settings)]


def _guarded(name: str, check: Any, conn: psycopg.Connection) -> Any:
    """check(), or a warning saying what this role could not read (a savepoint keeps the
    transaction usable for the next check)."""
    try:
        with conn.transaction():
            return check()
    except psycopg.Error as err:
        found = Check(
            name, "warn", f"could not check: {error_line(err)}", "grant the role read access"
        )
        return [found] if name == "extensions" else found


def is_neon(url: str) -> bool:
    """Whether the URL points at Neon (its hosts end in neon.tech)."""
    host = urlsplit(url).hostname or ""
    return host.endswith((".neon.tech", ".neon.build"))


def connection_check(
    conn: psycopg.Connection, url: str, connect_ms: float, embedded: bool, settings: Settings
) -> Check:
    """Masked URL, server version, latency, and which kind of server it is."""
    rounds = []
    for _ in range(3):
        started = time.perf_counter()
        conn.execute("SELECT 1").fetchone()
        rounds.append((time.perf_counter() - started) * 1000)
    version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    host = urlsplit(url).hostname or ""
    if embedded:
        kind = "the embedded server (DATABASE_URL unset)"
    elif is_neon(url):
        pooled = "-pooler" in host
        kind = "Neon, " + ("pooled (PgBouncer, transaction mode)" if pooled else "direct")
    else:
        kind = "not Neon"
    summary = (
        f"{mask_url(url)}: PostgreSQL {version.split()[0]}, {kind}; connected in "
        f"{connect_ms:.0f} ms, {statistics.median(rounds):.1f} ms a round trip"
    )
    slow = statistics.median(rounds) > 100
    return Check(
        "connection",
        "warn" if slow else "ok",
        summary,
        "a far region: each tool call costs a few round trips; pick a nearer region or "
        f"raise PGARCHITECT_STATEMENT_TIMEOUT (now {settings.statement_timeout_s:g} s)"
        if slow
        else "",
    )


def read_only_role_sql(
    database: str, schemas: list[str], server_version: int, role: str = READ_ONLY_ROLE
) -> str:
    """The DDL making a login role that reads everything and writes nothing (runs twice).

    The same role validate_isolation's ISO027 suggests: no BYPASSRLS, so it sees what policies
    allow; pg_read_all_data from PostgreSQL 14 on, per-schema grants before.
    """
    quoted = quote_ident(role)
    lines = [
        "-- as an administrator; choose the password, then put this role in DATABASE_URL",
        "DO $fix$",
        "BEGIN",
        f"  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN",
        f"    CREATE ROLE {quoted} LOGIN NOBYPASSRLS PASSWORD 'change-me';",
        "  END IF;",
        "END",
        "$fix$;",
        f"GRANT CONNECT ON DATABASE {quote_ident(database)} TO {quoted};",
    ]
    if server_version >= 140000:
        lines.append(f"GRANT pg_read_all_data TO {quoted};")
    else:
        for schema in schemas or ["public"]:
            name = quote_ident(schema)
            lines += [
                f"GRANT USAGE ON SCHEMA {name} TO {quoted};",
                f"GRANT SELECT ON ALL TABLES IN SCHEMA {name} TO {quoted};",
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {name} GRANT SELECT ON TABLES TO {quoted};",
            ]
    lines += [
        "-- pg_stat_statements shows every role's query texts to pg_read_all_stats members",
        f"GRANT pg_read_all_stats TO {quoted};",
        f"-- for validate_isolation's live probe (it acts as your app's role): GRANT <app role> "
        f"TO {quoted};",
    ]
    return "\n".join(lines)


def role_check(conn: psycopg.Connection, embedded: bool) -> Check:
    """Superuser? BYPASSRLS? Can it write? And the DDL of a read-only role when it can."""
    row = conn.cursor(row_factory=dict_row).execute(ROLE).fetchone()
    assert row is not None  # current_user is always in pg_roles
    powers = []
    if row["rolsuper"]:
        powers.append("a superuser")
    if row["rolbypassrls"]:
        powers.append("BYPASSRLS")
    if row["writable_tables"]:
        powers.append(f"may write {row['writable_tables']} tables")
    if row["creatable_schemas"]:
        powers.append(f"CREATE on schema {', '.join(row['creatable_schemas'])}")
    name = row["rolname"]
    if not powers:
        return Check("role", "ok", f"{name!r} reads only: no superuser, no BYPASSRLS, no writes")
    summary = f"{name!r}: {'; '.join(powers)}"
    if embedded:
        return Check("role", "ok", summary + " (the embedded scratch server: fine)")
    return Check(
        "role",
        "warn",
        summary + "; every tool call is READ ONLY anyway, but a role that sees every tenant "
        "is one leaked URL away from a breach",
        read_only_role_sql(row["database"], list(row["table_schemas"]), conn.info.server_version),
    )


def _ways(here: str, this_server: str, neon: str, debian: str, embedded: str) -> str:
    """The fix for this server first, then how it goes on the other kinds of server."""
    others = {"debian": f"Debian/Ubuntu: {debian}", "neon": f"Neon: {neon}"}
    others["embedded"] = f"the embedded server: {embedded}"
    return "\n".join([f"here: {this_server}", *(v for k, v in others.items() if k != here)])


def extension_checks(conn: psycopg.Connection, url: str, embedded: bool) -> list[Check]:
    """HypoPG and pg_stat_statements: installed, available, preloaded, and how to add them."""
    rows = {r[0]: r for r in conn.execute(EXTENSIONS).fetchall()}
    major = conn.info.server_version // 10000
    here = "embedded" if embedded else "neon" if is_neon(url) else "debian"
    libraries = _setting(conn, "shared_preload_libraries")
    installed = bool(rows.get("pg_stat_statements") and rows["pg_stat_statements"][2])
    if installed:  # the view answers only when the library is preloaded
        preloaded: bool | None = _statements_answer(conn)
    else:
        preloaded = None if libraries is None else "pg_stat_statements" in libraries
    return [
        _hypopg(rows.get("hypopg"), major, here),
        _statements(rows.get("pg_stat_statements"), libraries, preloaded, here),
    ]


def _setting(conn: psycopg.Connection, name: str) -> str | None:
    """A setting's value, or None when this role may not read it (shared_preload_libraries
    needs pg_read_all_settings)."""
    try:
        with conn.transaction():
            row = conn.execute("SELECT current_setting(%s)", (name,)).fetchone()
    except psycopg.errors.InsufficientPrivilege:
        return None
    return row[0] if row else None


def _statements_answer(conn: psycopg.Connection) -> bool:
    """Whether the installed pg_stat_statements view can be read (its library is loaded)."""
    row = conn.execute(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_stat_statements'"
    ).fetchone()
    if row is None:
        return False
    view = sql.Identifier(row[0], "pg_stat_statements")
    try:
        with conn.transaction():
            conn.execute(sql.SQL("SELECT 1 FROM {} LIMIT 0").format(view))
    except psycopg.Error:
        return False
    return True


def _hypopg(row: tuple[Any, ...] | None, major: int, here: str) -> Check:
    if row and row[2]:
        return Check("hypopg", "ok", f"installed ({row[2]}): index advice is proven")
    debian = f"apt-get install postgresql-{major}-hypopg, then CREATE EXTENSION hypopg;"
    embedded = "not shipped: point DATABASE_URL at a server that has it"
    this_server = "CREATE EXTENSION hypopg;" if row else debian if here == "debian" else embedded
    return Check(
        "hypopg",
        "warn",
        ("available, not installed" if row else "not available on this server")
        + ": suggest_indexes leaves workload indexes unproven",
        _ways(here, this_server, "CREATE EXTENSION hypopg;", debian, embedded),
    )


def _statements(
    row: tuple[Any, ...] | None, libraries: str | None, preloaded: bool | None, here: str
) -> Check:
    installed = bool(row and row[2])
    if row and installed and preloaded:
        return Check("pg_stat_statements", "ok", f"installed ({row[2]}) and preloaded")
    current = "<the libraries there now>" if libraries is None else libraries
    wanted = ", ".join(filter(None, [current, "pg_stat_statements"]))
    preload = f"ALTER SYSTEM SET shared_preload_libraries = '{wanted}'; restart the server; "
    steps = ("" if preloaded else preload) + (
        "" if installed else "CREATE EXTENSION pg_stat_statements;"
    )
    debian = "postgresql-contrib (a dependency of the server package) ships it; " + steps
    state = "installed" if installed else "available" if row else "not available"
    preloading: dict[bool | None, str] = {
        True: ", preloaded",
        False: ", not in shared_preload_libraries",
    }
    state += preloading.get(
        preloaded, ", preloading unknown (this role cannot read shared_preload_libraries)"
    )
    return Check(
        "pg_stat_statements",
        "warn",
        f"{state}: suggest_indexes cannot read the real workload (it needs queries=)",
        _ways(
            here,
            (steps.strip() if row else debian)
            if here != "embedded"
            else "pass queries= to "
            "suggest_indexes (the embedded server starts without preloaded libraries)",
            "CREATE EXTENSION pg_stat_statements; (Neon preloads it)",
            debian,
            "it ships the extension but starts without preloading it: pass queries= to "
            "suggest_indexes, or point DATABASE_URL at your server",
        ),
    )


def spec_check(settings: Settings) -> Check:
    """Where the spec is and what the reader found in it."""
    path = settings.resolved_spec_path
    configured = "spec_path" in settings.model_fields_set
    if not path.is_file():
        how = (
            "fix PGARCHITECT_SPEC_PATH (relative to PGARCHITECT_PROJECT_ROOT), or write the file"
            if configured
            else "write specs/database/schema.md (`pgarchitect demo` shows one), or set "
            "PGARCHITECT_SPEC_PATH; `pgarchitect review --no-spec` reviews without it"
        )
        return Check("spec", "fail" if configured else "warn", f"no spec at {path}", how)
    try:
        parsed = spec.read_schema_spec(None, project_root=settings.project_root, default_path=path)
    except PgArchitectError as err:
        return Check("spec", "fail", f"{path}: {err}", "fix the file, or set PGARCHITECT_SPEC_PATH")
    summary = (
        f"{path}: {len(parsed.entities)} tables, {len(parsed.indexes)} indexes, tenant column "
        f"{parsed.tenant_column or '(not stated)'}, {len(parsed.warnings)} lines not read"
    )
    if not parsed.warnings:
        return Check("spec", "ok", summary)
    shown = [f"line {w.line}: {w.message}" for w in parsed.warnings[:3]]
    more = len(parsed.warnings) - len(shown)
    return Check(
        "spec",
        "warn",
        summary,
        "\n".join(shown) + (f"\n… and {more} more (read_schema_spec lists them)" if more else ""),
    )


def executable() -> str:
    """The pgarchitect command to give an MCP client: an absolute path, clients have no PATH."""
    beside = Path(sys.executable).parent / "pgarchitect"
    found = shutil.which("pgarchitect")
    return str(beside if beside.exists() else Path(found).resolve() if found else beside)


def mcp_check(settings: Settings) -> Check:
    """The line that plugs this server into Claude Code (the URL stays in the environment)."""
    root = settings.project_root.resolve()
    line = (
        f'claude mcp add pgarchitect --env DATABASE_URL="$DATABASE_URL" '
        f"--env PGARCHITECT_PROJECT_ROOT={quote_shell(str(root))} -- "
        f"{quote_shell(executable())} serve"
    )
    return Check("mcp", "ok", "Claude Code, from this shell (other clients: README):", line)


def quote_shell(text: str) -> str:
    """The text as one shell word."""
    return shlex.quote(text)


def exit_status(checks: list[Check]) -> int:
    """2 with a failure, 1 with a warning, else 0."""
    statuses = {check.status for check in checks}
    return 2 if "fail" in statuses else 1 if "warn" in statuses else 0


def render_doctor(checks: list[Check]) -> str:
    """One line per check, its fix indented beneath, and the tally."""
    width = max((len(c.name) for c in checks), default=0)
    lines = [f"pgarchitect {package_version()} (Python {sys.version.split()[0]})"]
    for check in checks:
        lines.append(f"{check.status:<4}  {check.name:<{width}}  {check.summary}")
        pad = " " * (width + 8)
        lines += [pad + line for line in check.fix.splitlines()]
    tally = {s: sum(c.status == s for c in checks) for s in ("ok", "warn", "fail")}
    words = [_plural(tally["ok"], "ok", "ok"), _plural(tally["warn"], "warning", "warnings")]
    words.append(_plural(tally["fail"], "failure", "failures"))
    lines.append(f"{', '.join(words)} (exit {exit_status(checks)})")
    return "\n".join(lines)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def doctor_json(checks: list[Check]) -> dict[str, Any]:
    """The same as data."""
    return {
        "version": package_version(),
        "exit_status": exit_status(checks),
        "checks": [asdict(check) for check in checks],
    }
