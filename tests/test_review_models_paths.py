"""review_models reads only inside the project root: paths outside it, symlinks out of it and
files over 2 MB are refused with one clear sentence; the default search skips what is not the
project's code."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.review_support import project_with
from tools.errors import ConfigError
from tools.review import review_models

MODEL = "mod009_clean.py"


def test_default_search_skips_virtualenvs_node_modules_dot_dirs_and_tests(tmp_path) -> None:
    root = project_with(tmp_path, MODEL)
    for folder in (".venv/lib", "venv2/lib", "node_modules/pkg", ".git/x", "tests", "app/tests"):
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "models.py").write_text((root / "app" / MODEL).read_text())
    (root / "venv2" / "pyvenv.cfg").write_text("home = /usr\n")
    (root / "app" / "test_models.py").write_text((root / "app" / MODEL).read_text())
    review = review_models(None, project_root=root)
    assert [m.location for m in review.models] == ["app/mod009_clean.py:9"]


@pytest.mark.parametrize(
    ("given", "words"),
    [
        pytest.param("../outside.py", "outside the project root", id="dotdot"),
        pytest.param("/etc/hostname", "outside the project root", id="absolute-elsewhere"),
        pytest.param("../*.py", "outside the project root", id="glob-outside"),
        pytest.param("app/missing.py", "does not exist", id="missing"),
        pytest.param("nothing/*.py", "no Python file matches", id="empty-glob"),
    ],
)
def test_paths_outside_the_root_are_refused(tmp_path, given, words) -> None:
    root = project_with(tmp_path, MODEL)
    (tmp_path / "outside.py").write_text("x = 1\n")
    with pytest.raises(ConfigError, match=words):
        review_models(None, paths=[given], project_root=root)


def test_symlink_out_of_the_root_is_refused_and_skipped(tmp_path) -> None:
    root = project_with(tmp_path, MODEL)
    secret = tmp_path / "elsewhere.py"
    secret.write_text((root / "app" / MODEL).read_text())
    os.symlink(secret, root / "app" / "linked.py")
    with pytest.raises(ConfigError, match="a symlink"):
        review_models(None, paths=["app/linked.py"], project_root=root)
    assert [m.location for m in review_models(None, project_root=root).models] == [
        "app/mod009_clean.py:9"
    ]


def test_symlink_loops_are_skipped_by_the_search(tmp_path) -> None:
    root = project_with(tmp_path, MODEL)
    os.symlink(root / "app" / "b.py", root / "app" / "a.py")  # a.py -> b.py -> a.py
    os.symlink(root / "app" / "a.py", root / "app" / "b.py")
    assert [m.location for m in review_models(None, project_root=root).models] == [
        "app/mod009_clean.py:9"
    ]


def test_file_over_two_megabytes_is_refused(tmp_path) -> None:
    root = project_with(tmp_path, MODEL)
    big = root / "app" / "big.py"
    big.write_text("# table=True\n" + "x = 1\n" * 400_000)
    with pytest.raises(ConfigError, match="over the 2 MB limit"):
        review_models(None, paths=["app/big.py"], project_root=root)


def test_globs_and_directories_select_files(tmp_path) -> None:
    root = project_with(tmp_path, MODEL, "mod001_clean.py")
    by_glob = review_models(None, paths=["app/mod00*_clean.py"], project_root=root)
    by_folder = review_models(None, paths=["app"], project_root=root)
    assert by_glob.summary.models == by_folder.summary.models == 2


def test_paging_partitions_the_models(tmp_path) -> None:
    names = ["mod001_clean.py", "mod002_clean.py", "mod004_clean.py", "mod009_clean.py"]
    root = project_with(tmp_path, *names)
    whole = review_models(None, project_root=root)
    seen, cursor = [], None
    while True:
        page = review_models(None, project_root=root, limit=2, cursor=cursor)
        seen += [m.location for m in page.models]
        assert (page.notice is None) == (page.next_cursor is None)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [m.location for m in whole.models]
    assert len(seen) == whole.summary.models == 6
    # The size budget ends a page too: one model at least, the rest behind the cursor.
    small = review_models(None, project_root=root, budget=1)
    assert len(small.models) == 1 and small.next_cursor and "cursor=" in (small.notice or "")
    with pytest.raises(ConfigError, match="invalid cursor"):
        review_models(None, project_root=root, cursor="not-a-cursor")


def test_project_root_that_is_not_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a directory"):
        review_models(None, project_root=tmp_path / "nope")
