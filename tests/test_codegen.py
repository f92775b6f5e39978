"""generate_model: the style of the code, its traps, the structured result and writing files.

The round trip itself (create_all gives back the same schema) is in test_codegen_roundtrip.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.test_codegen_roundtrip import (
    COMPOSITE,
    INDEXES,
    MANY_TO_MANY,
    RESERVED,
    SAMPLE_DDL,
    SELF_AND_SAME_TABLE,
    TYPES,
    reflect,
    reset_schema,
    round_trip,
)
from tools.catalog import fetch_snapshot
from tools.codegen import GeneratedModels, generate_code, generate_model, render_codegen
from tools.codegen.format import Call, Str, lay_out, py_str
from tools.codegen.names import class_name, field_name
from tools.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
RUFF = shutil.which("ruff") or str(ROOT / ".venv" / "bin" / "ruff")
# RUF001-003: comments copied from a spec in another script keep its own full-width punctuation.
RUFF_RULES = ["--select", "E,F,W,I,UP,B,SIM,RUF", "--ignore", "RUF012,RUF001,RUF002,RUF003"]
RUFF_OPTIONS = ["--isolated", "--line-length", "100", "--target-version", "py311"]


@pytest.fixture
def sample(scratch_url) -> GeneratedModels:
    """The demo's sample schema, built in the public schema of the scratch database."""
    reset_schema(scratch_url, "public")
    with psycopg.connect(scratch_url, autocommit=True) as conn:
        conn.execute(SAMPLE_DDL)  # trusted test DDL
    return generate_code(reflect(scratch_url))


def ruff_problems(code: str, tmp_path: Path) -> str:
    """What `ruff format --check` and `ruff check` say about the module ('' when clean)."""
    if not Path(RUFF).exists():
        pytest.skip("ruff is not installed")
    path = tmp_path / "models.py"
    path.write_text(code)
    out = ""
    for command in (["format", "--diff"], ["check", *RUFF_RULES]):
        done = subprocess.run(
            [RUFF, *command, *RUFF_OPTIONS, str(path)], capture_output=True, text=True
        )
        if done.returncode != 0:
            out += done.stdout + done.stderr
    return out


@pytest.mark.parametrize(
    ("sql", "crud"),
    [
        pytest.param(SAMPLE_DDL, False, id="sample"),
        pytest.param(SAMPLE_DDL, True, id="sample-with-crud-models"),
        pytest.param(TYPES, False, id="types"),
        pytest.param(INDEXES, False, id="indexes"),
        pytest.param(RESERVED, True, id="reserved-words"),
        pytest.param(SELF_AND_SAME_TABLE, False, id="self-reference"),
        pytest.param(MANY_TO_MANY + COMPOSITE, True, id="many-to-many-and-composite"),
        pytest.param("CREATE TABLE events (kind text UNIQUE);", False, id="core-table-first"),
    ],
)
def test_generated_module_is_ruff_clean(sql, crud, ddl, ro, schema, tmp_path):
    ddl(sql)
    result = generate_code(fetch_snapshot(ro, schema), include_crud_models=crud)
    assert ruff_problems(result.code, tmp_path) == ""


def test_sample_reads_like_the_sqlmodel_docs(sample):
    code = sample.code
    assert "from __future__" not in code
    assert "sa_column=" not in code and sample.fields_with_sa_column == 0
    assert sample.fields_total == 35
    expected = [
        "class Organization(SQLModel, table=True):",
        '    """A tenant: every row below belongs to one organization."""',
        '    __tablename__ = "organizations"',
        "    name: str = Field(max_length=200)",
        "    slug: str = Field(unique=True, max_length=64)",
        '    org_id: uuid.UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")',
        '    projects: list["Project"] = Relationship(back_populates="org", cascade_delete=True)',
        '    tags: list["Tag"] = Relationship(back_populates="tasks", link_model=TaskTag)',
        '    tasks: list["Task"] = Relationship(back_populates="tags", link_model=TaskTag)',
        '    assignee: User | None = Relationship(back_populates="tasks")',
        "    legacy_flag: bool | None = None",
        "class TaskStatus(enum.StrEnum):",
    ]
    lines = code.splitlines()
    for line in expected:
        assert line in lines, line
    assert "sa_type=Enum(TaskStatus, name=" in code
    # the link class comes before the classes naming it in link_model=
    assert code.index("class TaskTag(") < code.index("class Tag(")


def test_every_fk_gets_relationships_on_both_sides_without_name_clashes(sample):
    by_class = {c.class_name: c for c in sample.classes}
    for cls in sample.classes:
        fields = {f.name for f in cls.fields}
        for rel in cls.relationships:
            assert rel.name not in fields
            other = by_class[rel.target]
            assert any(r.name == rel.back_populates for r in other.relationships), rel
    task = by_class["Task"]
    kinds = {r.name: r.kind for r in task.relationships}
    assert kinds == {
        "assignee": "many-to-one",
        "org": "many-to-one",
        "project": "many-to-one",
        "comments": "one-to-many",
        "tags": "many-to-many",
    }


def test_self_reference_and_two_fks_to_one_table_are_disambiguated(ddl, ro, schema):
    ddl(SELF_AND_SAME_TABLE)
    code = generate_code(fetch_snapshot(ro, schema)).code
    assert '"remote_side": "[Category.id]"' in code
    assert 'children: list["Category"] = Relationship(back_populates="parent"' in code
    assert '"foreign_keys": "[Message.sender_id]"' in code
    assert '"foreign_keys": "[Message.recipient_id]"' in code


def test_known_traps_are_avoided(ddl, ro, schema):
    ddl(RESERVED + TYPES)
    result = generate_code(fetch_snapshot(ro, schema))
    code = result.code
    # timestamp without time zone is NaiveDatetime (a datetime field would be timestamptz)
    assert "placed_at: NaiveDatetime | None = Field(" in code
    # names that shadow SQLModel attributes, imports or keywords get an attribute of their own
    for attr, column in [
        ("from_", "from"),
        ("metadata_", "metadata"),
        ("datetime_", "datetime"),
        ("column", "Column"),
        ("model_config_", "model_config"),
        ("class_", "class"),
        ("due_date", "Due Date"),
    ]:
        assert f"{attr}: " in code and f'"name": {py_str(column)}' in code, attr
    # Field(ondelete=) takes CASCADE/SET NULL/RESTRICT only: SET DEFAULT needs a ForeignKey
    assert (
        f'ForeignKey("{schema}.user.id", name="order_buyer_id_fkey", ondelete="SET DEFAULT")'
        in code
    )
    assert 'onupdate="CASCADE"' in code
    # server-generated columns accept rows without them
    assert "id: int | None = Field(default=None, primary_key=True, sa_column_args=[Identity" in code
    # a bare integer key must not become SERIAL
    assert 'n: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})' in code
    # the enum with labels that are not identifiers stores values
    assert "values_callable=lambda members: [m.value for m in members]" in code


VALIDATE = """
import importlib.util, sys, warnings
from datetime import datetime
warnings.simplefilter("error")
spec = importlib.util.spec_from_file_location("generated_models", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
task = module.Task.model_validate({"project_id": 1, "title": "x"})
assert task.id is None and task.created_at is None and task.status == "todo", task
org = module.Organization(name="Acme", slug="acme")
assert org.id is None
create = module.TaskCreate(project_id=1, title="x")
assert "org_id" not in module.TaskCreate.model_fields and "id" not in module.TaskBase.model_fields
assert "org_id" in module.TaskPublic.model_fields
assert module.TaskUpdate().model_dump(exclude_unset=True) == {}
print("ok")
"""


def test_models_validate_rows_without_server_generated_columns(ddl, ro, schema, tmp_path):
    ddl(SAMPLE_DDL)
    code = generate_code(fetch_snapshot(ro, schema), include_crud_models=True).code
    path = tmp_path / "models.py"
    path.write_text(code)
    done = subprocess.run(
        [sys.executable, "-c", VALIDATE, str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "ok", done.stderr


def test_generate_model_limits_tables_and_notes_outside_targets(ddl, ro, schema, tmp_path):
    ddl(SAMPLE_DDL)
    result = generate_model(ro, schema=schema, tables=["task*"], project_root=tmp_path)
    assert [c.class_name for c in result.classes] == ["Task", "TaskTag"]  # tags not selected
    task = next(c for c in result.classes if c.class_name == "Task")
    assert any("outside the selection" in n and "projects" in n for n in task.migration_notes)
    assert any("row-level security" in n for n in task.migration_notes)
    report = render_codegen(result)
    assert "Task ← " in report and "class Task(SQLModel, table=True):" in report


def test_generate_model_writes_only_inside_the_project(ddl, ro, schema, tmp_path):
    ddl("CREATE TABLE notes (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text);")
    result = generate_model(ro, schema=schema, path="app/models.py", project_root=tmp_path)
    written = tmp_path / "app" / "models.py"
    assert result.path == str(written) and written.read_text() == result.code
    with pytest.raises(ConfigError, match="already exists; pass overwrite=True"):
        generate_model(ro, schema=schema, path="app/models.py", project_root=tmp_path)
    generate_model(ro, schema=schema, path="app/models.py", project_root=tmp_path, overwrite=True)
    with pytest.raises(ConfigError, match="outside the project root"):
        generate_model(ro, schema=schema, path="../elsewhere.py", project_root=tmp_path)
    with pytest.raises(ConfigError, match=r"not a \.py file"):
        generate_model(ro, schema=schema, path="models.txt", project_root=tmp_path)


def test_spec_source_needs_a_spec(ro, tmp_path):
    with pytest.raises(ConfigError, match="spec_snapshot"):
        generate_model(ro, source="spec", project_root=tmp_path)


def test_table_without_primary_key_becomes_a_core_table(ddl, ro, schema):
    ddl("CREATE TABLE events (at timestamptz NOT NULL DEFAULT now(), kind text UNIQUE);")
    result = generate_code(fetch_snapshot(ro, schema))
    assert "events_table = Table(" in result.code
    assert 'Column("kind", Text, unique=True)' in result.code
    assert "no primary key" in result.classes[0].migration_notes[0]


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("tasks", "Task"),
        ("task_tags", "TaskTag"),
        ("categories", "Category"),
        ("addresses", "Address"),
        ("user", "User"),
        ("status", "Status"),
        ("Order Items", "OrderItem"),
        ("2fa_codes", "T2faCode"),
    ],
)
def test_class_names_are_singular_pascal_case(table, expected):
    assert class_name(table) == expected


def test_field_names_avoid_shadowing():
    taken: set[str] = set()
    names = [field_name(n, taken, {"Task"}) for n in ["id", "from", "metadata", "json", "Task"]]
    assert names == ["id", "from_", "metadata_", "json_", "task"]


# Postgres shortens the longer part of a default name by bytes: with a 60-byte table name and a
# 40-byte column it cuts the table name first (a character count would cut the column).
LONG_NAMES = f"""
CREATE TABLE parents (id integer PRIMARY KEY);
CREATE TABLE "{"é" * 30}" (
    id integer PRIMARY KEY,
    "{"c" * 40}" integer UNIQUE REFERENCES parents (id) ON DELETE CASCADE
);
"""


def test_postgres_default_names_of_long_names_are_left_to_postgres(scratch_url, tmp_path):
    result, diffs = round_trip(LONG_NAMES, scratch_url, tmp_path)
    assert diffs == [], "\n".join(diffs) + "\n" + result.code
    child = next(c for c in result.classes if c.table != "public.parents")
    key = next(f for f in child.fields if f.column == "c" * 40)
    assert 'foreign_key="parents.id", ondelete="CASCADE", unique=True' in key.code
    assert "ForeignKey(" not in result.code and "UniqueConstraint(" not in result.code
    assert "PrimaryKeyConstraint(" not in result.code


def test_layout_explodes_only_what_does_not_fit():
    call = Call("Field", [], [("default", "None"), ("sa_column_kwargs", Str("x" * 120))])
    lines = lay_out(call, "    ", "name: str | None = ")
    assert lines[0] == "    name: str | None = Field("
    assert all(len(line) <= 100 for line in lines)
    assert py_str('say "hi"') == "'say \"hi\"'" and py_str("it's") == '"it\'s"'


SMALL = """
CREATE TYPE plan AS ENUM ('free', 'pro');
CREATE TABLE organizations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name varchar(200) NOT NULL,
    plan plan NOT NULL DEFAULT 'free',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE projects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name text NOT NULL,
    budget numeric(12,2),
    archived_at timestamp,
    CONSTRAINT projects_name_not_blank CHECK (name <> '')
);
CREATE INDEX projects_live_idx ON projects (org_id, name) WHERE archived_at IS NULL;
"""

SMALL_EXPECTED = '''\
"""SQLModel models for schema "public" (2 tables), generated by pgarchitect from the live database.
`SQLModel.metadata.create_all(engine)` recreates the tables, keys, constraints, indexes and enums
under their database names.
"""

import enum
import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import NaiveDatetime
from sqlalchemy import BigInteger, CheckConstraint, Enum, Identity, Index, Text, func, text
from sqlmodel import Field, Relationship, SQLModel


class Plan(enum.StrEnum):
    """Postgres enum public.plan."""

    free = "free"
    pro = "pro"


class Organization(SQLModel, table=True):
    """A row of public.organizations."""

    __tablename__ = "organizations"

    id: uuid.UUID | None = Field(
        default=None,
        primary_key=True,
        sa_column_kwargs={"server_default": text("gen_random_uuid()")},
    )
    name: str = Field(max_length=200)
    plan: Plan = Field(
        default=Plan.free,
        sa_type=Enum(Plan, name="plan"),
        sa_column_kwargs={"server_default": text("'free'::plan")},
    )
    created_at: datetime | None = Field(
        default=None, nullable=False, sa_column_kwargs={"server_default": func.now()}
    )

    projects: list["Project"] = Relationship(back_populates="org", cascade_delete=True)


class Project(SQLModel, table=True):
    """A row of public.projects; references Organization."""

    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("(name <> ''::text)", name="projects_name_not_blank"),
        Index(
            "projects_live_idx", "org_id", "name", postgresql_where=text("(archived_at IS NULL)")
        ),
    )

    id: int | None = Field(
        default=None, primary_key=True, sa_type=BigInteger, sa_column_args=[Identity(always=True)]
    )
    org_id: uuid.UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    name: str = Field(sa_type=Text)
    budget: Decimal | None = Field(default=None, max_digits=12, decimal_places=2)
    archived_at: NaiveDatetime | None = None

    org: Organization | None = Relationship(back_populates="projects")
'''


def test_small_schema_gives_exactly_the_expected_module(scratch_url):
    reset_schema(scratch_url, "public")
    with psycopg.connect(scratch_url, autocommit=True) as conn:
        conn.execute(SMALL)
    assert generate_code(reflect(scratch_url)).code == SMALL_EXPECTED


def test_schema_functions_called_by_defaults_are_noted_not_taken_for_extensions(ddl, ro, schema):
    """A schema's own uuid_generate_v4() is not uuid-ossp's: no CREATE EXTENSION, a note."""
    ddl(
        "CREATE FUNCTION uuid_generate_v4() RETURNS uuid LANGUAGE sql "
        "AS 'SELECT gen_random_uuid()';"
        "CREATE TABLE ids (id uuid PRIMARY KEY DEFAULT uuid_generate_v4());"
    )
    result = generate_code(fetch_snapshot(ro, schema))
    assert result.extensions == [] and "CREATE EXTENSION" not in result.code
    assert any("functions uuid_generate_v4 of schema" in n for n in result.migration_notes)
