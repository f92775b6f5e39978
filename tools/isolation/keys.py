"""Tenant column, keys and indexes, and tables that reach a tenant only through foreign keys.

A nullable tenant column, no foreign key to the tenant root, no index leading with the tenant
column (or with a column the policies filter on), foreign keys that cross tenants or leave ON
DELETE implicit, unique keys that span tenants, indirectly owned tables no policy follows.
"""

from __future__ import annotations

from tools.catalog.models import Table
from tools.findings import Finding, finding
from tools.isolation.classify import Classified, Context, ddl_name
from tools.isolation.fixes import policy_ddl
from tools.isolation.rules import RULES
from tools.naming import quote_ident, quote_list


def leads_with(table: Table, column: str) -> bool:
    """Whether some valid index has the column as its first key."""
    return any(i.valid and i.keys and i.keys[0].column == column for i in table.indexes)


def check_tenant_column(ctx: Context, item: Classified) -> list[Finding]:
    """Nullable tenant column, missing FK to the root, no index leading with it."""
    if item.table_class != "tenant-owned" or ctx.tenant_column is None:
        return []
    table, column = item.table, ctx.tenant_column
    col = table.column(column)
    obj, out = f"{table.qualified}.{column}", []
    name, quoted = ddl_name(table), quote_ident(column)
    if col is not None and col.nullable:
        out.append(
            finding(
                RULES["ISO003"],
                obj,
                "the tenant column is nullable: a row without a tenant matches no tenant filter "
                "and is invisible to isolation checks",
                f"{column} {col.type} NULL",
                f"-- backfill first: UPDATE {name} SET {quoted} = … WHERE {quoted} IS NULL;\n"
                f"ALTER TABLE {name} ALTER COLUMN {quoted} SET NOT NULL;",
            )
        )
    root = ctx.snapshot.table(ctx.root) if ctx.root else None
    if not any(fk.columns == [column] for fk in table.foreign_keys) and root:
        pk = root.primary_key.columns if root.primary_key else ["id"]
        out.append(
            finding(
                RULES["ISO018"],
                obj,
                f"{column} has no foreign key to the tenant root {root.name}: rows can name a "
                "tenant that does not exist, and deleting a tenant leaves them behind",
                f"foreign keys: {', '.join(fk.name for fk in table.foreign_keys) or 'none'}",
                f"ALTER TABLE {name} ADD CONSTRAINT "
                f"{quote_ident(f'{table.name}_{column}_fkey'[:63])} FOREIGN KEY ({quoted}) "
                f"REFERENCES {ddl_name(root)} ({quote_list(pk)}) ON DELETE CASCADE;",
            )
        )
    if not leads_with(table, column):
        out.append(
            finding(
                RULES["ISO016"],
                obj,
                f"no index leads with {column}: every tenant-filtered query and policy check "
                "scans the whole table",
                f"indexes: {', '.join(i.name for i in table.indexes) or 'none'}",
                f"CREATE INDEX CONCURRENTLY {quote_ident(f'{table.name}_{column}_idx'[:63])} ON "
                f"{ddl_name(table)} ({quote_ident(column)});",
            )
        )
    return out


def check_policy_indexes(ctx: Context, item: Classified) -> list[Finding]:
    """Columns policies filter on (other than the tenant column) that no index leads with."""
    if not item.protected:
        return []
    table, out = item.table, []
    columns = {
        c
        for using, check in item.analyses.values()
        for c in using.bound_columns | check.bound_columns
    }
    for column in sorted(columns - {ctx.tenant_column}):
        if leads_with(table, column):
            continue
        out.append(
            finding(
                RULES["ISO017"],
                f"{table.qualified}.{column}",
                f"policies filter on {column} but no index leads with it",
                f"indexes: {', '.join(i.name for i in table.indexes) or 'none'}",
                f"CREATE INDEX CONCURRENTLY {quote_ident(f'{table.name}_{column}_idx'[:63])} ON "
                f"{ddl_name(table)} ({quote_ident(column)});",
            )
        )
    return out


def check_keys(ctx: Context, item: Classified) -> list[Finding]:
    """FKs without ON DELETE or crossing tenants, unique constraints spanning tenants."""
    if item.table_class not in ("tenant-owned", "indirectly owned"):
        return []
    table, column, out = item.table, ctx.tenant_column, []
    for fk in table.foreign_keys:
        target = ctx.classes.get(fk.ref_table)
        crosses = (
            item.table_class == "tenant-owned"
            and column is not None
            and fk.ref_schema == table.schema_name
            and target is not None
            and target.table_class == "tenant-owned"
            and column not in fk.columns
        )
        if crosses and target is not None and column is not None:
            out.append(_cross_tenant_fk(table, target.table, fk, column))
        elif fk.on_delete == "NO ACTION":
            out.append(
                finding(
                    RULES["ISO019"],
                    f"{table.qualified}.{fk.name}",
                    f"foreign key {fk.name} has no explicit ON DELETE: deleting a "
                    f"{fk.ref_table} row (or a whole tenant) fails while rows point at it",
                    fk.definition,
                    f"ALTER TABLE {ddl_name(table)} DROP CONSTRAINT {quote_ident(fk.name)}, "
                    f"ADD CONSTRAINT {quote_ident(fk.name)} {fk.definition} ON DELETE CASCADE;"
                    "  -- or RESTRICT",
                )
            )
    if item.table_class == "tenant-owned" and column:
        for name, columns in _unique_keys(table):
            if column not in columns:
                out.append(
                    finding(
                        RULES["ISO020"],
                        f"{table.qualified}.{name}",
                        f"unique ({', '.join(columns)}) spans tenants: one tenant's insert fails "
                        "when another tenant has the value, which reveals that it exists",
                        f"unique key {name} on ({', '.join(columns)})",
                        f"-- if the value is per tenant: replace {name} by UNIQUE "
                        f"({quote_list([column, *columns])})",
                    )
                )
    return out


def _unique_keys(table: Table) -> list[tuple[str, list[str]]]:
    keys = [(u.name, u.columns) for u in table.unique_constraints]
    named = {name for name, _ in keys}
    keys += [
        (i.name, i.columns)
        for i in table.indexes
        if i.unique and not i.primary and i.constraint not in named and i.name not in named
    ]
    return keys


def _cross_tenant_fk(table: Table, target: Table, fk, column: str) -> Finding:
    ref_key = f"{target.name}_{column}_{'_'.join(fk.ref_columns)}_key"[:63]
    on_delete, note = f" ON DELETE {fk.on_delete}", ""
    if fk.on_delete == "NO ACTION":
        on_delete, note = " ON DELETE CASCADE", "-- CASCADE or RESTRICT: pick one explicitly\n"
    return finding(
        RULES["ISO021"],
        f"{table.qualified}.{fk.name}",
        f"{table.name}.{', '.join(fk.columns)} → {target.name} does not include {column}: a row "
        "of one tenant can point at another tenant's row",
        fk.definition,
        f"{note}ALTER TABLE {ddl_name(target)} ADD CONSTRAINT {quote_ident(ref_key)} UNIQUE "
        f"({quote_list([column, *fk.ref_columns])});\n"
        f"ALTER TABLE {ddl_name(table)} DROP CONSTRAINT {quote_ident(fk.name)}, "
        f"ADD CONSTRAINT {quote_ident(fk.name)} "
        f"FOREIGN KEY ({quote_list([column, *fk.columns])}) REFERENCES {ddl_name(target)} "
        f"({quote_list([column, *fk.ref_columns])}){on_delete};",
    )


def check_ownership(ctx: Context, item: Classified) -> list[Finding]:
    """Indirectly owned tables with no filtering policy, and tables nobody classified."""
    table = item.table
    if item.table_class == "indirectly owned":
        filtered = table.rls_enabled and any(
            p.command in ("SELECT", "ALL") and item.analyses[p.name][0].restricts
            for p in table.policies
        )
        if filtered:
            return []
        return [
            finding(
                RULES["ISO022"],
                table.qualified,
                f"{table.name} has no tenant column; it belongs to a tenant only through "
                f"{' → '.join(item.path)} and no policy follows that path",
                f"owner path: {'; '.join(item.path)}",
                "-- either add the tenant column (denormalised, indexed, composite FK) or a "
                "policy through EXISTS:\n"
                + (
                    policy_ddl(ctx, item)
                    if table.rls_enabled and not table.policies
                    else "-- (see ISO001 / the policy replacements above)"
                ),
            )
        ]
    if item.table_class == "unclassified" and ctx.tenant_column:
        return [
            finding(
                RULES["ISO023"],
                table.qualified,
                f"{table.name} has no {ctx.tenant_column} and no NOT NULL path to a tenant table: "
                "declare it shared (shared_tables=[…]) or give it a tenant column",
                f"row-level security {'on' if table.rls_enabled else 'off'}, "
                f"{len(table.policies)} policies",
            )
        ]
    return []
