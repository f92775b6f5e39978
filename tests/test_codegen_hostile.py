"""generate_model on hostile input (issue #13): any name or comment compiles and round-trips,
and the module is never written where an interpreter would run it by itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from tests.test_codegen import ruff_problems
from tests.test_codegen_roundtrip import round_trip
from tests.test_codegen_spec import CREATE_EACH
from tools.catalog.models import (
    CheckConstraint,
    Column,
    EnumType,
    ForeignKey,
    Index,
    IndexKey,
    PrimaryKey,
    RoleInfo,
    SchemaSnapshot,
    Table,
    UniqueConstraint,
)
from tools.codegen import generate_code, generate_model, write_module
from tools.codegen.format import comment, docstring
from tools.codegen.names import class_name, field_name
from tools.codegen.types import PG_TYPE_NAMES
from tools.errors import ConfigError
from tools.naming import quote_ident

# Python keywords, builtins, SQLModel's and the module's own names, quotes, backslashes,
# separators SQLAlchemy splits at, format and bind markers, other scripts, bidi controls.
NASTY = [
    "None", "True", "False", "class", "def", "lambda", "import", "match", "type", "_",
    "__init__", "__class__", "self", "metadata", "model_config", "registry", "list", "dict",
    "int", "str", "print", "Exception", "object", "SQLModel", "Field", "Column", "text", "func",
    "enum", "uuid", "datetime", "Optional", "Any", "mro", "name", "value", "upper", "format",
    'a"', 'ends with "', '"', '""', '"""', "'", "'''", "back\\slash", "ends with \\", "\\x00",
    "a.b", "a:b", ":name", "a%b", "%(x)s", "%s", "{x}", "a b", " ", "2fa", "0", "1e3",
    "naïve", "名前", "Ünïcödé", "ß", "ﬁ", "İ", "Ω", "\u202erlo", "\u200bzero", "x\ny",
    "tab\there", "#hash", "--dash", "/*c*/", "$1", "a;b", "DROP TABLE x",
]  # fmt: skip
# What Postgres can store: UTF-8 without NUL, names of 1 to 63 bytes (48 leaves room for _N).
CHARACTERS = st.characters(codec="utf-8", exclude_characters="\x00")
TEXT = st.text(CHARACTERS, max_size=16)
NAME = st.one_of(st.sampled_from(NASTY), TEXT).filter(lambda s: 0 < len(s.encode()) <= 48)
SYSTEM_COLUMNS = {"tableoid", "xmin", "cmin", "xmax", "cmax", "ctid"}
COLUMN_NAME = NAME.filter(lambda s: s not in SYSTEM_COLUMNS)
COMMENT = st.one_of(st.none(), st.sampled_from(NASTY), TEXT, st.text(CHARACTERS, max_size=200))
TYPES = ["text", "integer", "bigint", "boolean", "character varying(20)", "jsonb",
         "timestamp with time zone", "numeric(10,2)", "text[]", "uuid", "enum"]  # fmt: skip


def other_than(taken: Iterable[str]) -> Callable[[str], bool]:
    """A filter for names not in taken, bound now (not when a loop moves on)."""
    names = frozenset(taken)
    return lambda name: name not in names


def literal(value: str) -> str:
    """A SQL string literal, as pg_get_expr prints a text default."""
    return "'" + value.replace("'", "''") + "'"


@st.composite
def snapshots(draw: st.DrawFn) -> SchemaSnapshot:
    """A public schema of 1-3 tables whose every name, label, comment and default is hostile."""
    counter = iter(range(1000))

    def unique(name: str) -> str:  # index and constraint names must not collide
        return f"{name}_{next(counter)}"

    labels = draw(st.lists(NAME, min_size=1, max_size=3, unique=True))
    enum = EnumType(schema_name="public", name=draw(NAME), values=labels)
    # a table's row type has the table's name: an enum may not share it
    table_names = draw(
        st.lists(NAME.filter(other_than([enum.name])), min_size=1, max_size=3, unique=True)
    )
    tables: list[Table] = []
    for number, table_name in enumerate(table_names):
        names = draw(st.lists(COLUMN_NAME, min_size=2, max_size=4, unique=True))
        columns, checks = [], []
        for position, name in enumerate(names):
            pg_type = "integer" if position == 0 else draw(st.sampled_from(TYPES))
            default = None
            if pg_type == "text" and draw(st.booleans()):
                default = literal(draw(NAME))
            if pg_type == "enum" and draw(st.booleans()):
                # as pg_get_expr prints it: qualified where pg_catalog has a type of that name
                qualified = f"public.{quote_ident(enum.name)}"
                cast = qualified if enum.name in PG_TYPE_NAMES else quote_ident(enum.name)
                default = literal(labels[0]) + "::" + cast
            columns.append(
                Column(
                    name=name,
                    type=quote_ident(enum.name) if pg_type == "enum" else pg_type,
                    nullable=position != 0 and draw(st.booleans()),
                    default=default,
                    comment=draw(COMMENT),
                    enum="public." + enum.name if pg_type == "enum" else None,
                )
            )
            if pg_type == "text":
                expression = f"(char_length({quote_ident(name)}) >= 0)"
                check_name = unique(draw(NAME))
                checks.append(
                    CheckConstraint(
                        name=check_name, columns=[name], expression=expression, definition=""
                    )
                )
        foreign_keys = []
        if number > 0:
            fk_column = draw(COLUMN_NAME.filter(other_than(names)))
            columns.append(Column(name=fk_column, type="integer", nullable=True))
            foreign_keys.append(
                ForeignKey(
                    name=unique(draw(NAME)),
                    columns=[columns[-1].name],
                    ref_schema="public",
                    ref_table=table_names[0],
                    ref_columns=[tables[0].columns[0].name],
                    on_delete=draw(st.sampled_from(["NO ACTION", "CASCADE", "SET NULL"])),
                    on_update="NO ACTION",
                    definition="",
                )
            )
        tables.append(
            Table(
                schema_name="public",
                name=table_name,
                owner="postgres",
                comment=draw(COMMENT),
                columns=columns,
                primary_key=PrimaryKey(name=unique(draw(NAME)), columns=[names[0]]),
                foreign_keys=foreign_keys,
                unique_constraints=[
                    UniqueConstraint(name=unique(draw(NAME)), columns=[names[1]], definition="")
                ],
                check_constraints=checks,
                indexes=[
                    Index(
                        name=unique(draw(NAME)),
                        keys=[IndexKey(column=names[-1], descending=draw(st.booleans()))],
                        definition="",
                    )
                ],
            )
        )
    role = RoleInfo(name="postgres", superuser=False, bypass_rls=False, can_write=False)
    return SchemaSnapshot(
        schema_name="public", server_version=150000, database="x", role=role, tables=tables,
        enums=[enum],
    )  # fmt: skip


def test_generated_code_compiles_for_any_names_and_comments(scratch_url, tmp_path):
    """Hypothesis over names and comments: every module compiles; a sample imports and creates."""
    sample: list[tuple[Path, list[str]]] = []

    @settings(
        max_examples=150,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(snapshots(), st.booleans())
    def compiles(snapshot: SchemaSnapshot, crud: bool) -> None:
        code = generate_code(snapshot, include_crud_models=crud).code
        compile(code, "<generated>", "exec")
        if len(sample) < 12:
            path = tmp_path / f"module_{len(sample)}.py"
            path.write_text(code, encoding="utf-8")
            sample.append((path, sorted(t.name for t in snapshot.tables)))

    compiles()
    url = scratch_url.replace("postgresql://", "postgresql+psycopg://", 1)
    done = subprocess.run(
        [sys.executable, "-c", CREATE_EACH, url, *(f"{path}::create" for path, _ in sample)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout)
    failures = {str(p): results[str(p)] for p, names in sample if results[str(p)] != names}
    assert failures == {}, "\n".join(Path(p).read_text() for p in failures)


ODD_TEXTS = ['ends in "', "ends in \\", 'tri"""ple', "NUL \x00, ESC \x1b", "\u202eRTL", "\ud800"]


@pytest.mark.parametrize("text", [*ODD_TEXTS, "a\rb"])
def test_docstrings_and_comments_hold_any_text(text):
    for head, lines in [
        ("", docstring(text, "")),
        ("class C:\n", docstring(text * 40, "    ")),
        ("", comment(text * 40)),
    ]:
        source = head + "\n".join(lines) + "\n"
        compile(source, "<t>", "exec")
        assert all("\x00" not in line and "\r" not in line for line in lines)


HOSTILE_DDL = """
CREATE TYPE {enum} AS ENUM ('None', 'a"', 'back\\slash', '名前', 'upper', 'x y');
CREATE TABLE {parent} (
    {pid} integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    {kw} text NOT NULL DEFAULT 'it''s "quoted" \\ 100%',
    {meta} {enum} DEFAULT 'a"'
);
COMMENT ON TABLE {parent} IS 'ends with a quote "';
COMMENT ON COLUMN {parent}.{kw} IS 'triple {triple} and back\\slash \\';
CREATE TABLE {child} (
    id integer PRIMARY KEY,
    {fk} integer REFERENCES {parent} ({pid}) ON DELETE CASCADE,
    {unicode} varchar(20) UNIQUE,
    CONSTRAINT {check} CHECK ({unicode} <> ':name')
);
COMMENT ON TABLE {child} IS 'Ω \u202e {triple}x{triple}';
CREATE INDEX {index} ON {child} ({unicode} DESC);
"""
HOSTILE_NAMES = {
    "enum": "None",
    "parent": "a.b",
    "pid": "i.d",
    "kw": "class",
    "meta": "metadata",
    "child": 'Order "Items"',
    "fk": "from",
    "unicode": "naïve 名前",
    "check": "%(x)s :bind",
    "index": "ix\\back",
}


def test_hostile_names_and_comments_round_trip(scratch_url, tmp_path):
    """A schema named like Python and SQLAlchemy syntax comes back unchanged from create_all."""
    names = {key: sql.Identifier(name).as_string() for key, name in HOSTILE_NAMES.items()}
    ddl = HOSTILE_DDL.format(triple='"' * 3, **names)
    result, diffs = round_trip(ddl, scratch_url, tmp_path)
    assert diffs == [], "\n".join(diffs) + "\n" + result.code
    compile(result.code, "<generated>", "exec")


# --- writing the file -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        pytest.param(".venv/lib/python3.12/site-packages/models.py", "dot-directory", id="venv"),
        pytest.param("app/.hidden/models.py", "dot-directory", id="dot-dir"),
        pytest.param(".github/models.py", "dot-directory", id="dot-github"),
        pytest.param("env/lib/site-packages/models.py", "installed packages", id="site-packages"),
        pytest.param("web/node_modules/x/models.py", "installed packages", id="node-modules"),
        pytest.param("Lib/Site-Packages/models.py", "installed packages", id="case-insensitive"),
        pytest.param("sitecustomize.py", "runs at every start", id="sitecustomize"),
        pytest.param("app/UserCustomize.py", "runs at every start", id="usercustomize"),
        pytest.param("evil.pth", "runs at every start", id="pth"),
        pytest.param("app/mod\x00els.py", "NUL character", id="nul"),
        pytest.param("../outside.py", "outside the project root", id="outside"),
        pytest.param("app/pkg.py", "is a directory", id="directory"),
    ],
)
def test_write_module_refuses_places_python_runs_by_itself(path, reason, tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "pkg.py").mkdir()  # a directory named like a module
    with pytest.raises(ConfigError, match=reason):
        write_module("x = 1\n", path, tmp_path, overwrite=True)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == []


def test_write_module_refuses_a_virtualenv_without_a_dot(tmp_path):
    venv = tmp_path / "env"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    with pytest.raises(ConfigError, match="inside the virtualenv"):
        write_module("x = 1\n", "env/lib/models.py", tmp_path, overwrite=False)
    assert not (venv / "lib").exists()


def test_write_module_refuses_symlinks_into_a_dot_directory(tmp_path):
    (tmp_path / ".venv").mkdir()
    (tmp_path / "models").symlink_to(tmp_path / ".venv")
    with pytest.raises(ConfigError, match=r"dot-directory '\.venv'"):
        write_module("x = 1\n", "models/generated.py", tmp_path, overwrite=False)


def test_write_module_writes_ordinary_project_paths(tmp_path):
    """The clean twin: a plain package path is written, then replaced only with overwrite."""
    written = write_module("x = 1\n", "app/db/models.py", tmp_path, overwrite=False)
    assert written == tmp_path / "app" / "db" / "models.py" and written.read_text() == "x = 1\n"
    with pytest.raises(ConfigError, match="already exists"):
        write_module("x = 2\n", "app/db/models.py", tmp_path, overwrite=False)
    write_module("x = 2\n", "app/db/models.py", tmp_path, overwrite=True)
    assert written.read_text() == "x = 2\n"


def test_generate_model_refuses_a_nul_in_the_path_clearly(ro, schema, tmp_path):
    with pytest.raises(ConfigError, match="NUL character"):
        generate_model(ro, schema=schema, path="mod\x00.py", project_root=tmp_path)


@pytest.mark.parametrize(
    ("column", "attribute"),
    [
        pytest.param("café", "caf", id="non-ascii-letter"),
        pytest.param("名前", "related", id="no-ascii-at-all"),
        pytest.param("²x", "x", id="superscript-digit"),
        pytest.param("2fa", "c_2fa", id="leading-digit"),
        pytest.param("registry", "registry_", id="declarative-registry"),
    ],
)
def test_field_names_are_ascii_identifiers_for_any_column(column, attribute):
    """A non-ASCII column once looped forever looking for a name; now it gets an ASCII one."""
    name = field_name(column, set(), set())
    assert name == attribute and name.isascii() and name.isidentifier()


@pytest.mark.parametrize(
    ("table", "cls"),
    [("none", "None_"), ("true", "True_"), ("falses", "False_"), ("名前", "Table")],
)
def test_class_names_are_never_python_keywords(table, cls):
    assert class_name(table) == cls


WIDE_TEXT = """
CREATE TABLE work_logs (id integer PRIMARY KEY, details text, category_id integer);
COMMENT ON TABLE work_logs IS '作業ログ\uff08必須\uff09\u2013 \u201cquoted\u201d \u00d7 2 {long}';
COMMENT ON COLUMN work_logs.category_id IS 'カテゴリID\uff08外部キー\uff09\uff08必須\uff09';
COMMENT ON COLUMN work_logs.details IS '{words}';
""".format(long="とても長いコメント" * 8, words=" ".join(["詳細説明"] * 30))


def test_wide_and_lookalike_characters_stay_exact_and_ruff_clean(scratch_url, tmp_path):
    """ruff counts a CJK character as two columns and flags full-width brackets or en dashes
    next to ASCII: the layout measures columns, literals escape them, docstrings use ASCII."""
    result, diffs = round_trip(WIDE_TEXT, scratch_url, tmp_path)
    assert diffs == [], "\n".join(diffs) + "\n" + result.code
    assert ruff_problems(result.code, tmp_path) == ""
    assert "\\uff08" in result.code and "作業ログ(必須)- " in result.code


def test_an_enum_named_like_a_builtin_type_round_trips_with_its_default(scratch_url, tmp_path):
    """`name` and `text` are pg_catalog types too: the enum and its default stay qualified."""
    ddl = (
        "CREATE TYPE public.name AS ENUM ('a', 'b');"
        "CREATE TABLE kinds (id integer PRIMARY KEY, kind public.name NOT NULL DEFAULT 'b')"
    )
    result, diffs = round_trip(ddl, scratch_url, tmp_path)
    assert diffs == [], "\n".join(diffs) + "\n" + result.code
    assert "'b'::public.name" in result.code
