"""The HTTP transport one can expose: bearer token, Host and Origin checks, refusal to bind a
public address without a token, the 'listening on' line, and a clean shutdown on a signal."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
import httpx2
import psycopg
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from tests.mcp.conftest import EXECUTABLE, free_port, server_env

pytestmark = pytest.mark.slow

TOKEN = "t0ken-for-the-http-tests-8f2c1a"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}
HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


@contextmanager
def http_server(
    pg_url: str, project_root: Path, host: str = "127.0.0.1", **settings: str
) -> Iterator[tuple[subprocess.Popen, int, str]]:
    """`pgarchitect serve --transport http` with extra settings; yields (process, port, line)."""
    port = free_port()
    env = server_env(pg_url, project_root) | settings
    process = subprocess.Popen(
        [str(EXECUTABLE), "serve", "--transport", "http", "--host", host, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None  # stderr=PIPE
    try:
        line = process.stderr.readline().strip()  # the first line says where it listens
        yield process, port, line
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        process.stderr.close()


def post(port: int, headers: dict[str, str] | None = None) -> httpx2.Response:
    with httpx2.Client(timeout=10) as client:
        return client.post(
            f"http://127.0.0.1:{port}/mcp", json=INITIALIZE, headers=HEADERS | (headers or {})
        )


@pytest.fixture
def project_root(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def secured(pg_url, project_root):
    with http_server(pg_url, project_root, PGARCHITECT_HTTP_TOKEN=TOKEN) as (_process, port, line):
        yield port, line


def test_listening_line_names_the_mcp_url(secured):
    port, line = secured
    assert line == f"pgarchitect: listening on http://127.0.0.1:{port}/mcp"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param({}, 401, id="no-token"),
        pytest.param({"Authorization": "Bearer wrong-token-of-some-length"}, 401, id="wrong"),
        pytest.param({"Authorization": f"Basic {TOKEN}"}, 401, id="wrong-scheme"),
        pytest.param({"Authorization": f"Bearer {TOKEN[:-1]}"}, 401, id="prefix"),
        pytest.param({"Authorization": f"Bearer {TOKEN}"}, 200, id="right"),
        pytest.param({"Authorization": f"bearer {TOKEN}"}, 200, id="scheme-any-case"),
        pytest.param(
            {"Authorization": f"Bearer {TOKEN}", "Origin": "http://evil.example"}, 403, id="origin"
        ),
        pytest.param(
            {"Authorization": f"Bearer {TOKEN}", "Host": "evil.example"}, 421, id="host-rebinding"
        ),
    ],
)
def test_requests_are_authenticated_and_checked_for_host_and_origin(secured, headers, status):
    port, _line = secured
    if headers.get("Host") == "evil.example":
        headers = headers | {"Host": f"evil.example:{port}"}
    response = post(port, headers)
    assert response.status_code == status, response.text
    if status == 401:
        challenge = response.headers["WWW-Authenticate"]
        assert challenge.startswith('Bearer realm="pgarchitect"')
        assert ('error="invalid_token"' in challenge) is ("Authorization" in headers)
        assert TOKEN not in response.text


def test_a_local_browser_origin_is_allowed(secured):
    port, _line = secured
    origin = {"Origin": f"http://localhost:{port}", "Authorization": f"Bearer {TOKEN}"}
    assert post(port, origin).status_code == 200


async def test_a_client_with_the_token_calls_tools(secured):
    port, _line = secured
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {TOKEN}"})
    transport = streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http)
    async with http, Client(transport, read_timeout_seconds=30) as client:
        result = await client.call_tool("explain_query", {"sql": "SELECT 1"})
    assert not result.is_error


def test_a_public_address_without_a_token_is_refused_at_start(pg_url, project_root):
    with http_server(pg_url, project_root, host="0.0.0.0") as (process, _port, line):
        assert process.wait(timeout=20) == 2
        assert process.stderr is not None
        rest = process.stderr.read()
    message = line + rest
    assert "refusing to serve HTTP on '0.0.0.0' without a token" in message
    assert "PGARCHITECT_HTTP_TOKEN" in message and "secrets.token_urlsafe" in message
    assert "listening" not in message


def test_a_public_address_with_a_token_checks_the_host_it_is_reached_by(pg_url, project_root):
    with http_server(
        pg_url,
        project_root,
        host="0.0.0.0",
        PGARCHITECT_HTTP_TOKEN=TOKEN,
        PGARCHITECT_HTTP_ALLOWED_HOSTS="db-tools.example:*",
    ) as (_process, port, line):
        assert line == f"pgarchitect: listening on http://0.0.0.0:{port}/mcp"
        token = {"Authorization": f"Bearer {TOKEN}"}
        assert post(port, token).status_code == 421  # 127.0.0.1 is not in the list
        assert post(port, token | {"Host": f"db-tools.example:{port}"}).status_code == 200


def _pgarchitect_backends(admin, url: str) -> list[tuple[str]]:
    """The server's sessions: it is the only client of the scratch database."""
    dbname = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    return admin.execute(
        "SELECT state FROM pg_stat_activity WHERE application_name = 'pgarchitect'"
        " AND datname = %s",
        (dbname,),
    ).fetchall()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_signal_stops_the_server_within_2_s_and_rolls_back_the_call(
    scratch_url, project_root, admin, signum
):
    slow = "SELECT count(*) FROM generate_series(1, 10000000000)"
    server = http_server(scratch_url, project_root, PGARCHITECT_ALLOW_ANALYZE="on")
    with server as (process, port, _line):
        async with Client(f"http://127.0.0.1:{port}/mcp", read_timeout_seconds=30) as client:

            async def call() -> None:
                with pytest.raises(Exception):  # noqa: B017 - the server went away mid-call
                    await client.call_tool("explain_query", {"sql": slow, "analyze": True})

            async with anyio.create_task_group() as group:
                group.start_soon(call)
                for _ in range(100):  # wait until the query runs
                    if ("active",) in _pgarchitect_backends(admin, scratch_url):
                        break
                    await anyio.sleep(0.1)
                assert ("active",) in _pgarchitect_backends(admin, scratch_url)
                started = time.monotonic()
                os.kill(process.pid, signum)
                code = await anyio.to_thread.run_sync(lambda: process.wait(timeout=10))
                stopped = time.monotonic() - started
                group.cancel_scope.cancel()
    assert stopped < 2, stopped
    assert code in (0, 130, -signum)
    for _ in range(20):
        if not _pgarchitect_backends(admin, scratch_url):
            break
        time.sleep(0.1)
    assert (
        _pgarchitect_backends(admin, scratch_url) == []
    )  # the statement stopped, the session closed
