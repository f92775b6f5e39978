"""Bullets of a spec: columns, composite keys, constraints, indexes and relationships in lists.

`BulletReader.bullet` decides by the section it is in: a table section reads columns
(`parse_column_bullet`), an indexes list reads indexes, a relationships list reads relationships
(`RelationReader`), a constraints list keys and rules. A bullet that looks like a definition but is
not read becomes a warning.
"""

from __future__ import annotations

import re
from collections.abc import Container

from tools.spec.model import Entity, Reference, Relationship, SpecConstraint, SpecIndex
from tools.spec.readers import vocabulary as vocab
from tools.spec.readers.attribute_lists import AttributeList, column_name, is_attribute
from tools.spec.readers.columns import parse_column_bullet
from tools.spec.readers.index_names import (
    COLUMN_LIST,
    UNIQUE_WORD,
    index_method,
    named_index,
    named_on,
)
from tools.spec.readers.index_prose import prose_index
from tools.spec.readers.relations import FK_ARROW, ON_DELETE, RelationReader, on_delete_action
from tools.spec.readers.sections import (
    ASIDES,
    MANAGED,
    OBJECTS,
    PROMOTED_BY_COLUMNS,
    TABLE_NAME,
    managed_library,
)
from tools.spec.readers.sql_fragments import fragment_sql, read_fragment
from tools.spec.readers.text import strip_inline

_I = re.IGNORECASE
_COMPOSITE = re.compile(
    r"(?i)^(?P<kind>unique(?:\s+constraint)?|primary\s+key|index|unique\s+index)\s*[:\uff1a]?\s*"
    r"\(?(?P<cols>[\w\s,]+?)\)?\s*(?:[-\u2013\u2014].*)?$"
)
# A sentence, not a definition: it starts with a capitalised word and a lower-case one.
_PROSE = re.compile(r"^(?:[A-Z][a-z]+|[Aa]n?|[Tt]he)\s+[a-z`]")
_ARROW = re.compile(r"->|→|=>")
# `user_id` → `users(id)`, user_id -> users.id: a column of the table the list is under.
_COLUMN_ARROW = re.compile(
    r"^(?P<n>[A-Za-z_]\w*)\s*(?:→|->|=>|⟶)\s*(?P<t>[A-Za-z_]\w*)\s*[.(]\s*(?P<c>[A-Za-z_]\w*)\)?"
    r"(?P<rest>.*)$"
)
_PREDICATE_WORDS = re.compile(r"(?i)\b(?:partial|where|full[- ]text)\b")
COLUMNS_LEAD = re.compile(rf"(?i)^({vocab.COLUMNS_LEAD})\s*[:\uff1a]?\s*$")


class BulletReader(RelationReader):
    """Reads list items by the section they are in."""

    pending_column: AttributeList | None = None  # `- **email**` waiting for its attributes

    def bullet(self, content: str, line: int, parents: list[str]) -> None:
        """One list item's text; `parents` are the texts of the items it is nested in."""
        if self.attribute_item(content, line, parents):
            return
        self.read_bullet(content, line, parents)

    def attribute_item(self, content: str, line: int, parents: list[str]) -> bool:
        """A column's name alone, or an attribute nested under one (`attribute_lists`)."""
        pending = self.pending_column
        if pending is not None and len(parents) == pending.depth + 1:
            if not pending.other_items and is_attribute(content):
                pending.attributes.append((content, line))
                self.builder.ledger.mark(line)
                return True
            pending.other_items = True
            return False
        section = self.section
        in_table = section.kind == "entity" or section.sub_entity
        if not in_table or section.sub or section.obj or not self.current_entity():
            return False
        name = column_name(content)
        if name is None or (name, section.future) in self.builder.tables:
            return False
        self.pending_column = AttributeList(name, content, line, len(parents))
        self.builder.ledger.mark(line)
        return True

    def item_closed(self, depth: int) -> None:
        """A list item closed at `depth`: a pending column name gets its attributes now."""
        pending = self.pending_column
        if pending is None or pending.depth != depth:
            return
        self.pending_column = None
        column = pending.column(self.builder.warn)
        entity = self.entity_here("bullets") if column is not None else None
        if column is not None and entity is not None:
            self.builder.add_column(entity, column, "bullets")
            return
        self.read_bullet(pending.content, pending.line, [])
        for text, line in pending.attributes:  # under a group title: items of their own
            self.read_bullet(text, line, [pending.content])

    def read_bullet(self, content: str, line: int, parents: list[str]) -> None:
        """One list item's text, by the section it is in."""
        section = self.section
        self.statements(content, line)
        plain = strip_inline(content)
        if section.obj is not None:
            self.object_item(plain, line)  # an argument or a view's column, never a table's
            return
        if section.sub in OBJECTS:
            self.listed_object(content, line)
            return
        if section.sub in ASIDES:
            self.note(plain, line)
            return
        if section.candidate and section.kind in PROMOTED_BY_COLUMNS and _typed(content, line):
            self.promote()
        if section.kind == "enums" and not section.sub_entity and self.enum_item(content, line):
            return
        if (section.kind in ("prose", "isolation", "enums") and not section.sub_entity) or (
            section.kind == "constraints" and not self.current_entity()
        ):
            managed = MANAGED.search(plain)
            name = re.match(r"^`?([A-Za-z_]\w*)`?\s*\(", content.strip())
            if managed and name:
                self.builder.managed[name.group(1)] = (managed_library(managed), line)
            if section.kind == "constraints":
                self.builder.constraints.append(
                    SpecConstraint(kind="rule", expression=plain, line=line)
                )
            return
        if section.kind == "keys":
            dotted = re.match(r"^([A-Za-z_]\w*)\.([A-Za-z_]\w*)\b", plain)
            if dotted:
                self.builder.constraints.append(
                    SpecConstraint(
                        table=dotted.group(1),
                        kind="primary key",
                        columns=[dotted.group(2)],
                        line=line,
                    )
                )
            return
        if re.fullmatch(r"\s*(\d+[.)]\s*)?\*\*[^*]+\*\*\s*:?\s*", content):
            self.builder.ledger.mark(line)
            return  # a bold title of a list item: the nested items carry the content
        if section.kind == "relationships" or section.sub == "relationships":
            if self.sql_item(content, line):
                return
            if self.current_entity() and self.fk_bullet(plain, line):
                return
            if not self.relationship(plain, line):
                self.builder.warn(line, "relationship not read")
            return
        if section.kind == "indexes" or section.sub == "indexes":
            if not (
                self.sql_item(content, line)
                or self.index_bullet(plain, line)
                or self.sentence_index(content, line)
            ):
                self.builder.warn(line, "index not read")
            return
        if section.kind == "column" or section.sub == "values":
            entity = self.entity_here("bullets")
            column = entity.column(section.column) if entity and section.column else None
            if column is not None:
                column.notes.append(plain)
                self.builder.ledger.mark(line)
            return
        if (
            section.sub == "constraints"
            and self.current_entity()
            and (self.sql_item(content, line) or self.composite_bullet(plain, line))
        ):
            return
        if section.sub in ("constraints",) and self.constraint_bullet(plain, line):
            return
        if section.sub in ("constraints", "rules") or re.match(
            r"(?i)^(validation|rules|notes?)\b", parents[-1] if parents else ""
        ):
            entity = self.entity_here("bullets")
            if entity is not None:
                entity.notes.append(plain)
                self.builder.ledger.mark(line)
            return
        self.entity_bullet(content, plain, line)

    def entity_bullet(self, content: str, plain: str, line: int) -> None:
        """A bullet of a table section: a column, a composite key, an index, or a warning."""
        section = self.section
        table_name = TABLE_NAME.match(plain.translate(vocab.FULL_WIDTH))
        if table_name and self.current_entity():
            self.rename(table_name.group(1), line)
            return
        if COLUMNS_LEAD.match(plain):
            section.sub = None if section.sub != "other" else "other"
            self.builder.ledger.mark(line)
            return
        if self.current_entity() is None:
            return
        if section.sub == "other" and _PROSE.match(plain) and not _ARROW.search(plain):
            self.note(plain, line)  # under Notes: "All timestamps in UTC" is no column
            return
        if self.composite_bullet(plain, line):
            return
        existing = self.builder.tables.get((self.current_entity()[0], section.future))  # type: ignore[index]
        known: Container[str] = _Known(existing.entity) if existing else frozenset()
        heard: list[tuple[int, str]] = []
        columns = parse_column_bullet(content, line, known, lambda *said, to=heard: to.append(said))
        if columns:
            entity = self.entity_here("bullets")
            assert entity is not None
            self.warn_about(entity, heard)
            for column in columns:
                self.builder.add_column(entity, column, "bullets")
            return
        if self.sql_item(content, line):
            return
        if re.search(r"(?i)index|\bidx", plain) and self.index_bullet(plain, line):
            return
        if section.sub == "other":
            self.note(plain, line)  # a remark under a heading such as "Notes"
            return
        if _PROSE.match(plain) and not _ARROW.search(plain):
            self.note(plain, line)  # a sentence about the table, kept as a remark
            return
        current = self.current_entity()
        is_known = current is not None and (current[0], section.future) in self.builder.tables
        if is_known or re.match(r"^[A-Za-z_]\w*\s*(:|\(|\s[-\u2013\u2014]\s)", plain):
            self.builder.warn(line, "not read as a column")

    def _listed_index(self, listed: re.Match[str], line: int) -> bool:
        """`Composite index: (a, b)`: on the current table, or (placed when the spec is read)
        on the one table that has all those columns."""
        current = self.current_entity()
        self.builder.indexes.append(
            SpecIndex(
                future=self.section.future,
                table=current[0] if current else "",
                columns=[c.strip() for c in listed.group("cols").split(",")],
                unique=bool(listed.group("unique")),
                purpose=listed.string,
                line=line,
            )
        )
        return True

    def sql_item(self, content: str, line: int) -> bool:
        """A key, constraint or index written in SQL, of the current table or a named one."""
        current = self.current_entity()
        sql = fragment_sql(content, current[0] if current else None)
        if sql is None:
            return False  # not SQL: and a table section stays a candidate until it is one
        entity = self.entity_here("bullets") if current else None
        return read_fragment(sql, line, entity, self.builder, self.section.future)

    def sentence_index(self, content: str, line: int) -> bool:
        """`Indexed user_id for …`, `Task queries use composite `user_id + status` index`."""
        current = self.current_entity()
        table = current[0] if current else ""
        index = prose_index(content, table, self.known_entity(), line, self.section.future)
        if index is None:
            return False
        self.builder.indexes.append(index)
        return True

    def composite_bullet(self, plain: str, line: int) -> bool:
        """`Unique constraint: (a, b)`, `Primary key: (a, b)` or `Index: (a, b)` of a table."""
        composite = _COMPOSITE.match(plain)
        if not composite or re.match(r"(?i)^index\s+on\b", plain):
            return False
        cols = [c.strip() for c in composite.group("cols").split(",") if c.strip()]
        self.composite(composite.group("kind").lower(), cols, line)
        return True

    def composite(self, kind: str, cols: list[str], line: int) -> None:
        """A key or index over several columns of the current table."""
        entity = self.entity_here("bullets")
        assert entity is not None
        if "index" in kind:
            self.builder.indexes.append(
                SpecIndex(
                    future=self.section.future,
                    table=entity.name,
                    columns=cols,
                    unique="unique" in kind,
                    line=line,
                )
            )
        else:
            self.builder.key(
                entity, "primary key" if kind.startswith("primary") else "unique", cols, line
            )

    def constraint_bullet(self, plain: str, line: int) -> bool:
        """A bullet of a table's Constraints list: an FK, a key on a column, else a note."""
        entity = self.entity_here("bullets")
        if entity is None:
            return False
        if not self.fk_bullet(plain, line) and not (
            FK_ARROW.search(plain) and self.relationship(plain, line)
        ):
            entity.notes.append(plain)
            self.builder.ledger.mark(line)
        on = re.search(
            r"(?i)\b(unique|primary\s+key)\s+constraint\s+on\s+(?:the\s+)?`?(\w+)`?", plain
        )
        column = entity.column(on.group(2)) if on else None
        if on and column is not None:
            if on.group(1).lower() == "unique":
                column.unique = True
            else:
                column.primary_key, column.nullable = True, False
        return True

    def fk_bullet(self, plain: str, line: int) -> bool:
        """`fk_tasks_user_id`: References users(id) with CASCADE on DELETE, or
        `user_id → users(id)`, of the table the list is under."""
        entity = self.entity_here("bullets")
        if entity is None:
            return False
        fk = re.search(r"references\s+`?(?P<t>\w+)`?\s*\(\s*(?P<c>\w+)\s*\)(?P<rest>.*)", plain, _I)
        name = re.match(r"^`?(?:fk_)?(?P<n>\w+)`?\s*:", plain)
        if not (fk and name):
            fk = name = _COLUMN_ARROW.match(plain)
        if fk and name:
            column_name = name.group("n").removeprefix(f"{entity.name}_")
            column = entity.column(column_name)
            if column is not None:
                action = ON_DELETE.search(fk.group("rest"))
                if column.references is None or not column.references.table:
                    column.references = Reference(table=fk.group("t"), column=fk.group("c"))
                if action:
                    word = next(g for g in action.groups() if g)
                    column.references.on_delete = on_delete_action(word)
                self.builder.relationships.append(
                    Relationship(
                        from_table=entity.name,
                        to_table=fk.group("t"),
                        kind="many-to-one",
                        via=column.name,
                        text=plain,
                        line=line,
                    )
                )
                return True
        return False

    def index_bullet(self, plain: str, line: int) -> bool:
        """`Index on (a, b)`, `tasks.user_id`, `tasks(user_id, status)`, or a column of a list."""
        current, own = self.current_entity(), self.known_entity()
        purpose = ""
        on = re.search(
            r"(?i)(?P<unique>unique\s+)?(?:composite\s+|full-text\s+search\s+|gin\s+)?index\s+on\s+(?:the\s+)?"
            r"(?P<cols>[A-Za-z_]\w*(?:\s*(?:,|and|\+)\s*[A-Za-z_]\w*)*)",
            plain,
        )
        primary = re.match(r"(?i)^primary\s+key\s+on\s+(?:the\s+)?`?(\w+)`?", plain)
        if primary:
            entity = self.entity_here("bullets") if current else None
            column = entity.column(primary.group(1)) if entity else None
            if column is not None:
                column.primary_key, column.nullable = True, False
            self.builder.ledger.mark(line)
            return True
        if on and current and _PREDICATE_WORDS.search(plain):
            return False  # a partial or full-text index: more than its columns, warned
        if on and current:
            cols = [c for c in COLUMN_LIST.split(on.group("cols")) if c]
            cols = [c for c in cols if c.lower() not in ("column", "field", "columns", "fields")]
            name = re.match(r"^`?(idx_\w+|ix_\w+|\w+_idx)`?", plain)
            if own and name and any(own.column(c) is None for c in cols):
                stem = re.sub(r"^(idx|ix)_|_idx$", "", name.group(1)).removeprefix(current[0] + "_")
                if own.column(stem):
                    cols = [stem]
            self.builder.indexes.append(
                SpecIndex(
                    future=self.section.future,
                    table=current[0],
                    columns=cols,
                    unique=bool(on.group("unique")),
                    method=index_method(plain),
                    name=name.group(1) if name else None,
                    purpose=plain,
                    line=line,
                )
            )
            return True
        dotted = re.match(r"^([A-Za-z_]\w*)\.([A-Za-z_]\w*)\b\s*(?P<rest>.*)$", plain)
        if dotted:
            purpose = dotted.group("rest").strip(" -\u2013\u2014:()")
            self.builder.indexes.append(
                SpecIndex(
                    future=self.section.future,
                    table=dotted.group(1),
                    columns=[dotted.group(2)],
                    purpose=purpose,
                    line=line,
                )
            )
            return True
        listed = re.match(r"^([A-Za-z_]\w*)\s*\(([\w\s,]*\w[\w\s,]*)\)\s*(?P<rest>.*)$", plain)
        if listed:
            word, rest = listed.group(1), listed.group("rest")
            cols = [c.strip() for c in listed.group(2).split(",") if c.strip()]
            target = word
            if current and word.lower() in _LIST_WORDS:  # `Composite (a, b)`, `Unique (a, b)`
                target, rest = current[0], f"{word} {rest}"
            elif own and own.column(word) and not any(own.column(c) for c in cols):
                target, rest, cols = own.name, listed.group(2), [word]  # `email (unique)`
            self.builder.indexes.append(
                SpecIndex(
                    future=self.section.future,
                    table=target,
                    columns=cols,
                    unique=bool(UNIQUE_WORD.search(rest)),
                    purpose=rest.strip(" -\u2013\u2014:"),
                    line=line,
                )
            )
            return True
        listed = _INDEX_LIST.match(plain)
        if listed:
            return self._listed_index(listed, line)
        if current and (self.section.sub == "indexes" or self.section.kind == "indexes"):
            col = re.match(r"^`?([A-Za-z_]\w*)`?\s*(?:[-\u2013\u2014:(]|$)", plain)
            if col and (own is None or own.column(col.group(1)) is not None):
                self.builder.indexes.append(
                    SpecIndex(
                        future=self.section.future,
                        table=current[0],
                        columns=[col.group(1)],
                        unique=bool(UNIQUE_WORD.search(plain[col.end() :])),
                        purpose=plain,
                        line=line,
                    )
                )
                return True
            named_on_columns = named_on(plain, own, line, self.section.future) if own else None
            if named_on_columns is not None:
                self.builder.indexes.append(named_on_columns)
                return True
            names = _TableNames(self.builder.tables)
            future = self.section.future
            named = (
                named_index(plain, own, names, line, future, self.builder.warn)
                if col and own
                else None
            )
            if named:
                self.builder.indexes.append(named)
                return True
        return False


_LIST_WORDS = {"composite", "compound", "unique", "index", "multicolumn"}
_INDEX_LIST = re.compile(
    r"(?i)^(?:composite\s+|compound\s+|multi-column\s+)?(?P<unique>unique\s+)?index\s*[:\uff1a]?\s*"
    r"\(\s*(?P<cols>[A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*\)\s*(?:[-\u2013\u2014].*)?$"
)


def _typed(content: str, line: int) -> bool:
    """The bullet defines a column with a type: the section it is in describes a table.

    A sentence ("All timestamps use UTC") is no definition, whatever type word it holds.
    """
    if _PROSE.match(strip_inline(content)):
        return False
    columns = parse_column_bullet(content, line)
    return bool(columns and "type" in columns[0].stated)


class _TableNames:
    """The names of the tables read so far, without building a set at every bullet."""

    def __init__(self, tables: Container[tuple[str, bool]]) -> None:
        self.tables = tables

    def __contains__(self, name: object) -> bool:
        return (name, False) in self.tables or (name, True) in self.tables


class _Known:
    """The names of a table's columns, without building a set at every bullet (issue #13)."""

    def __init__(self, entity: Entity) -> None:
        self.entity = entity

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.entity.column(name) is not None
