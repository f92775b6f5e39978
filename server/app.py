"""The MCP server: registration of tools, resources and prompts, and the error edge.

Tools run in a worker thread, each in its own READ ONLY transaction from the pool that lives in
the server's lifespan. Errors raised on purpose become `ToolError`s naming problem and fix;
anything else is logged with its traceback here and reaches the client as one sentence.
"""

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar, cast

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.types import ToolAnnotations

from server.arguments import readable_argument_errors, refuse_unknown_arguments
from server.config import Settings
from server.db import Database, embedded_data_dir, start_embedded
from server.deadline import CallDeadline, run_cancellable, run_within
from server.edge import to_tool_error
from server.paging import AnswerStore
from server.progress import mcp_progress
from server.registration import (
    Prepare,
    ToolDef,
    add_tool,
    mcp_parameter,
    registered_on_first_use,
)
from server.version import package_version
from tools.errors import PgArchitectError
from tools.progress import reporting

if TYPE_CHECKING:  # the tools are imported on first use (start-up time, #10)
    from tools.spec import SchemaSpec

log = logging.getLogger("pgarchitect")
T = TypeVar("T")

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
    answers: AnswerStore = field(default_factory=AnswerStore)  # pages kept under cursors
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
        call_timeout_s=settings.call_timeout_s,
    )


async def run_in_db(ctx: Context, tool: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run fn(conn, *args, **kwargs) in a READ ONLY transaction, in a worker thread."""
    state = cast(AppState, ctx.request_context.lifespan_context)
    url = state.settings.database_url
    deadline = CallDeadline(state.settings.call_timeout_s)
    try:
        database = await state.db()
        url = database.url

        def work() -> T:
            with database.read_only(deadline) as conn:
                return fn(conn, *args, **kwargs)

        return await run_cancellable(work, deadline)
    except Exception as err:
        raise to_tool_error(err, tool, state.settings, url) from None


def project_spec(settings: Settings) -> "SchemaSpec | None":
    """The project's spec when its file exists and reads; None otherwise (tools then detect)."""
    from tools import spec

    path = settings.resolved_spec_path
    if not path.is_file():
        return None
    try:
        return spec.read_schema_spec(None, project_root=settings.project_root, default_path=path)
    except PgArchitectError as err:
        log.warning("the project spec was not used: %s", err)
        return None


def _read_spec(settings: Settings, path: str | None) -> "SchemaSpec":
    from tools import spec

    return spec.read_schema_spec(
        path, project_root=settings.project_root, default_path=settings.resolved_spec_path
    )


async def call_tool(
    ctx: Context, tool: str, call: Callable[..., T], needs_db: bool, prepare: Prepare
) -> T:
    """The server's call edge: arguments prepared off the loop, then one READ ONLY transaction
    (or none for a tool that needs no database), every error through `to_tool_error`."""
    state = cast(AppState, ctx.request_context.lifespan_context)
    url = state.settings.database_url
    deadline = CallDeadline(state.settings.call_timeout_s)  # one for the whole call (#13)
    try:
        kwargs = await run_within(prepare, deadline)  # the spec is read here, off the loop
        if not needs_db:
            return await run_within(partial(call, None, **kwargs), deadline)
        database = await state.db()
        url = database.url

        def work() -> T:  # report_progress in the tool reaches the client (#15)
            with reporting(mcp_progress(ctx)), database.read_only(deadline) as conn:
                return call(conn, **kwargs)

        return await run_cancellable(work, deadline)
    except Exception as err:
        raise to_tool_error(err, tool, state.settings, url) from None


def _project_root(settings: Settings, _arguments: dict[str, Any]) -> Any:
    return settings.project_root


def _spec_from_path(settings: Settings, arguments: dict[str, Any]) -> "SchemaSpec":
    return _read_spec(settings, arguments.pop("path", None))


def _spec_snapshot(settings: Settings, arguments: dict[str, Any]) -> Any:
    from tools import spec

    spec_path = arguments.pop("spec_path", None)
    if arguments.get("source") != "spec":
        return None
    parsed = _read_spec(settings, spec_path)
    arguments["tenant_column"] = parsed.tenant_column  # taken by the tenant_column resolver
    return spec.spec_to_snapshot(parsed, arguments.get("schema", "public"))


SPEC_PATH_DOC = "path: the spec file under the project root (default: the project's spec)."


def tool_defs() -> list[ToolDef]:
    """How each tool is served; importing the tools takes a second (SQLAlchemy, SQLModel,
    pglast), so this runs on the first request that needs them, not at start-up."""
    from tools import codegen, drift, explain, indexes, isolation, review, spec
    from tools.catalog import reflect

    return [
        ToolDef(
            spec.read_schema_spec,
            "Read the project's schema spec",
            server_args={
                "project_root": _project_root,
                "default_path": lambda settings, _: settings.resolved_spec_path,
            },
            spec_argument="path",
        ),
        ToolDef(reflect.reflect_database, "Reflect the live database schema"),
        ToolDef(
            drift.compare_spec_to_database,
            "Compare the spec with the live database (drift)",
            server_args={"spec": _spec_from_path},
            extra_params=(mcp_parameter("path", str | None),),
            extra_doc=SPEC_PATH_DOC,
            spec_argument="path",
        ),
        ToolDef(
            isolation.validate_isolation,
            "Prove multi-tenant isolation (RLS, tenant columns, policies)",
            server_args={"spec": lambda settings, _: project_spec(settings)},
        ),
        ToolDef(indexes.suggest_indexes, "Suggest indexes, proven with the planner"),
        ToolDef(
            explain.explain_query,
            "Explain one query's plan",
            server_args={"allow_analyze": lambda settings, _: settings.allow_analyze},
        ),
        ToolDef(
            codegen.generate_model,
            "Generate SQLModel classes that recreate the schema",
            server_args={
                "project_root": _project_root,
                "spec_snapshot": _spec_snapshot,
                "tenant_column": lambda _settings, arguments: arguments.pop("tenant_column", None),
                "assumptions": lambda _settings, _arguments: None,
            },
            extra_params=(mcp_parameter("spec_path", str | None),),
            extra_doc="spec_path: the spec file for source='spec' (default: the project's spec).",
            needs_db=lambda arguments: arguments.get("source") != "spec",
            spec_argument="spec_path",
            # Reads the database only; writes a file under the project root when `path` is given,
            # and replaces an existing one with overwrite=true: destructive (#13).
            annotations=ToolAnnotations(
                read_only_hint=False,
                destructive_hint=True,
                idempotent_hint=True,
                open_world_hint=False,
            ),
        ),
        ToolDef(
            review.review_models,
            "Review the project's SQLModel models against the checklist, spec and database",
            server_args={
                "project_root": _project_root,
                "spec": lambda settings, _: project_spec(settings),
                "budget": lambda settings, _arguments: settings.answer_budget - 1_000,
            },
            # Reviewing against the spec alone opens no transaction.
            needs_db=lambda arguments: "database" in (arguments.get("against") or ["database"]),
        ),
    ]


def build_server(settings: Settings, *, own_process: bool = False) -> MCPServer:
    """The MCP server with its lifespan (settings, lazily opened pool), tools and resources.

    `own_process`: the server is the process's only one (`pgarchitect serve`), so what its
    registration loads can be frozen for the garbage collector (tests build many servers).
    """

    @asynccontextmanager
    async def lifespan(_: MCPServer) -> AsyncIterator[AppState]:
        state = AppState(settings)
        try:
            yield state
        finally:
            if state.database is not None:
                await anyio.to_thread.run_sync(state.database.close)

    known: dict[str, list[str]] = {}  # tool -> its arguments, once registered
    server = MCPServer(
        name="pgarchitect",
        title="pgarchitect: Postgres/SQLModel database architect",
        instructions=INSTRUCTIONS,
        version=package_version(),
        lifespan=lifespan,
        log_level="WARNING",
        middleware=[
            registered_on_first_use(lambda: register(server, settings, known), own_process),
            refuse_unknown_arguments(known),
            readable_argument_errors,
        ],
    )
    return server


def register(server: MCPServer, settings: Settings, known: dict[str, list[str]]) -> None:
    """Register the tools, resources and prompts (on the first request that needs them)."""
    from resources import register_resources

    for tool_def in tool_defs():
        known[tool_def.name] = add_tool(server, tool_def, call_tool)
    register_resources(server, settings, run_in_db)
