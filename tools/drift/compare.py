"""`compare_spec_to_database`: where the live schema drifted from the spec, and the DDL to fix it.

The spec is turned into catalog records (`spec_to_snapshot`) and compared with `fetch_snapshot`:
tables, columns, types, nullability, defaults, primary keys, foreign keys with ON DELETE, unique
constraints, indexes and enums. Equivalent spellings are not drift (int4/integer, varchar/
character varying, serial/integer with a nextval default). Tables the spec says an auth library
manages (external) and future/optional tables are left out. `check_drift` is pure, for tests.

Columns are compared in `tools.drift.columns`, keys, indexes and checks in
`tools.drift.constraints`, enums in `tools.drift.enums`; the fix DDL is built in
`tools.drift.ddl`, the codes live in `tools.drift.rules`. `fix_script` orders the fixes.
"""

from __future__ import annotations

import re

import psycopg
from pydantic import BaseModel, ConfigDict, Field

from tools.catalog.models import SchemaSnapshot, Table
from tools.catalog.snapshot import fetch_snapshot, select_names
from tools.drift.columns import compare_columns, line_of, normalize_type
from tools.drift.constraints import compare_checks, compare_indexes, compare_keys
from tools.drift.ddl import create_table_ddl, taken_names
from tools.drift.enums import compare_enums
from tools.drift.rules import RULES
from tools.errors import NotFound
from tools.findings import (
    LAST_PHASE,
    Finding,
    count_by_severity,
    finding,
    render_finding,
    sort_findings,
)
from tools.naming import qualified
from tools.spec.model import SchemaSpec
from tools.spec.read import spec_to_snapshot

__all__ = [
    "DriftReport",
    "check_drift",
    "compare_spec_to_database",
    "create_table_ddl",
    "normalize_type",
    "render_drift",
]


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
    fix_script: str = Field(
        "",
        description="the fix DDL of every finding a statement fixes, in the order to run it "
        "(types, tables, columns, keys, indexes); tables and columns only the database has are "
        "left to you (describe them in the spec, or drop them)",
    )


def check_drift(spec: SchemaSpec, db: SchemaSnapshot) -> list[Finding]:
    """Findings for every difference between the spec and a database snapshot (pure)."""
    schema = db.schema_name
    wanted = spec_to_snapshot(spec, schema)
    findings: list[Finding] = []
    taken = taken_names(db)
    db_tables = {t.name: t for t in db.tables}
    ignored = set(spec.external_tables) | {e.name for e in spec.future}
    for table in wanted.tables:
        found = db_tables.get(table.name)
        if found is None:
            message = f"table {table.name} is in the spec but not in the database"
            findings.append(
                finding(
                    RULES["DRIFT001"],
                    f"{schema}.{table.name}",
                    message,
                    line_of(spec, table.name),
                    create_table_ddl(table),
                )
            )
            continue
        findings += compare_table(spec, table, found, wanted, db, taken)
    spec_names = {t.name for t in wanted.tables}
    for table in db.tables:
        if table.name in spec_names or table.name in ignored:
            continue
        target = qualified(schema, table.name)
        findings.append(
            finding(
                RULES["DRIFT002"],
                f"{schema}.{table.name}",
                f"table {table.name} is in the database but not in the spec",
                f"database: {len(table.columns)} columns; the spec names no such table",
                f"describe {table.name} in the spec, or DROP TABLE {target};",
            )
        )
    findings += compare_enums(spec, wanted, db)
    return sort_findings(findings)


def build_fix_script(findings: list[Finding], spec: SchemaSpec) -> str:
    """Every fix that is DDL, by the rule's fix phase; new tables after the tables they reference.

    Tables and columns only the database has (DRIFT002, DRIFT004) are a choice, not a fix:
    describing them in the spec keeps the data, so the script never drops them.
    """
    order = _creation_order(spec)
    runnable = [
        f for f in findings if RULES[f.code].fix_phase < LAST_PHASE and _has_statement(f.fix)
    ]
    ranked = sorted(
        runnable,
        key=lambda f: (RULES[f.code].fix_phase, order.get(_table_of(f), 0)),
    )
    blocks: list[str] = []
    for item in ranked:
        block = f"-- {item.code} {item.object}: {RULES[item.code].title}\n{item.fix}"
        if block not in blocks:
            blocks.append(block)
    if not blocks:
        return ""
    header = (
        "-- pgarchitect drift fixes: review each statement, then run with\n"
        "-- psql -v ON_ERROR_STOP=1 -f (outside a transaction block).\n"
    )
    return header + "\n\n".join(blocks) + "\n"


def _has_statement(fix: str | None) -> bool:
    """Whether a fix holds SQL to run, not only a comment saying what to decide."""
    return any(
        line.strip() and not line.lstrip().startswith("--") for line in (fix or "").split("\n")
    )


def _table_of(item: Finding) -> str:
    """The table a finding is about: `schema.table`, `schema.table.column`, `schema.t(a, b)`."""
    return item.object.split(".")[1].split("(")[0] if "." in item.object else item.object


def _creation_order(spec: SchemaSpec) -> dict[str, int]:
    """Spec tables numbered so that a table comes after every table it references."""
    refs = {
        e.name: {c.references.table for c in e.columns if c.references and c.references.table}
        for e in spec.entities
    }
    for c in spec.constraints:
        if c.kind == "foreign key" and c.table in refs and c.references:
            refs[c.table].add(c.references.table)
    order: dict[str, int] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in order or name in path or name not in refs:
            return  # done, a cycle, or a table outside the spec
        for target in sorted(refs[name]):
            visit(target, (*path, name))
        order[name] = len(order)

    for name in refs:
        visit(name, ())
    return order


def compare_table(
    spec: SchemaSpec,
    table: Table,
    found: Table,
    wanted: SchemaSnapshot,
    db: SchemaSnapshot,
    taken: set[str],
) -> list[Finding]:
    """Every difference of one table present on both sides."""
    target = qualified(db.schema_name, table.name)
    return [
        *compare_columns(spec, table, found, wanted, db),
        *compare_keys(spec, table, found, target, taken),
        *compare_indexes(spec, table, found, db.schema_name),
        *compare_checks(spec, table, found, target, db.schema_name),
    ]


def compare_spec_to_database(
    conn: psycopg.Connection,
    spec: SchemaSpec,
    schema: str = "public",
    tables: list[str] | None = None,
) -> DriftReport:
    """Compare the schema spec with the live database and report every drift with the fixing DDL.

    Call after read_schema_spec, before writing a migration or when models and database may
    disagree. Reports tables and columns present on one side only, type differences (bigint vs
    integer, varchar(200) vs text; equivalent spellings such as int4/integer are not drift),
    nullability, defaults, primary keys, missing or different foreign keys and ON DELETE,
    missing unique constraints and indexes, and enum labels. Each finding quotes the spec line
    and carries DDL that closes the gap; a type change that views or policies read drops and
    re-creates them as they were, in one transaction. Tables the spec says an auth library
    manages and future/optional tables are skipped. `tables` (names or globs, 'task*') keeps the
    findings and fixes of those tables only (the comparison itself always sees the whole schema).
    Next: apply the fixes through a migration, or update the spec when the database is right.
    """
    db = fetch_snapshot(conn, schema)
    findings = check_drift(spec, db)
    compared = {t.name for t in db.tables} & {e.name for e in spec.entities if not e.external}
    if tables:
        chosen = _chosen_tables(spec, db, tables)
        enums = _enums_of(spec, db, chosen)
        findings = [
            f
            for f in findings
            if _object_table(f.object, schema) in (enums if f.code == "DRIFT013" else chosen)
        ]
        compared &= chosen
    return DriftReport(
        spec_path=spec.path,
        spec_sha256=spec.sha256,
        schema_name=schema,
        tables_compared=len(compared),
        skipped_tables=list(spec.external_tables),
        findings=findings,
        counts=count_by_severity(findings),
        spec_warnings=len(spec.warnings),
        fix_script=build_fix_script(findings, spec),
    )


def _chosen_tables(spec: SchemaSpec, db: SchemaSnapshot, patterns: list[str]) -> set[str]:
    """The spec's and the database's tables matching `patterns`; NotFound when none does."""
    known = {e.name for e in spec.entities} | {t.name for t in db.tables}
    chosen = select_names(known, patterns)
    if not chosen:
        raise NotFound(
            "table", ", ".join(patterns), known, "pass tables=[names or globs like 'task*']"
        )
    return chosen


def _enums_of(spec: SchemaSpec, db: SchemaSnapshot, chosen: set[str]) -> set[str]:
    """The enum types the chosen tables' columns use, on either side (their drift is kept)."""
    used = {
        c.enum.rsplit(".", 1)[-1]
        for t in db.tables
        if t.name in chosen
        for c in t.columns
        if c.enum
    }
    for entity in spec.entities:
        if entity.name in chosen:
            used |= {n for c in entity.columns for n in (c.enum_name, c.pg_type) if n}
    return used


def _object_table(obj: str, schema: str) -> str:
    """The table a finding's object names: `schema.table[.column]`, `schema.table(a, b)`."""
    return re.split(r"[.(]", obj.removeprefix(f"{schema}."), maxsplit=1)[0]


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
    lines += ["\n" + render_finding(item) for item in report.findings]
    if report.fix_script:
        lines += ["", "fix script:", report.fix_script.rstrip()]
    return "\n".join(lines)
