"""Check that the hash-pinned locks in ``requirements/`` match ``pyproject.toml``.

``requirements/runtime.lock`` must cover ``[project].dependencies``,
``requirements/build.lock`` must cover ``[build-system].requires`` and
``requirements/test.lock`` (what the README's test command and ``.ci/run`` install) must cover
both ``[project].dependencies`` and the ``test`` extra, pinning every runtime dependency to the
version ``runtime.lock`` ships (so the suite tests what the image runs):

- every entry is an exact ``name==version`` pin with at least one ``--hash=sha256:``,
  with no other option (no ``-e``, ``-r``, index or URL) and no duplicate;
- every requirement whose marker applies to one of the image's environments
  (CPython 3.11 and 3.12 on Linux x86_64 and aarch64) is pinned to a version its
  specifier admits, and that pin applies in the same environment;
- no entry that the lock's generator annotated as a direct requirement
  (``# via domain-guard (pyproject.toml)``) has disappeared from ``pyproject.toml``;
- the project itself is never in a lock (it is installed from its own wheel with
  ``--no-deps``; a pin would fetch a same-named package from the index).

Transitive pins are not resolved here (that needs the index): the image build installs the
lock with ``pip install --require-hashes`` without ``--no-deps``, which refuses a lock that
misses a dependency, then runs ``pip check``.

Usage: ``python tools/check_lock.py [--root DIR]``. Exit 0 when every lock matches, 1 otherwise.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_LOCK = Path("requirements/runtime.lock")
BUILD_LOCK = Path("requirements/build.lock")
TEST_LOCK = Path("requirements/test.lock")

# The interpreters the image is built on: the official python:3.12 image the Dockerfile
# pins, and Debian bookworm's python3 (3.11) that the container check builds on.
TARGET_PYTHONS = ("3.11", "3.12")
TARGET_MACHINES = ("x86_64", "aarch64")

_HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")
_VIA = re.compile(r"^\s*#\s*(?:via\s+)?(?P<source>.*?)\s*$")


@dataclass(frozen=True)
class Problem:
    """One mismatch, located in the file that has to change."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Pin:
    """One ``name==version`` entry of a lock."""

    name: str
    version: str
    line: int
    marker: Marker | None
    via: tuple[str, ...]


def target_environments() -> list[dict[str, str]]:
    """Marker environments of every interpreter and machine the image is built for."""
    envs = []
    for python in TARGET_PYTHONS:
        for machine in TARGET_MACHINES:
            envs.append(
                {
                    "implementation_name": "cpython",
                    "implementation_version": f"{python}.0",
                    "os_name": "posix",
                    "platform_machine": machine,
                    "platform_python_implementation": "CPython",
                    "platform_release": "",
                    "platform_system": "Linux",
                    "platform_version": "",
                    "python_full_version": f"{python}.0",
                    "python_version": python,
                    "sys_platform": "linux",
                }
            )
    return envs


def _applies(marker: Marker | None, env: dict[str, str]) -> bool:
    return marker is None or marker.evaluate(env)


def _logical_lines(text: str) -> Iterator[tuple[int, str, list[str]]]:
    """Yield (first line number, joined line, following comment lines) of a requirements file."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start = i
        parts = [lines[i]]
        while parts[-1].rstrip().endswith("\\") and i + 1 < len(lines):
            parts[-1] = parts[-1].rstrip()[:-1]
            i += 1
            parts.append(lines[i])
        i += 1
        comments = []
        while i < len(lines) and lines[i].lstrip().startswith("#"):
            comments.append(lines[i])
            i += 1
        joined = " ".join(p.strip() for p in parts)
        joined = re.sub(r"(^|\s)#.*$", "", joined).strip()
        yield start + 1, joined, comments


def _via(comments: list[str]) -> tuple[str, ...]:
    sources = []
    for comment in comments:
        match = _VIA.match(comment)
        if match and match.group("source") not in ("", "via"):
            sources.append(match.group("source"))
    return tuple(sources)


def parse_lock(text: str, path: str) -> tuple[dict[str, Pin], list[Problem]]:
    """Pins of a hash-pinned lock, by canonical name, and what is wrong with its entries."""
    pins: dict[str, Pin] = {}
    problems: list[Problem] = []
    for line, joined, comments in _logical_lines(text):
        if not joined:
            continue
        tokens = joined.split()
        hashes = [t for t in tokens if t.startswith("--hash")]
        rest = " ".join(t for t in tokens if not t.startswith("--hash"))
        if rest.startswith("-"):
            problems.append(Problem(path, line, f"option not allowed in a lock: {rest!r}"))
            continue
        try:
            req = Requirement(rest)
        except InvalidRequirement as exc:
            problems.append(Problem(path, line, f"not a requirement: {exc}"))
            continue
        specs = list(req.specifier)
        if (
            req.url
            or len(specs) != 1
            or specs[0].operator not in ("==", "===")
            or "*" in str(specs[0])
        ):
            problems.append(
                Problem(path, line, f"{req.name} is not pinned to one version: {rest!r}")
            )
            continue
        if not hashes:
            problems.append(Problem(path, line, f"{req.name} has no --hash"))
        bad = [h for h in hashes if not _HASH.fullmatch(h)]
        if bad:
            problems.append(Problem(path, line, f"{req.name} has a malformed hash: {bad[0]}"))
        name = canonicalize_name(req.name)
        if name in pins:
            problems.append(
                Problem(path, line, f"{req.name} is pinned twice (also line {pins[name].line})")
            )
            continue
        pins[name] = Pin(name, specs[0].version, line, req.marker, _via(comments))
    return pins, problems


def _check_pin(
    req: Requirement, text: str, pin: Pin | None, env: dict[str, str], lock_path: str
) -> Problem | None:
    where = f"Python {env['python_version']} on {env['platform_machine']}"
    if pin is None or not _applies(pin.marker, env):
        return Problem(lock_path, 1, f"{text!r} is required but not locked ({where})")
    if not req.specifier.contains(pin.version, prereleases=True):
        return Problem(
            lock_path, pin.line, f"{pin.name}=={pin.version} does not satisfy {text!r} ({where})"
        )
    return None


def check_requirements(
    requirements: Sequence[str],
    lock_text: str,
    *,
    lock_path: str,
    pyproject_path: str,
    project: str,
    direct_label: str,
) -> list[Problem]:
    """Compare one lock with the requirements it must satisfy."""
    pins, problems = parse_lock(lock_text, lock_path)
    envs = target_environments()
    wanted: set[str] = set()
    for text in requirements:
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            problems.append(Problem(pyproject_path, 1, f"invalid requirement {text!r}: {exc}"))
            continue
        name = canonicalize_name(req.name)
        for env in envs:
            if not _applies(req.marker, env):
                continue
            wanted.add(name)
            problem = _check_pin(req, text, pins.get(name), env, lock_path)
            if problem is not None:
                problems.append(problem)
                break  # one report per requirement, for the first environment it fails in
    own = canonicalize_name(project)
    if own in pins:
        problems.append(
            Problem(lock_path, pins[own].line, f"the project itself ({project}) is locked")
        )
    for pin in pins.values():
        if direct_label in pin.via and pin.name not in wanted:
            problems.append(
                Problem(
                    lock_path,
                    pin.line,
                    f"{pin.name} is locked as a direct requirement ({direct_label}) "
                    f"that {pyproject_path} no longer has: regenerate the lock",
                )
            )
    return problems


def check(root: Path) -> list[Problem]:
    """Every problem of ``root``'s runtime and build locks against its ``pyproject.toml``."""
    pyproject_path = root / "pyproject.toml"
    data = tomllib.loads(pyproject_path.read_text(encoding="utf-8"))
    project = str(data["project"]["name"])
    runtime = list(data["project"].get("dependencies", []))
    test = runtime + list(data["project"].get("optional-dependencies", {}).get("test", []))
    problems: list[Problem] = []
    for lock, requirements, label in (
        (RUNTIME_LOCK, runtime, f"{project} (pyproject.toml)"),
        (BUILD_LOCK, data.get("build-system", {}).get("requires", []), "-r requirements/build.in"),
        (TEST_LOCK, test, f"{project} (pyproject.toml)"),
    ):
        lock_file = root / lock
        if not lock_file.is_file():
            problems.append(Problem(lock.as_posix(), 0, "missing"))
            continue
        problems += check_requirements(
            [str(r) for r in requirements],
            lock_file.read_text(encoding="utf-8"),
            lock_path=lock.as_posix(),
            pyproject_path="pyproject.toml",
            project=project,
            direct_label=label,
        )
    problems += _tested_as_shipped(root)
    return problems


def _tested_as_shipped(root: Path) -> list[Problem]:
    """The test lock must pin every runtime dependency to the version the image ships."""
    try:
        runtime, _ = parse_lock((root / RUNTIME_LOCK).read_text(encoding="utf-8"), "")
        tested, _ = parse_lock((root / TEST_LOCK).read_text(encoding="utf-8"), "")
    except OSError:
        return []  # reported as missing above
    return [
        Problem(
            TEST_LOCK.as_posix(),
            pin.line,
            f"{name}=={pin.version} but {RUNTIME_LOCK} ships {runtime[name].version}: "
            f"regenerate {TEST_LOCK} with -c {RUNTIME_LOCK}",
        )
        for name, pin in tested.items()
        if name in runtime and runtime[name].version != pin.version
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print the problems, exit 1 when there is any."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="project directory")
    args = parser.parse_args(argv)
    problems = check(args.root)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"lock check FAILED: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"lock check OK: {RUNTIME_LOCK}, {BUILD_LOCK} and {TEST_LOCK} match pyproject.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
