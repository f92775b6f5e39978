"""Column definitions written in words: bullets and Markdown-table rows, in many shapes.

`parse_column_bullet("user_id: string (foreign key -> users.id, on delete cascade)")` gives a
column; `parse_column_row({...})` does the same for a table row whose cells were matched to
name/type/constraints/description. Constraint words are read phrase by phrase; phrases that are
not understood stay on the column as notes (never silently dropped), and those of a Constraints or
Notes cell, or Prisma attributes not understood, are reported through `warn`. Descriptions are
read too, as guesses: what they add is reported, never put over what the definition states.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tools.spec.model import Reference, SpecColumn
from tools.spec.readers.prisma import FIELD_ATTR, apply_field_attributes, field_attributes
from tools.spec.typenames import TypeInfo, normalize_type

NAME = r"[A-Za-z_][\w$]*"
_NAMES = re.compile(
    rf"""^\s*(?P<names>{NAME}(?:\s*(?:,|/|&|\band\b|\by\b|\be\b)\s*{NAME})*)
        \s*(?P<sep>:|\(|\s[-\u2013\u2014]\s|\s+(?=\S))(?P<rest>.*)$""",
    re.VERBOSE | re.DOTALL,
)
_COMMA = re.compile("[,;]")
_ONE_OF = re.compile(r"(?i)\bone\s+of\s*:?\s*((?:['\"`][^'\"`]+['\"`]\s*(?:,|\bor\b|/)?\s*)+)")
_CONNECTORS = {"and", "y", "e"}
_INLINE_MARKS = re.compile(r"\*\*|__|`|(?<!\w)\*(?!\s)|(?<!\s)\*(?!\w)")
_ON_DELETE = r"(?P<action>cascade|set\s+null|set\s+default|restrict|no\s+action)"
_ARROW = r"(?:->|→|=>|\bto\b|\breferences\b|\brefs?\b)"
_TARGET = (
    rf"(?:(?:{_ARROW}|:)?\s*\(?\s*(?P<table>[A-Za-z_]\w*)\s*(?:\.|\(\s*)(?P<column>[A-Za-z_]\w*)\s*\)?\)?"
    rf"|{_ARROW}\s*(?P<lone>[A-Za-z_]\w*)(?!\w))?"
)
ACTIONS = {
    "cascade": "CASCADE",
    "setnull": "SET NULL",
    "setdefault": "SET DEFAULT",
    "restrict": "RESTRICT",
    "noaction": "NO ACTION",
}


def strip_inline(text: str) -> str:
    """Markdown text without emphasis and code marks: `**id**: `uuid`` -> `id: uuid`."""
    return _INLINE_MARKS.sub("", text.replace("\\|", "|")).strip()


def _top_level(text: str, start: int = 0, depth: int = 0):
    """(index, char, depth) of each character outside quotes; depth counts open brackets."""
    quote = ""
    for i in range(start, len(text)):
        char = text[i]
        if quote:
            quote = "" if char == quote else quote
            continue
        if char in "'\"":
            quote = char
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        yield i, char, depth


def split_top(text: str, seps: str = ",;") -> list[str]:
    """Split on separators outside parentheses, brackets and quotes."""
    if not any(c in text for c in "([{'\""):
        pattern = _COMMA if seps == ",;" else re.compile(f"[{re.escape(seps)}]")
        return [p.strip() for p in pattern.split(text) if p.strip()]
    parts, last = [], 0
    for i, char, depth in _top_level(text):
        if char in seps and depth <= 0:
            parts.append(text[last:i].strip())
            last = i + 1
    parts.append(text[last:].strip())
    return [p for p in parts if p]


def _closing(text: str, start: int) -> int:
    """Index of the parenthesis closing the one opened before `start` (len(text) if none)."""
    for i, char, depth in _top_level(text, start, depth=1):
        if char == ")" and depth == 0:
            return i
    return len(text)


def _split_description(text: str) -> tuple[str, str]:
    """Split `head - description` at the first dash (or `: `) outside parentheses."""
    for i, char, depth in _top_level(text):
        if depth > 0:
            continue
        dash = char in "-\u2013\u2014:" and text[i - 1 : i] == " "
        if (dash and text[i + 1 : i + 2] in (" ", "")) or (
            char == ":" and text[i + 1 : i + 2] == " "
        ):
            return text[:i].strip(), text[i + 1 :].strip()
    return text.strip(), ""


_NOT_A_TARGET = {"the", "a", "an", "this", "that", "its", "their", "another", "parent", "el", "la"}


def _set_reference(column: SpecColumn, table: str | None, target: str | None) -> None:
    ref = column.references or Reference(table="", guessed=True)
    if table and table.lower() in _NOT_A_TARGET:
        table, target = None, None  # "foreign key to the users table": guessed from the name
    if table:
        ref.table, ref.column, ref.guessed = table, target, False
    column.references = ref
    column.stated.append("references")


def _default_sql(value: str) -> str:
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
    elif re.match(r"(?i)^(current\s+utc|auto|auto-?generated|generated)$", value):
        col.app_default = value
        return
    else:
        col.default = _default_sql(value)
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
    action = ACTIONS[re.sub(r"\s+", "", m.group("action").lower())]
    if col.references is None:
        col.references = Reference(table="", guessed=True)
    col.references.on_delete = action


def _on_update(col: SpecColumn, m: re.Match[str]) -> None:
    col.notes.append(m.group(0).strip())


_NULLABLE = r"(nullable|null\b|optional|opcional|opzionale|facoltativo|任意)"
_KEYWORDS: list[tuple[re.Pattern[str], Handler]] = [
    (re.compile(rf"on\s+delete\s*:?\s*{_ON_DELETE}", re.I), _on_delete),
    (re.compile(rf"{_ON_DELETE}\s+on\s+delete", re.I), _on_delete),
    (re.compile(r"on\s+update\s*:?\s*[\w()]+", re.I), _on_update),
    (re.compile(r"(primary\s*key|\bpk\b|clave\s+primaria|chiave\s+primaria|主キー)", re.I), _pk),
    (
        re.compile(
            r"(foreign\s*key|\bfk\b|references|clave\s+for[aá]nea|chiave\s+esterna|外部キー)\s*"
            + _TARGET,
            re.I,
        ),
        _fk,
    ),
    (re.compile(r"(?:->|→)\s*" + _TARGET.replace("(?:(?:", "(?:(?:", 1), re.I), _arrow),
    (re.compile(r"\?"), set_nullable),
    (re.compile(r"(unique|único|unico|univoco|一意|ユニーク)", re.I), _unique),
    (
        re.compile(
            r"(not\s*null|non[- ]?null|no\s+nulo|non\s+null[oa]|required|mandatory|obligatorio"
            r"|requerido|obbligatorio"
            r"|必須|yes\b)",
            re.I,
        ),
        set_not_null,
    ),
    (re.compile(_NULLABLE, re.I), set_nullable),
    (
        re.compile(
            r"(?:defaults?(?:\s+to)?|por\s+defecto|predefinito|デフォルト)\s*[:=]?\s*"
            r"(?P<value>.+?)(?=\s+(?:check|not\s+null|null|unique|references|primary\s+key"
            r"|on\s+update|on\s+delete)\b|$)",
            re.I | re.S,
        ),
        _default,
    ),
    (re.compile(r"check\s*:?\s*(?P<expr>.*)", re.I | re.S), _check),
    (re.compile(r"(indexed|index|idx|インデックス)\b", re.I), _index),
    (
        re.compile(
            r"(auto[-_ ]?increment(?:ing|ed)?|autoincrement|auto[-_ ]generated|auto\b"
            r"|(?:generated\s+(?:always|by\s+default)\s+as\s+)?identity|serial\b)",
            re.I,
        ),
        _auto,
    ),
]


def scan_constraints(
    column: SpecColumn, phrase: str, keywords: list[tuple[re.Pattern[str], Handler]] = _KEYWORDS
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


def apply_type(column: SpecColumn, words: str) -> bool:
    """Set the column's type from type words; False when the words are not a type."""
    info = normalize_type(words)
    if info.pg_type is None:
        return False
    _take_type(column, words, info)
    return True


def _take_type(column: SpecColumn, words: str, info: TypeInfo) -> None:
    column.type = words.strip()
    column.pg_type = info.pg_type or "text"
    column.type_guessed = info.guessed
    column.stated.append("type")
    if info.optional:
        column.nullable = True
        column.stated.append("nullable")
    if info.auto_increment:
        column.auto_increment = True
    if info.enum_values:
        column.enum_values = info.enum_values
    if info.note:
        column.notes.append(info.note)
    if info.dialects:
        column.dialects.update(info.dialects)


def _type_prefix(column: SpecColumn, phrase: str) -> str | None:
    """Take the longest leading run of words that reads as a type; return the rest, or None."""
    words = phrase.split()
    for size in range(len(words), 0, -1):
        head = " ".join(words[:size])
        info = normalize_type(head)
        if info.pg_type is not None:
            _take_type(column, head, info)
            return " ".join(words[size:])
    return None


_FK_BEFORE = re.compile(r"(?i)(foreign\s*key|\bfk|references|\brefs?|->|→|check)\s*$")


def _groups(phrase: str) -> tuple[str, list[str]]:
    """Pull ` (…)` groups separated by a space out of a phrase: they hold attributes."""
    if "(" not in phrase:
        return phrase.strip(), []
    out, groups, i = [], [], 0
    while i < len(phrase):
        if (
            phrase[i] == "("
            and (i == 0 or phrase[i - 1] == " ")
            and not _FK_BEFORE.search("".join(out))
        ):
            end = _closing(phrase, i + 1)
            groups.append(phrase[i + 1 : end])
            i = end + 1
            continue
        out.append(phrase[i])
        i += 1
    return "".join(out).strip(), groups


def read_attributes(column: SpecColumn, text: str, *, typed: bool = False) -> list[str]:
    """Read `TYPE (constraints), more constraints` into the column; return unread phrases.

    Prisma attributes (`@id @default(autoincrement())`) are read wherever they appear; those not
    understood come back as `@name` phrases.
    """
    if "@" in text and FIELD_ATTR.search(text):
        unread = read_attributes(column, FIELD_ATTR.sub(" ", text), typed=typed)
        column.dialects.add("prisma")
        attrs = field_attributes(text)
        return unread + ["@" + n for n in apply_field_attributes(column, attrs, column.dialects)]
    unread: list[str] = []
    for phrase in split_top(text):
        if re.match(r"(?i)check\b", phrase):
            scan_constraints(column, phrase)  # its parentheses belong to the expression
            continue
        head, groups = _groups(phrase)
        phrases = [head] if head else []
        for group in groups:
            phrases.append(split_top(group))
        for part in phrases:
            if isinstance(part, list):
                literals = [p for p in part if re.fullmatch(r"""(['"]).*\1""", p)]
                if literals and "type" in column.stated:
                    column.enum_values = [p[1:-1] for p in literals]
                unread += read_attributes(column, ", ".join(p for p in part if p not in literals))
                continue
            if not typed and "type" not in column.stated:
                if apply_type(column, part):
                    continue
                rest = _type_prefix(column, part)
                if rest is not None:
                    left = scan_constraints(column, rest)
                    if left:
                        unread.append(left)
                    continue
            left = scan_constraints(column, part)
            if left:
                unread.append(left)
    return unread


# Constraint words read in a description: the ones prose rarely uses by chance (no check, index,
# auto or `?`); a default needs a value that looks like one.
_GUESSABLE: list[tuple[re.Pattern[str], Handler]] = [
    (pattern, handler)
    for pattern, handler in _KEYWORDS
    if handler in (_on_delete, _pk, _fk, _arrow, _unique, set_not_null)
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


def _probe() -> SpecColumn:
    """A blank column to read words into (`model_construct` is 25 times slower here)."""
    return SpecColumn(name="probe")


def guess_constraints(column: SpecColumn, text: str) -> list[str]:
    """Read constraint words out of prose (a description or notes); return what they added.

    Each phrase is read with the constraint words prose rarely uses by chance; a parenthesised
    group made only of constraint words (`(indexed, unique)`) with all of them. This is a guess,
    so it never overrides what the column's own definition states: a caller warns with the list.
    """
    if "(" not in text and not any(pattern.search(text) for pattern, _ in _GUESSABLE):
        return []  # plain prose, the most common description: no probe to build
    probe = _probe()
    for phrase in split_top(text):
        head, groups = _groups(phrase)
        for group in groups:
            if scan_constraints(_probe(), group):
                for part in split_top(group):
                    scan_constraints(probe, part, _GUESSABLE)
            else:
                scan_constraints(probe, group)
        scan_constraints(probe, head, _GUESSABLE)
    taken: list[str] = []
    for attr, word in (("indexed", "index"), ("auto_increment", "auto-increment")):
        if getattr(probe, attr) and not getattr(column, attr):
            setattr(column, attr, True)
            taken.append(word)
    if probe.check and not column.check:
        column.check = probe.check
        taken.append(f"check {probe.check}")
    if probe.primary_key and not column.primary_key:
        column.primary_key, column.nullable = True, False
        column.stated += ["primary_key", "nullable"]
        taken.append("primary key")
    if probe.unique and not (column.unique or column.primary_key):
        column.unique = True
        column.stated.append("unique")
        taken.append("unique")
    if "nullable" in probe.stated and "nullable" not in column.stated and not column.primary_key:
        if column.nullable != probe.nullable:
            taken.append("nullable" if probe.nullable else "NOT NULL")
        column.nullable = probe.nullable
        column.stated.append("nullable")
    if probe.default and not column.default:
        column.default = probe.default
        column.stated.append("default")
        taken.append(f"default {probe.default}")
    found, ref = probe.references, column.references
    if found and (ref is None or not ref.table):
        found.on_delete = found.on_delete or (ref.on_delete if ref else None)
        found.guessed = True
        column.references = found
        column.stated.append("references")
        if found.table:  # a bare "foreign key": the builder guesses the target and says so
            taken.append(f"references {found.table}({found.column or 'id'})")
    elif found and ref and found.on_delete and not ref.on_delete:
        ref.on_delete = found.on_delete
        taken.append(f"ON DELETE {found.on_delete}")
    return taken


def read_description(column: SpecColumn, text: str) -> list[str]:
    """Take a description and the constraint words it states; return those it added (guessed)."""
    column.description = text.strip()
    if "enum" in column.type.lower() and not column.enum_values:
        listed = re.search(
            r"\(([A-Za-z_]\w*(?:\s*(?:,|\bor\b|\bo\b|\bo\b)\s*(?:or\s+)?[A-Za-z_]\w*)+)\)", text
        )
        if listed:
            words = re.split(r"\s*(?:,\s*(?:or\s+|and\s+)?|\s+or\s+|\s+and\s+)\s*", listed.group(1))
            column.enum_values = [w for w in words if w]
    return guess_constraints(column, text)


def _for_names(column: SpecColumn, names: list[str]) -> list[SpecColumn]:
    """One column per name of `created_at, updated_at: timestamp`."""
    if len(names) == 1:
        return [column]
    return [column.model_copy(update={"name": name}, deep=True) for name in names]


Warn = Callable[[int, str], None]


def _ignore(_line: int, _message: str) -> None:
    return None


def parse_column_bullet(
    text: str, line: int, known: set[str] | frozenset[str] = frozenset(), warn: Warn = _ignore
) -> list[SpecColumn] | None:
    """Columns from one bullet's text, or None when the bullet is not a column definition.

    A bullet naming a column already known (e.g. from a SQL block) needs no type: it adds
    description and constraint words. `warn(line, message)` hears of Prisma attributes not read
    and of constraints guessed from the description.
    """
    plain = strip_inline(text)
    match = _NAMES.match(plain)
    if not match:
        return None
    names = re.findall(NAME, match.group("names"))
    if len(names) > 1:
        names = [n for n in names if n not in _CONNECTORS]
    sep, rest = match.group("sep"), match.group("rest")
    column = SpecColumn(name=names[0], line=line)
    if sep == "(":
        end = _closing(rest, 0)
        inner, after = rest[:end], rest[end + 1 :]
        unread = read_attributes(column, inner)
        description = after.strip().lstrip(":-\u2013\u2014 ").strip()
    elif sep.strip() in ("-", "\u2013", "\u2014"):
        # `title — VARCHAR(100), required` or `id - the identifier`: attributes when typed.
        head, description = _split_description(rest)
        probe = _probe()
        if (
            normalize_type(split_top(head)[0] if head else "").pg_type
            or _type_prefix(probe, (split_top(head) or [""])[0]) is not None
        ):
            unread = read_attributes(column, head)
        else:
            unread, description = [], rest.strip()
    else:
        head, description = _split_description(rest)
        unread = read_attributes(column, head)
    one_of = _ONE_OF.search(description or "")
    if one_of and "type" not in column.stated:
        # `status - one of 'todo', 'done'`: an enum in words.
        apply_type(column, "enum(" + one_of.group(1) + ")")
    untyped = "type" not in column.stated and not column.primary_key and column.references is None
    if untyped and names[0] not in known:
        return None
    if "type" not in column.stated and unread and not description:
        description, unread = ", ".join(unread), []
    column.notes += unread
    prisma = [u for u in unread if u.startswith("@")]
    if prisma:
        warn(line, f"{column.name}: prisma attributes not read: {', '.join(prisma)}")
    if description:
        _warn_guessed(warn, line, column, read_description(column, description), "description")
    return _for_names(column, names)


def _warn_guessed(warn: Warn, line: int, column: SpecColumn, taken: list[str], where: str) -> None:
    if taken:
        warn(line, f"{column.name}: read {', '.join(taken)} from the {where} (guessed)")


def parse_column_row(
    cells: dict[str, str], line: int, warn: Warn = _ignore
) -> list[SpecColumn] | None:
    """Columns from a Markdown-table row whose cells are keyed name/type/constraints/…

    A Notes cell is read like a Constraints cell when the table has none, else like the
    description. `warn(line, message)` hears of constraint words not read and of constraints
    guessed from a description.
    """
    name_cell = strip_inline(cells.get("name", ""))
    match = re.match(rf"^\s*({NAME}(?:\s*,\s*{NAME})*)\s*(?:\((?P<attrs>.*)\))?\s*$", name_cell)
    if not match:
        return None
    names = [n.strip() for n in match.group(1).split(",")]
    column = SpecColumn(name=names[0], line=line)
    type_cell = strip_inline(cells.get("type", ""))
    unread: list[str] = []
    if type_cell:
        unread += read_attributes(column, type_cell)
        if "type" not in column.stated:
            named = re.fullmatch(
                r"([A-Z]\w*|[a-z_]\w*_(?:type|enum|status|kind))\??", type_cell.strip()
            )
            if not named:
                return None
            unread = []  # the type cell names a type defined elsewhere, not constraint words
            # A user-defined type (an enum named elsewhere): resolved when the spec is finished.
            column.type, column.pg_type, column.type_guessed = (
                type_cell.strip(),
                type_cell.strip().rstrip("?"),
                True,
            )
            column.stated.append("type")
            column.user_type = True
    if match.group("attrs"):
        unread += read_attributes(column, match.group("attrs"), typed=True)
    for key in ("constraints", "key", "references"):
        if cells.get(key):
            value = strip_inline(cells[key])
            if key == "references" and value and value not in ("-", "\u2014"):
                value = "references " + value
            unread += read_attributes(column, value, typed=True)
    required = strip_inline(cells.get("required", "")).lower()
    if required:
        if re.match(r"^(yes|y|true|required|sí|si|はい|✓|✅|x)\b", required):
            set_not_null(column)
        elif re.match(r"^(no|n|false|optional|いいえ)\b", required):
            set_nullable(column)
    nullable = strip_inline(cells.get("nullable", "")).lower()
    if nullable in ("yes", "y", "true", "null", "nullable", "✓"):
        set_nullable(column)
    elif nullable in ("no", "n", "false", "not null"):
        set_not_null(column)
    default = strip_inline(cells.get("default", ""))
    if default and default not in ("-", "\u2014", "none", "None", ""):
        scan_constraints(column, "default " + default)
    notes = strip_inline(cells.get("notes", ""))
    if notes in ("-", "\u2014"):
        notes = ""
    unread = [u for u in unread if u not in ("-", "\u2014", "")]
    if unread:
        warn(line, f"{column.name}: constraint words not read: {', '.join(unread)!r}")
    if notes and not any(key in cells for key in ("constraints", "key", "references")):
        left = read_attributes(column, notes, typed=True)
        if left:
            warn(line, f"{column.name}: notes not read as constraints: {', '.join(left)!r}")
        unread += left
        notes = ""
    column.notes += unread
    if cells.get("description"):
        taken = read_description(column, strip_inline(cells["description"]))
        _warn_guessed(warn, line, column, taken, "description")
    if cells.get("example"):
        column.notes.append(strip_inline(cells["example"]))
    if notes:
        column.notes.append(notes)
        _warn_guessed(warn, line, column, guess_constraints(column, notes), "notes")
    return _for_names(column, names)
