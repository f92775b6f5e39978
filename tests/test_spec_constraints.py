"""Constraint words wherever specs put them, and tables defined twice (issue 3 audit).

Notes cells and Prisma attributes are read as constraints, descriptions are read as guesses, and
two definitions of a column that disagree are merged with a warning naming both lines.
"""

from __future__ import annotations

import pytest

from tests.lookups import spec_column
from tools.spec.read import SchemaSpec, parse_spec


def _warnings(spec: SchemaSpec, line: int | None = None) -> list[str]:
    return [w.message for w in spec.warnings if line is None or w.line == line]


USERS = "\n## users\n- id: uuid (pk)\n"


# --- Markdown tables: a Notes cell is read like a Constraints cell --------------------------------


def _notes_table(row: str, header: str = "Notes") -> SchemaSpec:
    return parse_spec(f"## tasks\n\n| Column | Type | {header} |\n|---|---|---|\n{row}\n" + USERS)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        pytest.param("| id | int | PK |", {"primary_key": True, "nullable": False}, id="pk"),
        pytest.param(
            "| email | text | unique, not null |", {"unique": True, "nullable": False}, id="unique"
        ),
        pytest.param("| n | int | default 0 |", {"default": "0"}, id="default"),
    ],
)
def test_notes_cell_is_read_as_constraints(row: str, expected: dict[str, object]) -> None:
    spec = _notes_table(row)
    name = row.split("|")[1].strip()
    column = spec_column(spec, "tasks", name)
    assert {key: getattr(column, key) for key in expected} == expected
    assert column.notes == [] and _warnings(spec) == []


def test_notes_cell_foreign_key_with_on_delete_is_read() -> None:
    spec = _notes_table("| user_id | uuid | FK -> users.id, on delete cascade |")
    ref = spec_column(spec, "tasks", "user_id").references
    assert ref is not None and (ref.table, ref.column, ref.on_delete) == ("users", "id", "CASCADE")
    assert _warnings(spec) == []


@pytest.mark.parametrize("header", ["Notes", "Remarks", "Validation", "Rules"])
def test_notes_words_not_read_are_a_warning_with_the_line(header: str) -> None:
    spec = _notes_table("| title | text | not null, 1-200 chars |", header)
    column = spec_column(spec, "tasks", "title")
    assert not column.nullable and column.notes == ["1-200 chars"]
    assert _warnings(spec, 5) == ["tasks.title: notes not read as constraints: '1-200 chars'"]


def test_example_cell_is_not_read_as_constraints() -> None:
    spec = _notes_table("| email | text | unique@example.com |", "Example")
    assert not spec_column(spec, "tasks", "email").unique and _warnings(spec) == []


def test_notes_beside_a_constraints_column_are_guessed_and_prose_stays_silent() -> None:
    spec = parse_spec(
        "## tasks\n\n| Column | Type | Constraints | Notes |\n|---|---|---|---|\n"
        "| id | int | PRIMARY KEY | |\n"
        "| user_id | uuid | NOT NULL | references users(id) |\n"
        "| priority | text | NOT NULL | High, Medium, Low |\n" + USERS
    )
    ref = spec_column(spec, "tasks", "user_id").references
    assert ref is not None and (ref.table, ref.guessed) == ("users", True)
    assert _warnings(spec) == ["tasks.user_id: read references users(id) from the notes (guessed)"]


def test_constraint_cell_words_not_read_are_a_warning() -> None:
    spec = parse_spec(
        "## tasks\n\n| Column | Type | Constraints |\n|---|---|---|\n"
        "| title | text | NOT NULL, max 200 chars |\n"
    )
    assert _warnings(spec, 5) == ["tasks.title: constraint words not read: 'max 200 chars'"]


# --- Prisma attributes in bullets -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("bullet", "expected"),
    [
        pytest.param(
            "- v: int @default(autoincrement()) @id",
            {"primary_key": True, "auto_increment": True, "nullable": False},
            id="autoincrement-id",
        ),
        pytest.param("- slug: String @unique", {"unique": True}, id="unique"),
        pytest.param(
            "- name: String @db.VarChar(100)",
            {"pg_type": "character varying(100)", "type_guessed": False},
            id="db-type",
        ),
        pytest.param(
            "- at: DateTime @default(now())", {"default": "CURRENT_TIMESTAMP"}, id="default-now"
        ),
        pytest.param("- key: String @default(cuid())", {"app_default": "cuid()"}, id="app-default"),
    ],
)
def test_prisma_attributes_in_bullets_are_read(bullet: str, expected: dict[str, object]) -> None:
    spec = parse_spec(f"## counters\n{bullet}\n")
    column = spec_column(spec, "counters", bullet[2:].split(":")[0])
    assert {key: getattr(column, key) for key in expected} == expected
    assert column.notes == [] and _warnings(spec) == []
    assert "prisma" in spec.dialects


def test_prisma_attribute_not_understood_in_a_bullet_is_a_warning() -> None:
    spec = parse_spec("## counters\n- v: Int @id @ignore\n")
    assert spec_column(spec, "counters", "v").primary_key
    assert _warnings(spec, 2) == ["counters.v: prisma attributes not read: @ignore"]


def test_an_at_sign_inside_a_word_is_no_prisma_attribute() -> None:
    spec = parse_spec("## users\n- email: text (unique) - e.g. someone@example.com\n")
    assert spec_column(spec, "users", "email").unique
    assert _warnings(spec) == [] and "prisma" not in spec.dialects


# --- the same table defined twice: merged, conflicts warned with both lines ----------------------


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        pytest.param(
            "## things\n\n| Column | Type | Description |\n|---|---|---|\n"
            "| id | int | |\n| t | String? | the title |\n\n"
            "## things (again)\n- id: bigint (primary key)\n- t: text not null\n",
            9,
            "things.id is bigint at line 9 (bullets) but integer at line 5 (table);"
            " kept integer (table is the more explicit source)",
            id="table-vs-bullets-type",
        ),
        pytest.param(
            "## things\n\n| Column | Type | Description |\n|---|---|---|\n"
            "| id | int | |\n| t | String? | the title |\n\n"
            "## things (again)\n- id: int (primary key)\n- t: text not null\n",
            10,
            "things.t is NOT NULL at line 10 (bullets) but nullable at line 6 (table);"
            " kept nullable (table is the more explicit source)",
            id="table-vs-bullets-nullable",
        ),
        pytest.param(
            "## things\n```python\nclass Thing(SQLModel, table=True):\n"
            '    __tablename__ = "things"\n    id: int = Field(primary_key=True)\n```\n'
            "```sql\nCREATE TABLE things (id bigint PRIMARY KEY);\n```\n",
            8,
            "things.id is integer at line 5 (python) but bigint at line 8 (sql);"
            " kept bigint (sql is the more explicit source)",
            id="python-vs-sql-type",
        ),
        pytest.param(
            "## things\n- status: text (default 'new')\n\n"
            "```sql\nCREATE TABLE things (status text DEFAULT 'open');\n```\n",
            5,
            "things.status is default 'new' at line 2 (bullets) but default 'open' at line 5"
            " (sql); kept default 'open' (sql is the more explicit source)",
            id="default",
        ),
        pytest.param(
            "## things\n- owner_id: int (fk -> users.id)\n\n"
            "```sql\nCREATE TABLE things (owner_id int REFERENCES accounts(id));\n"
            "CREATE TABLE users (id int PRIMARY KEY);\nCREATE TABLE accounts (id int PRIMARY KEY);"
            "\n```\n",
            5,
            "things.owner_id is users(id) at line 2 (bullets) but accounts(id) at line 5 (sql);"
            " kept accounts(id) (sql is the more explicit source)",
            id="references",
        ),
        pytest.param(
            "## things\n- owner_id: int (fk -> users.id, on delete cascade)\n\n"
            "```sql\nCREATE TABLE things (owner_id int REFERENCES users(id) ON DELETE SET NULL);\n"
            "CREATE TABLE users (id int PRIMARY KEY);\n```\n",
            5,
            "things.owner_id is ON DELETE CASCADE at line 2 (bullets) but ON DELETE SET NULL at"
            " line 5 (sql); kept ON DELETE SET NULL (sql is the more explicit source)",
            id="on-delete",
        ),
        pytest.param(
            "## things\n- n: int\n\n### things\n- n: bigint\n",
            5,
            "things.n is bigint at line 5 (bullets) but integer at line 2 (bullets);"
            " kept integer (the first definition)",
            id="same-kind-first-wins",
        ),
    ],
)
def test_conflicting_definitions_are_merged_with_a_warning(
    text: str, line: int, message: str
) -> None:
    assert message in _warnings(parse_spec(text), line)


def test_conflict_keeps_the_more_explicit_definition() -> None:
    spec = parse_spec(
        "## things\n```python\nclass Thing(SQLModel, table=True):\n"
        '    __tablename__ = "things"\n    id: int = Field(primary_key=True)\n'
        "    made: datetime\n```\n"
        "```sql\nCREATE TABLE things (id bigint PRIMARY KEY, made timestamptz);\n```\n"
    )
    assert spec_column(spec, "things", "id").pg_type == "bigint"
    assert spec_column(spec, "things", "made").nullable  # SQL wins over the class


def test_consistent_definitions_merge_silently() -> None:
    spec = parse_spec(
        "## things\n- id: int (pk)\n- name: string (not null)\n- at: datetime\n"
        "- status: text (default 'open')\n\n"
        "```sql\nCREATE TABLE things (id integer PRIMARY KEY, name varchar(80) NOT NULL,"
        " at timestamptz, status text DEFAULT 'open'::text);\n```\n"
    )
    assert spec_column(spec, "things", "name").pg_type == "character varying(80)"
    assert _warnings(spec) == []


# --- constraints in a description, and FK targets defined nowhere ---------------------------------


def _described(description: str) -> SchemaSpec:
    return parse_spec(
        "## tasks\n\n| Column | Type | Description |\n|---|---|---|\n"
        f"| owner_id | int | {description} |\n" + USERS
    )


@pytest.mark.parametrize(
    ("description", "table"),
    [
        pytest.param("FK to users.id", "users", id="fk-to"),
        pytest.param("The owner, references users(id)", "users", id="references"),
        pytest.param("Owner (foreign key -> users.id)", "users", id="group"),
    ],
)
def test_description_foreign_key_is_read_as_a_guess(description: str, table: str) -> None:
    spec = _described(description)
    ref = spec_column(spec, "tasks", "owner_id").references
    assert ref is not None and (ref.table, ref.column, ref.guessed) == (table, "id", True)
    assert _warnings(spec, 5) == [
        f"tasks.owner_id: read references {table}(id) from the description (guessed)"
    ]


def test_description_foreign_key_to_a_table_defined_nowhere_is_warned() -> None:
    spec = _described("references ghosts(id)")
    ref = spec_column(spec, "tasks", "owner_id").references
    assert ref is not None and ref.table == "ghosts"
    assert _warnings(spec, 5) == [
        "tasks.owner_id references 'ghosts', defined nowhere",
        "tasks.owner_id: read references ghosts(id) from the description (guessed)",
    ]


def test_description_never_overrides_the_stated_constraints() -> None:
    spec = parse_spec(
        "## tasks\n\n| Column | Type | Constraints | Description |\n|---|---|---|---|\n"
        "| title | text | NOT NULL | nullable in drafts |\n"
    )
    assert not spec_column(spec, "tasks", "title").nullable and _warnings(spec) == []


@pytest.mark.parametrize(
    "description",
    ["Display name", "Checked by the admin", "Auto-generated summary", "Default display name"],
)
def test_prose_description_reads_no_constraint(description: str) -> None:
    spec = _described(description)
    column = spec_column(spec, "tasks", "owner_id")
    assert (column.check, column.default, column.auto_increment) == (None, None, False)
    assert _warnings(spec) == []


def test_bullet_description_foreign_key_is_read_as_a_guess() -> None:
    spec = parse_spec("## tasks\n- owner_id: int - the owner, references users(id)\n" + USERS)
    ref = spec_column(spec, "tasks", "owner_id").references
    assert ref is not None and ref.table == "users" and ref.guessed


def test_foreign_key_to_the_words_of_a_sentence_is_guessed_from_the_name() -> None:
    spec = _described("Foreign key to the users table")
    ref = spec_column(spec, "tasks", "owner_id").references
    assert ref is not None and ref.table != "the"


def test_composite_foreign_key_to_a_table_defined_nowhere_is_warned() -> None:
    spec = parse_spec(
        "```sql\nCREATE TABLE t (a int, b int, FOREIGN KEY (a, b) REFERENCES ghosts(x, y));\n```\n"
    )
    assert _warnings(spec, 2) == ["foreign key t(a, b) references 'ghosts', defined nowhere"]


def test_description_group_of_constraint_words_is_read_whole() -> None:
    spec = parse_spec("## t\n- name: text - display name (indexed, unique)\n")
    column = spec_column(spec, "t", "name")
    assert column.indexed and column.unique
    assert _warnings(spec) == ["t.name: read index, unique from the description (guessed)"]


@pytest.mark.parametrize("words", ["Auto-update", "auto-updated on change", "Auto update"])
def test_auto_update_of_a_timestamp_is_no_auto_increment(words: str) -> None:
    spec = _notes_table(f"| updated_at | timestamptz | {words} |", header="Constraints")
    column = spec_column(spec, "tasks", "updated_at")
    assert not column.auto_increment and column.pg_type == "timestamp with time zone"


OPEN, CLOSE, COMMA, IDEO = "\uff08", "\uff09", "\uff0c", "\u3001"  # full-width ( ) , and 、


@pytest.mark.parametrize(
    "description",
    [
        f"名前{OPEN}必須{IDEO}一意制約{CLOSE}",
        "name (required, unique)",
        f"名称{OPEN}必填{COMMA}唯一{CLOSE}",
        f"名前{OPEN}必須{IDEO}デフォルト値あり{IDEO}一意{CLOSE}",
    ],
)
def test_a_bracketed_group_of_constraint_words_in_any_script_is_guessed(description: str) -> None:
    table = "| Column | Type | Description |\n|---|---|---|\n| id | uuid | PK |\n"
    spec = parse_spec(f"## tasks\n\n{table}| name | varchar | {description} |\n" + USERS)
    column = spec_column(spec, "tasks", "name")
    assert (column.nullable, column.unique, column.default) == (False, True, None)


ID_COLUMNS = {
    "bullets": "- id: uuid\n- name: text\n",
    "table": "| Column | Type |\n|---|---|\n| id | bigint |\n| name | text |\n",
}


@pytest.mark.parametrize("columns", list(ID_COLUMNS))
def test_an_id_column_of_a_table_stating_no_key_is_its_guessed_primary_key(columns: str) -> None:
    spec = parse_spec(f"## teams\n\n{ID_COLUMNS[columns]}" + USERS)
    column = spec_column(spec, "teams", "id")
    assert column.primary_key and not column.nullable
    assert "teams.id: read as the primary key, the table states none (guessed)" in _warnings(spec)


@pytest.mark.parametrize(
    ("keyed", "keys"),
    [
        ("- code: text (pk)\n- id: uuid\n", ["code"]),
        ("- id: uuid\n- team_id: uuid\n- Primary key: (team_id, id)\n", ["id", "team_id"]),
    ],
)
def test_a_table_stating_its_key_gets_no_guessed_one(keyed: str, keys: list[str]) -> None:
    spec = parse_spec(f"## teams\n\n{keyed}" + USERS)
    entity = spec.entity("teams")
    assert entity is not None and [c.name for c in entity.columns if c.primary_key] == keys
    assert not [m for m in _warnings(spec) if "states none" in m]


@pytest.mark.parametrize(
    ("words", "pg_type"),
    [
        ("VARCHAR (50)", "character varying(50)"),
        ("STRING (200)", "character varying(200)"),
        ("DECIMAL (10, 2)", "numeric(10,2)"),
        ("character varying (20)", "character varying(20)"),
    ],
)
@pytest.mark.parametrize("style", ["table", "bullet"])
def test_a_size_after_a_space_is_the_types(words: str, pg_type: str, style: str) -> None:
    if style == "table":
        text = f"## tasks\n\n| Column | Type |\n|---|---|\n| id | int |\n| x | {words} |\n"
    else:
        text = f"## tasks\n\n- id: int\n- x: {words} (not null)\n"
    spec = parse_spec(text + USERS)
    column = spec_column(spec, "tasks", "x")
    assert (column.pg_type, column.notes) == (pg_type, [])
    assert not [w for w in spec.warnings if "tasks.x" in w.message], spec.warnings
