"""`review_models`: the project's own SQLModel code against the checklist, the spec and the
database, with a corrected class per model when the fix is mechanical.

The files are read statically (`tools.review.reader`, never imported); each table class becomes
catalog records (`tools.review.tables`) and is compared with the spec's entity and the live
table (`tools.review.drift`), then judged by the checklist (`tools.review.checks`). The catalog
is fetched once per schema in its fixed round trips. Corrected classes are rendered by
`generate_code` for the models of the returned page only (`tools.review.correct`).
"""

from __future__ import annotations

import base64
import gc
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import psycopg
from pydantic import BaseModel, ConfigDict, Field

from tools.catalog import SchemaSnapshot, Table, fetch_snapshot
from tools.errors import ConfigError, NotFound
from tools.findings import SEVERITY_ORDER, finding, sort_findings
from tools.review.checks import check_after_drift, check_tenant_presence
from tools.review.checks_context import Context, find_class
from tools.review.column_types import check_types
from tools.review.drift import check_drift
from tools.review.files import discover, resolve_paths
from tools.review.reader import read_models
from tools.review.records import ModelClass, Unread
from tools.review.results import (
    ModelResult,
    Review,
    ReviewFinding,
    UnreadConstruct,
    database_script,
    mechanical,
    model_key,
    page_results,
    unread_constructs,
)
from tools.review.rules import RULES
from tools.review.sides import Sides
from tools.review.tables import model_table, snapshot_of
from tools.review.views import Draft, Issue, View
from tools.spec import SchemaSpec, spec_to_snapshot
from tools.tenancy import detect_tenant_column, tenant_root

Against = Literal["spec", "database"]
ANSWER_BUDGET = 60_000  # characters of compact JSON per page (~15k tokens)


class ReviewSummary(BaseModel):
    """Counts over every model reviewed (all pages)."""

    files_read: int = Field(description="files parsed (helpers for base classes included)")
    models: int = Field(description="table classes found")
    compared_with_spec: int = Field(description="models whose table the spec defines")
    compared_with_database: int = Field(description="models whose table the database has")
    findings: dict[str, int] = Field(description="findings per severity")
    by_code: dict[str, int] = Field(description="findings per rule code")
    unread: int = Field(description="constructs not read statically")
    corrected: int = Field(description="models with a mechanical fix (a corrected class)")


class ModelReview(BaseModel):
    """The review of the project's SQLModel code against the checklist, spec and database."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    schema_name: str = Field(alias="schema", description="schema of models that name none")
    against: list[str] = Field(description="the sides compared: spec, database")
    spec_path: str | None = Field(None, description="the spec file compared, if any")
    tenant_column: str | None = Field(None, description="tenant column used by MOD006 to MOD008")
    tenant_source: str = Field("", description="where the tenant column came from")
    summary: ReviewSummary
    models: list[ModelResult] = Field(description="this page's models, in file and line order")
    project_findings: list[ReviewFinding] = Field(
        default_factory=list, description="tables of the spec or database no model defines"
    )
    unread: list[UnreadConstruct] = Field(
        default_factory=list, description="files not read (syntax errors, encodings) and more"
    )
    database_script: str | None = Field(
        None,
        description="the database side of this page's findings in fix order, each statement "
        "once; applies with psql -v ON_ERROR_STOP=1 (review it: types and keys change)",
    )
    notes: list[str] = Field(default_factory=list, description="what was not compared, and why")
    notice: str | None = Field(
        None, description="what this page leaves out and the call that gets it; null if complete"
    )
    next_cursor: str | None = Field(None, description="pass as cursor= for the next page")


def _cursor(key: tuple[str, int, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, int, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        file, line, name = json.loads(base64.urlsafe_b64decode(padded))
        return str(file), int(line), str(name)
    except (ValueError, TypeError):
        raise ConfigError(
            f"invalid cursor {cursor!r}; pass back the next_cursor of the previous page as it "
            "came, with the same other arguments"
        ) from None


def _tenant(
    given: str | None,
    spec: SchemaSpec | None,
    databases: dict[str, SchemaSnapshot],
    models: SchemaSnapshot,
) -> tuple[str | None, str, SchemaSnapshot]:
    """(tenant column, where it came from, the snapshot to find its root in)."""
    db = next(iter(databases.values()), None)
    if given:
        return given, "argument", db or models
    if spec is not None and spec.tenant_column:
        return spec.tenant_column, "spec", db or models
    if db is not None and (found := detect_tenant_column(db)):
        return found, "database", db
    found = detect_tenant_column(models)
    carriers = sum(1 for t in models.tables if found and t.column(found))
    if found and carriers >= 2:  # a convention seen once is no convention
        return found, "models (naming convention)", models
    return None, "", models


def _by_name(classes: list[ModelClass]) -> dict[str, list[ModelClass]]:
    found: dict[str, list[ModelClass]] = {}
    for cls in classes:
        found.setdefault(cls.name, []).append(cls)
    return found


def _severities(severities: Iterable[str]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITY_ORDER, 0)
    for severity in severities:
        counts[severity] += 1
    return counts


def review_models(
    conn: psycopg.Connection | None,
    paths: list[str] | None = None,
    schema: str = "public",
    against: list[Against] | None = None,
    tenant_column: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
    *,
    project_root: Path,
    spec: SchemaSpec | None = None,
    budget: int = ANSWER_BUDGET,
) -> ModelReview:
    """Review the project's SQLModel table classes against the checklist, the spec and the
    database, without importing them.

    Call this when SQLModel code is written or changed ("here's the new Order model"), before a
    migration, or in CI. It reads the files statically (paths: files, directories or globs under
    the project root; default: every module with `table=True` classes, virtualenvs, tests and
    dot-directories skipped) and returns, per model (file:line), checklist findings (MOD001 to
    MOD016: primary key, ondelete, FK indexes, back_populates partners, tenant column, timestamps,
    Optional vs nullable, JSON vs JSONB, enums as text, `from __future__ import annotations`,
    naive timestamps, FK type vs its target) and drift against the spec's entity and the live
    table (MOD020 to MOD030, each naming every side's value, e.g. "spec: bigint, database:
    integer, model: int"). Each
    finding says which side must change and carries the code or DDL; when the fix is mechanical
    the model comes with its corrected class, which passes its own review. What cannot be read
    statically is listed with its line. against: sides to compare (default both). Page with
    cursor=next_cursor. Next: generate_model for a new table, compare_spec_to_database for the
    database alone.
    """
    with _gc_paused():
        return _review_models(
            conn, paths, schema, against, tenant_column, cursor, limit, project_root, spec, budget
        )


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Thousands of small records are built and kept: the cyclic collector would rescan them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _review_models(
    conn: psycopg.Connection | None,
    paths: list[str] | None,
    schema: str,
    against: list[Against] | None,
    tenant_column: str | None,
    cursor: str | None,
    limit: int,
    project_root: Path,
    spec: SchemaSpec | None,
    budget: int,
) -> ModelReview:
    root = project_root.resolve()
    if not root.is_dir():
        raise ConfigError(f"project root {str(root)!r} is not a directory")
    if limit < 1:
        raise ConfigError(f"limit must be at least 1, not {limit}")
    sides = list(dict.fromkeys(against or ["spec", "database"]))
    files = resolve_paths(root, paths) if paths else discover(root)
    read, helpers = read_models(root, files)
    classes = sorted((c for f in read for c in f.classes), key=lambda c: (c.file, c.line))
    everything = classes + [c for f in helpers for c in f.classes]
    notes: list[str] = []
    databases: dict[str, SchemaSnapshot] = {}
    if "database" in sides:
        if conn is None:
            notes.append("no database connection: the database side was not compared")
        else:
            databases[schema] = fetch_snapshot(conn, schema)  # an unknown schema is an error
            for name in sorted({c.schema for c in classes if c.schema} - {schema}):
                try:
                    databases[name] = fetch_snapshot(conn, name)
                except NotFound:
                    notes.append(
                        f"schema {name!r} of some models is not in the database: those models "
                        "were not compared with it (CREATE SCHEMA first)"
                    )
    spec_tables: dict[str, Table] = {}
    if "spec" in sides:
        if spec is None:
            notes.append("no spec file: the spec side was not compared")
        else:
            spec_tables = {t.name: t for t in spec_to_snapshot(spec, schema).tables}
    tables = {id(c): model_table(c, schema) for c in everything}
    model_snapshot = snapshot_of(list({t.name: t for t in tables.values()}.values()), schema)
    tenant, source, tenancy_snapshot = _tenant(tenant_column, spec, databases, model_snapshot)
    ctx = Context(
        classes=_by_name(everything),
        tables=tables,
        tenant_column=tenant,
        tenant_root=tenant_root(tenancy_snapshot, tenant) if tenant else None,
        tenant_source=source,
        shared=set(spec.shared_tables) if spec else set(),
    )
    for snapshot in databases.values():
        ctx.targets.update({(t.schema_name, t.name): t for t in snapshot.tables})
    ctx.targets.update({(t.schema_name, t.name): t for t in reversed(list(tables.values()))})
    if tenant:
        ctx.owned = {t.name for t in model_snapshot.tables if t.column(tenant)}
        ctx.owned |= {n for n, t in spec_tables.items() if t.column(tenant)}
        for snapshot in databases.values():
            ctx.owned |= {t.name for t in snapshot.tables if t.column(tenant)}
    reviews = [_review(c, tables[id(c)], spec, spec_tables, databases, ctx) for c in classes]
    page, next_cursor = _page(reviews, cursor, limit)
    members = {name: values for f in read + helpers for name, values in f.enums.items()}
    results = page_results(page, schema, databases, spec, members, budget)
    if len(results) < len(page):
        next_cursor = _cursor(model_key(page[len(results)][0]))
    project = _project_findings(classes, spec_tables, databases, schema) if not paths else []
    counts = Counter(i.rule.code for r in reviews for i in r[2])
    counts.update(f.code for f in project)
    file_unread = unread_constructs([u for f in read + helpers for u in f.unread])
    shown = len(results)
    return ModelReview(
        schema_name=schema,
        against=sides,
        spec_path=spec.path if spec is not None and "spec" in sides else None,
        tenant_column=tenant,
        tenant_source=source,
        summary=ReviewSummary(
            files_read=len(read) + len(helpers),
            models=len(classes),
            compared_with_spec=sum(1 for r in reviews if r[1].spec is not None),
            compared_with_database=sum(1 for r in reviews if r[1].database is not None),
            findings=_severities(
                [i.severity or i.rule.severity for r in reviews for i in r[2]]
                + [f.severity for f in project]
            ),
            by_code=dict(sorted(counts.items())),
            unread=len(file_unread) + sum(len(unread_constructs(r[0].unread)) for r in reviews),
            corrected=sum(1 for r in reviews if mechanical(r)),
        ),
        models=results,
        project_findings=sort_findings(project),
        unread=file_unread,
        database_script=database_script(page[: len(results)]),
        notes=notes,
        notice=(
            f"models {shown} of {len(reviews)} from this cursor: call again with "
            f"cursor={next_cursor!r} and the same other arguments for the rest"
            if next_cursor
            else None
        ),
        next_cursor=next_cursor,
    )


def _review(
    cls: ModelClass,
    table: Table,
    spec: SchemaSpec | None,
    spec_tables: dict[str, Table],
    databases: dict[str, SchemaSnapshot],
    ctx: Context,
) -> Review:
    """Every issue of one class, and its corrected draft."""
    db_snapshot = databases.get(table.schema_name)
    db_table = db_snapshot.table(table.name) if db_snapshot and cls.table else None
    spec_table = spec_tables.get(table.name) if cls.table else None
    s = Sides(
        cls,
        View.of("model", table),
        View.of("spec", spec_table) if spec_table else None,
        View.of("database", db_table) if db_table else None,
        entity=spec.entity(table.name) if spec is not None and spec_table else None,
        spec_obj=spec,
    )
    draft = Draft(table)
    issues: list[Issue] = []
    for rel in cls.relationships:
        if rel.target and find_class(ctx, rel.target, cls) is None:
            reason = f"relationship target {rel.target} is not in the files read: not checked"
            cls.unread.append(Unread(rel.file, rel.line, f"{cls.name}.{rel.name}", reason))
    if cls.table is None:
        issues += check_after_drift(s, draft, ctx)
        return cls, s, issues, draft
    issues += check_types(s, draft)
    issues += check_tenant_presence(s, draft, ctx)
    issues += check_drift(s, draft)
    for issue in issues:
        s.claimed.add(issue.aspect)
    issues += check_after_drift(s, draft, ctx)
    issues += _missing_table(s, db_snapshot is not None, bool(spec_tables))
    return cls, s, issues, draft


def _missing_table(s: Sides, db_compared: bool, spec_compared: bool) -> list[Issue]:
    issues = []
    table = s.model.table.name
    if db_compared and s.database is None:
        issues.append(
            Issue(
                RULES["MOD020"],
                s.name,
                f"table {table} is in the model but not in the database",
                line=s.cls.line,
                sides=["database"],
                ddl="<create table>",
            )
        )
    if spec_compared and s.spec is None:
        issues.append(
            Issue(
                RULES["MOD020"],
                s.name,
                f"table {table} is in the model but not in the spec",
                line=s.cls.line,
                sides=["spec"],
                severity="warning",
                advice=f"add the {table} entity to the spec (its columns as the model has them)",
            )
        )
    return issues


def _page(reviews: list[Review], cursor: str | None, limit: int) -> tuple[list[Review], str | None]:
    start = 0
    if cursor:
        key = _decode(cursor)
        start = next((i for i, r in enumerate(reviews) if model_key(r[0]) >= key), len(reviews))
    page = reviews[start : start + limit]
    more = start + limit < len(reviews)
    return page, _cursor(model_key(reviews[start + limit][0])) if more else None


def _project_findings(
    classes: list[ModelClass],
    spec_tables: dict[str, Table],
    databases: dict[str, SchemaSnapshot],
    schema: str,
) -> list[ReviewFinding]:
    """MOD021: tables of the spec or the database that no model defines."""
    modelled = {c.table for c in classes}
    found: dict[str, list[str]] = {}
    for name in spec_tables:
        found.setdefault(name, []).append("spec")
    for snapshot in databases.values():
        for table in snapshot.tables:
            if snapshot.schema_name == schema:
                found.setdefault(table.name, []).append("database")
    out = []
    for name, where in sorted(found.items()):
        if name in modelled:
            continue
        rule = RULES["MOD021"]
        message = f"table {name} is in the {' and the '.join(where)} but no model defines it"
        fix = f"generate_model(tables=[{name!r}]) writes its class"
        base = finding(rule, f"{schema}.{name}", message, "", fix)
        out.append(ReviewFinding(**base.model_dump(), sides=["model"]))
    return out
