"""Compact answers: fields at their default are left out, and the outputSchema says so.

A result model is dumped to JSON-ready data, then every field equal to its default is dropped:
the declared default, or for a field without one its empty value (null, false, [], {}, "").
Numbers and enum values stay, whatever they are. `compact_schema` turns the model's JSON schema
into the outputSchema that still validates what is sent: each omissible field gets its default,
no field is `required` (a continuation page carries only what it continues), and the page
envelope (`notice`, `next_cursor`, `continued`) is added at the top.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

MISSING: Any = object()  # a field that is never left out

ENVELOPE_PROPERTIES: dict[str, Any] = {
    "notice": {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "default": None,
        "description": "null, or one sentence: what this answer leaves out and the exact call "
        "that gets it",
    },
    "next_cursor": {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "default": None,
        "description": "null when the answer is complete; else call the tool again with the "
        "same arguments and cursor=<next_cursor> for the next page",
    },
    "continued": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "on a page after the first: the path where it continues the previous "
        "page, e.g. ['tables'] (more tables) or ['tables', '[]', 'columns'] (the last table's "
        "columns go on); lists and texts on that path are appended to the previous page's",
    },
}
COMPACT_NOTE = (
    " Fields equal to their default (null, false, empty, or the default given here) are left "
    "out. An answer larger than PGARCHITECT_ANSWER_BUDGET comes in pages: follow next_cursor."
)


@dataclass
class Node:
    """How to compact one kind of value: an object's fields, a list's items or a map's values."""

    drop: dict[str, Any] = field(default_factory=dict)  # field -> the value it is left out at
    children: dict[str, Node] = field(default_factory=dict)  # field -> how to compact its value
    items: Node | None = None
    values: Node | None = None


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """The schema itself: its `$ref` followed, a nullable `anyOf` reduced to its other arm."""
    while True:
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            schema = defs[ref.removeprefix("#/$defs/")]
            continue
        arms = [arm for arm in schema.get("anyOf", ()) if arm.get("type") != "null"]
        if "anyOf" in schema and len(arms) == 1:
            schema = arms[0]
            continue
        return schema


def _nullable(schema: dict[str, Any]) -> bool:
    return any(arm.get("type") == "null" for arm in schema.get("anyOf", ()))


def empty_default(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """The value a field without a declared default is left out at, or MISSING."""
    if "default" in schema:
        return schema["default"]
    if _nullable(schema):
        return None
    target = _resolve(schema, defs)
    if "enum" in target or "const" in target:
        return MISSING
    return {"boolean": False, "array": [], "object": {}, "string": ""}.get(
        target.get("type", "object" if "properties" in target else ""), MISSING
    )


class Compactor:
    """Drops default-valued fields from data shaped by one JSON schema."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.defs: dict[str, Any] = schema.get("$defs", {})
        self._nodes: dict[str, Node] = {}
        self.root = self._node(schema)

    def _node(self, schema: dict[str, Any]) -> Node | None:
        ref = schema.get("$ref")
        if not isinstance(ref, str):
            return self._build(schema)
        if ref not in self._nodes:
            # Registered before it is built: models may nest themselves (a plan node's children).
            self._nodes[ref] = node = Node()
            built = self._build(self.defs[ref.removeprefix("#/$defs/")])
            if built is not None:
                node.drop, node.children = built.drop, built.children
                node.items, node.values = built.items, built.values
        return self._nodes[ref]

    def _build(self, schema: dict[str, Any]) -> Node | None:
        if "anyOf" in schema:  # nullable: the other arm; a union of shapes is left as it is
            arms = [arm for arm in schema["anyOf"] if arm.get("type") != "null"]
            return self._node(arms[0]) if len(arms) == 1 else None
        if schema.get("type") == "array":
            items = self._node(schema.get("items", {}))
            return None if items is None else Node(items=items)
        values = schema.get("additionalProperties")
        if "properties" not in schema and not isinstance(values, dict):
            return None
        node = Node(values=self._node(values) if isinstance(values, dict) else None)
        for name, prop in schema.get("properties", {}).items():
            default = empty_default(prop, self.defs)
            if default is not MISSING:
                node.drop[name] = default
            child = self._node(prop)
            if child is not None:
                node.children[name] = child
        return node

    def compact(self, value: Any) -> Any:
        """value without its default-valued fields (a new structure; value is not changed)."""
        return _compact(value, self.root)


def _compact(value: Any, node: Node | None) -> Any:
    # The hot loop of a large answer (40,000 records for 2,000 tables): kept flat.
    if node is None:
        return value
    if type(value) is list:
        items = node.items
        return value if items is None else [_compact(item, items) for item in value]
    if type(value) is not dict:
        return value
    drop, children, values = node.drop, node.children, node.values
    out = {}
    for key, item in value.items():
        default = drop.get(key, MISSING)
        if default is not MISSING and type(item) is type(default) and item == default:
            continue
        child = children.get(key, values)
        if child is not None and type(item) in (dict, list):
            item = _compact(item, child)
            if not item and default == item:
                continue
        out[key] = item
    return out


def compact_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The outputSchema for compacted pages of answers shaped by `schema`."""
    schema = copy.deepcopy(schema)
    defs = schema.get("$defs", {})
    for target in [schema, *defs.values()]:
        target.pop("required", None)
        for prop in target.get("properties", {}).values():
            default = empty_default(prop, defs)
            if default is not MISSING:
                prop.setdefault("default", default)
    properties = schema.setdefault("properties", {})
    if "continued" in properties:
        raise ValueError("a result field named 'continued' clashes with the page envelope")
    # A tool that pages itself (notice, next_cursor of its own) hands them on to the envelope.
    schema["properties"] = {**copy.deepcopy(ENVELOPE_PROPERTIES), **properties}
    schema["properties"].update(copy.deepcopy(ENVELOPE_PROPERTIES))
    schema["description"] = (schema.get("description") or "").rstrip() + COMPACT_NOTE
    return schema
