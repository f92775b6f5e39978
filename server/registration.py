"""One way to turn a tools/ function into an MCP tool.

The MCP tool shows the function's own parameters (less the connection and the ones the server
fills in), its docstring as description and its result model as outputSchema, so arguments
cannot drift from the plain functions. Server-filled parameters (the project root, the parsed
spec) are resolved before the READ ONLY transaction opens, off the event loop.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, get_type_hints

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import BaseModel

from server.config import Settings

READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)

# resolve(settings, arguments) -> value; it may pop the MCP-only arguments it consumes.
Resolve = Callable[[Settings, dict[str, Any]], Any]
# run(ctx, tool_name, call, needs_db, prepare): prepare() gives the keyword arguments (off the
# event loop, before any transaction), call(conn or None, **kwargs) the result model.
Prepare = Callable[[], dict[str, Any]]
Runner = Callable[[Context, str, Callable[..., BaseModel], bool, Prepare], Awaitable[Any]]
Respond = Callable[[BaseModel, str], CallToolResult]


@dataclass(frozen=True)
class ToolDef:
    """How one tools/ function is served."""

    fn: Callable[..., BaseModel]
    title: str
    # Parameters of fn the server fills in, hidden from the inputSchema.
    server_args: dict[str, Resolve] = field(default_factory=dict)
    # MCP parameters fn does not have, consumed by the resolvers (e.g. a spec path).
    extra_params: tuple[inspect.Parameter, ...] = ()
    extra_doc: str = ""
    # Whether a call needs the database (False: fn gets conn=None and no transaction opens).
    needs_db: Callable[[dict[str, Any]], bool] = lambda _arguments: True
    annotations: ToolAnnotations = field(default_factory=lambda: READ_ONLY)

    @property
    def name(self) -> str:
        return self.fn.__name__


def mcp_parameter(name: str, annotation: Any, default: Any = None) -> inspect.Parameter:
    """A keyword parameter of an MCP tool that the tools/ function does not have."""
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default
    )


def add_tool(server: MCPServer, tool_def: ToolDef, run: Runner, respond: Respond) -> None:
    """Register `tool_def` on `server`; `run` is the server's call edge, `respond` its answer."""
    fn = tool_def.fn
    hints = get_type_hints(fn, include_extras=True)
    shown = [
        p.replace(annotation=hints[name], kind=inspect.Parameter.KEYWORD_ONLY)
        for name, p in inspect.signature(fn).parameters.items()
        if name != "conn"
        and name not in tool_def.server_args
        and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    shown += tool_def.extra_params
    returns = Annotated[CallToolResult, hints["return"]]
    name = tool_def.name
    takes_conn = "conn" in inspect.signature(fn).parameters

    def call(conn: Any, **kwargs: Any) -> BaseModel:
        return fn(conn, **kwargs) if takes_conn else fn(**kwargs)

    async def tool(ctx: Context, **arguments: Any) -> CallToolResult:
        settings = _settings(ctx)

        def prepare() -> dict[str, Any]:
            given = dict(arguments)
            resolvers = tool_def.server_args.items()
            filled = {key: resolve(settings, given) for key, resolve in resolvers}
            return {**given, **filled}

        needs_db = takes_conn and tool_def.needs_db(arguments)
        return respond(await run(ctx, name, call, needs_db, prepare), name)

    context = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Context)
    tool.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [context, *shown], return_annotation=returns
    )
    tool.__annotations__ = {"ctx": Context, **{p.name: p.annotation for p in shown}}
    tool.__annotations__["return"] = returns
    tool.__name__ = tool.__qualname__ = name
    description = inspect.cleandoc(fn.__doc__ or "")
    if tool_def.extra_doc:
        description += "\n\n" + tool_def.extra_doc
    server.add_tool(
        tool, title=tool_def.title, description=description, annotations=tool_def.annotations
    )


def _settings(ctx: Context) -> Settings:
    settings: Settings = ctx.request_context.lifespan_context.settings  # type: ignore[attr-defined]
    return settings
