"""Drift of keys and indexes: foreign keys (target, ON DELETE), UNIQUE, plain and expression
indexes, primary keys; the policy is drift.py's (the spec's word, else presence wins, else the
database's value)."""

from __future__ import annotations

from tools.catalog import Index
from tools.review import ddl
from tools.review.records import ModelClass
from tools.review.sides import Sides, difference
from tools.review.views import SIDES, Draft, Issue, Key, Side, same_action


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


def foreign_keys(s: Sides, draft: Draft) -> list[Issue]:
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
                changes: list[str] = ["database"]
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
            issue = difference("MOD026", s, obj, "foreign key", shown, sides=changes, **where)
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
        issue = difference("MOD026", s, obj, "foreign key target", shown, sides=changes, **where)
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
        issue = difference(
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


def keys(s: Sides, draft: Draft, kind: str, code: str, label: str) -> list[Issue]:
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
            if kind == "indexes":
                issues += _method(s, draft, key)
            continue
        shown = {side: "present" if present else "missing" for side, present in have.items()}
        obj = f"{s.name}({', '.join(key)})"
        issue = difference(
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


def _how(index: Index) -> str:
    """An index's access method with its non-default operator classes: `gin (jsonb_path_ops)`."""
    classes = [k.opclass.removeprefix("pg_catalog.") for k in index.keys if k.opclass]
    return index.method + (f" ({', '.join(classes)})" if classes else "")


def _method(s: Sides, draft: Draft, key: Key) -> list[Issue]:
    """An index on the same columns in the model and the database, built another way (#16): a
    btree where the database has GIN, or another operator class. The model follows the database."""
    if s.database is None:
        return []
    model, database = s.model.indexes[key], s.database.indexes[key]
    if _how(model) == _how(database):
        return []
    shown = {"database": _how(database), "model": _how(model)}
    issue = difference(
        "MOD029",
        s,
        f"{s.name}({', '.join(key)})",
        "index access method",
        shown,
        sides=["model"],
        line=s.line(key[0]),
        column=key[0],
        table_args=True,
        aspect=f"{key}:method",
    )
    draft.index(key, like=database)
    return [issue]


def other_indexes(s: Sides, draft: Draft) -> list[Issue]:
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
        issue = difference(
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


def primary_key(s: Sides, draft: Draft) -> list[Issue]:
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
    issue = difference(
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
