"""Dating addresses with git never starts a program named by the scanned tree.

Two layouts a pull request can deliver: a blob-less partial clone whose ``.git/config``
names a promisor remote with a hostile ``uploadpack`` command, and a committed folder that
is itself a repository (``HEAD``, ``config``, ``objects/``, ``refs/``) with
``core.worktree=.``. In both, reading an old blob would make git lazily fetch it from the
promisor remote, running the command. The command writes a marker file; the real CLI scans
the tree and the marker must never appear.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from checker.cli import app
from tests.test_reregistration import PYPROJECT, git, make_repo

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
runner = CliRunner()


def _origin(tmp_path: Path) -> Path:
    """A repository whose pyproject.toml gained the address in 2018 and changed in 2021."""
    origin = make_repo(tmp_path / "origin")
    git(origin, "config", "uploadpack.allowFilter", "true")
    return origin


def _hostile_command(marker: Path) -> str:
    # git runs uploadpack through the shell with the repository path appended.
    return f"touch {marker}; git-upload-pack"


def partial_clone(tmp_path: Path, marker: Path) -> Path:
    """A blob-less clone (old blobs missing) whose promisor remote runs a command."""
    origin = _origin(tmp_path)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--filter=blob:none", f"file://{origin}", str(clone))
    git(clone, "config", "remote.origin.uploadpack", _hostile_command(marker))
    return clone


def planted_repository(tmp_path: Path, marker: Path) -> Path:
    """A tree holding a folder that is itself a repository: its work tree is itself, its
    objects lack the first pyproject.toml blob, and a promisor remote would fetch it."""
    origin = _origin(tmp_path)
    tree = tmp_path / "tree"
    planted = tree / "vendored"
    shutil.copytree(origin / ".git", planted)
    first = subprocess.run(
        ["git", "rev-parse", "HEAD~1:pyproject.toml"],
        cwd=origin, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    (planted / "objects" / first[:2] / first[2:]).unlink()
    shutil.copy(origin / "pyproject.toml", planted / "pyproject.toml")
    config = planted / "config"
    config.write_text(
        "[core]\n\trepositoryformatversion = 1\n\tbare = false\n\tworktree = .\n"
        "[extensions]\n\tpartialClone = origin\n"
        f'[remote "origin"]\n\turl = file://{origin}\n\tpromisor = true\n'
        f"\tuploadpack = {_hostile_command(marker)}\n"
    )
    return tree


def _scan(path: Path, *extra: str) -> dict[str, object]:
    result = runner.invoke(
        app, ["scan", str(path), "--offline", "--no-cache", "--no-dns", "-f", "json", *extra]
    )
    assert result.exit_code in (0, 1, 3), result.output
    report: dict[str, object] = json.loads(result.stdout)
    return report


def test_the_hostile_layouts_do_run_the_command_under_plain_git(tmp_path: Path) -> None:
    """The attack is real: plain git, asked what dating asks, runs the command."""
    marker = tmp_path / "marker"
    clone = partial_clone(tmp_path / "a", marker)
    subprocess.run(
        ["git", "log", "--format=%cI", "-Sjane@janedoe.org", "--", "pyproject.toml"],
        cwd=clone, capture_output=True, check=False,
    )  # fmt: skip
    assert marker.exists()
    marker.unlink()
    planted = planted_repository(tmp_path / "b", marker) / "vendored"
    subprocess.run(
        ["git", "log", "--format=%cI", "-Sjane@janedoe.org", "--", "pyproject.toml"],
        cwd=planted, capture_output=True, check=False,
    )  # fmt: skip
    assert marker.exists()


@pytest.mark.parametrize("offline", [True, False], ids=["offline", "online"])
@pytest.mark.parametrize("layout", [partial_clone, planted_repository])
def test_scanning_a_hostile_tree_starts_no_program(
    tmp_path: Path, layout: object, offline: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "marker"
    tree = layout(tmp_path, marker)  # type: ignore[operator]
    extra = () if offline else ("--rdap-bootstrap", str(tmp_path / "none.json"))
    if not offline:
        (tmp_path / "none.json").write_text(
            '{"version": "1.0", "services": [[["org"], ["http://127.0.0.1:9/"]]]}'
        )
        result = runner.invoke(
            app, ["scan", str(tree), "--no-cache", "--no-dns", "-f", "json", *extra]
        )
        assert result.exit_code in (0, 1, 3), result.output
        contacts = json.loads(result.stdout)["contacts"]
    else:
        contacts = _scan(tree)["contacts"]  # type: ignore[assignment]
    assert contacts, "the metadata file was scanned"
    assert not marker.exists(), "git ran the scanned tree's command"
    # a folder that is its own repository is not trusted, so its address has no date
    if layout is planted_repository:
        assert all(c["source"].get("uploaded") is None for c in contacts)


def test_a_normal_checkout_is_still_dated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    origin = _origin(tmp_path)
    monkeypatch.chdir(tmp_path)
    contacts = _scan(origin)["contacts"]
    (contact,) = contacts  # type: ignore[misc]
    assert contact["source"]["uploaded"] == "2018-05-01T10:00:00Z"


def test_a_same_named_file_in_the_working_directory_is_not_the_one_dated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scanning ../project from a directory with its own pyproject.toml dates the scanned
    file, not the working directory's."""
    origin = _origin(tmp_path / "scanned")
    here = tmp_path / "here"
    here.mkdir()
    git(here, "init", "-q")
    (here / "pyproject.toml").write_text(PYPROJECT.format(email="jane@janedoe.org"))
    git(here, "add", "pyproject.toml")
    git(here, "commit", "-q", "-m", "elsewhere", date="2010-01-01T00:00:00Z")
    monkeypatch.chdir(here)
    (contact,) = _scan(origin)["contacts"]  # type: ignore[misc]
    assert contact["source"]["uploaded"] == "2018-05-01T10:00:00Z"
