"""Which lines of a spec's table sections were read: the `unread_lines` figure.

The Markdown reader registers each block (a bullet, a table row, a paragraph) of a table section
as it meets it; every reader marks the lines it took something from, and warnings mark theirs.
At the end, a block none of whose lines was read or warned about is unread: it gets a warning of
its own, and its non-blank lines are counted, so a reader that silently skips a shape shows up.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LineLedger:
    """Blocks of table sections, and the lines read."""

    blocks: list[tuple[int, int, str]] = field(default_factory=list)
    read: set[int] = field(default_factory=set)

    def block(self, first: int, last: int, table: str) -> None:
        """A block of lines first..last (1-based, inclusive) inside the section of `table`."""
        self.blocks.append((first, last, table))

    def mark(self, first: int, last: int | None = None) -> None:
        """Lines first..last were read (a column, a note, an index…)."""
        self.read.update(range(first, (last if last is not None else first) + 1))

    def unread(
        self, lines: list[str], warned: set[int], tables: set[str]
    ) -> tuple[list[tuple[int, str, int]], int]:
        """Unread blocks as (first line, table, non-blank lines), and all non-blank block lines.

        Only the sections of `tables` count: a heading that named no table in the end
        ("Prerequisites") was prose.
        """
        done = self.read | warned
        found: list[tuple[int, str, int]] = []
        seen: set[int] = set()
        total = 0
        for first, last, table in sorted(set(self.blocks)):
            if table not in tables:
                continue
            span = [
                n
                for n in range(first, last + 1)
                if n not in seen and 0 < n <= len(lines) and lines[n - 1].strip()
            ]
            seen.update(span)
            total += len(span)
            if span and not any(n in done for n in range(first, last + 1)):
                found.append((first, table, len(span)))
        return found, total
