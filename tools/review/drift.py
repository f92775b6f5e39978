"""Three-way drift: each model against the spec's entity and the live table, one issue per
difference, naming every side's value and the sides that must change.

Who is right: the spec, where it states the value (the seeds make it authoritative). Without a
spec statement: for presence (a column, key, UNIQUE, index or default one side has) the side
lacking it gets it, so nothing is dropped; for values the database is the fact the model must
describe (types, defaults, FK targets, ON DELETE), except nullability, where NOT NULL wins. A
spec's silence about an index, a UNIQUE or a foreign key is not a statement. The corrected class
takes every value the model must change (`Draft`); the database's changes come as DDL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tools.catalog import Column, Index
from tools.findings import Severity
from tools.naming import qualified
from tools.review import ddl
from tools.review.records import ModelClass
from tools.review.rules import RULES
from tools.review.sqltypes import family, same_type
from tools.review.tables import UNKNOWN
from tools.review.views import SIDES, Draft, Issue, Key, Side, View, column_default, same_action
from tools.spec import Entity, SchemaSpec, SpecColumn


@dataclass
class Sides:
    """The views of one model's table, with the spec's own words for what it states."""

    cls: ModelClass
    model: View
    spec: View | None
    database: View | None
    entity: Entity | None = None
    spec_obj: SchemaSpec | None = None
    claimed: set[str] = field(default_factory=set)  # aspects a checklist rule reports

    @property
    def target(self) -> str:
        """schema.table, quoted for DDL."""
        return qualified(self.model.table.schema_name, self.model.table.name)

    @property
    def name(self) -> str:
        """schema.table as shown in findings."""
        return self.model.table.qualified

    def line(self, column: str | None = None) -> int:
        """The model line of a column's field, else the class line."""
        found = self.cls.field(column) if column else None
        return found.line if found else self.cls.line

    def spec_column(self, column: str) -> SpecColumn | None:
        """The spec's own record of a column, for what it states."""
        return self.entity.column(column) if self.entity else None

    def spec_line(self, column: str | None = None) -> str:
        """`spec line N` of the entity or column, for evidence."""
        if self.entity is None:
            return ""
        found = self.spec_column(column) if column else None
        return f"spec line {found.line if found else self.entity.line}"


def _values(values: dict[Side, str]) -> str:
    return ", ".join(f"{side}: {values[side]}" for side in SIDES if side in values)


def _who(sides: list[Side]) -> str:
    named = " and ".join(f"the {s}" for s in sides)
    return f"{named} should change" if sides else ""


def _issue(code: str, sides_: Sides, obj: str, what: str, values: dict[Side, str], **kw) -> Issue:
    changes: list[Side] = kw.pop("sides")
    message = f"{what} differs ({_values(values)}): {_who(changes)}"
    return Issue(RULES[code], obj, message, sides=changes, mechanical="model" in changes, **kw)


def check_drift(s: Sides, draft: Draft) -> list[Issue]:
    """Every difference between the model's table and the spec's and database's (when given)."""
    issues = _columns(s, draft)
    issues += _foreign_keys(s, draft)
    issues += _keys(s, draft, "uniques", "MOD028", "UNIQUE")
    issues += _keys(s, draft, "indexes", "MOD029", "index")
    issues += _other_indexes(s, draft)
    issues += _primary_key(s, draft)
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
            _issue(
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
    issue = _issue("MOD022", s, obj, "column", values, sides=missing, **where)
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
    issue = _issue(
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
    issue = _issue(
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
    issue = _issue(
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


def _stated_on_delete(s: Sides, key: Key) -> bool:
    if s.entity is None or s.spec_obj is None:
        return False
    if len(key) == 1:
        column = s.entity.column(key[0])
        if column is not None and column.references is not None:
            return column.references.on_delete is not None
    return any(
        c.table == s.entity.name
        and tuple(c.columns) == key
        and c.references is not None
        and c.references.on_delete is not None
        for c in s.spec_obj.constraints
    )


def _foreign_keys(s: Sides, draft: Draft) -> list[Issue]:
    keys = list(s.model.foreign_keys)
    for view in (s.spec, s.database):
        keys += [k for k in (view.foreign_keys if view else {}) if k not in keys]
    issues: list[Issue] = []
    for key in keys:
        model = s.model.foreign_keys.get(key)
        spec = s.spec.foreign_keys.get(key) if s.spec else None
        db = s.database.foreign_keys.get(key) if s.database else None
        obj = f"{s.name}({', '.join(key)})"
        where = dict(line=s.line(key[0]), evidence=s.spec_line(key[0]), column=key[0])
        if not all(c in draft.columns for c in key):
            continue  # the column itself is missing: reported once, as a column
        if model is None or (db is None and s.database is not None):
            wanted = spec or model or db
            assert wanted is not None
            if spec is None and model is not None and db is None:
                changes: list[Side] = ["database"]
            elif spec is None and model is None:
                changes = ["model"]
            else:
                changes = [side for side, fk in (("model", model), ("database", db)) if fk is None]
                changes = [c for c in changes if c == "model" or s.database is not None]
            shown = {
                side: "present" if fk else "missing"
                for side, fk in (("spec", spec), ("database", db), ("model", model))
                if side == "model" or getattr(s, side) is not None
            }
            issue = _issue("MOD026", s, obj, "foreign key", shown, sides=changes, **where)
            if "model" in changes:
                draft.foreign_key(key, wanted)
            if "database" in changes:
                issue.ddl = ddl.add_foreign_key(s.target, wanted)
            issues.append(issue)
            if model is None:
                continue
        authority = spec or db
        if authority is None or model is None:
            continue
        issues += _fk_values(s, draft, key, model, spec, db, obj, where)
    return issues


def _fk_values(s, draft, key, model, spec, db, obj, where) -> list[Issue]:
    """Target and ON DELETE of a foreign key the model and another side both have."""
    issues = []
    fks = {side: fk for side, fk in (("spec", spec), ("database", db), ("model", model)) if fk}
    authority = spec or db

    def target(fk) -> str:
        return f"{fk.ref_table}({', '.join(fk.ref_columns)})"

    changes = [side for side, fk in fks.items() if target(fk) != target(authority)]
    if changes:
        shown = {side: target(fk) for side, fk in fks.items()}
        issue = _issue("MOD026", s, obj, "foreign key target", shown, sides=changes, **where)
        if "model" in changes:
            draft.foreign_key(key, authority.model_copy(update={"on_delete": model.on_delete}))
        if "database" in changes and db is not None:
            issue.ddl = ddl.add_foreign_key(s.target, authority, replaces=db.name)
        issues.append(issue)
    actions = {side: fk.on_delete for side, fk in fks.items()}
    explicit = explicit_ondelete(s.cls, key)
    if spec is not None and not _stated_on_delete(s, key):
        actions.pop("spec")
        authority = db or model
    wanted = authority.on_delete
    changes = [
        side
        for side, action in actions.items()
        if not same_action(action, wanted, bool(db and db.deferrable))
    ]
    if changes and len(actions) > 1:
        issue = _issue(
            "MOD027",
            s,
            obj,
            "ON DELETE",
            {**actions, "model": actions["model"] if explicit else f"none ({actions['model']})"},
            sides=changes,
            aspect=f"{key}:ondelete",
            **where,
        )
        if "model" in changes:
            current = draft.foreign_keys.get(key, model)
            draft.foreign_key(key, current.model_copy(update={"on_delete": wanted}))
        if "database" in changes and db is not None:
            fixed = db.model_copy(update={"on_delete": wanted})
            issue.ddl = ddl.add_foreign_key(s.target, fixed, replaces=db.name)
        issues.append(issue)
    return issues


def _keys(s: Sides, draft: Draft, kind: str, code: str, label: str) -> list[Issue]:
    """UNIQUE keys or plain indexes on some sides only (the side lacking one gets it)."""
    views = {side: getattr(s, side) for side in SIDES if getattr(s, side) is not None}
    keys: list[Key] = []
    for view in views.values():
        keys += [k for k in getattr(view, kind) if k not in keys]
    issues = []
    for key in keys:
        if f"{key}:{kind}" in s.claimed or not all(c in draft.columns for c in key):
            continue
        have = {side: key in getattr(view, kind) for side, view in views.items()}
        if "spec" in have and not have["spec"]:
            del have["spec"]  # a spec's silence about an index or UNIQUE is no statement
        changes = [side for side, present in have.items() if not present]
        if not changes:
            continue
        shown = {side: "present" if present else "missing" for side, present in have.items()}
        obj = f"{s.name}({', '.join(key)})"
        issue = _issue(
            code,
            s,
            obj,
            label,
            shown,
            sides=changes,
            line=s.line(key[0]),
            column=key[0],
            table_args=len(key) > 1,
            aspect=f"{key}:{kind}",
        )
        source = next(v for side, v in views.items() if have.get(side))
        if kind == "uniques":
            if "model" in changes:
                draft.unique(key)
            if "database" in changes:
                issue.ddl = ddl.add_unique(s.target, source.uniques[key], key)
        else:
            index: Index = source.indexes[key]
            if "model" in changes:
                draft.index(key, like=index if source.side == "database" else None)
            if "database" in changes:
                issue.ddl = ddl.create_index(s.target, index)
        issues.append(issue)
    return issues


def _other_indexes(s: Sides, draft: Draft) -> list[Issue]:
    """Expression and partial indexes, matched by name between the model and the database."""
    if s.database is None:
        return []
    issues = []
    for name in sorted(set(s.model.others) ^ set(s.database.others)):
        in_model = name in s.model.others
        index = s.model.others.get(name) or s.database.others[name]
        changes: list[Side] = ["database"] if in_model else ["model"]
        shown = {"database": "missing" if in_model else "present"}
        shown["model"] = "present" if in_model else "missing"
        issue = _issue(
            "MOD029",
            s,
            f"{s.name}.{name}",
            "index",
            shown,
            sides=changes,
            line=s.cls.line,
            table_args=True,
            evidence=index.definition,
        )
        if in_model:
            issue.ddl = ddl.create_index(s.target, index)
        else:
            draft.index(tuple(index.columns), like=index)
        issues.append(issue)
    return issues


def _primary_key(s: Sides, draft: Draft) -> list[Issue]:
    keys = {
        side: view.primary_key
        for side, view in (("spec", s.spec), ("database", s.database), ("model", s.model))
        if view is not None and view.primary_key
    }
    if "model" not in keys or len(set(keys.values())) < 2:
        return []  # no key at all is MOD001's
    authority = keys.get("spec") or keys["database"]
    changes = [side for side, key in keys.items() if key != authority]
    shown = {side: f"({', '.join(key)})" for side, key in keys.items()}
    issue = _issue(
        "MOD030",
        s,
        s.name,
        "primary key",
        shown,
        sides=changes,
        line=s.cls.line,
        evidence=s.spec_line(),
    )
    if "model" in changes and all(c in draft.columns for c in authority):
        draft.primary_key = list(authority)
        draft.changed = True
    else:
        issue.mechanical = False
    if "database" in changes:
        issue.advice = "the database's primary key differs: change it with a reviewed migration"
    return [issue]


def explicit_ondelete(cls: ModelClass, key: Key) -> bool:
    """Whether the model states ON DELETE for the foreign key on these columns."""
    if len(key) == 1:
        found = cls.field(key[0])
        if found is not None and found.foreign_key:
            return found.ondelete is not None
    return any(
        c.kind == "foreign key" and tuple(c.columns) == key and c.ondelete is not None
        for c in cls.constraints
    )
