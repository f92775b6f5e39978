"""Column drift: columns on one side only, types, nullability and defaults, with the spec line.

Equivalent spellings are not drift: types compare in format_type()'s spelling
(`tools.naming.normalize_type`), defaults without casts or case, and serial, identity and
nextval defaults are one thing.
"""

from __future__ import annotations

import re

from tools.catalog.models import Column, SchemaSnapshot, Table
from tools.drift.ddl import column_ddl, type_ddl
from tools.drift.rules import RULES
from tools.drift.views import around_views
from tools.findings import Finding, Severity, finding
from tools.naming import normalize_type as canonical_name
from tools.naming import qualified, quote_ident
from tools.spec.model import SchemaSpec, SpecColumn
from tools.spec.typenames import type_family
from tools.tenancy import copy_from_parent


def normalize_type(pg_type: str) -> str:
    """The canonical spelling of a type, so int4 and integer compare equal.

    Quotes and `pg_catalog.` go; each name is spelt as `tools.naming.normalize_type` spells it,
    with the size kept before a time zone (`timestamp(3) with time zone`).
    """
    text = re.sub(r"\s+", " ", pg_type.strip().lower()).replace('"', "")
    text = re.sub(r"^pg_catalog\.", "", text)
    array = text.endswith("[]")
    base = text.removesuffix("[]")
    match = re.match(r"^([a-z0-9_ ]+?)\s*(\(.*\))?$", base)
    if match:
        name, mods = match.group(1).strip(), (match.group(2) or "").replace(" ", "")
        name = canonical_name(name)
        if name.startswith(("timestamp", "time ")) and mods:
            head, _, tail = name.partition(" ")
            base = f"{head}{mods} {tail}".strip()
        else:
            base = name + mods
    return base + ("[]" if array else "")


def normalize_default(default: str | None) -> str | None:
    """A default without casts or case: 'x'::text -> 'x', CURRENT_TIMESTAMP -> now()."""
    if default is None:
        return None
    text = default.strip()
    text = re.sub(r"::(\"[^\"]+\"|[\w. ]+(\(\d+(,\d+)?\))?)(\[\])?", "", text)
    text = re.sub(r"^\((.*)\)$", r"\1", text).strip()
    low = text.lower()
    if low in (
        "current_timestamp",
        "now()",
        "pg_catalog.now()",
        "transaction_timestamp()",
        "localtimestamp",
    ):
        return "now()"
    if low.startswith("nextval("):
        return "<sequence>"
    return text if text.startswith("'") else low


def is_auto(column: Column) -> bool:
    """Serial, identity and nextval defaults: one thing."""
    return column.identity is not None or (column.default or "").startswith("nextval(")


def types_match(
    spec_column: Column,
    db_column: Column,
    spec_enums: dict[str, list[str]],
    db_enums: dict[str, list[str]],
) -> bool:
    """Whether the types are one: the same enum (its labels are DRIFT013's), an enum with the
    same labels, or the same canonical spelling."""
    if spec_column.enum and db_column.enum:
        spec_name, db_name = spec_column.enum.split(".")[-1], db_column.enum.split(".")[-1]
        spec_labels = spec_enums.get(spec_name)
        return spec_name == db_name or spec_labels in (None, db_enums.get(db_name))
    return normalize_type(spec_column.type) == normalize_type(db_column.type)


def line_of(spec: SchemaSpec, table: str, column: str | None = None) -> str:
    """Where the spec says it: `spec line N: column type`, for evidence."""
    entity = spec.entity(table)
    if entity is None:
        return "spec"
    if column is None:
        return f"spec line {entity.line}"
    spec_column: SpecColumn | None = entity.column(column)
    if spec_column is None:
        return f"spec line {entity.line}"
    return f"spec line {spec_column.line}: {column} {spec_column.type or spec_column.pg_type}"


def _null(nullable: bool) -> str:
    return "nullable" if nullable else "NOT NULL"


def compare_columns(
    spec: SchemaSpec, table: Table, found: Table, wanted: SchemaSnapshot, db: SchemaSnapshot
) -> list[Finding]:
    """Columns missing on either side, and type, nullability and default differences."""
    schema = db.schema_name
    target = qualified(schema, table.name)
    findings: list[Finding] = []
    entity = spec.entity(table.name)
    spec_enums = {e.name: e.values for e in wanted.enums}
    db_enums = {e.name: e.values for e in db.enums}
    for column in table.columns:
        where = f"{schema}.{table.name}.{column.name}"
        name = quote_ident(column.name)
        spec_column = entity.column(column.name) if entity else None
        evidence = line_of(spec, table.name, column.name)
        db_column = found.column(column.name)
        if db_column is None:
            findings.append(
                finding(
                    RULES["DRIFT003"],
                    where,
                    f"column {column.name} is in the spec but not in the database",
                    evidence,
                    _add_column(column, table, found, db, target),
                )
            )
            continue
        if not types_match(column, db_column, spec_enums, db_enums):
            # Loose words (`string`, `datetime`) read as one member of the family the database
            # uses are a remark, not an error.
            guessed = spec_column is not None and spec_column.type_guessed
            same = type_family(column.type) == type_family(db_column.type)
            severity: Severity = (
                "info" if guessed and same else "warning" if same or guessed else "error"
            )
            findings.append(
                finding(
                    RULES["DRIFT005"],
                    where,
                    f"{column.name} is {column.type} in the spec "
                    f"but {db_column.type} in the database",
                    f"{evidence}; database: {db_column.type}",
                    around_views(
                        f"ALTER TABLE {target} ALTER COLUMN {name} TYPE {type_ddl(column)}"
                        f" USING {name}::{type_ddl(column)};",
                        db,
                        found.name,
                        column.name,
                    ),
                    severity=severity,
                )
            )
        stated = spec_column is None or "nullable" in spec_column.stated or spec_column.primary_key
        if stated and column.nullable != db_column.nullable:
            verb = "DROP NOT NULL" if column.nullable else "SET NOT NULL"
            findings.append(
                finding(
                    RULES["DRIFT006"],
                    where,
                    f"{column.name} is {_null(column.nullable)} in the spec "
                    f"but {_null(db_column.nullable)} in the database",
                    f"{evidence}; database: {_null(db_column.nullable)}",
                    _backfill(column, target) + f"ALTER TABLE {target} ALTER COLUMN {name} {verb};",
                )
            )
        findings += compare_default(column, db_column, where, evidence, target)
    for db_column in found.columns:
        if table.column(db_column.name) is None:
            findings.append(
                finding(
                    RULES["DRIFT004"],
                    f"{schema}.{table.name}.{db_column.name}",
                    f"column {db_column.name} is in the database but not in the spec",
                    f"{line_of(spec, table.name)}; database: {db_column.name} {db_column.type}",
                    f"add {db_column.name} to the spec, or ALTER TABLE {target} DROP COLUMN "
                    f"{quote_ident(db_column.name)};",
                )
            )
    return findings


def compare_default(
    column: Column, db_column: Column, where: str, evidence: str, qualified: str
) -> list[Finding]:
    """A default, sequence or identity of the spec that the database column lacks."""
    if column.default is None and column.identity is None:
        return []
    alter = f"ALTER TABLE {qualified} ALTER COLUMN {quote_ident(column.name)}"
    database = f"{evidence}; database default: {db_column.default or 'none'}"
    if column.identity or (column.default or "").startswith("nextval("):
        if is_auto(db_column):
            return []  # serial, identity and nextval defaults are one thing
        return [
            finding(
                RULES["DRIFT007"],
                where,
                f"{column.name} auto-increments in the spec but has no sequence or identity",
                database,
                f"{alter} ADD GENERATED BY DEFAULT AS IDENTITY;",
            )
        ]
    assert column.default is not None
    if normalize_default(column.default) == normalize_default(db_column.default):
        return []
    return [
        finding(
            RULES["DRIFT007"],
            where,
            f"{column.name} defaults to {column.default} in the spec but "
            f"{db_column.default or 'nothing'} in the database",
            database,
            f"{alter} SET DEFAULT {column.default};",
        )
    ]


def _add_column(column: Column, table: Table, found: Table, db: SchemaSnapshot, target: str) -> str:
    """ADD COLUMN; a NOT NULL one without a default is added nullable, backfilled, then SET NOT
    NULL (#11): added NOT NULL at once, the ALTER fails on a table with rows (and row estimates
    can be stale, so it is done this way on every table)."""
    if column.nullable or column.default is not None or column.identity:
        return f"ALTER TABLE {target} ADD COLUMN {column_ddl(column)};"
    name = quote_ident(column.name)
    nullable = column.model_copy(update={"nullable": True})
    return (
        f"ALTER TABLE {target} ADD COLUMN {column_ddl(nullable)};\n"
        + _parent_backfill(column, table, found, db, target)
        + f"ALTER TABLE {target} ALTER COLUMN {name} SET NOT NULL;"
    )


def _parent_backfill(
    column: Column, table: Table, found: Table, db: SchemaSnapshot, target: str
) -> str:
    """UPDATE … FROM the parent a NOT NULL foreign key reaches, when the parent has the same
    column referencing the same table as the spec's (a tenant column, typically); else a note."""
    spec_refs = {fk.ref_table for fk in table.foreign_keys if fk.columns == [column.name]}
    parents = []
    for order, fk in enumerate(found.foreign_keys):
        parent = db.table(fk.ref_table) if fk.ref_schema == db.schema_name else None
        if parent is None or parent.name == found.name or parent.column(column.name) is None:
            continue
        same = any(
            p.columns == [column.name] and p.ref_table in spec_refs for p in parent.foreign_keys
        )
        not_null = all((c := found.column(n)) is not None and not c.nullable for n in fk.columns)
        if same and not_null:
            parents.append(((fk.on_delete != "CASCADE", order), fk, parent))
    if not parents:
        return (
            f"-- rows of {found.name} need a {column.name} first: SET NOT NULL stops the script "
            "while any is NULL\n"
        )
    _, fk, parent = min(parents, key=lambda entry: entry[0])
    return f"-- backfill: a row takes its {parent.name} row's {column.name}\n" + copy_from_parent(
        target, qualified(db.schema_name, parent.name), fk, column.name
    )


def _backfill(column: Column, target: str) -> str:
    """Before SET NOT NULL: rows still NULL take the spec's default, when it has one (without
    one, SET NOT NULL stops on such rows and the choice stays yours)."""
    if column.nullable or not column.default or column.default.startswith("nextval("):
        return ""
    name = quote_ident(column.name)
    return f"UPDATE {target} SET {name} = {column.default} WHERE {name} IS NULL; "
