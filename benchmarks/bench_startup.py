"""Wall-clock start-up of the installed command: --help, and an offline scan of a small project."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 0.300
RUNS = 15


def best_of(command: list[str], cwd: Path) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(
            command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        )
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 4]  # lower quartile: robust against a busy shared machine


def main() -> int:
    exe = shutil.which("domain-guard")
    if exe is None:
        print("domain-guard is not installed (pip install .)")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "pyproject.toml").write_text(
            '[project]\nname = "small"\nauthors = [{name = "A", email = "a@small-project.dev"}]\n'
        )
        (project / "setup.cfg").write_text("[metadata]\nmaintainer_email = m@small-project.dev\n")
        help_time = best_of([exe, "--help"], project)
        scan_time = best_of([exe, "scan", "--offline"], project)
    print(
        f"domain-guard --help: {help_time * 1000:.0f} ms (target < {TARGET_SECONDS * 1000:.0f} ms)"
    )
    print(
        f"domain-guard scan --offline (small project): {scan_time * 1000:.0f} ms "
        f"(target < {TARGET_SECONDS * 1000:.0f} ms)"
    )
    return 0 if max(help_time, scan_time) < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
