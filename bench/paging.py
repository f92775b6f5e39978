"""Benchmark paging: every page of reflect_database(detail="full") on 2,000 tables, over stdio.

Not a test: prints medians and their ratios against one in-process
`reflect_database(detail="full")` on a warm connection, all sides taking turns in one run (so
load on the machine hits them alike). `pgarchitect serve` is spawned once per client, then per
round the first call and every `cursor=next_cursor` until the last page, two ways:

- bare (the bound, target <= 1.5): JSON-RPC over the server's stdin/stdout, each answer's
  line parsed with json.loads, as a client does before handing `structuredContent` on;
- the MCP Python SDK's client: the same, plus its pydantic models and its jsonschema check of
  every page against the outputSchema (tens of ms a page: the client's cost, not the server's;
  Claude Code's TypeScript client validates with ajv, compiled, far faster).

Also prints the pages and their size. Uses bench/reflect.py's schema (DATABASE_URL, else
127.0.0.1:5432; --keep leaves it for the next run).

    .venv/bin/python bench/paging.py [--tables 2000] [--rounds 5] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reflect import SCHEMA, build_schema, database_url, drop_schema, ours  # noqa: E402

BUDGET = 60_000
ARGUMENTS = {"schema": SCHEMA, "detail": "full"}
SERVE = [str(Path(sys.executable).parent / "pgarchitect"), "serve"]


def server_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PGARCHITECT_")}
    env.update(DATABASE_URL=url, PGARCHITECT_LOG_LEVEL="WARNING")
    return env


class Walk:
    """Pages taken so far: their count, the tables they hold, their characters, and when each
    answer came (seconds since the walk began)."""

    def __init__(self) -> None:
        self.pages = self.tables = self.chars = 0
        self.started = time.perf_counter()
        self.times: list[float] = []

    def first_page(self) -> float:
        """Seconds to the first page."""
        return self.times[0]

    def later_page(self) -> float:
        """Median seconds of each later page."""
        steps = [b - a for a, b in zip(self.times, self.times[1:], strict=False)]
        return statistics.median(steps) if steps else 0.0

    def take(self, page: dict[str, Any], text: str) -> str | None:
        """Count one page (its structured content and text); its next_cursor."""
        assert len(text) <= BUDGET, len(text)
        self.times.append(time.perf_counter() - self.started)
        self.pages += 1
        self.chars += len(text)
        goes_on = page.get("continued", [])[1:2] == ["[]"]  # the last table goes on
        self.tables += len(page.get("tables", [])) - (1 if goes_on else 0)
        return page["next_cursor"]


class BareClient:
    """JSON-RPC 2.0 over a spawned server's stdio, one request at a time, no schema checks."""

    def __init__(self, url: str) -> None:
        self.process = subprocess.Popen(
            SERVE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=server_env(url)
        )
        self.last_id = 0
        self.request(
            "initialize",
            {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "bench", "version": "1"},
            },
        )
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        self.process.stdin.flush()

    def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.last_id += 1
        self.send({"jsonrpc": "2.0", "id": self.last_id, "method": method, "params": params})
        assert self.process.stdout is not None
        while True:  # notifications (logs, progress) come before the answer
            message = json.loads(self.process.stdout.readline())
            if message.get("id") == self.last_id:
                if "error" in message:
                    raise RuntimeError(message["error"])
                return message["result"]

    def walk(self) -> tuple[float, Walk]:
        walk, cursor = Walk(), None
        started = walk.started
        while True:
            arguments = ARGUMENTS | ({"cursor": cursor} if cursor else {})
            params = {"name": "reflect_database", "arguments": arguments}
            result = self.request("tools/call", params)
            if result.get("isError"):
                raise RuntimeError(result["content"][0]["text"])
            cursor = walk.take(result["structuredContent"], result["content"][0]["text"])
            if cursor is None:
                return time.perf_counter() - started, walk

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


async def sdk_walk(client: Any) -> tuple[float, Walk]:
    """Every page through the MCP SDK's client (validation of each page included)."""
    walk, cursor = Walk(), None
    started = walk.started
    while True:
        arguments = ARGUMENTS | ({"cursor": cursor} if cursor else {})
        result = await client.call_tool("reflect_database", arguments)
        if result.is_error:
            raise RuntimeError(result.content[0].text)
        cursor = walk.take(result.structured_content, result.content[0].text)
        if cursor is None:
            return time.perf_counter() - started, walk


async def run(url: str, rounds: int) -> None:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    target = StdioServerParameters(command=SERVE[0], args=SERVE[1:], env=server_env(url))
    in_process: list[float] = []
    bare: list[float] = []
    sdk: list[float] = []
    bare_walks: list[Walk] = []
    bare_client = BareClient(url)
    try:
        with psycopg.connect(url, prepare_threshold=None) as conn:
            ours(url, conn)  # warm: the catalog caches, the imports
            async with Client(target, read_timeout_seconds=300) as client:
                bare_client.walk()  # warm both servers' pools and imports alike
                await sdk_walk(client)
                for _ in range(rounds):
                    started = time.perf_counter()
                    count = ours(url, conn)
                    in_process.append(time.perf_counter() - started)
                    seconds, walk = bare_client.walk()
                    assert walk.tables == count, (walk.tables, count)
                    bare.append(seconds)
                    bare_walks.append(walk)
                    seconds, walk = await sdk_walk(client)
                    assert walk.tables == count, (walk.tables, count)
                    sdk.append(seconds)
    finally:
        bare_client.close()
    one = statistics.median(in_process)
    print(f'in-process reflect_database(detail="full"), {count} tables: {one:.2f} s')
    print(
        f"{walk.pages} pages of <= {BUDGET:,} characters, {walk.chars / walk.pages:,.0f} on "
        f"average ({walk.chars:,} in all)"
    )
    for name, times in (("bare JSON-RPC client", bare), ("MCP SDK client", sdk)):
        walked = statistics.median(times)
        print(f"every page over stdio, {name}: {walked:.2f} s, ratio {walked / one:.2f}")
    first = statistics.median(w.first_page() for w in bare_walks)
    later = statistics.median(w.later_page() for w in bare_walks)
    print(
        f"bare client: the first page {first:.2f} s ({first / one:.2f}x the in-process call), "
        f"each later page {later * 1000:.1f} ms ({later * (walk.pages - 1) / one:.2f}x for "
        f"the {walk.pages - 1} of them)"
    )
    print(f"target: bare ratio <= 1.5; medians of {rounds} rounds")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="leave the schema for the next run")
    args = parser.parse_args()
    url = database_url()
    build_schema(url, args.tables)
    try:
        asyncio.run(run(url, args.rounds))
    finally:
        if not args.keep:
            with psycopg.connect(url, autocommit=True) as conn:
                drop_schema(conn)


if __name__ == "__main__":
    main()
