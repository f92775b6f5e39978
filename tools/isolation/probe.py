"""The live isolation probe: count, as the application role, the rows of other tenants it sees.

Inside the caller's READ ONLY transaction and a savepoint that is always rolled back: read a few
real tenant ids as the connecting role, switch to the app role with `set_config('role', …, true)`,
set the tenant setting to each id, and count per tenant table the rows whose tenant column
differs. Counts only, never rows; the role and setting are restored before returning.
`probe_tenants` picks the tables of a classified schema; `leak_finding` reports what it saw.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from pydantic import BaseModel, Field

from tools.errors import ConfigError, NotFound
from tools.findings import Finding, finding
from tools.isolation.classify import Context
from tools.isolation.rules import RULES
from tools.progress import report_progress

# A custom (placeholder) setting: two or more dotted identifiers, e.g. app.tenant_id.
CUSTOM_SETTING = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)+")

APP_ROLE = """
SELECT r.rolname, r.rolsuper, r.rolbypassrls,
       pg_has_role(current_user, r.oid, 'MEMBER') AS can_set,
       ARRAY(SELECT o.rolname FROM pg_roles o WHERE pg_has_role(r.oid, o.oid, 'USAGE')
             ORDER BY o.rolname)::text[] AS member_of
FROM pg_roles r WHERE r.rolname = %(role)s
"""
ROLE_NAMES = "SELECT rolname FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY rolname"
PROBE_TENANTS = 3


class ProbeCount(BaseModel):
    """What the app role saw in one table while acting as one tenant."""

    table: str = Field(description="schema.table")
    tenant: str = Field(description="the tenant id the setting held")
    visible_rows: int | None = Field(None, description="rows the app role could read")
    foreign_rows: int | None = Field(
        None, description="of those, rows whose tenant column is another tenant's (a leak if > 0)"
    )
    error: str | None = Field(None, description="why the table could not be counted")


class ProbeResult(BaseModel):
    """The live probe: which tenant ids were tried and what each table showed."""

    app_role: str = Field(description="the role the probe switched to")
    tenant_setting: str = Field(description="the setting it set to each tenant id")
    tenants: list[str] = Field(description="tenant ids tried (read as the connecting role)")
    counts: list[ProbeCount] = Field(description="one entry per table and tenant")
    note: str | None = Field(None, description="why the probe proved less than it could")

    @property
    def leaks(self) -> dict[str, int]:
        """Tables with foreign rows, and the largest count seen."""
        out: dict[str, int] = {}
        for count in self.counts:
            if count.foreign_rows:
                out[count.table] = max(out.get(count.table, 0), count.foreign_rows)
        return out


def check_tenant_setting(tenant_setting: str | None) -> str:
    """The setting name, refused unless it looks like a custom GUC (x.y)."""
    if not tenant_setting or not CUSTOM_SETTING.fullmatch(tenant_setting):
        raise ConfigError(
            f"tenant_setting {tenant_setting!r} is not a custom setting name; pass the one your "
            "app sets per request, e.g. tenant_setting='app.tenant_id'"
        )
    return tenant_setting


def fetch_app_role(conn: psycopg.Connection, app_role: str) -> dict[str, Any]:
    """rolsuper, rolbypassrls, whether we may SET ROLE to it, and the roles it acts as."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(APP_ROLE, {"role": app_role}).fetchone()
        if row is None:
            names = [r["rolname"] for r in cur.execute(ROLE_NAMES).fetchall()]
            raise NotFound("role", app_role, names, "pass app_role=<the role your app uses>")
    return row


def fetch_tenant_ids(
    conn: psycopg.Connection, sources: list[tuple[str, str, str]], limit: int
) -> list[str]:
    """A few tenant ids, read as the connecting role from (schema, table, column) in order."""
    for schema, table, column in sources:
        query = sql.SQL(
            "SELECT DISTINCT {col}::text FROM {table} WHERE {col} IS NOT NULL ORDER BY 1 LIMIT %s"
        ).format(col=sql.Identifier(column), table=sql.Identifier(schema, table))
        try:
            with conn.transaction():  # a savepoint: a policy that raises must not end the call
                ids = [row[0] for row in conn.execute(query, (limit,)).fetchall()]
        except (psycopg.ProgrammingError, psycopg.DataError, psycopg.errors.QueryCanceled):
            continue
        if ids:
            return ids
    return []


def run_probe(
    conn: psycopg.Connection,
    targets: list[tuple[str, str, str]],
    app_role: str,
    tenant_setting: str,
    tenant_ids: list[str],
) -> list[ProbeCount]:
    """Count foreign rows per (schema, table, tenant column) as app_role, for each tenant id."""
    counts: list[ProbeCount] = []
    # force_rollback: the savepoint is rolled back at the end, so SET ROLE and the setting
    # vanish even if a count fails half-way; the explicit restore below says it in code too.
    with conn.transaction(force_rollback=True):
        saved = conn.execute("SELECT current_setting('role')").fetchone()
        try:
            steps = len(tenant_ids) * len(targets)
            for tenant in tenant_ids:
                conn.execute(
                    "SELECT set_config('role', %s, true), set_config(%s, %s, true)",
                    (app_role, tenant_setting, tenant),
                )
                for target in targets:
                    report_progress(len(counts), steps, f"live probe: {target[1]} as {tenant}")
                    counts.append(_count(conn, target, tenant))
            report_progress(steps, steps, "live probe: done")
        finally:
            if conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS:
                conn.execute(
                    "SELECT set_config('role', %s, true)", (saved[0] if saved else "none",)
                )
    return counts


def _count(conn: psycopg.Connection, target: tuple[str, str, str], tenant: str) -> ProbeCount:
    schema, table, column = target
    query = sql.SQL(
        "SELECT count(*), count(*) FILTER (WHERE {col}::text IS DISTINCT FROM %s) FROM {table}"
    ).format(col=sql.Identifier(column), table=sql.Identifier(schema, table))
    entry = ProbeCount(table=f"{schema}.{table}", tenant=tenant)
    try:
        with conn.transaction():  # a savepoint: one unreadable table must not end the probe
            row = conn.execute(query, (tenant,)).fetchone()
    # permission denied, a policy that cannot cast the setting, a statement timeout
    except (psycopg.ProgrammingError, psycopg.DataError, psycopg.errors.QueryCanceled) as err:
        return entry.model_copy(update={"error": str(err).splitlines()[0]})
    if row is None:  # a count(*) query always returns one row
        return entry.model_copy(update={"error": "the probe query returned no row"})
    return entry.model_copy(update={"visible_rows": row[0], "foreign_rows": row[1]})


def probe_tenants(
    conn: psycopg.Connection, ctx: Context, app_role: str, setting: str
) -> ProbeResult:
    """Probe every tenant-owned table (and the root) as app_role, acting as a few real tenants."""
    schema = ctx.snapshot.schema_name
    targets = []
    for name, item in sorted(ctx.classes.items()):
        if item.table_class == "tenant-owned" and ctx.tenant_column:
            targets.append((schema, name, ctx.tenant_column))
        elif item.table_class == "tenant root" and len(item.key_columns) == 1:
            targets.append((schema, name, next(iter(item.key_columns))))
    # The root lists the tenants; tenant tables are the fallback when it is empty or missing.
    sources = sorted(targets, key=lambda t: ctx.classes[t[1]].table_class != "tenant root")
    tenants = fetch_tenant_ids(conn, sources, PROBE_TENANTS)
    note = None
    if not targets:
        note = "no tenant-owned table to probe"
    elif not tenants:
        note = f"no tenant ids visible to {ctx.snapshot.role.name!r}: nothing to act as"
    counts = run_probe(conn, targets, app_role, setting, tenants) if tenants else []
    return ProbeResult(
        app_role=app_role, tenant_setting=setting, tenants=tenants, counts=counts, note=note
    )


def leak_finding(table: str, count: int, probe: ProbeResult) -> Finding:
    """ISO029: the probe read rows of other tenants in `table`."""
    return finding(
        RULES["ISO029"],
        table,
        f"acting as a tenant, {probe.app_role!r} read {_rows(count)} of other tenants",
        f"set_config('role', {probe.app_role!r}), set_config({probe.tenant_setting!r}, <tenant>) "
        f"for tenants {', '.join(probe.tenants)}: up to {_rows(count)} with another tenant id",
        None,
    )


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"
