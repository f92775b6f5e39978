"""Which Python files a review reads, and reading them safely: inside the project root only.

Given paths may be files, directories or globs relative to the project root; a path that resolves
outside the root (`..`, an absolute path elsewhere, a symlink out of it) or a file over 2 MB is
refused with a `ConfigError`. Without paths the root is searched for modules that define
`table=True` classes, skipping virtualenvs, `node_modules`, dot-directories and tests. Nothing is
imported: the files are read as text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from tools.errors import ConfigError
from tools.paths import resolve_given

MAX_BYTES = 2 * 1024 * 1024
SKIP_DIRS = {"node_modules", "__pycache__", "site-packages", "tests", "test", "venv", "env"}
TABLE_CLASS = re.compile(rb"table\s*=\s*True")
HINT = "pass paths= relative to the project root (files, directories or globs)"


def _within(root: Path, path: Path) -> bool:
    return path == root or path.is_relative_to(root)


def check_file(root: Path, path: Path, shown: str) -> Path:
    """The resolved file, refused when it leaves the root, is not a file or is over 2 MB."""
    resolved = path.resolve()
    if not _within(root, resolved):
        link = " (a symlink)" if path.is_symlink() else ""
        raise ConfigError(
            f"model path {shown!r}{link} resolves to {str(resolved)!r}, outside the project root "
            f"{str(root)!r}; {HINT}"
        )
    if not resolved.is_file():
        raise ConfigError(f"model path {shown!r} is not a file; {HINT}")
    size = resolved.stat().st_size
    if size > MAX_BYTES:
        raise ConfigError(
            f"model file {shown!r} is {size:,} bytes, over the 2 MB limit; pass the model modules "
            "themselves in paths="
        )
    return resolved


def relative(root: Path, path: Path) -> str:
    """The path as shown in findings: relative to the root, with forward slashes."""
    return path.resolve().relative_to(root).as_posix()


def _is_virtualenv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file()


def _is_test_file(name: str) -> bool:
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


def python_files(root: Path, start: Path | None = None) -> Iterator[Path]:
    """Every .py file under `start` (default the root), pruned as the module docstring says.

    Symlinks are not followed out of the root: a linked directory is not entered, a linked file
    whose target leaves the root is left out.
    """
    for folder, dirs, files in os.walk(start or root):
        here = Path(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and d not in SKIP_DIRS and not _is_virtualenv(here / d)
        )
        for name in sorted(files):
            if not name.endswith(".py") or _is_test_file(name):
                continue
            path = here / name
            try:
                if path.is_symlink() and not _within(root, path.resolve()):
                    continue
            except (OSError, RuntimeError):  # a symlink loop, a dangling or too long link
                continue
            yield path


def discover(root: Path, start: Path | None = None) -> list[Path]:
    """Modules under `start` that define a `table=True` class (a cheap byte search first)."""
    found = []
    for path in python_files(root, start):
        try:
            if path.stat().st_size > MAX_BYTES:
                continue
            if TABLE_CLASS.search(path.read_bytes()):
                found.append(path.resolve())
        except OSError:
            continue
    return found


def resolve_paths(root: Path, paths: Iterable[str]) -> list[Path]:
    """The files named by `paths` (files, directories, globs), each checked; in order, once."""
    out: dict[Path, None] = {}
    for given in paths:
        candidate = Path(given).expanduser()
        resolve_given(root / candidate, given, HINT)  # a NUL, a symlink loop, a name too long
        if any(ch in given for ch in "*?["):
            pattern = given
            if candidate.is_absolute():
                if not _within(root, Path(os.path.abspath(candidate.parent))):
                    raise ConfigError(
                        f"model path {given!r} is outside the project root {str(root)!r}; {HINT}"
                    )
                pattern = os.path.relpath(given, root)
            if pattern.startswith(".."):
                raise ConfigError(
                    f"model path {given!r} is outside the project root {str(root)!r}; {HINT}"
                )
            matches = sorted(p for p in root.glob(pattern) if p.suffix == ".py")
            if not matches:
                raise ConfigError(f"no Python file matches {given!r} under {str(root)!r}; {HINT}")
            for match in matches:
                out[check_file(root, match, relative_or(root, match))] = None
            continue
        path = candidate if candidate.is_absolute() else root / candidate
        if not _within(root, path.resolve()):  # before existence: the answer says nothing else
            check_file(root, path, given)
        if not path.exists():
            raise ConfigError(f"model path {given!r} does not exist under {str(root)!r}; {HINT}")
        if path.is_dir():
            resolved = path.resolve()
            if not _within(root, resolved):
                raise ConfigError(
                    f"model path {given!r} resolves to {str(resolved)!r}, outside the project "
                    f"root {str(root)!r}; {HINT}"
                )
            for found in discover(root, resolved):
                out[found] = None
            continue
        out[check_file(root, path, given)] = None
    return list(out)


def relative_or(root: Path, path: Path) -> str:
    """Relative to the root when it is inside, else the path as is."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def read_text(path: Path) -> tuple[str | None, str]:
    """(text, problem): the file decoded as UTF-8 (a BOM allowed), or None and why not."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, f"cannot be read: {error.strerror or error}"
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError as error:
        return None, f"not UTF-8 (byte {data[error.start]:#04x} at offset {error.start})"
