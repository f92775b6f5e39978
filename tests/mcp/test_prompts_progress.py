"""Prompts and progress through a real client: in-memory, over stdio and over HTTP (#15)."""

from __future__ import annotations

from mcp import Client

from server.app import build_server
from server.config import load_settings
from server.demo import SAMPLE_ROLE, load_sample
from tests.conftest import run_ddl
from tests.mcp.conftest import first_text, prompt_text


async def test_design_table_uses_the_spec_tenant_column_and_optimize_query_its_steps(connect):
    async with connect() as client:
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
        assert {"review_schema", "design_table", "optimize_query"} <= set(prompts)
        design = await client.get_prompt("design_table", {"description": "invoices"})
        text = prompt_text(design)
        assert (
            "tenant-owned through 'org_id' (the spec)" in text and "through 'tenant_id'" not in text
        )
        # It ends by reviewing the class it proposes (#14).
        assert text.index("SQLModel class") < text.index("review_models(paths=[<that file>]")
        optimize = await client.get_prompt(
            "optimize_query", {"query": "SELECT * FROM tasks WHERE org_id = $1", "schema": "s"}
        )
        steps = prompt_text(optimize)
        assert steps.index("1. explain_query") < steps.index("2. suggest_indexes(schema='s'")
        assert "max_indexes" in steps and "explain_query again" in steps


async def test_design_table_without_a_spec_takes_the_column_the_schema_uses(
    admin, schema, pg_url, monkeypatch, tmp_path
):
    run_ddl(
        admin,
        schema,
        "CREATE TABLE workspaces (id uuid PRIMARY KEY);"
        "CREATE TABLE docs (id int PRIMARY KEY, workspace_id uuid REFERENCES workspaces);",
    )
    monkeypatch.setenv("DATABASE_URL", pg_url)
    async with Client(build_server(load_settings(project_root=tmp_path))) as client:
        found = await client.get_prompt("design_table", {"description": "x", "schema": schema})
        given = await client.get_prompt(
            "design_table", {"description": "x", "tenant_column": "org_id"}
        )
        empty = await client.get_prompt("design_table", {"description": "x", "schema": "public"})
    assert f"through 'workspace_id' (schema {schema!r})" in prompt_text(found)
    assert "through 'org_id' (given)" in prompt_text(given)
    assert "Neither the spec nor the schema names a tenant column" in prompt_text(empty)


async def test_a_long_call_reports_progress_when_the_client_asks(connect, pg_url, schema):
    load_sample(pg_url, schema)  # the sample: policies reading app.org_id, the role taskly_app
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    async with connect() as client:
        result = await client.call_tool(
            "validate_isolation",
            {"schema": schema, "app_role": SAMPLE_ROLE, "probe": True},
            progress_callback=on_progress,
        )
        quiet = await client.call_tool("reflect_database", {"schema": schema})
    assert not result.is_error, first_text(result)
    assert result.structured_content["probe"]["tenant_setting"] == "app.org_id"
    assert seen and seen[-1][0] == seen[-1][1], seen  # the last one says it is done
    assert all(message and message.startswith("live probe") for _p, _t, message in seen)
    assert not quiet.is_error
