"""Type rules that name a type difference better than drift does (MOD011 JSON vs JSONB,
MOD012 an enum kept as free text, MOD014 a datetime on a naive timestamp); they run before drift
and claim the column's type."""

from __future__ import annotations

import re
from typing import Any

from tools.naming import quote_ident
from tools.review.records import ModelField
from tools.review.rules import RULES
from tools.review.sides import Sides
from tools.review.sqltypes import TIMESTAMPS, family
from tools.review.views import Draft, Issue

COMMENT_CHOICES = re.compile(r"^\s*(\w+)(\s*[,|/]\s*\w+)+\s*$")


def claim(s: Sides, issue: Issue) -> Issue:
    """Record the aspect an issue reports, so drift does not report it again."""
    s.claimed.add(issue.aspect)
    return issue


def check_types(s: Sides, draft: Draft) -> list[Issue]:
    """MOD011, MOD012, MOD014: type differences with a better name; run before drift."""
    issues: list[Issue] = []
    for item in s.cls.fields:
        column = s.model.columns.get(item.column)
        if column is None or item.pg_type is None:
            continue
        db = s.database.columns.get(item.column) if s.database else None
        spec = s.spec.columns.get(item.column) if s.spec else None
        found = _json(s, draft, item, db, spec) or _enum(s, draft, item, db, spec)
        found = found or _naive(s, draft, item, db, spec)
        if found:
            issues.append(claim(s, found))
    return issues


def _json(s: Sides, draft: Draft, item: ModelField, db, spec) -> Issue | None:
    if item.pg_type != "json":
        return None
    other = next((c for c in (db, spec) if c is not None and c.type == "jsonb"), None)
    where: dict[str, Any] = dict(line=item.line, column=item.column, aspect=f"{item.column}:type")
    if other is None:
        if db is None and spec is None:
            return Issue(
                RULES["MOD011"],
                f"{s.name}.{item.column}",
                f"{item.name} is JSON: JSONB compares, indexes (GIN) and stores it better",
                severity="info",
                sides=["model"],
                mechanical=_set(draft, item, "jsonb"),
                **where,
            )
        return None
    side = "database" if other is db else "spec"
    return Issue(
        RULES["MOD011"],
        f"{s.name}.{item.column}",
        f"{item.name} is sa_type=JSON but the {side} has jsonb: the model would create json "
        "and compare as text",
        evidence=f"{side}: jsonb; model: json",
        sides=["model"],
        mechanical=_set(draft, item, "jsonb"),
        **where,
    )


def _set(draft: Draft, item: ModelField, pg_type: str, enum: str | None = None) -> bool:
    draft.column(item.column, type=pg_type, enum=enum)
    return True


def _comment_choices(item: ModelField) -> list[str]:
    """`# low, medium, high` after a field whose default is one of them."""
    match = COMMENT_CHOICES.match(item.comment)
    if not match:
        return []
    words = re.findall(r"\w+", item.comment)
    default = (item.default or "").strip("'\"")
    return words if default in words else []


def _enum(s: Sides, draft: Draft, item: ModelField, db, spec) -> Issue | None:
    if item.enum or family(item.pg_type or "") != "text":
        return None
    where: dict[str, Any] = dict(line=item.line, column=item.column, aspect=f"{item.column}:type")
    obj = f"{s.name}.{item.column}"
    for side, other in (("database", db), ("spec", spec)):
        if other is not None and other.enum:
            # The enum's Python class is generated with the corrected class.
            return Issue(
                RULES["MOD012"],
                obj,
                f"{item.name} is {item.annotation} (free text) but the {side} has the enum "
                f"{other.type}",
                evidence=f"{side}: {other.type} (enum); model: {item.annotation}",
                sides=["model"],
                mechanical=_set(draft, item, other.type, other.enum),
                **where,
            )
    spec_column = s.spec_column(item.column)
    choices = (
        item.choices or (spec_column.enum_values if spec_column else []) or _comment_choices(item)
    )
    if len(choices) < 2:
        return None
    name = "".join(part.title() for part in item.column.split("_"))
    members = "\n".join(f"    {c} = {c!r}" for c in choices if c.isidentifier())
    fix = f"class {name}(str, enum.Enum):\n{members}\n\n{item.name}: {name} = ..."
    return Issue(
        RULES["MOD012"],
        obj,
        f"{item.name} takes one of {', '.join(choices)} but is stored as free text",
        evidence=f"model line {item.line}: {item.source}",
        sides=["model"],
        advice=fix,
        **where,
    )


def _naive(s: Sides, draft: Draft, item: ModelField, db, spec) -> Issue | None:
    if item.pg_type != "timestamp with time zone" or item.type_name not in (
        "datetime",
        "AwareDatetime",
    ):
        return None
    naive = "timestamp without time zone"
    spec_column = s.spec_column(item.column)
    spec_type = (
        spec.type if spec is not None and spec_column and not spec_column.type_guessed else None
    )
    if not ((db is not None and db.type.startswith("timestamp without")) or spec_type == naive):
        return None
    where: dict[str, Any] = dict(line=item.line, column=item.column, aspect=f"{item.column}:type")
    message = (
        f"{item.name} is a datetime (SQLModel 0.0.50 creates timestamptz and refuses naive "
        f"values) but the column is {naive}"
    )
    if spec_type in TIMESTAMPS and spec_type != naive and db is not None:
        column = quote_ident(item.column)
        alter = (
            f"ALTER TABLE {s.target} ALTER COLUMN {column} TYPE timestamp with time zone "
            f"USING {column} AT TIME ZONE 'UTC';"
        )
        return Issue(
            RULES["MOD014"],
            f"{s.name}.{item.column}",
            message + "; the spec says timestamptz",
            sides=["database"],
            ddl=alter,
            **where,
        )
    return Issue(
        RULES["MOD014"],
        f"{s.name}.{item.column}",
        message,
        evidence=f"database: {naive}; model: {item.annotation}",
        sides=["model"],
        advice="annotate NaiveDatetime (the corrected class), or migrate the column to "
        "timestamptz (USING … AT TIME ZONE 'UTC')",
        mechanical=_set(draft, item, naive),
        **where,
    )
