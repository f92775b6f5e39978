"""Catalog rows of one schema turned into the dicts SchemaSnapshot validates in one pass.

Pure functions over the named-tuple rows of tools.catalog.queries; tools.catalog.snapshot
fetches and validates. Definitions of plain indexes and keys are rebuilt through
tools.catalog.text.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from tools.catalog import text as catalog_text
from tools.naming import FK_ACTIONS

RELKINDS = {"r": "table", "p": "partitioned table", "f": "foreign table"}
POLICY_COMMANDS = {"*": "ALL", "r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE"}

# System columns a CHECK may name (tableoid), numbered as in every supported version.
SYSTEM_COLUMNS = {-1: "ctid", -2: "xmin", -3: "cmin", -4: "xmax", -5: "cmax", -6: "tableoid"}

Row = Any  # a named tuple from psycopg's namedtuple_row


def group_by_oid(rows: list[Row]) -> dict[int, list[Row]]:
    """Rows by their table's OID, in query order."""
    grouped: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row.oid].append(row)
    return grouped


def column_record(row: Row, comments: dict[tuple[int, int], str]) -> dict[str, Any]:
    """A Column from a COLUMNS row and the comments by (table OID, attnum)."""
    return {
        "name": row.attname,
        "type": row.type,
        "nullable": row.nullable,
        "default": row.default_expr,
        "identity": row.identity,
        "generated": row.generated,
        "comment": comments.get((row.oid, row.attnum)) if comments else None,
        "enum": row.enum,
        "is_array": row.is_array,
    }


class Context:
    """What building one table's records needs besides its own rows."""

    def __init__(
        self,
        schema: str,
        opclasses: dict[int, str],
        defaults: catalog_text.OpclassCatalog,
        quote: catalog_text.Quoter,
    ) -> None:
        self.schema = schema
        self.opclasses = opclasses
        self.defaults = defaults
        self.quote = quote
        self.comments: dict[tuple[int, int], str] = {}  # (oid, attnum 0 or column) -> text
        self.relnames: dict[int, str] = {}  # chosen tables and views
        self.attnames: dict[int, dict[int, str]] = {}  # their column names by number
        # index records whose definition the server has to render, by index OID
        self.unresolved: dict[int, dict[str, Any]] = {}


def _index(
    row: Row, table: str, columns: dict[int, Row], owners: dict[int, str], ctx: Context
) -> dict[str, Any]:
    """An index record; its definition rebuilt unless the server sent it or Python is unsure."""
    expressions = row.expressions or []
    options = row.options or [0] * row.indnkeyatts
    plain = row.definition is None  # the query sends the server's text for other shapes
    keys, key_texts = [], []
    for position in range(row.indnkeyatts):
        attnum = row.attnums[position]
        column = columns.get(attnum)
        option = options[position]
        keys.append(
            {
                "column": column.attname if column is not None else None,
                "expression": None if attnum else expressions[position],
                "descending": bool(option & 1),
                "nulls_first": bool(option & 2),
                "opclass": ctx.opclasses.get(row.opclasses[position]),
            }
        )
        if plain:
            text = None
            if (
                column is not None
                and row.collations[position] in (0, column.attcollation)
                and ctx.defaults.default_opclass(column.atttypid, row.relam)
                == row.opclasses[position]
            ):
                text = catalog_text.index_key(column.attname, option, row.method, ctx.quote)
            plain = text is not None
            key_texts.append(text)
    include = [
        (columns[row.attnums[p]].attname if row.attnums[p] in columns else None) or expressions[p]
        for p in range(row.indnkeyatts, row.indnatts)
    ]
    definition = row.definition
    if plain:
        definition = catalog_text.index_definition(
            row.name,
            table,
            row.method,
            row.indisunique,
            [text for text in key_texts if text is not None],  # all set when plain
            include,
            row.nulls_not_distinct,
            row.predicate,
            ctx.quote,
        )
    record = {
        "name": row.name,
        "keys": keys,
        "include": include,
        "method": row.method,
        "unique": row.indisunique,
        "primary": row.indisprimary,
        "constraint": owners.get(row.indexrelid),
        "predicate": row.predicate,
        "valid": row.indisvalid,
        "definition": definition,
        "size_bytes": row.size or 0,
        "scans": row.idx_scan,
    }
    if definition is None:
        ctx.unresolved[row.indexrelid] = record
    return record


def check_columns(expression: str, column_names: list[str]) -> list[str]:
    """Columns a CHECK mentions, found through its parse tree (pglast)."""
    from pglast import parse_sql
    from pglast.visitors import Visitor

    found: list[str] = []

    class _Refs(Visitor):
        def visit_ColumnRef(self, _ancestors: Any, node: Any) -> None:
            last = node.fields[-1]
            name = getattr(last, "sval", None)
            if name in column_names and name not in found:
                found.append(name)

    try:
        _Refs()(parse_sql(f"SELECT {expression}"))
    except Exception:  # a CHECK pglast cannot read: fall back to no column list
        return []
    return found


def _fk_target(row: Row, ctx: Context) -> tuple[str, str, list[str]]:
    """Schema, table and columns an FK refers to."""
    if row.ref_outside is not None:
        ref_schema, ref_table, *ref_columns = row.ref_outside
        return ref_schema, ref_table, ref_columns
    names = ctx.attnames[row.confrelid]
    return ctx.schema, ctx.relnames[row.confrelid], [names[n] for n in row.confkey]


def _constraint_definition(
    row: Row, columns: list[str], attnames: dict[int, str], indexes: dict[int, Row], ctx: Context
) -> str:
    """The server's text when it sent one, else rebuilt from the row."""
    if row.definition is not None:
        return row.definition
    quote = ctx.quote
    if row.contype == "c":
        body = f"CHECK ({row.expression}){' NO INHERIT' if row.connoinherit else ''}"
    elif row.contype == "f":
        ref_schema, ref_table, ref_columns = _fk_target(row, ctx)
        ref = quote(ref_table) if row.ref_visible else f"{quote(ref_schema)}.{quote(ref_table)}"
        body = catalog_text.foreign_key_definition(
            columns, ref, ref_columns, row.matchtype, row.on_update, row.on_delete, quote
        )
    else:
        index = indexes[row.conindid]
        include = [attnames[n] for n in index.attnums[index.indnkeyatts : index.indnatts]]
        body = catalog_text.key_constraint_definition(
            row.contype, columns, include, index.nulls_not_distinct, quote
        )
    return body + catalog_text.constraint_suffix(
        row.condeferrable, row.condeferred, row.convalidated
    )


def _constraints(
    rows: list[Row],
    attnames: dict[int, str],
    indexes: dict[int, Row],
    ctx: Context,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "primary_key": None,
        "foreign_keys": [],
        "unique_constraints": [],
        "check_constraints": [],
    }
    for row in rows:
        kind = row.contype
        if kind not in ("p", "u", "c", "f"):
            continue
        columns = [
            attnames.get(n) or SYSTEM_COLUMNS[n]
            for n in row.conkey or []
            if n in attnames or n in SYSTEM_COLUMNS
        ]
        definition = _constraint_definition(row, columns, attnames, indexes, ctx)
        if kind == "p":
            out["primary_key"] = {"name": row.conname, "columns": columns}
        elif kind == "u":
            out["unique_constraints"].append(
                {"name": row.conname, "columns": columns, "definition": definition}
            )
        elif kind == "c":
            expression = row.expression or ""
            out["check_constraints"].append(
                {
                    "name": row.conname,
                    "columns": columns or check_columns(expression, list(attnames.values())),
                    "expression": expression,
                    "definition": definition,
                }
            )
        else:
            ref_schema, ref_table, ref_columns = _fk_target(row, ctx)
            out["foreign_keys"].append(
                {
                    "name": row.conname,
                    "columns": columns,
                    "ref_schema": ref_schema,
                    "ref_table": ref_table,
                    "ref_columns": ref_columns,
                    "on_delete": FK_ACTIONS[row.on_delete],
                    "on_update": FK_ACTIONS[row.on_update],
                    "deferrable": row.condeferrable,
                    "initially_deferred": row.condeferred,
                    "match_full": row.matchtype == "f",
                    "validated": row.convalidated,
                    "definition": definition,
                }
            )
    return out


def option_value(reloptions: list[str] | None, name: str) -> str | None:
    """The value of one reloption, if set."""
    for option in reloptions or []:
        key, _, value = option.partition("=")
        if key == name:
            return value
    return None


def reloption(reloptions: list[str] | None, name: str) -> bool:
    """Whether a boolean reloption is on."""
    return (option_value(reloptions, name) or "").lower() in ("true", "on", "1", "yes")


def table_record(
    rel: Row,
    column_rows: list[Row],
    constraint_rows: list[Row],
    index_rows: list[Row],
    policy_rows: list[Row],
    owners: dict[int, str],
    ctx: Context,
) -> dict[str, Any]:
    columns = {r.attnum: r for r in column_rows}
    attnames = ctx.attnames.get(rel.oid, {})
    indexes = {r.indexrelid: r for r in index_rows}
    qualified = f"{ctx.quote(ctx.schema)}.{ctx.quote(rel.relname)}"
    return {
        "schema": ctx.schema,
        "name": rel.relname,
        "kind": RELKINDS[rel.relkind],
        "owner": rel.owner,
        "comment": ctx.comments.get((rel.oid, 0)),
        "row_estimate": rel.reltuples if rel.reltuples >= 0 else None,
        "size_bytes": (rel.size or 0) + sum(r.size or 0 for r in index_rows),
        "columns": [column_record(r, ctx.comments) for r in column_rows],
        **_constraints(constraint_rows, attnames, indexes, ctx),
        "indexes": [_index(r, qualified, columns, owners, ctx) for r in index_rows],
        "rls_enabled": rel.relrowsecurity,
        "rls_forced": rel.relforcerowsecurity,
        "policies": [
            {
                "name": r.polname,
                "command": POLICY_COMMANDS[r.cmd],
                "roles": r.roles,
                "permissive": r.polpermissive,
                "using": r.using_expr,
                "with_check": r.check_expr,
            }
            for r in policy_rows
        ],
    }


def view_record(
    v: Row,
    view_row: Row | None,
    triggers: list[str],
    column_rows: list[Row],
    index_rows: list[Row],
    owners: dict[int, str],
    ctx: Context,
) -> dict[str, Any]:
    """A View from its RELATIONS, VIEW_DEFINITIONS, COLUMNS and (materialized) INDEXES rows, and
    its triggers' definitions."""
    columns = {r.attnum: r for r in column_rows}
    qualified = f"{ctx.quote(ctx.schema)}.{ctx.quote(v.relname)}"
    reads = view_row.reads if view_row else []
    grants = view_row.grants if view_row else []
    return {
        "schema": ctx.schema,
        "name": v.relname,
        "materialized": v.relkind == "m",
        "owner": v.owner,
        "comment": ctx.comments.get((v.oid, 0)),
        "definition": view_row.definition if view_row else "",
        "security_invoker": reloption(v.reloptions, "security_invoker"),
        "security_barrier": reloption(v.reloptions, "security_barrier"),
        "check_option": option_value(v.reloptions, "check_option"),
        "columns": [column_record(r, ctx.comments) for r in column_rows],
        "indexes": [_index(r, qualified, columns, owners, ctx) for r in index_rows],
        "depends_on": [
            {"schema": schema, "relation": relation, "column": column or None}
            for schema, relation, column in sorted(reads)
        ],
        "grants": [
            {
                "grantee": grantee or None,
                "privilege": privilege,
                "grantable": grantable == "true",
                "column": column or None,
            }
            for grantee, privilege, grantable, column in sorted(grants)
        ],
        "triggers": triggers,
    }


def function_record(r: Row, schema: str) -> dict[str, Any]:
    """A Function from its FUNCTIONS row."""
    return {
        "schema": schema,
        "name": r.proname,
        "arguments": r.arguments,
        "returns": r.returns,
        "language": r.lanname,
        "security_definer": r.prosecdef,
        "volatility": {"i": "immutable", "s": "stable", "v": "volatile"}[r.volatility],
        "config": r.config,
        "owner": r.owner,
        "source": r.source,
    }
