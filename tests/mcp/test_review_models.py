"""review_models through a real MCP client (in memory): the project's models reviewed from the
server's project root, the spec found there, every notice inside structuredContent."""

from __future__ import annotations

import os
import shutil

from mcp import Client

from server.app import build_server
from server.config import load_settings
from tests.mcp.conftest import first_text
from tests.review_support import MODELS

SPEC = """# Schema

## projects
- id: integer primary key

## tasks
- id: integer primary key
- project_id: integer not null, FK → projects.id ON DELETE CASCADE
"""


def _server(tmp_path, pg_url):
    (tmp_path / "app").mkdir()
    shutil.copy(MODELS / "mod002_defect.py", tmp_path / "app" / "models.py")
    spec = tmp_path / "specs" / "database" / "schema.md"
    spec.parent.mkdir(parents=True)
    spec.write_text(SPEC, encoding="utf-8")
    os.environ["DATABASE_URL"] = pg_url
    try:
        return build_server(load_settings(project_root=tmp_path))
    finally:
        os.environ.pop("DATABASE_URL")


async def test_review_models_is_served_with_the_project_spec(tmp_path, pg_url) -> None:
    async with Client(_server(tmp_path, pg_url), read_timeout_seconds=60) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        tool = tools["review_models"]
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is True
        assert {"paths", "schema", "against", "cursor"} <= set(tool.input_schema["properties"])
        assert not {"project_root", "spec", "budget"} & set(tool.input_schema["properties"])
        result = await client.call_tool("review_models", {"against": ["spec"]})
    assert not result.is_error
    data = result.structured_content
    assert data["spec_path"] == "specs/database/schema.md"
    (task,) = [m for m in data["models"] if m["class_name"] == "Task"]
    codes = {f["code"] for f in task["findings"]}
    assert "MOD027" in codes  # the spec says CASCADE; the model says nothing
    assert task["corrected_class"].startswith("class Task(SQLModel, table=True):")


async def test_review_models_refuses_paths_outside_the_root(tmp_path, pg_url) -> None:
    async with Client(_server(tmp_path, pg_url), read_timeout_seconds=60) as client:
        result = await client.call_tool(
            "review_models", {"paths": ["../elsewhere.py"], "against": ["spec"]}
        )
    assert result.is_error
    text = first_text(result)
    assert "outside the project root" in text and "Traceback" not in text
