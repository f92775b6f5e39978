"""The isolation rules: one registry of ISO codes, titles, default severities and fix phases.

The fix script runs its statements phase by phase: columns (1), keys (2), indexes (3), RLS
switches and roles (4), policies (5), policy rewrites (6), views and functions (7), the
connecting role (8). The README and the tests walk this table.
"""

from __future__ import annotations

from tools.findings import Rule, RuleSet

RULES = RuleSet(
    "validate_isolation",
    [
        Rule("ISO001", "tenant table without row-level security", "error", 4),
        Rule(
            "ISO002",
            "row-level security enabled but not FORCED: the table owner bypasses it",
            "warning",
            4,
        ),
        Rule("ISO003", "tenant column is nullable", "error", 1),
        Rule(
            "ISO004",
            "row-level security enabled with no policy: denies everyone but the owner",
            "info",
            5,
        ),
        Rule(
            "ISO005",
            "policies exist while row-level security is disabled: they do nothing",
            "error",
            4,
        ),
        Rule(
            "ISO006",
            "policy USING (true) on a tenant table: every tenant sees every row",
            "error",
            5,
        ),
        Rule("ISO007", "policy does not filter rows by tenant", "error", 5),
        Rule(
            "ISO008",
            "policy compares the tenant column with something not bound to the session",
            "error",
            5,
        ),
        Rule(
            "ISO009",
            "policy filters by another session-bound column, not the tenant column",
            "info",
        ),
        Rule("ISO010", "write path (WITH CHECK) does not pin new rows to the tenant", "error", 5),
        Rule("ISO011", "INSERT policy without WITH CHECK: every insert is denied", "warning", 5),
        Rule(
            "ISO012",
            "several permissive policies for one command and role: they OR together",
            "warning",
            6,
        ),
        Rule(
            "ISO013",
            "restrictive policy without a permissive one: the command is denied to all",
            "warning",
            6,
        ),
        Rule("ISO014", "policy matches every row when the tenant setting is unset", "error", 5),
        Rule(
            "ISO015", "per-row call of a session function not wrapped in (select …)", "warning", 6
        ),
        Rule("ISO016", "no index leads with the tenant column", "warning", 3),
        Rule("ISO017", "policy filters on a column no index leads with", "info", 3),
        Rule("ISO018", "tenant column has no foreign key to the tenant root", "warning", 2),
        Rule("ISO019", "foreign key without an explicit ON DELETE", "info", 2),
        Rule(
            "ISO020",
            "unique constraint without the tenant column: uniqueness spans tenants",
            "info",
            2,
        ),
        Rule(
            "ISO021",
            "foreign key between tenant tables without the tenant column: crosses tenants",
            "warning",
            2,
        ),
        Rule(
            "ISO022",
            "indirectly owned table without its own tenant column or a filtering policy",
            "warning",
            4,
        ),
        Rule("ISO023", "table is neither tenant-owned nor declared shared", "info"),
        # a plain view is an error; a materialized view (no RLS at all) a warning
        Rule(
            "ISO024", "view over row-level-secured tables runs with its owner's rights", "error", 7
        ),
        Rule("ISO025", "SECURITY DEFINER function without a pinned search_path", "warning", 7),
        # info when the function ties its answer to session bindings
        Rule(
            "ISO026",
            "SECURITY DEFINER function reads tenant tables with its owner's rights",
            "warning",
            7,
        ),
        Rule("ISO027", "the connecting role bypasses row-level security", "warning", 8),
        Rule("ISO028", "the application role bypasses row-level security", "error", 4),
        Rule("ISO029", "live probe: the application role sees another tenant's rows", "error"),
        Rule("ISO030", "restrictive policy that does not pin the tenant", "warning"),
        Rule("ISO031", "policy trusts JWT user_metadata, which the user can edit", "error", 5),
    ],
)
