"""An index a spec lists by its name alone: `idx_videos_creator_id` - Creator's video list.

The columns come from the words after the name when they list columns of the table
(`Composite (student_id, video_id)`, `UNIQUE (module_id, video_id)`), else from the name: its
`idx_` / `_idx` affixes and a leading table name taken off, the rest read as column names of the
table joined by `_`; failing that, with words standing for columns (`user` for `user_id`,
`created` for `created_at`, `order` for the one column ending in `_order`), warned as a guess. A
name that reads as no columns (`idx_sessions_active`) is no guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container

from tools.spec.model import Entity, SpecIndex

_I = re.IGNORECASE
MAX_NAME_CHARS = 63  # Postgres truncates identifiers there: a longer word names no index
_LISTED = re.compile(r"\(\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*\)")
UNIQUE_WORD = re.compile(r"\bunique\b", _I)
INDEX_METHOD = re.compile(r"\b(gin|gist|brin|hash|spgist|ivfflat|hnsw)\b", _I)
# `a, b`, `a and b`, `a + b`: the columns a list of an index's words names
COLUMN_LIST = re.compile(r"\s*(?:,|\band\b|\+)\s*")
_AFFIX = re.compile(r"^(?:idx|ix|index)_|_(?:idx|index|key)$", _I)


def index_method(words: str) -> str:
    """The access method the words name (`GIN`, `IVFFlat vector search`), else btree."""
    method = INDEX_METHOD.search(words)
    return method.group(1).lower() if method else "btree"


def named_index(
    plain: str,
    entity: Entity,
    tables: Container[str],
    line: int,
    future: bool,
    warn: Callable[[int, str], None],
) -> SpecIndex | None:
    """The index of `entity` a list item names alone (`idx_videos_creator_id` - why), if any.

    The columns are the list in the words after the name when it names only columns of the
    table (`Composite (student_id, video_id)`, `UNIQUE (a, b)`), else the name without its
    `idx_` / `_idx` affixes and a leading table name (its own, another one of `tables`, or a
    prefix of its own) read as column names joined by `_` (words standing for columns warned
    as a guess). An access method the words name
    (`IVFFlat vector similarity search`, `GIN`) is its method.
    """
    head = re.match(r"^(\w+)(.*)$", plain, re.S)
    if head is None or len(head.group(1)) > MAX_NAME_CHARS:
        return None
    name, why = head.groups()
    columns, unique = _listed(why, entity), bool(UNIQUE_WORD.search(why))
    if columns is None:
        columns, unique = _from_name(name, entity, tables, exact=True), False
        if not columns:
            columns = _from_name(name, entity, tables, exact=False)
            if columns:
                warn(line, f"index {name} read as ({', '.join(columns)}) from its name (guessed)")
    if not columns:
        return None
    return SpecIndex(
        table=entity.name,
        columns=columns,
        name=name,
        unique=unique,
        method=index_method(why),
        purpose=plain,
        future=future,
        line=line,
    )


# `users_email_idx on email`, `tasks_tags_idx GIN on (tags)`, `idx unique on (a, b)`
_NAMED_ON = re.compile(
    r"(?i)^(?P<name>[A-Za-z_]\w*)\s+(?:(?P<unique>unique)\s+)?(?:using\s+)?(?:(?P<method>\w+)\s+)?"
    r"(?:index\s+)?on\s+(?:the\s+)?\(?(?P<cols>[A-Za-z_]\w*(?:\s*(?:,|\band\b|\+)\s*[A-Za-z_]\w*)*)\)?"
    r"\s*(?P<why>.*)$",
    re.S,
)
# Access methods with no default operator class for text: an index on a text column needs one.
_NEEDS_OPCLASS = {"gin", "gist", "spgist"}
_OPCLASS_TYPES = ("jsonb", "tsvector", "[]", "point", "box", "geometry", "geography", "range")


def named_on(plain: str, entity: Entity, line: int, future: bool) -> SpecIndex | None:
    """`users_email_idx on email`: a named index on columns of `entity`, when every column is
    one and the method (GIN, GiST…) works on their types without an operator class."""
    match = _NAMED_ON.match(plain)
    if match is None or len(match.group("name")) > MAX_NAME_CHARS or "_" not in match.group("name"):
        return None  # `Indexes on a and b` is a sentence: an index's name is snake_case
    method = (match.group("method") or "btree").lower()
    if not INDEX_METHOD.fullmatch(method) and method not in ("btree", "index"):
        return None
    method = "btree" if method == "index" else method
    columns = [c for c in COLUMN_LIST.split(match.group("cols")) if c]
    found = [entity.column(c) for c in columns]
    if not columns or any(c is None for c in found) or "ops" in plain or "trgm" in plain:
        return None
    if method in _NEEDS_OPCLASS and not all(
        any(t in c.pg_type for t in _OPCLASS_TYPES) for c in found if c is not None
    ):
        return None  # GIN on a text column needs gin_trgm_ops: more than a column list
    return SpecIndex(
        table=entity.name,
        columns=columns,
        name=match.group("name"),
        unique=bool(match.group("unique")),
        method=method,
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


def _from_name(
    name: str, entity: Entity, tables: Container[str], *, exact: bool
) -> list[str] | None:
    """The columns an index's name reads as, after its affixes and a leading table name:
    column names only when `exact`, else words standing for columns too."""
    parts = _AFFIX.sub("", name).split("_")
    for cut in range(len(parts)):  # the table's name first, or another's, or a prefix of it
        prefix = "_".join(parts[:cut])
        if cut and prefix not in tables and not entity.name.startswith(f"{prefix}_"):
            continue
        run = _column_run(parts[cut:], entity, exact)
        if run:
            return run
    return None


def _column_run(parts: list[str], entity: Entity, exact: bool) -> list[str] | None:
    """`parts` joined by `_` into consecutive column names of `entity`, longest first."""
    runs: list[list[str] | None] = [None] * len(parts) + [[]]  # runs[i]: of parts[i:]
    for start in range(len(parts) - 1, -1, -1):
        for end in range(len(parts), start, -1):
            rest = runs[end]
            column = _column_for("_".join(parts[start:end]), entity, exact)
            if rest is not None and column is not None:
                runs[start] = [column, *rest]
                break
    return runs[0]


def _column_for(word: str, entity: Entity, exact: bool) -> str | None:
    """The column of `entity` a word of an index name stands for: its own name, else (unless
    `exact`) `<word>_id`, else the one column that starts with `<word>_` or ends with `_<word>`."""
    if entity.column(word) is not None:
        return word
    if exact or not word:
        return None
    if entity.column(f"{word}_id") is not None:
        return f"{word}_id"
    near = [c.name for c in entity.columns if c.name.startswith(f"{word}_")]
    near += [c.name for c in entity.columns if c.name.endswith(f"_{word}")]
    return near[0] if len(set(near)) == 1 else None
