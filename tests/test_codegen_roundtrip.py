"""The round-trip guarantee of generate_model, on a real PostgreSQL.

Each schema is built in a fresh database, reflected with fetch_snapshot, generated, imported in
a fresh interpreter (.venv python, warnings as errors, mappers configured), `create_all`-ed into
a second empty database, reflected again and compared structure by structure.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from server.db import read_only_transaction
from tests.conftest import available_extensions
from tools.catalog import SchemaSnapshot, fetch_snapshot
from tools.codegen import GeneratedModels, generate_code

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_SQL = ROOT / "resources" / "sample" / "schema.sql"
# The demo's schema without its closing ANALYZE, which would touch every schema of the shared
# test database (and deadlock with other tests' DDL).
SAMPLE_DDL = SAMPLE_SQL.read_text().replace("ANALYZE;", "")


def normalize_structure(snapshot: SchemaSnapshot) -> dict[str, Any]:
    """What must survive the round trip; sizes, statistics, owners and policies left out."""
    tables = {}
    for table in snapshot.tables:
        tables[table.name] = {
            "comment": table.comment,
            "columns": [
                (c.name, c.type, c.nullable, c.default, c.identity, c.generated, c.enum, c.comment)
                for c in table.columns
            ],
            "primary_key": table.primary_key
            and (table.primary_key.name, table.primary_key.columns),
            "foreign_keys": sorted((fk.name, fk.definition) for fk in table.foreign_keys),
            "unique": sorted((u.name, u.definition) for u in table.unique_constraints),
            "checks": sorted((c.name, c.definition) for c in table.check_constraints),
            "indexes": sorted((i.name, i.definition) for i in table.indexes),
        }
    enums = {e.name: e.values for e in snapshot.enums}
    return {"tables": tables, "enums": enums}


def structure_diff(source: SchemaSnapshot, target: SchemaSnapshot) -> list[str]:
    """Readable differences between two snapshots' structures (empty when equal)."""
    left, right = normalize_structure(source), normalize_structure(target)
    diffs = []
    if left["enums"] != right["enums"]:
        diffs.append(f"enums: {left['enums']} != {right['enums']}")
    for name in sorted(set(left["tables"]) | set(right["tables"])):
        src, dst = left["tables"].get(name), right["tables"].get(name)
        if src is None or dst is None:
            diffs.append(f"table {name}: only in {'target' if src is None else 'source'}")
            continue
        for key in src:
            if src[key] != dst[key]:
                diffs.append(f"{name}.{key}:\n  source {src[key]}\n  target {dst[key]}")
    return diffs


def reset_schema(url: str, schema: str) -> None:
    """Drop the schema with everything in it and create it empty."""
    with psycopg.connect(url, autocommit=True) as conn:
        name = sql.Identifier(schema)
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(name))
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(name))


def reflect(url: str, schema: str = "public") -> SchemaSnapshot:
    """fetch_snapshot inside a READ ONLY transaction, as the server runs tools."""
    with psycopg.connect(url) as conn, read_only_transaction(conn, 30) as tx:
        return fetch_snapshot(tx, schema)


CREATE_ALL = """
import importlib.util, sys, warnings
warnings.simplefilter("error")
from sqlalchemy import create_engine
from sqlalchemy.orm import configure_mappers
spec = importlib.util.spec_from_file_location("generated_models", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
configure_mappers()
engine = create_engine(sys.argv[2])
try:
    module.SQLModel.metadata.create_all(engine)
finally:
    engine.dispose()
"""


def create_all(code: str, url: str, tmp_path: Path) -> None:
    """Import the module in a fresh interpreter and create its tables in the database."""
    path = tmp_path / "generated_models.py"
    path.write_text(code)
    driver_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    done = subprocess.run(
        [sys.executable, "-c", CREATE_ALL, str(path), driver_url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-4000:] + "\n" + code


def round_trip(
    ddl: str,
    scratch_url: str,
    tmp_path: Path,
    schema: str = "public",
    plant: tuple[str, str] | None = None,
    **options: Any,
) -> tuple[GeneratedModels, list[str]]:
    """Build, reflect, generate, create_all, reflect again: (the result, the differences).

    `plant=(old, new)` edits the generated code first, to prove the comparison sees drift.
    """
    reset_schema(scratch_url, schema)
    with psycopg.connect(scratch_url, autocommit=True) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        conn.execute(ddl)  # trusted test DDL
    source = reflect(scratch_url, schema)
    result = generate_code(source, **options)
    code = result.code if plant is None else result.code.replace(*plant)
    assert plant is None or code != result.code, f"nothing to plant: {plant[0]!r}"
    reset_schema(scratch_url, schema)  # the same database, emptied: a fresh target
    create_all(code, scratch_url, tmp_path)
    return result, structure_diff(source, reflect(scratch_url, schema))


SELF_AND_SAME_TABLE = """
CREATE TABLE users (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, email text NOT NULL);
CREATE TABLE categories (
    id serial PRIMARY KEY,
    parent_id integer REFERENCES categories (id) ON DELETE CASCADE,
    name varchar(80) NOT NULL
);
CREATE TABLE employees (
    id integer PRIMARY KEY,
    manager_id integer REFERENCES employees (id) ON DELETE SET NULL,
    mentor_id integer REFERENCES employees (id),
    name text NOT NULL
);
CREATE TABLE messages (
    id bigserial PRIMARY KEY,
    sender_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    recipient_id bigint NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    body text NOT NULL
);
CREATE TABLE teams (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, captain_id bigint);
ALTER TABLE users ADD COLUMN team_id integer REFERENCES teams (id);
ALTER TABLE teams ADD CONSTRAINT teams_captain_fk FOREIGN KEY (captain_id) REFERENCES users (id);
CREATE TABLE follows (
    follower_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    followed_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (follower_id, followed_id)
);
"""

# A tenant-scoped composite FK next to the tenant FK: two relationships write tasks.org_id.
TENANT_COMPOSITE = """
CREATE TABLE organizations (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
CREATE TABLE projects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id),
    UNIQUE (org_id, id)
);
CREATE TABLE tasks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organizations (id),
    project_id bigint NOT NULL,
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id) ON DELETE CASCADE
);
"""

MANY_TO_MANY = """
CREATE TABLE students (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE courses (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, title text NOT NULL);
CREATE TABLE enrollments (
    student_id integer NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    course_id integer NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    enrolled_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (student_id, course_id)
);
CREATE TABLE grades (
    student_id integer NOT NULL REFERENCES students (id),
    course_id integer NOT NULL REFERENCES courses (id),
    grade numeric(4,1) NOT NULL,
    PRIMARY KEY (course_id, student_id)
);
"""

COMPOSITE = """
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, placed date NOT NULL);
CREATE TABLE order_lines (
    order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no smallint NOT NULL,
    sku char(8) NOT NULL,
    quantity integer NOT NULL DEFAULT 1 CHECK (quantity > 0),
    CONSTRAINT order_lines_pk PRIMARY KEY (order_id, line_no)
);
CREATE TABLE shipments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id bigint NOT NULL,
    line_no smallint NOT NULL,
    shipped_at timestamp NOT NULL,
    CONSTRAINT shipments_line_fk FOREIGN KEY (order_id, line_no)
        REFERENCES order_lines (order_id, line_no) ON DELETE CASCADE ON UPDATE CASCADE
);
"""

TYPES = """
CREATE TYPE mood AS ENUM ('happy', 'so-so', 'in progress', 'name');
CREATE TYPE priority AS ENUM ('low', 'high');
CREATE TABLE things (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    code char(3),
    title varchar(120) NOT NULL DEFAULT 'untitled',
    plain varchar,
    price numeric(12,2) NOT NULL DEFAULT 0,
    ratio numeric,
    score real,
    weight double precision,
    small smallint NOT NULL DEFAULT -1,
    flag boolean NOT NULL DEFAULT true,
    tags text[] NOT NULL DEFAULT '{}',
    counts integer[],
    names varchar(20)[],
    moods mood[],
    current_mood mood NOT NULL DEFAULT 'so-so',
    level priority,
    payload jsonb NOT NULL DEFAULT '{}'::jsonb,
    raw json,
    happened timestamp without time zone,
    happened_ms timestamp(3) with time zone,
    at_tz timestamptz DEFAULT CURRENT_TIMESTAMP,
    opens time,
    opens_tz time with time zone,
    lasts interval,
    born date,
    blob bytea,
    address inet,
    network cidr,
    doc tsvector,
    bits bit(8),
    token uuid NOT NULL DEFAULT gen_random_uuid(),
    total numeric(12,2) GENERATED ALWAYS AS (price * 2) STORED,
    note text DEFAULT 'it''s: done'
);
COMMENT ON TABLE things IS 'Everything "typed".';
COMMENT ON COLUMN things.price IS 'In cents? No: in euros.';
CREATE TABLE counters (n integer PRIMARY KEY, label text);
CREATE TABLE big_counters (n bigint PRIMARY KEY);
"""

INDEXES = """
CREATE TABLE documents (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id integer NOT NULL,
    title text NOT NULL,
    slug varchar(100) NOT NULL,
    body jsonb,
    status text NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'published', 'archived')),
    email text CHECK (position('@' in email) > 1 AND email LIKE '%_@_%'),
    kind text CHECK (kind <> 'a:b'),
    created_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT documents_slug_owner_key UNIQUE (owner_id, slug),
    CONSTRAINT title_not_blank CHECK (length(title) > 0)
);
CREATE INDEX ix_documents_owner_id ON documents (owner_id);
CREATE INDEX documents_live_idx ON documents (owner_id, created_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX documents_lower_title_idx ON documents (lower(title));
CREATE INDEX documents_slug_pattern_idx ON documents (slug varchar_pattern_ops);
CREATE INDEX documents_title_desc_idx ON documents (title text_pattern_ops DESC NULLS LAST);
CREATE INDEX documents_created_nulls_idx ON documents (created_at NULLS FIRST);
CREATE INDEX documents_body_idx ON documents USING gin (body jsonb_path_ops);
CREATE INDEX documents_sum_idx ON documents ((owner_id + 1));
CREATE UNIQUE INDEX documents_unique_live_slug ON documents (slug) WHERE deleted_at IS NULL;
CREATE INDEX documents_cover_idx ON documents (owner_id) INCLUDE (title);
CREATE UNIQUE INDEX ix_documents_title ON documents (title);
"""

RESERVED = """
CREATE TABLE "user" (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "from" text NOT NULL,
    "order" integer NOT NULL DEFAULT 0,
    metadata jsonb,
    datetime timestamptz,
    "Column" text,
    model_config text,
    class text,
    type text,
    json text,
    "Due Date" date,
    uuid uuid
);
CREATE TABLE "order" (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "user" integer REFERENCES "user" (id),
    buyer_id integer NOT NULL DEFAULT 0 REFERENCES "user" (id) ON DELETE SET DEFAULT,
    seller_id integer REFERENCES "user" (id) ON DELETE NO ACTION ON UPDATE CASCADE,
    reviewer_id integer REFERENCES "user" (id) DEFERRABLE INITIALLY DEFERRED,
    placed_at timestamp NOT NULL DEFAULT now()
);
CREATE INDEX order_user_desc ON "order" ("user" DESC);
CREATE INDEX ON "user" ("from", "order");
CREATE INDEX ix_user_from ON "user" ("from");
CREATE TABLE "index" (id integer PRIMARY KEY, "select" text UNIQUE);
"""

# The extensions live in public: resetting it drops them, so create_all must create them.
EXTENSIONS = """
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE accounts (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    email citext NOT NULL UNIQUE,
    name text NOT NULL
);
CREATE INDEX accounts_name_trgm_idx ON accounts USING gin (name gin_trgm_ops);
"""

ROUND_TRIPS = [
    pytest.param(SAMPLE_DDL, id="sample-multi-tenant"),
    pytest.param(SELF_AND_SAME_TABLE, id="self-reference-and-two-fks-to-one-table"),
    pytest.param(MANY_TO_MANY, id="many-to-many-link-tables"),
    pytest.param(COMPOSITE, id="composite-pk-and-fk"),
    pytest.param(TENANT_COMPOSITE, id="tenant-scoped-composite-fk"),
    pytest.param(TYPES, id="types-enums-arrays-jsonb-identity"),
    pytest.param(INDEXES, id="partial-expression-desc-opclass-indexes-and-checks"),
    pytest.param(RESERVED, id="reserved-words-and-fk-actions"),
]


@pytest.mark.parametrize("ddl", ROUND_TRIPS)
def test_generated_models_recreate_the_schema(ddl, scratch_url, tmp_path):
    result, diffs = round_trip(ddl, scratch_url, tmp_path)
    assert diffs == [], "\n".join(diffs) + "\n" + result.code
    assert result.fields_with_sa_column == 0


def test_generated_models_create_the_extensions_they_use(scratch_url, tmp_path):
    if not {"citext", "pg_trgm", "uuid-ossp"} <= available_extensions(scratch_url):
        pytest.skip("this server cannot create citext, pg_trgm and uuid-ossp")
    result, diffs = round_trip(EXTENSIONS, scratch_url, tmp_path)
    assert diffs == [], "\n".join(diffs) + "\n" + result.code
    assert result.extensions == ["citext", "pg_trgm", "uuid-ossp"]
    assert any("extensions citext, pg_trgm, uuid-ossp" in n for n in result.migration_notes)


def test_generated_models_recreate_a_non_public_schema(scratch_url, tmp_path):
    ddl = SAMPLE_DDL + INDEXES
    result, diffs = round_trip(ddl, scratch_url, tmp_path, schema="app_data")
    assert diffs == [], "\n".join(diffs) + "\n" + result.code
    assert '{"schema": "app_data"}' in result.code
    assert 'schema="app_data"' in result.code  # the enum type lives there too


def test_crud_models_leave_the_table_classes_unchanged(scratch_url, tmp_path):
    result, diffs = round_trip(SAMPLE_DDL, scratch_url, tmp_path, include_crud_models=True)
    assert diffs == [], "\n".join(diffs)
    assert "class TaskCreate(TaskBase):" in result.code


@pytest.mark.parametrize(
    ("ddl", "plant", "where"),
    [
        pytest.param(TYPES, ("max_length=120", "max_length=121"), "things.columns", id="type"),
        pytest.param(
            SAMPLE_DDL, (', ondelete="SET NULL"', ""), "tasks.foreign_keys", id="fk-action"
        ),
        pytest.param(
            INDEXES,
            ('text("(deleted_at IS NULL)")', 'text("(deleted_at IS NOT NULL)")'),
            "documents.indexes",
            id="index-predicate",
        ),
    ],
)
def test_structure_diff_reports_planted_drift(ddl, plant, where, scratch_url, tmp_path):
    _, diffs = round_trip(ddl, scratch_url, tmp_path, plant=plant)
    assert [d.split(":")[0] for d in diffs] == [where]


USE_SAMPLE = """
import importlib.util, sys, warnings
warnings.simplefilter("error")
from sqlmodel import Session, create_engine, select
spec = importlib.util.spec_from_file_location("generated_models", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
engine = create_engine(sys.argv[2])
try:
    m.SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        org = m.Organization(name="Acme", slug="acme")
        session.add(org)
        session.commit()
        session.refresh(org)
        assert org.id is not None and org.created_at is not None, org
        task = m.Task(project=m.Project(org_id=org.id, name="P"), org_id=org.id, title="T")
        task.tags.append(m.Tag(org_id=org.id, name="urgent"))
        session.add(task)
        session.commit()
        session.refresh(task)
        assert task.status == m.TaskStatus.todo and task.labels == [] and task.details is None
        assert task.created_at.tzinfo is not None
        assert [t.name for t in task.tags] == ["urgent"] and task.tags[0].tasks == [task]
        assert session.exec(select(m.Organization)).one().projects[0].tasks[0].title == "T"
        session.delete(org)
        session.commit()
        assert session.exec(select(m.Task)).all() == []
finally:
    engine.dispose()
print("ok")
"""


def test_generated_models_insert_read_and_cascade(scratch_url, tmp_path):
    """Server defaults fill omitted fields, relationships load both ways, deletes cascade."""
    reset_schema(scratch_url, "public")
    with psycopg.connect(scratch_url, autocommit=True) as conn:
        conn.execute(SAMPLE_DDL)  # trusted test DDL
    code = generate_code(reflect(scratch_url)).code
    reset_schema(scratch_url, "public")
    path = tmp_path / "generated_models.py"
    path.write_text(code)
    url = scratch_url.replace("postgresql://", "postgresql+psycopg://", 1)
    done = subprocess.run(
        [sys.executable, "-c", USE_SAMPLE, str(path), url], capture_output=True, text=True
    )
    assert done.stdout.strip() == "ok", done.stderr[-3000:]
