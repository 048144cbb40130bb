"""The directory walk: what it enters, what it skips, symlinks, excludes."""

from __future__ import annotations

from pathlib import Path

from checker.scan import scan_paths

CFG = "[metadata]\nauthor_email = {}\n"


def _cfg(path: Path, email: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    (path / "setup.cfg").write_text(CFG.format(email))


def test_recurses_and_skips_vcs_caches_and_virtualenvs(tmp_path: Path) -> None:
    _cfg(tmp_path / "pkg" / "sub", "keep@keep.org")
    _cfg(tmp_path / ".git" / "x", "no@git.org")
    _cfg(tmp_path / "node_modules" / "y", "no@node.org")
    _cfg(tmp_path / "__pycache__", "no@cache.org")
    _cfg(tmp_path / "myenv", "no@venv.org")
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr\n")
    result = scan_paths([tmp_path], base=tmp_path)
    assert [c.email for c in result.contacts] == ["keep@keep.org"]
    assert result.contacts[0].source.path == "pkg/sub/setup.cfg"


def test_exclude_globs_match_paths_and_names(tmp_path: Path) -> None:
    _cfg(tmp_path / "a", "a@a.org")
    _cfg(tmp_path / "tests" / "fixtures", "t@t.org")
    _cfg(tmp_path / "b", "b@b.org")
    result = scan_paths([tmp_path], exclude=["tests", "b/*"], base=tmp_path)
    assert [c.email for c in result.contacts] == ["a@a.org"]


def test_symlink_loop_does_not_trap_the_walk(tmp_path: Path) -> None:
    _cfg(tmp_path / "a", "a@a.org")
    (tmp_path / "a" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "self").symlink_to(tmp_path / "self")
    result = scan_paths([tmp_path], base=tmp_path)
    assert [c.email for c in result.contacts] == ["a@a.org"]


def test_file_symlink_out_of_the_tree_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _cfg(outside, "secret@outside.org")
    root = tmp_path / "root"
    root.mkdir()
    (root / "setup.cfg").symlink_to(outside / "setup.cfg")
    result = scan_paths([root], base=root)
    assert result.contacts == ()
    assert [(e.path, e.message) for e in result.errors] == [
        ("setup.cfg", "symlink leads out of the tree")
    ]


def test_named_file_and_missing_path(tmp_path: Path) -> None:
    _cfg(tmp_path, "a@a.org")
    result = scan_paths([tmp_path / "setup.cfg", tmp_path / "missing"], base=tmp_path)
    assert [c.email for c in result.contacts] == ["a@a.org"]
    assert [e.path for e in result.errors] == [(tmp_path / "missing").as_posix()]


def test_fifo_named_like_metadata_is_not_read(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "PKG-INFO")
    result = scan_paths([tmp_path], base=tmp_path)
    assert [(e.path, e.message) for e in result.errors] == [("PKG-INFO", "not a regular file")]
