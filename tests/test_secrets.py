"""Secrets never printed: a known password, in every form DATABASE_URL takes (URL, URL-encoded,
?password=, key=value, malformed), is grepped for in every output, error, log line (DEBUG),
resource and HTTP response of serve (stdio and HTTP), review and demo: zero hits, connection
failures included. And explain_query(analyze=True): off by default, never echoes row values."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.types import TextContent

from server.app import build_server
from server.config import load_settings
from server.masking import mask_text, mask_url, url_password
from tests.conftest import run_ddl
from tests.mcp.conftest import EXECUTABLE, first_text, free_port

pytestmark = pytest.mark.slow

# Distinctive fragments around every character that must be percent-encoded: any fragment in
# an output means a password leaked, whole or in part.
FRAGMENTS = ["Alpha9q", "Bravo7w", "Charlie5e", "Delta3r", "Echo1t", "Foxtrot0y"]
PASSWORD = "Alpha9q%Bravo7w/Charlie5e#Delta3r?Echo1t Foxtrot0y"
PLAIN = "Alpha9qBravo7wCharlie5e"
USER = "pga_secret_user"


def _urls(port: int | str, dbname: str) -> dict[str, str]:
    base = f"127.0.0.1:{port}/{dbname}"
    return {
        "encoded": f"postgresql://{USER}:{quote(PASSWORD, safe='')}@{base}",
        "plain": f"postgresql://{USER}:{PLAIN}@{base}",
        "query": f"postgresql://{USER}@{base}?password={PLAIN}",
        "dsn": f"host=127.0.0.1 port={port} dbname={dbname} user={USER} password='{PASSWORD}'",
        "refused": f"postgresql://{USER}:{PLAIN}@127.0.0.1:1/{dbname}",
        "no-database": f"postgresql://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:{port}/nodb_x",
        "literal-percent": f"postgresql://{USER}:Alpha9q%Bravo7w@{base}",
        "percent-00": f"postgresql://{USER}:Alpha9q%00Bravo7w@{base}",
        "space": f"postgresql://{USER}:Alpha9q Bravo7w@{base}",
        "slash": f"postgresql://{USER}:Alpha9q/Bravo7w@{base}",
        "hash": f"postgresql://{USER}:Alpha9q#Bravo7w@{base}",
        "question": f"postgresql://{USER}:Alpha9q?Bravo7w@{base}",
        "at": f"postgresql://{USER}:Alpha9q@Bravo7w@{base}",
    }


def _leaks(text: str) -> list[str]:
    return [fragment for fragment in FRAGMENTS if fragment in text]


@pytest.fixture(scope="module")
def secret_role(admin):
    admin.execute(f"DROP ROLE IF EXISTS {USER}")
    admin.execute(f"CREATE ROLE {USER} LOGIN SUPERUSER PASSWORD '{PLAIN}'")
    yield USER
    admin.execute(f"DROP ROLE IF EXISTS {USER}")


@pytest.fixture(scope="module")
def urls(secret_role, pg_url) -> dict[str, str]:
    parts = psycopg_parts(pg_url)
    return _urls(parts["port"], parts["dbname"])


def psycopg_parts(url: str) -> dict[str, str]:
    from psycopg.conninfo import conninfo_to_dict

    options = conninfo_to_dict(url)
    return {
        "port": str(options.get("port", 5432)),
        "dbname": str(options.get("dbname", "postgres")),
    }


def _env(url: str, root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PGARCHITECT_")}
    env.update(
        DATABASE_URL=url,
        PGARCHITECT_PROJECT_ROOT=str(root),
        PGARCHITECT_LOG_LEVEL="DEBUG",
        PGARCHITECT_LOG_MODULES="psycopg,psycopg.pool,mcp,uvicorn,httpx,starlette,sse_starlette",
        PGARCHITECT_CONNECT_TIMEOUT="1",
        PGARCHITECT_CONNECT_RETRIES="0",
    )
    return env


def _run(args: list[str], url: str, root: Path) -> str:
    done = subprocess.run(
        [str(EXECUTABLE), *args],
        env=_env(url, root),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
    )
    return done.stdout + done.stderr


CASES = list(_urls(5432, "postgres"))


@pytest.mark.parametrize("case", CASES)
def test_review_and_demo_never_print_the_password(urls, case, tmp_path, schema, admin):
    run_ddl(admin, schema, "CREATE TABLE account (id int PRIMARY KEY, org_id int)")
    output = _run(["review", "--no-spec", "--schema", schema], urls[case], tmp_path)
    output += _run(
        ["review", "--no-spec", "--schema", schema, "--format", "json"], urls[case], tmp_path
    )
    output += _run(["demo", "--schema", schema], urls[case], tmp_path)
    assert output.strip()  # something was said
    assert _leaks(output) == [], output[-2000:]


CALLS: list[tuple[str, dict[str, Any]]] = [
    ("reflect_database", {"schema": "public", "tables": ["nope"]}),
    ("explain_query", {"sql": "SELECT 1"}),
    ("explain_query", {"sql": "SELECT * FROM no_such_table"}),
    ("validate_isolation", {"schema": "no_such_schema"}),
]


async def _session(client: Client) -> str:
    texts = []
    for name, arguments in CALLS:
        result = await client.call_tool(name, arguments)
        for content in result.content:
            assert isinstance(content, TextContent), content
            texts.append(content.text)
        texts.append(str(result.structured_content))
    for uri in ("pgarchitect://spec", "pgarchitect://checklist", "pgarchitect://schema/public"):
        try:
            texts += [str(content) for content in (await client.read_resource(uri)).contents]
        except Exception as err:  # an error answer is an output too
            texts.append(str(err))
    return "\n".join(texts)


@pytest.mark.parametrize("case", ["encoded", "dsn", "refused", "no-database", "query"])
async def test_a_stdio_session_never_shows_the_password(urls, case, tmp_path):
    errlog_path = tmp_path / "stderr.log"
    with errlog_path.open("w") as errlog:
        params = StdioServerParameters(
            command=str(EXECUTABLE), args=["serve"], env=_env(urls[case], tmp_path)
        )
        async with Client(stdio_client(params, errlog=errlog), read_timeout_seconds=60) as client:
            answers = await _session(client)
    logged = errlog_path.read_text()
    assert " DEBUG " in logged  # debug logging was on, third-party loggers included
    assert _leaks(answers + logged) == [], (answers + logged)[-2000:]


@pytest.mark.parametrize("case", ["literal-percent", "slash", "hash", "space", "at"])
def test_serve_with_a_malformed_url_exits_without_echoing_it(urls, case, tmp_path):
    output = _run(["serve"], urls[case], tmp_path)
    assert "percent-encoded" in output and "the URL is not shown" in output
    assert _leaks(output) == []


@pytest.mark.parametrize("case", ["encoded", "refused"])
async def test_http_responses_and_logs_never_show_the_password(urls, case, tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [str(EXECUTABLE), "serve", "--transport", "http", "--port", str(port)],
        env=_env(urls[case], tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        early = []  # with DEBUG on, log lines may come before "listening on …"
        assert process.stderr is not None
        while (line := process.stderr.readline()) and "listening on" not in line:
            early.append(line)
        async with Client(f"http://127.0.0.1:{port}/mcp", read_timeout_seconds=60) as client:
            answers = await _session(client)
        with httpx2.Client(timeout=10) as http:
            raw = http.get(f"http://127.0.0.1:{port}/mcp").text
            raw += http.post(f"http://127.0.0.1:{port}/mcp", content=b"{").text
    finally:
        process.terminate()
        output, errors = process.communicate(timeout=10)
    errors = "".join(early) + errors
    assert _leaks(answers + raw + output + errors) == [], errors[-2000:]


@pytest.mark.parametrize("case", CASES)
def test_masking_hides_every_spelling_of_the_password(urls, case):
    url = urls[case]
    assert _leaks(mask_url(url)) == []
    message = f"cannot connect to {url}: failed; again: {url}"
    assert _leaks(mask_text(message, url)) == []
    assert _leaks(mask_text(message)) == []  # even without knowing the URL


def test_url_password_reads_what_urlsplit_gets_wrong():
    assert url_password("postgresql://u:a/b#c?d@h/db") == "a/b#c?d"
    assert url_password("host=h password='a b' user=u") == "a b"
    assert url_password("postgresql://u@h/db?sslmode=require&password=x%20y") == "x%20y"
    assert url_password("postgresql://u@h/db") is None


# --- analyze ---------------------------------------------------------------------------------

SECRET_ROWS = """
CREATE TABLE vault (id int PRIMARY KEY, secret text NOT NULL);
INSERT INTO vault SELECT g, 'Zq8-secret-' || g FROM generate_series(1, 50) g;
ANALYZE vault;
"""
ANALYZED = [
    "SELECT * FROM vault",
    "SELECT secret FROM vault ORDER BY secret LIMIT 3",
    "SELECT max(secret), string_agg(secret, ',') FROM vault",
    "SELECT * FROM vault WHERE secret = (SELECT min(secret) FROM vault)",
    "SELECT v.secret FROM vault v JOIN vault w ON w.secret = v.secret",
    "SELECT DISTINCT secret FROM vault",
    "SELECT secret, count(*) FROM vault GROUP BY secret HAVING count(*) > 0",
    "WITH s AS MATERIALIZED (SELECT secret FROM vault) SELECT * FROM s WHERE secret > 'Zq'",
]


def _server(pg_url: str, root: Path, monkeypatch, allow: bool):
    monkeypatch.setenv("DATABASE_URL", pg_url)
    if allow:
        monkeypatch.setenv("PGARCHITECT_ALLOW_ANALYZE", "on")
    return build_server(load_settings(project_root=root))


async def test_analyze_is_off_unless_the_server_allows_it(pg_url, tmp_path, monkeypatch):
    async with Client(_server(pg_url, tmp_path, monkeypatch, allow=False)) as client:
        refused = await client.call_tool("explain_query", {"sql": "SELECT 1", "analyze": True})
        plain = await client.call_tool("explain_query", {"sql": "SELECT 1"})
    text = first_text(refused)
    assert refused.is_error and "analyze=True is off on this server" in text
    assert "PGARCHITECT_ALLOW_ANALYZE=on" in text and "analyze=False" in text
    assert not plain.is_error


@pytest.mark.parametrize("query", ANALYZED)
async def test_analyze_never_echoes_row_values(pg_url, tmp_path, monkeypatch, ddl, schema, query):
    ddl(SECRET_ROWS)
    async with Client(_server(pg_url, tmp_path, monkeypatch, allow=True)) as client:
        result = await client.call_tool(
            "explain_query", {"sql": query, "analyze": True, "schema": schema}
        )
    assert not result.is_error, first_text(result)
    assert result.structured_content["analyzed"] is True
    answer = first_text(result) + str(result.structured_content)
    assert "Zq8-secret-" not in answer
