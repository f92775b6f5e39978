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


_MARKS = re.compile(r"['\"()\[\]{}]")
_OPEN, _CLOSE = "([{", ")]}"


def marks(text: str, start: int = 0, depth: int = 0, extra: str = "") -> Iterator[tuple[int, int]]:
    """(index, depth after it) of each bracket (and `extra` character) outside quotes.

    Ordinary characters are skipped by the regex engine and a quoted run by `str.find`, so a
    line of 300 KB costs what its brackets and quotes cost, not a Python step per character.
    """
    pattern = _MARKS if not extra else re.compile(f"[{re.escape(extra)}'\"()\\[\\]{{}}]")
    at = start
    while (found := pattern.search(text, at)) is not None:
        i, char = found.start(), found.group()
        if char in "'\"":
            close = text.find(char, i + 1)
            if close < 0:
                return
            at = close + 1
            continue
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        yield i, depth
        at = i + 1


def split_top(text: str, seps: str = ",;") -> list[str]:
    """Split on separators outside parentheses, brackets and quotes."""
    if not any(c in text for c in seps):
        return [text.strip()] if text.strip() else []
    if not any(c in text for c in "([{'\""):
        pattern = _COMMA if seps == ",;" else re.compile(f"[{re.escape(seps)}]")
        return [p.strip() for p in pattern.split(text) if p.strip()]
    parts, last = [], 0
    for i, depth in marks(text, extra=seps):
        if text[i] in seps and depth <= 0:
            parts.append(text[last:i].strip())
            last = i + 1
    parts.append(text[last:].strip())
    return [p for p in parts if p]


def closing(text: str, start: int) -> int:
    """Index of the parenthesis closing the one opened before `start` (len(text) if none)."""
    if text.find(")", start) < 0:
        return len(text)
    for i, depth in marks(text, start, depth=1):
        if depth == 0 and text[i] == ")":
            return i
    return len(text)


def split_description(text: str) -> tuple[str, str]:
    """Split `head - description` at the first dash (or `: `) outside parentheses."""
    for i, depth in marks(text, extra="-\u2013\u2014:"):
        char = text[i]
        if depth > 0:
            continue
        dash = char in "-\u2013\u2014:" and text[i - 1 : i] == " "
        if (dash and text[i + 1 : i + 2] in (" ", "")) or (
            char == ":" and text[i + 1 : i + 2] == " "
        ):
            return text[:i].strip(), text[i + 1 :].strip()
    return text.strip(), ""
