"""The answer of `review_models` for one page: results per model, corrected classes, the
database script.

Corrected classes are rendered (`tools.review.correct`) for the page's models only, all of one
schema in one `generate_code` call; the page ends where the size budget does (one model at
least). Each finding's fix joins the corrected field line (the model), the DDL (the database)
and the advice (a spec edit or a choice).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from tools.catalog import SchemaSnapshot, Table
from tools.findings import Finding, finding, sort_findings
from tools.review.correct import Corrected, explicit_actions, render_corrected
from tools.review.ddl import create_table
from tools.review.records import ModelClass, Unread
from tools.review.sides import Sides
from tools.review.views import SIDES, Draft, Issue, changed_columns
from tools.spec import SchemaSpec, spec_to_snapshot


class ReviewFinding(Finding):
    """A finding about one model, with where it is and which side must change."""

    file: str = Field("", description="the model's file, relative to the project root")
    line: int = Field(0, description="1-based line in that file")
    sides: list[Literal["model", "spec", "database"]] = Field(
        default_factory=list,
        description="what must change: model (code in fix), database (DDL in fix), spec (edit)",
    )
    corrected: bool = Field(
        False, description="the corrected class of this model already applies the model's part"
    )


class UnreadConstruct(BaseModel):
    """Something the static reader saw but could not tell without running the code."""

    file: str = Field(description="file, relative to the project root")
    line: int = Field(description="1-based line")
    what: str = Field(description="what it is, e.g. Task.tags or Task(TimestampMixin)")
    reason: str = Field(description="why it was not read, and what it means for the review")


class ModelResult(BaseModel):
    """One table class: its findings and, when the fix is mechanical, the corrected class."""

    class_name: str = Field(description="the SQLModel class")
    table: str | None = Field(description="schema.table it maps to; None when not readable")
    location: str = Field(description="file:line of the class statement")
    compared_with: list[str] = Field(
        default_factory=list, description="sides that have this table: spec, database"
    )
    findings: list[ReviewFinding] = Field(description="sorted by severity, object, code")
    unread: list[UnreadConstruct] = Field(
        default_factory=list, description="parts of this class not read statically"
    )
    corrected_class: str | None = Field(
        None,
        description="the class as it should be (generate_model's renderer, the project's "
        "class name and relationships); it passes its own review",
    )
    corrected_imports: list[str] = Field(
        default_factory=list, description="imports the corrected class needs beyond the file's"
    )


Review = tuple[ModelClass, Sides, list[Issue], Draft]


def model_key(cls: ModelClass) -> tuple[str, int, str]:
    return (cls.file, cls.line, cls.name)


def mechanical(review: Review) -> bool:
    return review[3].changed or any(i.mechanical for i in review[2])


def unread_constructs(items: list[Unread]) -> list[UnreadConstruct]:
    seen = dict.fromkeys((u.file, u.line, u.construct, u.reason) for u in items)
    return [UnreadConstruct(file=f, line=n, what=c, reason=r) for f, n, c, r in seen]


def page_results(
    page: list[Review],
    schema: str,
    databases: dict[str, SchemaSnapshot],
    spec: SchemaSpec | None,
    members: dict[str, list[str]],
    budget: int,
) -> list[ModelResult]:
    """The page's results with corrected classes, cut where the size budget ends (one at least)."""
    enums = [e.model_dump(by_alias=True) for s in databases.values() for e in s.enums]
    if spec is not None:
        enums += [e.model_dump(by_alias=True) for e in spec_to_snapshot(spec, schema).enums]
    for cls, _s, _i, _d in page:
        for item in cls.fields:
            if item.enum and item.enum_class and item.enum not in {e["name"] for e in enums}:
                # SQLAlchemy stores an Enum class by its member names.
                values = members.get(item.enum_class, [])
                where = cls.schema or schema
                enums.append({"schema": where, "name": item.enum, "values": values})
    wanted = [r for r in page if mechanical(r)]
    by_schema: dict[str, list[tuple[ModelClass, Table, set[str]]]] = {}
    for cls, _s, _i, draft in wanted:
        table = draft.table()
        if cls.schema is None:  # keep the class unqualified, as written: search_path decides
            table = unqualified(table)
        inherited = {f.column for f in cls.fields if f.owner not in ("", cls.name)}
        model = unqualified(draft.base) if cls.schema is None else draft.base
        entry = (cls, table, inherited - changed_columns(model, explicit_actions(table)))
        by_schema.setdefault(table.schema_name, []).append(entry)
    corrected: dict[int, Corrected] = {}
    for name, items in by_schema.items():
        # The enums as if in this schema: an unqualified class finds them on the search_path.
        here = [{**e, "schema": name} for e in enums]
        for position, code in render_corrected(items, name, here).items():
            corrected[id(items[position][0])] = code
    results: list[ModelResult] = []
    size = 0
    for review in page:
        result = _result(review, corrected.get(id(review[0])))
        size += len(result.model_dump_json(exclude_none=True))
        if results and size > budget:
            break
        results.append(result)
    return results


def unqualified(table: Table) -> Table:
    """The table, its enums and its same-schema foreign keys as if in the default schema."""
    schema = table.schema_name
    fks = [
        fk.model_copy(update={"ref_schema": "public"}) if fk.ref_schema == schema else fk
        for fk in table.foreign_keys
    ]
    columns = [
        c.model_copy(update={"enum": "public." + c.enum.split(".")[-1]}) if c.enum else c
        for c in table.columns
    ]
    return table.model_copy(
        update={"schema_name": "public", "foreign_keys": fks, "columns": columns}
    )


def _finding(issue: Issue, cls: ModelClass, code: Corrected | None = None) -> ReviewFinding:
    parts = []
    if "model" in issue.sides and code is not None and issue.mechanical:
        line = code.table_args if issue.table_args and code.table_args else None
        line = line or (code.field_lines.get(issue.column) if issue.column else None)
        if line:
            parts.append(f"model ({cls.file}:{issue.line}): {line}")
    if issue.ddl:
        parts.append(f"database: {issue.ddl}")
    if issue.advice:
        parts.append(("spec: " if issue.sides == ["spec"] else "") + issue.advice)
    base = finding(
        issue.rule,
        issue.obj,
        issue.message,
        issue.evidence,
        "\n".join(parts) or None,
        issue.severity,
    )
    return ReviewFinding(
        **base.model_dump(),
        file=cls.file,
        line=issue.line,
        sides=sorted(dict.fromkeys(issue.sides), key=SIDES.index),
        corrected=code is not None and issue.mechanical,
    )


def _result(review: Review, code: Corrected | None) -> ModelResult:
    cls, s, issues, draft = review
    for issue in issues:
        if issue.ddl == "<create table>":
            issue.ddl = create_table(explicit_actions(draft.table()))
    return ModelResult(
        class_name=cls.name,
        table=s.name if cls.table else None,
        location=cls.location,
        compared_with=[side for side in ("spec", "database") if getattr(s, side) is not None],
        findings=sort_findings(_finding(i, cls, code) for i in issues),
        unread=unread_constructs(cls.unread),
        corrected_class=code.code if code else None,
        corrected_imports=code.imports if code else [],
    )


def database_script(page: list[Review]) -> str | None:
    """The database side of the page's findings, each statement once, in fix-phase order."""
    ordered = sorted(
        ((issue.rule.fix_phase, n, issue.ddl) for n, r in enumerate(page) for issue in r[2]),
        key=lambda item: (item[0], item[1]),
    )
    statements = list(dict.fromkeys(ddl for _, _, ddl in ordered if ddl))
    return "\n".join(statements) or None
