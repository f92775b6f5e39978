"""The Markdown structure of a spec (markdown-it-py): headings, paragraphs, lists, tables, fences.

`MarkdownReader` walks markdown-it's block tokens and hands each block to its reader: headings to
`SectionReader.heading`, list items to `BulletReader`, pipe tables to `TableReader`, code fences to
the SQL, SQLModel, Prisma, Drizzle, Django, Laravel and mermaid readers (`fences`). Paragraphs
carry statements (tenant column, shared tables, managed-by, `Table name: x`) and bold lead-ins;
each block of a table section is registered with the ledger, so one nothing read is reported.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import heading as atx_heading
from markdown_it.token import Token

from tools.spec.names import match_key, snake
from tools.spec.readers import vocabulary as vocab
from tools.spec.readers.bullets import COLUMNS_LEAD, BulletReader
from tools.spec.readers.fences import SQL_LANGS, read_fence
from tools.spec.readers.sections import (
    FIELDS,
    MANAGED,
    TABLE_NAME,
    TABLE_WORDS,
    entity_name,
    heading_kind,
    managed_library,
    strip_heading,
)
from tools.spec.readers.sql_fragments import is_constraint
from tools.spec.readers.tables import TableReader, split_tables
from tools.spec.readers.text import strip_inline

_PLURAL = re.compile(vocab.bounded(vocab.TABLES_PLURAL), re.I)
_VALUES = re.compile(
    r"(?i)^(?:allowed\s+|valid\s+|possible\s+)?(?P<column>\w+(?:\s\w+)?)\s+"
    r"(?P<kind>values|types|options|states|statuses|kinds|levels)$"
)
_LISTS = ("indexes", "relationships", "constraints", "values")
_NOTES = re.compile(rf"(?:{vocab.HEADER_NOTES}|comments?|considerations?)", re.I)
_BOLD = re.compile(r"^\*\*(?P<title>[^*\n]{1,80})\*\*\s*(?P<rest>.*)$", re.S)


def _markdown() -> MarkdownIt:
    """CommonMark block parsing, tuned to what the reader uses.

    Inline parsing is left out: only each block's source text is used (a third of the time). Pipe
    tables are cut out of their paragraph by `split_tables`: markdown-it's table rule makes three
    tokens per cell and was half of the parse time of a spec made of tables. The heading rule is
    tried first: no rule before it takes a line starting with `#` (indented code it refuses
    itself), and a spec of headings no longer tries five other rules on each line.
    """
    markdown = MarkdownIt("commonmark").disable(["inline", "text_join", "reference", "html_block"])
    rules = markdown.block.ruler
    alt = next(rule.alt for rule in rules.__rules__ if rule.name == "heading")
    rules.before("code", "heading_first", atx_heading, {"alt": alt})
    rules.disable("heading")
    return markdown


_MARKDOWN = _markdown()


def _title_index(tokens: list[Token]) -> int | None:
    """The token of the document's title: its first heading, alone at the top level."""
    levels = [(i, int(t.tag[1])) for i, t in enumerate(tokens) if t.type == "heading_open"]
    if not levels:
        return None
    top = min(level for _, level in levels)
    first, level = levels[0]
    if level == top and sum(1 for _, lv in levels if lv == top) == 1:
        return first
    return None


class MarkdownReader(BulletReader, TableReader):
    """Walks markdown-it tokens, keeping a stack of heading sections."""

    def read(self, text: str) -> None:
        """Read the whole document."""
        tokens = _MARKDOWN.parse(text)
        self.title_at = _title_index(tokens)
        index, items = 0, list[str]()
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
            line = _line(token)
            self.heading(
                int(token.tag[1]), tokens[index + 1].content, line, is_title=index == self.title_at
            )
            self.builder.ledger.mark(line)
            return index + 3
        if token.type == "list_item_open":
            items.append("")
        elif token.type == "list_item_close":
            items.pop()
            self.item_closed(len(items))
        elif token.type == "inline":
            for kind, content, line in split_tables(token.content, _line(token)):
                if kind == "table":
                    self.table(content[0], content[1], line)
                    continue
                self._register(line, line + content.count("\n"))
                if items and items[-1] == "":
                    items[-1] = content
                    self.bullet(content, line, [i for i in items[:-1] if i])
                elif not items:
                    self.paragraph(content, line)
        elif token.type == "fence":
            self.fence(token)
        return index + 1

    def _register(self, first: int, last: int) -> None:
        """A block of the current table's section, for the unread-lines ledger."""
        current = self.current_entity()
        if current is not None and self.section.sub not in ("examples", "requests"):
            self.builder.ledger.block(first, last, current[0])

    def paragraph(self, content: str, line: int) -> None:
        """A paragraph: statements, a bold lead-in naming a table or a list, a description."""
        section = self.section
        last = line + content.count("\n")
        self.statements(content, line)
        named = TABLE_NAME.match(strip_inline(content).translate(vocab.FULL_WIDTH))
        if named and (self.current_entity() or section.candidate):
            self.rename(named.group(1), line)
            return
        if self.object_lead(content, line):
            return
        if COLUMNS_LEAD.match(strip_inline(content).strip()):  # `Fields:` over the list
            self.builder.ledger.mark(line, last)
            return
        bold = _BOLD.match(content.strip())
        if bold and self._bold(bold, line):
            return
        managed = MANAGED.search(content)
        current = self.current_entity()
        if managed and current:
            library = managed_library(managed)
            named_table = re.search(r"`?(\w+)`?\s+table\s+is", content)
            table = named_table.group(1) if named_table else current[0]
            if table.lower() in ("this", "the", "that", "each", "every", "a"):
                table = current[0]
            self.builder.managed[table] = (library, line)
        if current is None:
            return
        if section.kind in ("entity", "column") and not section.description and not section.sub:
            section.description = strip_inline(content).split("\n")[0][:300]
        else:
            self.note(strip_inline(content), line, last)
        self.builder.ledger.mark(line, last)

    def _bold(self, bold: re.Match[str], line: int) -> bool:
        """A bold lead-in: a list's title, the table of what follows, or its description."""
        section = self.section
        title = strip_heading(bold.group("title"))
        rest = bold.group("rest").strip().lstrip(":").strip()
        listed = self._values_of(title)
        if listed:  # **Status values:** - the labels of a column, each with its meaning
            section.sub, section.column = "values", listed
            self.builder.ledger.mark(line)
            return True
        kind = heading_kind(title)
        if kind != "entity" or FIELDS.match(title):
            section.sub = "fields" if kind == "entity" else kind
            self.builder.ledger.mark(line)
            return True
        name, explicit, library = entity_name(title)
        if not name and not rest and (section.sub in _LISTS or _NOTES.fullmatch(title)):
            section.sub = "other"  # **Notes:** after **Indexes:**: remarks now (columns still read)
        current = self.current_entity()
        if name and current and match_key(name) == match_key(current[0]):
            section.description = section.description or rest
            if library:
                self.builder.managed[current[0]] = (library, line)
            self.builder.ledger.mark(line)
            return True
        # Under a heading naming its table exactly, a bold lead-in (`**NEW TABLE** - …`) is a
        # remark about it unless it names another table in backticks.
        own = section.entity and section.explicit and not section.sub_entity
        if own and "`" not in bold.group("title"):
            return False
        if (
            name
            and not _PLURAL.search(title)
            and (TABLE_WORDS.search(title) or rest.startswith("(") or "`" in bold.group("title"))
        ):
            section.sub_entity, section.sub = (name, explicit, line), None
            section.description = ""
            if library:
                self.builder.managed[name] = (library, line)
            self.builder.ledger.mark(line)
            return True
        if not rest:
            section.sub_entity = None  # a lead-in for a list about something else
        return False

    def _values_of(self, title: str) -> str | None:
        """The column of the current table a `Status values` / `Event types` title lists."""
        words = _VALUES.match(title)
        entity = self.known_entity()
        if words is None or entity is None:
            return None
        base = snake(words.group("column").strip().replace(" ", "_"))
        kind = words.group("kind").lower()
        kind = kind[:-2] if kind.endswith("ses") else kind[:-1]  # statuses -> status
        for name in (base, base.removesuffix("s"), f"{base}_{kind}"):
            if entity.column(name) is not None:
                return name
        return None

    def fence(self, token: Token) -> None:
        """A code fence: relationship lines in a relationships section, else by language."""
        first = (token.map[0] + 2) if token.map else 1
        if not token.info.strip() and self.section.kind == "relationships":
            for offset, text in enumerate(token.content.splitlines()):
                if text.strip():
                    self.relationship(text.strip(), first + offset)
            return
        lang = (token.info.split() or [""])[0].lower()
        constraint = self.current_entity() and is_constraint(token.content)  # `CONSTRAINT fk …`
        if lang in SQL_LANGS and constraint and self.sql_item(token.content, first):
            return
        read_fence(token.info.strip(), token.content, first, self.builder, self.section.future)


def _line(token: Token) -> int:
    return (token.map[0] + 1) if token.map else 0
