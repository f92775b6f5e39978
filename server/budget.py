"""Answers cut into pages by a size budget, and put together again.

Claude Code refuses tool results over ~25,000 tokens and shows the model only the structured
content. An answer larger than the budget (characters of compact JSON) is therefore cut into
pages that partition it: each page repeats the short identifying fields of every object it
holds part of (names, kinds, flags), and carries a contiguous run of the rest — list items in
order, long texts in chunks ending at a line break where one is near. An item too large for a
page is itself cut the same way. A page after the first says in `continued` where it goes on
from the previous one, so `join_pages` rebuilds the answer exactly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic_core import to_json

SHORT_TEXT = 200  # strings up to this long identify; longer ones are content, cut in chunks
MIN_ROOM = 80  # characters worth starting a part in; less and it goes to the next page
ITEM = "[]"  # a path step: the last item of the list goes on


def dumps(value: Any) -> str:
    """Compact JSON, as sent (pydantic-core's encoder: the same text as the standard library's
    with `separators=(",", ":"), ensure_ascii=False`, in a third of the time)."""
    return to_json(value).decode()


def json_size(value: Any) -> int:
    """Characters of the compact JSON of value."""
    return len(dumps(value))


@dataclass
class Page:
    """One page: its body, where it continues the previous one, and what it holds."""

    body: dict[str, Any]
    continued: list[str]
    holds: dict[str, tuple[int, int]]  # top-level part -> (first, last) item or character, 1-based


def _identifies(value: Any) -> bool:
    """Short scalars are repeated on every page that holds part of their object."""
    if isinstance(value, str):
        return len(value) <= SHORT_TEXT
    return not isinstance(value, dict | list)


class _Cutter:
    """One answer's cut; the sizes of its parts are measured once."""

    def __init__(self, root: dict[str, Any], room: int) -> None:
        self._sizes: dict[int, int] = {}  # by id: only for parts of the answer, alive throughout
        self.root = root
        self.head_limit = room // 4

    def size(self, value: Any) -> int:
        key = id(value)
        if key not in self._sizes:
            # Long lists are measured through their items, which are measured anyway when cut.
            if isinstance(value, list) and len(value) > 16:
                size = 1 + sum(self.size(item) + 1 for item in value)
            elif (isinstance(value, dict) and len(value) > 16) or value is self.root:
                size = 1 + sum(json_size(k) + 2 + self.size(v) for k, v in value.items())
            else:
                size = json_size(value)
            self._sizes[key] = size
        return self._sizes[key]

    def fill(self, value: Any, room: int, start: Any, fresh: int) -> tuple[Any, int, Any]:
        """The part of value from `start` that fits `room`: (piece or None, size, next start).

        A start is None (the beginning), an offset in a text, (index, start in the item) in a
        list or (key, start in its value) in an object. `fresh` is the room value would have on
        an empty page: a part that does not fit here but would fit there waits for it.
        """
        if isinstance(value, str):
            return self._fill_text(value, room, start or 0)
        if isinstance(value, list):
            return self._fill_list(value, room, start, fresh)
        return self._fill_object(value, room, start, fresh)

    def _fill_text(self, text: str, room: int, offset: int) -> tuple[Any, int, Any]:
        rest = text[offset:]
        size = self.size(text) if offset == 0 else json_size(rest)
        if size <= room:
            return rest, size, None
        if room < MIN_ROOM:
            return None, 0, None
        end = max(1, int(room * len(rest) / size))
        while end > 1 and json_size(rest[:end]) > room:
            end = max(1, int(end * 0.9))
        newline = rest.rfind("\n", end // 2, end)
        if newline > 0:
            end = newline + 1
        return rest[:end], json_size(rest[:end]), offset + end

    def _fill_list(self, items: list[Any], room: int, start: Any, fresh: int) -> tuple:
        index, inner = start or (0, None)
        out: list[Any] = []
        used, preceded = 2, room < fresh
        while index < len(items):
            item, comma = items[index], 1 if out else 0
            if inner is None and used + comma + self.size(item) <= room:
                out.append(item)
                used += comma + self.size(item)
                index += 1
                continue
            if (out or preceded) and inner is None and self.size(item) <= fresh - 2:
                break  # whole on the next page rather than cut here
            piece, size, inner_next = self.fill(item, room - used - comma, inner, fresh - 2)
            if piece is None:
                break
            out.append(piece)
            used += comma + size
            if inner_next is not None:
                return out, used, (index, inner_next)
            index, inner = index + 1, None
        if not out:
            return None, 0, None
        return out, used, None if index >= len(items) else (index, None)

    def _fill_object(self, obj: dict[str, Any], room: int, start: Any, fresh: int) -> tuple:
        head = {key: value for key, value in obj.items() if _identifies(value)}
        if json_size(head) > self.head_limit:
            head = {}  # so many short values that they are the content (a map of names)
        head_size, preceded = json_size(head), room < fresh
        parts = [key for key in obj if key not in head]
        key, inner = start or (parts[0] if parts else "", None)  # "": nothing to place
        position = parts.index(key) if parts else 0
        out, used, carried = dict(head), head_size, False
        while position < len(parts):
            key = parts[position]
            value, cost = obj[key], json_size(key) + 2
            if inner is None and used + cost + self.size(value) <= room:
                out[key] = value
                used += cost + self.size(value)
                position, carried = position + 1, True
                continue
            if (
                (carried or preceded)
                and inner is None
                and self.size(value) <= fresh - head_size - cost
            ):
                break
            piece, size, inner_next = self.fill(
                value, room - used - cost, inner, fresh - head_size - cost
            )
            if piece is None:
                break
            out[key] = piece
            used += cost + size
            carried = True
            if inner_next is not None:
                return _ordered(obj, out), used, (key, inner_next)
            position, inner = position + 1, None
        if not carried and parts:
            return None, 0, None
        rest = None if position >= len(parts) else (parts[position], None)
        return _ordered(obj, out), used, rest


def _ordered(obj: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    return {key: out[key] for key in obj if key in out}


def _path(value: Any, start: Any) -> list[str]:
    """Where a page that starts at `start` in value goes on from the previous page."""
    if start is None or isinstance(value, str) or start[1] is None:
        return []
    where, inner = start
    if isinstance(value, list):
        return [ITEM, *_path(value[where], inner)]
    return [where, *_path(value[where], inner)]


def cut_pages(
    answer: dict[str, Any], room: int, on_pages: Callable[[], None] | None = None
) -> list[Page]:
    """Pages of at most `room` characters each, in order; one page when the answer fits.

    `on_pages()` is called as soon as the answer is known to need more than one page.
    """
    cutter = _Cutter(answer, room)
    if cutter.size(answer) <= room:
        return [Page(answer, [], {})]
    if on_pages is not None:
        on_pages()
    pages: list[Page] = []
    start: Any = None
    offsets: dict[str, int] = {}
    while True:
        body, next_start, wider = None, None, room
        while body is None:  # only when identifying fields alone overflow: widen this page
            body, _size, next_start = cutter.fill(answer, wider, start, wider)
            wider *= 2
        continued = _path(answer, start)
        pages.append(Page(body, continued, _holds(answer, body, continued, offsets)))
        if next_start is None:
            return pages
        start = next_start


def _holds(
    answer: dict[str, Any], body: dict[str, Any], continued: list[str], offsets: dict[str, int]
) -> dict[str, tuple[int, int]]:
    """Per top-level list or text on the page: its first and last item or character, 1-based."""
    holds = {}
    for key, piece in body.items():
        if _identifies(answer[key]) or isinstance(piece, dict):
            continue
        done = offsets.get(key, 0)
        if isinstance(piece, str):
            first, offsets[key] = done + 1, done + len(piece)
        else:
            goes_on = continued[:2] == [key, ITEM]
            first = done if goes_on else done + 1
            offsets[key] = done + len(piece) - (1 if goes_on else 0)
        holds[key] = (first, offsets[key])
    return holds


def join_pages(bodies: list[dict[str, Any]]) -> dict[str, Any]:
    """The answer the pages were cut from (their envelope fields are kept as they are)."""
    answer = json.loads(dumps(bodies[0]))
    for body in bodies[1:]:
        _merge(answer, json.loads(dumps(body)), list(body.get("continued", [])))
    return answer


def _merge(into: dict[str, Any], body: dict[str, Any], path: list[str]) -> None:
    for key, value in body.items():
        if path and key == path[0]:
            _extend(into, key, value, path[1:])
        elif key not in into:
            into[key] = value


def _extend(into: dict[str, Any], key: str, value: Any, path: list[str]) -> None:
    if isinstance(value, str):
        into[key] += value
    elif isinstance(value, list):
        if path[:1] == [ITEM]:
            last = into[key][-1]
            if isinstance(last, dict):
                _merge(last, value[0], path[1:])
            else:
                holder = {"": last}
                _extend(holder, "", value[0], path[1:])
                into[key][-1] = holder[""]
            value = value[1:]
        into[key].extend(value)
    else:
        _merge(into[key], value, path)
