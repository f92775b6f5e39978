"""One way to turn a tools/ function into an MCP tool, and what every call of it goes through.

The MCP tool shows the function's own parameters (less the connection and the ones the server
fills in) plus `cursor`, its docstring as description and its result model as outputSchema, so
arguments cannot drift from the plain functions. Unknown arguments are refused
(`additionalProperties: false`). Server-filled parameters (the project root, the parsed spec)
are resolved before the READ ONLY transaction opens, off the event loop.

Every answer is compacted (`server.compact`) and, when larger than PGARCHITECT_ANSWER_BUDGET,
cut into pages kept under a cursor (`server.paging`); the outputSchema describes those pages.
"""

from __future__ import annotations

import gc
import inspect
import json
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast, get_type_hints

import anyio
from mcp.server.context import ServerMiddleware
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field

from server.compact import Compactor, compact_schema
from server.config import Settings
from server.paging import (
    RECHECK_S,
    Answer,
    AnswerStore,
    answer_pages,
    arguments_key,
    call_text,
    fingerprint,
    is_page_cursor,
)
from tools.errors import ConfigError, PgArchitectError

if TYPE_CHECKING:
    from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase

    from server.app import AppState

READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
CURSOR_DOC = (
    "the next_cursor of the previous page of this answer, with the same other arguments; "
    "leave it out for the first page"
)
PAGING_DOC = (
    "An answer larger than PGARCHITECT_ANSWER_BUDGET characters comes in pages: `notice` says "
    "what a page leaves out, and cursor=<next_cursor> with the same other arguments gets the next."
)

# resolve(settings, arguments) -> value; it may pop the MCP-only arguments it consumes.
Resolve = Callable[[Settings, dict[str, Any]], Any]
# run(ctx, tool_name, call, needs_db, prepare): prepare() gives the keyword arguments (off the
# event loop, before any transaction), call(conn or None, **kwargs) the result.
Prepare = Callable[[], dict[str, Any]]
Runner = Callable[[Context, str, Callable[..., Any], bool, Prepare], Awaitable[Any]]


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
    # The argument naming the spec file the call reads (the project's spec is always watched).
    spec_argument: str | None = None

    @property
    def name(self) -> str:
        return self.fn.__name__


def mcp_parameter(
    name: str, annotation: Any, default: Any = None, description: str | None = None
) -> inspect.Parameter:
    """A keyword parameter of an MCP tool that the tools/ function does not have."""
    if description:
        annotation = Annotated[annotation, Field(description=description)]
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default
    )


@dataclass
class Served:
    """What the server needs to know about a tool once registered."""

    tool_def: ToolDef
    compactor: Compactor
    defaults: dict[str, Any]  # MCP argument -> its default, for the calls notices write out
    takes_conn: bool
    own_cursor: bool  # the function pages itself (reflect_database's limit/cursor)


def _parameters(tool_def: ToolDef, hints: dict[str, Any]) -> list[inspect.Parameter]:
    shown = [
        p.replace(annotation=hints[name], kind=inspect.Parameter.KEYWORD_ONLY)
        for name, p in inspect.signature(tool_def.fn).parameters.items()
        if name != "conn"
        and name not in tool_def.server_args
        and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    shown += tool_def.extra_params
    cursor = mcp_parameter("cursor", str | None, None, CURSOR_DOC)
    return [cursor if p.name == "cursor" else p for p in shown] + (
        [] if any(p.name == "cursor" for p in shown) else [cursor]
    )


def add_tool(server: MCPServer, tool_def: ToolDef, run: Runner) -> list[str]:
    """Register `tool_def` on `server` (`run` is the server's call edge); return its MCP
    argument names."""
    fn = tool_def.fn
    hints = get_type_hints(fn, include_extras=True)
    shown = _parameters(tool_def, hints)
    model = hints["return"]
    name = tool_def.name
    fn_parameters = inspect.signature(fn).parameters
    served = Served(
        tool_def,
        Compactor(model.model_json_schema(by_alias=True, mode="serialization")),
        {p.name: p.default for p in shown},
        "conn" in fn_parameters,
        "cursor" in fn_parameters,
    )

    async def tool(ctx: Context, **arguments: Any) -> CallToolResult:
        try:
            return await _answer(ctx, served, run, arguments)
        except PgArchitectError as err:  # cursor problems; the call edge converts the rest
            raise ToolError(str(err)) from None

    context = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Context)
    tool.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [context, *shown], return_annotation=CallToolResult
    )
    tool.__annotations__ = {"ctx": Context, **{p.name: p.annotation for p in shown}}
    tool.__annotations__["return"] = CallToolResult
    tool.__name__ = tool.__qualname__ = name
    description = inspect.cleandoc(fn.__doc__ or "")
    if tool_def.extra_doc:
        description += "\n\n" + tool_def.extra_doc
    server.add_tool(
        tool,
        title=tool_def.title,
        description=description + "\n\n" + PAGING_DOC,
        annotations=tool_def.annotations,
    )
    _publish(server, name, compact_schema(model.model_json_schema(by_alias=True)))
    return [p.name for p in shown]


def _publish(server: MCPServer, name: str, output_schema: dict[str, Any]) -> None:
    """Set what the SDK publishes and checks for the tool: arguments refused when unknown, and
    the schema of compact pages as outputSchema (validated by clients, not by the server: a
    page is already the model's data, only shorter).

    The SDK has no public way to change a registered tool's argument model or output schema,
    hence its tool manager here; a test lists the tools, so an SDK change shows at once.
    """
    registered = server._tool_manager.get_tool(name)
    if registered is None:
        raise RuntimeError(f"tool {name} did not register")
    metadata = registered.fn_metadata
    strict: type[ArgModelBase] = type(
        metadata.arg_model.__name__,
        (metadata.arg_model,),
        {"model_config": ConfigDict(extra="forbid", arbitrary_types_allowed=True)},
    )
    metadata.arg_model = strict
    metadata.output_model = None
    metadata.output_schema = output_schema
    registered.parameters = strict.model_json_schema(by_alias=True)


async def _answer(
    ctx: Context, served: Served, run: Runner, arguments: dict[str, Any]
) -> CallToolResult:
    """One call: the next page of a kept answer, or the tool's result as its first page."""
    tool_def, name = served.tool_def, served.tool_def.name
    state = cast("AppState", ctx.request_context.lifespan_context)
    settings: Settings = state.settings
    store: AnswerStore = state.answers
    cursor = arguments.pop("cursor", None)
    needs_db = served.takes_conn and tool_def.needs_db(arguments)
    files = _spec_files(settings, tool_def, arguments)
    schema = str(arguments.get("schema") or "public")  # the schema the call reads
    if cursor is not None and is_page_cursor(cursor):
        answer, index = store.find(cursor, name, arguments)
        if time.monotonic() - answer.checked > RECHECK_S:
            mark = await run(
                ctx, name, lambda conn: fingerprint(conn, schema, files), needs_db, dict
            )
            if mark != answer.fingerprint:
                store.drop(answer)
                raise ConfigError(
                    f"the schema (or the spec) changed since this answer was cut into pages; "
                    f"call {name} again without cursor for a new one"
                )
            answer.checked = time.monotonic()
        text = answer.pages[index]
        return _result(json.loads(text), text)
    if cursor is not None:
        if not served.own_cursor:
            raise ConfigError(
                f"cursor {cursor!r} is not a next_cursor of {name}; pass the next_cursor of the "
                "previous page as it is, or leave cursor out for the first page"
            )
        arguments["cursor"] = cursor
    answer_id = store.new_key()

    def write_call(next_cursor: str) -> str:
        return call_text(name, arguments, served.defaults, next_cursor)

    def prepare() -> dict[str, Any]:
        given = dict(arguments)
        filled = {key: resolve(settings, given) for key, resolve in tool_def.server_args.items()}
        return {**given, **filled}

    def call(conn: Any, **kwargs: Any) -> tuple[list[tuple[dict[str, Any], str]], str | None]:
        """The tool's result cut into pages inside its transaction, so that the fingerprint of
        an answer that takes pages reads the same snapshot as the tool did."""
        result = tool_def.fn(conn, **kwargs) if served.takes_conn else tool_def.fn(**kwargs)
        return answer_pages(
            result,
            served.compactor,
            name,
            settings.answer_budget,
            write_call,
            answer_id,
            lambda: fingerprint(conn, schema, files),
        )

    pages, mark = await run(ctx, name, call, needs_db, prepare)
    if mark is not None and len(pages) > 1:
        texts = [text for _body, text in pages]
        store.add(answer_id, Answer(name, arguments_key(arguments), texts, mark))
    return _result(*pages[0])


def _result(body: dict[str, Any], text: str) -> CallToolResult:
    """The page as structured content, and the same compact JSON as text."""
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=body)


def _spec_files(settings: Settings, tool_def: ToolDef, arguments: dict[str, Any]) -> list[Path]:
    """The spec files a call reads, watched for changes while its pages are kept."""
    files = [settings.resolved_spec_path]
    given = arguments.get(tool_def.spec_argument) if tool_def.spec_argument else None
    if isinstance(given, str):
        files.append(settings.project_root / given)
    return files


WITHOUT_TOOLS = ("initialize", "ping", "server/discover")


def registered_on_first_use(
    register: Callable[[], None], freeze: bool = False
) -> ServerMiddleware[Any]:
    """Server middleware: `register()` (in a worker thread, once) before the first request
    other than initialize and ping, so that a client's initialize is answered before the tool
    modules and their libraries are imported. With `freeze` (a process serving only this
    server), what is loaded then is frozen for the garbage collector."""
    done: list[bool] = []
    lock = threading.Lock()

    def load() -> None:
        with lock:
            if not done:
                register()
                if freeze:
                    # What is loaded now stays for the process's life: frozen, the garbage
                    # collector no longer walks it on each full pass (70 ms mid-walk, #10).
                    gc.collect()
                    gc.freeze()
                done.append(True)

    async def middleware(ctx: Any, call_next: Any) -> Any:
        request = getattr(ctx, "request_id", None) is not None  # notifications need no tools
        if not done and request and getattr(ctx, "method", None) not in WITHOUT_TOOLS:
            await anyio.to_thread.run_sync(load)
        return await call_next(ctx)

    return middleware
