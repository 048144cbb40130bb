"""The GitHub token never reaches output: crashes, debug tracebacks, and every command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from checker import cli

TOKEN = "ghp_RECOGNISABLEtoken0123456789abcdefXYZ"
ROOT = Path(__file__).resolve().parents[1]


def _crash() -> None:
    raise RuntimeError(f"request with Authorization: Bearer {TOKEN} failed")


@pytest.mark.parametrize("debug", ["", "1"])
def test_a_crash_never_prints_the_token_even_with_debug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], debug: str
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("INPUT_GITHUB-TOKEN", TOKEN)
    monkeypatch.setenv("DOMAIN_GUARD_DEBUG", debug)
    monkeypatch.setattr(cli, "app", _crash)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == cli.EXIT_INTERNAL
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err
    assert "Bearer ***" in captured.err
    if debug:
        assert "Traceback" in captured.err


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(cwd),
        "PYTHONPATH": str(ROOT),
        "GITHUB_TOKEN": TOKEN,
        "INPUT_GITHUB-TOKEN": TOKEN,
        "DOMAIN_GUARD_DEBUG": "1",
        "DOMAIN_GUARD_OFFLINE": "1",
        "DOMAIN_GUARD_CACHE_DIR": str(cwd / "cache"),
    }
    return subprocess.run(
        [sys.executable, "-m", "checker", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "--format", "json"],
        ["scan", "--format", "markdown"],
        ["domain", "widgets.org", "--format", "sarif"],
        ["domain", "widgets.org", "--format", "github"],
    ],
)
def test_commands_with_a_token_in_the_environment_never_print_it(
    tmp_path: Path, args: list[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\nauthors = [{email = "a@example.org"}]\n'
    )
    done = _run(args, tmp_path)
    assert done.returncode in (0, 1), done.stderr
    assert TOKEN not in done.stdout + done.stderr
