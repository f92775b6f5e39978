"""Metamorphic tests of the spec reader: rewritings of our own specs must read the same schema.

Each spec of tests/specs (pinned by its .expected.json) is rewritten the ways real specs differ
(`tests/spec_rewrites.py`): a title of any words, a preamble, headings a level deeper, a wrapper
section, sections reordered, numbered headings, table names in backticks or bold or after
"Table:", CRLF, table headers in another language, constraints in the description. The tables,
their columns (name and type) and foreign keys read must not change. A failure is a class of
spec the reader misses: fix it in tools/spec/readers, never for one file (#12).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from tests import spec_rewrites as rw
from tools.spec.model import SchemaSpec
from tools.spec.read import parse_spec

SPECS = sorted((Path(__file__).parent / "specs").glob("*.md"))
IDS = [p.stem for p in SPECS]
CHECK = settings(max_examples=12, deadline=None, derandomize=True, database=None)

TITLE_WORDS = st.sampled_from(
    [
        "Tenancy",
        "multi-tenant",
        "Tenant isolation",
        "Isolation",
        "RLS",
        "Row Level Security",
        "Security",
        "pgarchitect",
        "TaskFlow",
        "🚀",
        "📊 Data",
        "(v2)",
        "(draft)",
        "Database",
        "Schema",
        "Design",
        "Tables",
        "Models",
        "Relationships",
        "Indexes",
        "Future",
        "API",
        "Functions and views",
        "Examples",
        "&",
        "—",
    ]
)
TITLES = st.lists(TITLE_WORDS, min_size=1, max_size=5).map(" ".join)
PREAMBLES = st.sampled_from(
    [
        "This document describes the database of TaskFlow, a multi-tenant application.",
        "Tenant isolation is enforced with row level security on every table.",
        "Status: draft. Owner: the platform team. Last reviewed 2024-05-01.",
        "> **Note**: names are snake_case; every table lives in the `public` schema.",
        "- Version: 2\n- Author: the platform team",
        "The tables below use PostgreSQL 15 (see the security and API sections).",
    ]
)
WRAPPERS = st.sampled_from(
    [
        *("Tables", "Entities", "Models", "Data model", "Database tables", "Core tables"),
        *("Domain model", "Modelo de datos", "Modello dei dati", "Modèle de données"),
        *("Datenmodell", "Modelo de dados", "データモデル", "数据模型", "ڈیٹا ماڈل"),
    ]
)
NUMBER_TOP = st.sampled_from(["{n}. ", "{n}) ", "{n} "])
NUMBER_SUB = st.sampled_from(["{n}.{m} ", "{n}.{m}. "])
NAME_STYLES = st.sampled_from(
    [
        "`{name}`",
        "**{name}**",
        "Table: {name}",
        "Table: `{name}`",
        "`{name}` table",
        "{name} table",
        "Table {name}",
        "{pascal}",
        "{pascal} table",
        "The {name} table",
        "{pascal} (`{name}`)",
        "`{name}` — what it holds",
        "{pascal} — what it holds",
        "{name} - what it holds",
        "{pascal} {{#{name}}}",
        "{pascal} [core]",
        "{name} (core)",
        "📦 {name}",
    ]
)
FOLDS = st.sampled_from(["{d} ({c})", "{c}. {d}", "{d}; {c}", "{c} - {d}"])


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def shape(spec: SchemaSpec) -> dict[str, Any]:
    """What a rewriting must keep: tables (current, future, external), columns, types and FKs."""

    def tables(entities: list[Any]) -> dict[str, list[tuple[Any, ...]]]:
        # Sorted: sections reordered may merge a table defined twice in another order.
        return {
            e.name: sorted(
                (
                    c.name,
                    c.pg_type,
                    (c.references.table, c.references.column or "id") if c.references else None,
                )
                for c in e.columns
            )
            for e in entities
        }

    return {
        "tables": tables(spec.entities),
        "future": tables(spec.future),
        "external": sorted(spec.external_tables),
    }


def _names(path: Path) -> set[str]:
    spec = parse_spec(_read(path), path.name)
    return {e.name for e in spec.entities + spec.future}


# name -> (rewrite(doc, path, argument), the strategy of its argument)
REWRITES: dict[str, tuple[Callable[[rw.Doc, Path, Any], rw.Doc], st.SearchStrategy[Any]]] = {
    "title": (lambda doc, _p, words: rw.retitle(doc, words), TITLES),
    "preamble": (lambda doc, _p, text: rw.preamble(doc, text), PREAMBLES),
    "shift": (lambda doc, _p, _none: rw.shift(doc), st.none()),
    "wrapper": (lambda doc, _p, word: rw.wrap(doc, word), WRAPPERS),
    "reorder": (lambda doc, _p, order: rw.reorder(doc, order), st.permutations(range(8))),
    "numbered": (
        lambda doc, _p, styles: rw.number(doc, *styles),
        st.tuples(NUMBER_TOP, NUMBER_SUB),
    ),
    "names": (lambda doc, p, style: rw.name_style(doc, _names(p), style), NAME_STYLES),
    "headers": (
        lambda doc, _p, choice: rw.translate_headers(doc, *choice),
        st.tuples(st.sampled_from(sorted(rw.TRANSLATIONS)), st.integers(0, 3)),
    ),
    "folded": (lambda doc, _p, style: rw.constraints_in_description(doc, style), FOLDS),
    "contents": (
        lambda doc, _p, title: rw.contents(doc, title),
        st.sampled_from(["Table of contents", "Contents", "Index", "TOC"]),
    ),
    "rules": (lambda doc, _p, _none: rw.rules(doc), st.none()),
    "table-style": (
        lambda doc, _p, style: rw.table_style(doc, *style),
        st.tuples(st.booleans(), st.sampled_from(["---", ":---", ":---:", "---:", "--"])),
    ),
    "bullets": (lambda doc, _p, marker: rw.bullets(doc, marker), st.sampled_from(["*", "+", "1."])),
    "code-names": (lambda doc, _p, mark: rw.code_names(doc, mark), st.sampled_from(["`", "**"])),
}


def rewrite(path: Path, steps: list[tuple[str, Any]], newline: str = "\n") -> str:
    """The spec's text after the rewritings `steps` ((name, argument) pairs), in order."""
    doc = rw.split_doc(_read(path))
    for kind, argument in steps:
        doc = REWRITES[kind][0](doc, path, argument)
    return rw.join_doc(doc, newline)


def _check(path: Path, text: str) -> None:
    expected = shape(parse_spec(_read(path), path.name))
    got = shape(parse_spec(text, path.name))
    assert got == expected, text


@pytest.mark.parametrize("kind", sorted(REWRITES))
@pytest.mark.parametrize("path", SPECS, ids=IDS)
@CHECK
@given(data=st.data())
def test_one_rewriting_keeps_the_schema(path: Path, kind: str, data: st.DataObject) -> None:
    _check(path, rewrite(path, [(kind, data.draw(REWRITES[kind][1]))]))


@pytest.mark.parametrize("path", SPECS, ids=IDS)
def test_crlf_keeps_the_schema(path: Path) -> None:
    _check(path, rewrite(path, [], "\r\n"))


@pytest.mark.parametrize("path", SPECS, ids=IDS)
@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(data=st.data())
def test_rewritings_together_keep_the_schema(path: Path, data: st.DataObject) -> None:
    kinds = data.draw(
        st.lists(st.sampled_from(sorted(REWRITES)), min_size=2, max_size=5, unique=True)
    )
    steps = [(kind, data.draw(REWRITES[kind][1])) for kind in kinds]
    _check(path, rewrite(path, steps, data.draw(st.sampled_from(["\n", "\r\n"]))))


# --- the tests can fail ---------------------------------------------------------------------


def test_split_and_join_give_the_spec_back() -> None:
    for path in SPECS:
        assert rewrite(path, []) == _read(path).replace("\r\n", "\n"), path.name


@pytest.mark.parametrize("kind", sorted(REWRITES))
def test_each_rewriting_changes_some_spec(kind: str) -> None:
    """A rewriting that never changes the text would test nothing."""
    find(
        st.tuples(st.sampled_from(SPECS), REWRITES[kind][1]),
        lambda case: rewrite(case[0], [(kind, case[1])]) != rewrite(case[0], []),
        settings=settings(database=None, derandomize=True),
    )


@pytest.mark.parametrize(
    "planted",
    [
        pytest.param(lambda t: t.replace("- display_name: string\n", ""), id="column-dropped"),
        pytest.param(lambda t: t.replace("users.id", "accounts.id"), id="fk-retargeted"),
        pytest.param(lambda t: t.replace("## tasks", "## todo_items"), id="table-renamed"),
        pytest.param(lambda t: t.replace("varchar(200)", "text"), id="type-changed"),
    ],
)
def test_shape_sees_a_planted_change(planted: Any) -> None:
    path = next(p for p in SPECS if p.name.startswith("01-"))
    with pytest.raises(AssertionError):
        _check(path, planted(_read(path)))
