"""Relationships written in words, arrows and mermaid `erDiagram` blocks.

`tasks.project_id -> projects.id`, "Project has many Tasks", "Each task belongs to one project",
`A (1) <- (0..*) B`, `A ||--o{ B : has`: the patterns here turn them into Relationship records;
ON DELETE words found next to them become actions (CASCADE, SET NULL, …).
"""

from __future__ import annotations

import re

from tools.spec.builder import SpecBuilder, snake
from tools.spec.model import Entity, Reference, Relationship, SpecColumn
from tools.spec.readers.columns import ACTIONS
from tools.spec.typenames import normalize_type

_I = re.IGNORECASE


FK_ARROW = re.compile(
    r"(?P<t1>[A-Za-z_]\w*)\.(?P<c1>[A-Za-z_]\w*)\s*(?:→|->|=>|⟶|references|refs?)\s*"
    r"(?P<t2>[A-Za-z_]\w*)\s*(?:\.|\()\s*(?P<c2>[A-Za-z_]\w*)\)?",
    _I,
)


ON_DELETE = re.compile(
    r"on\s+delete\s*:?\s*(?P<a>cascade|set\s+null|set\s+default|restrict|no\s+action)"
    r"|(?P<b>cascade|set\s+null|restrict)\s+on\s+delete"
    r"|\b(?P<c>cascade|cascades|set\s+to\s+null|set\s+null)\b",
    _I,
)


REL_PATTERNS: list[tuple[re.Pattern[str], str, bool]] = [
    (
        re.compile(
            r"(?:one|each|an?|every)?\s*(?P<a>\w+)\s+(?:can\s+)?(?:has|have|owns?|contains?)\s+"
            r"(?:many|multiple|several|zero or more|one or more|0\.\.n|n)\s+(?P<b>\w+)",
            _I,
        ),
        "one-to-many",
        False,
    ),
    (
        re.compile(
            r"(?P<a>\w+)\s+can\s+(?:be\s+)?\w+(?:\s+to)?\s+(?:many|multiple|several)\s+(?P<b>\w+)",
            _I,
        ),
        "one-to-many",
        False,
    ),
    (
        re.compile(
            r"(?P<a>\w+)\s+can\s+(?:be\s+)?\w+(?:\s+to)?\s+(?:one|a single|an?)\s+(?P<b>\w+)", _I
        ),
        "many-to-one",
        False,
    ),
    (
        re.compile(
            r"(?:each|an?|every|many)\s+(?P<a>\w+)(?:\s+(?:entry|entries|record|records|row|rows|item|items))?\s+(?:must\s+)?belongs?\s+to\s+(?:exactly\s+)?"
            r"(?:one|an?|a single|single)\s+(?P<b>\w+)",
            _I,
        ),
        "many-to-one",
        False,
    ),
    (re.compile(r"one\s+(?P<a>\w+)\s+to\s+many\s+(?P<b>\w+)", _I), "one-to-many", False),
    (re.compile(r"one-to-many\s+from\s+(?P<a>\w+)\s+to\s+(?P<b>\w+)", _I), "one-to-many", False),
    (
        re.compile(r"(?P<a>\w+)\s*\(1\)\s*[─\u2014\-<←]+\s*\(?(?:0|1)?\.\.\*\)?\s*(?P<b>\w+)"),
        "one-to-many",
        False,
    ),
    (
        re.compile(r"(?P<a>\w+)\s*\(1\)\s*[─\u2014\-]*<\s*\(N\)\s*(?P<b>\w+)", _I),
        "one-to-many",
        False,
    ),
    (re.compile(r"(?P<a>\w+)\s*\(1\)\s*←\s*\((?:0|1)\.\.\*\)\s*(?P<b>\w+)"), "one-to-many", False),
    (re.compile(r"(?P<a>\w+)\s*\(1\)\s*←\s*\(1\)\s*(?P<b>\w+)"), "one-to-one", False),
    (re.compile(r"(?P<a>\w+)\s+1\s*-+\s*\*\s+(?P<b>\w+)"), "one-to-many", False),
    (re.compile(r"(?P<a>\w+)\s+\*\s*-+\s*\*\s+(?P<b>\w+)"), "many-to-many", False),
    (
        re.compile(r"(?P<a>\w+)\s+and\s+(?P<b>\w+)\s+are\s+many-to-many", _I),
        "many-to-many",
        False,
    ),
    (
        re.compile(r"(?P<a>\w+)\s+(?:has|have)\s+(?:one|a single)\s+(?P<b>\w+)", _I),
        "one-to-one",
        False,
    ),
    (
        re.compile(
            r"(?P<a>\w+)\s+(?:are|is)\s+owned\s+by\s+(?:a\s+single\s+|one\s+|an?\s+|the\s+)?(?P<b>\w+)",
            _I,
        ),
        "many-to-one",
        False,
    ),
    (
        re.compile(
            r"(?P<a>\w+)\s+(?:are|is)\s+(?:linked|related|attached|tied)\s+to\s+(?:their\s+|the\s+)?(?P<b>\w+)"
            r"(?:\s+(?:via|through|by)\s+(?:the\s+)?`?(?P<via>\w+)`?)?",
            _I,
        ),
        "many-to-one",
        False,
    ),
]


MERMAID_EDGE = re.compile(
    r"^\s*(?P<a>[\w-]+)\s+(?P<l>[|}o][|o])(?:--|\.\.)(?P<r>[|o][|{o])\s+(?P<b>[\w-]+)\s*(?::\s*(?P<label>.*))?$"
)


LIST_TAIL = re.compile(r"(?:\s*(?:,|\band\b|\by\b|\be\b)\s*(?:and\s+)?\w+)+")


def on_delete_action(word: str) -> str:
    key = (
        re.sub(r"\s+|to", "", word.lower()).removesuffix("s")
        if word.lower() != "cascades"
        else "cascade"
    )
    return ACTIONS.get(key, ACTIONS.get(key.rstrip("s"), "CASCADE"))


def read_mermaid(code: str, first_line: int, builder: SpecBuilder) -> None:
    """Relationships of a mermaid erDiagram (entity attribute blocks are read as columns)."""
    entity: Entity | None = None
    for offset, raw in enumerate(code.splitlines()):
        line = first_line + offset
        text = raw.strip()
        if not text or text.startswith("%%") or text == "erDiagram":
            continue
        edge = MERMAID_EDGE.match(text)
        if edge:
            left, right = edge.group("l"), edge.group("r")
            many_left, many_right = "}" in left, "{" in right
            kind = (
                "many-to-many"
                if many_left and many_right
                else "one-to-many"
                if many_right
                else "many-to-one"
                if many_left
                else "one-to-one"
            )
            builder.relationships.append(
                Relationship(
                    from_table=edge.group("a"),
                    to_table=edge.group("b"),
                    kind=kind,
                    text=edge.group("label") or "",
                    line=line,
                )
            )
            continue
        opened = re.match(r"^([\w-]+)\s*\{$", text)
        if opened:
            entity = builder.entity(snake(opened.group(1)), line, "mermaid", explicit=False)
            continue
        if text == "}":
            entity = None
            continue
        if entity is not None:
            parts = text.split()
            if len(parts) >= 2:
                info = normalize_type(parts[0])
                column = SpecColumn(
                    name=parts[1],
                    type=parts[0],
                    pg_type=info.pg_type or "text",
                    type_guessed=True,
                    line=line,
                    stated=["type"],
                )
                rest = " ".join(parts[2:])
                if re.search(r"\bPK\b", rest):
                    column.primary_key, column.nullable = True, False
                if re.search(r"\bUK\b", rest):
                    column.unique = True
                if re.search(r"\bFK\b", rest):
                    column.references = Reference(table="", guessed=True)
                builder.add_column(entity, column, "bullets")
                continue
        builder.warn(line, "mermaid line not read")
