"""The attack corpus (issue #13): hostile SQL, arguments, resource values, paths and sizes sent
through a real MCP client to a server with analyze allowed (the more exposed configuration).

Every case must be answered with a clear error (the fragment it names) or a safe answer, within
its time bound, and quote no secret. Around every case: the corpus database is unchanged (a
checksum of its catalog, row counts, contents and sequences), the sentinel backend is alive, no
file appeared in the project root or the repository, and no advisory lock is left held. Each
case runs in-memory with a server of its own; the inputs that once crashed or froze the server
run again in one `pgarchitect serve` process over stdio. Planted changes prove the watch sees
what it looks for. Database objects (views, casts, operators, domains, defaults) are trusted:
reaching side effects through them is answered, bounded and reset, not refused.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import psycopg
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError

from server.app import build_server
from server.config import load_settings
from tests.conftest import fresh_database, run_ddl
from tests.mcp.attack_cases import (
    ECHOED,
    HUGE_SQL,
    REACHED_THROUGH_OBJECTS,
    RESOURCE_VALUES,
    SAFE,
    SAMPLING_AND_WAITING,
    SERVER_FILES_AND_SETTINGS,
    SQL_FUNCTIONS,
    WRITES_AND_ESCAPES,
    XML_ENTITIES,
    Case,
    answered,
    case,
    hostile_arguments,
)
from tests.mcp.conftest import EXECUTABLE, ROOT, server_env

SECRET = "Zq9s3cr3tKw4"  # in a row, in a database setting read by a policy, in another setting
SETTING_SECRET = "Jw7t0kenPx2"

CORPUS = f"""
CREATE TABLE vault (id int PRIMARY KEY, secret text NOT NULL);
INSERT INTO vault VALUES (1, '{SECRET}');
CREATE TABLE victim (id int PRIMARY KEY, note text NOT NULL DEFAULT 'x');
INSERT INTO victim VALUES (1, 'still here');
CREATE SEQUENCE victim_seq;
SELECT setval('victim_seq', 10);
CREATE TABLE tenants (id int PRIMARY KEY, org text NOT NULL);
INSERT INTO tenants VALUES (1, 'acme');
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY by_org ON tenants USING (org = current_setting('app.org_key', true));
-- Database objects are trusted, the query text is not: these reach side effects only through
-- what the database itself defines (an IMMUTABLE function is even run while planning).
CREATE FUNCTION grab(int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS
  $$BEGIN PERFORM pg_advisory_lock(4242); RETURN $1; END$$;
CREATE FUNCTION grab2(int, int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT grab($1) + $2';
CREATE OPERATOR %%% (LEFTARG = int, RIGHTARG = int, FUNCTION = grab2);
CREATE TYPE boxed AS (v int);
CREATE FUNCTION to_boxed(int) RETURNS boxed LANGUAGE plpgsql IMMUTABLE AS
  $$BEGIN PERFORM pg_advisory_lock(4243); RETURN ROW($1); END$$;
CREATE CAST (int AS boxed) WITH FUNCTION to_boxed(int);
CREATE DOMAIN checked AS int CHECK (grab(VALUE) > 0);
CREATE TABLE defaults_t (id int, v int DEFAULT grab(1), s bigint DEFAULT nextval('victim_seq'));
CREATE VIEW listing AS SELECT pg_ls_dir('.') AS f;
CREATE VIEW sleeping AS SELECT pg_sleep(30)::text AS s;
CREATE VIEW locking AS SELECT pg_advisory_lock(4244)::text AS l;
CREATE FUNCTION deeper(int) RETURNS int LANGUAGE sql AS 'SELECT deeper($1 + 1)';
"""

CHECKSUM = """
SELECT md5(string_agg(line, E'\\n' ORDER BY line)) FROM (
  SELECT concat_ws(' ', 'class', c.oid, c.relname, c.relkind, c.relnamespace, c.relfilenode,
                   c.relacl, c.relrowsecurity, c.relforcerowsecurity) FROM pg_class c
  UNION ALL SELECT concat_ws(' ', 'attribute', a.attrelid, a.attname, a.atttypid, a.attnotnull,
                   a.attisdropped) FROM pg_attribute a
  UNION ALL SELECT concat_ws(' ', 'proc', p.oid, p.proname, p.prosrc, p.proacl) FROM pg_proc p
  UNION ALL SELECT concat_ws(' ', 'namespace', n.oid, n.nspname, n.nspacl) FROM pg_namespace n
  UNION ALL SELECT concat_ws(' ', 'constraint', oid, conname) FROM pg_constraint
  UNION ALL SELECT concat_ws(' ', 'policy', oid, polname, pg_get_expr(polqual, polrelid))
                   FROM pg_policy
  UNION ALL SELECT concat_ws(' ', 'type', oid, typname) FROM pg_type
  UNION ALL SELECT concat_ws(' ', 'operator', oid, oprname) FROM pg_operator
  UNION ALL SELECT concat_ws(' ', 'cast', oid, castfunc) FROM pg_cast
  UNION ALL SELECT concat_ws(' ', 'trigger', oid, tgname) FROM pg_trigger
  UNION ALL SELECT concat_ws(' ', 'extension', extname, extversion) FROM pg_extension
  UNION ALL SELECT concat_ws(' ', 'setting', setdatabase, setrole, setconfig)
                   FROM pg_db_role_setting
  UNION ALL SELECT concat_ws(' ', 'sequence', schemaname, sequencename, last_value)
                   FROM pg_sequences
  UNION ALL SELECT concat_ws(' ', 'largeobject', oid) FROM pg_largeobject_metadata
  UNION ALL SELECT concat_ws(' ', 'prepared', gid) FROM pg_prepared_xacts
  UNION ALL SELECT concat_ws(' ', 'vault', count(*), md5(string_agg(v::text, ',' ORDER BY id)))
                   FROM app.vault v
  UNION ALL SELECT concat_ws(' ', 'victim', count(*), md5(string_agg(v::text, ',' ORDER BY id)))
                   FROM app.victim v
  UNION ALL SELECT concat_ws(' ', 'tenants', count(*)) FROM app.tenants
  UNION ALL SELECT concat_ws(' ', 'defaults', count(*)) FROM app.defaults_t
) lines(line)
"""
ADVISORY_LOCKS = """
SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
WHERE l.locktype = 'advisory' AND d.datname = current_database()
"""
SKIPPED_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis"}


OUTSIDE = "outside the project root"
PATHS = [
    case("spec-symlink-to-passwd", "read_schema_spec", {"path": "specs/passwd.md"}, OUTSIDE),
    case(
        "spec-through-dir-symlink", "read_schema_spec", {"path": "specs/root/etc/passwd"}, OUTSIDE
    ),
    case("spec-symlink-outside", "read_schema_spec", {"path": "specs/elsewhere.md"}, OUTSIDE),
    case("spec-symlink-loop", "read_schema_spec", {"path": "specs/loop.md"}, "cannot be resolved"),
    case("spec-dot-dot", "read_schema_spec", {"path": "../../../../etc/passwd"}, OUTSIDE),
    case("spec-absolute", "read_schema_spec", {"path": "/etc/passwd"}, OUTSIDE),
    case("spec-a-directory", "read_schema_spec", {"path": "specs"}, "not a file"),
    case("spec-nul-in-path", "read_schema_spec", {"path": "specs/a\x00.md"}, "contains a NUL"),
    case(
        "drift-symlink-to-passwd",
        "compare_spec_to_database",
        {"schema": "app", "path": "specs/passwd.md"},
        OUTSIDE,
    ),
    case(
        "codegen-spec-symlink",
        "generate_model",
        {"source": "spec", "spec_path": "specs/passwd.md"},
        OUTSIDE,
    ),
    case(
        "codegen-write-through-symlink",
        "generate_model",
        {"schema": "app", "path": "out/models.py"},
        OUTSIDE,
    ),
    case(
        "codegen-write-sitecustomize",
        "generate_model",
        {"schema": "app", "path": "sitecustomize.py"},
        "every start",
    ),
    case(
        "codegen-write-dot-dir",
        "generate_model",
        {"schema": "app", "path": ".git/hooks/x.py"},
        "dot-directory",
    ),
    case(
        "review-symlink-outside",
        "review_models",
        {"paths": ["app/outside.py"], "against": ["spec"]},
        SAFE,
    ),
    case("review-absolute", "review_models", {"paths": ["/etc"], "against": ["spec"]}, SAFE),
]
FREEZING_SPECS = {
    "line-300k.md": "a" * 300_000,
    "line-990k.md": "a " * 495_000,
    "header-48k.md": "|" + " col |" * 8_000 + "\n|" + "---|" * 8_000,
    "columns-5000.md": "| name | type |\n|---|---|\n"
    + "".join(f"| c{i} | text |\n" for i in range(5_000)),
    "headings-100k.md": "".join(f"## h{i}\n" for i in range(100_000)),
}
# Seconds, with room for a loaded machine; 100,000 headings take about 10 s over MCP today,
# against the 1 s the issue asks of the reader.
FREEZING_BOUNDS = {name: 60 if "headings" in name else 30 for name in FREEZING_SPECS}
HUGE_INPUTS = [
    case("spec-50-mb", "read_schema_spec", {"path": "specs/huge.md"}, "over the 1 MB limit", 30),
    *(
        answered(f"spec-{name[:-3]}", "read_schema_spec", {"path": f"specs/{name}"}, name, bound)
        for name, bound in FREEZING_BOUNDS.items()
    ),
    answered(
        "spec-nested-1000", "read_schema_spec", {"path": "specs/nested.md"}, "specs/nested.md", 30
    ),
    case(
        "queries-5000",
        "suggest_indexes",
        {
            "schema": "app",
            "queries": [f"SELECT * FROM app.victim WHERE id = {i}" for i in range(5000)],
        },
        SAFE,
        70,
    ),
    answered(
        "one-query-10-mb-to-suggest",
        "suggest_indexes",
        {"schema": "app", "queries": ["SELECT '" + "x" * 10_000_000 + "'"]},
        "at most 100,000 are read",
        30,
    ),
    answered(
        "review-nested-1000",
        "review_models",
        {"paths": ["app/nested.py"], "against": ["spec"]},
        '"unread":',
        30,
    ),
    answered(
        "review-unary-100000",
        "review_models",
        {"paths": ["app/unary.py"], "against": ["spec"]},
        '"unread":1',
        30,
    ),
    answered(
        "spec-python-unary-100000", "read_schema_spec", {"path": "specs/unary.md"}, '"warnings"', 30
    ),
    case(
        "tables-nested-json",
        "reflect_database",
        {"schema": "app", "tables": [[[["x"]]]]},
        "invalid arguments",
    ),
]
ALL_CASES = (
    SQL_FUNCTIONS
    + REACHED_THROUGH_OBJECTS
    + SAMPLING_AND_WAITING
    + SERVER_FILES_AND_SETTINGS
    + ECHOED
    + WRITES_AND_ESCAPES
    + XML_ENTITIES
    + HUGE_SQL
    + hostile_arguments()
    + RESOURCE_VALUES
    + PATHS
    + HUGE_INPUTS
)


def test_the_corpus_has_at_least_100_distinct_cases():
    calls = {repr((param.values[0].tool, param.values[0].arguments)) for param in ALL_CASES}
    assert len({param.id for param in ALL_CASES}) == len(ALL_CASES)
    assert len(calls) == len(ALL_CASES) >= 100


@pytest.fixture(scope="module")
def corpus_url(admin: psycopg.Connection, pg_url: str) -> Iterator[str]:
    """A database of its own (its checksum covers it whole), with the secrets in a table and in
    database settings (a policy reads app.org_key; app.jwt_secret no policy reads)."""
    with fresh_database(admin, pg_url) as url:
        dbname = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
        for name, value in (("app.org_key", SECRET), ("app.jwt_secret", SETTING_SECRET)):
            admin.execute(f"ALTER DATABASE \"{dbname}\" SET {name} = '{value}'")
        with psycopg.connect(url, autocommit=True) as setup:
            setup.execute("CREATE SCHEMA app")
            run_ddl(setup, "app", CORPUS)
        yield url


def _write_project(root: Path, outside: Path) -> None:
    from server.demo import sample_file

    specs = root / "specs"
    (specs / "database").mkdir(parents=True)
    (specs / "database" / "schema.md").write_text(sample_file("schema.md"), encoding="utf-8")
    (specs / "passwd.md").symlink_to("/etc/passwd")
    (specs / "root").symlink_to("/")
    (outside / "spec.md").write_text("# Spec\n\n## Tables\n\n### secret\n", encoding="utf-8")
    (specs / "elsewhere.md").symlink_to(outside / "spec.md")
    (specs / "loop.md").symlink_to(specs / "loop.md")
    with (specs / "huge.md").open("w", encoding="utf-8") as huge:
        line = "| col | text | NOT NULL |\n"
        huge.write("# Huge\n\n## Tables\n\n### t\n\n| name | type | notes |\n|---|---|---|\n")
        huge.write(line * (50_000_000 // len(line) + 1))
    nested = "# Nested\n\n## Tables\n\n### t\n\n" + "- " * 1000 + "level\n\n" + "> " * 1000
    (specs / "nested.md").write_text(nested + "quote\n\n" + "[" * 1000 + "\n", encoding="utf-8")
    (root / "app").mkdir()
    (outside / "models.py").write_text("SECRET = 1\n", encoding="utf-8")
    (root / "app" / "outside.py").symlink_to(outside / "models.py")
    (root / "app" / "nested.py").write_text(
        "from sqlmodel import SQLModel, Field\n\nx = " + "(" * 1000 + "1" + ")" * 1000 + "\n"
    )
    (root / "app" / "unary.py").write_text(
        "from sqlmodel import SQLModel, Field\n\nclass T(SQLModel, table=True):\n"
        f"    id: int = Field(default={'-' * 100_000}1, primary_key=True)\n"
    )
    unary = f"class T(SQLModel, table=True):\n    id: int = {'-' * 100_000}1\n"
    (specs / "unary.md").write_text(f"# Unary\n\n## Tables\n\n```python\n{unary}```\n")
    (root / "out").symlink_to(outside)
    for name, text in FREEZING_SPECS.items():  # what froze the reader (issue #13, item 2)
        (specs / name).write_text(f"# Spec\n\n## Tables\n\n### t\n\n{text}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project root: the sample spec and hostile files (symlinks out, 50 MB, 1,000 levels)."""
    root = tmp_path_factory.mktemp("attack-project")
    outside = tmp_path_factory.mktemp("attack-outside")
    _write_project(root, outside)
    return root


def _files(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root (symlinks not followed) with its size and mtime."""
    found = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        for name in names:
            path = Path(folder, name)
            info = path.lstat()
            found[str(path)] = (info.st_size, info.st_mtime_ns)
    return found


@pytest.fixture(scope="module")
def watched(corpus_url: str, project: Path) -> Iterator[dict[str, Any]]:
    """What must not change: the checksum, the files, and a sentinel backend kept open."""
    with psycopg.connect(corpus_url, autocommit=True) as sentinel:
        checksum = sentinel.execute(CHECKSUM).fetchone()
        assert checksum is not None  # an aggregate: always one row
        yield {
            "sentinel": sentinel,
            "pid": sentinel.info.backend_pid,
            "checksum": checksum[0],
            "files": _files(project),
            "repository": set(_files(ROOT)),  # paths only: someone may be editing a file
        }


def _text(result: Any) -> str:
    return " ".join(getattr(item, "text", "") for item in result.content)


async def _call(client: Client, attack: Case) -> tuple[bool, str]:
    """(is_error, text) of one case, resources included."""
    if attack.tool == "resource":
        try:
            resource = await client.read_resource(attack.arguments["uri"])
        except MCPError as err:
            return True, str(err)
        return False, " ".join(getattr(c, "text", "") for c in resource.contents)
    result = await client.call_tool(attack.tool, attack.arguments)
    return result.is_error, _text(result)


def _assert_clear(text: str) -> None:
    """One clear sentence: no traceback, no 'internal error', no unexpected exception."""
    wrong = ("Traceback", "internal error", "unexpected", "connection problem", "query: an error")
    for word in wrong:
        assert word not in text, text[:500]


PLANTED = [
    pytest.param("UPDATE app.victim SET note = 'gone'", id="row-changed"),
    pytest.param("INSERT INTO app.vault VALUES (2, 'more')", id="row-added"),
    pytest.param("CREATE TABLE app.stolen (x int)", id="table-created"),
    pytest.param("CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'SELECT 1'", id="function"),
    pytest.param("ALTER SEQUENCE app.victim_seq RESTART WITH 5", id="sequence-restarted"),
    pytest.param("SELECT lo_create(0)", id="large-object"),
    pytest.param("DROP POLICY by_org ON app.tenants", id="policy-dropped"),
]


@pytest.mark.parametrize("statement", PLANTED)
def test_the_checksum_sees_a_planted_change(watched: dict[str, Any], statement: str):
    sentinel = watched["sentinel"]
    with sentinel.transaction(force_rollback=True):
        sentinel.execute(statement)  # trusted test SQL
        assert sentinel.execute(CHECKSUM).fetchone()[0] != watched["checksum"]
    assert sentinel.execute(CHECKSUM).fetchone()[0] == watched["checksum"]


def test_the_watch_sees_a_held_lock_a_new_file_and_an_unclear_error(
    corpus_url: str, project: Path, watched: dict[str, Any]
):
    with psycopg.connect(corpus_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(1)")
        assert watched["sentinel"].execute(ADVISORY_LOCKS).fetchone() == (1,)
    planted = project / "planted.py"
    planted.write_text("")
    try:
        assert _files(project) != watched["files"]
    finally:
        planted.unlink()
    with pytest.raises(AssertionError):
        _assert_clear("explain_query failed: unexpected ValueError in the server")
    _assert_unchanged(watched, project)


SETTINGS = {
    "PGARCHITECT_ALLOW_ANALYZE": "on",
    "PGARCHITECT_STATEMENT_TIMEOUT": "3",
    "PGARCHITECT_CALL_TIMEOUT": "60",
}


async def _attack(client: Client, attack: Case) -> None:
    """Send one case and check its answer: in time, clear, of the expected kind, no secret."""
    started = time.monotonic()
    failed, text = await _call(client, attack)
    elapsed = time.monotonic() - started
    assert elapsed < attack.bound_s, f"{attack.case_id}: {elapsed:.1f} s: {text[:300]}"
    assert SECRET not in text and SETTING_SECRET not in text, text[:500]
    assert "root:x:0:0" not in text  # /etc/passwd
    _assert_clear(text)
    if attack.error is not None:
        assert failed is attack.error, f"{attack.case_id}: {text[:500]}"
    if attack.expect is not None:
        assert attack.expect in text, f"{attack.case_id}: {text[:500]}"


def _assert_unchanged(watched: dict[str, Any], project: Path) -> None:
    """The database, its sessions and the files are as they were before the corpus."""
    sentinel = watched["sentinel"]
    assert sentinel.execute("SELECT pg_backend_pid()").fetchone() == (watched["pid"],)
    assert sentinel.execute(CHECKSUM).fetchone()[0] == watched["checksum"]
    assert sentinel.execute(ADVISORY_LOCKS).fetchone() == (0,)  # every session was released
    assert _files(project) == watched["files"]
    assert set(_files(ROOT)) == watched["repository"]


@pytest.mark.parametrize("attack", ALL_CASES)
async def test_attack_is_refused_or_answered_safely(
    attack: Case, corpus_url: str, project: Path, watched: dict[str, Any], monkeypatch
):
    monkeypatch.setenv("DATABASE_URL", corpus_url)
    for name, value in SETTINGS.items():
        monkeypatch.setenv(name, value)
    async with Client(build_server(load_settings(project_root=project))) as client:
        await _attack(client, attack)
        assert (await client.call_tool("explain_query", {"sql": "SELECT 1"})).is_error is False
        await _no_lock_left_in_the_pool(watched["sentinel"])  # its sessions are still open
    _assert_unchanged(watched, project)


async def _no_lock_left_in_the_pool(sentinel: psycopg.Connection) -> None:
    """No advisory lock held by the corpus database's sessions once the pool has reset them
    (a worker resets a returned connection: give it a moment)."""
    for _ in range(40):
        if sentinel.execute(ADVISORY_LOCKS).fetchone() == (0,):
            return
        await anyio.sleep(0.05)
    raise AssertionError("a pooled session still holds an advisory lock after its call")


# The inputs that once crashed or froze the server process (issue #13), over stdio: a crash of
# the parser would close the connection, a freeze would hold the next call.
IN_A_PROCESS = {
    "plus-chain-30000",
    "concat-chain-50000",
    "union-all-20000",
    "query-10-mb",
    "nesting-1000",
    "nul-in-query",
    "queries-5000",
    "spec-50-mb",
    "spec-nested-1000",
    "spec-line-990k",
    "spec-headings-100k",
    "review-unary-100000",
    "chr-overflow",
    "view-taking-advisory-lock",
    "resource-nul",
}


@pytest.mark.slow
async def test_the_heaviest_cases_leave_a_server_process_serving(
    corpus_url: str, project: Path, watched: dict[str, Any]
):
    attacks = [param.values[0] for param in ALL_CASES if param.id in IN_A_PROCESS]
    assert len(attacks) == len(IN_A_PROCESS)
    env = {**server_env(corpus_url, project), **SETTINGS}
    target = StdioServerParameters(command=str(EXECUTABLE), args=["serve"], env=env)
    async with Client(target, read_timeout_seconds=120) as client:
        for attack in attacks:
            await _attack(client, attack)
            assert (await client.call_tool("explain_query", {"sql": "SELECT 1"})).is_error is False
    _assert_unchanged(watched, project)
