"""Enum types written in Markdown under an Enums heading (an item per type, a heading per type
with its labels as items or rows, a table of types), and the cells of column tables that name
them or answer yes/no with a mark: each form reads the same enums, the class, not one file."""

from __future__ import annotations

import pytest

from tools.spec.read import SchemaSpec, parse_spec

TASKS = (
    "## tasks\n\n| Column | Type |\n|---|---|\n| id | uuid |\n| status | task_status |\n"
    "| priority | priority |\n\n"
)
ENUMS = {"task_status": ["todo", "in_progress", "done"], "priority": ["low", "medium", "high"]}
FORMS = {
    "item-colon-code": "- `task_status`: `todo`, `in_progress`, `done`\n"
    "- `priority`: `low`, `medium`, `high`\n",
    "item-bold-pipes": "- **task_status**: todo | in_progress | done\n"
    "- **priority**: low | medium | high (default low)\n",
    "item-dash-slashes": "- task_status — todo / in_progress / done\n"
    "- priority - low or medium or high\n",
    "item-parens": "- task_status (todo, in_progress, done)\n- priority (low, medium, high)\n",
    "heading-items": "### task_status\n\n- `todo` - not started\n- in_progress\n- done\n\n"
    "### priority\n\n- low\n- medium\n- high\n",
    "heading-rows": "### task_status\n\n| Value | Meaning |\n|---|---|\n| todo | open |\n"
    "| in_progress | started |\n| done | closed |\n\n### priority\n\n| Value |\n|---|\n"
    "| low |\n| medium |\n| high |\n",
    "table": "| Enum | Values |\n|---|---|\n| task_status | todo, in_progress, done |\n"
    "| priority | low, medium, high |\n",
}
HEADINGS = ["## Enums", "## Enum types", "## 3. Enumerations"]


def _read(heading: str, form: str, before: bool) -> SchemaSpec:
    enums = f"{heading}\n\n{FORMS[form]}\n"
    return parse_spec("# Schema\n\n" + (enums + TASKS if before else TASKS + enums))


@pytest.mark.parametrize("heading", HEADINGS)
@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("before", [True, False], ids=["enums-first", "tables-first"])
def test_an_enum_list_is_read_in_every_form(heading: str, form: str, before: bool) -> None:
    spec = _read(heading, form, before)
    assert {e.name: e.values for e in spec.enums} == ENUMS
    columns = {c.name: c.enum_name for c in spec.entities[0].columns}
    assert columns == {"id": None, "status": "task_status", "priority": "priority"}
    assert not [w for w in spec.warnings if "not known" in w.message], spec.warnings


@pytest.mark.parametrize(
    "item",
    [
        "- Labels are lower case, no spaces\n",
        "- priority: see the API documentation\n",
        "- One value only: `todo`\n",
    ],
)
def test_a_remark_under_an_enums_heading_is_no_enum(item: str) -> None:
    spec = parse_spec(f"# Schema\n\n{TASKS}## Enums\n\n{item}")
    assert spec.enums == []


@pytest.mark.parametrize(
    ("header", "cell", "nullable"),
    [
        ("Required", "✓", False),
        ("Required", "✗", True),
        ("Nullable", "✗", False),
        ("Nullable", "✓", True),
        ("Required", "Yes", False),
    ],
)
def test_a_yes_or_no_mark_in_a_column_table_is_read(header: str, cell: str, nullable: bool) -> None:
    spec = parse_spec(
        f"## teams\n\n| Field | Type | {header} |\n|---|---|---|\n| id | bigserial | |\n"
        f"| name | varchar(100) | {cell} |\n"
    )
    column = spec.entities[0].column("name")
    assert column is not None and column.nullable is nullable


def test_an_index_table_under_an_indexes_heading_reads_its_method_and_uniqueness() -> None:
    spec = parse_spec(
        "## users\n\n- id: uuid (pk)\n- team_id: uuid\n- tags: jsonb\n- email: text\n\n"
        "## Indexes\n\n| Table | Columns | Type | Notes |\n|---|---|---|---|\n"
        "| users | team_id | btree | FK lookup |\n| users | tags | GIN | containment |\n"
        "| users | email | unique | sign-in |\n"
    )
    assert [(i.columns, i.method, i.unique) for i in spec.indexes] == [
        (["team_id"], "btree", False),
        (["tags"], "gin", False),
        (["email"], "btree", True),
    ]
    assert [e.name for e in spec.entities] == ["users"]


@pytest.mark.parametrize("mark", ["✓", "Yes", "X", "true"])
def test_yes_marks_in_constraint_columns_state_those_constraints(mark: str) -> None:
    spec = parse_spec(
        "# S\n\n## tasks\n\n| Attribute | Type | PK | FK | Unique | Indexed | AI |\n"
        "|---|---|---|---|---|---|---|\n"
        f"| id | bigint | {mark} | | | | {mark} |\n| user_id | uuid | | users.id | | {mark} | |\n"
        f"| slug | text | | {mark} | {mark} | | |\n\n## users\n\n- id: uuid (pk)\n"
    )
    got = [
        (c.name, c.primary_key, c.unique, c.indexed, c.auto_increment, bool(c.references))
        for c in spec.entities[0].columns
    ]
    assert got == [
        ("id", True, False, False, True, False),
        ("user_id", False, False, True, False, True),
        ("slug", False, True, False, False, False),
    ]
    assert not spec.warnings, spec.warnings


def test_describe_style_keys_are_read() -> None:
    spec = parse_spec(
        "# S\n\n## users\n\n| Field | Type | Key |\n|---|---|---|\n| id | int | PRI |\n"
        "| email | text | UNI |\n| org_id | int | MUL |\n"
    )
    got = [(c.name, c.primary_key, c.unique, c.indexed) for c in spec.entities[0].columns]
    assert got == [
        ("id", True, False, False),
        ("email", False, True, False),
        ("org_id", False, False, True),
    ]
    assert not spec.warnings, spec.warnings
