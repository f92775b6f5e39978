"""The one error hierarchy: every error raised on purpose, with a message naming the way out."""

from __future__ import annotations

from collections.abc import Iterable


class PgArchitectError(Exception):
    """Base class for every error we raise on purpose."""


class NotFound(PgArchitectError):
    """A schema, table or file that does not exist; lists what does."""

    def __init__(self, kind: str, name: str, existing: Iterable[str], hint: str = "") -> None:
        names = sorted(existing)
        shown = ", ".join(names[:50]) + (f", … ({len(names)} in all)" if len(names) > 50 else "")
        message = f"unknown {kind} {name!r}; {kind}s here: {shown or 'none'}"
        super().__init__(message + (f"; {hint}" if hint else ""))
        self.kind, self.name, self.existing = kind, name, names


class ConfigError(PgArchitectError):
    """A setting or argument that cannot work as given."""


class ConnectionFailed(PgArchitectError):
    """The database did not answer; the message carries the masked URL only."""


class SpecError(PgArchitectError):
    """A spec file that cannot be read at all (missing, too large, outside the project)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


class Unsupported(PgArchitectError):
    """Input we refuse on purpose (an unsafe query, a feature missing on this server)."""
