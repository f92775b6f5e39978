"""MCP resources and prompts: the spec, the architect's checklist, and review prompts.

Resources read files or call into tools; they hold no SQL of their own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources as package_files
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError

from server.config import Settings
from tools.catalog import reflect

# run_in_db(ctx, name, fn, *args): the server's READ ONLY call, handed in by server/app.py.
RunInDb = Callable[..., Awaitable[Any]]


def checklist_text() -> str:
    """The architect's checklist shipped with the package."""
    return package_files.files("resources").joinpath("checklist.md").read_text(encoding="utf-8")


def register_resources(server: MCPServer, settings: Settings, run_in_db: RunInDb) -> None:
    """Register the resources and prompts."""

    @server.resource(
        "pgarchitect://schema/{schema}",
        name="schema",
        title="Live schema summary",
        description="One line per table of a live schema (columns, keys, indexes, RLS, rows).",
        mime_type="text/plain",
    )
    async def schema_summary(schema: str, ctx: Context) -> str:
        try:
            result = await run_in_db(
                ctx, "schema resource", reflect.reflect_database, schema, None, "summary"
            )
        except ToolError as err:  # a ResourceError reaches the client with its message
            raise ResourceNotFoundError(str(err)) from None
        return reflect.render_reflect(result)

    @server.resource(
        "pgarchitect://checklist",
        name="checklist",
        title="Database architect checklist",
        description="What every table, tenant policy, index and SQLModel class must satisfy.",
        mime_type="text/markdown",
    )
    def checklist() -> str:
        return checklist_text()

    @server.resource(
        "pgarchitect://spec",
        name="spec",
        title="Project schema spec",
        description="The project's authoritative schema spec (specs/database/schema.md).",
        mime_type="text/markdown",
    )
    def spec() -> str:
        path = settings.resolved_spec_path
        if not path.is_file():
            return (
                f"No spec file at {path}. Create specs/database/schema.md or set "
                "PGARCHITECT_SPEC_PATH."
            )
        return path.read_text(encoding="utf-8", errors="replace")

    @server.prompt(
        name="review_schema",
        title="Review a schema like a senior architect",
        description="Run the full review: spec, live schema, drift, isolation and indexes.",
    )
    def review_schema(schema: str = "public") -> str:
        return (
            f"Review the Postgres schema {schema!r} as a senior database architect.\n"
            "1. read_schema_spec: the authoritative design.\n"
            f"2. reflect_database(schema={schema!r}): what exists.\n"
            f"3. compare_spec_to_database(schema={schema!r}): drift, each with its fix.\n"
            f"4. validate_isolation(schema={schema!r}): tenant columns, RLS forced, policies.\n"
            f"5. suggest_indexes(schema={schema!r}): unindexed FKs, tenant-leading indexes, "
            "duplicates.\n"
            "Report errors first, then warnings, with the DDL or SQLModel change for each, and "
            "never apply DDL without the user's approval.\n\n" + checklist_text()
        )

    @server.prompt(
        name="design_table",
        title="Design a new table",
        description="Design a table and its SQLModel class following the architect's checklist.",
    )
    def design_table(description: str, tenant_column: str = "tenant_id") -> str:
        return (
            f"Design a table for: {description}\n"
            f"It is tenant-owned through {tenant_column!r} unless it is clearly global.\n"
            "First read_schema_spec and reflect_database to fit the existing design; then give "
            "the spec section (specs/database/schema.md), the DDL with indexes and RLS policy, "
            "and the SQLModel class (generate_model style), with migration notes.\n\n"
            + checklist_text()
        )
