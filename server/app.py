"""The MCP server: registration of tools, resources and prompts, and the error edge.

Tools run in a worker thread, each in its own READ ONLY transaction from the pool that lives in
the server's lifespan. Errors raised on purpose become `ToolError`s naming problem and fix;
anything else is logged with its traceback here and reaches the client as one sentence.
"""

import inspect
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated, Any, Literal, TypeVar

import anyio
import psycopg
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel

from server.config import Settings
from server.db import Database, embedded_data_dir, mask_text, start_embedded
from tools import explain, indexes, isolation, reflect
from tools.errors import PgArchitectError

log = logging.getLogger("pgarchitect")
T = TypeVar("T")

READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
INSTRUCTIONS = """pgarchitect: a senior Postgres/SQLModel database architect's tools.
Start with read_schema_spec (the project's specs/database/schema.md) and reflect_database (the
live schema). Then compare_spec_to_database for drift, validate_isolation for multi-tenant
isolation and RLS, suggest_indexes for index advice proven by the planner, explain_query for one
query's plan, and generate_model for SQLModel classes. Every database call is READ ONLY."""


@dataclass
class AppState:
    """What the lifespan holds: settings and the database, opened lazily on first use."""

    settings: Settings
    database: Database | None = None
    _lock: Any = field(default_factory=anyio.Lock)

    async def db(self) -> Database:
        """The pooled database; starts the embedded server first when DATABASE_URL is unset."""
        async with self._lock:
            if self.database is None:
                url = self.settings.database_url
                if url is None:
                    data_dir = embedded_data_dir(self.settings.embedded_data_dir)
                    url = await anyio.to_thread.run_sync(start_embedded, data_dir)
                self.database = database_from_settings(url, self.settings)
                self.database.open()
            return self.database


def database_from_settings(url: str, settings: Settings) -> Database:
    """A Database configured from the settings."""
    return Database(
        url,
        statement_timeout_s=settings.statement_timeout_s,
        lock_timeout_s=settings.lock_timeout_s,
        connect_timeout_s=settings.connect_timeout_s,
        retries=settings.connect_retries,
        max_size=settings.pool_max_size,
    )


def to_tool_error(err: BaseException, tool: str, settings: Settings, url: str | None) -> ToolError:
    """The one place where exceptions become messages a client sees."""
    if isinstance(err, PgArchitectError):
        return ToolError(mask_text(str(err), url))
    if isinstance(err, psycopg.errors.QueryCanceled):
        return ToolError(
            f"statement timeout of {settings.statement_timeout_s:g} s reached in {tool}; narrow "
            "the call (tables=[...], fewer queries) or raise PGARCHITECT_STATEMENT_TIMEOUT"
        )
    if isinstance(err, psycopg.errors.ReadOnlySqlTransaction):
        return ToolError(f"{tool} refused: the server only runs READ ONLY transactions")
    if isinstance(err, psycopg.errors.InsufficientPrivilege):
        first = str(err).strip().splitlines()[0]
        return ToolError(f"{tool}: permission denied ({first}); grant the role read access")
    if isinstance(err, psycopg.OperationalError):
        first = mask_text(str(err).strip().splitlines()[0] if str(err).strip() else "", url)
        return ToolError(f"{tool}: database connection problem: {first}; check DATABASE_URL")
    if isinstance(err, psycopg.Error):
        first = mask_text(str(err).strip().splitlines()[0] if str(err).strip() else "", url)
        return ToolError(f"{tool}: the database refused the query: {first}")
    log.error("unexpected error in %s", tool, exc_info=err)
    return ToolError(
        f"internal error in {tool} ({type(err).__name__}); the server log has the details"
    )


async def run_in_db(ctx: Context, tool: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run fn(conn, *args, **kwargs) in a READ ONLY transaction, in a worker thread."""
    state: AppState = ctx.request_context.lifespan_context
    url = state.settings.database_url
    try:
        database = await state.db()
        url = database.url

        def work() -> T:
            with database.read_only() as conn:
                return fn(conn, *args, **kwargs)

        return await anyio.to_thread.run_sync(work)
    except Exception as err:
        raise to_tool_error(err, tool, state.settings, url) from None


async def run_plain(ctx: Context, tool: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a tool that needs no database, with the same error edge."""
    state: AppState = ctx.request_context.lifespan_context
    try:
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))
    except Exception as err:
        raise to_tool_error(err, tool, state.settings, state.settings.database_url) from None


def respond(result: BaseModel) -> CallToolResult:
    """Structured content for programs, compact JSON text (no nulls, no indent) for the model."""
    return CallToolResult(
        content=[TextContent(type="text", text=result.model_dump_json(exclude_none=True))],
        structured_content=result.model_dump(mode="json", by_alias=True),
    )


def describe(fn: Callable[..., Any]) -> str:
    """A tool function's docstring, dedented, as its MCP description."""
    return inspect.cleandoc(fn.__doc__ or "")


def register_tools(server: MCPServer) -> None:
    """Register every tool; each wrapper only adapts arguments and calls into tools/."""

    async def reflect_database(
        ctx: Context,
        schema: str = "public",
        tables: list[str] | None = None,
        detail: Literal["auto", "full", "summary"] = "auto",
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Annotated[CallToolResult, reflect.ReflectResult]:
        return respond(
            await run_in_db(
                ctx,
                "reflect_database",
                reflect.reflect_database,
                schema,
                tables,
                detail,
                limit,
                cursor,
            )
        )

    server.add_tool(
        reflect_database,
        title="Reflect the live database schema",
        description=describe(reflect.reflect_database),
        annotations=READ_ONLY,
    )

    async def validate_isolation(
        ctx: Context,
        schema: str = "public",
        tenant_column: str | None = None,
        shared_tables: list[str] | None = None,
        app_role: str | None = None,
        tenant_setting: str | None = None,
        probe: bool = False,
        suppress: list[str] | None = None,
    ) -> Annotated[CallToolResult, isolation.IsolationReport]:
        return respond(
            await run_in_db(
                ctx,
                "validate_isolation",
                isolation.validate_isolation,
                schema,
                tenant_column,
                shared_tables,
                app_role,
                tenant_setting,
                probe,
                suppress,
            )
        )

    server.add_tool(
        validate_isolation,
        title="Prove multi-tenant isolation (RLS, tenant columns, policies)",
        description=describe(isolation.validate_isolation),
        annotations=READ_ONLY,
    )


def register_query_tools(server: MCPServer) -> None:
    """Register the tools that take a query from the assistant (checked before anything runs)."""

    async def explain_query(
        ctx: Context, sql: str, analyze: bool = False
    ) -> Annotated[CallToolResult, explain.ExplainResult]:
        return respond(await run_in_db(ctx, "explain_query", explain.explain_query, sql, analyze))

    async def suggest_indexes(
        ctx: Context,
        schema: str = "public",
        queries: list[str] | None = None,
        use_pg_stat_statements: bool = False,
        tenant_column: str | None = None,
        max_indexes: int = 10,
    ) -> Annotated[CallToolResult, indexes.IndexAdvice]:
        return respond(
            await run_in_db(
                ctx,
                "suggest_indexes",
                indexes.suggest_indexes,
                schema,
                queries,
                use_pg_stat_statements,
                tenant_column,
                max_indexes,
            )
        )

    server.add_tool(
        suggest_indexes,
        title="Suggest indexes, proven with the planner",
        description=describe(indexes.suggest_indexes),
        annotations=READ_ONLY,
    )
    server.add_tool(
        explain_query,
        title="Explain one query's plan",
        description=describe(explain.explain_query),
        annotations=READ_ONLY,
    )


def build_server(settings: Settings) -> MCPServer:
    """The MCP server with its lifespan (settings, lazily opened pool), tools and resources."""
    from resources import register_resources

    @asynccontextmanager
    async def lifespan(_: MCPServer) -> AsyncIterator[AppState]:
        state = AppState(settings)
        try:
            yield state
        finally:
            if state.database is not None:
                await anyio.to_thread.run_sync(state.database.close)

    server = MCPServer(
        name="pgarchitect",
        title="pgarchitect: Postgres/SQLModel database architect",
        instructions=INSTRUCTIONS,
        version="0.1.0",
        lifespan=lifespan,
        log_level="WARNING",
    )
    register_tools(server)
    register_query_tools(server)
    register_resources(server, settings)
    return server
