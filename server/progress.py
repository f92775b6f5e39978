"""Where `tools.progress.report_progress` goes: MCP progress notifications, or a stderr line.

`mcp_progress(ctx)` is for a tool running in a worker thread: it sends `notifications/progress`
on the request's token (nothing when the client gave none), at most every 0.2 s. The
CLI's `terminal_progress()` redraws one line on stderr, only when stderr is a terminal, so logs,
pipes and CI output stay clean.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

import anyio.from_thread

from tools.progress import ProgressCallback, reporting

INTERVAL_S = 0.2


def _throttled(send: ProgressCallback) -> ProgressCallback:
    """send, but not more often than every INTERVAL_S (the last step always goes through)."""
    last = 0.0

    def callback(done: float, total: float | None, message: str) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= INTERVAL_S or (total is not None and done >= total):
            last = now
            send(done, total, message)

    return callback


def mcp_progress(ctx: Any) -> ProgressCallback:
    """A callback sending progress for ctx's request from a worker thread (the SDK sends
    nothing when the request carried no progress token)."""

    def send(done: float, total: float | None, message: str) -> None:
        anyio.from_thread.run(ctx.report_progress, done, total, message or None)

    return _throttled(send)


def terminal_progress(stream: TextIO | None = None) -> ProgressCallback | None:
    """A callback redrawing `pgarchitect: [2/4] isolation …` on stderr, if it is a terminal."""
    stream = stream or sys.stderr
    if not stream.isatty():
        return None

    def draw(done: float, total: float | None, message: str) -> None:
        step = f"[{done:g}/{total:g}] " if total else ""
        stream.write(f"\r\x1b[Kpgarchitect: {step}{message}")
        stream.flush()

    return draw


@contextmanager
def cli_progress(stream: TextIO | None = None) -> Iterator[None]:
    """Show the block's progress on a terminal, and clear the line afterwards."""
    stream = stream or sys.stderr
    callback = terminal_progress(stream)
    with reporting(callback):
        try:
            yield
        finally:
            if callback is not None:
                stream.write("\r\x1b[K")
                stream.flush()
