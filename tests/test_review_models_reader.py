"""The static reader of review_models: never executes the code, reads what real projects write
(the SQLModel fences of the shared corpus specs), and reports what it cannot read with its line."""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

import pytest

from tests.conftest import SHARED
from tools.review import review_models
from tools.review.files import discover
from tools.review.reader import read_models

CORPUS = SHARED / "corpus" / "specs"
FENCE = re.compile(r"^```(?:python|py)\s*\n(.*?)^```", re.M | re.S)


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def read(root: Path):
    files, _helpers = read_models(root.resolve(), discover(root.resolve()))
    return files


def _corpus_fences() -> list[tuple[str, int, str]]:
    if not CORPUS.is_dir():
        return []
    found = []
    for spec in sorted(CORPUS.glob("*.md")):
        text = spec.read_text(encoding="utf-8")
        for n, match in enumerate(FENCE.finditer(text)):
            if re.search(r"table\s*=\s*True", match.group(1)):
                found.append((spec.stem, n, match.group(1)))
    return found


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is absent")
def test_corpus_sqlmodel_fences_are_read_without_guessing(tmp_path) -> None:
    fences = _corpus_fences()
    assert fences, "the corpus has SQLModel fences"
    for stem, n, code in fences:
        write(tmp_path, f"{stem}/fence_{n}.py", code)
    files = read(tmp_path)
    assert len(files) == len(fences)
    for model_file in files:
        code = (tmp_path / model_file.path).read_text(encoding="utf-8")
        lines = code.count("\n") + 1
        unread = [*model_file.unread, *(u for c in model_file.classes for u in c.unread)]
        assert all(1 <= u.line <= lines for u in unread), model_file.path
        try:
            tree = ast.parse(code)
        except SyntaxError as error:
            assert [u.line for u in model_file.unread] == [error.lineno]
            continue
        tables = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef)
            and any(
                k.arg == "table" and getattr(k.value, "value", None) is True for k in node.keywords
            )
        ]
        assert sorted(c.name for c in model_file.classes) == sorted(n.name for n in tables)
        # Every annotated attribute of a table class is a field with a type, a relationship,
        # or an unread item at its own line: nothing is skipped silently.
        unread_lines = {u.line for u in unread}
        for node, cls in zip(
            sorted(tables, key=lambda n: n.lineno), model_file.classes, strict=True
        ):
            for stmt in node.body:
                if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
                    continue
                name = stmt.target.id
                if name.startswith("_") or "ClassVar" in ast.unparse(stmt.annotation):
                    continue
                column = cls.field(name)
                known = (column is not None and column.pg_type) or cls.relationship(name)
                assert known or stmt.lineno in unread_lines, (model_file.path, name)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is absent")
def test_corpus_projects_review_without_a_crash(tmp_path) -> None:
    fences = _corpus_fences()
    for stem, n, code in fences:
        write(tmp_path / stem, f"app/fence_{n}.py", code)
    found = 0
    for project in sorted(tmp_path.iterdir()):  # each spec's fences are one project
        review = review_models(None, project_root=project, limit=500)
        assert review.next_cursor is None
        assert len(review.models) == review.summary.models
        found += review.summary.models
        for model in review.models:
            assert all(f.file and f.line > 0 for f in model.findings)
    assert found >= len(fences)


def test_reading_never_executes_the_module(tmp_path) -> None:
    marker = tmp_path / "executed.txt"
    write(
        tmp_path,
        "app/models.py",
        f"""
        from pathlib import Path

        Path({str(marker)!r}).write_text("imported")
        from sqlmodel import Field, SQLModel

        class Boom(SQLModel, table=True):
            id: int | None = Field(default=Path({str(marker)!r}).write_text("x"), primary_key=True)
        """,
    )
    review = review_models(None, project_root=tmp_path)
    assert review.summary.models == 1
    assert not marker.exists()


def test_file_of_a_newer_python_is_reported_unread_with_its_line(tmp_path) -> None:
    write(
        tmp_path,
        "app/models.py",
        """
        from sqlmodel import Field, SQLModel

        type Identifier = int


        class Task(SQLModel, table=True):
            id: int | None = Field(default=None, primary_key=True)
        """,
    )
    review = review_models(None, project_root=tmp_path)
    assert [(u.file, u.line) for u in review.unread] == [("app/models.py", 3)]
    assert "syntax error" in review.unread[0].reason


def test_missing_imports_do_not_stop_the_review(tmp_path) -> None:
    write(
        tmp_path,
        "app/models.py",
        """
        from app.not_written_yet import Money  # noqa
        from sqlmodel import Field, SQLModel


        class Invoice(SQLModel, table=True):
            id: int | None = Field(default=None, primary_key=True)
            total: Money
            note: str | None = None
        """,
    )
    review = review_models(None, project_root=tmp_path)
    (model,) = review.models
    assert [(u.line, u.what) for u in model.unread] == [(7, "Invoice.total")]
    assert "no SQLAlchemy type" in model.unread[0].reason


def test_model_tree_over_several_modules_with_a_shared_base(tmp_path) -> None:
    write(
        tmp_path,
        "app/models/base.py",
        """
        from datetime import datetime

        from sqlalchemy import func
        from sqlmodel import Field, SQLModel


        class Timestamped(SQLModel):
            created_at: datetime | None = Field(
                default=None, nullable=False, sa_column_kwargs={"server_default": func.now()}
            )
            updated_at: datetime | None = Field(
                default=None, nullable=False, sa_column_kwargs={"server_default": func.now()}
            )


        class OrgOwned(Timestamped):
            org_id: int = Field(foreign_key="orgs.id", ondelete="CASCADE", index=True)
        """,
    )
    write(
        tmp_path,
        "app/models/org.py",
        """
        from sqlmodel import Field

        from app.models.base import Timestamped


        class Org(Timestamped, table=True):
            __tablename__ = "orgs"
            id: int | None = Field(default=None, primary_key=True)
        """,
    )
    write(
        tmp_path,
        "app/models/project.py",
        """
        from sqlmodel import Field

        from app.models.base import OrgOwned


        class ProjectBase(OrgOwned):
            name: str = Field(max_length=200)


        class Project(ProjectBase, table=True):
            __tablename__ = "projects"
            id: int | None = Field(default=None, primary_key=True)
        """,
    )
    # Only the project module is named: its bases are found in the project and read as helpers.
    review = review_models(None, paths=["app/models/project.py"], project_root=tmp_path)
    (model,) = review.models
    assert model.unread == []
    assert review.summary.files_read == 2
    files = read(tmp_path)
    project = next(c for f in files for c in f.classes if c.name == "Project")
    assert [f.name for f in project.fields] == [
        "created_at",
        "updated_at",
        "org_id",
        "name",
        "id",
    ]
    assert {f.file for f in project.fields} == {"app/models/base.py", "app/models/project.py"}
    whole = review_models(None, project_root=tmp_path)
    assert {m.class_name for m in whole.models} == {"Org", "Project"}
    assert [f.code for m in whole.models for f in m.findings] == []


def test_unread_constructs_are_reported_where_they_are(tmp_path) -> None:
    write(
        tmp_path,
        "app/models.py",
        """
        from sqlmodel import Field, SQLModel

        from app.mixins import AuditMixin

        OPTIONS = dict(index=True)


        def name_for(cls):
            return cls.__name__


        class Task(AuditMixin, SQLModel, table=True):
            __tablename__ = name_for(object)
            __table_args__ = make_args()
            id: int | None = Field(default=None, primary_key=True)
            title: str = Field(**OPTIONS)
            size: int = Field(max_length=LIMIT)
        """,
    )
    (model,) = review_models(None, project_root=tmp_path).models
    found = {(u.line, u.what) for u in model.unread}
    assert found >= {
        (12, "Task(AuditMixin)"),
        (13, "Task.__tablename__"),
        (14, "Task.__table_args__"),
        (16, "Task.title"),
        (17, "Task.size"),
    }
    assert model.table is None  # a computed name is not guessed
