"""Connection failures as a person meets them (#10): `pgarchitect review` and an MCP tool call
over stdio, against a wrong password, a refused port, a host name that does not resolve and a
port that accepts and never answers. What cannot succeed answers at once with its fix; the
silent port costs PGARCHITECT_CONNECT_TIMEOUT x (PGARCHITECT_CONNECT_RETRIES + 1), no more.

The test server trusts every login, so the wrong password comes from a listener made here that
speaks the start of the PostgreSQL protocol and refuses the login as a server would (28P01).
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from tests.mcp.conftest import EXECUTABLE, first_text

SSL_OR_GSS_REQUEST = {80877103, 80877104}
AUTH_FAILED = b"".join(
    code + text.encode() + b"\0"
    for code, text in [
        (b"S", "FATAL"),
        (b"V", "FATAL"),
        (b"C", "28P01"),
        (b"M", 'password authentication failed for user "app"'),
    ]
)
TIMEOUT_S, RETRIES = 2, 1
SILENT_BOUND_S = TIMEOUT_S * (RETRIES + 1) + 1.0
AT_ONCE_S = 1.5


def _refuse_login(conn: socket.socket) -> None:
    """Answer SSL/GSS requests with 'N', the startup message with a password failure."""
    with conn:
        conn.settimeout(5)
        while True:
            head = conn.recv(8, socket.MSG_WAITALL)
            if len(head) < 8:
                return
            length, code = struct.unpack("!ii", head)
            if code in SSL_OR_GSS_REQUEST:
                conn.sendall(b"N")
                continue
            conn.recv(length - 8, socket.MSG_WAITALL)  # the startup parameters
            body = AUTH_FAILED + b"\0"
            conn.sendall(b"E" + struct.pack("!i", len(body) + 4) + body)
            return


class Listener:
    """A TCP listener on 127.0.0.1 that either never says a word or refuses every login."""

    def __init__(self, refuse_login: bool) -> None:
        self.refuse_login = refuse_login
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.held: list[socket.socket] = []
        self.accepted = 0  # connections made to it: one per attempt
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn = self.socket.accept()[0]
            except OSError:
                continue
            self.accepted += 1
            if self.refuse_login:
                threading.Thread(target=_refuse_login, args=(conn,), daemon=True).start()
            else:
                self.held.append(conn)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=2)
        for conn in self.held:
            conn.close()
        self.socket.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again: connecting is refused


@pytest.fixture(params=["wrong-password", "refused", "dns", "silent"])
def failure(request) -> Iterator[tuple[str, str, float, Listener | None]]:
    """(DATABASE_URL, what the error must say, the most the failure may cost in seconds, the
    listener behind it if any)."""
    listener = None
    if request.param in ("wrong-password", "silent"):
        listener = Listener(refuse_login=request.param == "wrong-password")
    try:
        yield {
            "wrong-password": (
                f"postgresql://app:hunter2@127.0.0.1:{listener and listener.port}/db",
                "password authentication failed",
                AT_ONCE_S,
            ),
            "refused": (
                f"postgresql://app:hunter2@127.0.0.1:{closed_port()}/db",
                "Connection refused",
                AT_ONCE_S,
            ),
            "dns": ("postgresql://app:hunter2@no-such-host.invalid/db", "resolve host", AT_ONCE_S),
            "silent": (
                f"postgresql://app:hunter2@127.0.0.1:{listener and listener.port}/db",
                "timeout expired",
                SILENT_BOUND_S,
            ),
        }[request.param] + (listener,)
    finally:
        if listener is not None:
            listener.close()


def failing_env(url: str, project_root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PGARCHITECT_")}
    env.update(
        DATABASE_URL=url,
        PGARCHITECT_CONNECT_TIMEOUT=str(TIMEOUT_S),
        PGARCHITECT_CONNECT_RETRIES=str(RETRIES),
        PGARCHITECT_PROJECT_ROOT=str(project_root),
        PGARCHITECT_LOG_LEVEL="WARNING",
    )
    return env


def interpreter_start_s() -> float:
    """What starting the CLI costs here with nothing to connect to (`pgarchitect --version`)."""
    started = time.monotonic()
    subprocess.run([str(EXECUTABLE), "--version"], check=True, capture_output=True, timeout=60)
    return time.monotonic() - started


def attempts(listener: Listener | None, calls: int) -> None:
    """A login refused is tried once per call (a retry could not help); a silent server
    RETRIES + 1 times."""
    if listener is not None:
        per_call = 1 if listener.refuse_login else RETRIES + 1
        assert listener.accepted == per_call * calls


def test_review_fails_fast_with_the_masked_url_and_the_fix(failure, tmp_path):
    url, reason, bound, listener = failure
    start_s = interpreter_start_s()
    started = time.monotonic()
    done = subprocess.run(
        [str(EXECUTABLE), "review", "--no-spec"],
        env=failing_env(url, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 2, done.stderr
    assert reason in done.stderr and "app:***@" in done.stderr, done.stderr
    assert "hunter2" not in done.stderr + done.stdout and "Traceback" not in done.stderr
    assert elapsed <= bound + 2 * start_s + 1.0, (elapsed, start_s, done.stderr)
    attempts(listener, 1)


async def test_an_mcp_call_fails_fast_with_the_masked_url_and_the_fix(failure, tmp_path):
    url, reason, bound, listener = failure
    target = StdioServerParameters(
        command=str(EXECUTABLE), args=["serve"], env=failing_env(url, tmp_path)
    )
    async with Client(target, read_timeout_seconds=60) as client:
        await client.list_tools()  # the tools are loaded: the call below times the connection
        for _attempt in range(2):  # the second call fails as fast: nothing is left waiting
            started = time.monotonic()
            result = await client.call_tool("reflect_database", {})
            elapsed = time.monotonic() - started
            text = first_text(result)
            assert result.is_error and reason in text and "app:***@" in text, text
            assert "hunter2" not in text and "; " in text, text  # the problem; the fix
            assert elapsed <= bound, (elapsed, text)
        assert (await client.list_tools()).tools  # and the server keeps serving
    attempts(listener, 2)
