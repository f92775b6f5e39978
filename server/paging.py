"""Paged answers: pages kept for a short while under opaque cursors, with their notices.

An answer larger than the budget is cut once (`server.budget`) and its pages are kept in a
small store: `cursor=<next_cursor>` with the same other arguments returns the next page of that
same answer, consistent and cheap. The store is bounded (answers and characters), an answer
expires some minutes after its last use, and it is dropped when a catalog fingerprint (or the
spec file's) shows the schema changed since it was cut.
"""

from __future__ import annotations

import gc
import hashlib
import json
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from pydantic import BaseModel

from server.budget import Page, cut_pages, dumps
from server.compact import Compactor
from tools.errors import ConfigError

MAX_ANSWERS = 32
MAX_CHARS = 64_000_000  # ~ all answers kept, as compact JSON
LIFETIME_S = 600.0  # after the last page asked for
RECHECK_S = 1.0  # a fingerprint younger than this is trusted (pages asked in a quick run)
CALL_TEXT = 300  # longest argument list written out in a notice
CURSOR = re.compile(r"^(?P<answer>[A-Za-z0-9_-]{16})\.(?P<page>[0-9]{1,6})$")

# Counts and the newest xmin of the catalog rows of one schema's objects (their relations'
# columns, defaults, constraints, indexes, policies, triggers and comments, its types, enum
# labels and functions), plus the extensions: DDL inserts, updates or deletes rows there, data
# changes do not. Scoped to the schema, so DDL elsewhere (another schema, an application's
# temporary tables) keeps the cursors valid. Joins, not IN lists: the planner cannot guess how
# many relations a schema holds, and a nested loop over them is quadratic (1.5 s on 2,000).
CATALOG_FINGERPRINT = """
SELECT concat_ws(',', VARIADIC ARRAY(
  SELECT count(*) || ':' || coalesce(max(x::text::bigint), 0) FROM (
    SELECT 1 AS k, c.xmin AS x FROM pg_class c WHERE c.relnamespace = n.oid
    UNION ALL SELECT 2, a.xmin FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      WHERE c.relnamespace = n.oid
    UNION ALL SELECT 3, d.xmin FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid
      WHERE c.relnamespace = n.oid
    UNION ALL SELECT 4, xmin FROM pg_constraint WHERE connamespace = n.oid
    UNION ALL SELECT 5, i.xmin FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
      WHERE c.relnamespace = n.oid
    UNION ALL SELECT 6, p.xmin FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
      WHERE c.relnamespace = n.oid
    UNION ALL SELECT 7, xmin FROM pg_type WHERE typnamespace = n.oid
    UNION ALL SELECT 8, e.xmin FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
      WHERE t.typnamespace = n.oid
    UNION ALL SELECT 9, n.xmin
    UNION ALL SELECT 10, xmin FROM pg_proc WHERE pronamespace = n.oid
    UNION ALL SELECT 11, g.xmin FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
      WHERE c.relnamespace = n.oid
    UNION ALL SELECT 12, s.xmin FROM pg_description s JOIN pg_class c ON c.oid = s.objoid
      WHERE c.relnamespace = n.oid
    UNION ALL SELECT 13, xmin FROM pg_extension WHERE oid >= 16384
  ) AS rows GROUP BY k ORDER BY k
))
FROM pg_namespace n WHERE n.nspname = %(schema)s
"""


def fingerprint(conn: psycopg.Connection | None, schema: str, files: list[Path]) -> str:
    """What the answer was made from: the schema's catalog rows (when a connection is given)
    and the files."""
    parts = []
    if conn is not None:
        row = conn.execute(CATALOG_FINGERPRINT, {"schema": schema}).fetchone()
        parts.append(row[0] if row else "")
    for path in files:
        try:
            stat = path.stat()
            parts.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
        except (OSError, ValueError):  # a NUL in the path: the tool itself says so
            parts.append(f"{path}:absent")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def call_text(tool: str, arguments: dict[str, Any], defaults: dict[str, Any], cursor: str) -> str:
    """The exact call for a notice: `tool(a=1, cursor='…')`, the arguments that are not defaults
    written out when they are short."""
    given = [
        f"{k}={v!r}" for k, v in arguments.items() if k != "cursor" and v != defaults.get(k, v)
    ]
    if len(", ".join(given)) > CALL_TEXT:
        return f"{tool} again with the same arguments and cursor={cursor!r}"
    return f"{tool}({', '.join([*given, f'cursor={cursor!r}'])})"


@dataclass
class Answer:
    """One answer cut into pages, as kept between calls."""

    tool: str
    arguments: str  # the other arguments, as canonical JSON
    # Each page as its compact JSON text only: strings are no work for the garbage collector,
    # while the same pages as dicts are a million objects it walks again and again (#10).
    pages: list[str]
    fingerprint: str
    checked: float = field(default_factory=time.monotonic)
    used: float = field(default_factory=time.monotonic)


def arguments_key(arguments: dict[str, Any]) -> str:
    """Canonical JSON of a call's arguments (cursor left out)."""
    other = {k: v for k, v in arguments.items() if k != "cursor"}
    return json.dumps(other, sort_keys=True, default=str, separators=(",", ":"))


def is_page_cursor(cursor: str) -> bool:
    """Whether cursor is one of ours (else it may be a tool's own, e.g. reflect_database's)."""
    return CURSOR.match(cursor) is not None


class AnswerStore:
    """The pages of recent answers, bounded in number, size and lifetime."""

    def __init__(
        self,
        max_answers: int = MAX_ANSWERS,
        max_chars: int = MAX_CHARS,
        lifetime_s: float = LIFETIME_S,
    ) -> None:
        self.max_answers, self.max_chars, self.lifetime_s = max_answers, max_chars, lifetime_s
        self._answers: OrderedDict[str, Answer] = OrderedDict()

    @staticmethod
    def new_key() -> str:
        """An answer id no one can guess (16 URL-safe characters)."""
        return secrets.token_urlsafe(12)

    def add(self, key: str, answer: Answer) -> None:
        """Keep answer under key; the least recently used ones go first when full."""
        self._expire()
        self._answers[key] = answer
        while len(self._answers) > self.max_answers or (
            len(self._answers) > 1 and self.chars > self.max_chars
        ):
            self._answers.popitem(last=False)

    @property
    def chars(self) -> int:
        """Characters kept, as compact JSON."""
        return sum(len(text) for answer in self._answers.values() for text in answer.pages)

    def find(self, cursor: str, tool: str, arguments: dict[str, Any]) -> tuple[Answer, int]:
        """The answer and page (0-based) a cursor points at; ConfigError when it cannot."""
        self._expire()
        match = CURSOR.match(cursor)
        answer = self._answers.get(match["answer"]) if match else None
        if match is None or answer is None or answer.tool != tool:
            raise ConfigError(
                f"cursor {cursor!r} is unknown or has expired (pages are kept "
                f"{self.lifetime_s / 60:g} minutes after their last use, and dropped when the "
                f"schema changes); call {tool} again without cursor to start over"
            )
        number = int(match["page"])
        if not 2 <= number <= len(answer.pages):
            raise ConfigError(
                f"cursor {cursor!r} points past the {len(answer.pages)} pages of its answer; "
                f"call {tool} again without cursor to start over"
            )
        if answer.arguments != arguments_key(arguments):
            raise ConfigError(
                f"cursor {cursor!r} belongs to a {tool} call with other arguments "
                f"({answer.arguments}); pass those same arguments with it, or call {tool} "
                "again without cursor to start over"
            )
        answer.used = time.monotonic()
        self._answers.move_to_end(match["answer"])
        return answer, number - 1

    def drop(self, answer: Answer) -> None:
        """Forget answer (its schema changed)."""
        for key, kept in list(self._answers.items()):
            if kept is answer:
                del self._answers[key]

    def _expire(self) -> None:
        now = time.monotonic()
        for key, answer in list(self._answers.items()):
            if now - answer.used > self.lifetime_s:
                del self._answers[key]


def _span(answer: dict[str, Any], key: str, first: int, last: int | None = None) -> str:
    value = answer[key]
    unit = "characters " if isinstance(value, str) else ""
    last = len(value) if last is None else last
    where = f"{first:,}" if first == last else f"{first:,}-{last:,}"
    return f"{key} {unit}{where} of {len(value):,}"


def _notice(answer: dict[str, Any], pages: list[Page], number: int, budget: int, call: str) -> str:
    """Page n of N: what it holds, what the later pages hold, and the call for the next one."""
    held = [_span(answer, key, *span) for key, span in pages[number].holds.items()]
    later: dict[str, int] = {}
    for page in pages[number + 1 :]:
        for key, (first, _last) in page.holds.items():
            later.setdefault(key, first)
    rest = [_span(answer, key, first) for key, first in later.items()]
    return (
        f"Page {number + 1} of {len(pages)} (the answer is larger than "
        f"PGARCHITECT_ANSWER_BUDGET={budget:,} characters) holds "
        f"{' and '.join(held) or 'its first part'}; {', '.join(rest) or 'the rest'} follow on "
        f"the next pages: call {call} for the next one."
    )


def page_bodies(
    tool: str,
    answer: dict[str, Any],
    budget: int,
    call: Any,
    cursor_of: Any,
    on_pages: Callable[[], None] | None = None,
) -> list[tuple[dict[str, Any], str]]:
    """The pages of answer with their envelope (notice, next_cursor, continued), and their JSON.

    `call(cursor)` writes the call that gets a page, `cursor_of(n)` the cursor of page n
    (0-based). A `next_cursor` and `notice` of the tool's own (reflect_database's `limit`,
    review_models' pages) go on the last page; so does its `hint` when nothing else is said.
    """
    own_next, own_notice = answer.pop("next_cursor", None), answer.pop("notice", None)
    hint = answer.get("hint") if isinstance(answer.get("hint"), str) else None
    room = budget - 600 - len(call("x" * 24))
    while True:
        pages = cut_pages(answer, room, on_pages)
        out = []
        for number, page in enumerate(pages):
            notice, next_cursor = own_notice or hint, own_next
            if number < len(pages) - 1:
                next_cursor = cursor_of(number + 1)
                notice = _notice(answer, pages, number, budget, call(next_cursor))
            elif own_next and not own_notice:
                notice = f"{tool} stopped at its own limit: call {call(own_next)} for what follows"
            body = {"notice": notice, "next_cursor": next_cursor}
            if page.continued:
                body["continued"] = page.continued
            body.update(page.body)
            out.append((body, dumps(body)))
        over = max(len(text) for _body, text in out) - budget
        if over <= 0 or room < 1_000:
            return out
        room -= over + 200


class Fingerprinting:
    """An answer's fingerprint, taken in a thread once the answer is known to need pages: the
    database works it out while Python cuts the pages (the transaction's one snapshot makes it
    describe what the tool read)."""

    def __init__(self, take: Callable[[], str]) -> None:
        self._take = take
        self._thread: threading.Thread | None = None
        self._outcome: list[str | BaseException] = []

    def start(self) -> None:
        """Begin taking it (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="fingerprint", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            self._outcome.append(self._take())
        except BaseException as err:  # handed to the caller's thread by result()
            self._outcome.append(err)

    def join(self) -> None:
        """Wait until the thread is off the connection (if it ever started)."""
        if self._thread is not None:
            self._thread.join()

    def result(self) -> str | None:
        """The fingerprint, or None when it was never needed; its error, raised here."""
        if self._thread is None:
            return None
        self.join()
        outcome = self._outcome[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def answer_pages(
    result: BaseModel,
    compactor: Compactor,
    tool: str,
    budget: int,
    call: Any,
    key: str,
    fingerprint_of: Callable[[], str],
) -> tuple[list[tuple[dict[str, Any], str]], str | None]:
    """result compacted and cut into pages, their cursors made from the answer id `key`; with
    `fingerprint_of()` when there is more than one page (None otherwise)."""
    collecting = gc.isenabled()
    gc.disable()  # 2,000 tables make a million objects: no collection halfway through them
    marking = Fingerprinting(fingerprint_of)
    try:
        data = result.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        answer = compactor.compact(data)
        pages = page_bodies(
            tool, answer, budget, call, lambda n: f"{key}.{n + 1}", on_pages=marking.start
        )
    finally:
        if collecting:
            gc.enable()
        marking.join()  # a cut that failed still waits: the transaction ends after the thread
    return pages, marking.result()
