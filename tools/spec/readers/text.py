"""Text helpers every reader shares: inline marks stripped, splitting outside brackets and quotes.

`strip_inline("**id**: `uuid`")` gives `id: uuid`; `split_top("a, b(c, d)")` gives
`["a", "b(c, d)"]`. Nothing here knows about columns or tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_COMMA = re.compile("[,;]")
_INLINE_MARKS = re.compile(r"\*\*|__|`|(?<!\w)\*(?!\s)|(?<!\s)\*(?!\w)")


def strip_inline(text: str) -> str:
    """Markdown text without emphasis and code marks: `**id**: `uuid`` -> `id: uuid`."""
    return _INLINE_MARKS.sub("", text.replace("\\|", "|")).strip()


def top_level(text: str, start: int = 0, depth: int = 0) -> Iterator[tuple[int, str, int]]:
    """(index, char, depth) of each character outside quotes; depth counts open brackets."""
    quote = ""
    for i in range(start, len(text)):
        char = text[i]
        if quote:
            quote = "" if char == quote else quote
            continue
        if char in "'\"":
            quote = char
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        yield i, char, depth


def split_top(text: str, seps: str = ",;") -> list[str]:
    """Split on separators outside parentheses, brackets and quotes."""
    if not any(c in text for c in "([{'\""):
        pattern = _COMMA if seps == ",;" else re.compile(f"[{re.escape(seps)}]")
        return [p.strip() for p in pattern.split(text) if p.strip()]
    parts, last = [], 0
    for i, char, depth in top_level(text):
        if char in seps and depth <= 0:
            parts.append(text[last:i].strip())
            last = i + 1
    parts.append(text[last:].strip())
    return [p for p in parts if p]


def closing(text: str, start: int) -> int:
    """Index of the parenthesis closing the one opened before `start` (len(text) if none)."""
    for i, char, depth in top_level(text, start, depth=1):
        if char == ")" and depth == 0:
            return i
    return len(text)


def split_description(text: str) -> tuple[str, str]:
    """Split `head - description` at the first dash (or `: `) outside parentheses."""
    for i, char, depth in top_level(text):
        if depth > 0:
            continue
        dash = char in "-\u2013\u2014:" and text[i - 1 : i] == " "
        if (dash and text[i + 1 : i + 2] in (" ", "")) or (
            char == ":" and text[i + 1 : i + 2] == " "
        ):
            return text[:i].strip(), text[i + 1 :].strip()
    return text.strip(), ""
