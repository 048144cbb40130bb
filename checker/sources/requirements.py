"""What the ``deps`` command looks up: specifiers, requirements files and lockfiles.

Requirements files follow pip's format: ``-r`` includes (relative to the including file,
each file read once), ``-c`` constraints ignored, options lines ignored, ``--hash``
and markers tolerated, ``\\`` continuations and comments. Editable, URL and path
requirements are not on the index: each becomes an error saying it was skipped.
Lockfiles: ``pylock.toml`` (PEP 751), ``uv.lock`` and ``poetry.lock``, by name or content.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from checker.model import ScanError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib
from checker.sources.base import MAX_METADATA_BYTES, SourceError, read_text
from checker.sources.pypi import Requirement, is_valid_name

#: Largest requirements file or lockfile read.
MAX_FILE_BYTES = MAX_METADATA_BYTES
#: How deep ``-r`` includes may nest, and how many files one run reads.
MAX_INCLUDE_DEPTH = 16
MAX_FILES = 256

_PYPI_HOSTS = frozenset({"pypi.org", "pypi.python.org", "files.pythonhosted.org"})
_COMMENT = re.compile(r"(^|\s+)#.*$")
_OPTION_TAIL = re.compile(r"\s+(?=--?[A-Za-z])")
_INCLUDE = re.compile(r"^(?:-r|--requirement)(?:\s*=\s*|\s+|(?=\S))(?P<file>\S.*)$")
_CONSTRAINT = re.compile(r"^(?:-c|--constraint)\b")
_EDITABLE = re.compile(r"^(?:-e|--editable)(?:\s*=\s*|\s+|(?=\S))(?P<target>.*)$")
_NOT_ON_INDEX = (
    "skipped: {what} is not looked up on the index; scan its source with `domain-guard scan`"
)


@dataclass
class Wanted:
    """Requirements found, inputs that could not be used, and how many files were read."""

    requirements: list[Requirement] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    files: int = 0


def _within(target: Path, roots: tuple[Path, ...]) -> bool:
    try:
        resolved = target.resolve()
    except (OSError, RuntimeError):
        return False
    return any(resolved == root or root.resolve() in resolved.parents for root in roots)


def _display(path: Path) -> str:
    try:
        return Path(os.path.relpath(path)).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()


def _read(path: Path) -> str:
    try:
        return read_text(path, MAX_FILE_BYTES)  # regular files only: no FIFO, no device
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None


# --- specifiers ---------------------------------------------------------------------------


def _pinned(specifier: Any) -> str | None:
    """The version of an exact pin (``==1.2`` or ``===1.2``), else None."""
    specs = list(specifier)
    if len(specs) != 1 or specs[0].operator not in ("==", "===") or "*" in specs[0].version:
        return None
    version: str = specs[0].version
    return version


def parse_specifier(text: str, path: str, line: int | None) -> Requirement | ScanError:
    """One PEP 508 requirement; URL and path forms are errors saying they were skipped."""
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Pep508

    text = text.strip()
    try:
        parsed = Pep508(text)
    except InvalidRequirement as exc:
        if "://" in text or "/" in text or "\\" in text or text.startswith("."):
            message = _NOT_ON_INDEX.format(what="a URL or path requirement")
            return ScanError(path=path, line=line, message=message)
        # The line itself is not quoted: an include can point at any file (a .git/config
        # holding a token), and its lines would end up in the report.
        first = str(exc).splitlines()[0] if str(exc) else "invalid"
        return ScanError(path=path, line=line, message=f"not a requirement: {first[:200]}")
    if parsed.url:
        what = f"{parsed.name} @ (a URL)"  # not quoted: URLs can carry credentials
        return ScanError(path=path, line=line, message=_NOT_ON_INDEX.format(what=what))
    return Requirement(parsed.name, _pinned(parsed.specifier), path=path, line=line)


# --- requirements files ---------------------------------------------------------------------


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with ``\\`` continuations joined and comments removed, with their first line."""
    lines: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not pending:
            start = number
        if line.endswith("\\") and not _COMMENT.search(line):
            pending.append(line[:-1])
            continue
        pending.append(line)
        joined = _COMMENT.sub("", " ".join(pending)).strip()
        pending = []
        if joined:
            lines.append((start, joined))
    if pending:
        joined = _COMMENT.sub("", " ".join(pending)).strip()
        if joined:
            lines.append((start, joined))
    return lines


def read_requirements_file(
    path: Path,
    collected: Wanted | None = None,
    *,
    _seen: set[Path] | None = None,
    _depth: int = 0,
    _roots: tuple[Path, ...] = (),
) -> Wanted:
    """Every requirement of a pip requirements file and the files it includes with ``-r``.

    Includes are followed only below the top file's directory or the working directory.
    """
    collected = collected if collected is not None else Wanted()
    seen = _seen if _seen is not None else set()
    display = _display(path)
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        resolved = path.absolute()
    if resolved in seen:
        return collected  # an include cycle, or a file included twice: read once
    if len(seen) >= MAX_FILES:
        collected.errors.append(ScanError(display, f"more than {MAX_FILES} requirements files"))
        return collected
    seen.add(resolved)
    try:
        text = _read(path)
    except SourceError as exc:
        collected.errors.append(ScanError(display, exc.message, exc.line))
        return collected
    collected.files += 1
    for number, line in _logical_lines(text):
        include = _INCLUDE.match(line)
        if include:
            target = _OPTION_TAIL.split(include.group("file"), maxsplit=1)[0].strip()
            if "://" in target:
                message = f"skipped: remote requirements file {target[:200]!r} is not fetched"
                collected.errors.append(ScanError(display, message, number))
            elif _depth + 1 > MAX_INCLUDE_DEPTH:
                message = f"-r includes nest deeper than {MAX_INCLUDE_DEPTH}"
                collected.errors.append(ScanError(display, message, number))
            elif not _within(path.parent / target, _roots or (resolved.parent, Path.cwd())):
                message = (
                    "skipped: -r include outside the top requirements file's directory and "
                    "the working directory"
                )
                collected.errors.append(ScanError(display, message, number))
            else:
                read_requirements_file(
                    path.parent / target, collected, _seen=seen, _depth=_depth + 1,
                    _roots=_roots or (resolved.parent, Path.cwd()),
                )  # fmt: skip
            continue
        if _CONSTRAINT.match(line):
            continue  # constraints narrow versions; they name nothing to install
        editable = _EDITABLE.match(line)
        if editable:
            what = "an editable requirement"  # its target is not quoted: it may hold a token
            collected.errors.append(ScanError(display, _NOT_ON_INDEX.format(what=what), number))
            continue
        if line.startswith("-"):
            continue  # --index-url, --find-links, --pre, --require-hashes, ...
        spec = _OPTION_TAIL.split(line, maxsplit=1)[0]  # drop --hash=..., --config-settings
        found = parse_specifier(spec, display, number)
        if isinstance(found, ScanError):
            collected.errors.append(found)
        else:
            collected.requirements.append(found)
    return collected


# --- lockfiles ------------------------------------------------------------------------------


def lockfile_format(path: Path, data: Mapping[str, Any]) -> str | None:
    """``pylock``, ``uv`` or ``poetry`` from the file name, else from the content."""
    name = path.name
    if name == "pylock.toml" or (name.startswith("pylock.") and name.endswith(".toml")):
        return "pylock"
    if name == "uv.lock":
        return "uv"
    if name == "poetry.lock":
        return "poetry"
    if "lock-version" in data and isinstance(data.get("packages"), list):
        return "pylock"
    metadata = data.get("metadata")
    if isinstance(metadata, Mapping) and "content-hash" in metadata:
        return "poetry"
    if isinstance(data.get("version"), int) and isinstance(data.get("package"), list):
        return "uv"
    return None


def _is_pypi_index(url: str, pypi_url: str | None) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host in _PYPI_HOSTS:
        return True
    return pypi_url is not None and host == (urlsplit(pypi_url).hostname or "").lower()


def _uv_source(source: Mapping[str, Any], pypi_url: str | None) -> str | None:
    """Why a uv.lock package is not looked up ("" for the project itself), or None."""
    if "registry" in source:
        registry = str(source["registry"])
        return None if _is_pypi_index(registry, pypi_url) else f"from the index {registry[:200]}"
    if "virtual" in source or "editable" in source:
        return ""  # the locked project or a workspace member: `scan` reads those
    for kind in ("git", "url", "path", "directory"):
        if kind in source:
            return f"from {kind} {str(source[kind])[:200]}"
    return "from an unknown source"


def _poetry_source(source: object, pypi_url: str | None) -> str | None:
    if not isinstance(source, Mapping):
        return None
    kind = str(source.get("type", ""))
    url = str(source.get("url", ""))
    if kind in ("legacy", "") and (not url or _is_pypi_index(url, pypi_url)):
        return None
    return f"from {kind or 'a source'} {url[:200]}".rstrip()


def _pylock_source(package: Mapping[str, Any], pypi_url: str | None) -> str | None:
    for kind in ("vcs", "directory", "archive"):
        if kind in package:
            return f"from a {kind}"
    index = package.get("index")
    if isinstance(index, str) and not _is_pypi_index(index, pypi_url):
        return f"from the index {index[:200]}"
    return None


def read_lockfile(
    path: Path, collected: Wanted | None = None, *, pypi_url: str | None = None
) -> Wanted:
    """The pinned packages of a lockfile; packages not from PyPI are errors saying so."""
    collected = collected if collected is not None else Wanted()
    display = _display(path)
    try:
        data = tomllib.loads(_read(path))
    except SourceError as exc:
        collected.errors.append(ScanError(display, exc.message, exc.line))
        return collected
    except tomllib.TOMLDecodeError as exc:
        collected.errors.append(ScanError(display, f"invalid TOML: {exc}"))
        return collected
    except RecursionError:
        collected.errors.append(ScanError(display, "invalid TOML: nested too deeply"))
        return collected
    collected.files += 1
    kind = lockfile_format(path, data)
    if kind is None:
        message = "not a lockfile this tool reads (pylock.toml, uv.lock or poetry.lock)"
        collected.errors.append(ScanError(display, message))
        return collected
    packages = data.get("packages" if kind == "pylock" else "package", [])
    if not isinstance(packages, list):
        collected.errors.append(ScanError(display, f"{kind} lockfile without a package list"))
        return collected
    for index, package in enumerate(packages, start=1):
        where = f"package #{index}"
        if not isinstance(package, Mapping):
            collected.errors.append(ScanError(display, f"{where} is not a table"))
            continue
        name, version = package.get("name"), package.get("version")
        if not isinstance(name, str) or not is_valid_name(name):
            collected.errors.append(ScanError(display, f"{where} has no valid name"))
            continue
        if kind == "uv":
            source = package.get("source")
            why = _uv_source(source, pypi_url) if isinstance(source, Mapping) else None
        elif kind == "poetry":
            why = _poetry_source(package.get("source"), pypi_url)
        else:
            why = _pylock_source(package, pypi_url)
        if why == "":
            continue
        if why is not None:
            what = f"{name} ({why})"
            collected.errors.append(ScanError(display, _NOT_ON_INDEX.format(what=what)))
            continue
        if not isinstance(version, str) or not version:
            collected.errors.append(ScanError(display, f"{name} has no version"))
            continue
        collected.requirements.append(Requirement(name, version, path=display))
    return collected


def collect(
    specs: Sequence[str],
    requirement_files: Sequence[Path] = (),
    lockfiles: Sequence[Path] = (),
    *,
    pypi_url: str | None = None,
) -> Wanted:
    """Everything the ``deps`` command was asked to look up."""
    collected = Wanted()
    for number, spec in enumerate(specs, start=1):
        found = parse_specifier(spec, "<arguments>", number)
        if isinstance(found, ScanError):
            collected.errors.append(found)
        else:
            collected.requirements.append(found)
    seen: set[Path] = set()
    for path in requirement_files:
        read_requirements_file(path, collected, _seen=seen)
    for path in lockfiles:
        read_lockfile(path, collected, pypi_url=pypi_url)
    return collected
