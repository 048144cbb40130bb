"""Path arguments stay in the workspace, and config errors quote nothing from outside it.

A pull request can commit symlinks. The files pre-commit hands to ``domain-guard scan``,
the Action's ``paths`` and ``config`` inputs, and a discovered ``.domain-guard.yml`` are
read only when they resolve inside the working directory (the workspace in the Action);
a config file that links out is refused before a byte of it is read, so its error cannot
quote the file it points at.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hardening.cli import run_cli

SECRET = "TOP-SECRET-RUNNER-FILE-CONTENT"
OUTSIDE_CFG = f"[metadata]\nname = x\nauthor_email = leak@outside-secret.org\n# {SECRET}\n"


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    """A repository (the working directory) and a directory outside it."""
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    repo.mkdir()
    outside.mkdir()
    (outside / "setup.cfg").write_text(OUTSIDE_CFG)
    (outside / "secret.yml").write_text(f"{SECRET}: [unclosed\n")
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "1"\n'
        'authors = [{name = "Jane", email = "jane@inside-repo.org"}]\n'
    )
    return repo, outside


def _emails(stdout: str) -> set[str]:
    return {c["email"] for c in json.loads(stdout)["contacts"]}


@pytest.mark.parametrize("link", ["file", "directory"])
def test_a_file_pre_commit_hands_over_is_not_followed_out_of_the_repository(
    layout: tuple[Path, Path], tmp_path: Path, link: str
) -> None:
    """The hook's entry is ``domain-guard scan FILE...``, run at the repository's top."""
    repo, outside = layout
    if link == "file":
        (repo / "setup.cfg").symlink_to(outside / "setup.cfg")
        named = "setup.cfg"
    else:
        (repo / "vendor").symlink_to(outside, target_is_directory=True)
        named = "vendor/setup.cfg"
    run = run_cli(
        ["scan", "pyproject.toml", named, "--offline", "--no-cache", "-f", "json",
         "--fail-on", "never"],
        cwd=repo, home=tmp_path / "home",
    )  # fmt: skip
    assert _emails(run.stdout) == {"jane@inside-repo.org"}, run.stdout
    errors = {e["path"]: e["message"] for e in json.loads(run.stdout)["errors"]}
    assert errors == {named: "symlink leads out of the working directory"}
    assert SECRET not in run.stdout + run.stderr


def test_a_path_named_outside_the_working_directory_is_still_scanned(
    layout: tuple[Path, Path], tmp_path: Path
) -> None:
    """``domain-guard scan ../their-project`` is a choice, not an escape."""
    repo, outside = layout
    run = run_cli(
        ["scan", str(outside), "--offline", "--no-cache", "-f", "json", "--fail-on", "never"],
        cwd=repo, home=tmp_path / "home",
    )  # fmt: skip
    assert _emails(run.stdout) == {"leak@outside-secret.org"}


def test_a_discovered_config_linking_out_is_refused_without_quoting_it(
    layout: tuple[Path, Path], tmp_path: Path
) -> None:
    repo, outside = layout
    (repo / ".domain-guard.yml").symlink_to(outside / "secret.yml")
    run = run_cli(["scan", "--offline", "--no-cache"], cwd=repo, home=tmp_path / "home")
    assert run.returncode == 2
    assert "a symlink to a file outside" in run.stderr
    assert SECRET[:12] not in run.stdout + run.stderr


def _action(repo: Path, tmp_path: Path, **inputs: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "HOME": str(tmp_path / "home"),
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(repo),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "INPUT_OFFLINE": "true",
        "INPUT_FAIL-ON": "never",
        "DOMAIN_GUARD_NO_CACHE": "1",
        **{f"INPUT_{key.upper()}": value for key, value in inputs.items()},
    }
    return subprocess.run(
        [sys.executable, "-m", "checker", "action"], env=env, capture_output=True, text=True,
        timeout=120, check=False, cwd="/",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("inputs", "problem"),
    [
        ({"paths": "linked"}, "input paths: 'linked' is outside the workspace"),
        ({"paths": "../outside"}, "input paths: '../outside' is outside the workspace"),
        ({"config": "linked.yml"}, "input config: 'linked.yml' is outside the workspace"),
    ],
)
def test_the_actions_path_inputs_stay_in_the_workspace(
    layout: tuple[Path, Path], tmp_path: Path, inputs: dict[str, str], problem: str
) -> None:
    repo, outside = layout
    (repo / "linked").symlink_to(outside, target_is_directory=True)
    (repo / "linked.yml").symlink_to(outside / "secret.yml")
    done = _action(repo, tmp_path, **inputs)
    assert done.returncode == 2, done.stdout + done.stderr
    assert problem in done.stdout
    assert SECRET not in done.stdout + done.stderr
    assert not (repo / "domain-guard-report.json").exists()  # nothing was scanned
