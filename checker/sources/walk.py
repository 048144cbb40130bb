"""Finding metadata files below the paths a user names."""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from checker.model import SourceKind
from checker.sources.archives import WHEEL_SUFFIXES, is_archive
from checker.sources.registry import by_name

#: Directories never entered: VCS data, caches, dependency trees.
SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".bzr", "node_modules", "__pycache__", ".tox", ".nox",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis", ".eggs", ".cache",
        ".venv", "venv", ".direnv", "site-packages",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Candidate:
    """A file worth reading, with the path reports show for it."""

    path: Path
    display: str
    kind: SourceKind


def kind_of(name: str) -> SourceKind | None:
    """What a file name says it is, or None when it is not a metadata file."""
    entry = by_name(name)
    if entry is not None:
        return entry.kind
    if is_archive(name):
        return SourceKind.WHEEL if name.lower().endswith(WHEEL_SUFFIXES) else SourceKind.SDIST
    return None


def _excluded(relative: str, name: str, patterns: Sequence[str]) -> bool:
    for raw in patterns:
        pattern = raw.rstrip("/")
        if fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(name, pattern):
            return True
        if fnmatch.fnmatchcase(relative, pattern + "/*"):
            return True
    return False


def matches_exclude(relative: str, name: str, patterns: Sequence[str]) -> bool:
    """True when a path (POSIX, relative to the root) or its file name matches a glob."""
    return _excluded(relative, name, patterns)


def display_path(path: Path, root: Path, base: Path) -> str:
    """POSIX path relative to ``base`` (the working directory) when inside it, else to ``root``."""
    for anchor in (base, root if root.is_dir() else root.parent):
        try:
            return path.relative_to(anchor).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def _is_virtualenv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file()


def walk(
    roots: Sequence[Path], *, exclude: Sequence[str] = (), base: Path | None = None
) -> Iterator[Candidate | tuple[str, str]]:
    """Yield metadata files below ``roots`` (and ``(path, message)`` for unreadable ones).

    Directory symlinks are never followed, so a symlink loop cannot trap the walk; a file
    symlink is read only when its target is a regular file inside the root, and a root
    named inside ``base`` is read only when it resolves inside ``base``.
    """
    base = (base or Path.cwd()).absolute()
    lexical_base, real_base = Path(os.path.normpath(base)), base.resolve()
    seen: set[Path] = set()
    for given in roots:
        root = given.absolute()
        if not root.exists() and not root.is_symlink():
            yield (given.as_posix(), "no such file or directory")
            continue
        # A path named inside the working directory (the Action's paths, the files
        # pre-commit hands over) stays there: no symlink, of the file or of a directory on
        # the way, leads it out. A path named outside it was chosen as such.
        if Path(os.path.normpath(root)).is_relative_to(lexical_base) and not (
            root.resolve().is_relative_to(real_base)
        ):
            yield (given.as_posix(), "symlink leads out of the working directory")
            continue
        if not root.is_dir():
            kind = kind_of(root.name)
            if kind is None:
                yield (given.as_posix(), "not a metadata file, archive or directory")
            elif not root.is_file():  # a FIFO named setup.cfg would block the read forever
                yield (given.as_posix(), "not a regular file")
            elif root not in seen:
                seen.add(root)
                yield Candidate(root, display_path(root, root, base), kind)
            continue
        resolved_root = root.resolve()
        stack = [root]
        while stack:
            directory = stack.pop()
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError as exc:
                yield (display_path(directory, root, base), f"cannot list: {exc.strerror}")
                continue
            subdirs = []
            for entry in entries:
                path = Path(entry.path)
                relative = path.relative_to(root).as_posix()
                if _excluded(relative, entry.name, exclude):
                    continue
                try:
                    mode = entry.stat(follow_symlinks=False).st_mode
                except OSError:
                    continue
                if stat.S_ISDIR(mode):
                    if entry.name not in SKIP_DIRS and not _is_virtualenv(path):
                        subdirs.append(path)
                    continue
                kind = kind_of(entry.name)
                if kind is None:
                    continue
                if stat.S_ISLNK(mode):
                    try:
                        target = path.resolve(strict=True)
                    except (OSError, RuntimeError):
                        yield (display_path(path, root, base), "broken or looping symlink")
                        continue
                    if not target.is_relative_to(resolved_root) or not target.is_file():
                        yield (display_path(path, root, base), "symlink leads out of the tree")
                        continue
                elif not stat.S_ISREG(mode):
                    yield (display_path(path, root, base), "not a regular file")
                    continue
                if path in seen:
                    continue
                seen.add(path)
                yield Candidate(path, display_path(path, root, base), kind)
            stack.extend(reversed(subdirs))
