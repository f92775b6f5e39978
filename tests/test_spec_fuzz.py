"""Fuzzing parse_spec: any Markdown is read without raising, quickly, with valid warning lines."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tools.spec.read import parse_spec, spec_to_snapshot

IDENT = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
TYPES = st.sampled_from(
    [
        "int",
        "uuid",
        "text",
        "varchar(20)",
        "String?",
        "enum(a, b)",
        "timestamp",
        "???",
        "",
        "(",
        "[]",
    ]
)
WORDS = st.sampled_from(
    [
        "pk",
        "not null",
        "unique",
        "fk -> users.id",
        "default now()",
        "on delete cascade",
        "(",
        ")",
        "'",
        '"',
        "check (x > 0)",
        "->",
        "|",
        "`",
        "**",
        "--",
        "/*",
        "—",
        "主キー",
        "no nulo",
    ]
)


@st.composite
def bullet(draw: st.DrawFn) -> str:
    name = draw(IDENT)
    words = ", ".join(draw(st.lists(WORDS, max_size=4)))
    shape = draw(
        st.sampled_from(
            [
                "- {n}: {t} ({w})",
                "- **{n}** ({t}, {w})",
                "- `{n}`: {t} - {w}",
                "* {n} {t} {w}",
                "  - {n}: {w}",
                "1. {n}: {t}",
            ]
        )
    )
    return shape.format(n=name, t=draw(TYPES), w=words)


@st.composite
def table(draw: st.DrawFn) -> str:
    headers = draw(
        st.lists(
            st.sampled_from(["Column", "Type", "Constraints", "Notes", "Campo", "型", "x"]),
            min_size=1,
            max_size=4,
        )
    )
    rows = [
        "| " + " | ".join(draw(st.one_of(IDENT, TYPES, WORDS)) for _ in headers) + " |"
        for _ in range(draw(st.integers(0, 4)))
    ]
    return "\n".join(["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers), *rows])


@st.composite
def fence(draw: st.DrawFn) -> str:
    lang = draw(st.sampled_from(["sql", "python", "prisma", "mermaid", "", "ts", "mysql"]))
    body = draw(
        st.sampled_from(
            [
                "CREATE TABLE t (id int primary key, x text references u(id));",
                "CREATE TABLE `t` (id INT AUTO_INCREMENT, s ENUM('a','b')) ENGINE=InnoDB;",
                "CREATE INDEX ON t (",
                "class T(SQLModel, table=True):\n    id: int = Field(primary_key=True)",
                "class Broken(:",
                "model T {\n  id Int @id\n  u U @relation(fields: [x], references: [id])\n}",
                "erDiagram\n  A ||--o{ B : has\n  A {\n    int id PK\n  }",
                "ALTER TABLE t ADD CONSTRAINT c FOREIGN KEY (a) REFERENCES b(id) ON DELETE CASCADE",
                'const t = pgTable("t", { id: uuid("id").primaryKey(), x: text("x").references(',
                'const t = pgTable("t", {\n  a: int("a").notNull(),\n}, (t) => ({ i: index().on(',
            ]
        )
    )
    noise = draw(st.text(max_size=40))
    return f"```{lang}\n{body}\n{noise}\n```"


BLOCK = st.one_of(
    st.builds(lambda n: f"## {n}", IDENT),
    st.builds(lambda n: f"### {n} (managed by Better Auth)", IDENT),
    st.just("## Relationships"),
    st.just("## Indexes"),
    st.just("## Future"),
    st.just("**Indexes:**"),
    bullet(),
    table(),
    fence(),
    st.text(max_size=80),
)


def _check(text: str) -> None:
    start = time.perf_counter()
    spec = parse_spec(text)
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, f"{elapsed:.2f} s"
    lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    assert all(0 <= w.line <= lines for w in spec.warnings)
    # The reader's safety net turns a bug into a warning; fuzzing must not rely on it.
    assert not [w for w in spec.warnings if w.message.startswith("line not read (")], spec.warnings
    spec_to_snapshot(spec)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.text(max_size=2000))
def test_arbitrary_text_never_raises(text: str) -> None:
    _check(text)


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(BLOCK, max_size=25), st.sampled_from(["\n", "\r\n", "\n\n"]))
def test_markdown_like_specs_never_raise(blocks: list[str], newline: str) -> None:
    _check(newline.join(blocks))


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(IDENT, st.lists(bullet(), min_size=1, max_size=8))
def test_every_bullet_under_a_table_heading_is_read_or_warned(
    name: str, bullets: list[str]
) -> None:
    text = f"## {name}\n- id: int (pk)\n" + "\n".join(b for b in bullets if b.startswith("-"))
    spec = parse_spec(text)
    read = {c.line for e in spec.entities + spec.future for c in e.columns}
    read |= {i.line for i in spec.indexes} | {c.line for c in spec.constraints}
    read |= {r.line for r in spec.relationships}
    warned = {w.line for w in spec.warnings}
    notes = [n for e in spec.entities for n in e.notes]
    for number, line in enumerate(text.split("\n"), 1):
        if line.startswith("- ") and number > 2:
            assert number in read | warned or any(line[2:].strip("*` ") in n for n in notes), line
