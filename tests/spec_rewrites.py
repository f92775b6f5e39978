"""Rewritings of a Markdown spec that keep its schema: the transformations of the metamorphic tests.

A spec is split into blocks (a heading and the lines under it, code fences kept whole); each
rewriting changes the document the way real specs differ from ours (issue #12) and must not change
the tables, columns and foreign keys read. Used by tests/test_spec_metamorphic.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")


@dataclass
class Block:
    """A heading (level, title) and the lines under it up to the next heading."""

    level: int
    title: str
    body: list[str] = field(default_factory=list)


@dataclass
class Doc:
    """A spec as the lines before its first heading and its heading blocks."""

    head: list[str]
    blocks: list[Block]


def split_doc(text: str) -> Doc:
    """The spec's blocks; a `#` line inside a code fence is code, not a heading."""
    doc = Doc(head=[], blocks=[])
    fence = False
    for line in text.replace("\r\n", "\n").split("\n"):
        heading = None if fence else _HEADING.match(line)
        if _FENCE.match(line):
            fence = not fence
        if heading:
            doc.blocks.append(Block(len(heading.group(1)), heading.group(2)))
        elif doc.blocks:
            doc.blocks[-1].body.append(line)
        else:
            doc.head.append(line)
    return doc


def join_doc(doc: Doc, newline: str = "\n") -> str:
    """The spec's text again."""
    lines = list(doc.head)
    for block in doc.blocks:
        lines.append(f"{'#' * block.level} {block.title}")
        lines += block.body
    return newline.join(lines)


def _title_at(doc: Doc) -> int | None:
    """The index of the document's title: its first heading, alone at the top level."""
    if not doc.blocks:
        return None
    top = min(b.level for b in doc.blocks)
    tops = [i for i, b in enumerate(doc.blocks) if b.level == top]
    return 0 if tops == [0] else None


def _sections(doc: Doc) -> tuple[list[Block], list[list[Block]]]:
    """(the title's blocks, the top-level sections after it, each with its sub-blocks)."""
    title = _title_at(doc)
    lead = doc.blocks[:1] if title == 0 else []
    rest = doc.blocks[len(lead) :]
    if not rest:
        return lead, []
    top = min(b.level for b in rest)
    sections: list[list[Block]] = []
    for block in rest:
        if block.level == top or not sections:
            sections.append([])
        sections[-1].append(block)
    return lead, sections


def _rebuild(doc: Doc, lead: list[Block], sections: list[list[Block]]) -> Doc:
    return Doc(head=list(doc.head), blocks=lead + [b for s in sections for b in s])


def _shifted(blocks: list[Block], by: int) -> list[Block]:
    return [replace(b, level=min(6, b.level + by)) for b in blocks]


# --- the rewritings ---------------------------------------------------------------------------


def retitle(doc: Doc, words: str) -> Doc:
    """The title line says anything: its words are about the document, never a section."""
    lead, sections = _sections(doc)
    if lead:
        return _rebuild(doc, [replace(lead[0], title=words)], sections)
    top = min((b.level for b in doc.blocks), default=2)
    blocks = doc.blocks if top > 1 else _shifted(doc.blocks, 1)
    return Doc(head=list(doc.head), blocks=[Block(max(1, top - 1), words, [""]), *blocks])


def preamble(doc: Doc, paragraph: str) -> Doc:
    """A paragraph (or a list of facts) between the title and the first section."""
    lead, sections = _sections(doc)
    if not lead:
        return Doc(head=[*doc.head, paragraph, ""], blocks=list(doc.blocks))
    title = replace(lead[0], body=["", paragraph, *lead[0].body])
    return _rebuild(doc, [title], sections)


def shift(doc: Doc, by: int = 1) -> Doc:
    """Every heading a level deeper (a document whose title is `##`)."""
    if any(b.level + by > 6 for b in doc.blocks):
        return doc
    return Doc(head=list(doc.head), blocks=_shifted(doc.blocks, by))


def wrap(doc: Doc, word: str) -> Doc:
    """The sections under one wrapper heading ("Tables", "Data model"): a level deeper."""
    lead, sections = _sections(doc)
    if not sections or any(b.level >= 6 for s in sections for b in s):
        return doc
    top = sections[0][0].level
    wrapper = [Block(top, word, [""])]
    return _rebuild(doc, lead, [wrapper, *[_shifted(s, 1) for s in sections]])


def reorder(doc: Doc, order: list[int]) -> Doc:
    """The top-level sections in another order (`order` is a permutation of their indexes)."""
    lead, sections = _sections(doc)
    order = [i for i in order if i < len(sections)]
    order += [i for i in range(len(sections)) if i not in order]
    return _rebuild(doc, lead, [sections[i] for i in order])


def number(doc: Doc, top_style: str, sub_style: str) -> Doc:
    """Numbered headings: `1. users`, `3.2 tasks` (styles take n and m); numbered ones kept."""
    lead, sections = _sections(doc)
    if any(re.match(r"\d", b.title) for s in sections for b in s):
        return doc
    numbered = []
    for n, section in enumerate(sections, 1):
        head = replace(section[0], title=top_style.format(n=n) + section[0].title)
        subs, m = [], 0
        for block in section[1:]:
            if block.level == section[0].level + 1:
                m += 1
                block = replace(block, title=sub_style.format(n=n, m=m) + block.title)
            subs.append(block)
        numbered.append([head, *subs])
    return _rebuild(doc, lead, numbered)


def pascal(name: str) -> str:
    """`task_comments` -> `TaskComments`."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def name_style(doc: Doc, names: set[str], style: str) -> Doc:
    """A heading that is a table's bare name written another way: `users`, **users**, Table: x.

    The style takes `name` and `pascal` (`Users`, `TaskComments`, read as their snake_case).
    """
    blocks = [
        replace(b, title=style.format(name=b.title, pascal=pascal(b.title)))
        if b.title in names
        else b
        for b in doc.blocks
    ]
    return Doc(head=list(doc.head), blocks=blocks)


def contents(doc: Doc, title: str) -> Doc:
    """A table of contents after the title: a list of links to the sections."""
    lead, sections = _sections(doc)
    if not sections:
        return doc
    links = [f"- [{s[0].title}](#{s[0].title.lower().replace(' ', '-')})" for s in sections]
    toc = [Block(sections[0][0].level, title, ["", *links, ""])]
    return _rebuild(doc, lead, [toc, *sections])


def rules(doc: Doc) -> Doc:
    """A horizontal rule (`---`) closing every block, as many specs separate their sections."""
    blocks = [replace(b, body=[*b.body, "", "---", ""]) for b in doc.blocks]
    return Doc(head=list(doc.head), blocks=blocks)


_BULLET = re.compile(r"^(\s*)[-*+]\s+")


def _outside_fences(doc: Doc, rewrite: Callable[[str], str]) -> Doc:
    blocks = []
    for block in doc.blocks:
        body, fence = [], False
        for line in block.body:
            if _FENCE.match(line):
                fence = not fence
            body.append(line if fence else rewrite(line))
        blocks.append(replace(block, body=body))
    return Doc(head=list(doc.head), blocks=blocks)


def bullets(doc: Doc, marker: str) -> Doc:
    """List items with another marker: `*`, `+` or `1.`."""
    return _outside_fences(doc, lambda line: _BULLET.sub(lambda m: m.group(1) + marker + " ", line))


_BARE_NAME = re.compile(r"^(\s*[-*+]\s+)([A-Za-z_]\w*)(:|\s+\()")


def code_names(doc: Doc, mark: str) -> Doc:
    """Column names of bullets, names and types of table rows in code or bold marks: `id`."""

    def bullet(line: str) -> str:
        return _BARE_NAME.sub(lambda m: f"{m.group(1)}{mark}{m.group(2)}{mark}{m.group(3)}", line)

    def table(headers: list[str], rows: list[list[str]]) -> list[list[str]]:
        meanings = [_meaning(h) for h in headers]
        if "name" not in meanings:
            return [headers, *rows]
        at = {meanings.index(m) for m in ("name", "type") if m in meanings}
        marked = [
            [f"{mark}{c}{mark}" if i in at and c else c for i, c in enumerate(r)] for r in rows
        ]
        return [headers, *marked]

    return _each_table(_outside_fences(doc, bullet), table)


# --- pipe tables ------------------------------------------------------------------------------

# The header words of our own specs, by meaning (the translations below are added to them).
MEANINGS = {
    "name": {"field", "column", "name"},
    "type": {"type"},
    "constraints": {"constraints", "attributes"},
    "description": {"description"},
    "required": {"required"},
    "default": {"default"},
    "notes": {"notes"},
}
# The same meanings in the words of other languages (alternatives a spec may use).
TRANSLATIONS: dict[str, dict[str, list[str]]] = {
    "en": {
        "name": ["Column Name", "Field Name", "Attribute", "COLUMN"],
        "type": ["Data Type", "Datatype", "SQL Type", "TYPE"],
        "constraints": ["Modifiers", "Options", "Properties", "Key"],
        "description": ["Purpose", "Details", "Comment", "Meaning"],
        "required": ["Mandatory", "Required?", "REQUIRED"],
        "default": ["Default Value", "DEFAULT"],
        "notes": ["Remarks", "Note"],
    },
    "es": {
        "name": ["Columna", "Campo", "Nombre"],
        "type": ["Tipo", "Tipo de dato"],
        "constraints": ["Restricciones"],
        "description": ["Descripción"],
        "required": ["Obligatorio", "Requerido"],
        "default": ["Por defecto", "Valor por defecto"],
        "notes": ["Notas", "Observaciones"],
    },
    "it": {
        "name": ["Colonna", "Campo", "Nome"],
        "type": ["Tipo", "Tipo di dato"],
        "constraints": ["Vincoli"],
        "description": ["Descrizione"],
        "required": ["Obbligatorio"],
        "default": ["Predefinito", "Valore predefinito"],
        "notes": ["Note", "Osservazioni"],
    },
    "fr": {
        "name": ["Colonne", "Champ", "Nom"],
        "type": ["Type", "Type de données"],
        "constraints": ["Contraintes"],
        "description": ["Description", "Commentaire"],
        "required": ["Obligatoire", "Requis"],
        "default": ["Défaut", "Valeur par défaut"],
        "notes": ["Remarques", "Notes"],
    },
    "de": {
        "name": ["Spalte", "Spaltenname", "Feld", "Name"],
        "type": ["Typ", "Datentyp"],
        "constraints": ["Einschränkungen", "Constraints"],
        "description": ["Beschreibung"],
        "required": ["Pflicht", "Erforderlich"],
        "default": ["Standardwert", "Standard"],
        "notes": ["Hinweise", "Anmerkungen"],
    },
    "pt": {
        "name": ["Coluna", "Campo", "Nome"],
        "type": ["Tipo", "Tipo de dado"],
        "constraints": ["Restrições"],
        "description": ["Descrição"],
        "required": ["Obrigatório"],
        "default": ["Padrão", "Valor padrão"],
        "notes": ["Observações", "Notas"],
    },
    "ja": {
        "name": ["カラム名", "カラム", "物理名", "項目"],
        "type": ["型", "データ型"],
        "constraints": ["制約"],
        "description": ["説明"],
        "required": ["必須"],
        "default": ["デフォルト", "初期値"],
        "notes": ["備考", "メモ"],
    },
    "zh": {
        "name": ["字段名", "列名", "字段"],
        "type": ["类型", "数据类型"],
        "constraints": ["约束"],
        "description": ["说明", "描述"],
        "required": ["必填", "是否必填"],
        "default": ["默认值"],
        "notes": ["备注"],
    },
    "ur": {
        "name": ["کالم", "کالم کا نام", "فیلڈ"],
        "type": ["قسم", "ڈیٹا ٹائپ"],
        "constraints": ["پابندیاں"],
        "description": ["تفصیل", "وضاحت"],
        "required": ["لازمی"],
        "default": ["ڈیفالٹ"],
        "notes": ["نوٹس"],
    },
}


for _words in TRANSLATIONS.values():
    for _meaning_of, _said in _words.items():
        MEANINGS[_meaning_of] |= {w.lower() for w in _said}


def _cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _meaning(header: str) -> str | None:
    low = header.strip().strip("*`").lower()
    return next((m for m, words in MEANINGS.items() if low in words), None)


def _tables(lines: list[str]) -> list[tuple[int, int]]:
    """(header index, end index) of each pipe table in the lines."""
    found, i = [], 0
    while i < len(lines) - 1:
        if lines[i].lstrip().startswith("|") and _DELIMITER.match(lines[i + 1]):
            end = i + 2
            while end < len(lines) and lines[end].lstrip().startswith("|"):
                end += 1
            found.append((i, end))
            i = end
            continue
        i += 1
    return found


def _each_table(
    doc: Doc,
    rewrite: Callable[[list[str], list[list[str]]], list[list[str]]],
    row: Callable[[list[str]], str] = _row,
    delimiter: str = "---",
) -> Doc:
    blocks = []
    for block in doc.blocks:
        body = list(block.body)
        for start, end in reversed(_tables(body)):
            rows = [_cells(r) for r in body[start:end]]
            rows = rewrite(rows[0], rows[2:])
            body[start:end] = [row(rows[0]), row([delimiter] * len(rows[0]))] + [
                row(r) for r in rows[1:]
            ]
        blocks.append(replace(block, body=body))
    return Doc(head=list(doc.head), blocks=blocks)


def table_style(doc: Doc, outer: bool, delimiter: str) -> Doc:
    """Pipe tables written another way: without outer pipes, aligned (`:---:`), padded."""

    def row(cells: list[str]) -> str:
        inner = " | ".join(c.ljust(12) for c in cells)
        return f"| {inner} |" if outer else inner

    return _each_table(doc, lambda headers, rows: [headers, *rows], row, delimiter)


def translate_headers(doc: Doc, language: str, pick: int) -> Doc:
    """Column-table headers in other words or another language (`pick` picks a synonym)."""
    words = TRANSLATIONS[language]

    def rewrite(headers: list[str], rows: list[list[str]]) -> list[list[str]]:
        out = []
        for header in headers:
            meaning = _meaning(header)
            out.append(words[meaning][pick % len(words[meaning])] if meaning else header)
        return [out, *rows]

    return _each_table(doc, rewrite)


def constraints_in_description(doc: Doc, style: str) -> Doc:
    """The constraints cell folded into the description (`{d} ({c})`, `{c}. {d}`…)."""

    def rewrite(headers: list[str], rows: list[list[str]]) -> list[list[str]]:
        meanings = [_meaning(h) for h in headers]
        if "constraints" not in meanings or "name" not in meanings:
            return [headers, *rows]
        at = meanings.index("constraints")
        desc = meanings.index("description") if "description" in meanings else None
        out_rows = []
        for row in rows:
            row = row + [""] * (len(headers) - len(row))
            said = row[at].strip()
            text = row[desc].strip() if desc is not None else ""
            merged = style.format(d=text, c=said) if said and text else said or text
            if desc is None:
                out_rows.append([*row[:at], merged, *row[at + 1 :]])
            else:
                out_rows.append([c for i, c in enumerate(row) if i != at])
                out_rows[-1][desc - (desc > at)] = merged
        if desc is None:
            out_headers = [*headers[:at], "Description", *headers[at + 1 :]]
        else:
            out_headers = [h for i, h in enumerate(headers) if i != at]
        return [out_headers, *out_rows]

    return _each_table(doc, rewrite)
