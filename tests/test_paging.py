"""server.paging's store of answers: a cursor lives a while after its last use, the store is
bounded in answers and characters, and every refusal says how to start again (#10)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from pydantic import BaseModel

from server.compact import Compactor
from server.paging import Answer, AnswerStore, answer_pages, call_text
from tools.errors import ConfigError


def answer(tool: str = "reflect_database", pages: int = 3, size: int = 10) -> Answer:
    texts = ["x" * size for _ in range(pages)]
    return Answer(tool, '{"schema":"s"}', texts, "fingerprint")


def test_a_cursor_expires_after_its_lifetime_since_last_use():
    store = AnswerStore(lifetime_s=0.3)
    key = store.new_key()
    store.add(key, answer())
    for _ in range(3):  # each use keeps it alive for another lifetime
        time.sleep(0.15)
        assert store.find(f"{key}.2", "reflect_database", {"schema": "s"})[1] == 1
    time.sleep(0.4)
    with pytest.raises(ConfigError, match=r"unknown or has expired .* call reflect_database again"):
        store.find(f"{key}.2", "reflect_database", {"schema": "s"})


def test_the_store_keeps_the_most_recently_used_answers_within_its_bounds():
    store = AnswerStore(max_answers=2, max_chars=100)
    first, second, third = (store.new_key() for _ in range(3))
    store.add(first, answer())
    store.add(second, answer())
    store.find(f"{first}.3", "reflect_database", {"schema": "s"})  # first is used again
    store.add(third, answer())  # second, the least recently used, goes
    with pytest.raises(ConfigError, match="unknown or has expired"):
        store.find(f"{second}.2", "reflect_database", {"schema": "s"})
    assert store.find(f"{first}.2", "reflect_database", {"schema": "s"})
    store.add(store.new_key(), answer(size=60))  # over max_chars: older answers go
    assert store.chars <= 180 and len(store._answers) == 1


def test_a_cursor_past_the_last_page_or_of_another_tool_is_refused():
    store = AnswerStore()
    key = store.new_key()
    store.add(key, answer(pages=2))
    with pytest.raises(ConfigError, match="points past the 2 pages"):
        store.find(f"{key}.3", "reflect_database", {"schema": "s"})
    with pytest.raises(ConfigError, match="call validate_isolation again without cursor"):
        store.find(f"{key}.2", "validate_isolation", {"schema": "s"})


def test_the_call_in_a_notice_writes_the_arguments_that_are_not_defaults():
    defaults = {"schema": "public", "detail": "auto"}  # the server lists every argument's
    text = call_text("reflect_database", {"schema": "s", "detail": "auto"}, defaults, "k.2")
    assert text == "reflect_database(schema='s', cursor='k.2')"
    long = call_text("suggest_indexes", {"queries": ["SELECT 1" * 100]}, {"queries": None}, "k.2")
    assert long == "suggest_indexes again with the same arguments and cursor='k.2'"


class Rows(BaseModel):
    rows: list[str] = []


def _pages(rows: list[str], take: Any) -> tuple[list[Any], str | None]:
    compactor = Compactor(Rows.model_json_schema(by_alias=True, mode="serialization"))
    return answer_pages(
        Rows(rows=rows), compactor, "t", 5_000, lambda c: f"t(cursor={c!r})", "k" * 16, take
    )


def test_the_fingerprint_is_taken_only_for_an_answer_that_takes_pages():
    taken: list[int] = []

    def take() -> str:
        taken.append(1)
        return "mark"

    pages, mark = _pages(["a"], take)
    assert len(pages) == 1 and mark is None and not taken
    pages, mark = _pages(["x" * 100] * 200, take)
    assert len(pages) > 1 and mark == "mark" and taken == [1]


def test_a_failing_fingerprint_fails_the_call():
    def take() -> str:
        raise ConfigError("the fingerprint query failed")

    with pytest.raises(ConfigError, match="fingerprint query failed"):
        _pages(["x" * 100] * 200, take)


def test_a_cut_that_fails_waits_for_the_fingerprint_to_leave_the_connection():
    finished: list[str] = []

    def take() -> str:
        time.sleep(0.2)  # the query still running when the cut fails
        finished.append("fingerprint")
        return "mark"

    def call(cursor: str) -> str:
        if cursor != "x" * 24:  # the room is measured first; a page's notice then fails
            raise RuntimeError("the cut failed")
        return f"t(cursor={cursor!r})"

    compactor = Compactor(Rows.model_json_schema(by_alias=True, mode="serialization"))
    with pytest.raises(RuntimeError, match="the cut failed"):
        answer_pages(Rows(rows=["x" * 100] * 200), compactor, "t", 5_000, call, "k" * 16, take)
    assert finished == ["fingerprint"]
