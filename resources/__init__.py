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
from tools import spec as spec_reader
from tools.catalog import fetch_snapshot, reflect
from tools.errors import PgArchitectError
from tools.tenancy import detect_tenant_column

# run_in_db(ctx, name, fn, *args): the server's READ ONLY call, handed in by server/app.py.
RunInDb = Callable[..., Awaitable[Any]]


def checklist_text() -> str:
    """The architect's checklist shipped with the package."""
    return package_files.files("resources").joinpath("checklist.md").read_text(encoding="utf-8")


def spec_tenant_column(settings: Settings) -> str | None:
    """The tenant column the project's spec states, if it has a spec that states one."""
    path = settings.resolved_spec_path
    if not path.is_file():
        return None
    try:
        parsed = spec_reader.read_schema_spec(
            None, project_root=settings.project_root, default_path=path
        )
    except PgArchitectError:
        return None
    return parsed.tenant_column


def _detected_tenant_column(conn: Any, schema: str) -> str | None:
    return detect_tenant_column(fetch_snapshot(conn, schema))


def register_resources(server: MCPServer, settings: Settings, run_in_db: RunInDb) -> None:
    """Register the resources and prompts."""

    async def tenant_column_of(ctx: Context, schema: str) -> tuple[str | None, str]:
        """The tenant column and where it came from: the spec, else the live schema."""
        stated = spec_tenant_column(settings)
        if stated:
            return stated, "the spec"
        try:
            found = await run_in_db(ctx, "design_table", _detected_tenant_column, schema)
        except ToolError:  # no database to ask: the prompt says how to find out
            return None, ""
        return found, f"schema {schema!r}" if found else ""

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
        description="Run the full review: spec, live schema, drift, isolation, indexes and the "
        "project's SQLModel classes.",
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
            f"6. review_models(schema={schema!r}): the project's SQLModel classes against the "
            "checklist, the spec and the database, with a corrected class where the fix is "
            "mechanical.\n"
            "Report errors first, then warnings, with the DDL or SQLModel change for each, and "
            "never apply DDL without the user's approval.\n\n" + checklist_text()
        )

    @server.prompt(
        name="design_table",
        title="Design a new table",
        description="Design a table and its SQLModel class following the architect's checklist; "
        "the tenant column is the one the spec states, else the one the schema uses.",
    )
    async def design_table(
        description: str, ctx: Context, schema: str = "public", tenant_column: str = ""
    ) -> str:
        source = "given"
        if not tenant_column:
            found, source = await tenant_column_of(ctx, schema)
            tenant_column = found or ""
        if tenant_column:
            tenancy = (
                f"It is tenant-owned through {tenant_column!r} ({source}) unless it is clearly "
                "global: that column NOT NULL, leading its indexes and foreign keys, and its "
                "RLS policy filtering on it."
            )
        else:
            tenancy = (
                "Neither the spec nor the schema names a tenant column: ask whether rows belong "
                "to a tenant, and which column says so, before designing (validate_isolation "
                "detects one when the tables have it)."
            )
        return (
            f"Design a table for: {description}\n{tenancy}\n"
            f"First read_schema_spec and reflect_database(schema={schema!r}) to fit the existing "
            "design; then give the spec section (specs/database/schema.md), the DDL with indexes "
            "and RLS policy, and the SQLModel class (generate_model style), with migration "
            "notes.\nLast, with the user's agreement, write the proposed class to a scratch "
            "module under the project root and call review_models(paths=[<that file>], "
            f"schema={schema!r}, against=['spec']) "
            "(add 'database' once the table exists): fix what it reports, using its corrected "
            "class, until it reports nothing, then delete the scratch module.\n\n"
            + checklist_text()
        )

    @server.prompt(
        name="optimize_query",
        title="Make one query fast",
        description="Explain the query, have the planner prove indexes for it, and check the "
        "plan with the chosen set.",
    )
    def optimize_query(query: str, schema: str = "public") -> str:
        return (
            f"Make this query fast on schema {schema!r} without guessing:\n\n{query}\n\n"
            f"1. explain_query(sql=<the query>, schema={schema!r}): read the plan and its "
            "findings (sequential scans of big tables, misestimates, spills, nested loops). If "
            "the data is representative and the query is a SELECT, analyze=True gives real "
            "timings.\n"
            f"2. suggest_indexes(schema={schema!r}, queries=[<the query>]): the candidates, "
            "each with cost before → after per query, proven by the planner with HypoPG "
            "(verified=true) or judged by rule (verified=false: say so).\n"
            "3. Choose the smallest set that gets most of the gain, weighing each index's size "
            "and write cost; call suggest_indexes again with max_indexes=<that many> to see the "
            "cost with exactly that set (total_cost_before → total_cost_after).\n"
            "4. Give the CREATE INDEX CONCURRENTLY DDL and the SQLModel Index(...) for each, in "
            "order, and say which plan node each removes. After they are applied (never by you "
            "without the user's approval), explain_query again to confirm the new plan.\n"
            "If no index helps, say what would: a rewrite, a partial index, fresher statistics "
            "(ANALYZE), or a limit the query lacks."
        )
