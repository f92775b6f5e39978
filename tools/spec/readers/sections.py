"""Sections of a spec: what a heading (or a bold lead-in) opens, and the stack of open sections.

A section is an entity when columns appear under it, or a relationships / indexes / constraints /
isolation / future section by its words (see `vocabulary`). `SectionReader` keeps the stack of
heading sections and answers "which table are we in"; the block readers build on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tools.spec.builder import SpecBuilder
from tools.spec.model import Entity
from tools.spec.names import snake
from tools.spec.readers import vocabulary as vocab
from tools.spec.readers.text import strip_inline

_I = re.IGNORECASE
FUTURE = re.compile(rf"\b({vocab.FUTURE})\b|{vocab.FUTURE_SCRIPT}", _I)
KINDS: list[tuple[str, re.Pattern[str]]] = [
    ("keys", re.compile(rf"^\s*({vocab.KEYS})\s*$", _I)),
    ("relationships", re.compile(vocab.RELATIONSHIPS, _I)),
    ("indexes", re.compile(vocab.INDEXES, _I)),
    ("constraints", re.compile(vocab.CONSTRAINTS, _I)),
    ("enums", re.compile(vocab.ENUMS, _I)),
    ("isolation", re.compile(vocab.ISOLATION, _I)),
]
FIELDS = re.compile(rf"^({vocab.FIELDS})\b", _I)
TABLE_WORDS = re.compile(rf"\b({vocab.TABLE})\b|{vocab.TABLE_SCRIPT}", _I)
STOP_WORDS = re.compile(rf"\b({vocab.STOP})\b", _I)
MANAGED = re.compile(
    rf"(?i:{vocab.MANAGED_BY})\s+(?i:entirely\s+|primarily\s+|fully\s+)?(?i:by)"
    r"\s+(?P<lib>[A-Z][\w\-]*(?:\.[a-z]+)?(?:\s+[A-Z][\w\-]*(?:\.[a-z]+)?){0,2}|our\s+application|the\s+application)"
    rf"|(?i:{vocab.MANAGED_BY_ES})\s+(?P<lib2>[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*)?)"
    rf"|{vocab.MANAGED_BY_IT}\s+(?P<lib3>[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*)?)",
)
SHARED = re.compile(rf"\b({vocab.SHARED})", _I)
IDENT = re.compile(r"^[A-Za-z_][\w]*$")
TENANT = re.compile(
    r"tenant(?:[_ ]column|[_ ]key|[_ ]id column)?\s*(?:is|:|=)\s*`?(?P<a>[a-z_]\w*)`?"
    r"|`?(?P<b>[a-z_]\w*_id)`?\s+(?:isolates|scopes|identifies)\s+(?:the\s+)?(?:tenant|organi[sz]ation|workspace|account)"
    r"|isolat\w*\s+(?:by|via|on|using|through)\s+`?(?P<c>[a-z_]\w*)`?"
    r"|(?:scoped|partitioned)\s+by\s+`?(?P<d>[a-z_]\w*_id)`?",
    _I,
)
NUMBERING = re.compile(r"^\s*\d+(\.\d+)*[.)]?\s+")


def managed_library(match: re.Match[str]) -> str:
    """The library a MANAGED match names."""
    return (match.group("lib") or match.group("lib2") or match.group("lib3") or "").strip()


def listed_names(plain: str) -> list[str]:
    """Table names listed after a colon without backticks: `Shared tables: countries, plans`."""
    _, colon, listed = plain.partition(":")
    if not colon:
        return []
    listed = re.sub(r"\([^)]*\)", " ", listed)  # "(global lookup data)"
    items = re.split(rf",|;|{vocab.AND}", listed)
    names = [item.strip().strip(".") for item in items]
    return [n for n in names if re.fullmatch(r"[A-Za-z_]\w*", n) and n.lower() not in vocab.NONE]


@dataclass
class Section:
    """One heading level's state: what kind of section, which entity it describes."""

    level: int
    kind: str = "prose"
    entity: str | None = None
    explicit: bool = False
    future: bool = False
    line: int = 0
    description: str = ""
    column: str | None = None
    sub: str | None = None
    sub_entity: tuple[str, bool, int] | None = None
    last_fk: list[tuple[str, str]] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)


def strip_heading(text: str) -> str:
    """A heading's words without inline marks and a trailing colon."""
    return strip_inline(text).strip().strip(":").strip()


def entity_name(title: str) -> tuple[str | None, bool, str | None]:
    """(table name, written exactly?, managed-by library) from a heading or bold lead-in."""
    managed = MANAGED.search(title)
    library = managed_library(managed) if managed else None
    code = re.search(r"`([A-Za-z_][\w.]*)`", title)
    if code:
        return code.group(1).split(".")[-1], True, library
    plain = strip_inline(title)
    parens = re.findall(r"\(([^()]*)\)", plain)
    rest = re.sub(r"\([^()]*\)", " ", plain)
    rest = NUMBERING.sub("", rest)
    had_table_word = bool(TABLE_WORDS.search(rest))
    rest = TABLE_WORDS.sub(" ", rest)
    rest = re.sub(r"[:\uff1a\-\u2013\u2014]", " ", rest)
    rest = STOP_WORDS.sub(" ", rest).strip() or rest.strip()
    if not rest:
        inner = [p.strip() for p in parens if IDENT.match(p.strip())]
        return (inner[0], True, library) if inner else (None, False, library)
    if not IDENT.match(rest):
        inner = [p.strip() for p in parens if IDENT.match(p.strip()) and p.strip().islower()]
        if inner and not rest.isascii():
            return inner[0], True, library
        return None, False, library
    if (
        rest.lower() in vocab.PROSE_WORDS
        and not had_table_word
        and not (rest.islower() and plain.strip() == rest)
    ):
        return None, False, library
    exact = rest == rest.lower() and not had_table_word
    return snake(rest), exact or (had_table_word and rest == rest.lower()), library


def heading_kind(title: str) -> str:
    """The kind of section a heading opens (entity when none of the schema words match)."""
    plain = strip_inline(title)
    if FIELDS.match(NUMBERING.sub("", plain)):
        return "fields"
    for kind, pattern in KINDS:
        if pattern.search(plain):
            return kind
    return "entity"


class SectionReader:
    """The stack of open heading sections, and the entity each one describes."""

    def __init__(self, builder: SpecBuilder) -> None:
        self.builder = builder
        self.stack: list[Section] = [Section(level=0)]

    @property
    def section(self) -> Section:
        """The innermost open section."""
        return self.stack[-1]

    def heading(self, level: int, title: str, line: int) -> None:
        """Open the section of a heading, closing those of its level and deeper."""
        while self.stack[-1].level >= level and len(self.stack) > 1:
            self.stack.pop()
        parent = self.stack[-1]
        kind = heading_kind(title)
        if (
            kind == "entity"
            and parent.kind in ("relationships", "indexes", "constraints", "isolation", "enums")
            and not parent.entity
        ):
            kind = parent.kind
        future = parent.future or bool(FUTURE.search(strip_inline(title)))
        section = Section(level=level, kind=kind, future=future, line=line)
        name, explicit, library = entity_name(title)
        current = self.current_entity(parent)
        if kind == "entity" and current and name and self._is_column(current, name):
            section.kind, section.entity, section.column = "column", current[0], name
            section.explicit = current[1]
        elif kind == "entity":
            if name:
                section.entity, section.explicit = name, explicit
            else:
                section.kind = "prose"
        elif kind in ("fields", "indexes", "constraints", "relationships", "enums") and current:
            section.entity, section.explicit = current[0], current[1]
            section.sub = kind
            section.kind = "entity" if kind == "fields" else kind
        if library and section.entity:
            self.builder.managed[section.entity] = (library, line)
        self.stack.append(section)

    def current_entity(self, section: Section | None = None) -> tuple[str, bool, int] | None:
        """(name, written exactly?, line) of the entity the section describes, if any."""
        section = section or self.section
        if section.sub_entity:
            return section.sub_entity
        if section.entity:
            return section.entity, section.explicit, section.line
        return None

    def _is_column(self, current: tuple[str, bool, int], name: str) -> bool:
        entity = self.builder.tables.get((current[0], self.section.future))
        return bool(entity and entity.entity.column(name))

    def entity_here(self, source: str) -> Entity | None:
        """The entity the current section describes (created on first use), if any."""
        current = self.current_entity()
        if current is None:
            return None
        name, explicit, line = current
        return self.builder.entity(
            name,
            line,
            source,
            explicit=explicit,
            future=self.section.future,
            description=self.section.description,
        )

    def statements(self, content: str, line: int) -> None:
        """Tenant column, shared tables and managed-by statements, wherever they are written."""
        plain = strip_inline(content)
        tenant = TENANT.search(plain)
        if tenant and not self.builder.tenant_column:
            name = next(g for g in tenant.groups() if g)
            if name.endswith("_id") or name in ("tenant", "org"):
                self.builder.tenant_column = name
        if self.section.kind == "isolation" and SHARED.search(plain):
            self.builder.shared += re.findall(r"`([A-Za-z_]\w*)`", content) or listed_names(plain)

    def warn_about(self, entity: Entity, heard: list[tuple[int, str]]) -> None:
        """Warnings of the column readers, which name the column but not its table."""
        for line, message in heard:
            self.builder.warn(line, f"{entity.name}.{message}")
