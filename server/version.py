"""The package version: one source, the installed metadata written from pyproject.toml."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def package_version() -> str:
    """pgarchitect's version, e.g. '0.1.0' ('0+unknown' when run from a tree never installed)."""
    try:
        return version("pgarchitect")
    except PackageNotFoundError:
        return "0+unknown"
