"""The architect's checklist on one table class (MOD001 to MOD015), as issues with their fixes.

Three rules are more precise readings of a type difference (JSON vs JSONB, an enum kept as text,
a `datetime` on a naive timestamp) and run before drift, claiming the column's type; the tenant
column's absence does the same for the column. The rest run after drift on the corrected draft,
so a fix drift already makes (an index the database has) is not reported twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tools.catalog import Column, Table
from tools.naming import quote_ident
from tools.review import ddl
from tools.review.drift import Sides, explicit_ondelete
from tools.review.records import ModelClass, ModelField, ModelRelationship
from tools.review.rules import RULES
from tools.review.sqltypes import TIMESTAMPS, family
from tools.review.views import Draft, Issue, Key

CREATED = ("created_at", "createdat", "created", "inserted_at", "created_on", "creation_date")
UPDATED = ("updated_at", "updatedat", "updated", "modified_at", "updated_on", "last_modified")
COMMENT_CHOICES = re.compile(r"^\s*(\w+)(\s*[,|/]\s*\w+)+\s*$")


@dataclass
class Context:
    """What one class's checks need to know about the others and the tenancy."""

    classes: dict[str, list[ModelClass]]  # every table class read, by class name
    tables: dict[int, Table]  # model tables by id() of their class
    tenant_column: str | None = None
    tenant_root: str | None = None
    tenant_source: str = ""  # where the tenant column came from
    shared: set[str] = field(default_factory=set)
    owned: set[str] = field(default_factory=set)  # tables that carry the tenant column


def find_class(ctx: Context, name: str, near: ModelClass) -> ModelClass | None:
    """The class of that name nearest to `near`: in its file, then its folder, then any."""
    found = ctx.classes.get(name, [])
    folder = near.file.rpartition("/")[0]
    same_file = [c for c in found if c.file == near.file]
    same_folder = [c for c in found if c.file.rpartition("/")[0] == folder]
    return (same_file or same_folder or found or [None])[0]


def _claim(s: Sides, issue: Issue) -> Issue:
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
            issues.append(_claim(s, found))
    return issues


def _json(s: Sides, draft: Draft, item: ModelField, db, spec) -> Issue | None:
    if item.pg_type != "json":
        return None
    other = next((c for c in (db, spec) if c is not None and c.type == "jsonb"), None)
    where = dict(line=item.line, column=item.column, aspect=f"{item.column}:type")
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
    where = dict(line=item.line, column=item.column, aspect=f"{item.column}:type")
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
    where = dict(line=item.line, column=item.column, aspect=f"{item.column}:type")
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


def check_tenant_presence(s: Sides, draft: Draft, ctx: Context) -> list[Issue]:
    """MOD006 (before drift): a tenant-owned table whose model lacks the tenant column."""
    tenant = ctx.tenant_column
    table = s.model.table.name
    if not tenant or tenant in s.model.columns or table in ctx.shared or table == ctx.tenant_root:
        return []
    obj = f"{s.name}.{tenant}"
    for side, view in (("spec", s.spec), ("database", s.database)):
        if view is not None and tenant in view.columns:
            draft.add_column(view.columns[tenant])
            issue = Issue(
                RULES["MOD006"],
                obj,
                f"{table} is tenant-owned (the {side} has {tenant}) but the model has no {tenant}",
                line=s.cls.line,
                sides=["model"],
                mechanical=True,
                column=tenant,
                aspect=f"{tenant}:exists",
            )
            if s.database is not None and tenant not in s.database.columns:
                issue.sides.append("database")
                issue.ddl = ddl.add_column(s.target, view.columns[tenant])
            return [_claim(s, issue)]
    owners = sorted(
        fk.ref_table
        for fk in s.model.table.foreign_keys
        if fk.ref_table in ctx.owned and fk.ref_table != ctx.tenant_root
    )
    if not owners:
        return []
    return [
        Issue(
            RULES["MOD006"],
            obj,
            f"{table} references tenant-owned {', '.join(owners)} but has no {tenant}: isolating "
            "it takes a join in every query and policy",
            line=s.cls.line,
            severity="warning",
            sides=["model"],
            column=tenant,
            advice=f"{tenant}: <type of {ctx.tenant_root or 'the tenant key'}> = "
            f'Field(foreign_key="{ctx.tenant_root or "tenants"}.id", ondelete="RESTRICT", '
            "index=True)",
            aspect=f"{tenant}:exists",
        )
    ]


def check_after_drift(s: Sides, draft: Draft, ctx: Context) -> list[Issue]:
    """The checklist rules judged on the draft once drift has corrected it."""
    issues = _primary_key(s, draft)
    issues += _tenant(s, draft, ctx)
    issues += _foreign_keys(s, draft)
    issues += _timestamps(s, draft)
    issues += _optional(s)
    issues += _relationships(s, ctx)
    return issues


def _primary_key(s: Sides, draft: Draft) -> list[Issue]:
    if s.model.primary_key:
        return []
    authority = next(
        (v.primary_key for v in (s.spec, s.database) if v is not None and v.primary_key), ()
    )
    issue = Issue(
        RULES["MOD001"],
        s.name,
        f"{s.cls.name} has no primary key: SQLModel refuses the table",
        line=s.cls.line,
        sides=["model"],
        mechanical=True,
    )
    if authority and all(c in draft.columns for c in authority):
        draft.primary_key = list(authority)
        issue.column = authority[0]
    elif "id" in draft.columns:
        draft.primary_key = ["id"]
        draft.column("id", nullable=False)
        issue.column = "id"
    else:
        default = f"nextval('{s.model.table.name}_id_seq'::regclass)"
        draft.add_column(Column(name="id", type="bigint", nullable=False, default=default), True)
        draft.primary_key = ["id"]
        issue.column = "id"
        if s.database is not None:
            issue.sides.append("database")
            issue.ddl = (
                f"ALTER TABLE {s.target} ADD COLUMN id bigint "
                "GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY;"
            )
    draft.changed = True
    return [issue]


def _leads(draft: Draft, key: Key) -> bool:
    keys = [tuple(draft.primary_key), *draft.uniques, *draft.indexes]
    return any(k[: len(key)] == key for k in keys if k)


def _tenant(s: Sides, draft: Draft, ctx: Context) -> list[Issue]:
    tenant = ctx.tenant_column
    table = s.model.table.name
    if not tenant or tenant not in s.model.columns or table == ctx.tenant_root:
        return []
    issues = []
    obj = f"{s.name}.{tenant}"
    column = s.model.columns[tenant]
    spec_column = s.spec_column(tenant)
    if column.nullable and f"{tenant}:null" not in s.claimed and table not in ctx.shared:
        stated = (
            spec_column is not None and "nullable" in spec_column.stated and spec_column.nullable
        )
        issue = Issue(
            RULES["MOD007"],
            obj,
            f"{tenant} is nullable: a row without a tenant is visible to no tenant, or to all",
            line=s.line(tenant),
            column=tenant,
            sides=["model"],
            mechanical=not stated,
        )
        if stated:
            issue.sides = ["spec", "model"]
            issue.advice = f"the spec says {tenant} is nullable: make it NOT NULL there first"
        else:
            draft.column(tenant, nullable=False)
        db = s.database.columns.get(tenant) if s.database else None
        if db is not None and db.nullable:
            issue.sides.append("database")
            issue.ddl = ddl.alter_null(s.target, tenant, False)
        issues.append(issue)
    if not _leads(draft, (tenant,)):
        draft.index((tenant,))
        index = draft.indexes[(tenant,)]
        issue = Issue(
            RULES["MOD008"],
            obj,
            f"no index of {table} leads with {tenant}: every tenant's query scans the table",
            line=s.line(tenant),
            column=tenant,
            sides=["model"],
            mechanical=True,
            table_args=True,
        )
        if s.database is not None:
            issue.sides.append("database")
            issue.ddl = ddl.create_index(s.target, index)
        issues.append(issue)
    return issues


def _foreign_keys(s: Sides, draft: Draft) -> list[Issue]:
    issues = []
    for key, fk in list(draft.foreign_keys.items()):
        obj = f"{s.name}({', '.join(key)})"
        model_fk = s.model.foreign_keys.get(key)
        explicit = explicit_ondelete(s.cls, key)
        if model_fk is not None and not explicit and f"{key}:ondelete" not in s.claimed:
            wanted = fk.on_delete if fk.on_delete != "NO ACTION" else "RESTRICT"
            draft.foreign_key(key, fk.model_copy(update={"on_delete": wanted}))
            issues.append(
                Issue(
                    RULES["MOD002"],
                    obj,
                    f"foreign key ({', '.join(key)}) → {fk.ref_table} has no ondelete: deleting "
                    f"a {fk.ref_table} row fails while rows point at it; "
                    f'ondelete="{wanted}" says so (CASCADE would delete these rows with it, '
                    "SET NULL would clear the key)",
                    line=s.line(key[0]),
                    column=key[0],
                    sides=["model"],
                    mechanical=True,
                )
            )
        if not _leads(draft, key):
            draft.index(key)
            index = draft.indexes[key]
            issue = Issue(
                RULES["MOD003"],
                obj,
                f"no index leads with ({', '.join(key)}): deletes in {fk.ref_table} and joins "
                "scan the table",
                line=s.line(key[0]),
                column=key[0],
                sides=["model"],
                mechanical=True,
                table_args=True,
            )
            if s.database is not None:
                issue.sides.append("database")
                issue.ddl = ddl.create_index(s.target, index)
            issues.append(issue)
    return issues


def _timestamps(s: Sides, draft: Draft) -> list[Issue]:
    pk = tuple(draft.primary_key)
    fk_columns = {c for key in draft.foreign_keys for c in key}
    if pk and all(c in fk_columns for c in pk):
        return []  # a link table: its rows are the relationship itself
    names = {n.lower().replace("_", "") for n in draft.columns}
    issues = []
    for wanted, variants in (("created_at", CREATED), ("updated_at", UPDATED)):
        if any(v.replace("_", "") in names for v in variants) or f"{wanted}:exists" in s.claimed:
            continue
        mechanical = s.entity is None
        issue = Issue(
            RULES["MOD009"],
            f"{s.name}.{wanted}",
            f"{s.cls.name} has no {wanted}: the checklist wants both timestamps",
            line=s.cls.line,
            column=wanted,
            sides=["model"],
            mechanical=mechanical,
        )
        column = Column(
            name=wanted, type="timestamp with time zone", nullable=False, default="now()"
        )
        if not mechanical:  # the spec decides first; the model and the database follow it
            issue.sides = ["spec", "model"]
            issue.advice = f"add {wanted} timestamptz NOT NULL DEFAULT now() to the spec, then here"
        else:
            draft.add_column(column)
            if s.database is not None:
                issue.sides.append("database")
                issue.ddl = ddl.add_column(s.target, column)
        issues.append(issue)
    return issues


def _optional(s: Sides) -> list[Issue]:
    issues = []
    for item in s.cls.fields:
        if item.primary_key or f"{item.column}:null" in s.claimed or not item.nullable_given:
            continue
        server_set = item.server_default is not None or item.default_factory is not None
        if item.optional and not item.nullable and not server_set:
            message = (
                f"{item.name} is {item.annotation} but nullable=False: None passes validation "
                "and the INSERT fails"
            )
        elif not item.optional and item.nullable:
            message = (
                f"{item.name} is {item.annotation} (never None) but nullable=True: rows read "
                "back may hold None"
            )
        else:
            continue
        issues.append(
            Issue(
                RULES["MOD010"],
                f"{s.name}.{item.column}",
                message,
                line=item.line,
                column=item.column,
                sides=["model"],
                mechanical=True,
            )
        )
    return issues


def _relationships(s: Sides, ctx: Context) -> list[Issue]:
    issues = []
    cls = s.cls
    for rel in cls.relationships:
        target = find_class(ctx, rel.target, cls)
        obj = f"{cls.name}.{rel.name}"
        if target is None:
            continue
        issues += _partner(cls, rel, target, obj)
        if not rel.link_model and not rel.explicit_join and not _joined(cls, target, ctx):
            issues.append(
                Issue(
                    RULES["MOD015"],
                    obj,
                    f"{cls.name}.{rel.name} → {target.name}: no foreign key joins "
                    f"{cls.table} and {target.table}, so SQLAlchemy cannot build the join",
                    line=rel.line,
                    sides=["model"],
                    advice="add the foreign key field on the many side, or link_model= for a "
                    "many-to-many",
                )
            )
    if cls.future_annotations and cls.relationships:
        first = min(
            (
                c
                for group in ctx.classes.values()
                for c in group
                if c.file == cls.file and c.relationships
            ),
            key=lambda c: c.line,
        )
        if first is cls:
            issues.append(
                Issue(
                    RULES["MOD013"],
                    cls.file,
                    f"{cls.file} has `from __future__ import annotations` and relationships: "
                    'SQLModel cannot resolve list["…"] annotations made strings',
                    line=cls.future_annotations,
                    sides=["model"],
                    advice=f"delete line {cls.future_annotations}; quote forward references "
                    'instead (list["Task"])',
                )
            )
    return issues


def _partner(cls: ModelClass, rel: ModelRelationship, target: ModelClass, obj: str) -> list[Issue]:
    if not rel.back_populates:
        return []
    partner = target.relationship(rel.back_populates)
    if partner is None:
        shape = f'"{cls.name}" | None' if rel.is_list else f'list["{cls.name}"]'
        code = f'{rel.back_populates}: {shape} = Relationship(back_populates="{rel.name}")'
        column = " (it is a column field)" if target.field(rel.back_populates) else ""
        return [
            Issue(
                RULES["MOD004"],
                obj,
                f"{obj} back_populates {rel.back_populates!r}, which {target.name} does not "
                f"have as a Relationship{column}",
                line=rel.line,
                sides=["model"],
                advice=f"in class {target.name}: {code}",
            )
        ]
    problems = []
    if partner.back_populates != rel.name:
        problems.append(
            f"{target.name}.{partner.name} back_populates {partner.back_populates!r}, "
            f"not {rel.name!r}"
        )
    if partner.target and partner.target != cls.name:
        problems.append(f"{target.name}.{partner.name} points at {partner.target}, not {cls.name}")
    first = (cls.name, rel.name) <= (target.name, partner.name)
    if first and rel.is_list and partner.is_list and not (rel.link_model or partner.link_model):
        problems.append("both sides are lists: a many-to-many needs link_model=")
    if first and (rel.link_model or partner.link_model) and rel.link_model != partner.link_model:
        problems.append(f"link models differ: {rel.link_model} and {partner.link_model}")
    if not problems:
        return []
    return [
        Issue(
            RULES["MOD005"],
            obj,
            f"{obj} and {target.name}.{partner.name} disagree: " + "; ".join(problems),
            line=rel.line,
            sides=["model"],
            advice=f'{target.name}.{partner.name} = Relationship(back_populates="{rel.name}")',
        )
    ]


def _joined(cls: ModelClass, target: ModelClass, ctx: Context) -> bool:
    """Whether a foreign key runs between the two classes' tables, either way."""
    mine, theirs = ctx.tables.get(id(cls)), ctx.tables.get(id(target))
    if mine is None or theirs is None:
        return True  # not readable: no claim
    return any(fk.ref_table == theirs.name for fk in mine.foreign_keys) or any(
        fk.ref_table == mine.name for fk in theirs.foreign_keys
    )
