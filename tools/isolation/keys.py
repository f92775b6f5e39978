"""Tenant column, keys and indexes, and tables that reach a tenant only through foreign keys.

A nullable tenant column, no foreign key to the tenant root, no index leading with the tenant
column (or with a column the policies filter on), foreign keys that cross tenants or leave ON
DELETE implicit, unique keys that span tenants, indirectly owned tables no policy follows.
Every foreign key a fix writes keeps what a DELETE does today (`tools.isolation.fixes`).
"""

from __future__ import annotations

import re

from tools.catalog.models import ForeignKey, Table
from tools.findings import Finding, finding
from tools.isolation.classify import Classified, Context, ddl_name, path_text
from tools.isolation.fixes import (
    add_constraint_once,
    constraint_name,
    create_index,
    delete_alternatives,
    delete_reach_text,
    fk_clause,
    restrict_comment,
)
from tools.isolation.policy_fixes import policy_ddl
from tools.isolation.rules import RULES
from tools.naming import quote_ident, quote_list
from tools.tenancy import copy_from_parent

SET_COLUMNS = re.compile(r"ON DELETE SET (?:NULL|DEFAULT) \(([^)]*)\)")


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
    if col is not None and col.nullable:
        out.append(
            finding(
                RULES["ISO003"],
                obj,
                "the tenant column is nullable: a row without a tenant matches no tenant filter "
                "and is invisible to isolation checks",
                f"{column} {col.type} NULL",
                _backfill(ctx, table, column)
                + f"ALTER TABLE {ddl_name(table)} ALTER COLUMN {quote_ident(column)} SET NOT NULL;",
            )
        )
    root = ctx.table(ctx.root) if ctx.root else None
    if not any(fk.columns == [column] for fk in table.foreign_keys) and root:
        pk = root.primary_key.columns if root.primary_key else ["id"]
        name = constraint_name(ctx, table, [column], "foreign")
        out.append(
            finding(
                RULES["ISO018"],
                obj,
                f"{column} has no foreign key to the tenant root {root.name}: rows can name a "
                "tenant that does not exist, and deleting a tenant leaves them behind",
                f"foreign keys: {', '.join(fk.name for fk in table.foreign_keys) or 'none'}; "
                "the fix writes ON DELETE RESTRICT (a tenant with rows here cannot be deleted); "
                + delete_reach_text(ctx, table),
                "-- ON DELETE RESTRICT: deleting a tenant fails while it has rows here; instead,\n"
                f"--   {delete_reach_text(ctx, table)}\n"
                + add_constraint_once(table, name, fk_clause(None, [column], root, pk, "RESTRICT")),
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
                create_index(ctx, table, [column]),
            )
        )
    return out


def _backfill(ctx: Context, table: Table, column: str) -> str:
    """UPDATE … WHERE column IS NULL from a parent row that has the tenant, when one does."""
    parents = []
    for order, fk in enumerate(table.foreign_keys):
        parent = ctx.classes.get(fk.ref_table)
        if (
            column in fk.columns
            or fk.ref_schema != table.schema_name
            or fk.ref_table == table.name
            or parent is None
            or parent.table_class != "tenant-owned"
        ):
            continue
        nullable = any((c := table.column(name)) is None or c.nullable for name in fk.columns)
        parents.append(((nullable, fk.on_delete != "CASCADE", order), fk, parent.table))
    if not parents:
        return (
            f"-- rows without {column} need their tenant first: SET NOT NULL stops the script "
            "while any remain\n"
        )
    _, fk, source = min(parents, key=lambda entry: entry[0])
    return f"-- backfill: a row without {column} takes its {source.name} row's\n" + (
        copy_from_parent(ddl_name(table), ddl_name(source), fk, column)
    )


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
        if _covered(table, column, columns):
            continue
        out.append(
            finding(
                RULES["ISO017"],
                f"{table.qualified}.{column}",
                f"policies filter on {column} but no index leads with it",
                f"indexes: {', '.join(i.name for i in table.indexes) or 'none'}",
                create_index(ctx, table, [column]),
            )
        )
    return out


def _covered(table: Table, column: str, filtered: set[str]) -> bool:
    """Whether an index leads with the column, or with filtered columns that include it
    (an index on (a, b) serves a policy that filters on both)."""
    for index in table.indexes:
        lead = []
        for key in index.keys if index.valid else []:
            if key.column not in filtered:
                break
            lead.append(key.column)
        if column in lead:
            return True
    return False


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
            out.append(_cross_tenant_fk(ctx, table, target.table, fk, column))
        elif fk.on_delete == "NO ACTION" and not fk.deferrable:
            # a DEFERRABLE key is NO ACTION on purpose: only NO ACTION checks can be deferred
            out.append(_implicit_on_delete(ctx, table, fk))
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


def _implicit_on_delete(ctx: Context, table: Table, fk: ForeignKey) -> Finding:
    """ISO019: today's behaviour written out (RESTRICT), the alternatives named and counted."""
    parent = ctx.table(fk.ref_table)
    alternatives = "; ".join(delete_alternatives(ctx, table, fk.columns))
    fix = None
    if parent is not None and fk.ref_schema == table.schema_name:
        # RESTRICT, not an explicit NO ACTION: the catalog cannot tell NO ACTION written out
        # from NO ACTION left implicit, and both make the delete fail (RESTRICT at once)
        clause = fk_clause(fk, fk.columns, parent, fk.ref_columns, "RESTRICT")
        fix = (
            restrict_comment(ctx, table, fk.columns)
            + f"ALTER TABLE {ddl_name(table)} DROP CONSTRAINT {quote_ident(fk.name)}, "
            f"ADD CONSTRAINT {quote_ident(fk.name)} {clause};"
        )
    return finding(
        RULES["ISO019"],
        f"{table.qualified}.{fk.name}",
        f"foreign key {fk.name} has no explicit ON DELETE: deleting a row of "
        f"{fk.ref_table} (or a whole tenant) fails while rows point at it",
        f"{fk.definition}; the fix writes ON DELETE RESTRICT (the same outcome); {alternatives}",
        fix,
    )


def _unique_keys(table: Table) -> list[tuple[str, list[str]]]:
    keys = [(u.name, u.columns) for u in table.unique_constraints]
    named = {name for name, _ in keys}
    keys += [
        (i.name, i.columns)
        for i in table.indexes
        if i.unique and not i.primary and i.constraint not in named and i.name not in named
    ]
    return keys


def _has_unique(table: Table, columns: list[str]) -> bool:
    """Whether a unique constraint or plain unique index on exactly these columns exists (what a
    foreign key needs in its target)."""
    wanted = set(columns)
    return any(
        i.unique
        and i.valid
        and not i.predicate
        and all(k.column for k in i.keys)
        and {k.column for k in i.keys} == wanted
        for i in table.indexes
    )


def _cross_tenant_fk(
    ctx: Context, table: Table, target: Table, fk: ForeignKey, column: str
) -> Finding:
    ref_columns = [column, *fk.ref_columns]
    prerequisite = ""
    if not _has_unique(target, ref_columns):
        name = constraint_name(ctx, target, ref_columns, "unique")
        unique = f"UNIQUE ({quote_list(ref_columns)})"
        prerequisite = add_constraint_once(target, name, unique) + "\n"
    on_delete, set_columns, note = fk.on_delete, None, ""
    if on_delete == "NO ACTION":
        on_delete = "RESTRICT"
        note = restrict_comment(ctx, table, fk.columns)
    elif on_delete in ("SET NULL", "SET DEFAULT"):
        # only the key's own columns: nulling the tenant column would fail the delete instead
        found = SET_COLUMNS.search(fk.definition)
        kept = [c.strip().strip('"') for c in found.group(1).split(",")] if found else fk.columns
        if ctx.snapshot.server_version >= 150000:
            set_columns = kept
        else:
            on_delete = "RESTRICT"
            note = "-- PostgreSQL < 15 cannot SET NULL some key columns: RESTRICT until then\n"
    clause = fk_clause(fk, [column, *fk.columns], target, ref_columns, on_delete, set_columns)
    # The composite key needs an index leading with its columns, as unindexed_fk asks (#11).
    index = create_index(ctx, table, [column, *fk.columns])
    return finding(
        RULES["ISO021"],
        f"{table.qualified}.{fk.name}",
        f"{table.name}.{', '.join(fk.columns)} → {target.name} does not include {column}: a row "
        "of one tenant can point at another tenant's row",
        fk.definition,
        f"{note}{prerequisite}ALTER TABLE {ddl_name(table)} DROP CONSTRAINT "
        f"{quote_ident(fk.name)}, ADD CONSTRAINT {quote_ident(fk.name)} {clause};"
        + (f"\n{index}" if index else ""),
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
        others = " | ".join(path_text(path) for path in item.other_paths)
        others = f"; other paths: {others}" if others else ""
        return [
            finding(
                RULES["ISO022"],
                table.qualified,
                f"{table.name} has no tenant column; it belongs to a tenant only through "
                f"{' → '.join(item.path)} and no policy follows that path",
                f"owner path: {path_text(item.hops)}{others}",
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
