"""Clients for the MCP tests: the same test body runs in-memory, over stdio and over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, GetPromptResult, TextContent

from server.app import build_server
from server.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
EXECUTABLE = Path(sys.executable).parent / "pgarchitect"


def server_env(pg_url: str, project_root: Path) -> dict[str, str]:
    """The child's environment, passed explicitly: the stdio client gives it a minimal one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PGARCHITECT_")}
    env.update(
        DATABASE_URL=pg_url,
        PGARCHITECT_PROJECT_ROOT=str(project_root),
        PGARCHITECT_LOG_LEVEL="WARNING",
    )
    return env


def first_text(result: CallToolResult) -> str:
    """The text of a tool answer's first block (the JSON, or the error sentence)."""
    block = result.content[0]
    assert isinstance(block, TextContent), block
    return block.text


def prompt_text(result: GetPromptResult) -> str:
    """The text of a prompt's first message (the prompts here answer with one text message)."""
    content = result.messages[0].content
    assert isinstance(content, TextContent), content
    return content.text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def project_root(tmp_path: Path) -> Path:
    """A project folder with the sample spec at specs/database/schema.md."""
    from server.demo import sample_file

    spec = tmp_path / "specs" / "database" / "schema.md"
    spec.parent.mkdir(parents=True)
    spec.write_text(sample_file("schema.md"), encoding="utf-8")
    return tmp_path


@pytest.fixture
def http_server(pg_url: str, project_root: Path) -> Iterator[str]:
    """`pgarchitect serve --transport http` as a subprocess; yields its MCP URL."""
    port = free_port()
    process = subprocess.Popen(
        [str(EXECUTABLE), "serve", "--transport", "http", "--port", str(port)],
        env=server_env(pg_url, project_root),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the HTTP server did not start")
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stderr is not None  # stderr=PIPE
        process.stderr.close()


@pytest.fixture(params=["memory", "stdio", "http"])
def connect(request, pg_url: str, project_root: Path) -> Callable[..., object]:
    """connect(mode=...) -> an async context manager giving a connected Client."""
    transport = request.param

    @asynccontextmanager
    async def _connect(mode: str = "auto") -> AsyncIterator[Client]:
        if transport == "memory":
            os.environ["DATABASE_URL"] = pg_url
            try:
                server = build_server(load_settings(project_root=project_root))
            finally:
                os.environ.pop("DATABASE_URL")
            target: MCPServer | StdioServerParameters | str = server
        elif transport == "stdio":
            target = StdioServerParameters(
                command=str(EXECUTABLE), args=["serve"], env=server_env(pg_url, project_root)
            )
        else:
            target = request.getfixturevalue("http_server")
        async with Client(target, mode=mode, read_timeout_seconds=60) as client:
            yield client

    return _connect
