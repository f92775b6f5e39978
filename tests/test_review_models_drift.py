"""Three-way drift: models against the spec and a real database, each difference once with every
side's value; applying the corrected classes and the database script leaves only what the spec
must decide."""

from __future__ import annotations

import textwrap
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from server.db import read_only_transaction
from tests.conftest import SHARED, run_ddl
from tests.review_support import apply_corrections, psql_apply, psql_available
from tools.codegen import generate_code
from tools.review import review_models
from tools.spec import parse_spec, spec_to_snapshot

SPEC = """
# Schema

## orgs
- id: bigserial primary key
- name: text not null

## tasks
- id: bigserial primary key
- org_id: bigint not null, FK → orgs.id ON DELETE CASCADE
- title: varchar(200) not null
- status: text not null default 'todo'
- payload: jsonb
- created_at: timestamptz not null default now()
- updated_at: timestamptz not null default now()
"""

DATABASE = """
CREATE TABLE orgs (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE tasks (
    id serial PRIMARY KEY,
    org_id integer NOT NULL REFERENCES orgs (id),
    title varchar(200),
    status text NOT NULL DEFAULT 'todo',
    payload jsonb,
    created_at timestamp NOT NULL DEFAULT now(),
    due_at timestamp
);
INSERT INTO orgs (name) VALUES ('acme');
INSERT INTO tasks (org_id, title) VALUES (1, 'first');
"""

MODELS = """
from datetime import datetime
from typing import Optional

from sqlalchemy import JSON
from sqlmodel import Field, Relationship, SQLModel


class Org(SQLModel, table=True):
    __tablename__ = "orgs"

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str

    tasks: list["Task"] = Relationship(back_populates="org")


class Task(SQLModel, table=True):
    __tablename__ = "tasks"

    id: Optional[int] = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="orgs.id")
    title: str = Field(max_length=100)
    status: str = "todo"
    payload: Optional[dict] = Field(default=None, sa_type=JSON)
    created_at: datetime = Field(default_factory=datetime.utcnow)
    due_at: Optional[datetime] = None

    org: Optional[Org] = Relationship(back_populates="tasks")
"""


@contextmanager
def read_only(pg_url: str):
    with (
        psycopg.connect(pg_url, prepare_threshold=None) as conn,
        read_only_transaction(conn, statement_timeout_s=30) as tx,
    ):
        yield tx


def _review(pg_url: str, schema: str, root: Path):
    spec = parse_spec(textwrap.dedent(SPEC), "specs/database/schema.md")
    with read_only(pg_url) as conn:
        return review_models(conn, schema=schema, project_root=root, spec=spec)


def _project(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir(parents=True)
    (tmp_path / "app" / "models.py").write_text(MODELS.lstrip("\n"), encoding="utf-8")
    return tmp_path


def _by(review, code: str, obj: str):
    return [f for m in review.models for f in m.findings if f.code == code and f.object == obj]


def test_three_way_drift_names_every_side(tmp_path, pg_url, admin, schema) -> None:
    run_ddl(admin, schema, DATABASE)
    review = _review(pg_url, schema, _project(tmp_path))
    assert review.summary.compared_with_spec == review.summary.compared_with_database == 2
    (org_id,) = _by(review, "MOD023", f"{schema}.tasks.org_id")
    assert "spec: bigint, database: integer, model: int (integer)" in org_id.message
    assert org_id.sides == ["database", "model"] and org_id.line == 21
    assert "BigInteger" in (org_id.fix or "") and "TYPE bigint" in (org_id.fix or "")
    (title_type,) = _by(review, "MOD023", f"{schema}.tasks.title")
    assert title_type.sides == ["model"]  # spec and database agree on varchar(200)
    (title_null,) = _by(review, "MOD024", f"{schema}.tasks.title")
    assert title_null.sides == ["database"]  # the spec and the model say NOT NULL
    (on_delete,) = _by(review, "MOD027", f"{schema}.tasks(org_id)")
    assert "spec: CASCADE, database: NO ACTION, model: none (NO ACTION)" in on_delete.message
    (missing,) = _by(review, "MOD022", f"{schema}.tasks.updated_at")
    assert missing.sides == ["database", "model"]
    (extra,) = _by(review, "MOD022", f"{schema}.tasks.due_at")
    assert extra.sides == ["spec"]  # never a DROP COLUMN: the spec decides
    assert _by(review, "MOD011", f"{schema}.tasks.payload")  # JSON, not a type drift too
    assert not _by(review, "MOD023", f"{schema}.tasks.payload")
    (naive,) = _by(review, "MOD014", f"{schema}.tasks.created_at")
    assert naive.sides == ["database"]  # the spec says timestamptz: the column moves
    assert review.tenant_column == "org_id"


@pytest.mark.skipif(not psql_available(), reason="psql is not installed")
def test_corrections_and_database_script_converge(tmp_path, pg_url, admin, schema) -> None:
    run_ddl(admin, schema, DATABASE)
    root = _project(tmp_path / "project")
    first = _review(pg_url, schema, root)
    assert first.summary.corrected == 2 and first.database_script
    apply_corrections(root, first)
    psql_apply(pg_url, schema, first.database_script, tmp_path)
    again = _review(pg_url, schema, root)
    left = sorted(
        (f.code, f.object.split(".", 1)[1], tuple(f.sides))
        for m in again.models
        for f in m.findings
    )
    # What is left is the spec's to decide: a column it lacks and the timestamps of orgs.
    assert left == [
        ("MOD009", "orgs.created_at", ("spec", "model")),
        ("MOD009", "orgs.updated_at", ("spec", "model")),
        ("MOD022", "tasks.due_at", ("spec",)),
    ]
    assert again.database_script is None
    rows = admin.execute(f'SELECT count(*) FROM "{schema}".tasks').fetchone()
    assert rows == (1,)  # no data was lost on the way


CORPUS = SHARED / "corpus" / "specs"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is absent")
def test_generated_models_of_every_corpus_spec_agree_with_their_spec(tmp_path) -> None:
    # generate_model's output, read back statically, is what the spec says: the reader and the
    # generator agree on every type, key, index and default they both know.
    reviewed = 0
    for path in sorted(CORPUS.glob("*.md")):
        spec = parse_spec(path.read_text(encoding="utf-8"), path.name)
        snapshot = spec_to_snapshot(spec, "public")
        if not snapshot.tables:
            continue
        root = tmp_path / path.stem
        (root / "app").mkdir(parents=True)
        code = generate_code(snapshot, source="spec").code
        (root / "app" / "models.py").write_text(code, encoding="utf-8")
        review = review_models(None, project_root=root, spec=spec, against=["spec"], limit=500)
        drift = [
            (f.code, f.object, f.message)
            for m in review.models
            for f in m.findings
            if "model" in f.sides and f.code >= "MOD020"
        ]
        assert drift == [], path.name
        assert review.summary.unread == 0, path.name
        reviewed += review.summary.models
    assert reviewed > 100


def test_models_of_a_schema_the_database_lacks_are_noted_not_fatal(tmp_path, pg_url) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "models.py").write_text(
        "from sqlmodel import Field, SQLModel\n\n\n"
        "class Log(SQLModel, table=True):\n"
        '    __table_args__ = {"schema": "no_such_schema_here"}\n\n'
        "    id: int | None = Field(default=None, primary_key=True)\n\f\n",
        encoding="utf-8",
    )
    with read_only(pg_url) as conn:
        review = review_models(conn, project_root=tmp_path)
    assert any("no_such_schema_here" in note for note in review.notes)
    assert review.summary.compared_with_database == 0
    assert review.models[0].location == "app/models.py:4"
