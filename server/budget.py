"""Answers that fit an assistant's context: shorten the largest parts of a too-large answer.

Claude Code refuses tool results over ~25,000 tokens. A report on a few hundred tables can be
larger; rather than fail, the answer keeps its shape (every list still a list, every field
still there) with its largest lists and texts shortened, and says what was cut.
"""

from __future__ import annotations

import json
from typing import Any

BUDGET_CHARS = 80_000  # ~20,000 tokens of JSON
LONG_TEXT = 2_000


def json_size(value: Any) -> int:
    """Characters of the compact JSON of value."""
    return len(json.dumps(value, separators=(",", ":"), default=str))


def _parts(value: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Lists of two or more items and long strings: (path, holder, key or None for lists)."""
    found: list[tuple[str, Any, Any]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items if isinstance(value, dict | list) else ():
        where = f"{path}.{key}" if isinstance(value, dict) else f"{path}[]"
        where = where.lstrip(".")
        if isinstance(item, list):
            if len(item) > 1:
                found.append((where, value, key))
            found += _parts(item, where)
        elif isinstance(item, dict):
            found += _parts(item, where)
        elif isinstance(item, str) and len(item) > LONG_TEXT:
            found.append((where, value, key))
    return found


def fit_to_budget(data: dict[str, Any], budget: int = BUDGET_CHARS) -> list[str]:
    """Shorten `data` in place until its JSON fits `budget`; return notes on what was cut."""
    totals = {key: len(value) for key, value in data.items() if isinstance(value, list)}
    shortened: set[str] = set()
    for _ in range(500):
        if json_size(data) <= budget:
            break
        parts = _parts(data)
        if not parts:
            break
        where, holder, key = max(parts, key=lambda part: json_size(part[1][part[2]]))
        part = holder[key]
        if isinstance(part, list):
            del part[max(1, len(part) // 2) :]
        else:
            holder[key] = part[: len(part) // 2] + f"\n… (cut from {len(part):,} characters)"
        shortened.add(where)
    notes = []
    for where in sorted(shortened):
        if where in totals:
            notes.append(f"{where}: first {len(data[where])} of {totals[where]}")
        else:
            notes.append(f"{where}: shortened")
    return notes
