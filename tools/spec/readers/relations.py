"""Relationships written in words, arrows and mermaid `erDiagram` blocks.

`tasks.project_id -> projects.id`, "Project has many Tasks", "Each task belongs to one project",
`A (1) <- (0..*) B`, `A ||--o{ B : has`: the patterns here turn them into Relationship records;
ON DELETE words found next to them become actions (CASCADE, SET NULL, …). `RelationReader` reads
such lines under a relationships heading.
"""

from __future__ import annotations

import re

from tools.naming import action_word
from tools.spec.builder import SpecBuilder
from tools.spec.model import Entity, Reference, Relationship, SpecColumn
from tools.spec.names import match_key, snake
from tools.spec.readers.sections import SectionReader
from tools.spec.typenames import normalize_type

_I = re.IGNORECASE


FK_ARROW = re.compile(
    r"(?P<t1>[A-Za-z_]\w*)\.(?P<c1>[A-Za-z_]\w*)\s*(?:→|->|=>|⟶|"
    r"(?:must\s+|should\s+|shall\s+)?(?:references?|refs?|points?\s+to)"
    r"(?:\s+(?:a\s+valid|an\s+existing|an?|the))?)\s*"
    r"(?P<t2>[A-Za-z_]\w*)\s*(?:\.|\()\s*(?P<c2>[A-Za-z_]\w*)\)?",
    _I,
)


ON_DELETE = re.compile(
    r"on\s+delete\s*:?\s*(?P<a>cascade|set\s+null|set\s+default|restrict|no\s+action)"
    r"|(?P<b>cascade|set\s+null|restrict)\s+on\s+delete"
    r"|\b(?P<c>cascade|cascades|set\s+to\s+null|set\s+null)\b",
    _I,
)


# A table name alone, maybe in code or bold: `users`, **tasks** (not a cell of a box diagram).
_NAMED_A = r"[\s`*]*(?P<a>\w+)[`*]*"
_NAMED_B = r"[`*]*(?P<b>\w+)[`*]*(?![\w.])"
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
            r"(?:(?:each|an?|every|many)\s+)?(?P<a>\w+)(?:\s+(?:entry|entries|record|records|row|rows|item|items))?\s+(?:must\s+)?belongs?\s+to\s+(?:exactly\s+)?"
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
    # `users 1:N tasks`, `tasks N:1 users`, `users 1:1 profiles`: names alone on the line
    (re.compile(rf"^{_NAMED_A}\s+1\s*:\s*[nm*]\s+{_NAMED_B}", _I), "one-to-many", False),
    (re.compile(rf"^{_NAMED_A}\s+[nm*]\s*:\s*1\s+{_NAMED_B}", _I), "many-to-one", False),
    (re.compile(rf"^{_NAMED_A}\s+1\s*:\s*1\s+{_NAMED_B}", _I), "one-to-one", False),
    (re.compile(rf"^{_NAMED_A}\s+[nm]\s*:\s*[nm]\s+{_NAMED_B}", _I), "many-to-many", False),
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


# `courses` → `course_modules` (one course has many modules), `a` ↔ `b` (through `a_b`): two
# tables, not a column and its target (`user_id → users(id)` is an FK_ARROW or an FK bullet).
TABLE_ARROW = re.compile(
    r"^(?P<a>[A-Za-z_]\w*)\s*(?P<arrow>→|->|=>|⟶|↔|<->|⟷)\s*(?P<b>[A-Za-z_]\w*)(?![\w.(])"
    r"(?P<rest>.*)$"
)
_KIND_LABEL = re.compile(
    r"(?i)\s*(?:(?:one|many)[- ]to[- ](?:one|many)|1:1|1:n|n:1|n:m|m:n)"
    r"(?:\s+relationships?)?\s*:?\s*"
)
_THROUGH = re.compile(r"\b(?:through|via)\s+`?(?P<via>\w+)`?", _I)
# "an agent (profile)" names the table profile; "one agent (optional)" does not.
_QUALIFIERS = frozenset(
    {
        *("optional", "required", "nullable", "mandatory", "unique", "many", "one", "multiple"),
        *("self", "cascade", "cascades", "restrict", "deferrable"),
    }
)


MERMAID_EDGE = re.compile(
    r"^\s*(?P<a>[\w-]+)\s+(?P<l>[|}o][|o])(?:--|\.\.)(?P<r>[|o][|{o])\s+(?P<b>[\w-]+)\s*(?::\s*(?P<label>.*))?$"
)


LIST_TAIL = re.compile(r"(?:\s*(?:,|\band\b|\by\b|\be\b)\s*(?:and\s+)?\w+)+")


def fk_sides(match: re.Match[str]) -> tuple[str, str, str, str]:
    """(child table, FK column, parent table, key) of an FK_ARROW: `tasks.user_id → users.id`
    as written, `users.id → tasks.user_id` (the parent's key first) turned around."""
    sides = (match.group("t1"), match.group("c1"), match.group("t2"), match.group("c2"))
    if sides[1].lower() == "id" and sides[3].lower() != "id":
        return sides[2], sides[3], sides[0], sides[1]
    return sides


def _arrow_kind(arrow: str, words: str) -> str:
    """The kind of `a → b (words)`: what the words say, else one-to-many (many-to-many for ↔)."""
    for kind in ("many-to-many", "one-to-one", "one-to-many", "many-to-one"):
        if kind in words.lower() or kind.replace("-", " ") in words.lower():
            return kind
    if arrow in ("↔", "<->", "⟷") or _THROUGH.search(words):
        return "many-to-many"
    return "one-to-many"


def on_delete_action(word: str) -> str:
    """`cascades`, `set to null`, `SET NULL` -> the ON DELETE words Postgres prints."""
    key = (
        re.sub(r"\s+|to", "", word.lower()).removesuffix("s")
        if word.lower() != "cascades"
        else "cascade"
    )
    return action_word(key) or action_word(key.rstrip("s")) or "CASCADE"


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
        if re.fullmatch(r"[\w-]+", text) or re.fullmatch(r'[\w-]+\s*\["[^"]*"\]', text):
            continue  # an entity named alone (or with its alias): the edges say the rest
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


class RelationReader(SectionReader):
    """Relationship lines of a relationships section (or of a table's relationships list)."""

    def relationship(self, plain: str, line: int) -> bool:
        """A relationship in words or arrows; False when the line states none."""
        section = self.section
        if _KIND_LABEL.fullmatch(plain):
            return True  # "One-to-many:", a title over the list items that say which tables
        plain = re.sub(  # "an agent (profile)" -> profile
            r"\b(\w+)\s+\((\w+)\)",
            lambda m: m.group(0) if m.group(2).lower() in _QUALIFIERS else m.group(2),
            plain,
        )
        found = False
        match: re.Match[str] | None
        tables = TABLE_ARROW.match(plain)
        if tables and not re.search(r"(?i)_id$", tables.group("a")):
            self.builder.relationships.append(
                Relationship(
                    from_table=tables.group("a"),
                    to_table=tables.group("b"),
                    kind=_arrow_kind(tables.group("arrow"), tables.group("rest")),
                    text=plain,
                    line=line,
                )
            )
            section.pairs.append((tables.group("a"), tables.group("b")))
            self._cascade(tables.group("rest"), line, [(tables.group("a"), tables.group("b"))])
            return True
        for match in FK_ARROW.finditer(plain):
            child, column, parent, key = fk_sides(match)
            self.builder.relationships.append(
                Relationship(
                    from_table=child,
                    to_table=parent,
                    kind="many-to-one",
                    via=column,
                    text=plain,
                    line=line,
                )
            )
            self.fk_from_text((child, column, parent, key), plain[match.end() :], line)
            section.last_fk.append((child, column))
            found = True
        if found:
            return True
        found = False
        for clause in re.split(r";\s*|\.\s+", plain):
            for pattern, kind, _ in REL_PATTERNS:
                match = pattern.search(clause)
                if not match:
                    continue
                a, via = match.group("a"), match.groupdict().get("via")
                # "Organization has many Users, Projects and Tags": one relationship per name.
                more = LIST_TAIL.match(clause[match.end() :]) if kind == "one-to-many" else None
                names = [match.group("b")] + (re.findall(r"\w+", more.group(0)) if more else [])
                for b in (n for n in names if n.lower() not in ("and", "or", "y", "e")):
                    self.builder.relationships.append(
                        Relationship(
                            from_table=a, to_table=b, kind=kind, via=via, text=plain, line=line
                        )
                    )
                    section.pairs.append((a, b))
                self._cascade(clause, line, [(a, names[0])])
                found = True
                break
        if found:
            return True
        action = ON_DELETE.search(plain)
        if action:
            word = next(g for g in action.groups() if g)
            if section.last_fk:
                table, column = section.last_fk[-1]
                self.builder.fk_actions.append((table, column, on_delete_action(word), line))
                return True
            words = re.findall(r"[A-Za-z_]\w+", plain)
            names = [w for w in words if match_key(w) in self._entity_keys()]
            if len(set(map(match_key, names))) >= 2:
                self.builder.cascades.append((names[0], names[1], on_delete_action(word), line))
                return True
            if section.pairs:
                a, b = section.pairs[-1]
                self.builder.cascades.append((a, b, on_delete_action(word), line))
                return True
        return False

    def _cascade(self, plain: str, line: int, pairs: list[tuple[str, str]]) -> None:
        action = ON_DELETE.search(plain)
        if action:
            word = next(g for g in action.groups() if g)
            self.builder.cascades.append((pairs[0][0], pairs[0][1], on_delete_action(word), line))

    def _entity_keys(self) -> set[str]:
        return {match_key(name) for name, _ in self.builder.tables}

    def fk_from_text(self, sides: tuple[str, str, str, str], rest: str, line: int) -> None:
        """`tasks.user_id -> users.id` (child, column, parent, key), with its ON DELETE when
        the rest of the line has one."""
        table, column, parent, key = sides
        self.builder.text_fks.append((table, column, parent, key, line))
        action = ON_DELETE.search(rest)
        if action:
            word = next(g for g in action.groups() if g)
            self.builder.fk_actions.append((table, column, on_delete_action(word), line))
