"""The Markdown structure of a spec (markdown-it-py): headings, paragraphs, lists, tables, fences.

`MarkdownReader` walks markdown-it's block tokens and hands each block to its reader: headings to
`SectionReader.heading`, list items to `BulletReader`, pipe tables to `TableReader`, code fences to
the SQL, SQLModel, Prisma, Drizzle and mermaid readers (`fences`). Paragraphs carry statements
(tenant column, shared tables, managed-by) and bold lead-ins; lines in schema sections that
cannot be read become warnings with their line number.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from tools.spec.builder import SpecBuilder
from tools.spec.names import match_key
from tools.spec.readers import vocabulary as vocab
from tools.spec.readers.bullets import BulletReader
from tools.spec.readers.fences import read_fence
from tools.spec.readers.sections import (
    FIELDS,
    MANAGED,
    TABLE_WORDS,
    entity_name,
    heading_kind,
    managed_library,
    strip_heading,
)
from tools.spec.readers.tables import TableReader, split_tables
from tools.spec.readers.text import strip_inline

_I = re.IGNORECASE
_PLURAL = re.compile(rf"(?i)\b({vocab.TABLES_PLURAL})\b")
# Inline parsing is left out: only each block's source text is used (a third of the time). Pipe
# tables are cut out of their paragraph by `split_tables`: markdown-it's table rule makes three
# tokens per cell and was half of the parse time of a spec made of tables.
_MARKDOWN = MarkdownIt("commonmark").disable(["inline", "text_join", "reference", "html_block"])


class MarkdownReader(BulletReader, TableReader):
    """Walks markdown-it tokens, keeping a stack of heading sections."""

    def __init__(self, builder: SpecBuilder) -> None:
        super().__init__(builder)
        self.bold_rel: re.Pattern[str] = re.compile(
            r"^\*\*(?P<title>[^*]{1,80})\*\*\s*(?P<rest>.*)$", re.S
        )

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

    def paragraph(self, content: str, line: int) -> None:
        """A paragraph: statements, a bold lead-in naming a table or a list, a description."""
        section = self.section
        self.statements(content, line)
        bold = self.bold_rel.match(content.strip())
        if bold:
            title = strip_heading(bold.group("title"))
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
            plural = _PLURAL.search(title)
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
            library = managed_library(managed)
            named = re.search(r"`?(\w+)`?\s+table\s+is", content)
            table = named.group(1) if named else current[0]
            if table.lower() in ("this", "the", "that", "each", "every", "a"):
                table = current[0]
            self.builder.managed[table] = (library, line)
        if section.kind in ("entity", "column") and not section.description and not section.sub:
            section.description = strip_inline(content).split("\n")[0][:300]

    def fence(self, token: Token) -> None:
        """A code fence: relationship lines in a relationships section, else by language."""
        first = (token.map[0] + 2) if token.map else 1
        if not token.info.strip() and self.section.kind == "relationships":
            for offset, text in enumerate(token.content.splitlines()):
                if text.strip():
                    self.relationship(text.strip(), first + offset)
            return
        read_fence(token.info.strip(), token.content, first, self.builder, self.section.future)


def _line(token: Token) -> int:
    return (token.map[0] + 1) if token.map else 0
