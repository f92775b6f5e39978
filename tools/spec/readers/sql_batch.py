"""The statements of a SQL block parsed a batch at a time, within the parser's limits.

Spec SQL is untrusted like assistant SQL (issue #13: a 990 KB fence, a left-deep expression that
crashes pglast's C parser), so it goes through `tools.query_parser.parse_sql`: within its limits,
in a worker process past `IN_PROCESS_TOKENS`. One parse per statement made a block of 15,000
statements take 15 s, so consecutive statements go together, up to `BATCH_CHARS`: no more tokens
than characters, so a batch is parsed in-process, and small enough that its nodes die young
(batches of 8,000 characters crossed the worker's pipe as pickled trees and doubled the garbage
collector's time). A batch that does not parse, or whose statements do not come back one for
one, is left to the caller to read statement by statement.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tools.errors import Unsupported
from tools.query_parser import IN_PROCESS_TOKENS, parse_sql

BATCH_CHARS = IN_PROCESS_TOKENS
SEPARATOR = "\n;\n"  # a newline first: a statement may end in a `--` comment

Parsed = tuple[tuple[Any, ...], str, int]  # (RawStmt nodes, the text they are in, offset in it)


def parse_batches(statements: list[str]) -> Iterator[Parsed | None]:
    """For each statement in turn, its parse from a batch, or None where it must be parsed alone.

    A batch is parsed when its first statement is wanted, so only one batch's trees are alive.
    """
    group: list[int] = []
    size = 0
    for index, statement in enumerate(statements):
        cost = len(statement) + len(SEPARATOR)
        if size + cost > BATCH_CHARS or cost > BATCH_CHARS:
            yield from _parse_group(statements, group)
            group, size = [], 0
        if cost > BATCH_CHARS:
            yield None
            continue
        group.append(index)
        size += cost
    yield from _parse_group(statements, group)


def _parse_group(statements: list[str], group: list[int]) -> list[Parsed | None]:
    """The parse of each statement of the group, or all None (too few, or not one for one)."""
    alone: list[Parsed | None] = [None] * len(group)
    if len(group) < 2:
        return alone  # alone, the caller's own parse says what is wrong with it
    offsets, at = [], 0
    for index in group:
        offsets.append(at)
        at += len(statements[index]) + len(SEPARATOR)
    text = SEPARATOR.join(statements[i] for i in group)
    try:
        raws = parse_sql(text)
    except Unsupported:
        return alone
    if len(raws) != len(group):
        return alone
    for raw, index, offset in zip(raws, group, offsets, strict=True):
        start, length = raw.stmt_location or 0, raw.stmt_len or 0
        end = offset + len(statements[index]) + len(SEPARATOR)  # spans may hold a separator
        if not offset - len(SEPARATOR) <= start <= end or start + length > end:
            return alone  # not one statement each: read them one by one
    return [((raw,), text, offset) for raw, offset in zip(raws, offsets, strict=True)]
