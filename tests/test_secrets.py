"""The GitHub token never reaches output: crashes, debug tracebacks, and every command."""

from __future__ import annotations

import json
import os
import re
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
        ["domain", "widgets.org", "--format", "html"],
        ["deps", "requests", "--format", "json"],
        ["env", "--format", "text"],
        ["merge", "report.json", "--format", "markdown"],
    ],
)
@pytest.mark.parametrize("verbose", [False, True], ids=["quiet", "verbose"])
def test_commands_with_a_token_in_the_environment_never_print_it(
    tmp_path: Path, args: list[str], verbose: bool
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\nauthors = [{email = "a@example.org"}]\n'
    )
    if args[0] == "merge":
        made = _run(["scan", "--format", "json", "--output", "report.json"], tmp_path)
        assert made.returncode in (0, 1), made.stderr
    done = _run(["--verbose", *args] if verbose else args, tmp_path)
    # deps offline without a cache: every package is an error (3); nothing else may fail
    assert done.returncode in (0, 1, 3), done.stderr
    assert "Traceback" not in done.stderr
    assert TOKEN not in done.stdout + done.stderr


def test_no_recorded_exchange_holds_a_credential() -> None:
    """Cassettes and recorded GitHub answers carry no credential header and no token."""
    token_shape = re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})")
    cassettes = sorted((ROOT / "tests" / "cassettes").rglob("*.json"))
    assert len(cassettes) >= 3
    for path in cassettes:
        for exchange in json.loads(path.read_text(encoding="utf-8"))["interactions"]:
            for side in ("request", "response"):
                names = {name.lower() for name in exchange[side].get("headers", {})}
                assert not names & {"authorization", "cookie", "set-cookie", "x-api-key"}, path
    for path in [*cassettes, *(ROOT / "tests" / "fixtures" / "github").rglob("*")]:
        if path.is_file():
            assert token_shape.search(path.read_text(encoding="utf-8", errors="replace")) is None
