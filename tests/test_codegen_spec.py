"""generate_model from a spec: the seeds' defaults as assumptions, and the spec corpus.

Every spec of the corpus (and the demo's sample spec) gives a module that imports, maps and,
unless the spec itself is inconsistent (an FK to a table it does not define, FK columns of
another type than their target), creates its tables in an empty database.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.conftest import SHARED, available_extensions
from tests.test_codegen import RUFF, RUFF_OPTIONS, RUFF_RULES
from tools.catalog.models import CheckConstraint
from tools.codegen import generate_code, generate_model, generate_model_from_spec
from tools.codegen.spec import fill_spec_defaults
from tools.errors import NotFound
from tools.spec.read import parse_spec, spec_to_snapshot

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_SPEC = ROOT / "resources" / "sample" / "schema.md"
CORPUS = SHARED / "corpus" / "specs"

SPEC = """
# Schema

## organizations
- id: uuid (primary key)
- name: varchar(100) (not null)
- created_at: timestamptz (not null)

## projects
- id: bigint (primary key)
- org_id: uuid (not null, references organizations.id on delete cascade)
- name: text (not null)
- updated_at: timestamptz
"""


def test_spec_gets_the_seeds_defaults_as_assumptions(tmp_path):
    result = generate_model_from_spec(parse_spec(SPEC), project_root=tmp_path)
    code = result.code
    assert "func.now()" in code
    assert any("created_at: server_default=func.now()" in a for a in result.assumptions)
    assert any("projects: index projects_org_id_idx on (org_id)" in a for a in result.assumptions)
    assert 'Index("projects_org_id_idx", "org_id")' in code
    assert result.source == "spec" and "from the schema spec" in code
    projects = next(c for c in result.classes if c.class_name == "Project")
    assert "assumption: projects: index projects_org_id_idx on (org_id) for the foreign key" in (
        projects.migration_notes
    )


def test_spec_defaults_never_duplicate_an_existing_index():
    spec = parse_spec(SPEC + "\n## Indexes\n- `projects(org_id, name)`\n")
    snapshot, assumptions = fill_spec_defaults(spec_to_snapshot(spec))
    projects = snapshot.table("projects")
    assert projects is not None
    assert [i.columns for i in projects.indexes if not i.primary] == [["org_id", "name"]]
    assert not any("projects_org_id_idx" in a for a in assumptions)


CREATE_EACH = """
import importlib.util, json, sys, warnings
warnings.simplefilter("error")
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.orm import configure_mappers
from sqlmodel import SQLModel
from sqlmodel.main import default_registry
engine = create_engine(sys.argv[1])
results = {}
try:
    for number, item in enumerate(sys.argv[2:]):
        path, create = item.rsplit("::", 1)
        try:
            spec = importlib.util.spec_from_file_location(f"generated_{number}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            configure_mappers()
            if create == "create":
                with engine.begin() as conn:
                    conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
                SQLModel.metadata.create_all(engine)
            results[path] = sorted(SQLModel.metadata.tables)
        except Exception as error:
            results[path] = f"{type(error).__name__}: {str(error).splitlines()[0]}"
        finally:
            # a fresh registry and MetaData: enum types hook create events onto the old one
            default_registry.dispose()
            default_registry._class_registry.clear()
            SQLModel.metadata = default_registry.metadata = MetaData()
finally:
    engine.dispose()
print(json.dumps(results))
"""


def test_spec_corpus_modules_import_and_create_their_tables(scratch_url, tmp_path):
    files = sorted(CORPUS.glob("*.md")) if CORPUS.is_dir() else []
    if not files:
        pytest.skip("the spec corpus is absent")
    files += sorted((ROOT / "tests" / "specs").glob("*.md"))
    available = available_extensions(scratch_url)
    items, expected = [], {}
    for file in [*files, SAMPLE_SPEC]:
        snapshot = spec_to_snapshot(parse_spec(file.read_text(), str(file)))
        snapshot, assumptions = fill_spec_defaults(snapshot)
        result = generate_code(snapshot, assumptions=assumptions, source="spec")
        names = {t.name for t in snapshot.tables}
        consistent = all(fk.ref_table in names for t in snapshot.tables for fk in t.foreign_keys)
        consistent &= not any(
            "make the types equal" in n for c in result.classes for n in c.migration_notes
        )
        consistent &= set(result.extensions) <= available  # e.g. pgvector is not installed here
        path = tmp_path / f"{file.parent.name}_{file.stem.replace('-', '_')}.py"
        path.write_text(result.code)
        items.append(f"{path}::{'create' if consistent else 'import'}")
        expected[str(path)] = sorted(names)
    url = scratch_url.replace("postgresql://", "postgresql+psycopg://", 1)
    done = subprocess.run(
        [sys.executable, "-c", CREATE_EACH, url, *items],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout)
    failures = {p: r for p, r in results.items() if r != expected[p]}
    assert failures == {}
    assert sum(item.endswith("::create") for item in items) >= 20
    if Path(RUFF).exists():
        for command in (["format", "--check"], ["check", *RUFF_RULES]):
            done = subprocess.run(
                [RUFF, *command, *RUFF_OPTIONS, str(tmp_path)], capture_output=True, text=True
            )
            assert done.returncode == 0, done.stdout[-3000:]


def test_spec_tables_limit_the_output(tmp_path):
    snapshot = spec_to_snapshot(parse_spec(SPEC))
    result = generate_model_from_spec(snapshot, tables=["proj*"], project_root=tmp_path)
    assert [c.class_name for c in result.classes] == ["Project"]
    assert any("outside the selection" in n for n in result.classes[0].migration_notes)
    with pytest.raises(NotFound, match="unknown table 'nope'"):
        generate_model_from_spec(snapshot, tables=["nope"], project_root=tmp_path)


def test_spec_entry_point_takes_the_spec_or_its_snapshot(ro, tmp_path):
    """A SchemaSpec brings its schema and tenant column; the old generate_model spelling agrees."""
    spec = parse_spec("The tenant column is `org_id`.\n" + SPEC)
    assert spec.tenant_column == "org_id"
    from_spec = generate_model_from_spec(
        spec, schema="app", include_crud_models=True, project_root=tmp_path
    )
    assert from_spec.schema_name == "app" and '{"schema": "app"}' in from_spec.code
    assert "org_id" not in from_spec.code.split("class ProjectBase")[1].split("class ")[0]
    old = generate_model(
        ro,
        source="spec",
        spec_snapshot=spec_to_snapshot(spec, "app"),
        tenant_column="org_id",
        include_crud_models=True,
        project_root=tmp_path,
    )
    assert old.code == from_spec.code


EXTENSION_SPEC = """
## accounts
| Column | Type | Constraints |
|---|---|---|
| id | UUID | PK, DEFAULT uuid_generate_v4() |
| email | citext | NOT NULL, UNIQUE |
| name | text | NOT NULL |
"""


def test_spec_using_extension_objects_creates_its_extensions(scratch_url, tmp_path):
    """uuid_generate_v4() and citext need uuid-ossp and citext: the module creates them."""
    result = generate_model_from_spec(parse_spec(EXTENSION_SPEC), project_root=tmp_path)
    assert result.extensions == ["citext", "uuid-ossp"]
    assert "DDL('CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\" CASCADE')" in result.code
    assert any("op.execute" in n and "citext" in n for n in result.migration_notes)
    if not {"citext", "uuid-ossp"} <= available_extensions(scratch_url):
        pytest.skip("this server cannot create citext and uuid-ossp (the embedded one has neither)")
    with psycopg.connect(scratch_url, autocommit=True) as conn:  # an empty public schema
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    path = tmp_path / "models.py"
    path.write_text(result.code)
    url = scratch_url.replace("postgresql://", "postgresql+psycopg://", 1)
    done = subprocess.run(
        [sys.executable, "-c", CREATE_EACH, url, f"{path}::create"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(done.stdout) == {str(path): ["accounts"]}, done.stderr[-3000:]


def test_spec_without_extension_objects_creates_none(tmp_path):
    result = generate_model_from_spec(parse_spec(SPEC), project_root=tmp_path)
    assert result.extensions == [] and "CREATE EXTENSION" not in result.code


@pytest.mark.parametrize(
    ("expression", "kept"),
    [
        pytest.param("IN ('user', 'assistant')", False, id="in-list-without-column"),
        pytest.param("0.0-1.0", False, id="range-shorthand"),
        pytest.param("'active'", False, id="string-constant"),
        pytest.param("role IN ('user', 'assistant')", True, id="in-list"),
        pytest.param("score >= 0.0 AND score <= 1.0", True, id="comparisons"),
        pytest.param("length(name) > 0", True, id="function-comparison"),
    ],
)
def test_spec_checks_that_are_not_sql_are_left_out_with_a_note(expression, kept, tmp_path):
    """Specs write `CHECK IN (…)` or `CHECK 0.0-1.0`; Postgres would refuse the table."""
    snapshot = spec_to_snapshot(parse_spec(SPEC))
    check = CheckConstraint(
        name="projects_name_check", columns=["name"], expression=expression, definition=""
    )
    tables = [
        t.model_copy(update={"check_constraints": [check]}) if t.name == "projects" else t
        for t in snapshot.tables
    ]
    snapshot = snapshot.model_copy(update={"tables": tables})
    result = generate_model_from_spec(snapshot, project_root=tmp_path)
    projects = next(c for c in result.classes if c.class_name == "Project")
    noted = any("not a boolean SQL expression" in n for n in projects.migration_notes)
    assert ('name="projects_name_check"' in result.code) is kept
    assert noted is not kept
