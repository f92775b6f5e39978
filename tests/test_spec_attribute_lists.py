"""Columns written as a name with their attributes nested under it (`- **email**` over `- Type:
VARCHAR(255)`, `- Unique, not null`) read the same as the one-line bullets they stand for,
whatever the name's and the labels' style and the table heading's; a name over column bullets is
a group title, as before."""

from __future__ import annotations

from typing import Any

import pytest

from tools.spec.read import SchemaSpec, parse_spec

# (one-line bullet, nested attributes) of the same column
COLUMNS = [
    ("id: uuid, primary key", ["Type: UUID", "Primary key"]),
    ("email: varchar(255), unique, not null", ["Data type - VARCHAR(255)", "Unique, not null"]),
    ("title: text, not null", ["Type: text", "Required: yes"]),
    ("note: text", ["Type: text", "Nullable: yes", "Default: none"]),
    ("created_at: timestamptz, not null, default now()",
     ["Type: TIMESTAMPTZ", "Nullable: no", "Default: now()"]),
    ("owner_id: uuid, references users(id) on delete cascade",
     ["Type: uuid", "References users(id) on delete cascade"]),
]  # fmt: skip
NAME_STYLES = {"bold": "**{}**", "code": "`{}`", "bold-colon": "**{}:**", "code-colon": "`{}`:"}
HEADINGS = {"heading": "## users", "table-word": "### Table: users", "bold": "**Users table**"}


def _shape(spec: SchemaSpec) -> list[tuple[Any, ...]]:
    entity = spec.entity("users")
    assert entity is not None, spec
    return [
        (
            c.name,
            c.pg_type,
            c.nullable,
            c.primary_key,
            c.unique,
            c.default,
            c.references and (c.references.table, c.references.on_delete),
        )
        for c in entity.columns
    ]


def _one_line(heading: str) -> SchemaSpec:
    return parse_spec(f"# Schema\n\n{heading}\n\n" + "".join(f"- {c}\n" for c, _ in COLUMNS))


def _nested(heading: str, style: str) -> SchemaSpec:
    items = "".join(
        f"- {NAME_STYLES[style].format(c.split(':')[0])}\n" + "".join(f"  - {a}\n" for a in attrs)
        for c, attrs in COLUMNS
    )
    return parse_spec(f"# Schema\n\n{heading}\n\n{items}")


@pytest.mark.parametrize("heading", list(HEADINGS.values()), ids=list(HEADINGS))
@pytest.mark.parametrize("style", list(NAME_STYLES))
def test_nested_attributes_read_as_the_one_line_bullet(heading: str, style: str) -> None:
    nested = _nested(heading, style)
    assert _shape(nested) == _shape(_one_line(heading))
    assert not [w for w in nested.warnings if "not read" in w.message], nested.warnings


def test_the_one_line_bullets_read_every_attribute() -> None:
    """The reference the nested form is held to states what the attributes say."""
    shape = {row[0]: row[1:] for row in _shape(_one_line("## users"))}
    assert shape["id"] == ("uuid", False, True, False, None, None)
    assert shape["email"] == ("character varying(255)", False, False, True, None, None)
    assert shape["created_at"][1:5:3] == (False, "now()")
    assert shape["owner_id"][5] == ("users", "CASCADE")


def test_a_name_over_column_bullets_is_a_group_title() -> None:
    spec = parse_spec(
        "## users\n\n- id: uuid, primary key\n- **Timestamps**\n"
        "  - created_at: timestamptz\n  - updated_at: timestamptz\n"
    )
    assert [c.name for c in spec.entities[0].columns] == ["id", "created_at", "updated_at"]
    assert not spec.warnings, spec.warnings


@pytest.mark.parametrize("title", ["**Columns:**", "**Fields**", "`Timestamps`"])
def test_columns_named_like_labels_under_a_group_title_stay_columns(title: str) -> None:
    """`description`, `type`, `default` are column names in code, and a title over column
    bullets keeps even those whose words read like attribute labels."""
    spec = parse_spec(
        f"## tasks\n\n- {title}\n  - `id`: uuid (primary key)\n  - `description`: text\n"
        "  - `type`: varchar(20)\n  - default: text\n"
    )
    columns = [(c.name, c.pg_type) for c in spec.entities[0].columns]
    assert columns == [
        ("id", "uuid"),
        ("description", "text"),
        ("type", "character varying(20)"),
        ("default", "text"),
    ]


@pytest.mark.parametrize(
    "bullet",
    [
        "id: UUID | PK | NOT NULL",
        "id: UUID [PK, not null]",
        "id: uuid, primary key",
        "`id` (UUID, PK)",
        "**id** — `UUID`, primary key",
    ],
)
def test_a_columns_attributes_in_any_separator_read_the_same(bullet: str) -> None:
    spec = parse_spec(f"# S\n\n## users\n\n- {bullet}\n- email: text\n")
    assert _shape(spec)[0] == ("id", "uuid", False, True, False, None, None)
    assert not [w for w in spec.warnings if "guessed" in w.message], spec.warnings


@pytest.mark.parametrize(
    ("bullet", "labels"),
    [("status: 'todo' | 'done'", ["todo", "done"]), ('kind: "a" | "b" | "c"', ["a", "b", "c"])],
)
def test_a_union_of_quoted_labels_keeps_its_pipes(bullet: str, labels: list[str]) -> None:
    spec = parse_spec(f"# S\n\n## users\n\n- id: uuid (pk)\n- {bullet}\n")
    assert spec.entities[0].columns[1].enum_values == labels
