"""`compare_spec_to_database`: where the live schema drifted from the spec, and the DDL to fix it.

The spec is turned into catalog records (`spec_to_snapshot`) and compared with `fetch_snapshot`:
tables, columns, types, nullability, defaults, primary keys, foreign keys with ON DELETE, unique
constraints, indexes and enums. Equivalent spellings are not drift (int4/integer, varchar/
character varying, serial/integer with a nextval default). Tables the spec says an auth library
manages (external) and future/optional tables are left out. `check_drift` is pure, for tests.
"""

from __future__ import annotations

import re

import psycopg
from pydantic import BaseModel, ConfigDict, Field

from tools.catalog.snapshot import Column, ForeignKey, SchemaSnapshot, Table, fetch_snapshot
from tools.findings import Finding, count_by_severity, sort_findings
from tools.spec.model import SchemaSpec, SpecColumn
from tools.spec.read import quote_ident, spec_to_snapshot
from tools.spec.typenames import type_family

CODES = {
    "DRIFT001": "table in the spec, missing in the database",
    "DRIFT002": "table in the database, not in the spec",
    "DRIFT003": "column in the spec, missing in the database",
    "DRIFT004": "column in the database, not in the spec",
    "DRIFT005": "column type differs",
    "DRIFT006": "nullability differs",
    "DRIFT007": "default differs",
    "DRIFT008": "foreign key in the spec, missing in the database",
    "DRIFT009": "foreign key differs (target or ON DELETE)",
    "DRIFT010": "unique constraint in the spec, missing in the database",
    "DRIFT011": "index in the spec, missing in the database",
    "DRIFT012": "primary key differs",
    "DRIFT013": "enum differs or is missing",
    "DRIFT014": "check constraint in the spec, missing in the database",
}
_ALIASES = {
    "int": "integer",
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "serial": "integer",
    "bigserial": "bigint",
    "smallserial": "smallint",
    "bool": "boolean",
    "float8": "double precision",
    "float4": "real",
    "decimal": "numeric",
    "timestamptz": "timestamp with time zone",
    "timestamp": "timestamp without time zone",
    "timetz": "time with time zone",
    "time": "time without time zone",
    "varchar": "character varying",
    "char": "character",
    "bpchar": "character",
}


class DriftReport(BaseModel):
    """Differences between the spec and the live schema, as findings with fix DDL."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    spec_path: str = Field(description="the spec file compared")
    spec_sha256: str = Field(description="sha256 of the spec file")
    schema_name: str = Field(alias="schema", description="the database schema compared")
    tables_compared: int = Field(description="spec tables found in the database and compared")
    skipped_tables: list[str] = Field(
        default_factory=list, description="external (auth-managed) tables left out on purpose"
    )
    findings: list[Finding] = Field(description="drift, sorted by severity, object, code")
    counts: dict[str, int] = Field(description="findings per severity")
    spec_warnings: int = Field(description="lines of the spec that could not be read")


def normalize_type(pg_type: str) -> str:
    """The canonical spelling of a type, so int4 and integer compare equal."""
    text = re.sub(r"\s+", " ", pg_type.strip().lower()).replace('"', "")
    text = re.sub(r"^pg_catalog\.", "", text)
    array = text.endswith("[]")
    base = text.removesuffix("[]")
    match = re.match(r"^([a-z0-9_ ]+?)\s*(\(.*\))?$", base)
    if match:
        name, mods = match.group(1).strip(), (match.group(2) or "").replace(" ", "")
        name = _ALIASES.get(name, name)
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


def _auto(column: Column) -> bool:
    return column.identity is not None or (column.default or "").startswith("nextval(")


def _types_match(
    spec_column: Column,
    db_column: Column,
    spec_enums: dict[str, list[str]],
    db_enums: dict[str, list[str]],
) -> bool:
    if spec_column.enum and db_column.enum:
        spec_labels = spec_enums.get(spec_column.enum.split(".")[-1])
        return spec_labels is None or spec_labels == db_enums.get(db_column.enum.split(".")[-1])
    return normalize_type(spec_column.type) == normalize_type(db_column.type)


def _column_ddl(column: Column) -> str:
    text = f"{quote_ident(column.name)} {column.type}"
    if column.identity:
        text += f" GENERATED {column.identity.upper()} AS IDENTITY"
    if column.default and not column.default.startswith("nextval("):
        text += f" DEFAULT {column.default}"
    if not column.nullable:
        text += " NOT NULL"
    return text


def create_table_ddl(table: Table) -> str:
    """CREATE TABLE for a spec table (columns, primary key, unique, foreign keys, checks)."""
    lines = []
    for column in table.columns:
        if (
            column.default
            and column.default.startswith("nextval(")
            and column.type in ("integer", "bigint")
        ):
            serial = "serial" if column.type == "integer" else "bigserial"
            lines.append(
                f"{quote_ident(column.name)} {serial}" + ("" if column.nullable else " NOT NULL")
            )
        else:
            lines.append(_column_ddl(column))
    if table.primary_key:
        lines.append(f"PRIMARY KEY ({', '.join(map(quote_ident, table.primary_key.columns))})")
    lines += [u.definition for u in table.unique_constraints]
    lines += [_fk_ddl(fk) for fk in table.foreign_keys]
    lines += [f"CONSTRAINT {quote_ident(c.name)} {c.definition}" for c in table.check_constraints]
    body = ",\n    ".join(lines)
    indexes = [f"\n{i.definition};" for i in table.indexes if not (i.primary or i.constraint)]
    return (
        f"CREATE TABLE {quote_ident(table.schema_name)}.{quote_ident(table.name)} (\n    {body}\n);"
        + "".join(indexes)
    )


def _line_of(spec: SchemaSpec, table: str, column: str | None = None) -> str:
    entity = spec.entity(table)
    if entity is None:
        return "spec"
    if column is None:
        return f"spec line {entity.line}"
    spec_column: SpecColumn | None = entity.column(column)
    if spec_column is None:
        return f"spec line {entity.line}"
    return f"spec line {spec_column.line}: {column} {spec_column.type or spec_column.pg_type}"


def _finding(
    code: str, severity: str, where: str, message: str, evidence: str, fix: str
) -> Finding:
    return Finding(
        code=code, severity=severity, object=where, message=message, evidence=evidence, fix=fix
    )  # type: ignore[arg-type]


def _null(nullable: bool) -> str:
    return "nullable" if nullable else "NOT NULL"


def check_drift(spec: SchemaSpec, db: SchemaSnapshot) -> list[Finding]:
    """Findings for every difference between the spec and a database snapshot (pure)."""
    schema = db.schema_name
    wanted = spec_to_snapshot(spec, schema)
    findings: list[Finding] = []
    db_tables = {t.name: t for t in db.tables}
    ignored = set(spec.external_tables) | {e.name for e in spec.future}
    for table in wanted.tables:
        found = db_tables.get(table.name)
        if found is None:
            message = f"table {table.name} is in the spec but not in the database"
            findings.append(
                _finding(
                    "DRIFT001",
                    "error",
                    f"{schema}.{table.name}",
                    message,
                    _line_of(spec, table.name),
                    create_table_ddl(table),
                )
            )
            continue
        findings += _compare_table(spec, table, found, wanted, db)
    spec_names = {t.name for t in wanted.tables}
    for table in db.tables:
        if table.name in spec_names or table.name in ignored:
            continue
        qualified = f"{quote_ident(schema)}.{quote_ident(table.name)}"
        findings.append(
            _finding(
                "DRIFT002",
                "warning",
                f"{schema}.{table.name}",
                f"table {table.name} is in the database but not in the spec",
                f"database: {len(table.columns)} columns; the spec names no such table",
                f"describe {table.name} in the spec, or DROP TABLE {qualified};",
            )
        )
    findings += _compare_enums(spec, wanted, db)
    return sort_findings(findings)


def _compare_table(
    spec: SchemaSpec, table: Table, found: Table, wanted: SchemaSnapshot, db: SchemaSnapshot
) -> list[Finding]:
    schema = db.schema_name
    qualified = f"{quote_ident(schema)}.{quote_ident(table.name)}"
    findings: list[Finding] = []
    entity = spec.entity(table.name)
    spec_enums = {e.name: e.values for e in wanted.enums}
    db_enums = {e.name: e.values for e in db.enums}
    for column in table.columns:
        where = f"{schema}.{table.name}.{column.name}"
        name = quote_ident(column.name)
        spec_column = entity.column(column.name) if entity else None
        evidence = _line_of(spec, table.name, column.name)
        db_column = found.column(column.name)
        if db_column is None:
            findings.append(
                _finding(
                    "DRIFT003",
                    "error",
                    where,
                    f"column {column.name} is in the spec but not in the database",
                    evidence,
                    f"ALTER TABLE {qualified} ADD COLUMN {_column_ddl(column)};",
                )
            )
            continue
        if not _types_match(column, db_column, spec_enums, db_enums):
            # Loose words (`string`, `datetime`) read as one member of the family the database
            # uses are a remark, not an error.
            guessed = spec_column is not None and spec_column.type_guessed
            same = type_family(column.type) == type_family(db_column.type)
            severity = "info" if guessed and same else "warning" if same or guessed else "error"
            findings.append(
                _finding(
                    "DRIFT005",
                    severity,
                    where,
                    f"{column.name} is {column.type} in the spec "
                    f"but {db_column.type} in the database",
                    f"{evidence}; database: {db_column.type}",
                    f"ALTER TABLE {qualified} ALTER COLUMN {name} TYPE {column.type}"
                    f" USING {name}::{column.type};",
                )
            )
        stated = spec_column is None or "nullable" in spec_column.stated or spec_column.primary_key
        if stated and column.nullable != db_column.nullable:
            verb = "DROP NOT NULL" if column.nullable else "SET NOT NULL"
            findings.append(
                _finding(
                    "DRIFT006",
                    "warning",
                    where,
                    f"{column.name} is {_null(column.nullable)} in the spec "
                    f"but {_null(db_column.nullable)} in the database",
                    f"{evidence}; database: {_null(db_column.nullable)}",
                    f"ALTER TABLE {qualified} ALTER COLUMN {name} {verb};",
                )
            )
        findings += _compare_default(column, db_column, where, evidence, qualified)
    for db_column in found.columns:
        if table.column(db_column.name) is None:
            findings.append(
                _finding(
                    "DRIFT004",
                    "warning",
                    f"{schema}.{table.name}.{db_column.name}",
                    f"column {db_column.name} is in the database but not in the spec",
                    f"{_line_of(spec, table.name)}; database: {db_column.name} {db_column.type}",
                    f"add {db_column.name} to the spec, or ALTER TABLE {qualified} DROP COLUMN "
                    f"{quote_ident(db_column.name)};",
                )
            )
    findings += _compare_keys(spec, table, found, qualified, schema)
    findings += _compare_indexes(spec, table, found, schema)
    findings += _compare_checks(spec, table, found, qualified, schema)
    return findings


def _compare_checks(
    spec: SchemaSpec, table: Table, found: Table, qualified: str, schema: str
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
            _finding(
                "DRIFT014",
                "warning",
                where,
                f"CHECK ({check.expression}) is in the spec but not in the database",
                _line_of(spec, table.name, check.columns[0] if check.columns else None),
                f"ALTER TABLE {qualified} ADD CONSTRAINT {quote_ident(check.name)} "
                f"CHECK ({check.expression});",
            )
        )
    return out


def _compare_default(
    column: Column, db_column: Column, where: str, evidence: str, qualified: str
) -> list[Finding]:
    if column.default is None and column.identity is None:
        return []
    alter = f"ALTER TABLE {qualified} ALTER COLUMN {quote_ident(column.name)}"
    database = f"{evidence}; database default: {db_column.default or 'none'}"
    if column.identity or (column.default or "").startswith("nextval("):
        if _auto(db_column):
            return []  # serial, identity and nextval defaults are one thing
        return [
            _finding(
                "DRIFT007",
                "warning",
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
        _finding(
            "DRIFT007",
            "warning",
            where,
            f"{column.name} defaults to {column.default} in the spec but "
            f"{db_column.default or 'nothing'} in the database",
            database,
            f"{alter} SET DEFAULT {column.default};",
        )
    ]


def _compare_keys(
    spec: SchemaSpec, table: Table, found: Table, qualified: str, schema: str
) -> list[Finding]:
    findings: list[Finding] = []
    where = f"{schema}.{table.name}"
    spec_pk = table.primary_key.columns if table.primary_key else []
    db_pk = found.primary_key.columns if found.primary_key else []
    if spec_pk and sorted(spec_pk) != sorted(db_pk):
        drop = ""
        if found.primary_key:
            drop = (
                f"ALTER TABLE {qualified} DROP CONSTRAINT {quote_ident(found.primary_key.name)}; "
            )
        findings.append(
            _finding(
                "DRIFT012",
                "error",
                where,
                f"primary key is ({', '.join(spec_pk)}) in the spec but "
                f"({', '.join(db_pk) or 'none'}) in the database",
                _line_of(spec, table.name, spec_pk[0]),
                f"{drop}ALTER TABLE {qualified} ADD PRIMARY KEY "
                f"({', '.join(map(quote_ident, spec_pk))});",
            )
        )
    db_fks = {tuple(fk.columns): fk for fk in found.foreign_keys}
    for fk in table.foreign_keys:
        columns = ", ".join(fk.columns)
        evidence = _line_of(spec, table.name, fk.columns[0])
        existing = db_fks.get(tuple(fk.columns))
        add = f"ALTER TABLE {qualified} ADD CONSTRAINT {quote_ident(fk.name)} {_fk_ddl(fk)};"
        if existing is None:
            findings.append(
                _finding(
                    "DRIFT008",
                    "error",
                    f"{where}.{','.join(fk.columns)}",
                    f"foreign key ({columns}) -> {fk.ref_table}({', '.join(fk.ref_columns)}) "
                    "is in the spec but not in the database",
                    evidence,
                    add,
                )
            )
            continue
        spec_side = (fk.ref_table, fk.ref_columns, fk.on_delete)
        if spec_side != (existing.ref_table, existing.ref_columns, existing.on_delete):
            findings.append(
                _finding(
                    "DRIFT009",
                    "warning",
                    f"{where}.{','.join(fk.columns)}",
                    f"foreign key ({columns}) is -> {fk.ref_table} ON DELETE {fk.on_delete} in the "
                    f"spec but -> {existing.ref_table} ON DELETE {existing.on_delete} "
                    "in the database",
                    f"{evidence}; database: {existing.definition}",
                    f"ALTER TABLE {qualified} DROP CONSTRAINT {quote_ident(existing.name)}; {add}",
                )
            )
    db_unique = {tuple(sorted(i.columns)) for i in found.indexes if i.unique and not i.predicate}
    for unique in table.unique_constraints:
        if tuple(sorted(unique.columns)) not in db_unique:
            constraint = f"{quote_ident(unique.name)} {unique.definition}"
            findings.append(
                _finding(
                    "DRIFT010",
                    "warning",
                    f"{where}.{','.join(unique.columns)}",
                    f"unique ({', '.join(unique.columns)}) is in the spec but not in the database",
                    _line_of(spec, table.name, unique.columns[0]),
                    f"ALTER TABLE {qualified} ADD CONSTRAINT {constraint};",
                )
            )
    return findings


def _compare_indexes(spec: SchemaSpec, table: Table, found: Table, schema: str) -> list[Finding]:
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
            else _line_of(spec, table.name, index.columns[0])
        )
        columns = ", ".join(index.columns)
        findings.append(
            _finding(
                "DRIFT011",
                "warning",
                f"{schema}.{table.name}({columns})",
                f"index on ({columns}) is in the spec but not in the database",
                line,
                index.definition + ";",
            )
        )
    return findings


def _fk_ddl(fk: ForeignKey) -> str:
    """FOREIGN KEY … REFERENCES schema.table (…) with the referenced table qualified."""
    text = (
        f"FOREIGN KEY ({', '.join(map(quote_ident, fk.columns))}) REFERENCES "
        f"{quote_ident(fk.ref_schema)}.{quote_ident(fk.ref_table)}"
        f"({', '.join(map(quote_ident, fk.ref_columns))})"
    )
    return text + (f" ON DELETE {fk.on_delete}" if fk.on_delete != "NO ACTION" else "")


def _compare_enums(spec: SchemaSpec, wanted: SchemaSnapshot, db: SchemaSnapshot) -> list[Finding]:
    """Enums declared as types in the spec (inline enums are judged by the column types)."""
    findings = []
    db_enums = {e.name: e.values for e in db.enums}
    inline = {c.enum_name for e in spec.entities for c in e.columns if c.enum_values}
    for enum in wanted.enums:
        spec_enum = next((e for e in spec.enums if e.name == enum.name), None)
        line = f"spec line {spec_enum.line}" if spec_enum else "spec"
        values = ", ".join(f"'{v}'" for v in enum.values)
        qualified = f"{quote_ident(db.schema_name)}.{quote_ident(enum.name)}"
        where = f"{db.schema_name}.{enum.name}"
        if enum.name not in db_enums:
            if enum.name not in inline:
                findings.append(
                    _finding(
                        "DRIFT013",
                        "warning",
                        where,
                        f"enum {enum.name} is in the spec but not in the database",
                        f"{line}: {values}",
                        f"CREATE TYPE {qualified} AS ENUM ({values});",
                    )
                )
        elif db_enums[enum.name] != enum.values:
            missing = [v for v in enum.values if v not in db_enums[enum.name]]
            fix = "; ".join(f"ALTER TYPE {qualified} ADD VALUE '{v}'" for v in missing)
            findings.append(
                _finding(
                    "DRIFT013",
                    "warning",
                    where,
                    f"enum {enum.name} has ({', '.join(enum.values)}) in the spec but "
                    f"({', '.join(db_enums[enum.name])}) in the database",
                    f"{line}: {values}",
                    (fix or "recreate the type to reorder or remove labels") + ";",
                )
            )
    return findings


def compare_spec_to_database(
    conn: psycopg.Connection, spec: SchemaSpec, schema: str = "public"
) -> DriftReport:
    """Compare the schema spec with the live database and report every drift with the fixing DDL.

    Call after read_schema_spec, before writing a migration or when models and database may
    disagree. Reports tables and columns present on one side only, type differences (bigint vs
    integer, varchar(200) vs text; equivalent spellings such as int4/integer are not drift),
    nullability, defaults, primary keys, missing or different foreign keys and ON DELETE,
    missing unique constraints and indexes, and enum labels. Each finding quotes the spec line
    and carries DDL that closes the gap. Tables the spec says an auth library manages and
    future/optional tables are skipped. Next: apply the fixes through a migration, or update
    the spec when the database is right.
    """
    db = fetch_snapshot(conn, schema)
    findings = check_drift(spec, db)
    compared = {t.name for t in db.tables} & {e.name for e in spec.entities if not e.external}
    return DriftReport(
        spec_path=spec.path,
        spec_sha256=spec.sha256,
        schema=schema,
        tables_compared=len(compared),
        skipped_tables=list(spec.external_tables),
        findings=findings,
        counts=count_by_severity(findings),
        spec_warnings=len(spec.warnings),
    )


def render_drift(report: DriftReport) -> str:
    """A plain-text drift report: one block per finding, with evidence and fix."""
    counts = report.counts
    lines = [
        f"drift: spec {report.spec_path} vs schema {report.schema_name}: "
        f"{report.tables_compared} tables compared, {counts.get('error', 0)} errors, "
        f"{counts.get('warning', 0)} warnings, {counts.get('info', 0)} info",
    ]
    if report.skipped_tables:
        lines.append("skipped (managed elsewhere): " + ", ".join(report.skipped_tables))
    if report.spec_warnings:
        lines.append(
            f"the spec has {report.spec_warnings} unread lines: see read_schema_spec warnings"
        )
    if not report.findings:
        lines.append("no drift: the database matches the spec")
    for finding in report.findings:
        lines.append(
            f"\n{finding.severity.upper()} {finding.code} {finding.object}: {finding.message}"
        )
        if finding.evidence:
            lines.append(f"  evidence: {finding.evidence}")
        if finding.fix:
            lines.append("  fix: " + finding.fix.replace("\n", "\n       "))
    return "\n".join(lines)
