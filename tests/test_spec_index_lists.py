"""A table's keys, indexes and foreign keys listed under its own heading, in any of the ways specs
write them: SQL fragments (`UNIQUE INDEX idx ON t(a)`, `FOREIGN KEY (a) REFERENCES t(id) ON
DELETE CASCADE`), `name: INDEX (a, b)`, an index's name alone (`idx_tasks_user_id` - why),
`a → t(id)`, `Composite index: (a, b)`; and the triggers and functions it lists.

Each form is read the same under every list heading and whatever way the columns are written
(a Markdown table or bullets): the class, not one file.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.lookups import spec_column
from tools.spec.read import SchemaSpec, parse_spec

COLUMNS = {
    "table": (
        "| Column | Type | Constraints |\n|---|---|---|\n| id | uuid | PK |\n"
        "| user_id | uuid | NOT NULL |\n| status | text | NOT NULL |\n"
        "| created_at | timestamptz | NOT NULL |\n"
    ),
    "bullets": (
        "- id: uuid (pk)\n- user_id: uuid (not null)\n- status: text (not null)\n"
        "- created_at: timestamptz (not null)\n"
    ),
}
HEADINGS = {
    "bold": "**{title}**:",
    "bold colon inside": "**{title}:**",
    "sub-heading": "### {title}",
}
USERS = "\n## users\n\n- id: uuid (pk)\n"


def _text(columns: str, heading: str, title: str, items: list[str]) -> tuple[str, int]:
    """A spec with table tasks, then a list under `title`; the line of its first item."""
    head = (
        f"# Schema\n\n## tasks\n\n{COLUMNS[columns]}\n{HEADINGS[heading].format(title=title)}\n\n"
    )
    return head + "".join(f"- {item}\n" for item in items) + USERS, head.count("\n") + 1


def _spec(columns: str, heading: str, title: str, items: list[str]) -> tuple[SchemaSpec, int]:
    text, line = _text(columns, heading, title, items)
    return parse_spec(text), line


def _indexes(spec: SchemaSpec) -> list[tuple[str, tuple[str, ...], bool, str | None]]:
    return [(i.table, tuple(i.columns), i.unique, i.name) for i in spec.indexes]


INDEX_ITEMS = [
    pytest.param("`INDEX idx_tasks_user ON tasks(user_id)`", ("user_id",), False, "idx_tasks_user",
                 id="sql-index"),
    pytest.param("`CREATE UNIQUE INDEX tasks_user_status ON tasks (user_id, status)`",
                 ("user_id", "status"), True, "tasks_user_status", id="sql-create-unique"),
    pytest.param("`UNIQUE INDEX (user_id, created_at)`", ("user_id", "created_at"), True, None,
                 id="sql-no-table"),
    pytest.param("`tasks_user_created_idx`: INDEX (user_id, created_at)",
                 ("user_id", "created_at"), False, "tasks_user_created_idx", id="name-colon-sql"),
    pytest.param("`idx_tasks_user_id` - the owner's list", ("user_id",), False, "idx_tasks_user_id",
                 id="name-alone"),
    pytest.param("`idx_tasks_user_status` - Composite (user_id, status, created_at)",
                 ("user_id", "status", "created_at"), False, "idx_tasks_user_status",
                 id="name-with-list"),
    pytest.param("`idx_tasks_one_per_user` - UNIQUE (user_id, status)", ("user_id", "status"),
                 True, "idx_tasks_one_per_user", id="name-with-unique-list"),
    pytest.param("Composite index: (user_id, status)", ("user_id", "status"), False, None,
                 id="composite-words"),
]  # fmt: skip


@pytest.mark.parametrize("columns", list(COLUMNS))
@pytest.mark.parametrize("heading", list(HEADINGS))
@pytest.mark.parametrize(("item", "cols", "unique", "name"), INDEX_ITEMS)
def test_an_index_item_is_read_under_every_heading_and_column_style(
    columns: str, heading: str, item: str, cols: tuple[str, ...], unique: bool, name: str | None
) -> None:
    spec, line = _spec(columns, heading, "Indexes", [item])
    assert _indexes(spec) == [("tasks", cols, unique, name)]
    assert [i.line for i in spec.indexes] == [line]
    assert not [w for w in spec.warnings if w.line == line], spec.warnings


@pytest.mark.parametrize("columns", list(COLUMNS))
@pytest.mark.parametrize("title", ["Indexes", "Constraints"])
def test_a_primary_key_fragment_is_read_and_adds_no_index(columns: str, title: str) -> None:
    spec, line = _spec(columns, "bold", title, ["`PRIMARY KEY (id)`", "`UNIQUE (user_id, status)`"])
    assert spec_column(spec, "tasks", "id").primary_key
    uniques = [(c.kind, c.columns) for c in spec.constraints if c.table == "tasks"]
    assert uniques == [("unique", ["user_id", "status"])]
    assert _indexes(spec) == []
    assert not [w for w in spec.warnings if w.line in (line, line + 1)], spec.warnings


FK_ITEMS = [
    pytest.param("`FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE`", "CASCADE",
                 id="sql"),
    pytest.param("`fk_tasks_user`: FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE SET NULL",
                 "SET NULL", id="named-sql"),
    pytest.param("`user_id` → `users(id)`", None, id="arrow-call"),
    pytest.param("user_id -> users.id", None, id="arrow-dotted"),
    pytest.param("`tasks.user_id` MUST reference a valid `users.id`", None, id="must-reference"),
]  # fmt: skip


@pytest.mark.parametrize("columns", list(COLUMNS))
@pytest.mark.parametrize("title", ["Foreign Keys", "Relationships", "Constraints"])
@pytest.mark.parametrize(("item", "action"), FK_ITEMS)
def test_a_foreign_key_item_is_read_under_every_heading(
    columns: str, title: str, item: str, action: str | None
) -> None:
    spec, line = _spec(columns, "bold", title, [item])
    ref = spec_column(spec, "tasks", "user_id").references
    assert ref is not None and (ref.table, ref.column, ref.on_delete) == ("users", "id", action)
    assert not [w for w in spec.warnings if w.line == line], spec.warnings


@pytest.mark.parametrize(
    "item",
    [
        pytest.param("`tasks_details_gin_idx`: INDEX (expression)", id="column-it-lacks"),
        pytest.param("`idx_tasks_active` - active rows only", id="name-of-no-column"),
        pytest.param("`idx_anything_id` - by id", id="prefix-naming-no-table"),
        pytest.param("`INDEX idx ON tasks(nope)`", id="sql-column-it-lacks"),
    ],
)
def test_an_index_item_naming_no_column_of_the_table_is_warned_not_guessed(item: str) -> None:
    spec, line = _spec("table", "bold", "Indexes", [item])
    assert _indexes(spec) == []
    assert [w.message for w in spec.warnings if w.line == line] == ["index not read"]


@pytest.mark.parametrize("columns", list(COLUMNS))
@pytest.mark.parametrize("heading", list(HEADINGS))
@pytest.mark.parametrize(
    ("name", "cols"),
    [
        pytest.param("idx_tasks_user", ("user_id",), id="word-for-its-id"),
        pytest.param("idx_tasks_user_created", ("user_id", "created_at"), id="two-words"),
        pytest.param("tasks_created_idx", ("created_at",), id="suffix-affix"),
        pytest.param("idx_tasks_status_created", ("status", "created_at"), id="exact-then-word"),
    ],
)
def test_an_index_name_of_words_for_columns_is_read_and_warned_as_a_guess(
    columns: str, heading: str, name: str, cols: tuple[str, ...]
) -> None:
    spec, line = _spec(columns, heading, "Indexes", [f"`{name}` - the owner's newest first"])
    assert _indexes(spec) == [("tasks", cols, False, name)]
    warned = [w.message for w in spec.warnings if w.line == line]
    assert warned == [f"index {name} read as ({', '.join(cols)}) from its name (guessed)"]


def test_an_index_name_word_two_columns_could_stand_for_is_not_guessed() -> None:
    text, line = _text("table", "bold", "Indexes", ["`idx_tasks_created` - newest first"])
    spec = parse_spec(text.replace("| status | text |", "| created_by | uuid |"))
    assert _indexes(spec) == []
    assert [w.message for w in spec.warnings if w.line == line] == ["index not read"]


SENTENCES = [
    pytest.param("Indexed user_id for filtering by owner", ("user_id",), id="indexed-snake"),
    pytest.param("Task queries use composite `user_id + status` index", ("user_id", "status"),
                 id="composite-plus"),
    pytest.param("Proper indexing on `created_at` for newest-first lists", ("created_at",),
                 id="indexing-on-code"),
    pytest.param("Composite index over `user_id`, `created_at` for the feed",
                 ("user_id", "created_at"), id="composite-code-spans"),
]  # fmt: skip
NOT_SENTENCES = [
    pytest.param("Partial index on `status` where it is open", id="predicate"),
    pytest.param("Indexes on `user_id` and `status`", id="two-apart"),
    pytest.param("Full-text index on `status`", id="method-described"),
    pytest.param("Timestamp indexes for chronological queries", id="no-column-named"),
    pytest.param("Indexed owner_email for lookups", id="column-it-lacks"),
]  # fmt: skip


@pytest.mark.parametrize("columns", list(COLUMNS))
@pytest.mark.parametrize("heading", list(HEADINGS))
@pytest.mark.parametrize(("item", "cols"), SENTENCES)
def test_an_index_a_sentence_asks_for_is_read(
    columns: str, heading: str, item: str, cols: tuple[str, ...]
) -> None:
    spec, line = _spec(columns, heading, "Indexes", [item])
    assert _indexes(spec) == [("tasks", cols, False, None)]
    assert not [w for w in spec.warnings if w.line == line], spec.warnings


@pytest.mark.parametrize("item", NOT_SENTENCES)
def test_a_sentence_saying_more_than_an_index_s_columns_is_warned_not_read(item: str) -> None:
    spec, line = _spec("table", "bold", "Indexes", [item])
    assert _indexes(spec) == []
    assert [w.message for w in spec.warnings if w.line == line] == ["index not read"]


@pytest.mark.parametrize(("item", "cols"), SENTENCES)
def test_an_index_sentence_listed_apart_goes_to_the_one_table_with_its_columns(
    item: str, cols: tuple[str, ...]
) -> None:
    tables, _ = _text("bullets", "bold", "Notes", ["see below"])
    spec = parse_spec(tables + f"\n## Indexing strategy\n\n- {item}\n")
    assert _indexes(spec) == [("tasks", cols, False, None)]


def test_an_on_delete_one_source_states_survives_a_better_source_that_omits_it() -> None:
    item = "`FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE`"
    text, _ = _text("table", "bold", "Foreign Keys", [item])
    model = (
        "\n```python\nclass Task(SQLModel, table=True):\n    __tablename__ = 'tasks'\n"
        "    id: UUID = Field(primary_key=True)\n"
        "    user_id: UUID = Field(foreign_key='users.id')\n```\n"
    )
    ref = spec_column(parse_spec(text + model), "tasks", "user_id").references
    assert ref is not None and (ref.table, ref.on_delete) == ("users", "CASCADE")


@pytest.mark.parametrize("where", ["before", "after"])
def test_a_composite_index_listed_apart_goes_to_the_one_table_with_its_columns(where: str) -> None:
    tables, _ = _text("bullets", "bold", "Notes", ["see below"])
    apart = "\n## Indexes\n\n- Composite index: (user_id, status)\n- Index: (id)\n"
    spec = parse_spec(apart + tables if where == "before" else tables + apart)
    assert _indexes(spec) == [("tasks", ("user_id", "status"), False, None)]
    line = (
        (apart + tables if where == "before" else tables + apart)
        .splitlines()
        .index("- Index: (id)")
    )
    assert [w.message for w in spec.warnings if w.line == line + 1] == [
        "index not read: no one table has all its columns"
    ]


@pytest.mark.parametrize(("why", "method"), [("IVFFlat similarity", "ivfflat"), ("by GIN", "gin")])
def test_an_access_method_in_a_named_index_words_is_its_method(why: str, method: str) -> None:
    spec, _ = _spec("table", "bold", "Indexes", [f"`idx_tasks_status` - {why}"])
    assert [(i.columns, i.method) for i in spec.indexes] == [(["status"], method)]


@pytest.mark.parametrize(("item", "method"), [("GIN index on `status`", "gin"),
                                             ("Index on `status` (BRIN)", "brin"),
                                             ("Index on `status`", "btree")])  # fmt: skip
def test_an_access_method_an_index_on_sentence_names_is_its_method(item: str, method: str) -> None:
    spec, _ = _spec("table", "bold", "Indexes", [item])
    assert [(i.columns, i.method) for i in spec.indexes] == [(["status"], method)]


@pytest.mark.parametrize("columns", list(COLUMNS))
@pytest.mark.parametrize("title", ["Status Values", "Allowed status values", "Status options"])
def test_a_list_of_a_columns_values_is_its_notes_not_columns(columns: str, title: str) -> None:
    items = ["`pending` - waiting", "`embedding` - vectors being made", "`done` - finished"]
    spec, line = _spec(columns, "bold", title, items)
    assert [c.name for c in spec.entities[0].columns] == ["id", "user_id", "status", "created_at"]
    assert spec_column(spec, "tasks", "status").notes == [
        "pending - waiting",
        "embedding - vectors being made",
        "done - finished",
    ]
    assert not [w for w in spec.warnings if line <= w.line < line + 3], spec.warnings


def test_a_list_that_is_no_sql_leaves_a_candidate_table_section_alone() -> None:
    toc = "## Table of Contents\n\n1. [Overview](#overview)\n2. [Indexes](#indexes)\n\n"
    text, _ = _text("table", "bold", "Indexes", ["`INDEX idx_tasks_user ON tasks(user_id)`"])
    spec = parse_spec(toc + text)
    assert [e.name for e in spec.entities] == ["tasks", "users"]
    assert not [w for w in spec.warnings if w.line < 5], spec.warnings


@pytest.mark.parametrize(
    "heading",
    ["### Table 1: tasks", "### Table #2 - tasks", "### Table 3. tasks", "## Table 10 (tasks)"],
)
@pytest.mark.parametrize("columns", list(COLUMNS))
def test_a_numbered_table_heading_names_its_table(heading: str, columns: str) -> None:
    spec = parse_spec(f"# Schema\n\n## Tables\n\n{heading}\n\n{COLUMNS[columns]}{USERS}")
    assert [(e.name, len(e.columns)) for e in spec.entities] == [("tasks", 4), ("users", 1)]
    assert spec.warnings == []


def test_a_remarks_lead_in_ends_the_index_list_before_it() -> None:
    notes = ["**Notes:**", "", "- ON DELETE CASCADE: tasks go with their user", "- Keep it small"]
    text, _ = _text("table", "bold", "Indexes", ["`INDEX idx_tasks_user ON tasks(user_id)`"])
    spec = parse_spec(text.replace(USERS, "\n" + "\n".join(notes) + "\n" + USERS))
    assert len(spec.indexes) == 1
    assert (
        ["- " + n for n in spec.entities[0].notes[-2:]]
        == notes[-2:]
        == [
            "- ON DELETE CASCADE: tasks go with their user",
            "- Keep it small",
        ]
    )
    assert spec.warnings == []


def test_a_sql_fence_of_one_table_constraint_is_that_tables() -> None:
    fence = (
        "**Foreign Key:**\n\n```sql\nCONSTRAINT fk_tasks_user\n  FOREIGN KEY (user_id)\n"
        "  REFERENCES users(id)\n  ON DELETE CASCADE;\n```\n"
    )
    spec = parse_spec(f"# Schema\n\n## tasks\n\n{COLUMNS['table']}\n{fence}{USERS}")
    ref = spec_column(spec, "tasks", "user_id").references
    assert ref is not None and (ref.table, ref.on_delete) == ("users", "CASCADE")
    assert spec.warnings == []


@pytest.mark.parametrize("lead_in", ["**Notes:**", "### Notes"])
def test_a_sentence_under_notes_is_a_remark_not_a_column(lead_in: str) -> None:
    text = f"# Schema\n\n## Table 1: tasks\n\n{COLUMNS['table']}\n{lead_in}\n\n"
    spec = parse_spec(text + "- All timestamps in UTC\n- Managed by the API\n" + USERS)
    assert [c.name for c in spec.entities[0].columns] == ["id", "user_id", "status", "created_at"]
    assert spec.entities[0].notes[-2:] == ["All timestamps in UTC", "Managed by the API"]


def test_an_index_name_given_to_two_tables_names_only_the_first() -> None:
    tasks, line = _text("table", "bold", "Indexes", ["`idx_user_id` - by owner: (user_id)"])
    sessions = "\n## sessions\n\n- id: uuid (pk)\n- user_id: uuid\n\n**Indexes:**\n\n"
    spec = parse_spec(tasks + sessions + "- `INDEX idx_user_id ON sessions(user_id)`\n")
    named = [(i.table, i.name) for i in spec.indexes]
    assert named == [("tasks", "idx_user_id"), ("sessions", None)]
    assert [w.message for w in spec.warnings if "already the name" in w.message] == [
        f"index name 'idx_user_id' is already the name of an index on tasks (line {line}); "
        "left unnamed here"
    ]


def test_a_key_name_given_to_two_tables_names_only_the_first() -> None:
    sql = (
        "```sql\nCREATE TABLE a (id int PRIMARY KEY, u int, CONSTRAINT uq_owner UNIQUE (id, u));\n"
        "CREATE TABLE b (id int PRIMARY KEY, u int, CONSTRAINT uq_owner UNIQUE (id, u));\n```\n"
    )
    spec = parse_spec(sql)
    assert [(c.table, c.name) for c in spec.constraints] == [("a", "uq_owner"), ("b", None)]
    assert [w.line for w in spec.warnings if "already the name" in w.message] == [3]


TRIGGER_ITEMS = [
    pytest.param("`tasks_touch_trigger` - Auto-update `updated_at`", "tasks_touch_trigger",
                 id="code-name"),
    pytest.param("tasks_touch_trigger: BEFORE UPDATE", "tasks_touch_trigger", id="snake-name"),
    pytest.param("touch() - keeps updated_at current", "touch", id="call"),
    pytest.param("Auto-update `updated_at` on changes", None, id="prose"),
]  # fmt: skip


@pytest.mark.parametrize("columns", list(COLUMNS))
@pytest.mark.parametrize("heading", list(HEADINGS))
@pytest.mark.parametrize(("item", "name"), TRIGGER_ITEMS)
def test_a_trigger_a_table_lists_is_a_trigger_of_it_not_a_column(
    columns: str, heading: str, item: str, name: str | None
) -> None:
    spec, line = _spec(columns, heading, "Triggers", [item])
    assert [(t.name, t.table) for t in spec.triggers] == ([(name, "tasks")] if name else [])
    assert [c.name for c in spec.entities[0].columns] == ["id", "user_id", "status", "created_at"]
    assert not [w for w in spec.warnings if w.line == line], spec.warnings


def test_a_table_of_a_tables_triggers_names_them() -> None:
    text, _ = _text("table", "bold", "Triggers", [])
    rows = "| Trigger | When |\n|---|---|\n| `tasks_touch` | BEFORE UPDATE |\n"
    spec = parse_spec(text.replace(USERS, "\n" + rows + USERS))
    assert [(t.name, t.table) for t in spec.triggers] == [("tasks_touch", "tasks")]
    assert not spec.warnings, spec.warnings


@pytest.mark.parametrize(
    ("item", "got"),
    [
        ("`tasks_status_idx` on `status`", (("status",), "btree", False)),
        ("tasks_user_status_idx on (user_id, status)", (("user_id", "status"), "btree", False)),
        ("`tasks_one_status` unique on user_id and status", (("user_id", "status"), "btree", True)),
        ("tasks_created_brin BRIN on created_at", (("created_at",), "brin", False)),
        ("tasks_created_brin using BRIN on created_at", (("created_at",), "brin", False)),
    ],
)
def test_a_named_index_on_columns_is_read(item: str, got: tuple[Any, ...]) -> None:
    spec, line = _spec("table", "bold", "Indexes", [item])
    assert [(tuple(i.columns), i.method, i.unique) for i in spec.indexes] == [got]
    assert not [w for w in spec.warnings if w.line == line], spec.warnings


@pytest.mark.parametrize(
    "item",
    [
        "tasks_status_trgm GIN on status (pg_trgm)",  # needs gin_trgm_ops: more than columns
        "tasks_status_gin GIN on status",  # no default operator class for text
        "tasks_x_idx on nothing_here",
    ],
)
def test_a_named_index_that_needs_more_than_its_columns_is_warned(item: str) -> None:
    spec, line = _spec("table", "bold", "Indexes", [item])
    assert spec.indexes == []
    assert [w.message for w in spec.warnings if w.line == line] == ["index not read"]


@pytest.mark.parametrize(
    ("item", "got"),
    [
        ("Composite (user_id, created_at)", (("user_id", "created_at"), False)),
        ("status (unique)", (("status",), True)),
        ("`status` - unique", (("status",), True)),
        ("status (for the board)", (("status",), False)),
        ("tasks(user_id, status) - unique", (("user_id", "status"), True)),
    ],
)
def test_an_index_item_names_its_own_table_only_when_it_names_one(
    item: str, got: tuple[Any, ...]
) -> None:
    spec, line = _spec("table", "bold", "Indexes", [item])
    assert [(i.table, tuple(i.columns), i.unique) for i in spec.indexes] == [("tasks", *got)]
    assert not [w for w in spec.warnings if w.line == line], spec.warnings
