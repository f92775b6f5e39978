"""Names of a spec as people write them, resolved to tables: `ProfileExternalLinks`, `User`.

`snake` spells a heading's name as a table name; `match_key` is a loose key (case, underscores,
plural endings ignored); `resolver(names)` maps a loosely written name to a defined table;
`guess_target` finds the table an FK column without target points at.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from tools.spec.model import SpecColumn

Resolve = Callable[[str | None], str | None]


@lru_cache(maxsize=8192)
def snake(name: str) -> str:
    """`ProfileExternalLinks` -> profile_external_links; `Users Table` words are left out before."""
    name = re.sub(r"[\s\-]+", "_", name.strip())
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return re.sub(r"_+", "_", name).lower().strip("_")


@lru_cache(maxsize=8192)
def match_key(name: str) -> str:
    """A loose key: case, underscores and plural endings ignored (User ~ users ~ `user`)."""
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ses", "s"), ("s", "")):
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            return key[: -len(suffix)] + repl
    return key


def resolver(names: set[str]) -> Resolve:
    """A function mapping a loosely written name to a table name of the spec (or None).

    The loose keys are computed on the first name not written exactly: the finish step builds
    six resolvers, most asked only exact names or nothing (15,000 tables: 1 s, issue #13).
    """
    by_key: dict[str, str] = {}

    def resolve(name: str | None) -> str | None:
        if not name:
            return None
        if name in names:
            return name
        if not by_key:
            for known in sorted(names):
                by_key.setdefault(match_key(known), known)
                by_key.setdefault(match_key(snake(known)), known)
        return by_key.get(match_key(name)) or by_key.get(match_key(snake(name)))

    return resolve


def guess_target(column: SpecColumn, resolve: Resolve) -> str | None:
    """The table an FK column without target points at: from its name, else its description."""
    stem = re.sub(r"(_id|Id|_uuid|_fk)$", "", column.name)
    words = snake(stem).split("_")
    for start in range(len(words)):
        found = resolve("_".join(words[start:]))
        if found:
            return found
    text = re.findall(r"[A-Za-z]+", column.description)
    for size in (3, 2, 1):
        for start in range(len(text) - size + 1):
            found = resolve("_".join(text[start : start + size]))
            if found:
                return found
    return None
