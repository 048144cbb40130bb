"""Reading every metadata file below the given paths into contacts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from checker.contacts import build_contacts
from checker.domains import DomainClassifier
from checker.errors import IncompleteRun
from checker.model import Contact, ScanError, SourceKind
from checker.sources.archives import parse_archive
from checker.sources.base import Collected, Extraction, SourceError, read_text
from checker.sources.registry import METADATA_FILES, for_kind
from checker.sources.walk import Candidate, walk


@dataclass(frozen=True)
class ScanResult:
    """Contacts found, files that could not be read, and how many files were read."""

    contacts: tuple[Contact, ...]
    errors: tuple[ScanError, ...]
    files_scanned: int


def _read_archive(candidate: Candidate) -> Extraction | None:
    try:
        return parse_archive(candidate.path, candidate.display)
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None


def reader(kind: SourceKind) -> Callable[[Candidate], Extraction | None]:
    """How a candidate of ``kind`` is read; the reader raises :class:`SourceError` when the
    file cannot be read. A kind the registry lacks is a bug: ``KeyError`` here, outside
    the per-file guard, so it fails the run (exit 4) instead of every file of that kind."""
    if kind in (SourceKind.WHEEL, SourceKind.SDIST):
        return _read_archive
    parse = for_kind(kind).parse

    def read(candidate: Candidate) -> Extraction:
        try:
            text = read_text(candidate.path)
        except OSError as exc:
            raise SourceError(f"cannot read: {exc.strerror or exc}") from None
        return parse(text, candidate.display)

    return read


def scan_paths(
    paths: Sequence[Path],
    *,
    exclude: Sequence[str] = (),
    classifier: DomainClassifier | None = None,
    base: Path | None = None,
) -> ScanResult:
    """Find every contact in the metadata files below ``paths``."""
    classifier = classifier or DomainClassifier()
    contacts: list[Contact] = []
    errors: list[ScanError] = []
    files = 0
    for item in walk(paths, exclude=exclude, base=base):
        if isinstance(item, tuple):
            errors.append(ScanError(path=item[0], message=item[1]))
            continue
        files += 1
        read = reader(item.kind)
        try:
            extraction = read(item)
        except SourceError as exc:
            errors.append(ScanError(path=item.display, message=exc.message, line=exc.line))
            continue
        except (Exception, RecursionError, MemoryError) as exc:
            # A hostile file must cost only itself: report it and go on with the rest.
            message = f"cannot read: {type(exc).__name__}"
            errors.append(ScanError(path=item.display, message=message))
            continue
        if extraction is not None:
            contacts.extend(build_contacts(extraction, classifier))
    return ScanResult(tuple(contacts), tuple(errors), files)


class NothingToScan(IncompleteRun):
    """The paths held no metadata file at all: a mistyped path must not pass as clean."""


@dataclass(frozen=True)
class LocalScan:
    """Files below ``paths`` as a :class:`~checker.sources.base.Source`: every metadata
    file read, and each address dated by git history (for the re-registered check).

    ``required``: finding no metadata file at all raises :class:`NothingToScan`."""

    paths: Sequence[Path]
    exclude: Sequence[str] = ()
    classifier: DomainClassifier | None = None
    base: Path | None = None
    required: bool = True

    def collect(self) -> Collected:
        """The contacts below ``paths``, dated; the files that could not be read."""
        from checker.history import date_contacts

        result = scan_paths(
            self.paths, exclude=self.exclude, classifier=self.classifier, base=self.base
        )
        roots = tuple(p.as_posix() for p in self.paths)
        if self.required and not (result.files_scanned or result.errors):
            raise NothingToScan(nothing_to_scan(roots))
        dated = date_contacts(result.contacts, self.paths, base=self.base)
        return Collected(tuple(dated), result.errors, result.files_scanned, roots)


def force_excluded(
    paths: Sequence[Path], exclude: Sequence[str], base: Path | None = None
) -> tuple[list[Path], list[Path]]:
    """``paths`` split into (kept, excluded) by the exclude globs, matched against each
    path relative to ``base`` (the working directory) and its file name, as the walk
    matches what it finds (``--force-exclude``, as ruff's)."""
    from checker.sources.walk import matches_exclude

    anchor = (base or Path.cwd()).absolute()
    kept: list[Path] = []
    excluded: list[Path] = []
    for path in paths:
        absolute = path.absolute()
        try:
            relative = absolute.relative_to(anchor).as_posix()
        except ValueError:
            relative = path.as_posix()
        name = absolute.name
        (excluded if exclude and matches_exclude(relative, name, exclude) else kept).append(path)
    return kept, excluded


def nothing_to_scan(paths: Sequence[str]) -> str:
    """The one line said when ``paths`` held no metadata file at all (exit 3)."""
    named = ", ".join(paths[:5]) + (", ..." if len(paths) > 5 else "")
    files = ", ".join(entry.name for entry in METADATA_FILES)
    return f"nothing to scan: no {files}, wheel or sdist in {named}"
