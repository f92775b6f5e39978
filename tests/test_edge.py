"""The MCP error edge on real failures (issue #13): every error one sentence of its own kind.

Out-of-memory (53), stack-depth and chr() errors (54) come as psycopg OperationalErrors, like a
lost connection: they were told "database connection problem … check DATABASE_URL". A NUL in a
path, a symlink loop or a name too long was "internal error (ValueError)"; an exhausted pool said
"cannot connect". Each is triggered for real here, and a real lost connection is the twin that
must still be called one.
"""

from __future__ import annotations

import ast
import json
import re
import time

import anyio
import psycopg
import pytest
from mcp import Client

from server.app import build_server
from server.config import load_settings
from server.edge import message_for
from tests.conftest import run_ddl
from tests.mcp.conftest import first_text
from tools.errors import ConfigError
from tools.review import review_models
from tools.spec import read_schema_spec

NOT_A_CONNECTION_PROBLEM = ("connection problem", "DATABASE_URL", "cannot connect", "unexpected")


@pytest.fixture
def settings(pg_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", pg_url)
    return load_settings(project_root=tmp_path)


def _raised(conn: psycopg.Connection, *statements: str) -> psycopg.Error:
    """The error the server raises for the last statement (run in one transaction)."""
    try:
        with conn.transaction():
            for statement in statements:
                conn.execute(statement)  # trusted test SQL
    except psycopg.Error as err:
        return err
    raise AssertionError(f"no error from {statements[-1]!r}")


RECURSIVE = (
    "CREATE FUNCTION {schema}.deeper(int) RETURNS int LANGUAGE sql"
    " AS 'SELECT {schema}.deeper($1 + 1)'"
)
OUT_OF_MEMORY = (
    "DO $$BEGIN RAISE EXCEPTION USING ERRCODE = '53200', MESSAGE = 'out of memory'; END$$"
)


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        pytest.param(
            [OUT_OF_MEMORY],
            "ran out of resources (SQLSTATE 53200 (out_of_memory)",
            id="out-of-memory",
        ),
        pytest.param(
            [
                "SET LOCAL work_mem = '64kB'",
                "SET LOCAL temp_file_limit = '64kB'",
                "SELECT g FROM generate_series(1, 200000) g ORDER BY g DESC",
            ],
            "ran out of resources (SQLSTATE 53400 (configuration_limit_exceeded)",
            id="temp-file-limit",
        ),
        pytest.param(
            ["SELECT {schema}.deeper(1)"],
            "hit one of its limits (SQLSTATE 54001 (statement_too_complex): stack depth limit",
            id="stack-depth",
        ),
        pytest.param(
            ["SELECT chr(1114112 + 7)"],
            "hit one of its limits (SQLSTATE 54000 (program_limit_exceeded): requested character"
            " too large for encoding: …",
            id="chr",
        ),
    ],
)
def test_database_limits_are_not_called_connection_problems(
    admin, ddl, schema, settings, statements, expected
):
    ddl(RECURSIVE.format(schema=schema))
    err = _raised(admin, *(s.format(schema=schema) for s in statements))
    assert isinstance(err, psycopg.OperationalError)  # the class a lost connection has too
    message = message_for(err, "explain_query", settings)
    assert expected in message, message
    assert not any(word in message for word in NOT_A_CONNECTION_PROBLEM), message
    assert "1114119" not in message  # the number chr() was given is data


def test_a_lost_connection_is_still_called_one(admin, pg_url, settings):
    with psycopg.connect(pg_url, autocommit=True) as doomed:
        admin.execute("SELECT pg_terminate_backend(%s)", (doomed.info.backend_pid,))
        time.sleep(0.2)
        with pytest.raises(psycopg.OperationalError) as caught:
            doomed.execute("SELECT 1")
    message = message_for(caught.value, "reflect_database", settings)
    assert "database connection problem" in message and "the next call reconnects" in message


def test_a_nul_psycopg_refuses_to_send_is_an_input_error(admin, settings):
    with pytest.raises(psycopg.DataError) as caught:
        admin.execute("SELECT %s::text", ("app\x00victim",))
    message = message_for(caught.value, "reflect_database", settings)
    assert "an argument holds a NUL character" in message
    assert "database refused" not in message


def test_deep_nesting_and_parser_memory_are_sentences_not_internal_errors(settings):
    with pytest.raises(RecursionError) as nested:
        json.loads("[" * 100_000 + "]" * 100_000)
    assert "nested too deeply" in message_for(nested.value, "read_schema_spec", settings)
    with pytest.raises(MemoryError) as parser:  # CPython's parser on 100,000 unary minuses
        ast.parse("x = " + "-" * 100_000 + "1")
    assert "ran out of memory" in message_for(parser.value, "review_models", settings)


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        pytest.param("specs/sch\x00ema.md", "contains a NUL character", id="nul"),
        pytest.param("specs/loop.md", "cannot be resolved (a symlink loop)", id="symlink-loop"),
        pytest.param("a" * 10_000 + ".md", "cannot be resolved (file name too long)", id="long"),
    ],
)
def test_paths_that_cannot_be_resolved_are_config_errors(tmp_path, path, problem):
    (tmp_path / "specs").mkdir()
    for name in ("loop.md", "loop.py"):
        (tmp_path / "specs" / name).symlink_to(tmp_path / "specs" / name)
    with pytest.raises(ConfigError, match=re.escape(problem)) as spec:
        read_schema_spec(path, project_root=tmp_path, default_path=tmp_path / "schema.md")
    assert len(str(spec.value)) < 600  # a 10 KB name is cut when shown
    with pytest.raises(ConfigError, match=re.escape(problem)):
        review_models(
            None, paths=[path.replace(".md", ".py")], against=["spec"], project_root=tmp_path
        )


DEEP_CHECK_TERMS = 12_000  # parses with max_stack_depth = 7MB, not deparsed with the default 2MB


async def test_a_definition_too_deep_to_print_is_a_database_limit_over_mcp(
    admin, schema, pg_url, tmp_path, monkeypatch
):
    expression = "x" + " + 1" * DEEP_CHECK_TERMS
    try:
        admin.execute("SET max_stack_depth = '7MB'")
    except psycopg.Error as err:  # the server's stack rlimit is lower
        pytest.skip(f"max_stack_depth cannot be raised here: {err}")
    try:
        run_ddl(admin, schema, f"CREATE TABLE deep (x int CHECK ({expression} > 0))")
    finally:
        admin.execute("RESET max_stack_depth")
    monkeypatch.setenv("DATABASE_URL", pg_url)
    async with Client(build_server(load_settings(project_root=tmp_path))) as client:
        result = await client.call_tool("reflect_database", {"schema": schema})
        again = await client.call_tool("explain_query", {"sql": "SELECT 1"})
    text = first_text(result)
    assert result.is_error and "SQLSTATE 54001 (statement_too_complex)" in text, text
    assert "pass tables=[...]" in text
    assert not any(word in text for word in NOT_A_CONNECTION_PROBLEM), text
    assert not again.is_error  # the server and its pool carry on


async def test_an_exhausted_pool_says_the_server_is_busy_over_mcp(
    admin, schema, pg_url, tmp_path, monkeypatch
):
    run_ddl(admin, schema, "CREATE VIEW slow AS SELECT pg_sleep(6)::text AS s")
    for name, value in {
        "DATABASE_URL": pg_url,
        "PGARCHITECT_POOL_MAX_SIZE": "1",
        "PGARCHITECT_CONNECT_TIMEOUT": "1",
        "PGARCHITECT_CONNECT_RETRIES": "0",
        "PGARCHITECT_ALLOW_ANALYZE": "on",
    }.items():
        monkeypatch.setenv(name, value)
    texts: dict[str, tuple[bool, str]] = {}
    async with Client(build_server(load_settings(project_root=tmp_path))) as client:

        async def call(key: str, tool: str, arguments: dict) -> None:
            result = await client.call_tool(tool, arguments)
            texts[key] = (result.is_error, first_text(result))

        await client.call_tool("explain_query", {"sql": "SELECT 1"})  # the pool holds one
        async with anyio.create_task_group() as group:
            group.start_soon(
                call,
                "slow",
                "explain_query",
                {"sql": f'SELECT * FROM "{schema}".slow', "analyze": True},
            )
            await anyio.sleep(0.5)
            group.start_soon(call, "second", "reflect_database", {"schema": schema})
    failed, text = texts["second"]
    assert failed and "all 1 database connections are busy" in text, text
    assert "PGARCHITECT_POOL_MAX_SIZE" in text and "cannot connect" not in text
    assert texts["slow"][0] is False  # the call holding the connection finished
