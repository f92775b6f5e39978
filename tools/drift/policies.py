"""Policies in the way of a column change: Postgres refuses `ALTER COLUMN … TYPE` on a column a
policy's expression uses (the table's own, or another table's through EXISTS). The policies
whose USING or WITH CHECK names the column are dropped before the change and re-created after,
as they were, in the transaction `tools.drift.views.around_views` writes.
"""

from __future__ import annotations

import re

from tools.catalog.models import Policy, SchemaSnapshot, Table
from tools.naming import qualified, quote_ident


def dependent_policies(db: SchemaSnapshot, table: str, column: str) -> list[tuple[Table, Policy]]:
    """The schema's policies whose expressions name `column`, on `table` or naming it (a name
    match: a policy re-created without need is harmless, one missed stops the script)."""
    names_column, names_table = (
        re.compile(rf'(?<![\w$"]){re.escape(quote_ident(name))}(?![\w$"])')
        for name in (column, table)
    )
    return [
        (t, policy)
        for t in db.tables
        for policy in t.policies
        if any(
            names_column.search(text) and (t.name == table or names_table.search(text))
            for text in (policy.using or "", policy.with_check or "")
        )
    ]


def drop_policy(table: Table, policy: Policy) -> str:
    return f"DROP POLICY {quote_ident(policy.name)} ON {qualified(table.schema_name, table.name)};"


def create_policy(table: Table, policy: Policy) -> str:
    """CREATE POLICY with its kind, command, roles and expressions."""
    roles = ", ".join("PUBLIC" if r == "PUBLIC" else quote_ident(r) for r in policy.roles)
    text = (
        f"CREATE POLICY {quote_ident(policy.name)} ON {qualified(table.schema_name, table.name)}"
        f" AS {'PERMISSIVE' if policy.permissive else 'RESTRICTIVE'} FOR {policy.command}"
        f" TO {roles or 'PUBLIC'}"
    )
    if policy.using is not None:
        text += f" USING ({policy.using})"
    if policy.with_check is not None:
        text += f" WITH CHECK ({policy.with_check})"
    return text + ";"
