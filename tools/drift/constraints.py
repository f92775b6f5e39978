"""Constraint drift: primary keys, foreign keys, unique constraints, indexes and checks.

A foreign key, unique constraint or index is matched by its columns; a CHECK by the columns it
reads (Postgres rewrites the expression's text). Fixes name what they add as the spec does, or
as Postgres would (`tools.drift.ddl.constraint_name`).
"""

from __future__ import annotations

from tools.catalog.models import ForeignKey, Table
from tools.drift.columns import line_of
from tools.drift.ddl import constraint_name, fk_ddl
from tools.drift.rules import RULES
from tools.findings import Finding, finding
from tools.naming import quote_ident, quote_list
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
    DELETE. A composite key that holds the spec's columns and target, such as the tenant-pinned
    (org_id, owner_id) -> users(org_id, id) for owner_id -> users(id), enforces the spec's."""
    findings: list[Finding] = []
    where = f"{found.schema_name}.{table.name}"
    db_fks = {tuple(fk.columns): fk for fk in found.foreign_keys}
    for fk in table.foreign_keys:
        columns = ", ".join(fk.columns)
        evidence = line_of(spec, table.name, fk.columns[0])
        existing = db_fks.get(tuple(fk.columns))
        if existing is None:
            wider = next((e for e in found.foreign_keys if _contains(e, fk)), None)
            if wider is not None:
                findings += _compare_wider(spec, table, fk, wider, target, where)
                continue
            guessed = _guessed(spec, table.name, fk.columns)
            findings.append(
                finding(
                    RULES["DRIFT008"],
                    f"{where}.{','.join(fk.columns)}",
                    f"foreign key ({columns}) -> {fk.ref_table}({', '.join(fk.ref_columns)}) "
                    "is in the spec but not in the database"
                    + (" (the spec only implies it: state it there, or add it)" if guessed else ""),
                    evidence,
                    _add_fk(spec, table, fk, target, taken),
                    severity="warning" if guessed else None,
                )
            )
            continue
        spec_side = (fk.ref_table, fk.ref_columns)
        if spec_side != (existing.ref_table, existing.ref_columns) or not _same_action(
            spec, table, fk, existing
        ):
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


def _guessed(spec: SchemaSpec, table: str, columns: list[str]) -> bool:
    """Whether the spec's FK on these columns is one it implies (a relationship sentence, a
    description), not one it states."""
    entity = spec.entity(table)
    column = entity.column(columns[0]) if entity is not None and len(columns) == 1 else None
    return bool(column and column.references and column.references.guessed)


def _contains(wider: ForeignKey, fk: ForeignKey) -> bool:
    """Whether `wider` references the same table with every (column, referenced column) pair of
    `fk`, and more."""
    pairs = set(zip(fk.columns, fk.ref_columns, strict=False))
    return (
        (wider.ref_schema, wider.ref_table) == (fk.ref_schema, fk.ref_table)
        and len(wider.columns) > len(fk.columns)
        and pairs <= set(zip(wider.columns, wider.ref_columns, strict=False))
    )


def _stated_action(spec: SchemaSpec, table: str, fk: ForeignKey) -> str | None:
    """The ON DELETE the spec writes for this key, None when it leaves it out."""
    entity = spec.entity(table)
    column = entity.column(fk.columns[0]) if entity and len(fk.columns) == 1 else None
    if column is not None and column.references is not None:
        return column.references.on_delete
    constraint = next(
        (
            c
            for c in spec.constraints
            if c.table == table and c.kind == "foreign key" and c.columns == fk.columns
        ),
        None,
    )
    return constraint.references.on_delete if constraint and constraint.references else None


def _same_action(spec: SchemaSpec, table: Table, fk: ForeignKey, existing: ForeignKey) -> bool:
    """Same ON DELETE; where the spec states none, RESTRICT and NO ACTION are one (both refuse
    the delete; they differ only for deferred checks)."""
    if fk.on_delete == existing.on_delete:
        return True
    refusing = {"NO ACTION", "RESTRICT"}
    return _stated_action(spec, table.name, fk) is None and {fk.on_delete, existing.on_delete} <= (
        refusing
    )


def _compare_wider(
    spec: SchemaSpec, table: Table, fk: ForeignKey, wider: ForeignKey, target: str, where: str
) -> list[Finding]:
    """The spec's key enforced by a composite one: a remark, or DRIFT009 when ON DELETE differs
    (the fix keeps the composite key and gives it the spec's ON DELETE)."""
    columns = ", ".join(fk.columns)
    evidence = f"{line_of(spec, table.name, fk.columns[0])}; database: {wider.definition}"
    if _same_action(spec, table, fk, wider):
        return [
            finding(
                RULES["DRIFT009"],
                f"{where}.{','.join(fk.columns)}",
                f"foreign key ({columns}) -> {fk.ref_table}({', '.join(fk.ref_columns)}) is "
                f"enforced by the composite {wider.name} ({', '.join(wider.columns)}) -> "
                f"{wider.ref_table}({', '.join(wider.ref_columns)}), which also pins the tenant",
                evidence,
                severity="info",
            )
        ]
    action = fk.on_delete
    if action in ("SET NULL", "SET DEFAULT"):
        action += f" ({quote_list(fk.columns)})"  # only the spec's columns, never the tenant
    rebuilt = wider.model_copy(update={"on_delete": action})
    return [
        finding(
            RULES["DRIFT009"],
            f"{where}.{','.join(fk.columns)}",
            f"foreign key ({columns}) is ON DELETE {fk.on_delete} in the spec but its composite "
            f"{wider.name} is ON DELETE {wider.on_delete} in the database",
            evidence,
            f"ALTER TABLE {target} DROP CONSTRAINT {quote_ident(wider.name)}; ALTER TABLE "
            f"{target} ADD CONSTRAINT {quote_ident(wider.name)} {fk_ddl(rebuilt)};",
        )
    ]


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
