"""`Relationship()` attributes for every foreign key between generated classes.

Each FK gets both sides with `back_populates`: the many-to-one side named after the FK column
(`assignee_id` → `assignee`), the one-to-many side after the child table (`tasks`), or
`<column>_<table>` when several FKs join the same two tables (then both sides name
`foreign_keys`). A pure link table (its primary key is exactly two FKs) becomes many-to-many
with `link_model` on both ends. Self-references get `remote_side`; `cascade_delete` mirrors
ON DELETE CASCADE.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from tools.catalog.models import ForeignKey, Table
from tools.codegen.format import Call, Expr, Mapping, Str
from tools.codegen.names import plural, relation_name, singular, snake

RelKind = Literal["many-to-one", "one-to-many", "many-to-many"]


@dataclass
class Rel:
    """One relationship attribute of a class."""

    name: str
    target: str  # class name
    kind: RelKind
    many: bool
    back_populates: str = ""
    link_model: str | None = None
    cascade_delete: bool = False
    sa_kwargs: list[tuple[str, str]] = field(default_factory=list)

    def call(self) -> Call:
        """`Relationship(back_populates=…, …)`."""
        kwargs: list[tuple[str, Expr]] = [("back_populates", Str(self.back_populates))]
        if self.cascade_delete:
            kwargs.append(("cascade_delete", "True"))
        if self.link_model:
            kwargs.append(("link_model", self.link_model))
        if self.sa_kwargs:
            kwargs.append(
                ("sa_relationship_kwargs", Mapping([(Str(k), Str(v)) for k, v in self.sa_kwargs]))
            )
        return Call("Relationship", [], kwargs)


@dataclass
class Plan:
    """Inputs: the generated tables, their class names and each column's attribute."""

    tables: list[Table]
    classes: dict[str, str]  # table name → class name
    attrs: dict[str, dict[str, str]]  # table name → column → attribute
    taken: dict[str, set[str]]  # table name → attribute names in use
    reserved: set[str]
    rels: dict[str, list[Rel]] = field(default_factory=dict)

    def add(self, table: str, rel: Rel) -> None:
        self.rels.setdefault(table, []).append(rel)


def link_tables(tables: list[Table], schema: str) -> dict[str, tuple[ForeignKey, ForeignKey]]:
    """Pure link tables: two single-column FKs to two other generated tables forming the PK."""
    names = {t.name for t in tables}
    found: dict[str, tuple[ForeignKey, ForeignKey]] = {}
    for table in tables:
        fks = table.foreign_keys
        if len(fks) != 2 or table.primary_key is None:
            continue
        targets = {fk.ref_table for fk in fks}
        if (
            all(len(fk.columns) == 1 and fk.ref_schema == schema for fk in fks)
            and targets <= names
            and len(targets) == 2
            and table.name not in targets
            and set(table.primary_key.columns) == {fk.columns[0] for fk in fks}
            and all(
                c.nullable or c.default is not None or c.name in table.primary_key.columns
                for c in table.columns
            )
        ):
            found[table.name] = (fks[0], fks[1])
    return found


def plan_relationships(plan: Plan, schema: str) -> dict[str, list[Rel]]:
    """Relationship attributes per table name, both sides of every FK inside the selection."""
    names = {t.name for t in plan.tables}
    links = link_tables(plan.tables, schema)
    pairs = Counter(
        frozenset((t.name, fk.ref_table))
        for t in plan.tables
        for fk in t.foreign_keys
        if fk.ref_schema == schema and fk.ref_table in names
    )
    for table in plan.tables:
        if table.name in links:
            continue
        made = []
        for fk in table.foreign_keys:
            if fk.ref_schema == schema and fk.ref_table in names:
                ambiguous = pairs[frozenset((table.name, fk.ref_table))] > 1
                made.append((fk, *_one_to_many(plan, table, fk, ambiguous)))
        _mark_overlaps(made)
    for link, (left, right) in links.items():
        _many_to_many(plan, link, left, right)
    return plan.rels


def _one_to_many(plan: Plan, child: Table, fk: ForeignKey, ambiguous: bool) -> tuple[Rel, Rel]:
    parent = fk.ref_table
    child_cls, parent_cls = plan.classes[child.name], plan.classes[parent]
    column = fk.columns[0]
    if len(fk.columns) == 1 and column.endswith("_id") and len(column) > 3:
        wanted = column[:-3]
    else:
        wanted = snake(singular(parent))
    many_to_one = relation_name(wanted, plan.taken[child.name], plan.reserved)
    if child.name == parent:
        wanted_list = (
            "children" if many_to_one == "parent" else f"{many_to_one}_{plural(snake(child.name))}"
        )
    elif ambiguous:
        wanted_list = f"{many_to_one}_{plural(snake(child.name))}"
    else:
        wanted_list = plural(snake(child.name))
    one_to_many = relation_name(wanted_list, plan.taken[parent], plan.reserved)
    child_attrs = plan.attrs[child.name]
    keys = _attr_list(child_cls, [child_attrs[c] for c in fk.columns])
    child_kwargs: list[tuple[str, str]] = []
    parent_kwargs: list[tuple[str, str]] = []
    if child.name == parent:
        remote = [plan.attrs[parent][c] for c in fk.ref_columns]
        child_kwargs.append(("remote_side", _attr_list(parent_cls, remote)))
    if ambiguous:
        child_kwargs.append(("foreign_keys", keys))
        parent_kwargs.append(("foreign_keys", keys))
    child_rel = Rel(
        many_to_one, parent_cls, "many-to-one", False, one_to_many, sa_kwargs=child_kwargs
    )
    parent_rel = Rel(
        one_to_many,
        child_cls,
        "one-to-many",
        True,
        many_to_one,
        cascade_delete=fk.on_delete == "CASCADE",
        sa_kwargs=parent_kwargs,
    )
    plan.add(child.name, child_rel)
    plan.add(parent, parent_rel)
    return child_rel, parent_rel


def _mark_overlaps(made: list[tuple[ForeignKey, Rel, Rel]]) -> None:
    """FKs sharing a column (a tenant-scoped composite FK next to the tenant FK) write the same
    column through two relationships: name each other in `overlaps`, as SQLAlchemy asks."""
    for fk, child_rel, parent_rel in made:
        others = [
            (other_child, other_parent)
            for other, other_child, other_parent in made
            if other is not fk and set(other.columns) & set(fk.columns)
        ]
        if others:
            names = sorted({n for c, p in others for n in (c.name, p.name)})
            for rel in (child_rel, parent_rel):
                rel.sa_kwargs.append(("overlaps", ",".join(names)))


def _many_to_many(plan: Plan, link: str, left: ForeignKey, right: ForeignKey) -> None:
    link_cls = plan.classes[link]
    left_table, right_table = left.ref_table, right.ref_table
    on_left = relation_name(plural(snake(right_table)), plan.taken[left_table], plan.reserved)
    on_right = relation_name(plural(snake(left_table)), plan.taken[right_table], plan.reserved)
    plan.add(
        left_table,
        Rel(on_left, plan.classes[right_table], "many-to-many", True, on_right, link_cls),
    )
    plan.add(
        right_table,
        Rel(on_right, plan.classes[left_table], "many-to-many", True, on_left, link_cls),
    )


def _attr_list(class_name: str, attrs: list[str]) -> str:
    inner = ", ".join(f"{class_name}.{a}" for a in attrs)
    return f"[{inner}]"
