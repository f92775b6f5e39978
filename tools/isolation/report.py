"""`validate_isolation`: can one tenant see or write another tenant's rows? Table by table.

Fetches one snapshot (`tools.catalog`), finds the tenant column and root (`tools.tenancy`),
classifies every table (`classify`) and runs the static rules (`rls`, `policies`, `keys`,
`objects`; codes in `rules`). With `probe=True` it also proves leaks against live data
(`probe`). Returns findings per table, a verdict and a fix script (`fixes`) that applies all
the DDL in a sensible order. Never writes. The models and the text renderer live here too.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

import psycopg
from pydantic import BaseModel, Field

from tools.catalog.models import SchemaSnapshot
from tools.catalog.snapshot import fetch_snapshot, select_names
from tools.errors import ConfigError, NotFound
from tools.findings import Finding, count_by_severity, render_finding, sort_findings
from tools.isolation.classify import Classified, Context, classify_tables, path_text
from tools.isolation.fixes import build_fix_script
from tools.isolation.keys import (
    check_keys,
    check_ownership,
    check_policy_indexes,
    check_tenant_column,
)
from tools.isolation.objects import (
    check_app_role,
    check_connecting_role,
    check_functions,
    check_views,
)
from tools.isolation.policies import check_policies
from tools.isolation.policy_fixes import predicate_template
from tools.isolation.probe import (
    ProbeResult,
    check_tenant_setting,
    fetch_app_role,
    leak_finding,
    probe_tenants,
)
from tools.isolation.rls import check_rls
from tools.isolation.rules import RULES
from tools.spec.model import SchemaSpec
from tools.tenancy import resolve_tenant_column, tenant_root

TableClass = Literal["tenant root", "tenant-owned", "indirectly owned", "shared", "unclassified"]
Verdict = Literal[
    "leak proven", "not isolated", "isolated with warnings", "isolated", "no tenancy found"
]


class TableIsolation(BaseModel):
    """One table: its class, how its policies filter, and what is wrong with it."""

    table: str = Field(description="schema.table")
    table_class: TableClass = Field(
        description="tenant root, tenant-owned (has the tenant column), indirectly owned (reaches "
        "one through NOT NULL foreign keys), shared (declared, or deny-all / public read-only "
        "by its policies) or unclassified (needs a decision)"
    )
    tenant_key: list[str] = Field(
        description="columns that identify the tenant (tenant column; the root's primary key)"
    )
    owner_path: list[str] = Field(
        default_factory=list,
        description="foreign-key path to a tenant table (indirectly owned): the one the schema "
        "marks as ownership (NOT NULL and ON DELETE CASCADE first, then NOT NULL); the fixed "
        "policies follow it",
    )
    other_paths: list[str] = Field(
        default_factory=list,
        description="the table's other NOT NULL foreign-key paths to a tenant table, "
        "each as its hops joined by '; '",
    )
    pattern: str | None = Field(None, description="why a table counts as shared, if it does")
    rls_enabled: bool = Field(description="ALTER TABLE … ENABLE ROW LEVEL SECURITY")
    rls_forced: bool = Field(description="ALTER TABLE … FORCE ROW LEVEL SECURITY (owner too)")
    policies: int = Field(description="number of policies")
    bindings: list[str] = Field(
        default_factory=list,
        description="session bindings its policies use, e.g. current_setting('app.tenant_id')",
    )
    findings: list[Finding] = Field(default_factory=list, description="sorted findings")


class IsolationReport(BaseModel):
    """Multi-tenant isolation of one schema: summary, findings per table, fix script."""

    schema_name: str = Field(description="the schema checked")
    tenant_column: str | None = Field(description="tenant column used (given or detected)")
    tenant_root: str | None = Field(description="the table the tenant column points at")
    connecting_role: str = Field(description="the role this connection uses")
    verdict: Verdict = Field(description="leak proven > not isolated (errors) > warnings > ok")
    tables_by_class: dict[str, int] = Field(description="number of tables per class")
    counts: dict[str, int] = Field(description="findings per severity (after suppression)")
    tables: list[TableIsolation] = Field(description="every table with its findings")
    other_findings: list[Finding] = Field(
        default_factory=list, description="findings on views, functions and roles"
    )
    unset_behaviour: dict[str, str] = Field(
        default_factory=dict,
        description="per current_setting() used by policies: what happens when it is unset",
    )
    suppressed: int = Field(0, description="findings left out by the suppress list")
    probe: ProbeResult | None = Field(None, description="live probe results (probe=True)")
    fix_script: str = Field("", description="all fix DDL in a safe order (review, then run)")
    spec_path: str | None = Field(
        None, description="the spec whose isolation notes (tenant column, shared tables) were used"
    )

    @property
    def findings(self) -> list[Finding]:
        """Every finding, tables and others, sorted."""
        return sort_findings([f for t in self.tables for f in t.findings] + self.other_findings)


def validate_isolation(
    conn: psycopg.Connection,
    schema: str = "public",
    tenant_column: str | None = None,
    shared_tables: list[str] | None = None,
    app_role: str | None = None,
    tenant_setting: str | None = None,
    probe: bool = False,
    suppress: list[str] | None = None,
    tables: list[str] | None = None,
    *,
    spec: SchemaSpec | None = None,
) -> IsolationReport:
    """Check, table by table, whether one tenant can read or write another tenant's rows.

    Call it on a multi-tenant schema (a tenant column such as tenant_id/org_id/account_id, or
    Supabase-style user ownership) before shipping a new table, a policy or a view. It
    classifies every table (tenant root, tenant-owned, indirectly owned, shared, unclassified),
    reads each row-level security policy's USING / WITH CHECK through the SQL parser, and
    reports findings with stable codes (ISO001…): RLS off or not forced, policies that do not
    bind the tenant column to the session (current_setting('app.…'), current_user, auth.uid(),
    a SECURITY DEFINER helper), write paths without WITH CHECK, OR-ing permissive policies,
    security-definer views and functions, roles that bypass RLS, cross-tenant foreign keys,
    missing tenant indexes. Each finding has evidence and fix DDL; `fix_script` orders them.

    Pass `tenant_column` when detection guesses wrong, `shared_tables` for lookup tables,
    `suppress` (["ISO020", "ISO009:users"]) for accepted findings. With `probe=True`,
    `app_role` (the role the application connects as) and `tenant_setting` (e.g.
    "app.tenant_id"; default: the one setting the policies read), it switches to that role
    inside this read-only transaction, acts as a few real tenants and counts rows of other
    tenants it can see: a non-zero count is a proven leak.
    `tables` (names or globs, 'task*') reports those tables only (the analysis still sees the
    whole schema: ownership paths, roles, views and functions).
    The project's spec (specs/database/schema.md), when it states a tenant column or shared
    tables in its isolation notes, supplies what these arguments leave open.
    Next: apply the fix script in a migration, then call again to confirm.
    """
    if probe and not app_role:
        raise ConfigError(
            "probe=True needs app_role (the role your app connects as); tenant_setting "
            "(e.g. 'app.tenant_id') defaults to the one setting the policies read"
        )
    if tenant_setting is not None:
        check_tenant_setting(tenant_setting)
    keys = _suppress_keys(suppress)
    snapshot = fetch_snapshot(conn, schema)
    spec_column, spec_shared = _from_spec(snapshot, spec)
    column = resolve_tenant_column(snapshot, tenant_column or spec_column)
    shared = _shared(snapshot, shared_tables) | spec_shared
    root = tenant_root(snapshot, column) if column else None
    ctx = Context(snapshot=snapshot, tenant_column=column, root=root, predicate="")
    ctx.classes = classify_tables(ctx, shared)
    if probe and not tenant_setting:
        tenant_setting = setting_from_policies(ctx)
    ctx.predicate = predicate_template(ctx.classes, tenant_setting)

    per_table = {name: _table_findings(ctx, item) for name, item in ctx.classes.items()}
    others = check_views(ctx) + check_functions(ctx) + check_connecting_role(ctx)
    probe_result = None
    if app_role:
        attributes = fetch_app_role(conn, app_role)
        others += check_app_role(ctx, app_role, attributes)
        if probe:
            if not attributes["can_set"]:
                raise ConfigError(
                    f"the connecting role {snapshot.role.name!r} cannot SET ROLE {app_role!r}; "
                    f"GRANT {app_role} TO {snapshot.role.name}, or probe=False"
                )
            probe_result = probe_tenants(conn, ctx, app_role, tenant_setting or "")
            for table, count in probe_result.leaks.items():
                per_table[table.split(".", 1)[1]].append(leak_finding(table, count, probe_result))
    if tables:
        chosen = select_names(per_table, tables)
        if not chosen:
            raise NotFound("table", ", ".join(tables), per_table, "pass tables=[names or globs]")
        per_table = {name: found for name, found in per_table.items() if name in chosen}
    report = _report(ctx, per_table, others, keys, probe_result)
    if spec is not None and (spec_column or spec_shared):
        report.spec_path = spec.path
    return report


# --- arguments --------------------------------------------------------------------------------


def setting_from_policies(ctx: Context) -> str:
    """The tenant setting for the probe: the one `current_setting('…')` the policies read."""
    found = sorted(
        {
            binding.split("'")[1]
            for item in ctx.classes.values()
            for using, check in item.analyses.values()
            for binding in using.bindings + check.bindings
            if binding.startswith("current_setting('")
        }
    )
    if len(found) == 1:
        return found[0]
    which = f"they read {', '.join(map(repr, found))}" if found else "they read none"
    raise ConfigError(
        f"probe=True could not tell the tenant setting from the policies ({which}); pass "
        "tenant_setting='app.tenant_id' (the one your app sets per request)"
    )


def _suppress_keys(suppress: list[str] | None) -> set[str]:
    keys = set(suppress or [])
    for key in keys:
        code = key.split(":", 1)[0]
        if code not in RULES:
            raise ConfigError(
                f"unknown rule {code!r} in suppress; pass codes like 'ISO007' or "
                f"'ISO007:table', one of: {', '.join(RULES.titles())}"
            )
    return keys


def _from_spec(snapshot: SchemaSnapshot, spec: SchemaSpec | None) -> tuple[str | None, set[str]]:
    """The spec's tenant column and shared tables, kept only where the database has them."""
    if spec is None:
        return None, set()
    names = {t.name for t in snapshot.tables}
    column = spec.tenant_column
    if column and not any(t.column(column) for t in snapshot.tables):
        column = None
    return column, {name for name in spec.shared_tables if name in names}


def _shared(snapshot: SchemaSnapshot, shared_tables: list[str] | None) -> set[str]:
    names = {t.name for t in snapshot.tables}
    for name in shared_tables or []:
        if name not in names:
            raise NotFound("table", name, names, "shared_tables lists table names of the schema")
    return set(shared_tables or [])


# --- checks, probe, report --------------------------------------------------------------------


def _table_findings(ctx: Context, item: Classified) -> list[Finding]:
    return (
        check_rls(ctx, item)
        + check_policies(ctx, item)
        + check_tenant_column(ctx, item)
        + check_policy_indexes(ctx, item)
        + check_keys(ctx, item)
        + check_ownership(ctx, item)
    )


def _is_suppressed(item: Finding, table: str, schema: str, keys: set[str]) -> bool:
    candidates = {
        item.code,
        f"{item.code}:{table}",
        f"{item.code}:{schema}.{table}",
        f"{item.code}:{item.object}",
    }
    return bool(candidates & keys)


def _object_name(item: Finding, schema: str) -> str:
    name = item.object.removeprefix("role ").removeprefix(f"{schema}.")
    return name.split("(", 1)[0].split(".", 1)[0].split(":", 1)[0]


def _report(
    ctx: Context,
    per_table: dict[str, list[Finding]],
    others: list[Finding],
    keys: set[str],
    probe: ProbeResult | None,
) -> IsolationReport:
    schema = ctx.snapshot.schema_name
    suppressed = 0
    tables = []
    for name, item in sorted(ctx.classes.items()):
        if name not in per_table:  # left out by tables=
            continue
        kept = [f for f in per_table[name] if not _is_suppressed(f, name, schema, keys)]
        suppressed += len(per_table[name]) - len(kept)
        bindings = sorted(
            {b for using, check in item.analyses.values() for b in using.bindings + check.bindings}
        )
        tables.append(
            TableIsolation(
                table=item.table.qualified,
                table_class=item.table_class,
                tenant_key=sorted(item.key_columns),
                owner_path=item.path,
                other_paths=[path_text(path) for path in item.other_paths],
                pattern=item.pattern,
                rls_enabled=item.table.rls_enabled,
                rls_forced=item.table.rls_forced,
                policies=len(item.table.policies),
                bindings=bindings,
                findings=sort_findings(kept),
            )
        )
    kept_others = [
        f for f in others if not _is_suppressed(f, _object_name(f, schema), schema, keys)
    ]
    suppressed += len(others) - len(kept_others)
    every = [f for t in tables for f in t.findings] + kept_others
    counts = count_by_severity(every)
    return IsolationReport(
        schema_name=schema,
        tenant_column=ctx.tenant_column,
        tenant_root=ctx.root,
        connecting_role=ctx.snapshot.role.name,
        verdict=_verdict(ctx, every, counts),
        tables_by_class=dict(Counter(t.table_class for t in tables)),
        counts=counts,
        tables=tables,
        other_findings=sort_findings(kept_others),
        unset_behaviour=_unset_behaviour(ctx),
        suppressed=suppressed,
        probe=probe,
        fix_script=build_fix_script(every),
    )


def _verdict(ctx: Context, every: list[Finding], counts: dict[str, int]) -> Verdict:
    if any(f.code == "ISO029" for f in every):
        return "leak proven"
    if ctx.tenant_column is None and not any(c.protected for c in ctx.classes.values()):
        return "no tenancy found"
    if counts["error"]:
        return "not isolated"
    return "isolated with warnings" if counts["warning"] else "isolated"


def _unset_behaviour(ctx: Context) -> dict[str, str]:
    words = {
        "raises": "raises an error when unset (queries fail loudly)",
        "null": "NULL when unset (the policy matches nothing)",
    }
    seen: dict[str, dict[str, list[str]]] = {}
    for name, item in sorted(ctx.classes.items()):
        for policy, (using, check) in sorted(item.analyses.items()):
            for label, behaviour in (using.unset_behaviour | check.unset_behaviour).items():
                seen.setdefault(label, {}).setdefault(behaviour, []).append(f"{name}.{policy}")
    out = {}
    for label, behaviours in sorted(seen.items()):
        if len(behaviours) == 1:
            out[label] = words[next(iter(behaviours))]
        else:  # the same setting read both ways: say where
            out[label] = "mixed: " + "; ".join(
                f"{words[b]} in {', '.join(policies)}" for b, policies in sorted(behaviours.items())
            )
    return out


# --- text -------------------------------------------------------------------------------------


def render_isolation(report: IsolationReport) -> str:
    """The report as plain text: summary, findings per table, probe, fix script."""
    lines = [
        f"isolation of schema {report.schema_name}: {report.verdict.upper()}",
        f"tenant column: {report.tenant_column or 'none detected'}; "
        f"tenant root: {report.tenant_root or 'none'}; connecting role: {report.connecting_role}",
        "tables: "
        + (", ".join(f"{n} {c}" for c, n in sorted(report.tables_by_class.items())) or "none"),
        f"findings: {report.counts['error']} errors, {report.counts['warning']} warnings, "
        f"{report.counts['info']} info"
        + (f" ({report.suppressed} suppressed)" if report.suppressed else ""),
    ]
    if report.spec_path:
        lines.append(f"isolation notes read from the spec {report.spec_path}")
    for label, behaviour in report.unset_behaviour.items():
        lines.append(f"unset setting: {label} → {behaviour}")
    for table in report.tables:
        rls = "RLS off" if not table.rls_enabled else "RLS forced" if table.rls_forced else "RLS on"
        extra = f"; {table.pattern}" if table.pattern else ""
        path = f"; via {' → '.join(table.owner_path)}" if table.owner_path else ""
        if table.other_paths:
            path += f" (also reaches a tenant by {' | '.join(table.other_paths)})"
        bindings = f"; binds {', '.join(table.bindings)}" if table.bindings else ""
        lines.append("")
        lines.append(
            f"{table.table} [{table.table_class}] {rls}, {table.policies} policies"
            f"{extra}{path}{bindings}"
        )
        lines += [render_finding(f, indent="  ", with_fix=False) for f in table.findings]
    if report.other_findings:
        lines += ["", "views, functions, roles:"]
        lines += [render_finding(f, indent="  ", with_fix=False) for f in report.other_findings]
    if report.probe is not None:
        lines += ["", _render_probe(report.probe)]
    if report.fix_script:
        lines += ["", "fix script:", report.fix_script.rstrip()]
    return "\n".join(lines)


def _render_probe(probe: ProbeResult) -> str:
    lines = [
        f"live probe as {probe.app_role} with {probe.tenant_setting} = "
        f"{', '.join(probe.tenants) or '(no tenants)'}"
    ]
    if probe.note:
        lines.append(f"  note: {probe.note}")
    by_table: dict[str, list] = {}
    for count in probe.counts:
        by_table.setdefault(count.table, []).append(count)
    for table, counts in by_table.items():
        errors = sorted({c.error for c in counts if c.error})
        foreign = max((c.foreign_rows or 0 for c in counts), default=0)
        visible = max((c.visible_rows or 0 for c in counts), default=0)
        if errors:
            lines.append(f"  {table}: not counted ({errors[0]})")
        elif foreign:
            lines.append(f"  {table}: LEAK, up to {foreign} rows of other tenants visible")
        else:
            lines.append(f"  {table}: isolated (up to {visible} own rows visible)")
    return "\n".join(lines)
