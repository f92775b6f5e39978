"""Relationship list items written as two tables and an arrow, or in words with an adjective
before the table (`One user can have multiple active sessions`): read onto the tables the spec
defines, under a relationships heading at the top or under a table."""

from __future__ import annotations

import pytest

from tests.lookups import spec_column
from tools.spec.read import SchemaSpec, parse_spec

TABLES = (
    "## users\n\n- id: uuid (pk)\n\n## chat_sessions\n\n- id: uuid (pk)\n- user_id: uuid\n\n"
    "## video_watch_sessions\n\n- id: uuid (pk)\n- user_id: uuid\n\n"
    "## tags\n\n- id: uuid (pk)\n"
)


def _read(items: list[str], heading: str) -> SchemaSpec:
    listed = "".join(f"- {item}\n" for item in items)
    return parse_spec(f"# Schema\n\n{TABLES}\n{heading}\n\n{listed}")


def _pairs(spec: SchemaSpec) -> list[tuple[str, str, str]]:
    return [(r.from_table, r.kind, r.to_table) for r in spec.relationships]


HEADINGS = ["## Relationships", "### Relationships", "**Relationships:**"]


@pytest.mark.parametrize("heading", HEADINGS)
@pytest.mark.parametrize(
    ("item", "kind"),
    [
        pytest.param("`users` → `chat_sessions` (one user has many sessions)", "one-to-many",
                     id="arrow-with-words"),
        pytest.param("users -> chat_sessions", "one-to-many", id="ascii-arrow"),
        pytest.param("`users` → `chat_sessions` (one-to-one)", "one-to-one", id="kind-in-words"),
        pytest.param("`users` ↔ `chat_sessions` (through `memberships`)", "many-to-many",
                     id="both-ways"),
    ],
)  # fmt: skip
def test_two_tables_and_an_arrow_are_one_relationship(heading: str, item: str, kind: str) -> None:
    spec = _read([item], heading)
    assert _pairs(spec) == [("users", kind, "chat_sessions")]
    unread = ("not read", "defined nowhere")
    assert not [w for w in spec.warnings if any(u in w.message for u in unread)], spec.warnings
    ref = spec_column(spec, "chat_sessions", "user_id").references
    assert (ref and (ref.table, ref.guessed)) == (
        None if kind == "many-to-many" else ("users", True)
    )


@pytest.mark.parametrize("heading", HEADINGS)
@pytest.mark.parametrize(
    ("item", "target"),
    [
        ("One user can have multiple active chat_sessions", "chat_sessions"),
        ("One user has many active chat sessions", "chat_sessions"),
        ("One user has many video watch sessions", "video_watch_sessions"),
    ],
)
def test_an_adjective_before_the_table_is_skipped(heading: str, item: str, target: str) -> None:
    spec = _read([item], heading)
    assert _pairs(spec) == [("users", "one-to-many", target)]
    assert not [w for w in spec.warnings if "defined nowhere" in w.message], spec.warnings


def test_a_word_in_brackets_names_the_table_unless_it_qualifies() -> None:
    spec = _read(["A user can be assigned to one tag (optional)"], "## Relationships")
    assert _pairs(spec) == [("users", "many-to-one", "tags")]


def test_a_column_and_its_target_is_no_relationship_between_tables() -> None:
    spec = _read(["user_id → users(id)"], "## Relationships")
    assert [(r.from_table, r.to_table) for r in spec.relationships] != [("user_id", "users")]


def test_a_mermaid_entity_named_alone_is_no_unread_line() -> None:
    lines = ["erDiagram", "    users", '    tags["Tag"]', "    users ||--o{ tags : has"]
    diagram = "```mermaid\n" + "\n".join(lines) + "\n```\n"
    spec = parse_spec(f"# Schema\n\n{TABLES}\n## Diagram\n\n{diagram}")
    assert _pairs(spec) == [("users", "one-to-many", "tags")]
    assert not [w for w in spec.warnings if "mermaid" in w.message], spec.warnings


@pytest.mark.parametrize("heading", HEADINGS)
def test_kind_labels_over_nested_items_and_a_subject_without_article(heading: str) -> None:
    items = "- One-to-many:\n  - users has many chat_sessions\n- Many-to-one:\n"
    items += "  - chat_sessions belongs to one users\n"
    spec = parse_spec(f"# Schema\n\n{TABLES}\n{heading}\n\n{items}")
    assert _pairs(spec) == [
        ("users", "one-to-many", "chat_sessions"),
        ("chat_sessions", "many-to-one", "users"),
    ]
    read = [
        w for w in spec.warnings if "relationship" in w.message and "(guessed)" not in w.message
    ]
    assert not read, spec.warnings


FK_SENTENCES = [
    pytest.param("One user has many chat_sessions", id="has-many"),
    pytest.param("Each chat_session belongs to one user", id="belongs-to"),
    pytest.param("users 1:N chat_sessions", id="one-to-n"),
    pytest.param("`chat_sessions` N:1 `users`", id="n-to-one"),
    pytest.param("users.id → chat_sessions.user_id (1:N)", id="parent-key-first"),
    pytest.param("chat_sessions.user_id → users.id", id="child-first"),
]  # fmt: skip


@pytest.mark.parametrize("heading", HEADINGS)
@pytest.mark.parametrize("item", FK_SENTENCES)
def test_a_relationship_gives_its_child_the_foreign_key(heading: str, item: str) -> None:
    spec = _read([item], heading)
    ref = spec_column(spec, "chat_sessions", "user_id").references
    assert ref is not None and (ref.table, ref.column) == ("users", "id")
    assert spec_column(spec, "users", "id").references is None  # never the parent's key
    unread = ("not read", "defined nowhere")
    assert not [w for w in spec.warnings if any(u in w.message for u in unread)], spec.warnings


def test_a_column_code_defines_without_references_gets_none_from_a_sentence() -> None:
    sql = (
        "## users\n\n```sql\nCREATE TABLE users (id uuid PRIMARY KEY);\nCREATE TABLE likes "
        "(id uuid PRIMARY KEY, user_id uuid NOT NULL);\n```\n"
    )
    spec = parse_spec(f"# Schema\n\n{sql}\n## Relationships\n\n- One user has many likes\n")
    assert spec_column(spec, "likes", "user_id").references is None


def test_a_box_diagram_cell_is_no_relationship() -> None:
    box = "```\n│ email       │    1:N  │ title        │\n```\n"
    spec = parse_spec(f"# Schema\n\n{TABLES}\n## Diagram\n\n{box}")
    assert _pairs(spec) == []
