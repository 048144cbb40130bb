"""Run a command and record its exit status and peak memory: ``measure.py OUT.json CMD ...``.

A process started straight from pytest inherits pytest's memory high-water mark
(``ru_maxrss`` survives ``exec``), so the command is started from this small process
instead, and ``wait4`` reads the peak of the command and of every process it waited for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def main() -> int:
    out, command = sys.argv[1], sys.argv[2:]
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    with open(out, "w", encoding="utf-8") as handle:
        json.dump({"returncode": process.returncode, "max_rss_kb": usage.ru_maxrss}, handle)
    return 0 if process.returncode >= 0 else 1


if __name__ == "__main__":
    sys.exit(main())
