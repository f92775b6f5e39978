"""The child side of `tools.query_parser`: parse SQL with pglast, answer with a pickle.

Run as a script by the parent (`python tools/query_parser_worker.py`), it imports nothing of
the project: a request is a 4-byte big-endian length and UTF-8 SQL on stdin, an answer a 4-byte
length and a pickled `(status, payload)` on stdout: `("ok", statements)`, `("error", message)`
(a ParseError) or `("deep", depth)` (a tree deeper than the limit the parent sends first). If
the C parser crashes, only this process dies.
"""

from __future__ import annotations

import pickle
import struct
import sys
from typing import Any

_CHILDREN: dict[type, tuple[str, ...]] = {}  # per node class: the slots that may hold nodes


def _may_hold_nodes(py_type: Any) -> bool:
    """Whether a slot of this declared type can hold a node or a list of them."""
    import enum

    kinds = py_type if isinstance(py_type, tuple) else (py_type,)
    scalar = (str, int, float, bool)
    return not all(
        isinstance(kind, type) and (issubclass(kind, scalar) or issubclass(kind, enum.Enum))
        for kind in kinds
    )


def _children(cls: type) -> tuple[str, ...]:
    names = _CHILDREN.get(cls)
    if names is None:
        slots = getattr(cls, "__slots__", ())
        if isinstance(slots, dict):
            names = tuple(n for n, info in slots.items() if _may_hold_nodes(info.py_type))
        else:
            names = tuple(slots)
        _CHILDREN[cls] = names
    return names


def tree_depth(root: Any, limit: int) -> int:
    """Levels of pglast nodes below root (iterative), stopping once past limit."""
    from pglast import ast

    deepest = 0
    stack: list[tuple[Any, int]] = [(root, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, ast.Node):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
            for attr in _children(type(item)):
                child = getattr(item, attr, None)
                if child is not None:
                    stack.append((child, depth))
        elif isinstance(item, (tuple, list)):
            stack.extend((child, depth) for child in item)
    return deepest


def answer(text: str, limit: int) -> tuple[str, Any]:
    """What the parent gets for one query."""
    import pglast

    try:
        statements = pglast.parse_sql(text)
    except pglast.parser.ParseError as err:
        return "error", str(err)
    depth = tree_depth(statements, limit)
    return ("deep", depth) if depth > limit else ("ok", statements)


def read_exact(stream: Any, size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


def main() -> None:
    sys.setrecursionlimit(10_000)  # pickling a tree of the allowed depth recurses
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    header = read_exact(stdin, 4)
    if header is None:
        return
    (limit,) = struct.unpack(">I", header)
    while (header := read_exact(stdin, 4)) is not None:
        (size,) = struct.unpack(">I", header)
        body = read_exact(stdin, size)
        if body is None:
            return
        data = pickle.dumps(answer(body.decode("utf-8"), limit), protocol=pickle.HIGHEST_PROTOCOL)
        stdout.write(struct.pack(">I", len(data)) + data)
        stdout.flush()


if __name__ == "__main__":
    main()
