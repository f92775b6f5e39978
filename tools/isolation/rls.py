"""Row-level security switches: RLS off, not forced, without policies, or policies without RLS."""

from __future__ import annotations

from tools.findings import Finding, finding
from tools.isolation.classify import Classified, Context, ddl_name
from tools.isolation.policy_fixes import policy_ddl
from tools.isolation.rules import RULES


def check_rls(ctx: Context, item: Classified) -> list[Finding]:
    """RLS switched off, not forced, without policies, or policies without RLS."""
    table, out = item.table, []
    name = ddl_name(table)
    if table.policies and not table.rls_enabled:
        out.append(
            finding(
                RULES["ISO005"],
                table.qualified,
                f"{len(table.policies)} policies are defined but row-level security is disabled, "
                "so none of them applies",
                f"relrowsecurity = false; policies: {', '.join(p.name for p in table.policies)}",
                f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY;\n"
                f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY;",
            )
        )
    elif item.protected and not table.rls_enabled:
        out.append(
            finding(
                RULES["ISO001"],
                table.qualified,
                f"{item.table_class} table without row-level security: isolation rests on every "
                "query remembering its WHERE clause",
                "relrowsecurity = false",
                f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY;\n"
                f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY;\n" + policy_ddl(ctx, item),
            )
        )
    if table.rls_enabled and not table.rls_forced and item.protected:
        out.append(
            finding(
                RULES["ISO002"],
                table.qualified,
                f"row-level security is not forced, so the owner {table.owner!r} (and any role "
                "that connects as it) reads every tenant's rows",
                f"relforcerowsecurity = false; owner {table.owner}",
                f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY;",
            )
        )
    if table.rls_enabled and not table.policies:
        meaning = "intentional for a private table" if not item.protected else "the app sees none"
        out.append(
            finding(
                RULES["ISO004"],
                table.qualified,
                f"row-level security is enabled with no policy: every role but the owner and "
                f"BYPASSRLS roles is denied every row ({meaning})",
                "relrowsecurity = true, 0 policies",
                policy_ddl(ctx, item)
                if item.table_class in ("tenant-owned", "tenant root")
                else None,  # indirectly owned: ISO022 proposes the EXISTS policy
            )
        )
    return out
