"""Sections of a spec: what a heading (or a bold lead-in) opens, and the stack of open sections.

A section's kind comes from its nearest heading and the shape of its content: a table's when
columns appear under it, else a relationships / indexes / constraints / isolation / future,
function / trigger / view or examples section by its words (see `vocabulary`), or by a wrapper
heading's; never by the document's title. `SectionReader` keeps the stack of heading sections and
answers "which table are we in"; the block readers build on it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from tools.spec.builder import SpecBuilder
from tools.spec.model import Entity, SpecEnum
from tools.spec.names import match_key, snake
from tools.spec.readers import vocabulary as vocab
from tools.spec.readers.enum_lists import enum_item, label_item
from tools.spec.readers.text import strip_inline

_I = re.IGNORECASE
B = vocab.bounded
FUTURE = re.compile(B(vocab.FUTURE), _I)
# The kinds a heading's words say, checked in order: the first kind whose words it has.
_KIND_WORDS = [
    ("views", vocab.VIEWS),
    ("functions", vocab.FUNCTIONS),
    ("triggers", vocab.TRIGGERS),
    ("relationships", vocab.RELATIONSHIPS),
    ("indexes", vocab.INDEXES),
    ("constraints", vocab.CONSTRAINTS),
    ("enums", vocab.ENUMS),
    ("requests", vocab.REQUESTS),
    ("examples", vocab.EXAMPLES),
    ("isolation", vocab.ISOLATION),
]
KINDS: list[tuple[str, re.Pattern[str]]] = [
    ("keys", re.compile(rf"^\s*({vocab.KEYS})\s*$", _I)),
    *((kind, re.compile(B(words), _I)) for kind, words in _KIND_WORDS),
]
# Any kind's words (fields' and keys' too, unanchored): most headings have none, one search says so.
_ANY_KIND = re.compile(
    B("|".join([vocab.FIELDS, vocab.KEYS, *(words for _, words in _KIND_WORDS)])), _I
)
OBJECTS = {"functions": "function", "triggers": "trigger", "views": "view"}
# Sub-sections of a table that hold no columns: its examples, requests, triggers, functions…
ASIDES = frozenset({"examples", "requests", *OBJECTS})
# `name` - what it does, `fn()`: what a list of triggers or functions names first.
_LISTED_OBJECT = re.compile(
    r"^\s*(?:`(?P<code>[A-Za-z_][\w.]*)(?:\(\))?`|(?P<word>[A-Za-z_][\w.]*)(?P<call>\(\))?)"
)
# Kinds a heading passes on to the headings under it ("## Indexes" > "### tasks").
WRAPPERS = {
    "relationships",
    "indexes",
    "constraints",
    "isolation",
    "enums",
    "examples",
    "requests",
    *OBJECTS,
}
# Kinds whose named sections become tables when columns appear in them: the words were about
# the table ("Users table (RLS enabled)", "## Security" > "### api_keys" with a column table,
# "## Notes" with typed bullets).
PROMOTED_BY_COLUMNS = {
    "isolation",
    "relationships",
    "indexes",
    "constraints",
    "enums",
    "keys",
    "prose",
}
NOT_TABLES = {"views", "functions", "triggers", "examples", "requests"}
TABLES_PLURAL = re.compile(B(vocab.TABLES_PLURAL), _I)
FIELDS = re.compile(rf"^(?:{vocab.FIELDS})(?![{vocab.LETTER}])", _I)
TABLE_WORDS = re.compile(B(vocab.TABLE), _I)
STOP_WORDS = re.compile(rf"\b({vocab.STOP})\b", _I)
MANAGED = re.compile(
    rf"(?i:{vocab.MANAGED_BY})\s+(?i:entirely\s+|primarily\s+|fully\s+)?(?i:by)"
    r"\s+(?P<lib>[A-Z][\w\-]*(?:\.[a-z]+)?(?:\s+[A-Z][\w\-]*(?:\.[a-z]+)?){0,2}|our\s+application|the\s+application)"
    rf"|(?i:{vocab.MANAGED_BY_ES})\s+(?P<lib2>[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*)?)"
    rf"|{vocab.MANAGED_BY_IT}\s+(?P<lib3>[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*)?)",
)
SHARED = re.compile(rf"(?<![{vocab.LETTER}])(?:{vocab.SHARED})", _I)
IDENT = re.compile(r"^[A-Za-z_][\w]*$")
TENANT = re.compile(
    r"tenant(?:[_ ]column|[_ ]key|[_ ]id column)?\s*(?:is|:|=)\s*`?(?P<a>[a-z_]\w*)`?"
    r"|\b(?P<b>[a-z_]\w*_id)`?\s+(?:isolates|scopes|identifies)\s+(?:the\s+)?(?:tenant|organi[sz]ation|workspace|account)"
    r"|isolat\w*\s+(?:by|via|on|using|through)\s+`?(?P<c>[a-z_]\w*)`?"
    r"|(?:scoped|partitioned)\s+by\s+`?(?P<d>[a-z_]\w*_id)`?"
    # "All queries must filter by user_id", "every query is filtered on `org_id`"
    r"|(?:all|every)\s+(?:\w+\s+){0,3}filter\w*\s+(?:by|on)\s+`?(?P<e>[a-z_]\w*_id)`?"
    # "user_id = auth.uid()", "WHERE org_id = current_setting('app.org_id')", "= the current user"
    r"|\b(?P<f>[a-z_]\w*_id)`?\s*=\s*`?(?:auth\.uid\(\)|current_setting\s*\(|current_user"
    r"|(?:the\s+)?current\s+(?:user|tenant|org|organi[sz]ation|account|workspace))"
    # "Every table carries `org_id`", "each row has a user_id"
    r"|(?:every|each|all)\s+(?:\w+[- ]){0,2}(?:tables?|rows?|records?)\s+"
    r"(?:has|have|includes?|carr(?:y|ies)|contains?|stores?)\s+(?:an?\s+|the\s+)?`?(?P<g>[a-z_]\w*_id)\b",
    _I,
)
# What a heading adds after a table's name: a gloss after a spaced dash, an {#anchor}, a [tag].
_GLOSS = re.compile(r"\s+[-\u2013\u2014]\s+.*$|\s*\{[^{}]*\}|\s*\[[^\[\]]*\]")
_GLOSS_MARKS = frozenset("-\u2013\u2014{[")  # a gloss has one of them: none, no regex
_PARENS = re.compile(r"\(([^()]*)\)")
_CODE_NAME = re.compile(r"`([A-Za-z_][\w.]*)`")
_TABLE_NUMBER = re.compile(r"\s+(?:no\.\s*|#)?\d+(?:\.\d+)*[a-z]?\s*[:.)\-\u2013\u2014]?\s+")
_DASHES = re.compile(r"[:\-\u2013\u2014]")
_QUALIFIED = re.compile(r"[a-z_]\w*\.[A-Za-z_]\w*")
NUMBERING = re.compile(r"^\s*(?:\d+(?:\.\d+)*[.)]?|[IVX]+\.|[A-Z]\.)\s+")
ARGUMENTS = re.compile(
    rf"(?i)^(?:\*\*\s*(?:{vocab.ARGUMENTS})\s*[:\uff1a]?\s*\*\*|(?:{vocab.ARGUMENTS})\s*[:\uff1a])"
)
RETURNS = re.compile(r"(?i)\breturns?\s*\**\s*:?\s*\**\s*((?:TABLE|SETOF)\b.*)")
# `Table name: x`, `Table: `x``, `テーブル名: `x``: the spec names the table a section describes.
TABLE_NAME = re.compile(
    rf"(?i)^\s*(?:{vocab.TABLE_NAME})\s*[:=]\s*[`'\"]?([A-Za-z_][\w.]*)[`'\"]?\s*$"
)


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
    # A name the heading gives while its words said something else (`### users (RLS)`): the
    # section becomes that table's once columns appear in it.
    candidate: tuple[str, bool] | None = None
    title: bool = False
    obj: tuple[str, str] | None = None  # (function | trigger | view, name) the section describes
    last_fk: list[tuple[str, str]] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)


@lru_cache(maxsize=256)
def _title_text(title: str) -> str:
    """A heading's text without inline marks (cached: four readers of each heading ask for it)."""
    return strip_inline(title)


def strip_heading(text: str) -> str:
    """A heading's words without inline marks and a trailing colon."""
    return strip_inline(text).strip().strip(":").strip()


def _dotted(name: str) -> tuple[str, bool]:
    """`public.users` -> users; Django's `blog.Post` label -> blog_post (its default table)."""
    head, _, last = name.rpartition(".")
    if head and last[:1].isupper() and head.islower():
        return f"{head.split('.')[-1]}_{last.lower()}", True
    return last, True


def _unglossed(text: str) -> str:
    """The heading text without its gloss, anchor or tag (most have none: no regex then)."""
    return text if _GLOSS_MARKS.isdisjoint(text) else _GLOSS.sub("", text)


def entity_name(title: str) -> tuple[str | None, bool, str | None]:
    """(table name, written exactly?, managed-by library) from a heading or bold lead-in."""
    managed = MANAGED.search(title)
    library = managed_library(managed) if managed else None
    code = _CODE_NAME.search(title)
    if code:
        return *_dotted(code.group(1)), library
    plain = unsymbol(_title_text(title))
    plain = _unnumbered(plain)
    plain = _unglossed(plain).strip() or plain  # "Users — who signs in", "Users {#users}"
    parens = _PARENS.findall(plain)
    rest, table_words = TABLE_WORDS.subn(" ", NUMBERING.sub("", _PARENS.sub(" ", plain)))
    had_table_word = table_words > 0
    rest = _DASHES.sub(" ", rest)
    rest = STOP_WORDS.sub(" ", rest).strip() or rest.strip()
    if not rest:
        inner = [p.strip() for p in parens if IDENT.match(p.strip())]
        return (inner[0], True, library) if inner else (None, False, library)
    if _QUALIFIED.fullmatch(rest):
        return *_dotted(rest), library
    same = [p.strip() for p in parens if p.strip().islower() and IDENT.match(p.strip())]
    if same and match_key(same[0]) == match_key(rest):
        return same[0], True, library  # "User (users)": the model, then its table's own name
    if (
        not IDENT.match(rest)
        and had_table_word
        and _name_words(rest)
        and not TABLES_PLURAL.search(plain)
    ):
        return snake(rest), False, library  # "Audit Log Entries Table"
    if not IDENT.match(rest):
        inner = [p.strip() for p in parens if IDENT.match(p.strip()) and p.strip().islower()]
        if inner and not rest.isascii():
            return inner[0], True, library
        return None, False, library
    if had_table_word and rest.lower() in vocab.WRAPPER_QUALIFIERS:
        return None, False, library  # "Data model", "Core tables": a wrapper, not a table
    if (
        rest.lower() in vocab.PROSE_WORDS
        and not had_table_word
        and not (rest.islower() and NUMBERING.sub("", plain).strip() == rest)
    ):
        return None, False, library
    exact = rest == rest.lower() and not had_table_word
    return snake(rest), exact or (had_table_word and rest == rest.lower()), library


def _unnumbered(plain: str) -> str:
    """ "Table 1: users", "Table #2 - tasks" -> "Table users": the number is no name, and the
    dash after it no gloss."""
    word = TABLE_WORDS.match(plain)
    if word is None:
        return plain
    number = _TABLE_NUMBER.match(plain, word.end())
    return f"{word.group()} {plain[number.end() :]}" if number else plain


def unsymbol(text: str) -> str:
    """The text without emoji and other pictographs: `📦 users` -> `users`."""
    if text.isascii():
        return text
    kept = (c for c in text if unicodedata.category(c) != "So" and c not in "\ufe0f\u200d")
    return "".join(kept).strip()


MAX_NAME_WORDS = 3  # "Team Member Invitations": a longer heading is a sentence


def prose_name(title: str) -> str | None:
    """The table a heading of one prose word names ("Notes", "notes (core)") once columns appear.

    Its words alone say nothing ("## Notes" may be remarks); typed columns under it say a table.
    """
    plain = _unglossed(unsymbol(_title_text(title)))
    plain = NUMBERING.sub("", _PARENS.sub(" ", plain)).strip()
    low = plain.lower()
    if IDENT.match(plain) and low in vocab.PROSE_WORDS and low not in vocab.WRAPPER_WORDS:
        return snake(plain)
    if _name_words(plain) and not TABLE_WORDS.search(plain):
        return snake(plain)  # "User Profiles": words for a table, until columns say so
    return None


def _name_words(text: str) -> bool:
    """Two or three plain words that could name a table ("User Profiles"), no wrapper's."""
    words = text.split()
    return (
        1 < len(words) <= MAX_NAME_WORDS
        and all(w.isascii() and w.isalpha() for w in words)
        and not {w.lower() for w in words} & (vocab.WRAPPER_WORDS | vocab.WRAPPER_QUALIFIERS)
        and not STOP_WORDS.search(text)
    )


def heading_kind(title: str) -> str:
    """The kind of section a heading's own words open (entity when no schema word matches)."""
    plain = _title_text(title)
    if not _ANY_KIND.search(plain):
        return "entity"
    if FIELDS.match(NUMBERING.sub("", plain)):
        return "fields"
    for kind, pattern in KINDS:
        if pattern.search(plain):
            # "Page views table", "Request log table": the table word wins over the others.
            if kind in NOT_TABLES and TABLE_WORDS.search(plain) and not TABLES_PLURAL.search(plain):
                return "entity"
            return kind
    return "entity"


def object_name(title: str, kind: str) -> str | None:
    """The function, trigger or view a heading names, without its kind's words."""
    code = re.search(r"`([A-Za-z_][\w.]*)(?:\(\))?`", title)
    if code:
        return code.group(1).split(".")[-1]
    words = dict(KINDS)[kind].sub(" ", strip_inline(title))
    words = re.sub(r"\(\s*\)", "", words)  # update_updated_at()
    name, _, _ = entity_name(words)
    return name


def _may_name_tenant(text: str) -> bool:
    """Whether TENANT can match at all: every way of naming it has `_id`, tenant or isolat-."""
    if "_id" in text:
        return True
    low = text.lower()
    return "tenant" in low or "isolat" in low


class SectionReader:
    """The stack of open heading sections, and the entity each one describes."""

    def __init__(self, builder: SpecBuilder) -> None:
        self.builder = builder
        self.stack: list[Section] = [Section(level=0)]

    @property
    def section(self) -> Section:
        """The innermost open section."""
        return self.stack[-1]

    def heading(self, level: int, title: str, line: int, *, is_title: bool = False) -> None:
        """Open the section of a heading, closing those of its level and deeper.

        A section's kind comes from its own words, else from a wrapper heading above it ("##
        Indexes" > "### tasks"), never from the document's title. A heading that names no table
        under a table's heading ("### カラム一覧", "#### Notes") stays in that table.
        """
        while self.stack[-1].level >= level and len(self.stack) > 1:
            self.stack.pop()
        parent = self.stack[-1]
        inherited = parent.kind if not parent.title and not parent.entity else "prose"
        kind = heading_kind(title)
        if kind == "entity" and inherited in WRAPPERS:
            kind = inherited
        # The title's words are about the document ("Future-proof schema"), never its sections.
        said_future = not is_title and bool(FUTURE.search(_title_text(title)))
        future = (parent.future and not parent.title) or said_future
        section = Section(level=level, kind=kind, future=future, line=line, title=is_title)
        name, explicit, library = entity_name(title)
        if kind == "fields" and parent.title and self.promote():
            parent = self.stack[-1]  # "# users" > "## Columns": the title named the table
        current = self.current_entity(parent)
        if kind == "entity" and current and name and self._is_column(current, name):
            section.kind, section.entity, section.column = "column", current[0], name
            section.explicit = current[1]
        elif kind == "entity" and name:
            section.entity, section.explicit = name, explicit
        elif kind == "entity" and current:
            self._within(section, current, "other")
        elif kind == "entity":
            section.kind = "prose"
            prose = prose_name(title)
            section.candidate = (prose, False) if prose else None
        elif kind in OBJECTS:
            self._object(section, title, kind, current, inherited=kind == inherited)
        elif kind in ("fields", "indexes", "constraints", "relationships", "enums") and current:
            self._within(section, current, kind)
            section.kind = "entity" if kind == "fields" else kind
        elif kind in ("examples", "requests") and current:
            self._within(section, current, kind)
        elif name and kind in PROMOTED_BY_COLUMNS | {"examples"}:
            section.candidate = (name, explicit)
        if library and section.entity:
            self.builder.managed[section.entity] = (library, line)
        if is_title and section.kind == "entity" and section.entity:
            # "# TaskFlow": a title names the document; a table only once columns appear under it.
            section.candidate = (section.entity, section.explicit)
            section.entity = None
        if is_title:
            section.kind = "prose"  # the title's words are about the document, not a section
        self.stack.append(section)

    def _within(self, section: Section, current: tuple[str, bool, int], sub: str) -> None:
        """A sub-section of the table `current` describes (its columns, notes, indexes…)."""
        section.kind = "entity"
        section.entity, section.explicit, section.sub = current[0], current[1], sub

    def _object(
        self,
        section: Section,
        title: str,
        kind: str,
        current: tuple[str, bool, int] | None,
        *,
        inherited: bool,
    ) -> None:
        """A function, trigger or view heading (or a wrapper of them): never a table.

        Under a wrapper ("## Functions") any name is one; a heading's own words name one only
        when written as code (`fn`, fn(), snake_case): "Recovery Procedures" is prose.
        """
        name = object_name(title, kind)
        code = "`" in title or "(" in title or (name is not None and "_" in name)
        if name and (inherited or code):
            section.obj = (OBJECTS[kind], name)
            self.builder.add_object(OBJECTS[kind], name, section.line)
        elif current:
            self._within(section, current, kind)  # "#### Triggers" of a table: its triggers
        else:
            section.kind = kind if not name else "prose"

    def promote(self) -> bool:
        """Make the current section its candidate table's, once columns appear in it."""
        section = self.section
        if section.candidate is None or section.entity:
            return False
        section.kind, section.sub = "entity", None
        section.entity, section.explicit = section.candidate
        section.candidate = None
        return True

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

    def known_entity(self) -> Entity | None:
        """The entity the current section describes, when it is read already (never created)."""
        current = self.current_entity()
        table = self.builder.tables.get((current[0], self.section.future)) if current else None
        return table.entity if table else None

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
        tenant = TENANT.search(plain) if _may_name_tenant(plain) else None
        if tenant and not self.builder.tenant_column:
            name = next(g for g in tenant.groups() if g)
            if name.endswith("_id") or name in ("tenant", "org"):
                self.builder.tenant_column = name
        if self.section.kind == "isolation" and SHARED.search(plain):
            self.builder.shared += re.findall(r"`([A-Za-z_]\w*)`", content) or listed_names(plain)

    def note(self, text: str, line: int, last: int | None = None) -> None:
        """A remark about the current table (kept on it when it exists): read, not a column."""
        entity = self.known_entity()
        if entity is not None and text:
            entity.notes.append(text)
        self.builder.ledger.mark(line, last)

    def rename(self, name: str, line: int) -> None:
        """`Table name: team_members` under `## teamMembers`: the section's table is that one."""
        section = self.section
        name = _dotted(name)[0]
        if section.sub_entity:
            section.sub_entity = (name, True, section.sub_entity[2])
        elif section.candidate and not section.entity:
            section.candidate = (name, True)
            self.promote()
        else:
            section.entity, section.explicit = name, True
        self.builder.ledger.mark(line)

    def object_lead(self, content: str, line: int) -> bool:
        """`**Arguments**`, `Returns: TABLE (…)`: the section describes a function, not a table."""
        plain = strip_inline(content)
        lead = ARGUMENTS.match(content.strip()) or ARGUMENTS.match(plain)
        returns = RETURNS.search(plain)
        if not lead and not returns:
            return False
        section = self.section
        if section.obj is None:
            current, known = self.current_entity(), self.known_entity()
            if current is None or (known is not None and known.columns):
                return False
            section.obj = ("function", current[0])
            section.entity, section.sub_entity = None, None
            self.builder.add_object("function", current[0], section.line)
        kind, name = section.obj
        if kind == "function" and returns:
            self.builder.add_object(kind, name, line, returns=returns.group(1).strip()[:200])
        self.builder.ledger.mark(line, line + content.count("\n"))
        return True

    def object_item(self, plain: str, line: int) -> None:
        """A bullet or row under a function, trigger or view: its arguments or columns."""
        assert self.section.obj is not None
        kind, name = self.section.obj
        item = re.match(r"^([A-Za-z_]\w*)", plain)
        if kind == "function":
            found = self.builder.functions.get(name)
            if found is not None:
                found.arguments.append(plain[:200])
        elif kind == "view" and item:
            found_view = self.builder.views.get(name)
            if found_view is not None and item.group(1) not in found_view.columns:
                found_view.columns.append(item.group(1))
        self.builder.ledger.mark(line)

    def listed_object(self, content: str, line: int) -> None:
        """An item of a table's list of triggers, functions or views (`name` - what it does):
        the object, when written as code (`name`, name(), snake_case), and a note of the table."""
        kind = OBJECTS[self.section.sub or ""]
        listed = _LISTED_OBJECT.match(content)
        name = listed and (listed.group("code") or listed.group("word"))
        if listed and name and (listed.group("code") or listed.group("call") or "_" in name):
            current = self.current_entity()
            facts = {"table": current[0]} if kind == "trigger" and current else {}
            self.builder.add_object(kind, name.split(".")[-1], line, **facts)
        self.note(strip_inline(content), line)

    def enum_heading(self) -> str | None:
        """The enum type the current Enums section's heading names (`### task_status`), if any:
        `## Enums` names none."""
        section = self.section
        if section.entity or not section.candidate:
            return None
        name = section.candidate[0]
        return name if heading_kind(name) == "entity" else None

    def enum_item(self, content: str, line: int) -> bool:
        """Under an Enums heading: `task_status`: todo, done; under a type's own heading
        (`### task_status`), one of its labels (`enum_lists`)."""
        section = self.section
        named = self.enum_heading()
        if named is None:
            item = enum_item(content)
            if item is None:
                return False
            self.builder.enums[item[0]] = SpecEnum(name=item[0], values=item[1], line=line)
        else:
            label = label_item(content)
            if label is None:
                return False
            enum = self.builder.enums.setdefault(
                named, SpecEnum(name=named, values=[], line=section.line)
            )
            if label not in enum.values:
                enum.values.append(label)
        self.builder.ledger.mark(line)
        return True

    def warn_about(self, entity: Entity, heard: list[tuple[int, str]]) -> None:
        """Warnings of the column readers, which name the column but not its table."""
        for line, message in heard:
            self.builder.warn(line, f"{entity.name}.{message}")
