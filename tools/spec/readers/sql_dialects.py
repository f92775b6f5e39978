"""MySQL and SQLite words Postgres does not know, rewritten at the token level before parsing.

`AUTO_INCREMENT`, `AUTOINCREMENT`, `UNSIGNED`, backquoted names, `ENUM('a','b')`, `ON UPDATE
CURRENT_TIMESTAMP` and `ENGINE=…` are rewritten with pglast's scanner (never a regex over SQL), and
the dialects seen are returned.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from typing import Any

from pglast.parser import scan

_DROP_WORDS = {"AUTO_INCREMENT", "AUTOINCREMENT", "UNSIGNED", "ZEROFILL"}


def rewrite(statement: str) -> tuple[str, set[str]]:
    """Token-level rewrite of MySQL/SQLite words Postgres does not know; returns the dialects."""
    dialects: set[str] = set()
    try:
        tokens = scan(statement)
    except Exception:  # the scanner refuses: leave the text to the parser's error
        return statement, dialects
    # Bracket depth before each token and where each `)` is, computed once: searching them
    # again at every ENUM or COLLATE was quadratic in the tokens (issue #13).
    chars = [statement[t.start : t.end + 1] for t in tokens]
    depth_before = list(accumulate(((c == "(") - (c == ")") for c in chars[:-1]), initial=0))
    closes = [i for i, char in enumerate(chars) if char == ")"]
    create = statement.lstrip()[:6].upper() == "CREATE"
    out: list[str] = []
    pos, skip_until = 0, -1
    for index, token in enumerate(tokens):
        text = statement[token.start : token.end + 1]
        upper = text.upper()
        if token.start <= skip_until:
            continue
        out.append(statement[pos : token.start])
        pos = token.end + 1
        if text == "`":
            out.append('"')
            dialects.add("mysql")
        elif upper in _DROP_WORDS:
            dialects.add("sqlite" if upper == "AUTOINCREMENT" else "mysql")
            out.append(" ")
            if upper in ("AUTO_INCREMENT", "AUTOINCREMENT"):
                out.append(" /*auto*/ ")
        elif (
            upper == "ENUM"
            and index + 1 < len(tokens)
            and statement[tokens[index + 1].start] == "("
        ):
            after = bisect_right(closes, index)
            close = tokens[closes[after]] if after < len(closes) else None
            end = close.end if close else token.end
            values = statement[tokens[index + 1].start + 1 : end]
            out.append(f"text /*enum:{values.replace('*/', '')}*/")
            skip_until, pos = end, end + 1
            dialects.add("mysql")
        elif (
            upper == "ON"
            and index + 2 < len(tokens)
            and statement[tokens[index + 1].start : tokens[index + 1].end + 1].upper() == "UPDATE"
            and _in_column_list(tokens, index, statement)
        ):
            end = tokens[index + 2].end
            if index + 3 < len(tokens) and statement[tokens[index + 3].start] == "(":
                end = tokens[index + 4].end if index + 4 < len(tokens) else end
            out.append(" ")
            skip_until, pos = end, end + 1
            dialects.add("mysql")
        elif upper in ("ENGINE", "CHARSET", "COLLATE") and create and not depth_before[index]:
            # a table option after the closing parenthesis of CREATE TABLE (…)
            out.append(" ")
            skip_until = tokens[-1].end
            pos = len(statement)
            dialects.add("mysql")
        else:
            out.append(text)
    out.append(statement[pos:])
    return "".join(out), dialects


def _in_column_list(tokens: list[Any], index: int, statement: str) -> bool:
    """ON UPDATE inside a column definition (not an FK's ON UPDATE action)."""
    nxt = statement[tokens[index + 2].start : tokens[index + 2].end + 1].upper()
    return nxt in ("CURRENT_TIMESTAMP", "NOW", "CURRENT_TIMESTAMP()")
