"""The three sides of a review as comparable views, the issues found, and the corrected draft.

A `View` is one side's table (the model's, the spec's or the database's) keyed for comparison:
columns by name, foreign keys, unique keys and plain indexes by their column tuples. An `Issue`
is a finding before it is rendered: which sides must change, the database DDL, and whether the
corrected class applies it. The `Draft` is the model's table as the review would correct it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from tools.catalog import Column, ForeignKey, Index, Table
from tools.findings import Rule, Severity
from tools.naming import default_name, normalize_type

Side = Literal["model", "spec", "database"]
SIDES: tuple[Side, ...] = ("spec", "database", "model")
Key = tuple[str, ...]


def normalize_default(default: str | None) -> str | None:
    """A default without casts or case: 'x'::text → 'x'; serial and identity are `<auto>`."""
    if default is None:
        return None
    text = re.sub(r"::(\"[^\"]+\"|[\w. ]+(\(\d+(,\d+)?\))?)(\[\])?", "", default.strip())
    text = re.sub(r"^\((.*)\)$", r"\1", text).strip()
    low = text.lower()
    if low in ("current_timestamp", "now()", "pg_catalog.now()", "transaction_timestamp()"):
        return "now()"
    if low.startswith("nextval("):
        return "<auto>"
    return text if text.startswith("'") else low


def column_default(column: Column) -> str | None:
    """The normalized default of a column, identity included."""
    if column.identity is not None:
        return "<auto>"
    return normalize_default(column.default)


def same_action(left: str, right: str, deferrable: bool = False) -> bool:
    """ON DELETE actions that behave alike: NO ACTION and RESTRICT differ only when deferred."""
    pair = {left, right}
    return left == right or (pair == {"NO ACTION", "RESTRICT"} and not deferrable)


def plain(index: Index) -> bool:
    """An index of plain columns, without predicate: compared by its key columns."""
    return index.predicate is None and all(k.column is not None for k in index.keys)


@dataclass
class View:
    """One side's table, keyed for comparison."""

    side: Side
    table: Table
    columns: dict[str, Column] = field(default_factory=dict)
    foreign_keys: dict[Key, ForeignKey] = field(default_factory=dict)
    uniques: dict[Key, str] = field(default_factory=dict)  # key → constraint or index name
    indexes: dict[Key, Index] = field(default_factory=dict)  # plain, non-unique
    others: dict[str, Index] = field(default_factory=dict)  # expression or partial, by name

    @classmethod
    def of(cls, side: Side, table: Table) -> View:
        """The view of a table."""
        view = cls(side, table, {c.name: c for c in table.columns})
        view.foreign_keys = {tuple(fk.columns): fk for fk in table.foreign_keys}
        pk = tuple(table.primary_key.columns) if table.primary_key else ()
        view.uniques = {tuple(u.columns): u.name for u in table.unique_constraints}
        for index in table.indexes:
            key = tuple(index.columns)
            if index.primary or (index.constraint and key in view.uniques):
                continue
            if not plain(index):
                view.others[index.name] = index
            elif index.unique and key != pk:
                view.uniques.setdefault(key, index.name)
            elif not index.unique:
                view.indexes.setdefault(key, index)
        return view

    @property
    def primary_key(self) -> Key:
        """The primary key columns, () when none."""
        return tuple(self.table.primary_key.columns) if self.table.primary_key else ()

    def leads(self, columns: Key) -> bool:
        """Whether some index (PK, unique or plain) starts with these columns."""
        keys = [self.primary_key, *self.uniques, *self.indexes]
        keys += [tuple(i.columns) for i in self.others.values() if i.predicate is None]
        return any(key[: len(columns)] == columns for key in keys if key)


@dataclass
class Issue:
    """A finding before rendering: what differs, which sides change, and how."""

    rule: Rule
    obj: str
    message: str
    line: int
    evidence: str = ""
    sides: list[str] = field(default_factory=list)  # the sides to change (Side names)
    ddl: str | None = None  # the database side's fix
    advice: str | None = None  # a spec edit or a choice, in words
    column: str | None = None  # the model column whose field line is the code fix
    table_args: bool = False  # the code fix is the class's __table_args__
    mechanical: bool = False  # the corrected class applies it
    severity: Severity | None = None
    aspect: str = ""  # what it is about, so two rules never report one difference


class Draft:
    """The model's table as corrected: columns, keys and indexes, rebuilt into a `Table`."""

    def __init__(self, table: Table) -> None:
        self.base = table
        self.columns: dict[str, Column] = {c.name: c for c in table.columns}
        self.primary_key: list[str] = list(table.primary_key.columns) if table.primary_key else []
        self.foreign_keys: dict[Key, ForeignKey] = {tuple(f.columns): f for f in table.foreign_keys}
        self.uniques: dict[Key, str] = {tuple(u.columns): u.name for u in table.unique_constraints}
        self.indexes: dict[Key, Index] = {
            tuple(i.columns): i for i in table.indexes if not i.primary and not i.constraint
        }
        self.changed = False

    def column(self, name: str, **update: object) -> None:
        """Change a column's attributes (type, nullable, default…)."""
        self.columns[name] = self.columns[name].model_copy(update=update)
        self.changed = True

    def add_column(self, column: Column, first: bool = False) -> None:
        """Add a column the model lacks, at the end (or first, for a primary key)."""
        self.columns[column.name] = column
        if first:
            self.columns = {column.name: column, **self.columns}
        self.changed = True

    def foreign_key(self, key: Key, fk: ForeignKey) -> None:
        """Add or replace the foreign key on these columns."""
        self.foreign_keys[key] = fk.model_copy(update={"columns": list(key)})
        self.changed = True

    def unique(self, key: Key) -> None:
        """Add a UNIQUE constraint on these columns."""
        taken = set(self.uniques.values())
        self.uniques[key] = default_name(self.base.name, key, "unique", taken)
        self.changed = True

    def index(self, key: Key, like: Index | None = None) -> None:
        """Add an index on these columns (or the database's own, kept by name)."""
        if like is None:
            taken = {i.name for i in self.indexes.values()}
            name = default_name(self.base.name, key, "index", taken)
            like = Index(name=name, keys=[{"column": c} for c in key], definition="")
        self.indexes[tuple(like.columns)] = like
        self.changed = True

    def table(self) -> Table:
        """The corrected table record."""
        pk = self.primary_key
        name = self.base.name
        uniques = [
            {"name": n, "columns": list(k), "definition": ""} for k, n in self.uniques.items()
        ]
        keys = (
            [
                {
                    "name": f"{name}_pkey",
                    "keys": [{"column": c} for c in pk],
                    "unique": True,
                    "primary": True,
                    "constraint": f"{name}_pkey",
                    "definition": "",
                }
            ]
            if pk
            else []
        )
        keys += [
            {
                "name": u["name"],
                "keys": [{"column": c} for c in u["columns"]],
                "unique": True,
                "constraint": u["name"],
                "definition": "",
            }
            for u in uniques
        ]
        return Table.model_validate(
            {
                **self.base.model_dump(by_alias=True, exclude={"columns", "indexes"}),
                "columns": [normalize_column(c) for c in self.columns.values()],
                "primary_key": {"name": f"{name}_pkey", "columns": pk} if pk else None,
                "foreign_keys": list(self.foreign_keys.values()),
                "unique_constraints": uniques,
                "indexes": keys + list(self.indexes.values()),
            }
        )


def changed_columns(model: Table, corrected: Table) -> set[str]:
    """Columns whose field line the correction changes (type, nullability, default, their own
    foreign key and its ON DELETE as written, primary key, UNIQUE, index): the others may stay
    in the base class that declares them."""
    before, after = View.of("model", model), View.of("model", corrected)
    return {
        name
        for name in after.columns
        if name not in before.columns or _facts(before, name) != _facts(after, name)
    }


def _facts(view: View, name: str) -> tuple[object, ...]:
    """What a field line of this column says, comparable across two views of one table."""
    key = (name,)
    fk = view.foreign_keys.get(key)
    target = None
    if fk is not None:
        target = (fk.ref_schema, fk.ref_table, tuple(fk.ref_columns), fk.on_delete)
    return (
        normalize_column(view.columns[name]),
        target,
        name in view.primary_key,
        key in view.uniques,
        key in view.indexes,
    )


def normalize_column(column: Column) -> Column:
    """A column with its type in format_type() spelling."""
    return column.model_copy(update={"type": normalize_type(column.type)})
