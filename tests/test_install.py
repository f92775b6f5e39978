"""Installing pgarchitect as a person would: a wheel in a fresh environment, and `uv tool install`.

The package is built from a copy of the sources (the tree stays clean) with build isolation, as
pip and uv do for a user, so the build must not warn (setuptools' `project.license` table
deprecation used to print three times).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from server.version import package_version

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "server", "tools", "resources")
pytestmark = pytest.mark.slow


def copy_sources(target: Path) -> Path:
    """The files a build reads, without caches or build leftovers."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    target.mkdir(parents=True)
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy2(source, target / name)
    return target


def run(*command: str | Path, **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, timeout=600, **kwargs
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return result


def test_the_wheel_builds_without_warnings_and_runs_from_a_fresh_environment(tmp_path):
    source = copy_sources(tmp_path / "src")
    build = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", tmp_path, source)
    assert "project.license" not in build.stdout + build.stderr
    assert "Deprecat" not in build.stdout + build.stderr
    (wheel,) = tmp_path.glob("pgarchitect-*.whl")
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "-q", "--no-deps", wheel)
    # The dependencies come from the development environment (no second download), appended
    # to sys.path after the fresh site-packages, whose pgarchitect is the one imported.
    site = Path(
        run(
            python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"
        ).stdout.strip()
    )
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PGARCHITECT_", "DATABASE"))}
    version = run(venv / "bin" / "pgarchitect", "--version", cwd=tmp_path, env=env)
    assert version.stdout.strip() == f"pgarchitect {package_version()}"
    where = run(
        python,
        "-c",
        "import server, resources; print(server.__file__); print(len(resources.checklist_text()))",
        cwd=tmp_path,
        env=env,
    ).stdout.split()
    assert where[0].startswith(str(site)) and int(where[1]) > 500  # package data shipped


def _uv() -> str | None:
    beside = Path(sys.executable).parent / "uv"
    return str(beside) if beside.exists() else shutil.which("uv")


@pytest.mark.skipif(_uv() is None, reason="uv is not installed (pip install uv)")
def test_uv_tool_install_gives_a_working_command(tmp_path):
    source = copy_sources(tmp_path / "src")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PGARCHITECT_", "UV_"))},
        "UV_TOOL_DIR": str(tmp_path / "tools"),
        "UV_TOOL_BIN_DIR": str(tmp_path / "bin"),
        "UV_CACHE_DIR": str(tmp_path / "cache"),
    }
    env.pop("DATABASE_URL", None)
    uv = _uv()
    assert uv is not None  # the skipif above
    installed = run(uv, "tool", "install", source, env=env)
    assert "Deprecat" not in installed.stdout + installed.stderr
    version = run(tmp_path / "bin" / "pgarchitect", "--version", cwd=tmp_path, env=env)
    assert version.stdout.strip() == f"pgarchitect {package_version()}"
    helped = run(tmp_path / "bin" / "pgarchitect", "doctor", "--help", cwd=tmp_path, env=env)
    assert "example" in helped.stdout
