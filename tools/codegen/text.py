"""Any text made fit for Python source: widths as ruff counts them, controls and lookalikes.

The schema's names and comments land in string literals, docstrings and comments. They may hold
controls (NUL cannot appear in source at all), bidi overrides (which reorder what a reviewer
sees), wide characters (two columns each in ruff's line length) and characters ruff calls
ambiguous (U+FF08 for `(`, an en dash for `-`: RUF001-RUF003). Literals keep the exact value with
escapes; docstrings and comments, which only a human reads, get the ASCII lookalike.
"""

from __future__ import annotations

import textwrap
import unicodedata

# Controls, surrogates (not UTF-8) and format characters: bidi overrides would reorder what a
# reviewer sees of the code around them ("Trojan Source").
UNPRINTABLE = frozenset({"Cc", "Cs", "Cf"})

# Punctuation ruff flags whose compatibility form is not ASCII; the rest (full-width forms,
# ligatures, superscripts) NFKC maps to ASCII itself.
PUNCTUATION = {
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u2018": "'", "\u2019": "'", "\u201a": ",", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u2039": "<",
    "\u203a": ">", "\u02c6": "^", "\u02dc": "~", "\u00b4": "'", "\u02cb": "`", "\u02ca": "'",
    "\u00d7": "x", "\u2217": "*", "\u2215": "/", "\u2216": "\\", "\u2223": "|", "\u2236": ":",
    "\u223c": "~", "\u2024": ".", "\u00a0": " ",
}  # fmt: skip


def width(text: str) -> int:
    """The columns `text` takes as ruff counts them: wide (CJK, emoji) ones two, marks none."""
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def _lookalike(ch: str) -> str | None:
    """The ASCII a non-ASCII character passes for, if it passes for one."""
    if ch.isascii():
        return None
    if ch in PUNCTUATION:
        return PUNCTUATION[ch]
    folded = unicodedata.normalize("NFKC", ch)
    return folded if folded.isascii() and folded.isprintable() else None


def ascii_lookalikes(text: str) -> str:
    """Human text with lookalikes replaced by the ASCII they pass for (U+FF08 by `(`)."""
    if text.isascii():
        return text
    return "".join(_lookalike(ch) or ch for ch in text)


def escape_lookalikes(literal: str) -> str:
    """A Python literal with lookalikes written as escapes, so its value stays exact."""
    if literal.isascii():
        return literal
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if _lookalike(ch) is not None else ch
        for ch in literal
    )


def printable(text: str) -> str:
    """Control and format characters as `\\xNN`/`\\uNNNN` text; whitespace kept as it is."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(
        ch
        if ch.isspace() or unicodedata.category(ch) not in UNPRINTABLE
        else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


def wrap(text: str, limit: int, break_long_words: bool = True) -> list[str]:
    """textwrap.wrap, which counts characters; with wide characters, words by their columns."""
    if width(text) == len(text):
        return textwrap.wrap(text, limit, break_long_words=break_long_words)
    lines: list[str] = []
    line = ""
    for word in text.split():
        joined = f"{line} {word}" if line else word
        if line and width(joined) > limit:
            lines.append(line)
            line = word
        else:
            line = joined
    return [*lines, line] if line else lines
