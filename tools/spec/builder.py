"""Collects what every reader found (bullets, tables, SQL, SQLModel, Prisma) and merges it.

The same table may be defined in several places: columns are merged (`merge`, the more explicit
source wins, conflicts warned). `finish()` folds names written loosely (`User`, `Users Table`)
into the tables defined in code, resolves references (`references`), names enums and builds the
SchemaSpec.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tools.spec.indexes import finish_indexes
from tools.spec.keys import guess_primary_keys
from tools.spec.ledger import LineLedger
from tools.spec.merge import merge_column
from tools.spec.model import (
    Entity,
    Relationship,
    SchemaSpec,
    SpecColumn,
    SpecConstraint,
    SpecEnum,
    SpecFunction,
    SpecIndex,
    SpecPolicy,
    SpecTrigger,
    SpecView,
    SpecWarning,
)
from tools.spec.names import match_key, resolver, snake
from tools.spec.references import (
    apply_cascades,
    apply_text_fks,
    relationship_fks,
    resolve_references,
    resolve_relationships,
)

RANK = {
    "sql": 0,
    "python": 1,
    "prisma": 1,
    "drizzle": 1,
    "laravel": 1,
    "dbml": 1,
    "table": 2,
    "bullets": 3,
}
RESERVED = {"user", "order", "group", "table", "select", "check", "column", "default", "limit"}
# `UserCreate`, `TaskRead`, `ItemResponse`: an API's request and response models, named for a table.
_REQUEST_MODEL = re.compile(
    r"^(?P<base>[a-z]\w*?)_(?:create|read|update|patch|response|request|payload|input|output"
    r"|public|dto|in|out)$"
)
_NOT_EXTERNAL = re.compile(r"(?i)\b(our|this|the)\s+(app|application|backend|service|team)\b|^us$")


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
    functions: dict[str, SpecFunction] = field(default_factory=dict)
    triggers: dict[str, SpecTrigger] = field(default_factory=dict)
    views: dict[str, SpecView] = field(default_factory=dict)
    ledger: LineLedger = field(default_factory=LineLedger)
    _warned: set[tuple[int, str]] = field(default_factory=set)
    unread_count: int = 0
    unread_share: float = 0.0

    # --- collecting ----------------------------------------------------------------------

    def warn(self, line: int, message: str) -> None:
        """A line not read, or read with a guess."""
        if (line, message) in self._warned:
            return
        self._warned.add((line, message))
        text = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        self.warnings.append(SpecWarning(line=line, message=message, text=text[:160]))

    def add_object(self, kind: str, name: str, line: int, **facts: Any) -> None:
        """A function, trigger or view (facts merged into one already seen of that name)."""
        kinds: dict[str, tuple[dict[str, Any], type]] = {
            "function": (self.functions, SpecFunction),
            "trigger": (self.triggers, SpecTrigger),
            "view": (self.views, SpecView),
        }
        known, record = kinds[kind]
        found = known.get(name)
        if found is None:
            known[name] = record(name=name, line=line, **facts)
            return
        for key, value in facts.items():
            if value and not getattr(found, key):
                setattr(found, key, value)

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
        self.ledger.mark(column.line)
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
        merge_column(self.warn, entity, existing, column, RANK.get(source, 3))

    def key(
        self, entity: Entity, kind: str, columns: list[str], line: int, name: str | None = None
    ) -> None:
        """A primary key or unique constraint: on the column when single, else table-level."""
        self.ledger.mark(line)
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
            )

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
        entities = self._drop_request_models(entities)
        names = {e.name for e in entities}
        resolve = resolver(names)
        apply_text_fks(self, entities, resolve)
        resolve_references(self, entities, resolve)
        relationship_fks(self, entities, resolve)
        apply_cascades(self, entities, resolve)
        self._enums(entities)
        for entity in entities:
            self._check_entity(entity)
        resolve_relationships(self, entities, resolve)  # constraints' tables, before names
        finish_indexes(self, entities, {e.name for e in future})
        guess_primary_keys(entities, self.constraints, self.warn)
        self._unread(entities + future)
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
            functions=list(self.functions.values()),
            triggers=list(self.triggers.values()),
            views=list(self.views.values()),
            tenant_column=tenant,
            shared_tables=shared,
            external_tables=sorted(e.name for e in entities if e.external),
            dialects=sorted(self.dialects),
            warnings=sorted(self.warnings, key=lambda w: (w.line, w.message)),
            unread_lines=self.unread_count,
            unread_share=self.unread_share,
        )
        return spec

    def _unread(self, entities: list[Entity]) -> None:
        """Blocks of table sections nothing read: one warning each, and the figure."""
        ledger = self.ledger
        for entity in entities:
            ledger.mark(entity.line)
            for column in entity.columns:
                ledger.mark(column.line)
        records: list[SpecIndex | SpecConstraint | Relationship | SpecPolicy]
        records = [*self.indexes, *self.constraints, *self.relationships, *self.policies]
        for record in records:
            ledger.mark(record.line)
        names = {e.name for e in entities}
        found, total = ledger.unread(self.lines, {w.line for w in self.warnings}, names)
        for line, table, _ in found:
            self.warn(line, f"line in the section of {table!r} not read")
        self.unread_count = sum(count for _, _, count in found)
        self.unread_share = round(self.unread_count / total, 4) if total else 0.0

    def _merge_loose_names(self) -> None:
        """Fold entities named from headings into the table of the same key defined in code."""
        if all(t.explicit for t in self.tables.values()):
            return  # nothing to fold: no need to key every table (issue #13)
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
                        merge_column(self.warn, target.entity, existing, column, rank)
                for attr in ("description", "managed_by"):
                    if not getattr(target.entity, attr) and getattr(table.entity, attr):
                        setattr(target.entity, attr, getattr(table.entity, attr))
                target.entity.notes += table.entity.notes
                target.entity.sources += [
                    s for s in table.entity.sources if s not in target.entity.sources
                ]
                del self.tables[(name, fut)]

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
        resolve = resolver({e.name for e in entities})
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

    def _drop_request_models(self, entities: list[Entity]) -> list[Entity]:
        """`UserCreate`, `UserRead` beside `User` in Markdown: request/response models, left out.

        A name written exactly (`user_update`) or a CREATE TABLE stays a table.
        """
        implicit = {t.entity.name for t in self.tables.values() if not t.explicit}
        resolve = resolver({e.name for e in entities})
        kept = []
        for entity in entities:
            model = _REQUEST_MODEL.match(entity.name)
            base = resolve(model.group("base")) if model else None
            markdown = set(entity.sources) <= {"bullets", "table"}
            if base and base != entity.name and entity.name in implicit and markdown:
                self.warn(
                    entity.line,
                    f"{entity.name!r} reads as a request or response model of {base!r}, not a "
                    "table; left out (write its name in backticks to keep it)",
                )
            else:
                kept.append(entity)
        return kept

    def _apply_managed(self, entities: list[Entity]) -> None:
        resolve = resolver({e.name for e in entities})
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
