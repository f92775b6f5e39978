"""Policies: does USING filter by tenant, does WITH CHECK pin writes, do policies combine safely.

Each policy of a protected table is judged from its parsed USING and WITH CHECK
(`Classified.analyses`): always true, not bound to the session, bound to another column, a
write path that accepts any row, per-row session calls, permissive policies that OR together
and restrictive ones that guard nothing.
"""

from __future__ import annotations

from collections import defaultdict

from tools.catalog.models import Policy, Table
from tools.findings import Finding, finding
from tools.isolation.classify import COMMANDS, Classified, Context, pins_tenant
from tools.isolation.policy_expr import ExprAnalysis
from tools.isolation.policy_fixes import policy_ddl, wrapped_policy_ddl
from tools.isolation.rules import RULES


def check_policies(ctx: Context, item: Classified) -> list[Finding]:
    """Each policy of a protected table: does USING filter by tenant, does WITH CHECK pin writes."""
    if not item.protected:
        return []
    out: list[Finding] = []
    for policy in item.table.policies:
        using, check = item.analyses[policy.name]
        obj = f"{item.table.qualified}.{policy.name}"
        if not policy.permissive:
            out += _check_restrictive(item, policy, using, obj)
        else:
            # permissive policies may be wide on purpose when a restrictive one pins the tenant
            if policy.command != "INSERT" and not _guarded(item, policy, write=False):
                out += _check_using(ctx, item, policy, using, obj)
            if not _guarded(item, policy, write=True):
                out += _check_write(ctx, item, policy, using, check, obj)
        out += _check_session_calls(item.table, policy, (using, check), obj)
    out += _check_permissive_overlap(item)
    out += _check_restrictive_alone(item)
    return out


def _guarded(item: Classified, policy: Policy, write: bool) -> bool:
    """Whether restrictive policies pin the tenant for every command and role policy covers."""
    commands = COMMANDS if policy.command == "ALL" else (policy.command,)
    paths = ("INSERT", "UPDATE") if write else ("SELECT", "UPDATE", "DELETE")
    wanted = [c for c in commands if c in paths]
    if not wanted:
        return False
    for command in wanted:
        guards = [
            r
            for r in item.table.policies
            if not r.permissive
            and r.command in (command, "ALL")
            and ("PUBLIC" in r.roles or set(policy.roles) <= set(r.roles))
        ]
        if not any(pins_tenant(item, _effective(item, r, write)) for r in guards):
            return False
    return True


def _effective(item: Classified, policy: Policy, write: bool) -> ExprAnalysis:
    using, check = item.analyses[policy.name]
    return check if write and policy.with_check is not None else using


def _check_restrictive(
    item: Classified, policy: Policy, using: ExprAnalysis, obj: str
) -> list[Finding]:
    analysis = _effective(item, policy, write=policy.command == "INSERT")
    if analysis.parse_error or pins_tenant(item, analysis):
        return []
    return [
        finding(
            RULES["ISO030"],
            obj,
            f"restrictive policy {policy.name!r} does not pin the tenant: it narrows the "
            "permissive policies by something else, so it is no isolation guard",
            _label(policy, clauses=True) + f"; session bindings seen: "
            f"{', '.join(analysis.bindings) or 'none'}",
        )
    ]


def _label(policy: Policy, clauses: bool = False) -> str:
    text = f"policy {policy.name!r} FOR {policy.command} TO {', '.join(policy.roles)}"
    if clauses and policy.using is not None:
        text += f" USING ({policy.using})"
    if clauses and policy.with_check is not None:
        text += f" WITH CHECK ({policy.with_check})"
    return text


def _check_using(
    ctx: Context, item: Classified, policy: Policy, using: ExprAnalysis, obj: str
) -> list[Finding]:
    evidence = f"{_label(policy)} USING ({policy.using})"
    seen = f"session bindings seen: {', '.join(using.bindings) or 'none'}"
    fix = policy_ddl(ctx, item, policy)
    keys = item.key_columns
    if using.parse_error:
        return []
    if using.always_true:
        return [
            finding(
                RULES["ISO006"],
                obj,
                f"{policy.command} policy matches every row of a {item.table_class} table",
                evidence,
                fix,
            )
        ]
    if not using.restricts:
        if keys & using.mentioned_columns:
            return [
                finding(
                    RULES["ISO008"],
                    obj,
                    f"the policy mentions {', '.join(sorted(keys & using.mentioned_columns))} but "
                    "never ties it to the session, so it does not isolate tenants",
                    f"{evidence}; {seen}",
                    fix,
                )
            ]
        return [
            finding(
                RULES["ISO007"],
                obj,
                "the policy does not tie rows to the session's tenant: a session that passes it "
                "reaches the rows of every tenant",
                f"{evidence}; {seen}",
                fix,
            )
        ]
    if keys and not keys & using.bound_columns:
        return [
            finding(
                RULES["ISO009"],
                obj,
                f"the policy filters by {', '.join(sorted(using.bound_columns))} "
                f"({', '.join(using.bindings)}), not by {', '.join(sorted(keys))}: stricter than "
                "tenant isolation if intended",
                evidence,
            )
        ]
    return []


def _check_write(
    ctx: Context,
    item: Classified,
    policy: Policy,
    using: ExprAnalysis,
    check: ExprAnalysis,
    obj: str,
) -> list[Finding]:
    if policy.command not in ("INSERT", "UPDATE", "ALL"):
        return []
    if policy.command == "INSERT" and policy.with_check is None:
        return [
            finding(
                RULES["ISO011"],
                obj,
                "INSERT policy without WITH CHECK: Postgres denies every insert through it",
                _label(policy),
                policy_ddl(ctx, item, policy),
            )
        ]
    effective, text = (check, policy.with_check) if policy.with_check else (using, policy.using)
    if policy.with_check is None and (using.always_true or not using.restricts):
        return []  # USING is reported already; WITH CHECK defaults to it
    keys = item.key_columns
    if effective.always_true or not effective.restricts:
        why = "accepts any row"
    elif keys and not keys & effective.bound_columns:
        why = f"pins {', '.join(sorted(effective.bound_columns))} but not {', '.join(keys)}"
    else:
        return []
    source = "WITH CHECK" if policy.with_check else "USING (WITH CHECK defaults to it)"
    return [
        finding(
            RULES["ISO010"],
            obj,
            f"the {policy.command} path {why}: a tenant can write rows into another tenant",
            f"{_label(policy)} {source} ({text})",
            policy_ddl(ctx, item, policy),
        )
    ]


def _check_session_calls(
    table: Table, policy: Policy, analyses: tuple[ExprAnalysis, ExprAnalysis], obj: str
) -> list[Finding]:
    out = []
    if any(a.unset_matches_all for a in analyses):
        out.append(
            finding(
                RULES["ISO014"],
                obj,
                "when the tenant setting is unset the policy matches every row "
                "(coalesce(…, column) or `… IS NULL OR …`)",
                _label(policy, clauses=True),
                "-- compare with the setting alone: NULL when unset, which matches nothing",
            )
        )
    if any(a.user_metadata for a in analyses):
        out.append(
            finding(
                RULES["ISO031"],
                obj,
                "the policy decides on the JWT's user_metadata, which signed-in users can change "
                "for themselves: anyone can grant themselves access",
                _label(policy, clauses=True),
                "-- read app_metadata (set by the server) or a membership table instead",
            )
        )
    calls = sorted({c for a in analyses for c in a.per_row_calls})
    if calls:
        out.append(
            finding(
                RULES["ISO015"],
                obj,
                f"{', '.join(calls)} runs once per row; (select …) runs it once per query",
                _label(policy, clauses=True),
                wrapped_policy_ddl(table, policy),
            )
        )
    return out


def _check_permissive_overlap(item: Classified) -> list[Finding]:
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for policy in item.table.policies:
        if not policy.permissive:
            continue
        commands = COMMANDS if policy.command == "ALL" else (policy.command,)
        for command in commands:
            for role in policy.roles:
                groups[(command, role)].append(policy.name)
    overlapping: dict[str, set[str]] = defaultdict(set)
    for (command, role), names in groups.items():
        if len(names) > 1:
            overlapping[command].add(role)
            overlapping[command + "/names"].update(names)
    out = []
    for command in COMMANDS:
        if command not in overlapping:
            continue
        names = sorted(overlapping[command + "/names"])
        out.append(
            finding(
                RULES["ISO012"],
                f"{item.table.qualified}:{command}",
                f"{len(names)} permissive {command} policies apply to "
                f"{', '.join(sorted(overlapping[command]))}: a row passing any one of them is "
                "allowed, and each runs for every row",
                f"policies: {', '.join(names)}",
                "-- merge them into one policy (OR the conditions explicitly), or make the "
                "narrowing ones AS RESTRICTIVE",
            )
        )
    return out


def _check_restrictive_alone(item: Classified) -> list[Finding]:
    out = []
    for policy in item.table.policies:
        if policy.permissive:
            continue
        commands = COMMANDS if policy.command == "ALL" else (policy.command,)
        lonely = [
            command
            for command in commands
            if not any(
                p.permissive and p.command in (command, "ALL") and _roles_meet(p, policy)
                for p in item.table.policies
            )
        ]
        # only when it guards nothing at all: a FOR ALL guard beside read-only permissive
        # policies is the usual pattern (and leaves writes denied on purpose)
        if lonely and len(lonely) == len(commands):
            out.append(
                finding(
                    RULES["ISO013"],
                    f"{item.table.qualified}.{policy.name}",
                    f"restrictive policy {policy.name!r} has no permissive policy beside it for "
                    f"{', '.join(lonely)}: restrictive policies only narrow, so these commands "
                    "are denied to everyone",
                    _label(policy),
                    "-- add a permissive policy carrying the tenant filter, or make this one "
                    "PERMISSIVE",
                )
            )
    return out


def _roles_meet(permissive: Policy, restrictive: Policy) -> bool:
    return "PUBLIC" in permissive.roles or bool(set(permissive.roles) & set(restrictive.roles))
