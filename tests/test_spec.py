"""read_schema_spec, parse_spec, spec_to_snapshot: the forms people write, files, records."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.lookups import snapshot_column, spec_column, spec_entity
from tools.catalog import fetch_snapshot
from tools.drift.compare import check_drift, create_table_ddl
from tools.errors import SpecError
from tools.spec.read import parse_spec, read_schema_spec, render_spec, spec_to_snapshot
from tools.spec.typenames import normalize_type

DEFAULT = Path("specs/database/schema.md")


def _project(tmp_path: Path, text: str | bytes, name: Path = DEFAULT) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return tmp_path


# --- files -------------------------------------------------------------------------------------


def test_read_schema_spec_reads_the_default_path(tmp_path: Path) -> None:
    text = "## tasks\n- id: int (pk)\n"
    root = _project(tmp_path, text)
    spec = read_schema_spec(project_root=root, default_path=DEFAULT, include_text=True)
    assert spec.path == "specs/database/schema.md"
    assert spec.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert spec.text == text
    assert [e.name for e in spec.entities] == ["tasks"]


def test_read_schema_spec_leaves_text_out_unless_asked(tmp_path: Path) -> None:
    root = _project(tmp_path, "## tasks\n- id: int (pk)\n", Path("docs/db.md"))
    spec = read_schema_spec("docs/db.md", project_root=root, default_path=DEFAULT)
    assert spec.text is None and spec.path == "docs/db.md"


def test_missing_spec_names_where_it_looked_and_how_to_set_it(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as error:
        read_schema_spec(project_root=tmp_path, default_path=DEFAULT)
    message = str(error.value)
    assert "specs/database/schema.md" in message
    assert "PGARCHITECT_SPEC_PATH" in message and "path=" in message


@pytest.mark.parametrize("given", ["../outside.md", "specs/../../outside.md", "/etc/passwd"])
def test_spec_path_outside_the_project_is_refused(tmp_path: Path, given: str) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (tmp_path / "outside.md").write_text("## x\n- id: int\n")
    with pytest.raises(SpecError, match="outside the project root"):
        read_schema_spec(given, project_root=root, default_path=DEFAULT)


def test_symlink_escaping_the_project_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "specs").mkdir(parents=True)
    (tmp_path / "secret.md").write_text("## x\n- id: int\n")
    (root / "specs" / "schema.md").symlink_to(tmp_path / "secret.md")
    with pytest.raises(SpecError, match="outside the project root"):
        read_schema_spec("specs/schema.md", project_root=root, default_path=DEFAULT)


def test_spec_over_one_megabyte_is_refused(tmp_path: Path) -> None:
    root = _project(tmp_path, "# big\n" + "x" * 1_000_001)
    with pytest.raises(SpecError, match="over the 1 MB limit"):
        read_schema_spec(project_root=root, default_path=DEFAULT)


def test_non_utf8_spec_names_the_line(tmp_path: Path) -> None:
    root = _project(tmp_path, b"## tasks\n- title: text\n- caf\xe9: text\n")
    with pytest.raises(SpecError, match="not UTF-8") as error:
        read_schema_spec(project_root=root, default_path=DEFAULT)
    assert error.value.line == 3


def test_directory_instead_of_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "specs" / "database" / "schema.md").mkdir(parents=True)
    with pytest.raises(SpecError, match="not a file"):
        read_schema_spec(project_root=tmp_path, default_path=DEFAULT)


@pytest.mark.parametrize("text", ["", "   \n\n", "\ufeff"])
def test_empty_spec_is_a_warning(tmp_path: Path, text: str) -> None:
    root = _project(tmp_path, text)
    spec = read_schema_spec(project_root=root, default_path=DEFAULT)
    assert spec.entities == []
    assert [w.line for w in spec.warnings] == [0]
    assert "empty" in spec.warnings[0].message


def test_utf8_bom_and_crlf_are_read(tmp_path: Path) -> None:
    root = _project(tmp_path, "\ufeff## tasks\r\n- id: int (pk)\r\n- title: text (not null)")
    spec = read_schema_spec(project_root=root, default_path=DEFAULT)
    assert [c.line for c in spec.entities[0].columns] == [2, 3]


# --- the forms of the issue ---------------------------------------------------------------------

BULLETS = """\
## tasks
- id: integer (primary key)
- user_id: string (foreign key -> users.id, on delete cascade)
- **email** (varchar(255), unique, not null)
- created_at: timestamp (default now())

## users
- id: string (pk)
"""


def test_bullets_of_the_issue() -> None:
    spec = parse_spec(BULLETS)
    tasks = spec.entity("tasks")
    assert tasks is not None and tasks.line == 1
    by_name = {c.name: c for c in tasks.columns}
    assert by_name["id"].primary_key and not by_name["id"].nullable
    ref = by_name["user_id"].references
    assert ref is not None and (ref.table, ref.column, ref.on_delete) == ("users", "id", "CASCADE")
    email = by_name["email"]
    assert (email.pg_type, email.unique, email.nullable) == ("character varying(255)", True, False)
    created = by_name["created_at"]
    assert (created.type, created.pg_type, created.default) == (
        "timestamp",
        "timestamp with time zone",
        "now()",
    )
    assert [c.line for c in tasks.columns] == [2, 3, 4, 5]
    assert spec.warnings == []


def test_messy_bullets() -> None:
    spec = parse_spec(
        "## Tickets\n"
        "- **user_id**: UUID - Owner of the ticket\n"
        "- `id`: `Integer`, **Primary Key**\n"
        "- `created_at, updated_at`: timestamp\n"
        "- priority: varchar(10) (not null, default: 'MEDIUM', "
        "check: priority IN ('LOW','MEDIUM','HIGH'))\n"
        "- camelName: String?\n"
    )
    tickets = spec.entity("tickets")
    assert tickets is not None
    columns = {c.name: c for c in tickets.columns}
    assert columns["user_id"].description == "Owner of the ticket"
    assert columns["id"].primary_key and columns["id"].pg_type == "integer"
    assert {"created_at", "updated_at"} <= set(columns)
    priority = columns["priority"]
    assert (
        priority.default == "'MEDIUM'" and priority.check == "priority IN ('LOW','MEDIUM','HIGH')"
    )
    assert columns["camelName"].nullable and "prisma" in spec.dialects
    assert any("mixed-case" in w.message for w in spec.warnings)


def test_markdown_table_headers_in_any_order_and_constraints_in_bullets() -> None:
    spec = parse_spec(
        "## Orders\n\n| Notes | Type | Field |\n|---|---|---|\n"
        "| required | bigint | id |\n| | text | note |\n\n"
        "**Constraints**:\n- Primary key: `(id)`\n- Unique constraint: `(note)`\n"
    )
    orders = spec.entity("orders")
    assert orders is not None
    assert [c.name for c in orders.columns] == ["id", "note"]
    assert spec_column(spec, "orders", "id").primary_key


@pytest.mark.parametrize(
    ("label", "warned"),
    [
        pytest.param("**Multi-source support:**", False, id="bold-colon"),
        pytest.param("*Timestamps*", False, id="italic"),
        pytest.param("Audit fields:", False, id="colon"),
        pytest.param("see the audit table", True, id="prose-is-no-label"),
    ],
)
def test_a_label_row_over_a_column_tables_rows_is_read_as_no_column(
    label: str, warned: bool
) -> None:
    spec = parse_spec(
        "## orders\n\n| Column | Type | Description |\n|---|---|---|\n"
        f"| id | bigint | key |\n| {label} | | |\n| note | text | free text |\n"
    )
    assert [c.name for c in spec.entities[0].columns] == ["id", "note"]
    expected = ["table row not read as a column"] if warned else []
    assert [w.message for w in spec.warnings if w.line == 6] == expected


def test_sqlmodel_classes_tables_only() -> None:
    spec = parse_spec(
        "```python\n"
        "class TaskBase(SQLModel):\n    title: str = Field(max_length=200)\n\n"
        "class Task(TaskBase, table=True):\n"
        '    __tablename__ = "tasks"\n'
        "    id: int | None = Field(default=None, primary_key=True)\n"
        '    user_id: str = Field(foreign_key="users.id", ondelete="CASCADE", index=True)\n\n'
        "class TaskCreate(TaskBase):\n    pass\n"
        "```\n"
    )
    assert [e.name for e in spec.entities] == ["tasks"]
    columns = {c.name: c for c in spec.entities[0].columns}
    assert columns["title"].pg_type == "character varying(200)" and not columns["title"].nullable
    assert columns["id"].auto_increment and columns["id"].primary_key
    ref = columns["user_id"].references
    assert ref is not None and ref.on_delete == "CASCADE"


def test_python_syntax_error_is_a_warning_with_its_line() -> None:
    spec = parse_spec("# x\n\n```python\nclass Broken(:\n```\n")
    assert [w.line for w in spec.warnings] == [4]


def test_sql_error_is_a_warning_and_the_rest_is_read() -> None:
    spec = parse_spec(
        "```sql\nCREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int,, x int);\n"
        "CREATE TABLE c (id int);\nCREATE TABLE (;\n```\n"
    )
    assert [e.name for e in spec.entities] == ["a", "b", "c"]
    assert [c.name for c in spec_entity(spec, "b").columns] == ["id", "x"]
    assert [(w.line, w.message.split(" (")[0]) for w in spec.warnings] == [
        (3, "b: empty definition between two commas"),
        (5, "sql statement not read"),
    ]


def test_create_table_with_a_word_postgres_lacks_loses_only_that_word() -> None:
    spec = parse_spec(
        "```sql\nCREATE TABLE users (\n  id uuid PRIMARY KEY,\n  role text, -- user, admin\n"
        "  streak_last_date DATE NULLABLE,\n  nickname text REQUIRED,\n  bad int int int\n);\n```\n"
    )
    users = spec.entity("users")
    assert users is not None
    assert [(c.name, c.nullable) for c in users.columns] == [
        ("id", False),
        ("role", True),
        ("streak_last_date", True),
        ("nickname", False),
    ]
    assert [w.line for w in spec.warnings] == [5, 6, 7]


def test_relationships_indexes_and_isolation_sections() -> None:
    spec = parse_spec(
        "## projects\n- id: uuid (pk)\n- org_id: uuid\n\n"
        "## tasks\n- id: uuid (pk)\n- org_id: uuid\n- project_id: uuid\n\n"
        "## plans\n- id: int (pk)\n\n"
        "## Relationships\n- Project has many Tasks\n- `tasks.project_id → projects.id`\n"
        "- ON DELETE CASCADE\n\n"
        "## Indexes\n- `tasks(org_id, project_id)`\n- tasks.project_id (for filtering)\n\n"
        "## Tenant isolation\nThe tenant column is `org_id`.\n- Shared tables: `plans`\n"
    )
    ref = spec_column(spec, "tasks", "project_id").references
    assert ref is not None
    assert (ref.table, ref.column, ref.on_delete) == ("projects", "id", "CASCADE")
    assert {(i.table, tuple(i.columns)) for i in spec.indexes} == {
        ("tasks", ("org_id", "project_id")),
        ("tasks", ("project_id",)),
    }
    assert ("projects", "one-to-many", "tasks") in {
        (r.from_table, r.kind, r.to_table) for r in spec.relationships
    }
    assert spec.tenant_column == "org_id" and spec.shared_tables == ["plans"]


def test_external_tables_future_sections_and_undefined_targets() -> None:
    spec = parse_spec(
        "## users (managed by Better Auth)\n\n"
        "## tasks\n- id: int (pk)\n- user_id: text (fk -> users.id)\n"
        "- tag_id: int (fk -> tags.id)\n\n"
        "## Future work\n\n### comments\n- id: int (pk)\n"
    )
    assert spec.external_tables == ["users"]
    assert [e.name for e in spec.future] == ["comments"]
    assert [e.name for e in spec.entities] == ["users", "tasks"]
    assert any(w.line == 6 and "tags" in w.message for w in spec.warnings)


def test_same_table_in_two_places_is_merged_with_a_conflict_warning() -> None:
    spec = parse_spec(
        "## tasks\n- id: int (pk)\n- title: text\n\n"
        "```sql\nCREATE TABLE tasks (id uuid PRIMARY KEY, title text NOT NULL, done boolean);\n"
        "```\n"
    )
    assert [c.name for c in spec_entity(spec, "tasks").columns] == ["id", "title", "done"]
    assert spec_column(spec, "tasks", "id").pg_type == "uuid"
    assert any("tasks.id" in w.message for w in spec.warnings)


@pytest.mark.parametrize(
    ("cell", "warned"),
    [("TIMESTAMPTZ", True), ("timestamp with time zone", True), ("timestamp", False),
     ("datetime", False)],
)  # fmt: skip
def test_a_models_datetime_against_a_stated_timestamptz_is_a_conflict(
    cell: str, warned: bool
) -> None:
    spec = parse_spec(
        f"## tasks\n\n| Column | Type |\n|---|---|\n| id | uuid |\n| created_at | {cell} |\n\n"
        "```python\nclass Task(SQLModel, table=True):\n    __tablename__ = 'tasks'\n"
        "    id: UUID = Field(primary_key=True)\n    created_at: datetime\n```\n"
    )
    conflicts = [w.message for w in spec.warnings if "tasks.created_at is" in w.message]
    assert bool(conflicts) is warned, spec.warnings
    assert spec_column(spec, "tasks", "created_at").pg_type == "timestamp without time zone"


def test_singular_reserved_table_name_is_warned() -> None:
    spec = parse_spec("## user\n- id: int (pk)\n")
    assert any("reserved" in w.message for w in spec.warnings)


@pytest.mark.parametrize(
    ("words", "pg_type"),
    [
        ("string", "text"),
        ("String(64)", "character varying(64)"),
        ("VARCHAR(255)", "character varying(255)"),
        ("int", "integer"),
        ("Integer", "integer"),
        ("BigInt", "bigint"),
        ("UUID", "uuid"),
        ("timestamp", "timestamp with time zone"),
        ("datetime", "timestamp with time zone"),
        ("timestamp without time zone", "timestamp without time zone"),
        ("TIMESTAMP WITH TZ", "timestamp with time zone"),
        ("timestamp w/o tz", "timestamp without time zone"),
        ("time with tz", "time with time zone"),
        ("bool", "boolean"),
        ("json", "jsonb"),
        ("text[]", "text[]"),
        ("DECIMAL(12,2)", "numeric(12,2)"),
        ("DateTime?", "timestamp with time zone"),
        ("serial", "integer"),
        ("tinyint(1)", "boolean"),
        ("List[str]", "text[]"),
    ],
)
def test_type_words_map_to_postgres(words: str, pg_type: str) -> None:
    assert normalize_type(words).pg_type == pg_type


@pytest.mark.parametrize(
    ("words", "values"),
    [
        ("enum(a, b)", ["a", "b"]),
        ("ENUM('pending', 'done')", ["pending", "done"]),
        ('"user" | "assistant"', ["user", "assistant"]),
    ],
)
def test_enum_words(words: str, values: list[str]) -> None:
    assert normalize_type(words).enum_values == values


def test_dialects_are_reported() -> None:
    spec = parse_spec(
        "```sql\nCREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT);\n"
        "CREATE TABLE `b` (id INT AUTO_INCREMENT PRIMARY KEY, s ENUM('x','y'));\n```\n"
    )
    assert {"sqlite", "mysql"} <= set(spec.dialects)
    assert spec_column(spec, "b", "s").enum_values == ["x", "y"]
    assert all(c.auto_increment for e in spec.entities for c in e.columns if c.name == "id")


# --- spec_to_snapshot ---------------------------------------------------------------------------

SNAPSHOT_SPEC = """\
## organizations
Organizations own everything.

| Column | Type | Constraints | Description |
|---|---|---|---|
| id | uuid | PK, default gen_random_uuid() | identifier |
| name | varchar(255) | not null, unique | display name |

## tasks
- id: serial (primary key)
- org_id: uuid (not null, fk -> organizations.id, on delete cascade)
- state: enum(todo, done) (not null, default 'todo')
- created_at: timestamp (not null, default now())
- tags: text[]

## Indexes
- tasks(org_id, created_at)

## users (managed by Better Auth)

## Optional

### audit
- id: int (pk)
"""


def test_spec_to_snapshot_uses_catalog_spellings() -> None:
    snapshot = spec_to_snapshot(parse_spec(SNAPSHOT_SPEC), schema="app")
    assert snapshot.database == "spec" and snapshot.server_version == 0
    assert snapshot.role.name == "spec" and not snapshot.role.can_write
    assert [t.name for t in snapshot.tables] == ["organizations", "tasks"]
    organizations = snapshot.table("organizations")
    assert organizations is not None
    assert organizations.comment == "Organizations own everything."
    name = organizations.column("name")
    assert name is not None
    assert (name.type, name.nullable, name.comment) == (
        "character varying(255)",
        False,
        "display name",
    )
    tasks = snapshot.table("tasks")
    assert tasks is not None
    assert snapshot_column(snapshot, "tasks", "id").default == "nextval('tasks_id_seq'::regclass)"
    assert snapshot_column(snapshot, "tasks", "created_at").type == "timestamp with time zone"
    state = snapshot_column(snapshot, "tasks", "state")
    assert (state.type, state.enum) == ("tasks_state", "app.tasks_state")
    assert snapshot_column(snapshot, "tasks", "tags").is_array
    (fk,) = tasks.foreign_keys
    assert (fk.ref_schema, fk.ref_table, fk.ref_columns, fk.on_delete) == (
        "app",
        "organizations",
        ["id"],
        "CASCADE",
    )
    assert ["org_id", "created_at"] in [i.columns for i in tasks.indexes]
    assert [(e.name, e.values) for e in snapshot.enums] == [("tasks_state", ["todo", "done"])]


def test_spec_to_snapshot_matches_what_postgres_builds(admin, schema, ro) -> None:
    spec = parse_spec(SNAPSHOT_SPEC)
    wanted = spec_to_snapshot(spec, schema)
    admin.execute(f'SET search_path TO "{schema}"')
    try:
        for enum in wanted.enums:
            labels = ", ".join(f"'{v}'" for v in enum.values)
            admin.execute(f'CREATE TYPE "{schema}"."{enum.name}" AS ENUM ({labels})')
        admin.execute("CREATE TABLE users (id text PRIMARY KEY)")
        for table in wanted.tables:
            admin.execute(create_table_ddl(table))
    finally:
        admin.execute("RESET search_path")
    assert check_drift(spec, fetch_snapshot(ro, schema)) == []


def test_render_spec_lists_tables_columns_and_warnings() -> None:
    text = render_spec(
        parse_spec(SNAPSHOT_SPEC + "\n## broken\n- x: ??? (pk)\n- nothing here: at all\n")
    )
    assert "organizations (line 1)" in text
    assert "org_id uuid NOT NULL -> organizations.id ON DELETE CASCADE" in text
    assert "future/optional: audit" in text
    assert "warnings:" in text


def test_identity_and_serial_become_what_postgres_shows() -> None:
    spec = parse_spec(
        "```sql\nCREATE TABLE a (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);\n```\n"
        "## b\n- id: serial (pk)\n\n## c\n- id: bigint (primary key, identity)\n"
    )
    snapshot = spec_to_snapshot(spec)
    a, b, c = (snapshot_column(snapshot, n, "id") for n in "abc")
    assert (a.identity, a.default) == ("always", None)
    assert (b.identity, b.default) == (None, "nextval('b_id_seq'::regclass)")
    assert (c.identity, c.default) == ("by default", None)


LONG_NAMES_SQL = """\
CREATE TABLE organizations_of_the_very_long_named_tenancy_model (id bigint PRIMARY KEY);
CREATE TABLE team_project_performance_daily_snapshots_by_team (
    id bigint PRIMARY KEY,
    organization_of_the_very_long_named_tenancy_model_id bigint
        REFERENCES organizations_of_the_very_long_named_tenancy_model (id),
    snapshot_date date CHECK (snapshot_date > '2000-01-01'),
    "position" integer,
    team_id integer,
    team_code text,
    low integer,
    high integer,
    UNIQUE (snapshot_date, "position", team_id),
    CHECK (low < high),
    CHECK (low <> high)
);
CREATE INDEX ON team_project_performance_daily_snapshots_by_team
    ((lower(team_code)), (lower(team_code || 'x')), (team_id + 1));
CREATE INDEX ON team_project_performance_daily_snapshots_by_team ("position");
"""


def test_spec_to_snapshot_names_match_what_postgres_creates(admin, schema, ro) -> None:
    """Unnamed keys, checks and indexes get the names Postgres gives them, long names included."""
    spec = parse_spec(f"```sql\n{LONG_NAMES_SQL}```\n")
    admin.execute(f'SET search_path TO "{schema}"')
    try:
        admin.execute(LONG_NAMES_SQL)
    finally:
        admin.execute("RESET search_path")
    db = fetch_snapshot(ro, schema)
    wanted = spec_to_snapshot(spec, schema)
    for table in wanted.tables:
        found = db.table(table.name)
        assert found is not None
        assert {i.name for i in table.indexes} == {i.name for i in found.indexes}
        for kind in ("foreign_keys", "unique_constraints", "check_constraints"):
            assert {c.name for c in getattr(table, kind)} == {
                c.name for c in getattr(found, kind)
            }, kind
        assert table.primary_key and found.primary_key
        assert table.primary_key.name == found.primary_key.name


@pytest.mark.parametrize("lead", ["Fields:", "Columns", "**Columns:**", "カラム:"])
def test_a_columns_lead_in_is_no_description(lead: str) -> None:
    items = "- id: uuid (pk)\n- title: text\n"
    spec = parse_spec(f"# Schema\n\n## tasks\n\nThe work items.\n\n{lead}\n\n{items}")
    assert spec_entity(spec, "tasks").description == "The work items."
    spec = parse_spec(f"# Schema\n\n## tasks\n\n{lead}\n\n{items}")
    assert spec_entity(spec, "tasks").description == ""
    assert [c.name for c in spec_entity(spec, "tasks").columns] == ["id", "title"]


TABLE_COLUMNS = "\n\n| Column | Type |\n|---|---|\n| id | uuid |\n| name | text |\n"


@pytest.mark.parametrize(
    ("heading", "table"),
    [
        ("### User (users)", "users"),
        ("### TaskItem (task_items)", "task_items"),
        ("### Users (core)", "users"),
        ("### User Profiles", "user_profiles"),
        ("### Team Member Invitations", "team_member_invitations"),
        ("### Audit Log Entries Table", "audit_log_entries"),
        ("### Table: Audit Logs", "audit_logs"),
    ],
)
@pytest.mark.parametrize("wrapper", ["## Tables\n\n", "## Data model\n\n", ""])
def test_a_heading_of_words_over_a_column_table_names_it(
    heading: str, table: str, wrapper: str
) -> None:
    spec = parse_spec(f"# Schema\n\n{wrapper}{heading}{TABLE_COLUMNS}")
    assert [e.name for e in spec.entities] == [table]
    assert [c.name for c in spec.entities[0].columns] == ["id", "name"]


@pytest.mark.parametrize(
    "heading",
    ["### Data Model", "### Core Tables", "### The Big Picture", "### Using Multiple Tables"],
)
def test_a_wrapper_or_sentence_heading_over_a_column_table_names_no_table(heading: str) -> None:
    spec = parse_spec(f"# Schema\n\n{heading}{TABLE_COLUMNS}")
    assert spec.entities == []
    assert [w.message for w in spec.warnings] == [
        "column table outside any table section: not read"
    ]


TENANT_TABLES = (
    "# S\n\n## users\n\n- id: uuid (pk)\n\n## tasks\n\n- id: uuid (pk)\n- org_id: uuid\n"
    "- status_id: int\n\n"
)


@pytest.mark.parametrize(
    "statement",
    [
        "## Isolation\n\n- Tenant column: `org_id`\n",
        "## Data isolation\n\nAll queries must filter by org_id.\n",
        "## Security\n\n- Users see only their rows (WHERE org_id = current tenant)\n",
        "## Row Level Security\n\nPolicies restrict rows to `org_id = auth.uid()`.\n",
        "## RLS\n\n`USING (org_id = current_setting('app.org_id')::uuid)`\n",
        "## Notes\n\nEvery tenant-owned table carries `org_id`.\n",
        "## Multi-tenancy\n\nEach row has an org_id.\n",
    ],
)
def test_the_tenant_column_is_read_from_any_statement_of_it(statement: str) -> None:
    assert parse_spec(TENANT_TABLES + statement).tenant_column == "org_id"


@pytest.mark.parametrize(
    "statement",
    ["## Notes\n\n- Filter tasks by status_id when listing\n", "## Notes\n\nSee the API.\n", ""],
)
def test_words_about_other_columns_name_no_tenant(statement: str) -> None:
    assert parse_spec(TENANT_TABLES + statement).tenant_column is None
