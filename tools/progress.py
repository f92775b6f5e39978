"""Progress of a long call, reported through a callback the caller installs (or nobody).

Tools call `report_progress(done, total, message)` inside their long loops (a big reflection,
index evaluation, the live probe); it costs one context-variable read when nobody listens. The
MCP server installs a callback that sends `notifications/progress` when the client sent a
progress token (server/progress.py); the CLI one draws a line on stderr when it is a terminal.
Nothing here imports mcp.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# callback(done, total or None, message)
ProgressCallback = Callable[[float, float | None, str], None]

_current: ContextVar[ProgressCallback | None] = ContextVar("pgarchitect_progress", default=None)


def report_progress(done: float, total: float | None = None, message: str = "") -> None:
    """Tell whoever listens how far the current call is; a no-op when nobody does."""
    callback = _current.get()
    if callback is not None:
        callback(done, total, message)


@contextmanager
def reporting(callback: ProgressCallback | None) -> Iterator[None]:
    """Send the block's `report_progress` calls to `callback` (None: to nobody)."""
    token = _current.set(callback)
    try:
        yield
    finally:
        _current.reset(token)
