"""Collects what every reader found (bullets, tables, SQL, SQLModel, Prisma) and merges it.

The same table may be defined in several places: columns are merged and the more explicit source
wins (SQL over SQLModel/Prisma/Drizzle over a Markdown table over bullets; between two of the same
kind, the first definition). A difference in type, nullability, default or foreign key between
two definitions is warned about, naming both lines and the one kept. `finish()` resolves names
written loosely (`User`, `Users Table`) to the tables defined in code, infers FK targets from
column names, warns about FK targets defined nowhere, and builds the SchemaSpec.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from tools.spec.model import (
    Entity,
    Reference,
    Relationship,
    SchemaSpec,
    SpecColumn,
    SpecConstraint,
    SpecEnum,
    SpecIndex,
    SpecPolicy,
    SpecWarning,
)
from tools.spec.typenames import type_family

RANK = {"sql": 0, "python": 1, "prisma": 1, "drizzle": 1, "table": 2, "bullets": 3}
RESERVED = {"user", "order", "group", "table", "select", "check", "column", "default", "limit"}
_NOT_EXTERNAL = re.compile(r"(?i)\b(our|this|the)\s+(app|application|backend|service|team)\b|^us$")


@lru_cache(maxsize=8192)
def snake(name: str) -> str:
    """`ProfileExternalLinks` -> profile_external_links; `Users Table` words are left out before."""
    name = re.sub(r"[\s\-]+", "_", name.strip())
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return re.sub(r"_+", "_", name).lower().strip("_")


@lru_cache(maxsize=8192)
def match_key(name: str) -> str:
    """A loose key: case, underscores and plural endings ignored (User ~ users ~ `user`)."""
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ses", "s"), ("s", "")):
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            return key[: -len(suffix)] + repl
    return key


@dataclass
class _Table:
    entity: Entity
    explicit: bool
    rank: int
    order: int


@dataclass
class SpecBuilder:
    """Gathers records while the readers walk the file; `finish()` merges them."""

    path: str
    lines: list[str]
    tables: dict[tuple[str, bool], _Table] = field(default_factory=dict)
    indexes: list[SpecIndex] = field(default_factory=list)
    constraints: list[SpecConstraint] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)
    enums: dict[str, SpecEnum] = field(default_factory=dict)
    policies: list[SpecPolicy] = field(default_factory=list)
    warnings: list[SpecWarning] = field(default_factory=list)
    dialects: set[str] = field(default_factory=set)
    managed: dict[str, tuple[str, int]] = field(default_factory=dict)
    cascades: list[tuple[str, str, str, int]] = field(default_factory=list)
    text_fks: list[tuple[str, str, str, str, int]] = field(default_factory=list)
    fk_actions: list[tuple[str, str, str, int]] = field(default_factory=list)
    tenant_column: str | None = None
    shared: list[str] = field(default_factory=list)
    py_classes: dict[str, Any] = field(default_factory=dict)
    prisma_maybe: list[str] = field(default_factory=list)
    type_names: list[tuple[str, str]] = field(default_factory=list)

    # --- collecting ----------------------------------------------------------------------

    def warn(self, line: int, message: str) -> None:
        """A line not read, or read with a guess."""
        text = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        if not any(w.line == line and w.message == message for w in self.warnings):
            self.warnings.append(SpecWarning(line=line, message=message, text=text[:160]))

    def entity(
        self,
        name: str,
        line: int,
        source: str,
        *,
        explicit: bool = True,
        future: bool = False,
        description: str = "",
        defines: bool = False,
    ) -> Entity:
        """The entity of that name (created on first use)."""
        key = (name, future)
        table = self.tables.get(key)
        if table is None:
            entity = Entity(name=name, line=line, description=description, future=future)
            table = _Table(entity, explicit, RANK.get(source, 3), len(self.tables))
            self.tables[key] = table
        else:
            table.explicit = table.explicit or explicit
            if table.entity.line == 0 or (defines and RANK.get(source, 3) < table.rank):
                table.entity.line = line
            table.rank = min(table.rank, RANK.get(source, 3))
        if description and not table.entity.description:
            table.entity.description = description
        if source not in table.entity.sources:
            table.entity.sources.append(source)
        return table.entity

    def add_column(self, entity: Entity, column: SpecColumn, source: str) -> None:
        """Add a column, merging with one of the same name already read."""
        private = column.__pydantic_private__ or {}
        if private.get("_dialects"):
            self.dialects.update(private["_dialects"])
        existing = entity.column(column.name)
        column._source = source
        if existing is None:
            column.stated = sorted(set(column.stated))
            column._rank = RANK.get(source, 3)
            entity.columns.append(column)
            return
        if RANK.get(source, 3) == existing._rank and column.line != existing.line:
            self.warn(
                column.line,
                f"{entity.name}.{column.name} defined again "
                f"(first at line {existing.line}); merged",
            )
        _merge_column(self, entity, existing, column, RANK.get(source, 3))

    def key(
        self, entity: Entity, kind: str, columns: list[str], line: int, name: str | None = None
    ) -> None:
        """A primary key or unique constraint: on the column when single, else table-level."""
        single = entity.column(columns[0]) if len(columns) == 1 else None
        if kind == "primary key":
            for column_name in columns:
                column = entity.column(column_name)
                if column is not None:
                    column.primary_key, column.nullable = True, False
        elif single is not None:
            single.unique = True
        if single is None:
            self.constraints.append(
                SpecConstraint(table=entity.name, kind=kind, columns=columns, name=name, line=line)
            )  # type: ignore[arg-type]

    # --- finishing -----------------------------------------------------------------------

    def finish(self) -> SchemaSpec:
        """Resolve loose names, merge duplicates, infer references and build the spec."""
        self._merge_loose_names()
        current = [t.entity for t in sorted(self.tables.values(), key=lambda t: t.order)]
        entities = [e for e in current if not e.future]
        future = [e for e in current if e.future]
        self._apply_managed(entities)
        self._prisma_types(entities)
        entities = sorted(self._drop_empty(entities), key=lambda e: e.line)
        names = {e.name for e in entities}
        resolve = self.resolver(names)
        self._apply_text_fks(entities, resolve)
        self._resolve_references(entities, resolve)
        self._apply_cascades(entities, resolve)
        self._enums(entities)
        for entity in entities:
            self._check_entity(entity)
        self._finish_indexes(names, {e.name for e in future})
        for relationship in self.relationships:
            for side in ("from_table", "to_table"):
                found = resolve(getattr(relationship, side))
                if found:
                    setattr(relationship, side, found)
                else:
                    self.warn(
                        relationship.line,
                        f"relationship names {getattr(relationship, side)!r}, "
                        "a table defined nowhere",
                    )
        by_name = {e.name: e for e in entities}
        for constraint in self.constraints:
            if constraint.table:
                constraint.table = resolve(constraint.table) or constraint.table
            entity = by_name.get(constraint.table or "")
            target = constraint.references
            if constraint.kind == "foreign key" and target is not None:
                found = resolve(target.table)
                if found is None:
                    self.warn(
                        constraint.line,
                        f"foreign key {constraint.table}({', '.join(constraint.columns)})"
                        f" references {target.table!r}, defined nowhere",
                    )
                target.table = found or target.table
            if constraint.kind == "primary key" and entity is not None:
                for name in constraint.columns:
                    column = entity.column(name)
                    if column is not None:
                        column.primary_key, column.nullable = True, False
        tenant = self.tenant_column
        # Shared tables the spec does not define are kept: the database may well have them.
        shared = sorted({resolve(n) or n for n in self.shared})
        spec = SchemaSpec(
            path=self.path,
            entities=entities,
            future=future,
            indexes=self.indexes,
            constraints=self.constraints,
            relationships=self.relationships,
            enums=list(self.enums.values()),
            policies=self.policies,
            tenant_column=tenant,
            shared_tables=shared,
            external_tables=sorted(e.name for e in entities if e.external),
            dialects=sorted(self.dialects),
            warnings=sorted(self.warnings, key=lambda w: (w.line, w.message)),
        )
        return spec

    def resolver(self, names: set[str]):
        """A function mapping a loosely written name to a table name of the spec (or None)."""
        by_key: dict[str, str] = {}
        for name in sorted(names):
            by_key.setdefault(match_key(name), name)
            by_key.setdefault(match_key(snake(name)), name)

        def resolve(name: str | None) -> str | None:
            if not name:
                return None
            if name in names:
                return name
            return by_key.get(match_key(name)) or by_key.get(match_key(snake(name)))

        return resolve

    def _merge_loose_names(self) -> None:
        """Fold entities named from headings into the table of the same key defined in code."""
        for future in (False, True):
            explicit = {
                match_key(name): t
                for (name, fut), t in self.tables.items()
                if fut == future and t.explicit
            }
            for (name, fut), table in list(self.tables.items()):
                if fut != future or table.explicit:
                    continue
                target = explicit.get(match_key(name))
                if target is None or target is table:
                    explicit.setdefault(match_key(name), table)
                    continue
                for column in table.entity.columns:
                    rank = column._rank
                    existing = target.entity.column(column.name)
                    if existing is None:
                        target.entity.columns.append(column)
                    else:
                        _merge_column(self, target.entity, existing, column, rank)
                for attr in ("description", "managed_by"):
                    if not getattr(target.entity, attr) and getattr(table.entity, attr):
                        setattr(target.entity, attr, getattr(table.entity, attr))
                target.entity.notes += table.entity.notes
                target.entity.sources += [
                    s for s in table.entity.sources if s not in target.entity.sources
                ]
                del self.tables[(name, fut)]

    def _finish_indexes(self, names: set[str], future_names: set[str]) -> None:
        """Tables of indexes resolved (or guessed from idx_<table>_… names), duplicates merged."""
        resolve, future_resolve = self.resolver(names), self.resolver(future_names)
        for index in self.indexes:
            if not index.table and index.name:
                stem = re.sub(r"^(idx|ix|index)_", "", index.name)
                index.table = next(
                    (n for n in sorted(names, key=len, reverse=True) if stem.startswith(n + "_")),
                    "",
                )
        self.indexes = _unique_indexes(self.indexes, resolve, future_resolve)
        for index in self.indexes:
            if index.table not in names | future_names:
                self.warn(index.line, f"index on {index.table!r}, a table defined nowhere")

    def _prisma_types(self, entities: list[Entity]) -> None:
        """A Prisma field typed by a name: an enum when one has that name, else a relation."""
        by_name = {e.name: e for e in entities}
        for qualified in self.prisma_maybe:
            table, _, column_name = qualified.partition(".")
            entity = by_name.get(table)
            column = entity.column(column_name) if entity else None
            if entity is None or column is None:
                continue
            base = column.pg_type.removesuffix("[]")
            if base in self.enums:
                column.enum_name = base
            else:
                entity.columns.remove(column)
        resolve = self.resolver({e.name for e in entities})
        for table, column_name in self.type_names:
            entity = by_name.get(resolve(table) or "")
            column = entity.column(column_name) if entity else None
            if entity is None or column is None or column.pg_type != column.type.rstrip("?"):
                continue
            if column.type.rstrip("?") in self.enums:
                column.enum_name = column.type.rstrip("?")
            else:
                self.warn(
                    column.line,
                    f"type {column.type!r} of {entity.name}.{column.name} is not known; "
                    "read as text",
                )
                column.pg_type = "text"

    def _drop_empty(self, entities: list[Entity]) -> list[Entity]:
        """Tables named but given no column: kept only when managed elsewhere."""
        kept = []
        for entity in entities:
            if entity.columns or entity.external:
                kept.append(entity)
            else:
                self.warn(entity.line, f"table {entity.name!r} has no columns listed; left out")
        return kept

    def _apply_managed(self, entities: list[Entity]) -> None:
        resolve = self.resolver({e.name for e in entities})
        for name, (library, line) in self.managed.items():
            found = resolve(name)
            if found is None:
                entity = self.entity(snake(name), line, "bullets", explicit=False)
                entities.append(entity)
                found = entity.name
            entity = next(e for e in entities if e.name == found)
            entity.managed_by = entity.managed_by or library
        for entity in entities:
            if entity.managed_by and not _NOT_EXTERNAL.search(entity.managed_by):
                entity.external = True

    def _resolve_references(self, entities: list[Entity], resolve) -> None:
        for entity in entities:
            for column in entity.columns:
                ref = column.references
                if ref is None:
                    continue
                if not ref.table:
                    guess = _guess_target(column, resolve)
                    if guess is None:
                        self.warn(
                            column.line, f"foreign key {entity.name}.{column.name} names no table"
                        )
                        column.references = None
                        continue
                    ref.table, ref.guessed = guess, True
                    self.warn(
                        column.line,
                        f"guessed {entity.name}.{column.name} references {guess}"
                        f"({ref.column or 'id'})",
                    )
                found = resolve(ref.table)
                if found is None:
                    self.warn(
                        column.line,
                        f"{entity.name}.{column.name} references {ref.table!r}, defined nowhere",
                    )
                else:
                    ref.table = found
                if ref.column is None:
                    target = next((e for e in entities if e.name == ref.table), None)
                    pk = [c.name for c in target.columns if c.primary_key] if target else []
                    ref.column = pk[0] if len(pk) == 1 else "id"

    def _apply_text_fks(self, entities: list[Entity], resolve) -> None:
        """FKs stated in relationship sections (`tasks.user_id -> users.id`, ON DELETE …)."""
        by_name = {e.name: e for e in entities}
        for table, column_name, ref_table, ref_column, line in self.text_fks:
            entity = by_name.get(resolve(table) or "")
            column = entity.column(column_name) if entity else None
            if column is None:
                self.warn(
                    line, f"relationship names {table}.{column_name}, a column defined nowhere"
                )
                continue
            if column.references is None or not column.references.table:
                on_delete = column.references.on_delete if column.references else None
                column.references = Reference(
                    table=ref_table, column=ref_column, on_delete=on_delete
                )
        for table, column_name, action, line in self.fk_actions:
            entity = by_name.get(resolve(table) or "")
            column = entity.column(column_name) if entity else None
            if column is not None and column.references and not column.references.on_delete:
                column.references.on_delete = action
            elif column is None:
                self.warn(line, f"ON DELETE for {table}.{column_name}, a column defined nowhere")

    def _apply_cascades(self, entities: list[Entity], resolve) -> None:
        for first, second, action, line in self.cascades:
            a, b = resolve(first), resolve(second)
            if not a or not b:
                continue
            for child, parent in ((a, b), (b, a)):
                entity = next(e for e in entities if e.name == child)
                for column in entity.columns:
                    ref = column.references
                    if ref and ref.table == parent and ref.on_delete is None:
                        ref.on_delete = action
                        self.warn(line, f"read as {child}.{column.name} ON DELETE {action}")

    def _enums(self, entities: list[Entity]) -> None:
        for entity in entities:
            for column in entity.columns:
                if column.enum_values and not column.enum_name:
                    name = f"{entity.name}_{column.name}"
                    column.enum_name = name
                    self.enums.setdefault(
                        name, SpecEnum(name=name, values=column.enum_values, line=column.line)
                    )
                elif not column.enum_name and column.pg_type in self.enums:
                    column.enum_name = column.pg_type
                if column.enum_name:
                    column.pg_type = column.enum_name + (
                        "[]" if column.pg_type.endswith("[]") else ""
                    )
                column.notes = [
                    n
                    for n in column.notes
                    if not (column.enum_values and n.startswith("enum without"))
                ]

    def _check_entity(self, entity: Entity) -> None:
        if entity.name in RESERVED:
            self.warn(
                entity.line, f"table name {entity.name!r} is a reserved word: it needs quoting"
            )
        # One warning a table: Prisma and Better Auth specs are camelCase throughout.
        camel = [n for n in [entity.name] + [c.name for c in entity.columns] if n != n.lower()]
        if camel:
            shown = ", ".join(camel[:6]) + (", …" if len(camel) > 6 else "")
            self.warn(entity.line, f"{entity.name}: mixed-case names need quoting in SQL ({shown})")
        for column in entity.columns:
            if any(n.startswith("enum without") for n in column.notes):
                self.warn(
                    column.line,
                    f"{entity.name}.{column.name}: enum values not listed; read as text",
                )
            for note in column.notes:
                if re.match(r"(?i)^or\s+\w+", note):
                    self.warn(
                        column.line,
                        f"{entity.name}.{column.name}: two types given; took {column.type!r}",
                    )


def _merge_column(
    builder: SpecBuilder, entity: Entity, existing: SpecColumn, column: SpecColumn, rank: int
) -> None:
    """Merge a second definition of a column; the better source wins, conflicts warned."""
    better = rank < existing._rank
    _warn_conflicts(builder, entity, existing, column, (existing._rank, rank))
    for attr in set(column.stated):
        if attr not in existing.stated or better:
            if attr == "type":
                for name in ("type", "pg_type", "type_guessed", "enum_values"):
                    if name != "enum_values" or column.enum_values:
                        setattr(existing, name, getattr(column, name))
            elif attr == "nullable":
                existing.nullable = column.nullable
            elif hasattr(existing, attr):
                setattr(existing, attr, getattr(column, attr))
    if column.references and (existing.references is None or better):
        if existing.references and not column.references.on_delete:
            column.references.on_delete = existing.references.on_delete
        existing.references = column.references
    elif column.references and existing.references and not existing.references.on_delete:
        existing.references.on_delete = column.references.on_delete
    for attr in ("default", "app_default", "check", "description"):
        if not getattr(existing, attr) and getattr(column, attr):
            setattr(existing, attr, getattr(column, attr))
    existing.unique = existing.unique or column.unique
    existing.indexed = existing.indexed or column.indexed
    existing.auto_increment = existing.auto_increment or column.auto_increment
    if column.primary_key:
        existing.primary_key, existing.nullable = True, False
    existing.enum_values = existing.enum_values or column.enum_values
    existing.notes += [n for n in column.notes if n not in existing.notes]
    existing.stated = sorted(set(existing.stated) | set(column.stated))
    if better:
        existing._rank = rank


def _warn_conflicts(
    builder: SpecBuilder,
    entity: Entity,
    existing: SpecColumn,
    column: SpecColumn,
    ranks: tuple[int, int],
) -> None:
    """One warning per attribute two definitions of a column state differently."""
    better = ranks[1] < ranks[0]
    kept, other = (column, existing) if better else (existing, column)
    why = (
        f"{kept._source} is the more explicit source"
        if min(ranks) < max(ranks)
        else "the first definition"
    )
    for kept_value, other_value in column_conflicts(kept, other):
        builder.warn(
            max(column.line, existing.line),
            f"{entity.name}.{column.name} is {other_value} at line {other.line} ({other._source})"
            f" but {kept_value} at line {kept.line} ({kept._source}); kept {kept_value} ({why})",
        )


def column_conflicts(kept: SpecColumn, other: SpecColumn) -> list[tuple[str, str]]:
    """(kept, other) wordings of each attribute both definitions state differently.

    Types conflict when their families differ, when integer or numeric sizes differ (integer vs
    bigint), or when both give a varchar length; `string` against varchar(255) or `str` against
    text is one type written loosely, not a conflict.
    """
    out: list[tuple[str, str]] = []
    both = set(kept.stated) & set(other.stated)
    enum = bool(kept.enum_values or other.enum_values or kept.enum_name or other.enum_name)
    if "type" in both and not enum and _types_conflict(kept, other):
        out.append((kept.pg_type, other.pg_type))
    keys = kept.primary_key or other.primary_key
    if "nullable" in both and not keys and kept.nullable != other.nullable:
        out.append((_null_word(kept), _null_word(other)))
    if (
        kept.default
        and other.default
        and _norm_default(kept.default) != _norm_default(other.default)
    ):
        out.append((f"default {kept.default}", f"default {other.default}"))
    mine, theirs = kept.references, other.references
    if mine and theirs and mine.table and theirs.table:
        if match_key(mine.table) != match_key(theirs.table) or (
            mine.column and theirs.column and mine.column != theirs.column
        ):
            out.append((_ref_text(mine), _ref_text(theirs)))
        elif mine.on_delete and theirs.on_delete and mine.on_delete != theirs.on_delete:
            out.append((f"ON DELETE {mine.on_delete}", f"ON DELETE {theirs.on_delete}"))
    return out


def _types_conflict(kept: SpecColumn, other: SpecColumn) -> bool:
    if kept.pg_type == other.pg_type:
        return False
    family = type_family(kept.pg_type)
    if family != type_family(other.pg_type):
        return not (kept.user_type or other.user_type)
    if family in ("int", "number"):
        return True
    sizes = [re.search(r"\((\d+)", c.pg_type) for c in (kept, other)]
    return family == "text" and all(sizes) and sizes[0].group(1) != sizes[1].group(1)  # type: ignore[union-attr]


def _null_word(column: SpecColumn) -> str:
    return "nullable" if column.nullable else "NOT NULL"


def _ref_text(ref: Reference) -> str:
    return f"{ref.table}({ref.column or 'id'})"


def _norm_default(value: str) -> str:
    """A default spelled for comparing: CAST('a' AS text) ~ 'a'::text ~ 'a', now() ~ now."""
    text = re.sub(r"(?i)^cast\((.*) as [\w ()]+\)$", r"\1", value.strip())
    text = re.sub(r"::[\w ]+(\(\d+(,\d+)?\))?$", "", text).strip().lower()
    return {"current_timestamp": "now()", "current_timestamp()": "now()"}.get(text, text)


def _guess_target(column: SpecColumn, resolve) -> str | None:
    """The table an FK column without target points at: from its name, else its description."""
    stem = re.sub(r"(_id|Id|_uuid|_fk)$", "", column.name)
    words = snake(stem).split("_")
    for start in range(len(words)):
        found = resolve("_".join(words[start:]))
        if found:
            return found
    text = re.findall(r"[A-Za-z]+", column.description)
    for size in (3, 2, 1):
        for start in range(len(text) - size + 1):
            found = resolve("_".join(text[start : start + size]))
            if found:
                return found
    return None


def _unique_indexes(indexes: list[SpecIndex], resolve, future_resolve) -> list[SpecIndex]:
    """One index per (table, columns, predicate): the same index listed twice is merged."""
    kept: dict[tuple[str, tuple[str, ...], str | None, bool], SpecIndex] = {}
    for index in indexes:
        index.table = (future_resolve if index.future else resolve)(index.table) or index.table
        key = (index.table, tuple(index.columns), index.where, index.future)
        first = kept.get(key)
        if first is None:
            kept[key] = index
            continue
        first.name = first.name or index.name
        first.unique = first.unique or index.unique
        first.purpose = first.purpose or index.purpose
    return list(kept.values())
