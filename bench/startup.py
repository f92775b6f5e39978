"""Benchmark start-up: spawn → `initialize` answered, against importing the MCP SDK alone.

Not a test: prints medians and their ratio, measured in one run with the two taking turns (so
load on the machine hits both alike). Also prints what the first `tools/list` costs after
`initialize` (the tools, SQLAlchemy, SQLModel, pglast and markdown-it are imported then).

    .venv/bin/python bench/startup.py [--rounds 9]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "bench", "version": "0"},
    },
}


def import_sdk() -> float:
    """Seconds for a fresh interpreter to import the MCP SDK's server and exit."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import mcp.server.mcpserver"], check=True)
    return time.perf_counter() - started


def send(process: subprocess.Popen, message: dict) -> None:
    assert process.stdin is not None  # stdin=PIPE
    process.stdin.write((json.dumps(message) + "\n").encode())
    process.stdin.flush()


def answer(process: subprocess.Popen, request_id: int) -> dict:
    """The next response with this id (notifications and logs are skipped)."""
    assert process.stdout is not None  # stdout=PIPE
    while True:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the server closed stdout")
        message = json.loads(line)
        if message.get("id") == request_id:
            return message


def serve() -> tuple[float, float]:
    """Seconds from spawning `pgarchitect serve` to its initialize answer, and then to the
    answer of the first tools/list."""
    env = {**os.environ, "PGARCHITECT_LOG_LEVEL": "WARNING"}
    env.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / "pgarchitect"), "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        send(process, INITIALIZE)
        answer(process, 1)
        initialized = time.perf_counter() - started
        send(process, {"jsonrpc": "2.0", "method": "notifications/initialized"})
        send(process, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        tools = answer(process, 2)["result"]["tools"]
        assert len(tools) >= 7, tools
        listed = time.perf_counter() - started - initialized
    finally:
        assert process.stdin is not None and process.stdout is not None  # both PIPE
        process.stdin.close()
        process.wait(timeout=10)
        process.stdout.close()
    return initialized, listed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    rounds = parser.parse_args().rounds
    sdk, initialize, tools_list = [], [], []
    import_sdk()  # warm the file cache for both
    for _ in range(rounds):
        sdk.append(import_sdk())
        first, second = serve()
        initialize.append(first)
        tools_list.append(second)
    sdk_s, init_s = statistics.median(sdk), statistics.median(initialize)
    print(f"import mcp.server.mcpserver (fresh interpreter): {sdk_s:.2f} s (median of {rounds})")
    print(f"pgarchitect serve: spawn -> initialize answered: {init_s:.2f} s")
    print(f"  then the first tools/list (tools imported): {statistics.median(tools_list):.2f} s")
    print(f"ratio initialize / SDK import: {init_s / sdk_s:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
