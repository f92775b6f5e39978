"""Argument errors an assistant can act on: the SDK's pydantic dump, rewritten in one line.

The SDK reports arguments that do not match a tool's inputSchema as pydantic's multi-line text
with documentation links. This middleware rewrites that text on `tools/call` results to
`invalid arguments for X: limit: Input should be a valid integer (got 'many'); …`.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from mcp.types import CallToolResult, TextContent

PYDANTIC_ERROR = re.compile(
    r"^(?P<field>\S[^\n]*)\n\s+(?P<message>[^\[\n]+?)\s*"
    r"\[type=[^,\]]+(?:, input_value=(?P<got>.*?))?(?:, input_type=[^\]]+)?\]",
    re.MULTILINE,
)
HEADER = re.compile(r"validation errors? for (?P<tool>\w+?)Arguments")


def rewrite_argument_error(text: str) -> str:
    """The one-line form of a pydantic argument error; other text is returned unchanged."""
    header = HEADER.search(text)
    if header is None:
        return text
    problems = []
    for match in PYDANTIC_ERROR.finditer(text[header.end() :]):
        got = f" (got {match['got']})" if match["got"] else ""
        problems.append(f"{match['field'].strip()}: {match['message'].strip()}{got}")
    if not problems:
        return text
    return (
        f"invalid arguments for {header['tool']}: {'; '.join(problems)}; "
        "pass values of the types the tool's inputSchema gives"
    )


async def readable_argument_errors(ctx: Any, call_next: Any) -> Any:
    """Server middleware: rewrite argument-validation errors of tools/call results."""
    result = await call_next(ctx)
    is_tool_error = isinstance(result, dict) and result.get("isError")
    if getattr(ctx, "method", None) == "tools/call" and is_tool_error:
        for block in result.get("content") or []:
            if isinstance(block, dict) and block.get("type") == "text":
                block["text"] = rewrite_argument_error(block.get("text", ""))
    return result


def unknown_argument(name: str, valid: list[str]) -> str:
    """The error for an argument a tool does not take, naming the closest one it does."""
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.5)
    return f"unknown argument {name!r}" + (f"; did you mean {close[0]!r}?" if close else "")


def unknown_arguments(tool: str, unknown: list[str], valid: list[str]) -> str:
    """One sentence for a call with arguments `tool` does not take: each with its closest valid
    one, then every argument the tool takes."""
    problems = "; ".join(unknown_argument(key, valid) for key in unknown)
    return f"{tool}: {problems}; {tool} takes {', '.join(sorted(valid))}"


def refuse_unknown_arguments(known: dict[str, list[str]]) -> Any:
    """Server middleware: a tools/call with an argument the tool does not take is an error
    result naming it and the closest valid one, instead of the argument silently ignored."""

    async def middleware(ctx: Any, call_next: Any) -> Any:
        params = getattr(ctx, "params", None)
        if getattr(ctx, "method", None) == "tools/call" and isinstance(params, dict):
            valid = known.get(str(params.get("name")))
            arguments = params.get("arguments")
            if valid is not None and isinstance(arguments, dict):
                unknown = [key for key in arguments if key not in valid]
                if unknown:
                    message = unknown_arguments(str(params["name"]), unknown, valid)
                    text = TextContent(type="text", text=message)
                    refused = CallToolResult(content=[text], is_error=True)
                    return refused.model_dump(by_alias=True, mode="json", exclude_none=True)
        return await call_next(ctx)

    return middleware
