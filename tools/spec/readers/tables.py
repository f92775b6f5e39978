"""Pipe tables of a spec: cut out of their block, split into cells, headers matched to meanings.

`split_tables` finds GitHub pipe tables in a block's text (markdown-it's own table rule makes three
tokens a cell, half the parse time of a spec made of tables); `map_headers` says which cell holds
the column name, type, constraints… by header words in several languages, or by the cells' shape.
"""

from __future__ import annotations

import re

from tools.spec.readers.columns import strip_inline
from tools.spec.typenames import normalize_type

_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")


def cells(row: str) -> list[str]:
    """The cells of a pipe-table row (escaped pipes and pipes inside `code` kept)."""
    text = row.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    if "`" not in text and "\\" not in text:
        return [cell.strip() for cell in text.split("|")]
    out, current, code = [], [], False
    for i, char in enumerate(text):
        if char == "`":
            code = not code
        if char == "|" and not code and (i == 0 or text[i - 1] != "\\"):
            out.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    out.append("".join(current).strip())
    return out


def split_tables(content: str, line: int) -> list[tuple[str, object, int]]:
    """A block's text as ("text", text, line) and ("table", (headers, rows), line) parts.

    A table is a row with pipes followed by a delimiter row (`|---|---|`), up to the first line
    without a pipe, as GitHub reads them.
    """
    if "|" not in content or "-" not in content:
        return [("text", content, line)]
    lines = content.split("\n")
    parts: list[tuple[str, object, int]] = []
    start, index = 0, 0
    while index < len(lines) - 1:
        if (
            "|" in lines[index]
            and _DELIMITER.match(lines[index + 1])
            and "|" in (lines[index] + lines[index + 1])
        ):
            if index > start:
                parts.append(("text", "\n".join(lines[start:index]), line + start))
            headers = cells(lines[index])
            end = index + 2
            rows = []
            while end < len(lines) and "|" in lines[end]:
                rows.append((line + end, cells(lines[end])))
                end += 1
            parts.append(("table", (headers, rows), line + index))
            start = index = end
            continue
        index += 1
    if start < len(lines):
        parts.append(("text", "\n".join(lines[start:]), line + start))
    return parts


HEADER_KEYS: list[tuple[str, re.Pattern[str]]] = [
    (
        "name",
        re.compile(
            r"^(column|columns|field|fields|name|attribute|column name|field name|campo|columna"
            r"|colonna|nombre|nome|カラム|カラム名|フィールド|項目|列|名前|物理名)$"
        ),
    ),
    (
        "type",
        re.compile(
            r"^(type|data type|datatype|sql type|tipo|tipo de dato|tipo di dato|型|タイプ"
            r"|データ型)$"
        ),
    ),
    (
        "constraints",
        re.compile(
            r"^(constraints?|attributes|modifiers|options|restricciones|vincoli|制約|properties|propiedades|flags|key|keys|pk/fk)$"
        ),
    ),
    (
        "description",
        re.compile(
            r"^(description|descripción|descripcion|descrizione|説明|purpose|details|comment|comments|meaning|備考)$"
        ),
    ),
    (
        "notes",
        re.compile(
            r"^(notes?|remarks?|validation|validación|validazione|notas|rules?|reglas|regole"
            r"|observaciones|osservazioni)$"
        ),
    ),
    ("example", re.compile(r"^(examples?|sample|ejemplos?|esempi|esempio|例)$")),
    ("required", re.compile(r"^(required|requerido|obligatorio|obbligatorio|必須|mandatory)$")),
    ("nullable", re.compile(r"^(nullable|null|null\?|nulo|nullo)$")),
    (
        "default",
        re.compile(
            r"^(default|default value|por defecto|predefinito|valore predefinito|デフォルト"
            r"|初期値)$"
        ),
    ),
    ("references", re.compile(r"^(references|foreign key|fk|relation|referencia|riferimento)$")),
]


def map_headers(headers: list[str], rows: list[tuple[int, list[str]]]) -> dict[str, int] | None:
    """Which cell holds the name, type, constraints… (None when the table is not about columns).

    Headers are matched loosely in several languages; when they say nothing known, the shape of
    the cells decides: identifiers in one column and type words in the next.
    """
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        for key, pattern in HEADER_KEYS:
            if key not in mapping and pattern.match(header.strip()):
                mapping[key] = index
                break
    if "name" in mapping and "type" in mapping:
        return mapping
    if not rows or len(headers) < 2:
        return None
    # Structure, not words: identifiers in one column, type words in another.
    for name_at in range(len(headers) - 1):
        for type_at in range(name_at + 1, len(headers)):
            names = [strip_inline(r[1][name_at]) for r in rows if name_at < len(r[1])]
            types = [strip_inline(r[1][type_at]) for r in rows if type_at < len(r[1])]
            ident = sum(bool(re.match(r"^[A-Za-z_]\w*$", n)) for n in names)
            typed = sum(
                normalize_type(t).pg_type is not None and not normalize_type(t).guessed
                for t in types
            )
            if ident >= 0.8 * len(rows) and typed >= 0.6 * len(rows):
                found = {"name": name_at, "type": type_at}
                for index in range(len(headers)):
                    if index not in found.values():
                        found.setdefault(
                            "constraints" if "constraints" not in found else "description", index
                        )
                return found
    return None
