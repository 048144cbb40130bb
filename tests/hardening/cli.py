"""Running the installed ``domain-guard`` console script as a real child process.

Each run reports its exit code, output, wall time and peak resident memory (``ru_maxrss``
from ``wait4``, read by a small parent process: see ``measure.py``). Children load
``guard/sitecustomize.py``, which refuses anything but loopback and logs each attempt.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
GUARD_DIR = HERE / "guard"
REPO = HERE.parent.parent


@dataclass(frozen=True)
class CliRun:
    """What one run of the command did."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float
    escapes: tuple[str, ...]  # network attempts beyond loopback the guard refused


def command() -> list[str]:
    """The console script next to this interpreter, else ``python -m checker``."""
    script = Path(sys.executable).parent / "domain-guard"
    if script.is_file():
        return [str(script)]
    found = shutil.which("domain-guard")
    return [found] if found else [sys.executable, "-m", "checker"]


def run_cli(
    args: Sequence[str],
    *,
    cwd: Path,
    home: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
) -> CliRun:
    """Run ``domain-guard ARGS`` in ``cwd`` with HOME, caches and TMPDIR under ``home``.

    The command starts from :mod:`tests.hardening.measure`, which reports its peak memory.
    """
    home.mkdir(parents=True, exist_ok=True)
    (home / "tmp").mkdir(exist_ok=True)
    log = home / "guard.log"
    measured = home / f"measure-{time.monotonic_ns()}.json"
    child_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DOMAIN_GUARD_", "GITHUB_", "INPUT_", "PYTHON"))
    }
    child_env.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_CONFIG_HOME=str(home / "config"),
        TMPDIR=str(home / "tmp"),
        # This checkout, whatever an editable install elsewhere points at.
        PYTHONPATH=os.pathsep.join([str(GUARD_DIR), str(REPO)]),
        PYTHONDONTWRITEBYTECODE="1",
        DOMAIN_GUARD_TEST_GUARD_LOG=str(log),
        COLUMNS="200",
    )
    child_env.update(env or {})
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, str(HERE / "measure.py"), str(measured), *command(), *args],
            cwd=cwd,
            env=child_env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        _wait(process.pid, timeout)
        seconds = time.monotonic() - started
        outcome = json.loads(measured.read_text())
        measured.unlink()
        process.returncode = int(outcome["returncode"])
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    escapes = tuple(log.read_text().splitlines()) if log.exists() else ()
    return CliRun(
        process.returncode, stdout, stderr, seconds, outcome["max_rss_kb"] / 1024, escapes
    )


def _wait(pid: int, timeout: float) -> None:
    """Wait for the process group leader ``pid``; kill the whole group past ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return
        if time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise TimeoutError(f"domain-guard ran longer than {timeout} s and was killed")
        time.sleep(0.02)
