"""Framework model code in a spec: Django models and Laravel migrations (specs 19 and 20 pin the
full result; these pin the naming rules and the unlabelled fences)."""

from __future__ import annotations

import pytest

from tools.spec.read import parse_spec

DJANGO = """```python
{comment}from django.db import models


class Post(models.Model):
    title = models.CharField(max_length=20)
```

## posts
- id: bigint (pk)
"""


@pytest.mark.parametrize(
    ("comment", "tables"),
    [
        pytest.param("", {"posts"}, id="no-app-merges-with-the-spec-table"),
        pytest.param("# blog/models.py\n", {"blog_post", "posts"}, id="app-prefix"),
    ],
)
def test_django_model_table_name(comment: str, tables: set[str]) -> None:
    spec = parse_spec(DJANGO.format(comment=comment))
    assert {e.name for e in spec.entities} == tables


def test_django_model_in_an_unlabelled_fence_is_read() -> None:
    spec = parse_spec("```\nclass Tag(models.Model):\n    name = models.TextField()\n```\n")
    assert [(e.name, [c.name for c in e.columns]) for e in spec.entities] == [
        ("tag", ["id", "name"])
    ]


def test_python_block_without_django_models_makes_no_table() -> None:
    spec = parse_spec("```python\nclass Tag(Base):\n    name = models.TextField()\n```\n")
    assert spec.entities == []


def test_laravel_migration_in_an_unlabelled_fence_is_read() -> None:
    code = "Schema::create('tags', function (Blueprint $table) {\n    $table->id();\n});"
    spec = parse_spec(f"```\n{code}\n```\n")
    assert [(e.name, [c.name for c in e.columns]) for e in spec.entities] == [("tags", ["id"])]


def test_laravel_unknown_column_kind_is_warned() -> None:
    code = (
        "Schema::create('tags', function (Blueprint $table) {\n    $table->id();\n"
        "    $table->geometry('area');\n});"
    )
    spec = parse_spec(f"```php\n{code}\n```\n")
    assert [w.message for w in spec.warnings] == ["laravel column 'geometry' of tags not read"]
