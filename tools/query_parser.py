"""Untrusted SQL parsed within limits, in a worker process a crash of the C parser cannot take down.

pglast's C parser recurses once per level of a left-deep expression and overflows the C stack
(SIGSEGV, the whole process) at about 24,000 `1+1+…` terms, 23,000 `||` or 15,000 `UNION ALL`
on an 8 MB stack (issue #13). So, before pglast ever sees a query:

- `check_limits` refuses texts over `MAX_QUERY_CHARS`, over `MAX_TOKENS` tokens, with
  brackets nested over `MAX_BRACKET_DEPTH`, or holding a NUL; a left-deep chain then has at most
  `MAX_TOKENS` / 2 levels, well inside the parser's safe range (tests/test_query_parser.py
  proves it for every crashing shape at the limit);
- `parse_sql` parses a text of up to `IN_PROCESS_TOKENS` tokens (every real query, a spec's
  CREATE TABLE) in-process: it nests at most a tenth of the depth that overflows the stack.
  Longer texts go to a small pool of worker processes (`tools/query_parser_worker.py`) with
  a timeout: if the parser crashes anyway (a smaller stack, a new pglast), only the worker dies,
  the query is refused with a clear error and the next call starts a fresh worker;
- a parse tree deeper than `MAX_TREE_DEPTH` nodes is refused, so the Python code that walks
  trees recursively stays far from its recursion limit.

Windows has no `select` on pipes: there the parse runs in-process, within the same limits.
"""

from __future__ import annotations

import atexit
import os
import pickle
import queue
import re
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tools.errors import Unsupported

MAX_QUERY_CHARS = 100_000
MAX_TOKENS = 20_000
MAX_BRACKET_DEPTH = 500
MAX_TREE_DEPTH = 150
PARSE_TIMEOUT_S = 10.0
WORKERS = 2
# A text this short nests at most this deep: a tenth of where the parser overflows its stack,
# so it is parsed here, without the worker's round trip (tests/test_query_parser.py).
IN_PROCESS_TOKENS = 2_000

WORKER_SCRIPT = Path(__file__).with_name("query_parser_worker.py")
_TOKEN = re.compile(r"\w+|[^\w\s]")
_BRACKET = re.compile(r"[()\[\]]")
HOW = "split the query or send a smaller one (the tools read queries, not data)"


class ParseFailed(Unsupported):
    """The text is not SQL pglast can read (a syntax error); `reason` is pglast's message."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"refused a query that does not parse: {reason}")
        self.reason = reason


def check_limits(text: str) -> int:
    """Refuse, before any parser runs, a query too large or too deeply nested to read safely.

    Counts are rough on purpose (string literals and comments count too): linear, and never
    below what the parser sees.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise Unsupported(
            f"refused a query of {len(text):,} characters: at most {MAX_QUERY_CHARS:,} are "
            f"read; {HOW}"
        )
    if "\x00" in text:
        raise Unsupported("refused a query holding a NUL character (\\x00); remove it")
    tokens = sum(1 for _ in _TOKEN.finditer(text))
    if tokens > MAX_TOKENS:
        raise Unsupported(
            f"refused a query of {tokens:,} tokens: at most {MAX_TOKENS:,} are read; {HOW}"
        )
    depth = deepest = 0
    for match in _BRACKET.finditer(text):
        depth += 1 if match.group() in "([" else -1
        deepest = max(deepest, depth)
    if deepest > MAX_BRACKET_DEPTH:
        raise Unsupported(
            f"refused a query with brackets nested {deepest:,} deep: at most "
            f"{MAX_BRACKET_DEPTH} levels are read; {HOW}"
        )
    return tokens


def parse_sql(text: str) -> tuple[Any, ...]:
    """The statements of untrusted SQL (pglast RawStmt nodes), parsed within the limits.

    Raises Unsupported for a text over the limits, one that does not parse, a tree deeper
    than MAX_TREE_DEPTH, or one that crashed or stalled the parser.
    """
    tokens = check_limits(text)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        raise Unsupported("refused a query that is not valid UTF-8 text") from None
    if tokens <= IN_PROCESS_TOKENS or os.name == "nt":  # no select() on pipes on Windows
        status, payload = _answer_in_process(text)
    else:
        status, payload = _POOL.ask(data)
    if status == "error":
        raise ParseFailed(payload)
    if status == "deep":
        raise Unsupported(
            f"refused a query nested more than {MAX_TREE_DEPTH} levels deep (its parse tree): {HOW}"
        )
    return payload


def _answer_in_process(text: str) -> tuple[str, Any]:
    from tools.query_parser_worker import answer

    return answer(text, MAX_TREE_DEPTH)


class _Worker:
    """One parser process; used by one thread at a time."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(WORKER_SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )
        self._send(struct.pack(">I", MAX_TREE_DEPTH))

    def _send(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def ask(self, data: bytes, timeout_s: float) -> tuple[str, Any]:
        """Send one query, wait for its answer (raises OSError/TimeoutError on trouble)."""
        self._send(struct.pack(">I", len(data)) + data)
        (size,) = struct.unpack(">I", self._read(4, timeout_s))
        return pickle.loads(self._read(size, timeout_s))

    def _read(self, size: int, timeout_s: float) -> bytes:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout_s
        chunks: list[bytes] = []
        while size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise TimeoutError
            chunk = os.read(fd, min(size, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def crash_reason(self) -> str:
        """How the process ended, once it has (e.g. 'signal SIGSEGV')."""
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "no answer"
        if code < 0:
            try:
                return f"signal {signal.Signals(-code).name}"
            except ValueError:
                return f"signal {-code}"
        return f"exit status {code}"

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


class _WorkerPool:
    """Up to WORKERS parser processes, started on first use and replaced when one dies."""

    def __init__(self) -> None:
        self.idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self.slots = threading.BoundedSemaphore(WORKERS)
        self.everyone: set[_Worker] = set()
        self.lock = threading.Lock()

    def ask(self, data: bytes) -> tuple[str, Any]:
        with self.slots:
            try:
                worker = self.idle.get_nowait()
            except queue.Empty:
                worker = self._start()
            try:
                result = worker.ask(data, PARSE_TIMEOUT_S)
            except TimeoutError:
                self._discard(worker)
                raise Unsupported(
                    f"refused a query the SQL parser did not read within {PARSE_TIMEOUT_S:g} s; "
                    f"{HOW}"
                ) from None
            except (OSError, EOFError, pickle.UnpicklingError, struct.error):
                reason = worker.crash_reason()
                self._discard(worker)
                raise Unsupported(
                    f"refused a query that crashed the SQL parser ({reason}); the parser runs in "
                    f"a separate process, so nothing else was affected; {HOW}"
                ) from None
            self.idle.put(worker)
            return result

    def _start(self) -> _Worker:
        try:
            worker = _Worker()
        except OSError as err:
            raise Unsupported(
                f"could not start the SQL parser process ({type(err).__name__}); "
                "check that the server's Python can start a subprocess"
            ) from None
        with self.lock:
            self.everyone.add(worker)
        return worker

    def _discard(self, worker: _Worker) -> None:
        worker.close()
        with self.lock:
            self.everyone.discard(worker)

    def close(self) -> None:
        """Stop every worker (at exit)."""
        with self.lock:
            workers, self.everyone = list(self.everyone), set()
        for worker in workers:
            worker.close()


_POOL = _WorkerPool()
atexit.register(_POOL.close)
