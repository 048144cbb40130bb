"""The pre-commit hook (.pre-commit-hooks.yaml), run for real with ``pre-commit try-repo``.

pre-commit builds the hook's virtualenv and pip-installs this project into it from the package
index (the only network these tests use, in a subprocess). Each try-repo run takes ~15 s.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml
from platformdirs import user_cache_dir

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
# Read before the suite's autouse fixture points XDG_CACHE_HOME at a temporary directory:
# pip's own cache keeps the hook's installs from downloading every wheel again.
PIP_CACHE = os.environ.get("PIP_CACHE_DIR") or user_cache_dir("pip")
GIT_IDENTITY = ["-c", "user.name=domain-guard tests", "-c", "user.email=tests@localhost"]


def _hook() -> dict[str, object]:
    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["domain-guard"]
    hook: dict[str, object] = hooks[0]
    return hook


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=cwd, check=True, capture_output=True, text=True
    )
    return done.stdout


def test_manifest_is_valid_for_pre_commit() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(MANIFEST)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_manifest_runs_scan_on_metadata_files_serially() -> None:
    hook = _hook()
    # --force-exclude: the configured excludes apply to the files pre-commit hands over
    assert hook["entry"] == "domain-guard scan --force-exclude"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    assert hook["require_serial"] is True


@pytest.mark.parametrize(
    "path",
    [
        "pyproject.toml",
        "setup.cfg",
        "setup.py",
        "PKG-INFO",
        "METADATA",
        "packages/core/pyproject.toml",
        "src/demo.egg-info/PKG-INFO",
        "vendor/demo-1.0.dist-info/METADATA",
    ],
)
def test_hook_files_pattern_matches_metadata_files(path: str) -> None:
    assert re.search(str(_hook()["files"]), path)


@pytest.mark.parametrize(
    "path",
    [
        "mypyproject.toml",
        "pyproject.toml.orig",
        "docs/setup.cfg.in",
        "setup.pyc",
        "tools/old_setup.py",
        "METADATA.txt",
        "notes/PKG-INFO.md",
    ],
)
def test_hook_files_pattern_ignores_other_files(path: str) -> None:
    assert not re.search(str(_hook()["files"]), path)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository holding this working tree as it would be committed (uncommitted
    changes and new files included; try-repo's own shadow commit leaves new files out)."""
    listed = _git(ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in sorted(set(filter(None, listed.split("\0")))):
        if name.startswith(("tests/", "benchmarks/", ".github/")):
            continue
        source = ROOT / name
        if source.is_file():
            target = repo / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "domain-guard working tree")
    return repo


PASSING, FAILING, EXCLUDED = "provider-address", "unjudged-domain", "excluded-fixture"
OFFLINE_STRICT = {"DOMAIN_GUARD_OFFLINE": "1", "DOMAIN_GUARD_FAIL_ON_UNKNOWN": "1"}
CASES = {
    # a mail provider's domain is never looked up: nothing to report, exit 0
    PASSING: ("jane@gmail.com", {}),
    # offline, python.org is unknown, and unknown fails here: the hook really ran domain-guard
    FAILING: ("security@python.org", OFFLINE_STRICT),
    # the fixture's domain would fail like the case above, but its folder is excluded
    EXCLUDED: ("jane@gmail.com", OFFLINE_STRICT),
}
#: More files per case: (path, text). The project's pyproject.toml excludes tests/fixtures.
EXTRA_FILES = {
    EXCLUDED: [
        ("pyproject.toml", '\n[tool.domain-guard]\nexclude = ["tests/fixtures"]\n'),
        ("tests/fixtures/stranger/setup.cfg", "[metadata]\nauthor_email = x@python.org\n"),
    ]
}


def _project(root: Path, email: str, extra: Sequence[tuple[str, str]] = ()) -> Path:
    project = root / "project"
    project.mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\nversion = "1.0"\n'
        f'authors = [{{ name = "Jane Doe", email = "{email}" }}]\n',
        encoding="utf-8",
    )
    for name, text in extra:  # appended: the configuration goes after [project]
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text)
    (project / "README.md").write_text("not metadata: the hook must not be given this\n")
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    return project


@pytest.fixture(scope="module")
def try_repo_runs(
    hook_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, subprocess.CompletedProcess[str]]:
    """``pre-commit try-repo HOOK_REPO domain-guard --all-files`` in a throw-away project per
    case; the runs go side by side, as each builds its own hook environment (~15 s)."""
    running: dict[str, tuple[list[str], subprocess.Popen[str]]] = {}
    for case, (email, env) in CASES.items():
        root = tmp_path_factory.mktemp(case)
        command = [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo)]
        command += ["domain-guard", "--all-files", "--verbose"]
        full_env = {
            **os.environ,
            "PRE_COMMIT_HOME": str(root / "pre-commit-home"),
            "PIP_CACHE_DIR": PIP_CACHE,
            "PRE_COMMIT_COLOR": "never",
            "XDG_CACHE_HOME": str(root / "xdg-cache"),
            **env,
        }
        process = subprocess.Popen(
            command,
            cwd=_project(root, email, EXTRA_FILES.get(case, [])),
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        running[case] = (command, process)
    results = {}
    for case, (command, process) in running.items():
        out, _ = process.communicate(timeout=300)
        results[case] = subprocess.CompletedProcess(command, process.returncode, out, "")
    return results


@pytest.mark.slow
def test_try_repo_passes_a_project_with_a_provider_address(
    try_repo_runs: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    done = try_repo_runs[PASSING]
    assert done.returncode == 0, done.stdout
    assert re.search(r"^domain-guard\.+Passed$", done.stdout, re.MULTILINE), done.stdout
    # --verbose shows the hook's own output: domain-guard read the one file it was given
    assert "1 address in 1 file;" in done.stdout, done.stdout


@pytest.mark.slow
def test_try_repo_fails_when_a_domain_cannot_be_judged(
    try_repo_runs: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    done = try_repo_runs[FAILING]
    assert done.returncode == 1, done.stdout
    assert re.search(r"^domain-guard\.+Failed$", done.stdout, re.MULTILINE), done.stdout
    assert "exit code: 1" in done.stdout, done.stdout
    assert "python.org" in done.stdout, done.stdout
    assert "offline" in done.stdout, done.stdout


@pytest.mark.slow
def test_try_repo_skips_files_under_a_configured_exclude(
    try_repo_runs: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    """pre-commit hands the hook every matching file, the excluded fixture too (--all-files);
    the hook's --force-exclude leaves it out, so its unjudged domain cannot fail the run."""
    done = try_repo_runs[EXCLUDED]
    assert done.returncode == 0, done.stdout
    assert re.search(r"^domain-guard\.+Passed$", done.stdout, re.MULTILINE), done.stdout
    assert "1 address in 1 file;" in done.stdout, done.stdout
    assert "python.org" not in done.stdout, done.stdout


def test_hook_files_pattern_is_the_registry_of_metadata_files() -> None:
    from checker.sources.registry import hook_files_pattern

    assert _hook()["files"] == hook_files_pattern()
