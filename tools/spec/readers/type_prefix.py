"""The longest leading run of words that reads as a type, found without trying every prefix.

`type_prefix(["varchar(20)", "not", "null"])` gives `(1, TypeInfo(...))`. Trying every prefix
from the longest is quadratic in the words of a phrase (a 300 KB bullet took 41 s, issue #13);
here a prefix is only handed to `normalize_type` when its shape can be a type: at most eight
words, or ending the way a longer type ends (`)` of `enum(…)` or of the one modifier list, `]`
of arrays and `list[…]`, `?`, the quote of a `'a' | 'b'` union), and never over
`MAX_TYPE_CHARS`. Every prefix skipped is one `normalize_type` refuses, so the answer is the same.
"""

from __future__ import annotations

import re
from itertools import accumulate

from tools.spec.typenames import TypeInfo, normalize_type

MAX_TYPE_CHARS = 1_000  # the longest type of the corpus is 60 characters
_SHORT = 8  # name, varying/precision, with(out) time zone, and a stripped `*` word on each side
_ENUM = re.compile(r"(?i)(?:string\s+)?enum\b")
_GENERIC = re.compile(r"(?i)(?:optional\[|(?:list|array|set)[\[<])")
_CHAIN = re.compile(r"""(["'])[^"']*\1(?:\s*\|\s*(["'])[^"']*\2)*""")
_ARRAY_WORD = re.compile(r"[\[\]?`*]*")


def type_prefix(words: list[str]) -> tuple[int, TypeInfo] | None:
    """(number of words, type) of the longest leading run of words read as a type, or None."""
    if not words:
        return None
    ends = list(accumulate(len(w) + 1 for w in words))  # ends[i] - 1: length of words[: i + 1]
    full = " ".join(words)
    lead = full.lstrip("`*").lstrip()
    enum = bool(_ENUM.match(lead))
    generic = bool(_GENERIC.match(lead))
    chain = _CHAIN.match(lead) if lead[:1] in "'\"" else None
    union_words = _words_within(ends, len(full) - len(lead) + chain.end()) if chain else 0
    words_limit, close_at = _words_shape(words)
    for size in range(len(words), 0, -1):
        if size > _SHORT:
            if ends[size - 1] - 1 > MAX_TYPE_CHARS:
                continue
            end, at = _end_char(words, size)
            possible = (
                (enum and end in ")?")
                or (generic and end in "]>")
                or (chain is not None and end in "'\"" and size <= union_words)
                or (end in "]?" and size <= words_limit)
                or (end == ")" and at == close_at)
            )
            if not possible:
                continue
        info = normalize_type(" ".join(words[:size]))
        if info.pg_type is not None:
            return size, info
    return None


def _end_char(words: list[str], size: int) -> tuple[str, int]:
    """The last character of the first `size` words once trailing backticks and stars go,
    and the index of the word it is in."""
    last = words[size - 1].rstrip("`*")
    if last:
        return last[-1], size - 1
    return words[size - 2][-1], size - 2


def _words_within(ends: list[int], chars: int) -> int:
    """How many leading words fit in `chars` characters (joined by spaces)."""
    count = 0
    while count < len(ends) and ends[count] - 1 <= chars:
        count += 1
    return count + 1  # the word the chain ends inside may carry stripped marks


def _words_shape(words: list[str]) -> tuple[int, int]:
    """(most words a `name(mods)[]?` type can span, index of the word closing its modifiers).

    The name takes at most `_SHORT` words, its one modifier list runs from the first `(` to the
    first `)` after it, and only `[`, `]` and `?` may follow.
    """
    opened = next((i for i, w in enumerate(words) if "(" in w), None)
    closed = -1
    if opened is not None and opened < _SHORT:
        closed = next((i for i in range(opened, len(words)) if ")" in words[i]), -1)
    start = max(_SHORT, closed + 1)
    limit = next(
        (i for i in range(start, len(words)) if not _ARRAY_WORD.fullmatch(words[i])), len(words)
    )
    return limit + 1, closed
