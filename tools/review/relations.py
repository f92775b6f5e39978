"""Relationship rules (MOD004, MOD005, MOD013, MOD015): partners that exist and agree, a
foreign key to join on, and no postponed annotations where SQLModel must resolve them."""

from __future__ import annotations

from tools.review.checks_context import Context, find_class
from tools.review.records import ModelClass, ModelRelationship
from tools.review.rules import RULES
from tools.review.sides import Sides
from tools.review.views import Issue


def check_relationships(s: Sides, ctx: Context) -> list[Issue]:
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
