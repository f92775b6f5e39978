"""Constraint drift: primary keys, foreign keys, unique constraints, indexes, checks and enums.

A foreign key, unique constraint or index is matched by its columns; a CHECK by the columns it
reads (Postgres rewrites the expression's text). Fixes name what they add as the spec does, or
as Postgres would (`tools.drift.ddl.constraint_name`).
"""

from __future__ import annotations

from tools.catalog.models import ForeignKey, SchemaSnapshot, Table
from tools.drift.columns import line_of
from tools.drift.ddl import constraint_name, fk_ddl
from tools.drift.rules import RULES
from tools.findings import Finding, finding
from tools.naming import qualified, quote_ident, quote_list
from tools.spec.model import SchemaSpec


def compare_keys(
    spec: SchemaSpec, table: Table, found: Table, target: str, taken: set[str]
) -> list[Finding]:
    """The primary key, the foreign keys and the unique constraints of one table."""
    return [
        *compare_primary_key(spec, table, found, target),
        *compare_foreign_keys(spec, table, found, target, taken),
        *compare_uniques(spec, table, found, target, taken),
    ]


def compare_primary_key(spec: SchemaSpec, table: Table, found: Table, target: str) -> list[Finding]:
    """DRIFT012: the primary key's columns differ (or it is missing)."""
    spec_pk = table.primary_key.columns if table.primary_key else []
    db_pk = found.primary_key.columns if found.primary_key else []
    if not spec_pk or sorted(spec_pk) == sorted(db_pk):
        return []
    drop = ""
    if found.primary_key:
        drop = f"ALTER TABLE {target} DROP CONSTRAINT {quote_ident(found.primary_key.name)}; "
    return [
        finding(
            RULES["DRIFT012"],
            f"{found.schema_name}.{table.name}",
            f"primary key is ({', '.join(spec_pk)}) in the spec but "
            f"({', '.join(db_pk) or 'none'}) in the database",
            line_of(spec, table.name, spec_pk[0]),
            f"{drop}ALTER TABLE {target} ADD PRIMARY KEY ({quote_list(spec_pk)});",
        )
    ]


def compare_foreign_keys(
    spec: SchemaSpec, table: Table, found: Table, target: str, taken: set[str]
) -> list[Finding]:
    """DRIFT008 foreign keys of the spec missing, DRIFT009 those that differ in target or ON
    DELETE."""
    findings: list[Finding] = []
    where = f"{found.schema_name}.{table.name}"
    db_fks = {tuple(fk.columns): fk for fk in found.foreign_keys}
    for fk in table.foreign_keys:
        columns = ", ".join(fk.columns)
        evidence = line_of(spec, table.name, fk.columns[0])
        existing = db_fks.get(tuple(fk.columns))
        if existing is None:
            findings.append(
                finding(
                    RULES["DRIFT008"],
                    f"{where}.{','.join(fk.columns)}",
                    f"foreign key ({columns}) -> {fk.ref_table}({', '.join(fk.ref_columns)}) "
                    "is in the spec but not in the database",
                    evidence,
                    _add_fk(spec, table, fk, target, taken),
                )
            )
            continue
        spec_side = (fk.ref_table, fk.ref_columns, fk.on_delete)
        if spec_side != (existing.ref_table, existing.ref_columns, existing.on_delete):
            add = _add_fk(spec, table, fk, target, taken - {existing.name})
            findings.append(
                finding(
                    RULES["DRIFT009"],
                    f"{where}.{','.join(fk.columns)}",
                    f"foreign key ({columns}) is -> {fk.ref_table} ON DELETE {fk.on_delete} in the "
                    f"spec but -> {existing.ref_table} ON DELETE {existing.on_delete} "
                    "in the database",
                    f"{evidence}; database: {existing.definition}",
                    f"ALTER TABLE {target} DROP CONSTRAINT {quote_ident(existing.name)}; {add}",
                )
            )
    return findings


def _add_fk(spec: SchemaSpec, table: Table, fk: ForeignKey, target: str, taken: set[str]) -> str:
    name = constraint_name(spec, table.name, "foreign key", fk.columns, taken)
    return f"ALTER TABLE {target} ADD CONSTRAINT {quote_ident(name)} {fk_ddl(fk)};"


def compare_uniques(
    spec: SchemaSpec, table: Table, found: Table, target: str, taken: set[str]
) -> list[Finding]:
    """DRIFT010: a unique constraint of the spec with no unique index on its columns."""
    findings = []
    db_unique = {tuple(sorted(i.columns)) for i in found.indexes if i.unique and not i.predicate}
    for unique in table.unique_constraints:
        if tuple(sorted(unique.columns)) in db_unique:
            continue
        name = constraint_name(spec, table.name, "unique", unique.columns, taken)
        findings.append(
            finding(
                RULES["DRIFT010"],
                f"{found.schema_name}.{table.name}.{','.join(unique.columns)}",
                f"unique ({', '.join(unique.columns)}) is in the spec but not in the database",
                line_of(spec, table.name, unique.columns[0]),
                f"ALTER TABLE {target} ADD CONSTRAINT {quote_ident(name)} "
                f"UNIQUE ({quote_list(unique.columns)});",
            )
        )
    return findings


def compare_indexes(spec: SchemaSpec, table: Table, found: Table, schema: str) -> list[Finding]:
    """An index the spec asks for is there when a valid index starts with its columns."""
    findings: list[Finding] = []
    db_indexes = [(i.columns, i.unique, i.predicate) for i in found.indexes if i.valid]
    for index in table.indexes:
        if index.primary or index.constraint:
            continue
        covered = any(
            columns[: len(index.columns)] == index.columns
            and (unique or not index.unique)
            and (index.predicate is None or predicate is not None)
            for columns, unique, predicate in db_indexes
        )
        if covered:
            continue
        spec_index = next(
            (i for i in spec.indexes if i.table == table.name and i.columns == index.columns), None
        )
        line = (
            f"spec line {spec_index.line}"
            if spec_index
            else line_of(spec, table.name, index.columns[0])
        )
        columns = ", ".join(index.columns)
        findings.append(
            finding(
                RULES["DRIFT011"],
                f"{schema}.{table.name}({columns})",
                f"index on ({columns}) is in the spec but not in the database",
                line,
                index.definition + ";",
            )
        )
    return findings


def compare_checks(
    spec: SchemaSpec, table: Table, found: Table, target: str, schema: str
) -> list[Finding]:
    """CHECKs of the spec with no CHECK on the same columns in the database. Expressions are
    matched by the columns they read: Postgres rewrites their text (IN becomes = ANY (ARRAY…))."""
    in_database = {frozenset(check.columns) for check in found.check_constraints}
    out = []
    for check in table.check_constraints:
        if frozenset(check.columns) in in_database:
            continue
        where = f"{schema}.{table.name}" + (f".{','.join(check.columns)}" if check.columns else "")
        out.append(
            finding(
                RULES["DRIFT014"],
                where,
                f"CHECK ({check.expression}) is in the spec but not in the database",
                line_of(spec, table.name, check.columns[0] if check.columns else None),
                f"ALTER TABLE {target} ADD CONSTRAINT {quote_ident(check.name)} "
                f"CHECK ({check.expression});",
            )
        )
    return out


def compare_enums(spec: SchemaSpec, wanted: SchemaSnapshot, db: SchemaSnapshot) -> list[Finding]:
    """Enums declared as types in the spec (inline enums are judged by the column types)."""
    findings = []
    db_enums = {e.name: e.values for e in db.enums}
    inline = {c.enum_name for e in spec.entities for c in e.columns if c.enum_values}
    for enum in wanted.enums:
        spec_enum = next((e for e in spec.enums if e.name == enum.name), None)
        line = f"spec line {spec_enum.line}" if spec_enum else "spec"
        values = ", ".join(f"'{v}'" for v in enum.values)
        target = qualified(db.schema_name, enum.name)
        where = f"{db.schema_name}.{enum.name}"
        if enum.name not in db_enums:
            if enum.name not in inline:
                findings.append(
                    finding(
                        RULES["DRIFT013"],
                        where,
                        f"enum {enum.name} is in the spec but not in the database",
                        f"{line}: {values}",
                        f"CREATE TYPE {target} AS ENUM ({values});",
                    )
                )
        elif db_enums[enum.name] != enum.values:
            missing = [v for v in enum.values if v not in db_enums[enum.name]]
            fix = "; ".join(f"ALTER TYPE {target} ADD VALUE '{v}'" for v in missing)
            findings.append(
                finding(
                    RULES["DRIFT013"],
                    where,
                    f"enum {enum.name} has ({', '.join(enum.values)}) in the spec but "
                    f"({', '.join(db_enums[enum.name])}) in the database",
                    f"{line}: {values}",
                    (fix or "recreate the type to reorder or remove labels") + ";",
                )
            )
    return findings
