"""Writing the generated module to disk, inside the project and nowhere else."""

from __future__ import annotations

from pathlib import Path

from tools.errors import ConfigError


def write_module(code: str, path: str, project_root: Path, overwrite: bool) -> Path:
    """Write the module under the project root; refuse to overwrite unless asked."""
    root = project_root.resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root):
        raise ConfigError(
            f"path {path!r} is outside the project root {str(root)!r}; pass a relative path"
        )
    if target.suffix != ".py":
        raise ConfigError(f"path {path!r} is not a .py file; pass e.g. 'app/models.py'")
    if target.exists() and not overwrite:
        raise ConfigError(f"{path!r} already exists; pass overwrite=True to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(code, encoding="utf-8")
    return target
