"""Installed distributions, for the ``env`` command: ``*.dist-info/METADATA`` and
``*.egg-info/PKG-INFO`` in an environment's ``sys.path``, read as files, never imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from checker.contacts import build_contacts
from checker.domains import DomainClassifier
from checker.errors import UsageError
from checker.model import Contact, ScanError, SourceKind
from checker.sources.base import Collected, SourceError, read_text
from checker.sources.pkginfo import parse_pkg_info
from checker.sources.pypi import normalize_name

#: How long the interpreter named by ``--python`` may take to print its ``sys.path``.
PYTHON_TIMEOUT = 15.0
#: Largest ``sys.path`` answer read from that interpreter.
MAX_SYS_PATH_BYTES = 1024 * 1024

_PRINT_SYS_PATH = "import json, sys; print(json.dumps(sys.path))"


class EnvironmentNotFound(UsageError):
    """The environment to read could not be found."""


@dataclass
class Installed:
    """Contacts of the installed distributions, unreadable ones, and how many were read."""

    contacts: list[Contact] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    distributions: int = 0
    directories: list[str] = field(default_factory=list)


def _existing_dirs(entries: Sequence[object]) -> list[Path]:
    dirs: list[Path] = []
    for entry in entries:
        if not isinstance(entry, str) or not entry:
            continue  # "" is the working directory: a project, not an environment
        path = Path(entry)
        if path.is_dir() and path not in dirs:
            dirs.append(path)
    return dirs


def current_path() -> list[Path]:
    """The directories of this interpreter's ``sys.path``."""
    return _existing_dirs(sys.path)


def _beside(python: Path) -> list[Path]:
    """``lib/python3.*/site-packages`` (or ``Lib/site-packages``) of the environment."""
    root = python.absolute().parent.parent
    found = sorted(root.glob("lib/python3*/site-packages")) + sorted(root.glob("Lib/site-packages"))
    return [p for p in found if p.is_dir()]


def interpreter_path(python: Path, *, timeout: float = PYTHON_TIMEOUT) -> list[Path]:
    """The ``sys.path`` directories of the interpreter ``python``.

    The interpreter is the user's own, asked in isolated mode (``-I``: no user site,
    no environment variables, no current directory) to print its path. When it cannot
    be run, the ``site-packages`` directory beside it is used.
    """
    if not python.exists():
        raise EnvironmentNotFound(f"{python}: no such interpreter")
    try:
        done = subprocess.run(  # noqa: S603 - the user's own interpreter, fixed arguments
            [str(python), "-I", "-c", _PRINT_SYS_PATH],
            capture_output=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        if done.returncode == 0 and len(done.stdout) <= MAX_SYS_PATH_BYTES:
            entries = json.loads(done.stdout)
            if isinstance(entries, list):
                return _existing_dirs(entries)
    except (OSError, subprocess.SubprocessError, ValueError):
        pass
    beside = _beside(python)
    if not beside:
        raise EnvironmentNotFound(f"{python}: cannot run it and no site-packages found beside it")
    return beside


def _metadata_files(directory: Path) -> Iterator[tuple[str, Path]]:
    """(distribution directory name, metadata file) for each distribution in ``directory``."""
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if name.endswith(".dist-info"):
            yield name, Path(entry.path) / "METADATA"
        elif name.endswith(".egg-info"):
            # Old setuptools installs an .egg-info file instead of a directory.
            path = Path(entry.path)
            yield name, (path / "PKG-INFO") if entry.is_dir() else path
        elif name.endswith(".egg") and entry.is_dir():
            yield name, Path(entry.path) / "EGG-INFO" / "PKG-INFO"


def _project_of(directory_name: str) -> str:
    stem = directory_name.rsplit(".", 1)[0]
    return normalize_name(stem.split("-", 1)[0])


def read_environment(
    directories: Sequence[Path], classifier: DomainClassifier | None = None
) -> Installed:
    """Contacts of every distribution installed in ``directories``.

    Like ``importlib.metadata``, the first directory that holds a project wins; later
    copies of it are shadowed and not read.
    """
    classifier = classifier or DomainClassifier()
    installed = Installed(directories=[d.as_posix() for d in directories])
    seen: set[str] = set()
    for directory in directories:
        for dist_name, metadata in _metadata_files(directory):
            project = _project_of(dist_name)
            if project in seen:
                continue
            shown = metadata.as_posix()
            text: str | ScanError
            try:
                text = read_text(metadata)
            except FileNotFoundError:
                continue  # a half-removed copy: a later one on the path may be whole
            except OSError as exc:
                text = ScanError(shown, f"cannot read: {exc.strerror or exc}")
            except SourceError as exc:
                text = ScanError(shown, exc.message, exc.line)
            seen.add(project)
            if isinstance(text, ScanError):
                installed.errors.append(text)
                continue
            try:
                extraction = parse_pkg_info(text, shown, SourceKind.ENVIRONMENT)
            except SourceError as exc:
                installed.errors.append(ScanError(shown, exc.message, exc.line))
                continue
            except (Exception, RecursionError) as exc:
                installed.errors.append(ScanError(shown, f"cannot read: {type(exc).__name__}"))
                continue
            installed.distributions += 1
            installed.contacts.extend(build_contacts(extraction, classifier))
    return installed


@dataclass(frozen=True)
class InstalledEnvironment:
    """The distributions installed for ``python`` (None: this interpreter) as a
    :class:`~checker.sources.base.Source`; raises :class:`EnvironmentNotFound` when
    that environment cannot be found."""

    python: Path | None = None
    classifier: DomainClassifier | None = None

    def collect(self) -> Collected:
        """The installed distributions' contacts; their directories are the roots."""
        directories = current_path() if self.python is None else interpreter_path(self.python)
        found = read_environment(directories, self.classifier)
        return Collected(
            tuple(found.contacts), tuple(found.errors), found.distributions,
            tuple(found.directories),
        )  # fmt: skip
