"""Argument errors an assistant can act on: the SDK's pydantic dump, rewritten in one line.

The SDK reports arguments that do not match a tool's inputSchema as pydantic's multi-line text
with documentation links. This middleware rewrites that text on `tools/call` results to
`invalid arguments for X: limit: Input should be a valid integer (got 'many'); …`.
"""

from __future__ import annotations

import re
from typing import Any

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
