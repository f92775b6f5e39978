"""Resolving a path an assistant gave: NUL, symlink loops and overlong names as ConfigErrors.

`Path.resolve()` raises ValueError on a NUL, RuntimeError on a symlink loop (OSError on 3.13)
and OSError on a name too long; callers only see the clear error (issue #13).
"""

from __future__ import annotations

from pathlib import Path

from tools.errors import ConfigError


def resolve_given(path: Path, given: str, hint: str) -> Path:
    """path.resolve() (symlinks followed), or a ConfigError naming `given` and the way out."""
    shown = given if len(given) <= 200 else f"{given[:200]}… ({len(given):,} characters)"
    if "\x00" in str(path):
        raise ConfigError(f"path {shown!r} contains a NUL character (\\x00); {hint}")
    try:
        resolved = path.resolve()
        resolved.exists()  # an overlong name or a loop in a parent raises here on some versions
    except (OSError, RuntimeError) as error:
        reason = getattr(error, "strerror", None) or "a symlink loop"
        raise ConfigError(f"path {shown!r} cannot be resolved ({reason.lower()}); {hint}") from None
    return resolved
