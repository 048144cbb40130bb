"""tools/check_lock.py: the hash-pinned locks of the image must match pyproject.toml."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "check_lock.py"


def load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_lock", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


check_lock = load_tool()


def run_check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the real pyproject.toml and locks, to be broken one way per test."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "requirements", tmp_path / "requirements")
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}: update the test"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def assert_fails(project: Path, capsys: pytest.CaptureFixture[str], *fragments: str) -> None:
    assert check_lock.main(["--root", str(project)]) == 1
    err = capsys.readouterr().err
    for fragment in fragments:
        assert fragment in err, err
    assert "lock check FAILED" in err


def test_repository_locks_match_pyproject() -> None:
    result = run_check(ROOT)
    assert result.returncode == 0, result.stderr
    assert "lock check OK" in result.stdout


def test_copied_project_passes(project: Path) -> None:
    # The fixture itself is sound, so each failure below comes from its one edit.
    assert check_lock.check(project) == []


def test_fails_when_pyproject_needs_a_newer_version_than_locked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(project / "pyproject.toml", '"httpx>=0.27"', '"httpx>=99"')
    assert_fails(project, capsys, "requirements/runtime.lock:", "does not satisfy 'httpx>=99'")


def test_fails_when_a_new_dependency_is_not_locked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(project / "pyproject.toml", '"idna>=3.7",', '"idna>=3.7",\n    "attrs>=23",')
    assert_fails(project, capsys, "'attrs>=23' is required but not locked")


def test_marker_is_evaluated_for_every_image_python(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Not needed on 3.12, but the container check builds on Debian's 3.11.
    edit(
        project / "pyproject.toml",
        '"idna>=3.7",',
        '"idna>=3.7",\n    "exceptiongroup>=1; python_version < \'3.12\'",',
    )
    assert_fails(project, capsys, "is required but not locked (Python 3.11")


def test_requirement_for_other_pythons_only_need_not_be_locked(project: Path) -> None:
    edit(
        project / "pyproject.toml",
        '"idna>=3.7",',
        '"idna>=3.7",\n    "attrs; python_version < \'3.10\'",',
    )
    assert check_lock.check(project) == []


def test_fails_on_a_range_instead_of_a_pin(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(project / "requirements" / "runtime.lock", "httpx==0.28.1", "httpx>=0.28.1")
    assert_fails(project, capsys, "httpx is not pinned to one version")


def test_fails_on_a_pin_without_hashes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lock = project / "requirements" / "runtime.lock"
    lines = lock.read_text(encoding="utf-8").splitlines()
    start = lines.index("mdurl==0.1.2 \\")
    end = start + 1
    while lines[end].lstrip().startswith("--hash"):
        end += 1
    lines[start:end] = ["mdurl==0.1.2"]
    lock.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert_fails(project, capsys, "mdurl has no --hash")


def test_fails_on_an_option_in_the_lock(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lock = project / "requirements" / "runtime.lock"
    lock.write_text("--extra-index-url https://elsewhere.invalid/simple\n" + lock.read_text())
    assert_fails(project, capsys, "option not allowed in a lock")


def test_fails_on_a_duplicate_pin(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lock = project / "requirements" / "runtime.lock"
    lock.write_text(lock.read_text() + "HTTPX==0.28.1 --hash=sha256:" + "0" * 64 + "\n")
    assert_fails(project, capsys, "HTTPX is pinned twice")


def test_fails_when_the_project_itself_is_locked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = project / "requirements" / "runtime.lock"
    lock.write_text(lock.read_text() + "domain-guard==0.1.0 --hash=sha256:" + "0" * 64 + "\n")
    assert_fails(project, capsys, "the project itself (domain-guard) is locked")


def test_fails_on_a_direct_pin_pyproject_dropped(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(project / "pyproject.toml", '    "pyyaml>=6",\n', "")
    assert_fails(project, capsys, "pyyaml is locked as a direct requirement")


def test_fails_when_build_requirements_change(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(project / "pyproject.toml", '"setuptools>=77"', '"setuptools>=999"')
    assert_fails(project, capsys, "requirements/build.lock:", "does not satisfy 'setuptools>=999'")


def test_fails_when_a_lock_is_missing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "requirements" / "build.lock").unlink()
    assert_fails(project, capsys, "requirements/build.lock:0: missing")


def test_fails_when_a_test_dependency_is_not_in_the_test_lock(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(project / "pyproject.toml", '"dnslib>=0.9.24",', '"dnslib>=0.9.24",\n    "flask>=3",')
    assert_fails(project, capsys, "requirements/test.lock", "'flask>=3' is required but not locked")


def test_fails_when_the_test_lock_tests_another_version_than_the_image_ships(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(project / "requirements" / "test.lock", "httpx==0.28.1", "httpx==0.28.0")
    assert_fails(project, capsys, "httpx==0.28.0 but requirements/runtime.lock ships 0.28.1")
