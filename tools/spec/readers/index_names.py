"""An index a spec lists by its name alone: `idx_videos_creator_id` - Creator's video list.

The columns come from the words after the name when they list columns of the table
(`Composite (student_id, video_id)`, `UNIQUE (module_id, video_id)`), else from the name: its
`idx_` / `_idx` affixes and a leading table name taken off, the rest read as column names of the
table joined by `_`. A name that reads as no columns (`idx_sessions_active`) is no guess.
"""

from __future__ import annotations

import re
from collections.abc import Container

from tools.spec.model import Entity, SpecIndex

_I = re.IGNORECASE
MAX_NAME_CHARS = 63  # Postgres truncates identifiers there: a longer word names no index
_LISTED = re.compile(r"\(\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*\)")
_UNIQUE = re.compile(r"\bunique\b", _I)
_METHOD = re.compile(r"\b(gin|gist|brin|hash|spgist|ivfflat|hnsw)\b", _I)
_AFFIX = re.compile(r"^(?:idx|ix|index)_|_(?:idx|index|key)$", _I)


def named_index(
    plain: str, entity: Entity, tables: Container[str], line: int, future: bool
) -> SpecIndex | None:
    """The index of `entity` a list item names alone (`idx_videos_creator_id` - why), if any.

    The columns are the list in the words after the name when it names only columns of the
    table (`Composite (student_id, video_id)`, `UNIQUE (a, b)`), else the name without its
    `idx_` / `_idx` affixes and a leading table name (its own, another one of `tables`, or a
    prefix of its own) read as column names joined by `_`. An access method the words name
    (`IVFFlat vector similarity search`, `GIN`) is its method.
    """
    head = re.match(r"^(\w+)(.*)$", plain, re.S)
    if head is None or len(head.group(1)) > MAX_NAME_CHARS:
        return None
    name, why = head.groups()
    columns, unique = _listed(why, entity), bool(_UNIQUE.search(why))
    if columns is None:
        columns, unique = _from_name(name, entity, tables), False
    if not columns:
        return None
    method = _METHOD.search(why)
    return SpecIndex(
        table=entity.name,
        columns=columns,
        name=name,
        unique=unique,
        method=method.group(1).lower() if method else "btree",
        purpose=plain,
        future=future,
        line=line,
    )


def _listed(why: str, entity: Entity) -> list[str] | None:
    """The columns of a list in the words, when they are all columns of `entity`."""
    listed = _LISTED.search(why)
    if listed is None:
        return None
    columns = [c.strip() for c in listed.group(1).split(",")]
    return columns if all(entity.column(c) is not None for c in columns) else None


def _from_name(name: str, entity: Entity, tables: Container[str]) -> list[str] | None:
    """The columns an index's name reads as, after its affixes and a leading table name."""
    parts = _AFFIX.sub("", name).split("_")
    for cut in range(len(parts)):  # the table's name first, or another's, or a prefix of it
        prefix = "_".join(parts[:cut])
        if cut and prefix not in tables and not entity.name.startswith(f"{prefix}_"):
            continue
        run = _column_run(parts[cut:], entity)
        if run:
            return run
    return None


def _column_run(parts: list[str], entity: Entity) -> list[str] | None:
    """`parts` joined by `_` into consecutive column names of `entity`, longest first."""
    runs: list[list[str] | None] = [None] * len(parts) + [[]]  # runs[i]: of parts[i:]
    for start in range(len(parts) - 1, -1, -1):
        for end in range(len(parts), start, -1):
            rest = runs[end]
            if rest is not None and entity.column("_".join(parts[start:end])) is not None:
                runs[start] = ["_".join(parts[start:end]), *rest]
                break
    return runs[0]
