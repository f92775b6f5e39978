"""review_models: every rule has a planted defect and a clean twin that stays silent, and every
corrected class passes its own review (the fixpoint), against the database when the rule needs
one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_ddl
from tests.review_support import DRIFT_DDL, apply_corrections, codes, project_with
from tools.review import RULES, render_review, review_models

TENANT = {"tenant_column": "org_id"}
EVENTS_JSONB = "CREATE TABLE events (id serial PRIMARY KEY, payload jsonb)"
EVENTS_NAIVE = "CREATE TABLE events (id serial PRIMARY KEY, due_at timestamp)"

# (code, defect file, clean twin, DDL for the database side or None for no database, kwargs)
CASES = [
    ("MOD001", "mod001_defect.py", "mod001_clean.py", None, {}),
    ("MOD002", "mod002_defect.py", "mod002_clean.py", None, {}),
    ("MOD003", "mod003_defect.py", "mod003_clean.py", None, {}),
    ("MOD004", "mod004_defect.py", "mod004_clean.py", None, {}),
    ("MOD005", "mod005_defect.py", "mod004_clean.py", None, {}),
    ("MOD006", "mod006_defect.py", "mod006_clean.py", None, TENANT),
    ("MOD007", "mod007_defect.py", "mod006_clean.py", None, TENANT),
    ("MOD008", "mod008_defect.py", "mod006_clean.py", None, TENANT),
    ("MOD009", "mod009_defect.py", "mod009_clean.py", None, {}),
    ("MOD010", "mod010_defect.py", "mod010_clean.py", None, {}),
    ("MOD011", "mod011_defect.py", "mod011_clean.py", EVENTS_JSONB, {}),
    ("MOD012", "mod012_defect.py", "mod012_clean.py", None, {}),
    ("MOD013", "mod013_defect.py", "mod013_clean.py", None, {}),
    ("MOD014", "mod014_defect.py", "mod014_clean.py", EVENTS_NAIVE, {}),
    ("MOD015", "mod015_defect.py", "mod015_clean.py", None, {}),
    ("MOD016", "mod016_defect.py", "mod016_clean.py", None, {}),
    *[
        (code, f"{code.lower()}_defect.py", "drift_clean.py", DRIFT_DDL, {})
        for code in RULES.titles()
        if code >= "MOD020"
    ],
]


def _review(root: Path, ro, schema: str, ddl: str | None, kwargs: dict):
    conn = ro if ddl is not None else None
    return review_models(conn, schema=schema, project_root=root, **kwargs)


def _params():
    return [
        pytest.param(code, defect, clean, ddl, kwargs, id=f"{code}-{RULES[code].name}")
        for code, defect, clean, ddl, kwargs in CASES
    ]


@pytest.mark.parametrize(("code", "defect", "clean", "ddl", "kwargs"), _params())
def test_review_reports_planted_defect_and_not_its_clean_twin(
    tmp_path, admin, schema, ro, code, defect, clean, ddl, kwargs
) -> None:
    if ddl is not None:
        run_ddl(admin, schema, ddl)
    planted = _review(project_with(tmp_path / "defect", defect), ro, schema, ddl, kwargs)
    twin = _review(project_with(tmp_path / "clean", clean), ro, schema, ddl, kwargs)
    assert code in codes(planted)
    assert code not in codes(twin), [
        f.message for m in twin.models for f in m.findings if f.code == code
    ]
    located = [f for m in planted.models for f in m.findings if f.code == code]
    assert all(f.file.endswith(defect) and f.line > 0 for f in located)


@pytest.mark.parametrize(("code", "defect", "clean", "ddl", "kwargs"), _params())
def test_corrected_classes_pass_their_own_review(
    tmp_path, admin, schema, ro, code, defect, clean, ddl, kwargs
) -> None:
    if ddl is not None:
        run_ddl(admin, schema, ddl)
    root = project_with(tmp_path, defect)
    first = _review(root, ro, schema, ddl, kwargs)
    replaced = apply_corrections(root, first)
    again = _review(root, ro, schema, ddl, kwargs)
    # Nothing left for a corrected class to do, and nothing new on the model's side.
    assert again.summary.corrected == 0, [
        (f.code, f.message) for m in again.models for f in m.findings if f.corrected
    ]
    before = {(f.code, f.object) for m in first.models for f in m.findings}
    new = [
        (f.code, f.object, f.message)
        for m in again.models
        for f in m.findings
        if "model" in f.sides and (f.code, f.object) not in before
    ]
    assert new == []
    if first.summary.corrected:
        assert replaced == first.summary.corrected
        # What the corrections leave on the database side was already in the first script.
        script = first.database_script or ""
        assert all(line in script for line in (again.database_script or "").split("\n"))


def test_every_rule_has_a_planted_case() -> None:
    assert {case[0] for case in CASES} == set(RULES.titles())
    assert all(rule.name for rule in RULES)
    assert len({rule.name for rule in RULES}) == len(RULES)


def test_clean_drift_model_is_silent_against_its_database(tmp_path, admin, schema, ro) -> None:
    run_ddl(admin, schema, DRIFT_DDL)
    review = review_models(ro, schema=schema, project_root=project_with(tmp_path, "drift_clean.py"))
    assert [f.code for m in review.models for f in m.findings] == []
    assert review.summary.compared_with_database == 2
    assert review.database_script is None


def test_readme_documents_every_code_with_its_name() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "| `review_models` |" in readme
    missing = [r.code for r in RULES if f"| {r.code} | `{r.name}` |" not in readme]
    assert missing == []


def test_render_review_shows_findings_fixes_and_corrected_classes(tmp_path) -> None:
    review = review_models(None, project_root=project_with(tmp_path, "mod002_defect.py"))
    text = render_review(review)
    assert text.startswith("review_models: 2 models in 1 files")
    assert "WARNING MOD002" in text and "app/mod002_defect.py:16" in text
    assert 'ondelete="RESTRICT"' in text and "corrected class:" in text
    assert "corrected class:" not in render_review(review, with_code=False)


def test_corrected_class_keeps_its_bases_and_redeclares_only_what_it_changes(
    tmp_path, database
) -> None:
    import psycopg

    from server.db import read_only_transaction
    from tests.test_codegen_roundtrip import create_all
    from tools.catalog import fetch_snapshot

    root = project_with(tmp_path, "inherited_defect.py")
    first = review_models(None, project_root=root)
    (item,) = [m for m in first.models if m.corrected_class]
    code = item.corrected_class or ""
    assert code.startswith("class Item(OwnerOwned, table=True):")
    # The mixin's untouched fields stay in the mixin; the inherited FK the fix changes is
    # redeclared (it overrides the base's), beside the class's own field.
    assert "created_at" not in code and "updated_at" not in code
    assert 'owner_id: int = Field(foreign_key="owners.id", ondelete="RESTRICT"' in code
    assert 'foreign_key="items.id", ondelete="RESTRICT"' in code
    apply_corrections(root, first)
    again = review_models(None, project_root=root)
    assert [(f.code, f.object) for m in again.models for f in m.findings] == []
    # The corrected module still imports and creates what the review read from it.
    create_all((root / "app" / "inherited_defect.py").read_text(), database, tmp_path)
    with (
        psycopg.connect(database) as conn,
        read_only_transaction(conn, statement_timeout_s=30) as tx,
    ):
        items = fetch_snapshot(tx, "public").table("items")
    assert items is not None
    assert [c.name for c in items.columns] == [
        "created_at",
        "updated_at",
        "owner_id",
        "id",
        "parent_id",
    ]
    assert {tuple(fk.columns): fk.on_delete for fk in items.foreign_keys} == {
        ("owner_id",): "RESTRICT",
        ("parent_id",): "RESTRICT",
    }
    assert {tuple(i.columns) for i in items.indexes if not i.primary} >= {
        ("owner_id",),
        ("parent_id",),
    }
