"""Framework model code in a spec: Django models and Laravel migrations (specs 19 and 20 pin the
full result; these pin the naming rules and the unlabelled fences)."""

from __future__ import annotations

import pytest

from tools.spec.read import parse_spec

DJANGO = """```python
{comment}from django.db import models


class Post(models.Model):
    title = models.CharField(max_length=20)
```

## posts
- id: bigint (pk)
"""


@pytest.mark.parametrize(
    ("comment", "tables"),
    [
        pytest.param("", {"posts"}, id="no-app-merges-with-the-spec-table"),
        pytest.param("# blog/models.py\n", {"blog_post", "posts"}, id="app-prefix"),
    ],
)
def test_django_model_table_name(comment: str, tables: set[str]) -> None:
    spec = parse_spec(DJANGO.format(comment=comment))
    assert {e.name for e in spec.entities} == tables


def test_django_model_in_an_unlabelled_fence_is_read() -> None:
    spec = parse_spec("```\nclass Tag(models.Model):\n    name = models.TextField()\n```\n")
    assert [(e.name, [c.name for c in e.columns]) for e in spec.entities] == [
        ("tag", ["id", "name"])
    ]


def test_python_block_without_django_models_makes_no_table() -> None:
    spec = parse_spec("```python\nclass Tag(Base):\n    name = models.TextField()\n```\n")
    assert spec.entities == []


def test_laravel_migration_in_an_unlabelled_fence_is_read() -> None:
    code = "Schema::create('tags', function (Blueprint $table) {\n    $table->id();\n});"
    spec = parse_spec(f"```\n{code}\n```\n")
    assert [(e.name, [c.name for c in e.columns]) for e in spec.entities] == [("tags", ["id"])]


def test_laravel_unknown_column_kind_is_warned() -> None:
    code = (
        "Schema::create('tags', function (Blueprint $table) {\n    $table->id();\n"
        "    $table->geometry('area');\n});"
    )
    spec = parse_spec(f"```php\n{code}\n```\n")
    assert [w.message for w in spec.warnings] == ["laravel column 'geometry' of tags not read"]


LEGACY = """
class Task(TimestampMixin, Base):
    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_user_status", "user_id", "status"),)
    id = Column(Integer, primary_key=True)
    user_id = Column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status = Column(Enum(Status), nullable=False)
    title = Column(String(200), nullable=False, unique=True)
    notes = Column(Text)
    user = relationship("User", back_populates="tasks")
"""
MAPPED = """
class Task(TimestampMixin, Base):
    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_user_status", "user_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[Status]
    title: Mapped[str] = mapped_column(String(200), unique=True)
    notes: Mapped[Optional[str]] = mapped_column(Text)
    user: Mapped["User"] = relationship(back_populates="tasks")
"""
SHARED = """
class Status(enum.Enum):
    open = "open"
    done = "done"


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
"""


def _columns(code: str, label: str) -> list[tuple[object, ...]]:
    spec = parse_spec(f"# Schema\n\n```{label}\n{SHARED}{code}```\n")
    assert spec.warnings == []
    assert [(i.table, i.columns) for i in spec.indexes] == [("tasks", ["user_id", "status"])]
    assert ("tasks", "users") in [(r.from_table, r.to_table) for r in spec.relationships]
    entity = spec.entity("tasks")
    assert entity is not None
    return [
        (c.name, c.pg_type, c.nullable, c.primary_key, c.unique, c.indexed, c.default,
         c.enum_name, c.references.table if c.references else None,
         c.references.on_delete if c.references else None)
        for c in entity.columns
    ]  # fmt: skip


@pytest.mark.parametrize("label", ["python", ""])
def test_sqlalchemy_declarative_models_in_either_style_read_the_same(label: str) -> None:
    legacy, mapped = _columns(LEGACY, label), _columns(MAPPED, label)
    assert legacy == mapped == [
        ("created_at", "timestamp with time zone", False, False, False, False, "now()",
         None, None, None),
        ("id", "integer", False, True, False, False, None, None, None, None),
        ("user_id", "integer", False, False, False, True, None, None, "users", "CASCADE"),
        ("status", "status", False, False, False, False, None, "status", None, None),
        ("title", "character varying(200)", False, False, True, False, None, None, None, None),
        ("notes", "text", True, False, False, False, None, None, None, None),
    ]  # fmt: skip


def test_a_column_typed_by_its_foreign_key_takes_the_referenced_type() -> None:
    code = (
        "class Org(Base):\n    __tablename__ = 'orgs'\n"
        "    id = Column(UUID(as_uuid=True), primary_key=True)\n\n"
        "class Team(Base):\n    __tablename__ = 'teams'\n"
        "    id = Column(BigInteger, primary_key=True)\n"
        "    org_id = Column(ForeignKey('orgs.id'), nullable=False)\n"
    )
    spec = parse_spec(f"```python\n{code}```\n")
    team = spec.entity("teams")
    assert team is not None and [(c.name, c.pg_type) for c in team.columns] == [
        ("id", "bigint"),
        ("org_id", "uuid"),
    ]


def _dbml(ref: str) -> str:
    """Tables users and tasks, tasks.user_id with the settings `ref`."""
    users = "Table users {\n  id uuid [pk]\n}\n"
    return f"{users}\nTable tasks {{\n  id int [pk]\n  user_id uuid{ref}\n}}\n"


@pytest.mark.parametrize("label", ["dbml", ""])
def test_a_dbml_block_labelled_or_not_is_read(label: str) -> None:
    block = _dbml(" [not null, ref: > users.id]")
    spec = parse_spec(f"# Schema\n\n```{label}\n{block}```\n")
    assert [e.name for e in spec.entities] == ["users", "tasks"]
    user_id = spec.entities[1].column("user_id")
    assert user_id is not None and user_id.line == 10 and not user_id.nullable
    assert user_id.references is not None and user_id.references.table == "users"
    assert spec.dialects == ["dbml"] and not spec.warnings


def test_an_inline_dbml_ref_keeps_the_on_delete_a_ref_apart_states() -> None:
    block = _dbml(" [ref: > users.id]") + "Ref: tasks.user_id > users.id [delete: cascade]\n"
    spec = parse_spec(f"```dbml\n{block}```\n")
    ref = spec.entities[1].column("user_id").references  # type: ignore[union-attr]
    assert ref is not None and ref.on_delete == "CASCADE"


@pytest.mark.parametrize(
    ("block", "line", "words"),
    [
        pytest.param(_dbml(" [ref: > teams.id]"), 3, "teams not present", id="unknown-table"),
        pytest.param("Table users {\n  id uuid [pk\n}\n", 5, "dbml block not read", id="syntax"),
        pytest.param("Table t {\n" + "  c int\n" * 8_000 + "}\n", 3, "at most 50,000",
                     id="too-large"),
    ],
)  # fmt: skip
def test_a_dbml_block_that_cannot_be_read_is_warned_at_its_line(
    block: str, line: int, words: str
) -> None:
    spec = parse_spec(f"# S\n```dbml\n{block}```\n")
    assert spec.entities == []
    assert [w.line for w in spec.warnings if words in w.message] == [line], spec.warnings


def test_a_drizzle_type_cast_and_a_json_default_keep_the_column_list_whole() -> None:
    code = (
        '```ts\nexport const tasks = pgTable("tasks", {\n  id: uuid("id").primaryKey(),\n'
        '  meta: jsonb("meta").$type<Record<string, unknown>>().default({}),\n'
        "  status: text('status').default('todo'),\n"
        '  position: integer("position"),\n});\n```\n'
    )
    spec = parse_spec(code)
    got = [(c.name, c.pg_type, c.default, c.line) for c in spec.entities[0].columns]
    assert got == [
        ("id", "uuid", None, 3),
        ("meta", "jsonb", "'{}'", 4),
        ("status", "text", "'todo'", 5),
        ("position", "integer", None, 6),
    ]
    assert not spec.warnings, spec.warnings
