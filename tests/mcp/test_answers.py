"""The answer contract (#10), read as Claude Code reads it: structuredContent alone.

Every tool's answer carries `notice` and `next_cursor`; every page stays within
PGARCHITECT_ANSWER_BUDGET whatever `detail` and `limit` say; the pages that follow `next_cursor`
put together equal the in-process result (no gaps, no duplicates, the same order); misspelled
arguments are refused naming the valid ones; a cursor used wrongly is a clear error.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from mcp import Client
from psycopg import sql
from pydantic import BaseModel

from server.app import build_server
from server.budget import dumps, join_pages
from server.compact import Compactor
from server.config import load_settings
from server.db import read_only_transaction
from server.demo import load_sample
from tests.conftest import SHARED, run_ddl
from tests.mcp.conftest import first_text

ENVELOPE = ("notice", "next_cursor", "continued")
CORPUS = SHARED / "corpus" / "specs"
BIG_TABLES = 400


@asynccontextmanager
async def served(pg_url: str, root: Path, budget: int | None = None) -> AsyncIterator[Client]:
    """An in-memory client of a server on pg_url, its project root `root`."""
    env = {"DATABASE_URL": pg_url}
    if budget is not None:
        env["PGARCHITECT_ANSWER_BUDGET"] = str(budget)
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        server = build_server(load_settings(project_root=root))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key)
            else:
                os.environ[key] = value
    async with Client(server, read_timeout_seconds=120) as client:
        yield client


async def walk(client: Client, tool: str, arguments: dict[str, Any], budget: int) -> list[dict]:
    """Every page of one answer, following next_cursor, each checked against the contract."""
    pages: list[dict] = []
    while True:
        given = dict(arguments, **({"cursor": pages[-1]["next_cursor"]} if pages else {}))
        result = await client.call_tool(tool, given)
        text = first_text(result)
        assert not result.is_error, text
        page = result.structured_content
        assert "notice" in page and "next_cursor" in page, sorted(page)
        assert text == dumps(page)  # the text block is the same compact JSON
        assert len(text) <= budget, (len(pages), len(text))
        pages.append(page)
        if page["next_cursor"] is None:
            return pages
        assert page["notice"] and page["next_cursor"] in page["notice"], page["notice"]
        assert len(pages) < 2_000, "the pages never end"


def without_envelope(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in answer.items() if key not in ENVELOPE}


def compacted(result: BaseModel) -> dict[str, Any]:
    """The in-process result as the server sends it whole: compact JSON, defaults left out."""
    schema = type(result).model_json_schema(by_alias=True, mode="serialization")
    data = result.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return without_envelope(json.loads(dumps(Compactor(schema).compact(data))))


@pytest.fixture(scope="module")
def big_schema(admin: psycopg.Connection) -> Iterator[str]:
    """400 tables of 11 columns, each with two foreign keys (one unindexed) and two indexes
    besides its key."""
    name = "t_answers_big"
    admin.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))
    admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    ddl = ["CREATE TABLE orgs (id bigint PRIMARY KEY, name text NOT NULL);"]
    for i in range(BIG_TABLES):
        ddl.append(
            f"CREATE TABLE item_{i:04d} (id bigint PRIMARY KEY, org_id bigint NOT NULL "
            "REFERENCES orgs (id) ON DELETE CASCADE, title text NOT NULL, body text, "
            "status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')), "
            "amount numeric(12,2), due date, created_at timestamptz NOT NULL DEFAULT now(), "
            "tags text[], meta jsonb, reviewer_org bigint REFERENCES orgs (id));"
            f"CREATE INDEX item_{i:04d}_org ON item_{i:04d} (org_id, created_at);"
            f"CREATE UNIQUE INDEX item_{i:04d}_title ON item_{i:04d} (org_id, title);"
        )
    for start in range(0, len(ddl), 100):  # a few transactions: one would run out of locks
        run_ddl(admin, name, "".join(ddl[start : start + 100]))
    try:
        yield name
    finally:
        for start in range(0, BIG_TABLES, 100):
            tables = [sql.Identifier(name, f"item_{i:04d}") for i in range(start, start + 100)]
            admin.execute(sql.SQL("DROP TABLE {}").format(sql.SQL(", ").join(tables)))
        admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def in_process_reflection(pg_url: str, schema: str, **arguments: Any):
    from tools.catalog.reflect import reflect_database

    with psycopg.connect(pg_url) as conn, read_only_transaction(conn) as tx:
        return reflect_database(tx, schema, **arguments)


@pytest.mark.parametrize("budget", [60_000, 15_000], ids=["default-budget", "small-budget"])
async def test_reflect_pages_put_together_are_the_in_process_answer(
    pg_url, big_schema, tmp_path, budget
):
    async with served(pg_url, tmp_path, budget) as client:
        pages = await walk(
            client, "reflect_database", {"schema": big_schema, "detail": "full"}, budget
        )
    assert len(pages) > 3 and pages[-1]["notice"] is None
    assert all(
        page["notice"].startswith(f"Page {n} of {len(pages)} ")
        for n, page in enumerate(pages[:-1], 1)
    )
    joined = join_pages(pages)
    names = [table["name"] for table in joined["tables"]]
    assert len(names) == len(set(names)) == BIG_TABLES + 1  # no gap, no duplicate
    expected = in_process_reflection(pg_url, big_schema, detail="full")
    assert names == [table.name for table in expected.tables]  # the same order
    assert without_envelope(joined) == compacted(expected)


def in_process(pg_url: str, root: Path, tool: str, arguments: dict[str, Any]) -> BaseModel:
    """What the tool returns called as a plain function, with what the server fills in."""
    from tools import codegen, indexes, isolation

    calls: dict[str, Callable[..., BaseModel]] = {
        "validate_isolation": isolation.validate_isolation,
        "suggest_indexes": indexes.suggest_indexes,
        "generate_model": lambda conn, **kw: codegen.generate_model(conn, project_root=root, **kw),
    }
    with psycopg.connect(pg_url) as conn, read_only_transaction(conn) as tx:
        return calls[tool](tx, **arguments)


@pytest.mark.parametrize("tool", ["validate_isolation", "suggest_indexes", "generate_model"])
async def test_pages_of_schema_wide_tools_put_together_are_the_in_process_answer(
    pg_url, big_schema, tmp_path, tool
):
    budget = 10_000
    arguments: dict[str, Any] = {"schema": big_schema}
    if tool == "suggest_indexes":
        arguments["max_indexes"] = 1_000  # every table's unindexed foreign key
    async with served(pg_url, tmp_path, budget) as client:
        pages = await walk(client, tool, arguments, budget)
    expected = compacted(in_process(pg_url, tmp_path, tool, arguments))
    assert len(pages) > 3  # a wide report: 400 tables each with a finding or a class
    assert without_envelope(join_pages(pages)) == expected


@pytest.mark.parametrize("detail", ["full", "auto", "summary"])
@pytest.mark.parametrize("limit", [None, 7, 50, 1_000])
async def test_every_page_is_within_the_budget_whatever_detail_and_limit(
    pg_url, big_schema, tmp_path, detail, limit
):
    budget = 20_000
    arguments: dict[str, Any] = {"schema": big_schema, "detail": detail}
    if limit is not None:
        arguments["limit"] = limit
    async with served(pg_url, tmp_path, budget) as client:
        # The tool's own pages (limit) hand their next_cursor on the last page cut from them.
        pages = await walk(client, "reflect_database", arguments, budget)
    seen: list[str] = []
    for page in pages:
        rows = page.get("tables") or page.get("summary") or []
        goes_on = page.get("continued", [])[1:2] == ["[]"]  # its first table began before
        seen += [row["name"] for row in rows[1 if goes_on else 0 :]]
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == BIG_TABLES + 1
    if limit is not None and limit < BIG_TABLES + 1:
        assert any("stopped at its own limit" in (page["notice"] or "") for page in pages)


def corpus_specs() -> list[Path]:
    return sorted(CORPUS.glob("*.md")) if CORPUS.is_dir() else []


@pytest.mark.skipif(not corpus_specs(), reason="the shared spec corpus is not here")
async def test_every_corpus_spec_fits_whole_in_one_default_answer(pg_url):
    async with served(pg_url, CORPUS) as client:
        for path in corpus_specs():
            result = await client.call_tool("read_schema_spec", {"path": path.name})
            assert not result.is_error, (path.name, first_text(result))
            page = result.structured_content
            assert page["next_cursor"] is None and page["notice"] is None, path.name
            assert len(first_text(result)) <= 60_000


@pytest.mark.skipif(not corpus_specs(), reason="the shared spec corpus is not here")
async def test_read_schema_spec_pages_put_together_are_the_in_process_spec(pg_url):
    from tools.spec import read_schema_spec

    path = max(corpus_specs(), key=lambda p: p.stat().st_size)
    default = CORPUS / "absent.md"
    expected = read_schema_spec(path.name, project_root=CORPUS, default_path=default)
    budget = 5_000
    async with served(pg_url, CORPUS, budget) as client:
        arguments = {"path": path.name, "include_text": True}
        pages = await walk(client, "read_schema_spec", arguments, budget)
    expected_text = read_schema_spec(
        path.name, project_root=CORPUS, default_path=default, include_text=True
    )
    assert len(pages) > 3
    joined = without_envelope(join_pages(pages))
    names = [entity["name"] for entity in joined["entities"]]
    assert names == [entity.name for entity in expected.entities]
    assert joined == compacted(expected_text)


@pytest.fixture
def sample(pg_url: str, schema: str) -> str:
    load_sample(pg_url, schema)
    return schema


def every_tool_call(schema: str) -> dict[str, dict[str, Any]]:
    query = f"SELECT id, title FROM {schema}.tasks WHERE org_id = $1 AND status = 'todo'"
    return {
        "read_schema_spec": {},
        "reflect_database": {"schema": schema},
        "compare_spec_to_database": {"schema": schema},
        "validate_isolation": {"schema": schema},
        "suggest_indexes": {"schema": schema, "queries": [query]},
        "explain_query": {"sql": query, "schema": schema},
        "generate_model": {"schema": schema},
        "review_models": {"schema": schema},
    }


async def test_every_tool_answer_carries_notice_and_next_cursor(connect, sample):
    async with connect() as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        calls = every_tool_call(sample)
        assert listed == set(calls)
        for tool, arguments in calls.items():
            result = await client.call_tool(tool, arguments)
            assert not result.is_error, (tool, first_text(result))
            page = result.structured_content
            assert page["notice"] is None or isinstance(page["notice"], str), tool
            assert "next_cursor" in page and page["next_cursor"] is None, tool
            assert first_text(result) == dumps(page), tool


@pytest.mark.parametrize(
    ("tool", "wrong", "closest"),
    [
        pytest.param("reflect_database", "table", "tables", id="reflect_database"),
        pytest.param("read_schema_spec", "pth", "path", id="read_schema_spec"),
        pytest.param("compare_spec_to_database", "schemas", "schema", id="compare"),
        pytest.param("validate_isolation", "tenant_col", "tenant_column", id="isolation"),
        pytest.param("suggest_indexes", "query", "queries", id="suggest_indexes"),
        pytest.param("explain_query", "analyse", "analyze", id="explain_query"),
        pytest.param("generate_model", "sources", "source", id="generate_model"),
        pytest.param("review_models", "path", "paths", id="review_models"),
    ],
)
async def test_a_misspelled_argument_is_refused_naming_the_valid_ones(
    pg_url, tmp_path, tool, wrong, closest
):
    async with served(pg_url, tmp_path) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        valid = sorted(tools[tool].input_schema["properties"])
        assert tools[tool].input_schema.get("additionalProperties") is False
        result = await client.call_tool(tool, {wrong: "x"})
    text = first_text(result)
    assert result.is_error and result.structured_content is None
    assert f"unknown argument {wrong!r}; did you mean {closest!r}?" in text
    assert text.endswith(f"{tool} takes {', '.join(valid)}") and "\n" not in text


async def test_unknown_arguments_without_a_close_one_list_what_the_tool_takes(pg_url, tmp_path):
    async with served(pg_url, tmp_path) as client:
        result = await client.call_tool("explain_query", {"sql": "SELECT 1", "zzz": 1, "qqq": 2})
    text = first_text(result)
    assert result.is_error
    assert text.startswith("explain_query: unknown argument 'zzz'; unknown argument 'qqq'; ")
    assert "explain_query takes analyze, cursor, schema, sql" in text


async def test_a_cursor_used_wrongly_is_a_clear_error(pg_url, admin, schema, tmp_path):
    run_ddl(
        admin,
        schema,
        "".join(f"CREATE TABLE t{i:03d} (id int PRIMARY KEY, note text);" for i in range(120)),
    )
    arguments = {"schema": schema, "detail": "full"}
    async with served(pg_url, tmp_path, 5_000) as client:
        first = (await client.call_tool("reflect_database", arguments)).structured_content
        cursor = first["next_cursor"]
        assert cursor and first["notice"]

        other = await client.call_tool("reflect_database", {"schema": schema, "cursor": cursor})
        assert other.is_error and "belongs to a reflect_database call with other arguments" in (
            first_text(other)
        )
        made_up = await client.call_tool(
            "reflect_database", dict(arguments, cursor="A" * 16 + ".2")
        )
        assert made_up.is_error and "unknown or has expired" in first_text(made_up)
        elsewhere = await client.call_tool(
            "validate_isolation", {"schema": schema, "cursor": cursor}
        )
        assert elsewhere.is_error and "call validate_isolation again without cursor" in (
            first_text(elsewhere)
        )

        # DDL elsewhere (a temporary table, another schema) leaves the pages valid.
        admin.execute("CREATE TEMPORARY TABLE scratch_elsewhere (id int)")
        admin.execute("DROP TABLE scratch_elsewhere")
        time.sleep(1.1)  # past the fingerprint's trust window
        second = await client.call_tool("reflect_database", dict(arguments, cursor=cursor))
        assert not second.is_error, first_text(second)

        run_ddl(admin, schema, "ALTER TABLE t000 ADD COLUMN added int")  # the schema changes
        time.sleep(1.1)  # past the fingerprint's trust window
        changed = await client.call_tool("reflect_database", dict(arguments, cursor=cursor))
        text = first_text(changed)
        assert changed.is_error and "changed since this answer was cut into pages" in text
        assert "call reflect_database again without cursor" in text
        again = await walk(client, "reflect_database", arguments, 5_000)
    columns = {c["name"] for c in join_pages(again)["tables"][0]["columns"]}
    assert "added" in columns


async def test_spec_tools_take_tables_to_narrow_the_answer(connect, sample):
    async with connect() as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        for name in (
            "read_schema_spec",
            "reflect_database",
            "compare_spec_to_database",
            "validate_isolation",
            "suggest_indexes",
            "generate_model",
        ):
            assert "tables" in tools[name].input_schema["properties"], name
        spec = await client.call_tool("read_schema_spec", {"tables": ["task*"]})
        assert [e["name"] for e in spec.structured_content["entities"]] == ["tasks", "task_tags"]
        drift = await client.call_tool(
            "compare_spec_to_database", {"schema": sample, "tables": ["tasks"]}
        )
        assert not drift.is_error, first_text(drift)
        objects = {f["object"] for f in drift.structured_content.get("findings", [])}
        assert all(o.startswith(f"{sample}.tasks") for o in objects), objects
        report = await client.call_tool(
            "validate_isolation", {"schema": sample, "tables": ["task*"]}
        )
        assert [t["table"] for t in report.structured_content["tables"]] == [
            f"{sample}.task_tags",
            f"{sample}.tasks",
        ]
        missing = await client.call_tool("read_schema_spec", {"tables": ["invoice*"]})
        assert missing.is_error and "tables here: " in first_text(missing)
