"""The Markdown structure of a spec (markdown-it-py): headings, bullets, tables, code fences.

Headings and bold lead-ins open sections; a section is an entity when columns appear under it,
or a relationships / indexes / constraints / isolation / future section by its words (English,
Spanish, Italian, Japanese). Code fences go to the SQL, SQLModel, Prisma and mermaid readers.
Lines in schema sections that cannot be read become warnings with their line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from tools.spec.builder import SpecBuilder, match_key, snake
from tools.spec.model import Entity, Reference, Relationship, SpecConstraint, SpecIndex
from tools.spec.readers.columns import (
    parse_column_bullet,
    parse_column_row,
    split_top,
    strip_inline,
)
from tools.spec.readers.fences import read_fence
from tools.spec.readers.relations import (
    FK_ARROW,
    LIST_TAIL,
    ON_DELETE,
    REL_PATTERNS,
    on_delete_action,
)
from tools.spec.readers.tables import map_headers, split_tables

_I = re.IGNORECASE
FUTURE = re.compile(
    r"\b(future|futur[eo]s?|optional|opcional|opzional[ei]|planned|later|roadmap|out of scope"
    r"|fuera de alcance|proposed|nice[- ]to[- ]have|backlog|deferred|wishlist"
    r"|phase\s*\d+\s*\(future\))\b"
    r"|将来|予定|今後",
    _I,
)
KINDS: list[tuple[str, re.Pattern[str]]] = [
    (
        "keys",
        re.compile(r"^\s*(primary\s+keys?|claves\s+primarias|chiavi\s+primarie|主キー)\s*$", _I),
    ),
    (
        "relationships",
        re.compile(
            r"relationship|relations|relaci[oó]n|relazion|リレーション|関連|関係|\berd\b"
            r"|entity.relationship|foreign keys?\b",
            _I,
        ),
    ),
    ("indexes", re.compile(r"\bindex|\bindexes|\bindices|índices|\bindici|インデックス|索引", _I)),
    (
        "constraints",
        re.compile(
            r"constraint|restricci|vincol|制約|integrity|validat|validaci|convalida|\brules?\b"
            r"|reglas|regole|business rules",
            _I,
        ),
    ),
    (
        "enums",
        re.compile(r"\benums?\b|enumera|data types|^types$|tipos de datos|tipi di dati|列挙", _I),
    ),
    (
        "isolation",
        re.compile(
            r"isolation|tenan|row.level|\brls\b|aislamiento|isolamento|テナント|分離|multi.?user"
            r"|data access|access control|security|seguridad|sicurezza|セキュリティ",
            _I,
        ),
    ),
]
FIELDS = re.compile(
    r"^(fields?|columns?|attributes?|campos?|campi|colonne|columnas|カラム|フィールド|属性|項目"
    r"|field definitions?|field details|column definitions?|schema|structure|estructura"
    r"|struttura|properties|propiedades|proprietà|definition|definici[oó]n|definizione)\b",
    _I,
)
PROSE_WORDS = {
    "overview",
    "introduction",
    "summary",
    "notes",
    "note",
    "migration",
    "migrations",
    "setup",
    "configuration",
    "examples",
    "queries",
    "performance",
    "purpose",
    "description",
    "tables",
    "models",
    "entities",
    "schema",
    "database",
    "resumen",
    "riepilogo",
    "panoramica",
    "概要",
    "storage",
    "commands",
    "references",
    "contents",
    "glossary",
    "changelog",
    "usage",
    "testing",
    "deployment",
    "monitoring",
    "maintenance",
    "backup",
    "conventions",
    "status",
    "version",
}
TABLE_WORDS = re.compile(
    r"\b(tables?|tablas?|tabell[ae]|tabelle|models?|modelos?|modell[oi]|entit(y|ies)|entidad(es)?"
    r"|entità|collection|aggregate)\b|テーブル|モデル|エンティティ",
    _I,
)
STOP_WORDS = re.compile(r"\b(de|del|la|las|los|el|di|dei|degli|delle|della|the|of|for|a|an)\b", _I)
MANAGED = re.compile(
    r"(?i:managed|owned|handled|provided|maintained)\s+(?i:entirely\s+|primarily\s+|fully\s+)?(?i:by)"
    r"\s+(?P<lib>[A-Z][\w\-]*(?:\.[a-z]+)?(?:\s+[A-Z][\w\-]*(?:\.[a-z]+)?){0,2}|our\s+application|the\s+application)"
    r"|(?i:gestionad[ao]\s+por)\s+(?P<lib2>[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*)?)"
    r"|gestit[ao]\s+da\s+(?P<lib3>[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*)?)",
)
IDENT = re.compile(r"^[A-Za-z_][\w]*$")
TENANT = re.compile(
    r"tenant(?:[_ ]column|[_ ]key|[_ ]id column)?\s*(?:is|:|=)\s*`?(?P<a>[a-z_]\w*)`?"
    r"|`?(?P<b>[a-z_]\w*_id)`?\s+(?:isolates|scopes|identifies)\s+(?:the\s+)?(?:tenant|organi[sz]ation|workspace|account)"
    r"|isolat\w*\s+(?:by|via|on|using|through)\s+`?(?P<c>[a-z_]\w*)`?"
    r"|(?:scoped|partitioned)\s+by\s+`?(?P<d>[a-z_]\w*_id)`?",
    _I,
)
# Inline parsing is left out: only each block's source text is used (a third of the time). Pipe
# tables are cut out of their paragraph by `split_tables`: markdown-it's table rule makes three
# tokens per cell and was half of the parse time of a spec made of tables.
_MARKDOWN = MarkdownIt("commonmark").disable(["inline", "text_join", "reference", "html_block"])
_COMPOSITE = re.compile(
    r"(?i)^(?P<kind>unique(?:\s+constraint)?|primary\s+key|index|unique\s+index)\s*[:\uff1a]?\s*"
    r"\(?(?P<cols>[\w\s,]+?)\)?\s*(?:[-\u2013\u2014].*)?$"
)
NOT_A_TABLE = {"none", "no", "n", "a", "nothing", "ninguna", "nessuna", "tbd"}


def _listed(plain: str) -> list[str]:
    """Table names listed after a colon without backticks: `Shared tables: countries, plans`."""
    _, colon, listed = plain.partition(":")
    if not colon:
        return []
    listed = re.sub(r"\([^)]*\)", " ", listed)  # "(global lookup data)"
    items = re.split(r",|;|\band\b|\by\b|\be\b", listed)
    names = [item.strip().strip(".") for item in items]
    return [n for n in names if re.fullmatch(r"[A-Za-z_]\w*", n) and n.lower() not in NOT_A_TABLE]


SHARED = re.compile(r"\b(shared|global|not tenant|cross-tenant|compartid|condivis|共有)", _I)


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


def _strip_heading(text: str) -> str:
    return strip_inline(text).strip().strip(":").strip()


def entity_name(title: str) -> tuple[str | None, bool, str | None]:
    """(table name, written exactly?, managed-by library) from a heading or bold lead-in."""
    managed = MANAGED.search(title)
    library = None
    if managed:
        library = (
            managed.group("lib") or managed.group("lib2") or managed.group("lib3") or ""
        ).strip()
    code = re.search(r"`([A-Za-z_][\w.]*)`", title)
    if code:
        return code.group(1).split(".")[-1], True, library
    plain = strip_inline(title)
    parens = re.findall(r"\(([^()]*)\)", plain)
    rest = re.sub(r"\([^()]*\)", " ", plain)
    rest = re.sub(r"^\s*\d+(\.\d+)*[.)]?\s+", "", rest)
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
        rest.lower() in PROSE_WORDS
        and not had_table_word
        and not (rest.islower() and plain.strip() == rest)
    ):
        return None, False, library
    exact = rest == rest.lower() and not had_table_word
    return snake(rest), exact or (had_table_word and rest == rest.lower()), library


def heading_kind(title: str) -> str:
    """The kind of section a heading opens (entity when none of the schema words match)."""
    plain = strip_inline(title)
    if FIELDS.match(re.sub(r"^\s*\d+(\.\d+)*[.)]?\s+", "", plain)):
        return "fields"
    for kind, pattern in KINDS:
        if pattern.search(plain):
            return kind
    return "entity"


class MarkdownReader:
    """Walks markdown-it tokens, keeping a stack of heading sections."""

    def __init__(self, builder: SpecBuilder) -> None:
        self.builder = builder
        self.stack: list[Section] = [Section(level=0)]
        self.bold_rel: re.Pattern[str] = re.compile(
            r"^\*\*(?P<title>[^*]{1,80})\*\*\s*(?P<rest>.*)$", re.S
        )

    # --- the walk ------------------------------------------------------------------------

    def read(self, text: str) -> None:
        """Read the whole document."""
        tokens = _MARKDOWN.parse(text)
        index, items = 0, []
        while index < len(tokens):
            token = tokens[index]
            try:
                index = self._token(tokens, index, items)
            except Exception as error:
                self.builder.warn(_line(token), f"line not read ({type(error).__name__})")
                index += 1

    def _token(self, tokens: list[Token], index: int, items: list[str]) -> int:
        """Handle one token; returns the index of the next token to read."""
        token = tokens[index]
        if token.type == "heading_open":
            self.heading(int(token.tag[1]), tokens[index + 1].content, _line(token))
            return index + 3
        if token.type == "list_item_open":
            items.append("")
        elif token.type == "list_item_close":
            items.pop()
        elif token.type == "inline":
            for kind, content, line in split_tables(token.content, _line(token)):
                if kind == "table":
                    self.table(content[0], content[1], line)  # type: ignore[arg-type]
                elif items and items[-1] == "":
                    items[-1] = content  # type: ignore[assignment]
                    self.bullet(content, line, [i for i in items[:-1] if i])  # type: ignore[arg-type]
                elif not items:
                    self.paragraph(content, line)  # type: ignore[arg-type]
        elif token.type == "fence":
            self.fence(token)
        return index + 1

    @property
    def section(self) -> Section:
        return self.stack[-1]

    def heading(self, level: int, title: str, line: int) -> None:
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
        section = section or self.section
        if section.sub_entity:
            return section.sub_entity
        if section.entity:
            return section.entity, section.explicit, section.line
        return None

    def _is_column(self, current: tuple[str, bool, int], name: str) -> bool:
        entity = self.builder.tables.get((current[0], self.section.future))
        return bool(entity and entity.entity.column(name))

    def _entity(self, source: str) -> Entity | None:
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

    # --- blocks --------------------------------------------------------------------------

    def paragraph(self, content: str, line: int) -> None:
        section = self.section
        self.statements(content, line)
        bold = self.bold_rel.match(content.strip())
        if bold:
            title = _strip_heading(bold.group("title"))
            rest = bold.group("rest").strip().lstrip(":").strip()
            kind = heading_kind(title)
            if kind != "entity" or FIELDS.match(title):
                section.sub = "fields" if kind == "entity" else kind
                return
            name, explicit, library = entity_name(title)
            current = self.current_entity()
            if name and current and match_key(name) == match_key(current[0]):
                section.description = section.description or rest
                if library:
                    self.builder.managed[current[0]] = (library, line)
                return
            plural = re.search(
                r"(?i)\b(tables|models|modelli|tablas|tabelle|entities|entidades)\b", title
            )
            if (
                name
                and not plural
                and (
                    TABLE_WORDS.search(title) or rest.startswith("(") or "`" in bold.group("title")
                )
            ):
                section.sub_entity, section.sub = (name, explicit, line), None
                section.description = ""
                if library:
                    self.builder.managed[name] = (library, line)
                return
            if not rest:
                section.sub_entity = None  # a lead-in for a list about something else
        managed = MANAGED.search(content)
        current = self.current_entity()
        if managed and current:
            library = (
                managed.group("lib") or managed.group("lib2") or managed.group("lib3") or ""
            ).strip()
            named = re.search(r"`?(\w+)`?\s+table\s+is", content)
            table = named.group(1) if named else current[0]
            if table.lower() in ("this", "the", "that", "each", "every", "a"):
                table = current[0]
            self.builder.managed[table] = (library, line)
        if section.kind in ("entity", "column") and not section.description and not section.sub:
            section.description = strip_inline(content).split("\n")[0][:300]

    def statements(self, content: str, line: int) -> None:
        """Tenant column, shared tables and managed-by statements, wherever they are written."""
        plain = strip_inline(content)
        tenant = TENANT.search(plain)
        if tenant and not self.builder.tenant_column:
            name = next(g for g in tenant.groups() if g)
            if name.endswith("_id") or name in ("tenant", "org"):
                self.builder.tenant_column = name
        if self.section.kind == "isolation" and SHARED.search(plain):
            self.builder.shared += re.findall(r"`([A-Za-z_]\w*)`", content) or _listed(plain)

    def bullet(self, content: str, line: int, parents: list[str]) -> None:
        section = self.section
        self.statements(content, line)
        plain = strip_inline(content)
        if (section.kind in ("prose", "isolation", "enums") and not section.sub_entity) or (
            section.kind == "constraints" and not self.current_entity()
        ):
            managed = MANAGED.search(plain)
            name = re.match(r"^`?([A-Za-z_]\w*)`?\s*\(", content.strip())
            if managed and name:
                library = (
                    managed.group("lib") or managed.group("lib2") or managed.group("lib3") or ""
                ).strip()
                self.builder.managed[name.group(1)] = (library, line)
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
            return  # a bold title of a list item: the nested items carry the content
        if section.kind == "relationships" or section.sub == "relationships":
            if self.current_entity() and self.fk_bullet(plain, line):
                return
            if not self.relationship(plain, line):
                self.builder.warn(line, "relationship not read")
            return
        if section.kind == "indexes" or section.sub == "indexes":
            if not self.index_bullet(plain, line):
                self.builder.warn(line, "index not read")
            return
        if section.kind == "column":
            entity = self._entity("bullets")
            column = entity.column(section.column) if entity and section.column else None
            if column is not None:
                column.notes.append(plain)
            return
        if (
            section.sub == "constraints"
            and self.current_entity()
            and self.composite_bullet(plain, line)
        ):
            return
        if section.sub in ("constraints",) and self.constraint_bullet(plain, line):
            return
        if section.sub in ("constraints", "rules") or re.match(
            r"(?i)^(validation|rules|notes?)\b", parents[-1] if parents else ""
        ):
            entity = self._entity("bullets")
            if entity is not None:
                entity.notes.append(plain)
            return
        self.entity_bullet(content, plain, line)

    def entity_bullet(self, content: str, plain: str, line: int) -> None:
        section = self.section
        table_name = re.match(
            r"(?i)^(?:table\s*name|nombre\s+de\s+(?:la\s+)?tabla|nome\s+(?:della\s+)?tabella|テーブル名)\s*[:\uff1a]\s*`?([A-Za-z_]\w*)`?",
            plain,
        )
        if table_name and self.current_entity():
            name = table_name.group(1)
            if section.sub_entity:
                section.sub_entity = (name, True, section.sub_entity[2])
            else:
                section.entity, section.explicit = name, True
            return
        if re.match(
            r"(?i)^(columns?|fields?|campos?|campi|colonne|カラム|フィールド)\s*[:\uff1a]?\s*$",
            plain,
        ):
            section.sub = None
            return
        if self.current_entity() is None:
            return
        if self.composite_bullet(plain, line):
            return
        existing = self.builder.tables.get((self.current_entity()[0], section.future))  # type: ignore[index]
        known = {c.name for c in existing.entity.columns} if existing else set()
        heard: list[tuple[int, str]] = []
        columns = parse_column_bullet(content, line, known, lambda *said, to=heard: to.append(said))
        if columns:
            entity = self._entity("bullets")
            assert entity is not None
            self.warn_about(entity, heard)
            for column in columns:
                self.builder.add_column(entity, column, "bullets")
            return
        if re.search(r"(?i)index|\bidx", plain) and self.index_bullet(plain, line):
            return
        current = self.current_entity()
        known = current is not None and (current[0], section.future) in self.builder.tables
        if known or re.match(r"^[A-Za-z_]\w*\s*(:|\(|\s[-\u2013\u2014]\s)", plain):
            self.builder.warn(line, "not read as a column")

    def warn_about(self, entity: Entity, heard: list[tuple[int, str]]) -> None:
        """Warnings of the column readers, which name the column but not its table."""
        for line, message in heard:
            self.builder.warn(line, f"{entity.name}.{message}")

    def composite_bullet(self, plain: str, line: int) -> bool:
        """`Unique constraint: (a, b)`, `Primary key: (a, b)` or `Index: (a, b)` of a table."""
        composite = _COMPOSITE.match(plain)
        if not composite or re.match(r"(?i)^index\s+on\b", plain):
            return False
        cols = [c.strip() for c in composite.group("cols").split(",") if c.strip()]
        self.composite(composite.group("kind").lower(), cols, line)
        return True

    def composite(self, kind: str, cols: list[str], line: int) -> None:
        entity = self._entity("bullets")
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
        entity = self._entity("bullets")
        if entity is None:
            return False
        if not self.fk_bullet(plain, line):
            entity.notes.append(plain)
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
        """`fk_tasks_user_id`: References users(id) with CASCADE on DELETE (entity context)."""
        entity = self._entity("bullets")
        if entity is None:
            return False
        fk = re.search(r"references\s+`?(?P<t>\w+)`?\s*\(\s*(?P<c>\w+)\s*\)(?P<rest>.*)", plain, _I)
        name = re.match(r"^`?(?:fk_)?(?P<n>\w+)`?\s*:", plain)
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
        current = self.current_entity()
        purpose = ""
        on = re.search(
            r"(?i)(?P<unique>unique\s+)?(?:composite\s+|full-text\s+search\s+|gin\s+)?index\s+on\s+(?:the\s+)?"
            r"(?P<cols>[A-Za-z_]\w*(?:\s*(?:,|and|\+)\s*[A-Za-z_]\w*)*)",
            plain,
        )
        if re.match(r"(?i)^primary\s+key\s+on\b", plain):
            return True
        if on and current:
            cols = [c for c in re.split(r"\s*(?:,|\band\b|\+)\s*", on.group("cols")) if c]
            cols = [c for c in cols if c.lower() not in ("column", "field", "columns", "fields")]
            name = re.match(r"^`?(idx_\w+|ix_\w+|\w+_idx)`?", plain)
            table = self.builder.tables.get((current[0], self.section.future))
            if table and name and any(table.entity.column(c) is None for c in cols):
                stem = re.sub(r"^(idx|ix)_|_idx$", "", name.group(1)).removeprefix(current[0] + "_")
                if table.entity.column(stem):
                    cols = [stem]
            self.builder.indexes.append(
                SpecIndex(
                    future=self.section.future,
                    table=current[0],
                    columns=cols,
                    unique=bool(on.group("unique")),
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
            cols = [c.strip() for c in listed.group(2).split(",") if c.strip()]
            unique = bool(re.search(r"(?i)\bunique\b", listed.group("rest")))
            self.builder.indexes.append(
                SpecIndex(
                    future=self.section.future,
                    table=listed.group(1),
                    columns=cols,
                    unique=unique,
                    purpose=listed.group("rest").strip(" -\u2013\u2014:"),
                    line=line,
                )
            )
            return True
        if current:
            col = re.match(r"^`?([A-Za-z_]\w*)`?\s*(?:[-\u2013\u2014:(]|$)", plain)
            entity = self.builder.tables.get((current[0], self.section.future))
            if (
                col
                and (self.section.sub == "indexes" or self.section.kind == "indexes")
                and (entity is None or entity.entity.column(col.group(1)) is not None)
            ):
                self.builder.indexes.append(
                    SpecIndex(
                        future=self.section.future,
                        table=current[0],
                        columns=[col.group(1)],
                        purpose=plain,
                        line=line,
                    )
                )
                return True
        return False

    def relationship(self, plain: str, line: int) -> bool:
        section = self.section
        plain = re.sub(r"\b\w+\s+\((\w+)\)", r"\1", plain)  # "an agent (profile)" -> profile
        found = False
        for match in FK_ARROW.finditer(plain):
            self.builder.relationships.append(
                Relationship(
                    from_table=match.group("t1"),
                    to_table=match.group("t2"),
                    kind="many-to-one",
                    via=match.group("c1"),
                    text=plain,
                    line=line,
                )
            )
            self.fk_from_text(match, plain, line)
            section.last_fk.append((match.group("t1"), match.group("c1")))
            found = True
        if found:
            return True
        found = False
        for clause in re.split(r";\s*|\.\s+", plain):
            for pattern, kind, _ in REL_PATTERNS:
                match = pattern.search(clause)
                if not match:
                    continue
                a, via = match.group("a"), match.groupdict().get("via")
                # "Organization has many Users, Projects and Tags": one relationship per name.
                more = LIST_TAIL.match(clause[match.end() :]) if kind == "one-to-many" else None
                names = [match.group("b")] + (re.findall(r"\w+", more.group(0)) if more else [])
                for b in (n for n in names if n.lower() not in ("and", "or", "y", "e")):
                    self.builder.relationships.append(
                        Relationship(
                            from_table=a, to_table=b, kind=kind, via=via, text=plain, line=line
                        )
                    )
                    section.pairs.append((a, b))
                self._cascade(clause, line, [(a, names[0])])
                found = True
                break
        if found:
            return True
        action = ON_DELETE.search(plain)
        if action:
            word = next(g for g in action.groups() if g)
            if section.last_fk:
                table, column = section.last_fk[-1]
                self.builder.fk_actions.append((table, column, on_delete_action(word), line))
                return True
            words = re.findall(r"[A-Za-z_]\w+", plain)
            names = [w for w in words if match_key(w) in self._entity_keys()]
            if len(set(map(match_key, names))) >= 2:
                self.builder.cascades.append((names[0], names[1], on_delete_action(word), line))
                return True
            if section.pairs:
                a, b = section.pairs[-1]
                self.builder.cascades.append((a, b, on_delete_action(word), line))
                return True
        return False

    def _cascade(self, plain: str, line: int, pairs: list[tuple[str, str]]) -> None:
        action = ON_DELETE.search(plain)
        if action:
            word = next(g for g in action.groups() if g)
            self.builder.cascades.append((pairs[0][0], pairs[0][1], on_delete_action(word), line))

    def _entity_keys(self) -> set[str]:
        return {match_key(name) for name, _ in self.builder.tables}

    def fk_from_text(self, match: re.Match[str], plain: str, line: int) -> None:
        table, column = match.group("t1"), match.group("c1")
        self.builder.text_fks.append((table, column, match.group("t2"), match.group("c2"), line))
        action = ON_DELETE.search(plain[match.end() :])
        if action:
            word = next(g for g in action.groups() if g)
            self.builder.fk_actions.append((table, column, on_delete_action(word), line))

    def table(self, headers: list[str], rows: list[tuple[int, list[str]]], line: int) -> None:
        headers = [strip_inline(h).lower() for h in headers]
        mapping = map_headers(headers, rows)
        section = self.section
        if mapping is None:
            about_indexes = section.kind == "indexes" or section.sub == "indexes"
            if (about_indexes or any("index" in h for h in headers)) and self.index_table(
                headers, rows
            ):
                return
            if (
                section.kind in ("entity",)
                and self.current_entity()
                and section.sub not in ("constraints", "rules")
            ):
                self.builder.warn(line, f"table with columns {', '.join(headers)!r} not read")
            return
        entity = self._entity("table")
        if entity is None:
            self.builder.warn(line, "column table outside any table section: not read")
            return
        for row_line, cells in rows:
            values = {key: cells[i] for key, i in mapping.items() if i < len(cells)}
            heard: list[tuple[int, str]] = []
            columns = parse_column_row(values, row_line, lambda *said, to=heard: to.append(said))
            if not columns:
                self.builder.warn(row_line, "table row not read as a column")
                continue
            self.warn_about(entity, heard)
            for column in columns:
                if column.user_type:
                    self.builder.type_names.append((entity.name, column.name))
                self.builder.add_column(entity, column, "table")

    def index_table(self, headers: list[str], rows: list[tuple[int, list[str]]]) -> bool:
        cols_at = next(
            (
                i
                for i, h in enumerate(headers)
                if re.search(r"column|field|columna|colonn|カラム", h)
            ),
            None,
        )
        name_at = next(
            (i for i, h in enumerate(headers) if re.search(r"index|name|nombre|nome|名", h)), None
        )
        table_at = next(
            (i for i, h in enumerate(headers) if re.search(r"^table|tabla|tabella|テーブル", h)),
            None,
        )
        if cols_at is None:
            return False
        current = self.current_entity()
        for row_line, cells in rows:
            columns = [
                c.strip()
                for c in split_top(strip_inline(cells[cols_at]) if cols_at < len(cells) else "")
                if c.strip()
            ]
            name = (
                strip_inline(cells[name_at])
                if name_at is not None and name_at < len(cells)
                else None
            )
            table = (
                strip_inline(cells[table_at])
                if table_at is not None and table_at < len(cells)
                else ""
            )
            self.builder.indexes.append(
                SpecIndex(
                    future=self.section.future,
                    table=table or (current[0] if current else ""),
                    columns=columns,
                    name=name,
                    unique=bool(name and "unique" in (cells[-1] or "").lower()),
                    purpose=strip_inline(cells[-1]) if cells else "",
                    line=row_line,
                )
            )
        return True

    def fence(self, token: Token) -> None:
        first = (token.map[0] + 2) if token.map else 1
        if not token.info.strip() and self.section.kind == "relationships":
            for offset, text in enumerate(token.content.splitlines()):
                if text.strip():
                    self.relationship(text.strip(), first + offset)
            return
        read_fence(token.info.strip(), token.content, first, self.builder, self.section.future)


def _line(token: Token) -> int:
    return (token.map[0] + 1) if token.map else 0
