"""Relationship list items written as two tables and an arrow, or in words with an adjective
before the table (`One user can have multiple active sessions`): read onto the tables the spec
defines, under a relationships heading at the top or under a table."""

from __future__ import annotations

import pytest

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
    assert not [w for w in spec.warnings if "relationship" in w.message], spec.warnings


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
    assert not [w for w in spec.warnings if "relationship" in w.message], spec.warnings
