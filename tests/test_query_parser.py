"""Untrusted SQL is parsed within limits and in a worker process: pglast's crash cannot reach us.

The first test reproduces the crash (issue #13) in a subprocess; the others prove the limits keep
every crashing shape inside pglast's safe range, and that a crash of the worker is one clear
error while the next query parses.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tools import query_parser
from tools.errors import Unsupported
from tools.query_parser import (
    MAX_BRACKET_DEPTH,
    MAX_QUERY_CHARS,
    MAX_TOKENS,
    MAX_TREE_DEPTH,
    check_limits,
    parse_sql,
)
from tools.query_safety import check_query

CRASHING = {
    "plus": "SELECT " + "+".join(["1"] * 25_000),
    "concat": "SELECT " + "||".join(["'a'"] * 50_000),
    "union": " UNION ALL ".join(["SELECT 1"] * 20_000),
}

# Left-deep chains (the parser recurses once per level), each as long as the limits allow.
BINARY = ["+", "-", "*", "/", "%", "^", "||", "<", "=", "->", "->>", "#>", "&", "|", "<<", "OR"]
SET_OPERATIONS = ["UNION ALL", "UNION", "INTERSECT", "EXCEPT ALL"]


def _longest(make) -> str:
    """make(n) for the largest n that check_limits accepts (binary search)."""
    low, high = 1, MAX_TOKENS
    while low < high:
        middle = (low + high + 1) // 2
        try:
            check_limits(make(middle))
            low = middle
        except Unsupported:
            high = middle - 1
    text = make(low)
    check_limits(text)
    return text


def _worst_shapes() -> list[str]:
    shapes = [_longest(lambda n, op=op: "SELECT " + f" {op} ".join(["a"] * n)) for op in BINARY]
    shapes += [_longest(lambda n, op=op: f" {op} ".join(["SELECT 1"] * n)) for op in SET_OPERATIONS]
    shapes.append(_longest(lambda n: "SELECT 1" + "::int" * n))
    shapes.append(_longest(lambda n: "SELECT a" + " COLLATE c" * n))
    shapes.append(_longest(lambda n: "SELECT " + "- " * n + "1"))
    shapes.append(_longest(lambda n: "SELECT " + "NOT " * n + "true"))
    shapes.append(_longest(lambda n: "SELECT a" + " IS NOT NULL" * n))
    shapes.append(_longest(lambda n: "SELECT " + "(" * n + "1" + ")" * n))
    shapes.append(_longest(lambda n: "SELECT " + "ARRAY[" * n + "1" + "]" * n))
    return shapes


def _parses_in_a_fresh_process(texts: list[str]) -> subprocess.CompletedProcess:
    """Parse each text with pglast directly (no worker) in a new interpreter."""
    script = (
        "import pglast, sys\n"
        "for text in sys.stdin.read().split('\\0'):\n"
        "    try:\n"
        "        pglast.parse_sql(text)\n"
        "    except pglast.parser.ParseError:\n"
        "        pass\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        input="\0".join(texts),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("shape", sorted(CRASHING))
def test_pglast_crashes_on_the_left_deep_chains_of_the_issue(shape):
    # If this starts passing, pglast no longer crashes: the limits may then be raised.
    assert _parses_in_a_fresh_process([CRASHING[shape]]).returncode < 0


@pytest.mark.parametrize("shape", sorted(CRASHING))
def test_check_query_refuses_the_crashing_inputs_at_once_with_the_limit(shape):
    started = time.monotonic()
    with pytest.raises(Unsupported, match=r"refused a query of [\d,]+ (characters|tokens)"):
        check_query(CRASHING[shape])
    assert time.monotonic() - started < 1


def test_every_crashing_shape_at_the_limits_parses_without_crashing():
    shapes = _worst_shapes()
    assert all(len(text) <= MAX_QUERY_CHARS for text in shapes)
    result = _parses_in_a_fresh_process(shapes)
    assert result.returncode == 0, result.stderr[-500:]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([*BINARY, "::int", "UNION ALL SELECT"]), min_size=1, max_size=8))
def test_mixed_operator_chains_at_the_limits_parse_without_crashing(operators):
    def chain(n: int) -> str:
        parts = ["SELECT a"]
        for i in range(n):
            op = operators[i % len(operators)]
            parts.append(op if op == "::int" else f" {op} a")
        return "".join(parts)

    assert _parses_in_a_fresh_process([_longest(chain)]).returncode == 0


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        pytest.param("SELECT '" + "x" * MAX_QUERY_CHARS + "'", "characters", id="size"),
        pytest.param("SELECT " + ",".join(["1"] * MAX_TOKENS), "tokens", id="tokens"),
        pytest.param(
            "SELECT " + "(" * (MAX_BRACKET_DEPTH + 1) + "1" + ")" * (MAX_BRACKET_DEPTH + 1),
            "brackets nested",
            id="brackets",
        ),
        pytest.param("SELECT 1\x00; DROP TABLE x", "NUL", id="nul"),
        pytest.param("SELECT " + "(SELECT " * 60 + "1" + ")" * 60, "parse tree", id="tree-depth"),
        pytest.param("SELECT '\ud800'", "UTF-8", id="lone-surrogate"),
    ],
)
def test_parse_sql_refuses_input_over_the_limits(text, fragment):
    with pytest.raises(Unsupported, match=fragment):
        parse_sql(text)


def test_queries_within_the_limits_parse():
    deep = "SELECT " + "+".join(["1"] * (MAX_TREE_DEPTH - 10))
    assert len(parse_sql(deep)) == 1
    wide = "SELECT 1 WHERE " + " AND ".join(["true"] * 5000)  # AND is one flat node
    assert len(parse_sql(wide)) == 1


def test_a_crash_of_the_parser_worker_is_a_clear_error_and_the_next_query_parses():
    with pytest.raises(Unsupported, match=r"crashed the SQL parser \(signal SIGSEGV\)"):
        query_parser._POOL.ask(CRASHING["plus"].encode())  # past the limits, on purpose
    assert check_query("SELECT 1").kind == "select"


def test_the_worker_pool_serves_threads_in_parallel():
    results: list[int] = []

    def work() -> None:
        results.extend(len(parse_sql(f"SELECT {i}, $1")) for i in range(50))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [1] * 300
    assert len(query_parser._POOL.everyone) <= query_parser.WORKERS
