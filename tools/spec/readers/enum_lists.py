"""Enum types written in Markdown under an Enums heading:

    - `task_status`: `todo`, `in_progress`, `done`      (a name and its labels, in one item)
    - **priority** — low | medium | high
    - visibility (private, shared)

    ### task_status                                       (a heading naming the type,
    - `todo` - not started                                 one label per item or row)

    | Enum | Values |                                     (a table of types and labels)

Labels are split on `,` `|` `/` and "or", quotes and backticks taken off; a label is a word
(`in_progress`, `in-review`), so a sentence is never read as one.
"""

from __future__ import annotations

import re

_NAME = r"(?:\*\*|__|`)?(?P<name>[A-Za-z_]\w*)(?:\*\*|__|`)?"
# `name: a, b` / `name — a | b` / `name = a / b` / `name (a, b)`
_TYPE_ITEM = re.compile(
    rf"^\s*{_NAME}\s*(?::|=|\s[-\u2013\u2014]\s|[-\u2013\u2014]{{1,2}}>?)\s*(?P<labels>.+)$"
    rf"|^\s*{_NAME.replace('name', 'name2')}\s*\((?P<labels2>[^()]+)\)\s*$",
    re.S,
)
_SPLIT = re.compile(r"\s*(?:,|\||/|\bor\b)\s*")
_REMARK = re.compile(r"\s*\([^()]*\)\s*$")
_LABEL = re.compile(r"^[\w][\w\-.]{0,62}$")
# `todo` - not started / **todo**: … / todo
_VALUE_ITEM = re.compile(
    r"^\s*(?:\*\*|__|`)?(?P<label>[\w][\w\-.]{0,62})(?:\*\*|__|`)?\s*(?:$|[-\u2013\u2014:(])"
)


def labels_of(text: str) -> list[str] | None:
    """The labels a list of words gives (`todo, in_progress, done`), or None when it is not
    a list of at least two words."""
    text = _REMARK.sub("", text.strip().rstrip("."))  # `low, high (default low)`
    labels = [p.strip().strip("'\"`*").strip() for p in _SPLIT.split(text)]
    labels = [label for label in labels if label]
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return None
    return labels


def enum_item(text: str) -> tuple[str, list[str]] | None:
    """(type name, labels) of an item naming a type and its labels, if it is one."""
    match = _TYPE_ITEM.match(text)
    if match is None:
        return None
    name = match.group("name") or match.group("name2")
    labels = labels_of(match.group("labels") or match.group("labels2") or "")
    return (name, labels) if labels else None


def label_item(text: str) -> str | None:
    """The one label an item under a type's heading gives (`todo` - not started)."""
    match = _VALUE_ITEM.match(text)
    return match.group("label") if match else None
