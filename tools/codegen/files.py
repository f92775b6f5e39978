"""Writing the generated module to disk: inside the project, and never where Python runs it.

The path comes from an assistant, so it is untrusted. Besides staying under the project root and
ending in `.py`, the module is never written where an interpreter would pick it up on its own
(issue #13): in a virtualenv (a directory holding `pyvenv.cfg`), `site-packages`,
`dist-packages`, `node_modules` or any dot-directory (`.venv`, `.git`, `.github`, …), nor under
the names Python runs at every start (`sitecustomize.py`, `usercustomize.py`, `*.pth`).
"""

from __future__ import annotations

from pathlib import Path

from tools.errors import ConfigError
from tools.paths import resolve_given

STARTUP_FILES = frozenset({"sitecustomize.py", "usercustomize.py"})
INSTALL_DIRS = frozenset({"site-packages", "dist-packages", "node_modules", "__pypackages__"})
EXAMPLE = "pass e.g. 'app/models.py'"


def write_module(code: str, path: str, project_root: Path, overwrite: bool) -> Path:
    """Write the module under the project root; refuse to overwrite unless asked."""
    target = checked_target(path, project_root)
    if target.is_dir():
        raise ConfigError(f"path {path!r} is a directory; {EXAMPLE}")
    if target.exists() and not overwrite:
        raise ConfigError(f"{path!r} already exists; pass overwrite=True to replace it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code, encoding="utf-8")
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ConfigError(f"cannot write {path!r}: {reason.lower()}; {EXAMPLE}") from None
    return target


def checked_target(path: str, project_root: Path) -> Path:
    """The resolved file `path` names under the root, or a ConfigError saying why not."""
    root = project_root.resolve()
    target = resolve_given(root / path, path, EXAMPLE)
    if not target.is_relative_to(root):
        raise ConfigError(
            f"path {path!r} is outside the project root {str(root)!r}; pass a relative path"
        )
    name = target.name.lower()
    if name.endswith(".pth") or name in STARTUP_FILES:
        raise ConfigError(
            f"path {path!r} names a file Python runs at every start ({target.name}); {EXAMPLE}"
        )
    if target.suffix != ".py":
        raise ConfigError(f"path {path!r} is not a .py file; {EXAMPLE}")
    # Both spellings: what was asked for, and where symlinks lead.
    parts = [*Path(path).parts[:-1], *target.relative_to(root).parts[:-1]]
    for part in parts:
        if part.startswith(".") and part not in (".", ".."):
            raise ConfigError(f"path {path!r} is inside the dot-directory {part!r}; {EXAMPLE}")
        if part.lower() in INSTALL_DIRS:
            raise ConfigError(
                f"path {path!r} is inside {part!r}, where installed packages live; {EXAMPLE}"
            )
    for directory in [target.parent, *target.parent.parents]:
        if (directory / "pyvenv.cfg").is_file():
            raise ConfigError(
                f"path {path!r} is inside the virtualenv {str(directory)!r}; {EXAMPLE}"
            )
        if directory == root:
            break
    return target
