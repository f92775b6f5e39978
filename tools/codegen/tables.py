"""Keys, constraints and indexes: what `Field` says itself, and `__table_args__` for the rest.

`Field(foreign_key=, ondelete=)`, `unique=True` and `index=True` are used only when they recreate
the object under the very name Postgres or SQLAlchemy would give it; anything else (composite or
named keys, NO ACTION/SET DEFAULT/ON UPDATE actions, partial, expression, DESC or operator-class
indexes, CHECKs) goes into `__table_args__` with its database name. CHECK and WHERE texts are the
ones Postgres prints (pg_get_expr), so an ` IN (` or `position(… in …)` survives verbatim.
"""

from __future__ import annotations

from pglast import parse_sql

from tools.catalog.models import Column, ForeignKey, Index, Table
from tools.codegen.format import Call, Expr, Imports, Mapping, Seq, Str
from tools.codegen.names import sqlalchemy_index_name
from tools.codegen.types import SA, sql_text
from tools.naming import default_name, quote_ident
from tools.query_parser import check_limits

FIELD_ONDELETE = {"CASCADE", "RESTRICT", "NO ACTION"}  # SET NULL only on nullable columns


def fk_target(fk: ForeignKey, column: str) -> str:
    """`[schema.]table.column`, the string form SQLAlchemy splits at its dots."""
    prefix = f"{fk.ref_schema}." if fk.ref_schema != "public" else ""
    return f"{prefix}{fk.ref_table}.{column}"


def _target(fk: ForeignKey, column: str) -> Expr:
    """The target as a string, or as `(schema, table, column)` when a name holds a dot.

    SQLAlchemy cannot tell a dot inside a table or column name from its separator; it takes
    the tokens as a tuple instead (SQLAlchemy 2.1's ForeignKeyTarget).
    """
    if "." not in fk.ref_table and "." not in column:
        return Str(fk_target(fk, column))
    schema = [Str(fk.ref_schema)] if fk.ref_schema != "public" else []
    return Seq([*schema, Str(fk.ref_table), Str(column)], tuple=True)


def fk_fits_field(table: Table, column: Column, fk: ForeignKey) -> bool:
    """Whether Field(foreign_key=, ondelete=) says everything about this FK."""
    return (
        isinstance(_target(fk, fk.ref_columns[0]), Str)
        and fk.name == default_name(table.name, fk.columns, "foreign")
        and fk.on_update == "NO ACTION"
        and (fk.on_delete in FIELD_ONDELETE or (fk.on_delete == "SET NULL" and column.nullable))
        and not fk.deferrable
        and not fk.match_full
    )


def _fk_options(fk: ForeignKey) -> list[tuple[str, Expr]]:
    options: list[tuple[str, Expr]] = [("name", Str(fk.name))]
    if fk.on_delete != "NO ACTION":
        options.append(("ondelete", Str(fk.on_delete)))
    if fk.on_update != "NO ACTION":
        options.append(("onupdate", Str(fk.on_update)))
    if fk.deferrable:
        options.append(("deferrable", "True"))
        options.append(("initially", Str("DEFERRED" if fk.initially_deferred else "IMMEDIATE")))
    if fk.match_full:
        options.append(("match", Str("FULL")))
    return options


def foreign_key_call(fk: ForeignKey) -> Call:
    return Call("ForeignKey", [_target(fk, fk.ref_columns[0])], _fk_options(fk))


def table_args(
    table: Table, schema: str, imports: Imports, notes: list[str]
) -> tuple[list[Expr], bool, set[str], set[str]]:
    """Constraints and indexes for __table_args__, and which ones the fields say themselves.

    Returns (arguments, primary key in the arguments, columns with index=True, with unique=True).
    """
    args: list[Expr] = []
    column_order = [c.name for c in table.columns]
    pk = table.primary_key
    pk_in_args = False
    if pk is not None and (
        pk.name != default_name(table.name, [], "primary")
        or pk.columns != [c for c in column_order if c in pk.columns]
    ):
        imports.add(SA, "PrimaryKeyConstraint")
        args.append(
            Call("PrimaryKeyConstraint", [Str(c) for c in pk.columns], [("name", Str(pk.name))])
        )
        pk_in_args = True
    for fk in table.foreign_keys:
        if len(fk.columns) > 1:
            imports.add(SA, "ForeignKeyConstraint")
            targets = [_target(fk, c) for c in fk.ref_columns]
            call = Call(
                "ForeignKeyConstraint",
                [Seq([Str(c) for c in fk.columns]), Seq(targets)],
                _fk_options(fk),
            )
            args.append(call)
    field_unique: set[str] = set()
    for unique in table.unique_constraints:
        nulls = "NULLS NOT DISTINCT" in unique.definition
        if (
            len(unique.columns) == 1
            and unique.name == default_name(table.name, unique.columns, "unique")
            and not nulls
        ):
            field_unique.add(unique.columns[0])
            continue
        imports.add(SA, "UniqueConstraint")
        kwargs: list[tuple[str, Expr]] = [("name", Str(unique.name))]
        if nulls:
            kwargs.append(("postgresql_nulls_not_distinct", "True"))
        args.append(Call("UniqueConstraint", [Str(c) for c in unique.columns], kwargs))
    for check in table.check_constraints:
        imports.add(SA, "CheckConstraint")
        expression = sql_text(check.expression).args[0]
        args.append(Call("CheckConstraint", [expression], [("name", Str(check.name))]))
    field_index: set[str] = set()
    for index in table.indexes:
        if index.constraint is not None:
            if not index.primary and index.constraint not in {
                u.name for u in table.unique_constraints
            }:
                notes.append(
                    f"index {index.name} backs constraint {index.constraint}: not generated"
                )
            continue
        plain = _plain_index_column(table, index, schema)
        if plain is not None and plain not in field_unique and plain not in field_index:
            field_index.add(plain)
            if index.unique:
                field_unique.add(plain)
            continue
        args.append(_index_call(index, imports))
    options: list[tuple[Expr, Expr]] = []
    if schema != "public":
        options.append((Str("schema"), Str(schema)))
    if table.comment:
        options.append((Str("comment"), Str(table.comment)))
    if options:
        args.append(Mapping(options))
    return args, pk_in_args, field_index, field_unique


def _plain_index_column(table: Table, index: Index, schema: str) -> str | None:
    """The column when `Field(index=True)` recreates this index exactly, else None."""
    if len(index.keys) != 1 or index.method != "btree" or index.predicate or index.include:
        return None
    key = index.keys[0]
    if key.column is None or key.descending or key.nulls_first or key.opclass:
        return None
    wanted = sqlalchemy_index_name(schema, table.name, key.column)
    return key.column if index.name == wanted and len(wanted) <= 63 else None


def _index_call(index: Index, imports: Imports) -> Call:
    imports.add(SA, "Index")
    keys: list[Expr] = []
    ops: list[tuple[Expr, Expr]] = []
    for key in index.keys:
        opclass = key.opclass.removeprefix("pg_catalog.") if key.opclass else None
        order = _order_words(key.descending, key.nulls_first)
        if key.column is not None and not order:
            keys.append(Str(key.column))
            if opclass:
                ops.append((Str(key.column), Str(opclass)))
            continue
        imports.add(SA, "text")
        target = (
            quote_ident(key.column)
            if key.column is not None
            else _expression_key(key.expression or "")
        )
        keys.append(sql_text(" ".join(p for p in (target, opclass, order) if p)))
    kwargs: list[tuple[str, Expr]] = []
    if index.unique:
        kwargs.append(("unique", "True"))
    if index.method != "btree":
        kwargs.append(("postgresql_using", Str(index.method)))
    if ops:
        kwargs.append(("postgresql_ops", Mapping(ops)))
    if index.include:
        kwargs.append(("postgresql_include", Seq([Str(c) for c in index.include])))
    if index.predicate:
        imports.add(SA, "text")
        kwargs.append(("postgresql_where", sql_text(index.predicate)))
    return Call("Index", [Str(index.name), *keys], kwargs)


def _order_words(descending: bool, nulls_first: bool) -> str:
    if descending:
        return "DESC" if nulls_first else "DESC NULLS LAST"
    return "NULLS FIRST" if nulls_first else ""


def _expression_key(expression: str) -> str:
    """An index expression as CREATE INDEX needs it: bare function calls, else parenthesized."""
    try:  # within the limits that keep pglast's C parser safe in-process (issue #13)
        check_limits(expression)
        target = parse_sql(f"SELECT {expression}")[0].stmt.targetList[0].val
    except Exception:  # unparsable here: parentheses are always valid
        return f"({expression})"
    return expression if type(target).__name__ == "FuncCall" else f"({expression})"
