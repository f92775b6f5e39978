"""End to end with a client nobody here wrote: the MCP Inspector's CLI (npm, pinned in
tests/inspector/package-lock.json) lists and calls every tool, resource and prompt, over stdio and
over HTTP, and runs the README's literal `.mcp.json` through its `--config`.

`npm ci` in tests/inspector installs it (the test runs it when node_modules is missing); the
test skips with a message only where Node.js (npx, npm) is not installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from server.demo import SAMPLE_ROLE, load_sample
from tests.mcp.conftest import EXECUTABLE, ROOT, server_env

PACKAGE = ROOT / "tests" / "inspector"
BIN = PACKAGE / "node_modules" / ".bin" / "mcp-inspector"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def inspector() -> str:
    """The pinned Inspector's command, installed with `npm ci` when it is not yet."""
    if shutil.which("npx") is None or shutil.which("npm") is None:
        pytest.skip("npx/npm not installed: the MCP Inspector end-to-end test needs Node.js")
    if not BIN.exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=PACKAGE,
            check=True,
            capture_output=True,
            timeout=900,
        )
    return str(BIN)


def first_json(text: str) -> dict[str, Any]:
    """The Inspector prints the result, then on failure a second document with the error."""
    document, _end = json.JSONDecoder().raw_decode(text.lstrip())
    return document


def tool_calls(schema: str) -> dict[str, tuple[list[str], Callable[[dict[str, Any]], bool]]]:
    """Arguments for every tool, and what its structured answer must show."""
    query = f"SELECT id, title FROM {schema}.tasks WHERE org_id = $1 AND status = 'todo'"
    return {
        "read_schema_spec": ([], lambda s: len(s["entities"]) == 7),
        "reflect_database": ([f"schema={schema}"], lambda s: s["table_count"] == 7),
        "compare_spec_to_database": ([f"schema={schema}"], lambda s: bool(s["findings"])),
        "validate_isolation": (
            [f"schema={schema}", f"app_role={SAMPLE_ROLE}", "probe=true"],
            lambda s: (
                s["verdict"] == "leak proven" and s["probe"]["tenant_setting"] == "app.org_id"
            ),
        ),
        "suggest_indexes": (
            [f"schema={schema}", f"queries={json.dumps([query])}"],
            lambda s: bool(s["suggestions"]),
        ),
        "explain_query": ([f"sql={query}", f"schema={schema}"], lambda s: s["total_cost"] > 0),
        "generate_model": (
            [f"schema={schema}", 'tables=["organizations", "projects"]'],
            lambda s: "class Organization(SQLModel, table=True)" in s["code"],
        ),
        "review_models": ([f"schema={schema}"], lambda s: "summary" in s),
    }


def prompt(name: str, *arguments: str) -> list[str]:
    return ["--method", "prompts/get", "--prompt-name", name, "--prompt-args", *arguments]


def other_calls(schema: str) -> list[tuple[list[str], Callable[[dict[str, Any]], bool]]]:
    """Every resource and prompt, read through the Inspector."""

    def text(document: dict[str, Any]) -> str:
        return document["messages"][0]["content"]["text"]

    return [
        (["--method", "resources/list"], lambda d: len(d["resources"]) >= 2),
        (["--method", "resources/templates/list"], lambda d: len(d["resourceTemplates"]) == 1),
        (
            ["--method", "resources/read", "--uri", "pgarchitect://checklist"],
            lambda d: "checklist" in d["contents"][0]["text"],
        ),
        (
            ["--method", "resources/read", "--uri", "pgarchitect://spec"],
            lambda d: "Taskly" in d["contents"][0]["text"],
        ),
        (
            ["--method", "resources/read", "--uri", f"pgarchitect://schema/{schema}"],
            lambda d: "tasks: 11 cols" in d["contents"][0]["text"],
        ),
        (["--method", "prompts/list"], lambda d: len(d["prompts"]) >= 3),
        (
            prompt("review_schema", f"schema={schema}"),
            lambda d: "validate_isolation" in text(d),
        ),
        (
            prompt("design_table", "description=invoices"),
            lambda d: "through 'org_id' (the spec)" in text(d),
        ),
        (
            prompt("optimize_query", "query=SELECT 1", f"schema={schema}"),
            lambda d: "1. explain_query" in text(d),
        ),
    ]


def run_inspector(inspector: str, target: list[str], arguments: list[str], home: Path) -> str:
    env = {**os.environ, "HOME": str(home)}
    if "--config" not in arguments:  # the inspector refuses a catalog beside a --config file
        env["MCP_CATALOG_PATH"] = str(home / "catalog.json")
    result = subprocess.run(
        [inspector, "--cli", *target, *arguments],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        cwd=home,
    )
    assert result.returncode == 0, (arguments, result.stdout[-1500:], result.stderr[-1500:])
    return result.stdout


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_the_inspector_lists_and_calls_every_tool_resource_and_prompt(
    request, inspector, transport, pg_url, schema, project_root, tmp_path
):
    load_sample(pg_url, schema)
    if transport == "stdio":
        env = server_env(pg_url, project_root)
        pairs = [f"{k}={env[k]}" for k in ("DATABASE_URL", "PGARCHITECT_PROJECT_ROOT")]
        target = [arg for pair in pairs for arg in ("-e", pair)]
        target += ["-e", "PGARCHITECT_LOG_LEVEL=WARNING", str(EXECUTABLE), "serve"]
    else:
        target = [request.getfixturevalue("http_server")]

    listed = first_json(run_inspector(inspector, target, ["--method", "tools/list"], tmp_path))
    calls = tool_calls(schema)
    names = {tool["name"] for tool in listed["tools"]}
    assert names == set(calls), f"give each new tool its call here: {names ^ set(calls)}"
    jobs = [
        (
            [
                "--method",
                "tools/call",
                "--tool-name",
                name,
                *(["--tool-arg", *args] if args else []),
            ],
            check,
            name,
        )
        for name, (args, check) in calls.items()
    ]
    jobs += [(args, check, args[1]) for args, check in other_calls(schema)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        outputs = list(
            pool.map(lambda job: run_inspector(inspector, target, job[0], tmp_path), jobs)
        )
    for (_args, check, what), output in zip(jobs, outputs, strict=True):
        document = first_json(output)
        structured = document.get("structuredContent", document)
        assert not document.get("isError"), (what, output[:1500])
        assert check(structured), (what, output[:1500])


def readme_config(name: str) -> dict[str, Any]:
    """The README's JSON block that follows the heading or sentence naming `name`."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    after = readme[readme.index(name) :]
    block = re.search(r"```json\n(.*?)\n```", after, re.S)
    assert block, f"no json block after {name!r} in the README"
    return json.loads(block.group(1))


def test_the_readme_literal_mcp_json_works_in_a_client_that_does_not_expand_variables(
    inspector, pg_url, project_root, tmp_path
):
    config = readme_config("literal form")
    entry = config["mcpServers"]["pgarchitect"]
    assert "${" not in json.dumps(config) and entry["env"]["DATABASE_URL"].startswith("postgres")
    entry["command"] = str(EXECUTABLE)  # the README's placeholder path, made real here
    entry["env"].update(DATABASE_URL=pg_url, PGARCHITECT_PROJECT_ROOT=str(project_root))
    path = tmp_path / "mcp.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    arguments = ["--config", str(path), "--server", "pgarchitect", "--method", "tools/list"]
    listed = first_json(run_inspector(inspector, [], arguments, tmp_path))
    assert "validate_isolation" in {tool["name"] for tool in listed["tools"]}


def as_the_client_would(value: Any, variables: dict[str, str]) -> Any:
    """The README's variables filled in as VS Code (${input:…}, ${workspaceFolder}) and Cursor
    (${env:…}) fill them in."""
    if isinstance(value, dict):
        return {key: as_the_client_would(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [as_the_client_would(item, variables) for item in value]
    if isinstance(value, str):
        for name, filled in variables.items():
            value = value.replace("${" + name + "}", filled)
        assert "${" not in value, f"{value!r} has a variable the client would not fill"
    return value


@pytest.mark.parametrize(
    ("heading", "root_key"),
    [
        pytest.param("**VS Code**", "servers", id="vscode"),
        pytest.param("**Cursor**", "mcpServers", id="cursor"),
    ],
)
def test_the_readme_vscode_and_cursor_forms_start_the_server(
    inspector, pg_url, project_root, tmp_path, heading, root_key
):
    config = readme_config(heading)
    assert set(config) - {"inputs"} == {root_key}, sorted(config)
    entry = config[root_key]["pgarchitect"]
    if root_key == "servers":  # VS Code: a type, and the URL asked once through a password input
        assert entry["type"] == "stdio"
        (asked,) = config["inputs"]
        assert (
            asked["password"] is True
            and entry["env"]["DATABASE_URL"] == f"${{input:{asked['id']}}}"
        )
    filled = as_the_client_would(
        entry,
        {
            "input:database-url": pg_url,
            "env:DATABASE_URL": pg_url,
            "workspaceFolder": str(project_root),
        },
    )
    filled.pop("type", None)
    filled["command"] = str(EXECUTABLE)  # the README's placeholder path, made real here
    path = tmp_path / "mcp.json"
    path.write_text(json.dumps({"mcpServers": {"pgarchitect": filled}}), encoding="utf-8")
    arguments = ["--config", str(path), "--server", "pgarchitect", "--method", "tools/call"]
    arguments += ["--tool-name", "read_schema_spec"]
    answer = first_json(run_inspector(inspector, [], arguments, tmp_path))
    structured = answer.get("structuredContent", answer)
    assert not answer.get("isError") and len(structured["entities"]) == 7, str(answer)[:1500]
