"""Constraint words of a column, phrase by phrase: `primary key`, `not null`, `default now()`, `FK`.

`scan_constraints(column, "unique, not null")` applies every constraint phrase it recognises from
the start and returns what it could not read; `guess_constraints` reads the same words out of a
description, as guesses the caller reports. The words themselves are in `vocabulary`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tools.naming import action_word
from tools.spec.model import Reference, SpecColumn
from tools.spec.readers import vocabulary as vocab
from tools.spec.readers.text import closing, split_top

_ON_DELETE = r"(?P<action>cascade|set\s+null|set\s+default|restrict|no\s+action)"
_ARROW = r"(?:->|→|=>|\bto\b|\breferences\b|\brefs?\b)"
_TARGET = (
    rf"(?:(?:{_ARROW}|:)?\s*\(?\s*(?P<table>[A-Za-z_]\w*)\s*(?:\.|\(\s*)(?P<column>[A-Za-z_]\w*)\s*\)?\)?"
    rf"|{_ARROW}\s*(?P<lone>[A-Za-z_]\w*)(?!\w))?"
)
_NOT_A_TARGET = {
    *("the", "a", "an", "this", "that", "its", "their", "another", "parent", "el", "la"),
    *("one", "each", "which", "it", "them", "same", "current", "whichever"),
}
# The table a sentence names: `accounts`, `the accounts table`, `accounts.id`, `users(id)`.
_PROSE_TARGET = (
    r"\s*(?:the\s+|an?\s+)?`?(?P<table>[A-Za-z_]\w*)`?"
    r"(?:\s*(?:\.|\(\s*)`?(?P<column>[A-Za-z_]\w*)`?\s*\)?)?"
    r"(?:\s+(?:table|model|entity|record|row)s?\b)?"
    # The name ends the phrase or a clause follows: "the comment author" names no table.
    r"(?=\s*(?:$|[,;.:)]|(?:who|which|that|whose|on|for|via|when|where|and|or|with|in|by)\b))"
)


def _set_reference(column: SpecColumn, table: str | None, target: str | None) -> None:
    ref = column.references or Reference(table="", guessed=True)
    if table and table.lower() in _NOT_A_TARGET:
        table, target = None, None  # "foreign key to the users table": guessed from the name
    if table:
        ref.table, ref.column, ref.guessed = table, target, False
    column.references = ref
    column.stated.append("references")


def default_sql(value: str) -> str:
    """A default in words as SQL: `CURRENT_TIMESTAMP` -> now(), `"x"` -> 'x', `False` -> false."""
    value = value.strip().strip(".").strip()
    low = value.lower()
    if low in ("current_timestamp", "now", "now()", "current timestamp", "current utc", "utcnow"):
        return "now()"
    if low in ("true", "false", "null"):
        return low
    if re.fullmatch(r"-?\d+(\.\d+)?", value):
        return value
    if re.fullmatch(r"(['\"]).*\1", value):
        return "'" + value[1:-1].replace("'", "''") + "'"
    if re.fullmatch(r"[\w.]+\(.*\)", value):
        return value
    return "'" + value.replace("'", "''") + "'"


Handler = Callable[[SpecColumn, "re.Match[str]"], None]


def _pk(col: SpecColumn, _m: re.Match[str]) -> None:
    col.primary_key, col.nullable = True, False
    col.stated += ["primary_key", "nullable"]


def _fk(col: SpecColumn, m: re.Match[str]) -> None:
    _set_reference(col, m.group("table") or m.group("lone"), m.group("column"))


def _link(col: SpecColumn, m: re.Match[str]) -> None:
    _set_reference(col, m.group("table"), m.groupdict().get("column") or None)


def _arrow(col: SpecColumn, m: re.Match[str]) -> None:
    _set_reference(col, m.group("table") or m.group("lone"), m.group("column"))


def _unique(col: SpecColumn, _m: re.Match[str]) -> None:
    col.unique = True
    col.stated.append("unique")


def set_not_null(col: SpecColumn, _m: re.Match[str] | None = None) -> None:
    """Mark the column NOT NULL, as stated."""
    col.nullable = False
    col.stated.append("nullable")


def set_nullable(col: SpecColumn, _m: re.Match[str] | None = None) -> None:
    """Mark the column nullable, as stated (a primary key stays NOT NULL)."""
    if not col.primary_key:
        col.nullable = True
        col.stated.append("nullable")


def _default(col: SpecColumn, m: re.Match[str]) -> None:
    value = m.group("value").strip()
    if re.match(r"(?i)^(empty\s+(array|list)|\[\])$", value):
        col.default = "'[]'"
    elif re.match(r"(?i)^auto[-_ ]?increment", value):
        col.auto_increment = True
        return
    elif re.fullmatch(r"値?(?:あり|有り)", value):
        return  # デフォルト値あり: "it has a default", which one unsaid
    elif re.match(r"(?i)^(current\s+utc|auto|auto-?generated|generated)$", value):
        col.app_default = value
        return
    else:
        col.default = default_sql(value)
    col.stated.append("default")


def _check(col: SpecColumn, m: re.Match[str]) -> None:
    expression = m.group("expr").strip()
    if expression:
        col.check = (
            expression.removeprefix("(").removesuffix(")")
            if expression.startswith("(") and expression.endswith(")")
            else expression
        )
    else:
        col.notes.append("check (no expression given)")


def _index(col: SpecColumn, _m: re.Match[str]) -> None:
    col.indexed = True


def _auto(col: SpecColumn, m: re.Match[str]) -> None:
    col.auto_increment = True
    if "identity" in m.group(0).lower():
        col.identity = "always" if "always" in m.group(0).lower() else "by default"


def _on_delete(col: SpecColumn, m: re.Match[str]) -> None:
    action = action_word(m.group("action"))
    if col.references is None:
        col.references = Reference(table="", guessed=True)
    col.references.on_delete = action


def _on_update(col: SpecColumn, m: re.Match[str]) -> None:
    col.notes.append(m.group(0).strip())


_NULLABLE = rf"({vocab.NULLABLE})"
KEYWORDS: list[tuple[re.Pattern[str], Handler]] = [
    (re.compile(rf"on\s+delete\s*:?\s*{_ON_DELETE}", re.I), _on_delete),
    (re.compile(rf"{_ON_DELETE}\s+on\s+delete", re.I), _on_delete),
    (re.compile(r"on\s+update\s*:?\s*[\w()]+", re.I), _on_update),
    (re.compile(rf"({vocab.PRIMARY_KEY})", re.I), _pk),
    # "references the accounts table", "foreign key to the users table", "links to accounts"
    (
        re.compile(
            rf"(?:{vocab.FOREIGN_KEY})\s+(?:to\s+|on\s+)?the\s+`?(?P<table>[A-Za-z_]\w*)`?"
            r"\s+(?:table|model|entity)\b",
            re.I,
        ),
        _link,
    ),
    (re.compile(rf"(?:{vocab.LINKS_TO}){_PROSE_TARGET}", re.I), _link),
    (re.compile(rf"({vocab.FOREIGN_KEY})\s*" + _TARGET, re.I), _fk),
    (re.compile(r"(?:->|→)\s*" + _TARGET, re.I), _arrow),
    (re.compile(r"\?"), set_nullable),
    (re.compile(rf"({vocab.UNIQUE})", re.I), _unique),
    (re.compile(rf"({vocab.NOT_NULL})", re.I), set_not_null),
    (re.compile(_NULLABLE, re.I), set_nullable),
    (
        re.compile(
            rf"(?:{vocab.DEFAULT})\s*[:=]?\s*"
            r"(?P<value>.+?)(?=\s+(?:check|not\s+null|null|unique|references|primary\s+key"
            r"|on\s+update|on\s+delete)\b|$)",
            re.I | re.S,
        ),
        _default,
    ),
    (re.compile(r"check\s*:?\s*(?P<expr>.*)", re.I | re.S), _check),
    (re.compile(rf"({vocab.INDEXED})\b", re.I), _index),
    (
        re.compile(
            r"(auto[-_ ]?increment(?:ing|ed)?|autoincrement|auto[-_ ]generated"
            r"|auto\b(?![-_ ]?updat)"  # "Auto-update" of an updated_at is no auto-increment
            r"|(?:generated\s+(?:always|by\s+default)\s+as\s+)?identity|serial\b)",
            re.I,
        ),
        _auto,
    ),
]


def scan_constraints(
    column: SpecColumn, phrase: str, keywords: list[tuple[re.Pattern[str], Handler]] = KEYWORDS
) -> str:
    """Apply every constraint keyword found from the start of the phrase; return the rest."""
    rest = phrase.strip().strip(",.;").strip()
    while rest:
        for pattern, handler in keywords:
            match = pattern.match(rest)
            if match and match.end() > 0:
                handler(column, match)
                rest = rest[match.end() :].strip().lstrip(",;").strip()
                break
        else:
            return rest
    return ""


_FK_BEFORE = re.compile(r"(?i)(foreign\s*key|\bfk|references|\brefs?|->|→|check)\s*$")
_FK_WINDOW = 200


def attribute_groups(phrase: str) -> tuple[str, list[str]]:
    """Pull ` (…)` groups separated by a space out of a phrase: they hold attributes."""
    if "(" not in phrase:
        return phrase.strip(), []
    out: list[str] = []  # the text outside the groups
    groups: list[str] = []
    tail = ""
    kept = searched = 0  # phrase[kept:] is not in `out` yet; no group opens before `searched`
    while (i := phrase.find("(", searched)) >= 0:
        # Only the end of the text kept so far can hold `references` (issue #13: joining all of
        # it at every parenthesis was quadratic).
        before = tail + phrase[max(kept, i - _FK_WINDOW) : i]
        if (i == 0 or phrase[i - 1] == " ") and not _FK_BEFORE.search(before[-_FK_WINDOW:]):
            out.append(phrase[kept:i])
            tail = before[-_FK_WINDOW:]
            end = closing(phrase, i + 1)
            groups.append(phrase[i + 1 : end])
            kept = searched = end + 1
            continue
        searched = i + 1
    out.append(phrase[kept:])
    return "".join(out).strip(), groups


# Constraint words read in a description: the ones prose rarely uses by chance (no check, index,
# auto or `?`); a default needs a value that looks like one.
_GUESSABLE: list[tuple[re.Pattern[str], Handler]] = [
    (pattern, handler)
    for pattern, handler in KEYWORDS
    if handler in (_on_delete, _pk, _fk, _link, _arrow, _unique, set_not_null)
    or pattern.pattern == _NULLABLE
] + [
    (
        re.compile(
            r"defaults?\s*(?:to|is|:|=)?\s*(?P<value>'[^']*'|\"[^\"]*\"|-?\d+(?:\.\d+)?(?!\w)"
            r"|true\b|false\b|now\(\)|current_timestamp\b|[\w.]+\(\))",
            re.I,
        ),
        _default,
    )
]


def probe() -> SpecColumn:
    """A blank column to read words into (`model_construct` is 25 times slower here)."""
    return SpecColumn(name="probe")


def guess_constraints(column: SpecColumn, text: str) -> list[str]:
    """Read constraint words out of prose (a description or notes); return what they added.

    Each phrase is read with the constraint words prose rarely uses by chance; a parenthesised
    group made only of constraint words (`(indexed, unique)`) with all of them. This is a guess,
    so it never overrides what the column's own definition states: a caller warns with the list.
    """
    # Full-width brackets and commas as ASCII ones, a group after CJK text spaced off.
    text = text.replace("\uff08", " (").translate(vocab.FULL_WIDTH)
    if "(" not in text and not any(pattern.search(text) for pattern, _ in _GUESSABLE):
        return []  # plain prose, the most common description: no probe to build
    found = probe()
    for phrase in split_top(text):
        head, groups = attribute_groups(phrase)
        for group in groups:
            parts = split_top(group)
            # A group of constraint words only, `(required, unique)`, is read with all of them.
            words_only = not any(scan_constraints(probe(), part) for part in parts)
            for part in parts:
                scan_constraints(found, part, KEYWORDS if words_only else _GUESSABLE)
        scan_constraints(found, head, _GUESSABLE)
    return _take_guesses(column, found)


def _take_guesses(column: SpecColumn, found: SpecColumn) -> list[str]:
    """Copy what `found` read onto the column where its definition is silent; return the list."""
    taken: list[str] = []
    for attr, word in (("indexed", "index"), ("auto_increment", "auto-increment")):
        if getattr(found, attr) and not getattr(column, attr):
            setattr(column, attr, True)
            taken.append(word)
    if found.check and not column.check:
        column.check = found.check
        taken.append(f"check {found.check}")
    if found.primary_key and not column.primary_key:
        column.primary_key, column.nullable = True, False
        column.stated += ["primary_key", "nullable"]
        taken.append("primary key")
    if found.unique and not (column.unique or column.primary_key):
        column.unique = True
        column.stated.append("unique")
        taken.append("unique")
    if "nullable" in found.stated and "nullable" not in column.stated and not column.primary_key:
        if column.nullable != found.nullable:
            taken.append("nullable" if found.nullable else "NOT NULL")
        column.nullable = found.nullable
        column.stated.append("nullable")
    if found.default and not column.default:
        column.default = found.default
        column.stated.append("default")
        taken.append(f"default {found.default}")
    target, ref = found.references, column.references
    if target and (ref is None or not ref.table):
        target.on_delete = target.on_delete or (ref.on_delete if ref else None)
        target.guessed = True
        column.references = target
        column.stated.append("references")
        if target.table:  # a bare "foreign key": the builder guesses the target and says so
            taken.append(f"references {target.table}({target.column or 'id'})")
    elif target and ref and target.on_delete and not ref.on_delete:
        ref.on_delete = target.on_delete
        taken.append(f"ON DELETE {target.on_delete}")
    return taken
