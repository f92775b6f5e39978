"""Benchmark paging: every page of reflect_database(detail="full") on 2,000 tables, over stdio.

Not a test: prints medians and their ratio against one in-process
`reflect_database(detail="full")` on a warm connection, the two taking turns in one run (so load
on the machine hits both alike). The paged side is end to end through the MCP SDK's client:
`pgarchitect serve` spawned once, then per round the first call and every `cursor=next_cursor`
until the last page, each page's JSON parsed and checked by the client. Uses bench/reflect.py's
schema (DATABASE_URL, else 127.0.0.1:5432; --keep leaves it for the next run).

    .venv/bin/python bench/paging.py [--tables 2000] [--rounds 5] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.reflect import SCHEMA, build_schema, database_url, drop_schema, ours  # noqa: E402


async def paged(client, budget: int) -> tuple[float, int, int]:
    """Seconds to fetch every page, the number of pages and of tables they hold."""
    arguments = {"schema": SCHEMA, "detail": "full"}
    started = time.perf_counter()
    pages, tables, cursor = 0, 0, None
    while True:
        result = await client.call_tool(
            "reflect_database", arguments | ({"cursor": cursor} if cursor else {})
        )
        if result.is_error:
            raise RuntimeError(result.content[0].text)
        page = result.structured_content
        assert len(result.content[0].text) <= budget
        pages += 1
        goes_on = page.get("continued", [])[1:2] == ["[]"]
        tables += len(page.get("tables", [])) - (1 if goes_on else 0)
        cursor = page["next_cursor"]
        if cursor is None:
            return time.perf_counter() - started, pages, tables


async def run(url: str, rounds: int) -> None:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    budget = 60_000
    env = {k: v for k, v in os.environ.items() if not k.startswith("PGARCHITECT_")}
    env.update(DATABASE_URL=url, PGARCHITECT_LOG_LEVEL="WARNING")
    target = StdioServerParameters(
        command=str(Path(sys.executable).parent / "pgarchitect"), args=["serve"], env=env
    )
    in_process, over_stdio = [], []
    with psycopg.connect(url, prepare_threshold=None) as conn:
        ours(url, conn)  # warm: the catalog caches, the imports
        async with Client(target, read_timeout_seconds=300) as client:
            await paged(client, budget)  # warm the server's pool and imports alike
            for _ in range(rounds):
                started = time.perf_counter()
                count = ours(url, conn)
                in_process.append(time.perf_counter() - started)
                seconds, pages, tables = await paged(client, budget)
                assert tables == count, (tables, count)
                over_stdio.append(seconds)
    one, walked = statistics.median(in_process), statistics.median(over_stdio)
    print(f'in-process reflect_database(detail="full"), {count} tables: {one:.2f} s')
    print(f"every page over stdio ({pages} pages of <= {budget:,} characters): {walked:.2f} s")
    print(f"ratio paged / in-process: {walked / one:.2f} (target <= 1.5), medians of {rounds}")


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
