"""The server through a real MCP client: in-memory, over stdio and over HTTP."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_ddl
from tests.mcp.conftest import first_text, prompt_text

EXPECTED_TOOLS = {
    "read_schema_spec",
    "reflect_database",
    "compare_spec_to_database",
    "validate_isolation",
    "suggest_indexes",
    "explain_query",
    "generate_model",
    "review_models",
}
# generate_model writes a file under the project root when asked to (path=...), and replaces
# one with overwrite=true: it is the only tool neither read-only nor safe from destruction.
WRITES_FILES = {"generate_model"}


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_lists_read_only_tools_with_output_schemas(connect, mode):
    async with connect(mode) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) >= EXPECTED_TOOLS
    for tool in tools.values():
        assert tool.annotations.read_only_hint is (tool.name not in WRITES_FILES)
        assert tool.annotations.destructive_hint is (tool.name in WRITES_FILES)
        assert tool.output_schema and tool.output_schema["type"] == "object"
        assert len(tool.description) > 80


async def test_reflect_database_returns_structured_content(connect, admin, schema):
    run_ddl(admin, schema, "CREATE TABLE account (id int PRIMARY KEY, name text NOT NULL)")
    async with connect() as client:
        result = await client.call_tool("reflect_database", {"schema": schema})
    assert not result.is_error
    (table,) = result.structured_content["tables"]
    assert table["name"] == "account" and table["primary_key"]["columns"] == ["id"]
    assert '"name":"account"' in first_text(result)


async def test_unknown_schema_is_a_tool_error_listing_schemas(connect, schema):
    async with connect() as client:
        result = await client.call_tool("reflect_database", {"schema": "missing_schema"})
    assert result.is_error
    text = first_text(result)
    assert "unknown schema 'missing_schema'" in text and schema in text
    assert "Traceback" not in text


async def test_bad_argument_type_is_a_one_line_tool_error(connect):
    async with connect() as client:
        result = await client.call_tool("reflect_database", {"limit": "many", "detail": "x"})
    text = first_text(result)
    assert result.is_error and text.startswith("invalid arguments for reflect_database: ")
    assert "limit: Input should be a valid integer" in text and "(got 'x')" in text
    assert "\n" not in text and "errors.pydantic.dev" not in text


async def test_resources_and_prompts_are_served(connect):
    async with connect() as client:
        uris = {str(r.uri) for r in (await client.list_resources()).resources}
        assert {"pgarchitect://checklist", "pgarchitect://spec"} <= uris
        spec = await client.read_resource("pgarchitect://spec")
        assert "Taskly" in spec.contents[0].text
        prompts = {p.name for p in (await client.list_prompts()).prompts}
        assert {"review_schema", "design_table"} <= prompts
        prompt = await client.get_prompt("review_schema", {"schema": "public"})
        steps = prompt_text(prompt)
        assert "validate_isolation" in steps and "6. review_models(schema='public')" in steps
        templates = (await client.list_resource_templates()).resource_templates
        assert [t.uri_template for t in templates] == ["pgarchitect://schema/{schema}"]


async def test_unreachable_database_is_a_masked_error_and_the_server_keeps_serving(
    monkeypatch, tmp_path
):
    from mcp import Client

    from server.app import build_server
    from server.config import load_settings

    monkeypatch.setenv("DATABASE_URL", "postgresql://app:hunter2@127.0.0.1:1/db")
    monkeypatch.setenv("PGARCHITECT_CONNECT_TIMEOUT", "1")
    monkeypatch.setenv("PGARCHITECT_CONNECT_RETRIES", "0")
    server = build_server(load_settings(project_root=tmp_path))
    async with Client(server) as client:
        for _ in range(2):
            result = await client.call_tool("reflect_database", {})
            text = first_text(result)
            assert result.is_error and "hunter2" not in text
            assert "app:***@127.0.0.1:1" in text and "DATABASE_URL" in text
        assert (await client.list_tools()).tools


async def test_explain_query_refuses_a_write_smuggled_in(connect, admin, schema):
    run_ddl(admin, schema, "CREATE TABLE victim (id int)")
    async with connect() as client:
        result = await client.call_tool(
            "explain_query", {"sql": f'SELECT 1; DROP TABLE "{schema}".victim'}
        )
        assert result.is_error and "Traceback" not in first_text(result)
        ok = await client.call_tool("explain_query", {"sql": f'SELECT * FROM "{schema}".victim'})
    assert not ok.is_error and ok.structured_content["total_cost"] >= 0
    assert admin.execute(f'SELECT count(*) FROM "{schema}".victim').fetchone() == (0,)


async def test_spec_tools_read_the_project_spec_and_refuse_paths_outside(connect, admin, schema):
    run_ddl(admin, schema, "CREATE TABLE organizations (id uuid PRIMARY KEY)")
    async with connect() as client:
        spec = await client.call_tool("read_schema_spec", {})
        assert not spec.is_error
        names = {e["name"] for e in spec.structured_content["entities"]}
        assert {"organizations", "tasks", "task_tags"} <= names
        escape = await client.call_tool("read_schema_spec", {"path": "../../../etc/passwd"})
        assert escape.is_error and "outside the project root" in first_text(escape)
        drift = await client.call_tool("compare_spec_to_database", {"schema": schema})
        assert not drift.is_error
        missing = {f["object"] for f in drift.structured_content["findings"]}
        assert f"{schema}.tasks" in missing
        code = await client.call_tool("generate_model", {"source": "spec"})
        assert (
            not code.is_error
            and "class Task(SQLModel, table=True)" in (code.structured_content["code"])
        )


async def test_a_report_larger_than_the_budget_comes_in_pages_with_a_notice(
    admin, schema, pg_url, monkeypatch, tmp_path
):
    from mcp import Client

    from server.app import build_server
    from server.budget import join_pages
    from server.config import load_settings

    tables = "".join(
        f"CREATE TABLE t{i:03d} (id int PRIMARY KEY, name text UNIQUE,"
        " org_id uuid REFERENCES orgs (id));"
        for i in range(150)
    )
    run_ddl(admin, schema, "CREATE TABLE orgs (id uuid PRIMARY KEY);" + tables)
    monkeypatch.setenv("DATABASE_URL", pg_url)
    pages = []
    async with Client(build_server(load_settings(project_root=tmp_path))) as client:
        arguments = {"schema": schema}
        while True:
            result = await client.call_tool("validate_isolation", arguments)
            assert not result.is_error, first_text(result)
            page = result.structured_content
            assert first_text(result) == json.dumps(page, separators=(",", ":"), ensure_ascii=False)
            assert len(first_text(result)) <= 60_000
            pages.append(page)
            if page["next_cursor"] is None:
                break
            assert page["notice"].startswith(f"Page {len(pages)} of ")
            assert f"cursor={page['next_cursor']!r}" in page["notice"]
            arguments = {"schema": schema, "cursor": page["next_cursor"]}
    assert len(pages) > 1 and pages[-1]["notice"] is None
    report = join_pages(pages)
    assert report["verdict"] == "not isolated" and len(report["tables"]) == 151


async def test_schema_resource_summarizes_a_live_schema(connect, admin, schema):
    from mcp.shared.exceptions import MCPError

    run_ddl(admin, schema, "CREATE TABLE account (id int PRIMARY KEY)")
    async with connect() as client:
        summary = await client.read_resource(f"pgarchitect://schema/{schema}")
        assert "account: 1 cols, pk(id)" in summary.contents[0].text
        with pytest.raises(MCPError, match="unknown schema 'nope_schema'"):
            await client.read_resource("pgarchitect://schema/nope_schema")


async def test_the_server_info_carries_the_package_version(connect):
    from importlib.metadata import version

    async with connect() as client:
        await client.list_tools()
        info = client.server_info
    assert (
        info is not None and info.name == "pgarchitect" and info.version == version("pgarchitect")
    )
