"""Three-way drift: each model against the spec's entity and the live table, one issue per
difference, naming every side's value and the sides that must change (columns here, keys and
indexes in `keys`).

Who is right: the spec, where it states the value (the seeds make it authoritative). Without a
spec statement: for presence (a column, key, UNIQUE, index or default one side has) the side
lacking it gets it, so nothing is dropped; for values the database is the fact the model must
describe (types, defaults, FK targets, ON DELETE), except nullability, where NOT NULL wins. A
spec's silence about an index, a UNIQUE or a foreign key is not a statement. The corrected class
takes every value the model must change (`Draft`); the database's changes come as DDL.
"""

from __future__ import annotations

from tools.catalog import Column
from tools.findings import Severity
from tools.review import ddl
from tools.review.keys import foreign_keys, keys, other_indexes, primary_key
from tools.review.sides import Sides, difference
from tools.review.sqltypes import family, same_type
from tools.review.tables import UNKNOWN
from tools.review.views import SIDES, Draft, Issue, Side, column_default


def check_drift(s: Sides, draft: Draft) -> list[Issue]:
    """Every difference between the model's table and the spec's and database's (when given)."""
    issues = _columns(s, draft)
    issues += foreign_keys(s, draft)
    issues += keys(s, draft, "uniques", "MOD028", "UNIQUE")
    issues += keys(s, draft, "indexes", "MOD029", "index")
    issues += other_indexes(s, draft)
    issues += primary_key(s, draft)
    return issues


def _columns(s: Sides, draft: Draft) -> list[Issue]:
    names = list(s.model.columns)
    for view in (s.spec, s.database):
        names += [n for n in (view.columns if view else {}) if n not in names]
    issues: list[Issue] = []
    for name in names:
        issues += _presence(s, draft, name)
        if name in s.model.columns:
            issues += _type(s, draft, name) + _nullable(s, draft, name) + _default(s, draft, name)
    return issues


def _presence(s: Sides, draft: Draft, name: str) -> list[Issue]:
    """A column on some sides only."""
    model = s.model.columns.get(name)
    spec = s.spec.columns.get(name) if s.spec else None
    db = s.database.columns.get(name) if s.database else None
    obj = f"{s.name}.{name}"
    have = {"spec": spec, "database": db, "model": model}
    present = [side for side in SIDES if have[side] is not None]
    compared = [side for side in SIDES if side == "model" or getattr(s, side) is not None]
    missing = [side for side in compared if side not in present]
    if not missing or f"{name}:exists" in s.claimed:
        return []
    values = {side: "present" if side in present else "missing" for side in compared}
    where = dict(line=s.line(name), evidence=s.spec_line(name), column=name)
    where["aspect"] = f"{name}:exists"
    if s.spec is not None and spec is None:
        # The spec is silent about a column others have: the spec edit is the way, never a drop.
        advice = f"add {name} to the spec's {s.model.table.name} entity, or remove it everywhere"
        spec_side: list[Side] = ["spec"]
        return [
            difference(
                "MOD022",
                s,
                obj,
                "column",
                values,
                sides=spec_side,
                advice=advice,
                severity="warning",
                **where,
            )
        ]
    source = spec or db or model
    assert source is not None
    issue = difference("MOD022", s, obj, "column", values, sides=missing, **where)
    if "model" in missing:
        draft.add_column(source)
    if "database" in missing:
        issue.ddl = ddl.add_column(s.target, spec or model or source)
    return [issue]


def _type_text(s: Sides, side: Side, column: Column) -> str:
    if side == "model":
        found = s.cls.field(column.name)
        return f"{found.annotation} ({column.type})" if found else column.type
    return column.type + (" (enum)" if column.enum else "")


def _type(s: Sides, draft: Draft, name: str) -> list[Issue]:
    if f"{name}:type" in s.claimed:
        return []
    columns: dict[Side, Column] = {}
    if s.model.columns[name].type != UNKNOWN:
        columns["model"] = s.model.columns[name]
    spec_column = s.spec_column(name)
    if s.spec and name in s.spec.columns and not (spec_column and spec_column.type_guessed):
        columns["spec"] = s.spec.columns[name]
    if s.database and name in s.database.columns:
        columns["database"] = s.database.columns[name]
    if "model" not in columns or len(columns) < 2:
        return []
    authority = columns.get("spec") or columns["database"]
    changes = [side for side, c in columns.items() if not _same_type(c, authority)]
    if not changes:
        return []
    wide = {family(c.type) for c in columns.values()}
    severity: Severity = "warning" if len(wide) == 1 else "error"
    values = {side: _type_text(s, side, c) for side, c in columns.items()}
    issue = difference(
        "MOD023",
        s,
        f"{s.name}.{name}",
        "type",
        values,
        sides=changes,
        line=s.line(name),
        evidence=s.spec_line(name),
        column=name,
        severity=severity,
        aspect=f"{name}:type",
    )
    if "model" in changes:
        draft.column(name, type=authority.type, enum=authority.enum, is_array=authority.is_array)
    if "database" in changes:
        issue.ddl = ddl.alter_type(s.target, name, authority.type)
    return [issue]


def _same_type(left: Column, right: Column) -> bool:
    if left.enum or right.enum:
        return (left.enum or "").split(".")[-1] == (right.enum or "").split(".")[-1] or (
            left.type.split(".")[-1] == right.type.split(".")[-1]
        )
    return same_type(left.type, right.type)


def _nullable(s: Sides, draft: Draft, name: str) -> list[Issue]:
    if f"{name}:null" in s.claimed or name in s.model.primary_key:
        return []
    values: dict[Side, bool] = {"model": s.model.columns[name].nullable}
    spec_column = s.spec_column(name)
    stated = spec_column is not None and (
        "nullable" in spec_column.stated or spec_column.primary_key
    )
    if s.spec and name in s.spec.columns and stated:
        values["spec"] = s.spec.columns[name].nullable
    if s.database and name in s.database.columns:
        values["database"] = s.database.columns[name].nullable
    if len(set(values.values())) < 2:
        return []
    target = values.get("spec", False)  # the spec's word, else NOT NULL wins
    changes = [side for side, v in values.items() if v != target]
    shown = {side: "nullable" if v else "NOT NULL" for side, v in values.items()}
    issue = difference(
        "MOD024",
        s,
        f"{s.name}.{name}",
        "nullability",
        shown,
        sides=changes,
        line=s.line(name),
        evidence=s.spec_line(name),
        column=name,
        aspect=f"{name}:null",
    )
    if "model" in changes:
        draft.column(name, nullable=target)
    if "database" in changes:
        issue.ddl = ddl.alter_null(s.target, name, target)
    return [issue]


def _default(s: Sides, draft: Draft, name: str) -> list[Issue]:
    model = s.model.columns[name]
    columns: dict[Side, Column] = {"model": model}
    spec_column = s.spec_column(name)
    stated = spec_column is not None and (
        spec_column.default is not None or spec_column.auto_increment or spec_column.identity
    )
    if s.spec and name in s.spec.columns and stated:
        columns["spec"] = s.spec.columns[name]
    if s.database and name in s.database.columns:
        columns["database"] = s.database.columns[name]
    normal = {side: column_default(c) for side, c in columns.items()}
    if len(columns) < 2 or len(set(normal.values())) < 2:
        return []
    if "spec" in columns:
        authority = columns["spec"]
    elif normal["database"] is None or normal["model"] is None:
        authority = columns["database"] if normal["model"] is None else model  # presence wins
    else:
        authority = columns["database"]
    target = column_default(authority)
    changes = [side for side, value in normal.items() if value != target]
    shown = {
        side: c.default or ("identity" if c.identity else "none") for side, c in columns.items()
    }
    field_ = s.cls.field(name)
    app_side = field_ is not None and (
        field_.default_factory or field_.default not in (None, "None")
    )
    severity: Severity = "info" if app_side and changes == ["model"] else "warning"
    issue = difference(
        "MOD025",
        s,
        f"{s.name}.{name}",
        "server default",
        shown,
        sides=changes,
        line=s.line(name),
        evidence=s.spec_line(name),
        column=name,
        severity=severity,
        aspect=f"{name}:default",
    )
    if "model" in changes:
        draft.column(name, default=authority.default, identity=authority.identity)
    if "database" in changes:
        issue.ddl = ddl.alter_default(s.target, authority)
    return [issue]
