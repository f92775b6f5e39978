"""Two definitions of one column merged: the more explicit source wins, conflicts are warned.

SQL beats SQLModel/Prisma/Drizzle, which beat a Markdown table, which beats bullets; between two
of the same kind the first definition is kept. A difference in type, nullability, default or
foreign key is warned about, naming both lines and the one kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tools.spec.model import Entity, Reference, SpecColumn
from tools.spec.names import match_key
from tools.spec.typenames import type_family

Warn = Callable[[int, str], None]


def merge_column(
    warn: Warn, entity: Entity, existing: SpecColumn, column: SpecColumn, rank: int
) -> None:
    """Merge a second definition of a column; the better source wins, conflicts warned."""
    better = rank < existing._rank
    _warn_conflicts(warn, entity, existing, column, (existing._rank, rank))
    for attr in set(column.stated):
        if attr not in existing.stated or better:
            if attr == "type":
                for name in ("type", "pg_type", "type_guessed", "enum_values"):
                    if name != "enum_values" or column.enum_values:
                        setattr(existing, name, getattr(column, name))
            elif attr == "nullable":
                existing.nullable = column.nullable
            elif attr == "references":
                continue  # below: an ON DELETE one source states survives one that omits it
            elif hasattr(existing, attr):
                setattr(existing, attr, getattr(column, attr))
    if column.references and (existing.references is None or better):
        if existing.references and not column.references.on_delete:
            column.references.on_delete = existing.references.on_delete
        existing.references = column.references
    elif column.references and existing.references and not existing.references.on_delete:
        existing.references.on_delete = column.references.on_delete
    for attr in ("default", "app_default", "check", "description"):
        if not getattr(existing, attr) and getattr(column, attr):
            setattr(existing, attr, getattr(column, attr))
    existing.unique = existing.unique or column.unique
    existing.indexed = existing.indexed or column.indexed
    existing.auto_increment = existing.auto_increment or column.auto_increment
    if column.primary_key:
        existing.primary_key, existing.nullable = True, False
    existing.enum_values = existing.enum_values or column.enum_values
    existing.notes += [n for n in column.notes if n not in existing.notes]
    existing.stated = sorted(set(existing.stated) | set(column.stated))
    if better:
        existing._rank = rank


def _warn_conflicts(
    warn: Warn,
    entity: Entity,
    existing: SpecColumn,
    column: SpecColumn,
    ranks: tuple[int, int],
) -> None:
    """One warning per attribute two definitions of a column state differently."""
    better = ranks[1] < ranks[0]
    kept, other = (column, existing) if better else (existing, column)
    why = (
        f"{kept._source} is the more explicit source"
        if min(ranks) < max(ranks)
        else "the first definition"
    )
    for kept_value, other_value in column_conflicts(kept, other):
        warn(
            max(column.line, existing.line),
            f"{entity.name}.{column.name} is {other_value} at line {other.line} ({other._source})"
            f" but {kept_value} at line {kept.line} ({kept._source}); kept {kept_value} ({why})",
        )


def column_conflicts(kept: SpecColumn, other: SpecColumn) -> list[tuple[str, str]]:
    """(kept, other) wordings of each attribute both definitions state differently.

    Types conflict when their families differ, when integer or numeric sizes differ (integer vs
    bigint), when one timestamp has a time zone and the other not, or when both give a varchar
    length; `string` against varchar(255) or `str` against
    text is one type written loosely, not a conflict.
    """
    out: list[tuple[str, str]] = []
    both = set(kept.stated) & set(other.stated)
    enum = bool(kept.enum_values or other.enum_values or kept.enum_name or other.enum_name)
    if "type" in both and not enum and _types_conflict(kept, other):
        out.append((kept.pg_type, other.pg_type))
    keys = kept.primary_key or other.primary_key
    if "nullable" in both and not keys and kept.nullable != other.nullable:
        out.append((_null_word(kept), _null_word(other)))
    if (
        kept.default
        and other.default
        and _norm_default(kept.default) != _norm_default(other.default)
    ):
        out.append((f"default {kept.default}", f"default {other.default}"))
    mine, theirs = kept.references, other.references
    if mine and theirs and mine.table and theirs.table:
        if match_key(mine.table) != match_key(theirs.table) or (
            mine.column and theirs.column and mine.column != theirs.column
        ):
            out.append((_ref_text(mine), _ref_text(theirs)))
        elif mine.on_delete and theirs.on_delete and mine.on_delete != theirs.on_delete:
            out.append((f"ON DELETE {mine.on_delete}", f"ON DELETE {theirs.on_delete}"))
    return out


def _types_conflict(kept: SpecColumn, other: SpecColumn) -> bool:
    if kept.pg_type == other.pg_type:
        return False
    family = type_family(kept.pg_type)
    if family != type_family(other.pg_type):
        return not (kept.user_type or other.user_type)
    if family in ("int", "number"):
        return True
    if family == "timestamp":
        # timestamptz against a model's `datetime` (timestamp without time zone): the model
        # creates the other one; loose words (`datetime` in a table cell) say neither.
        return not (kept.type_guessed or other.type_guessed)
    sizes = [re.search(r"\((\d+)", c.pg_type) for c in (kept, other)]
    return family == "text" and all(sizes) and sizes[0].group(1) != sizes[1].group(1)  # type: ignore[union-attr]


def _null_word(column: SpecColumn) -> str:
    return "nullable" if column.nullable else "NOT NULL"


def _ref_text(ref: Reference) -> str:
    return f"{ref.table}({ref.column or 'id'})"


def _norm_default(value: str) -> str:
    """A default spelled for comparing: CAST('a' AS text) ~ 'a'::text ~ 'a', now() ~ now."""
    text = re.sub(r"(?i)^cast\((.*) as [\w ()]+\)$", r"\1", value.strip())
    text = re.sub(r"::[\w ]+(\(\d+(,\d+)?\))?$", "", text).strip().lower()
    return {"current_timestamp": "now()", "current_timestamp()": "now()"}.get(text, text)
