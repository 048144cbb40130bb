"""What every source produces: the raw contact fields of one package, with their lines."""

from __future__ import annotations

import bisect
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from checker.errors import IncompleteRun
from checker.model import Contact, Role, ScanError, SourceKind

if TYPE_CHECKING:
    from checker.sources.metadata_dump import DumpResult

#: Largest metadata file read from disk or from an archive member.
MAX_METADATA_BYTES = 4 * 1024 * 1024


class SourceError(IncompleteRun):
    """A file could not be read as what its name says it is."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class NotRegularFile(SourceError):
    """A FIFO, device, socket or directory where a file was expected."""


class TooLarge(SourceError):
    """A file over the size cap its reader sets."""


@dataclass(frozen=True)
class FieldText:
    """A field's value. ``line`` is the 1-based line of its first character; ``breaks``
    are the offsets in ``text`` where a following physical line of the file begins."""

    text: str
    line: int | None
    breaks: tuple[int, ...] = ()

    def line_at(self, offset: int) -> int | None:
        """The file line of the character at ``offset`` in ``text``."""
        if self.line is None:
            return None
        return self.line + bisect.bisect_right(self.breaks, offset)


@dataclass(frozen=True)
class PersonFields:
    """The name and e-mail fields of one author or maintainer entry."""

    role: Role
    name: FieldText | None = None
    email: FieldText | None = None


@dataclass(frozen=True)
class Extraction:
    """Everything one file (or archive member) says about contacts."""

    path: str
    kind: SourceKind
    people: tuple[PersonFields, ...]
    package: str | None = None
    version: str | None = None
    member: str | None = None


@dataclass(frozen=True)
class Collected:
    """What one input yielded: its contacts, what could not be read, how many files (or
    distributions, or dumps) were read, and the roots the report names.

    ``dump`` carries a metadata dump's per-domain aggregates: its contacts are a sample.
    """

    contacts: tuple[Contact, ...] = ()
    errors: tuple[ScanError, ...] = ()
    files: int = 0
    roots: tuple[str, ...] = ()
    dump: DumpResult | None = None


class Source(Protocol):
    """An input of a run: collects its contacts (:func:`checker.pipeline.run` takes them).

    An input that cannot be used at all raises a :class:`~checker.errors.DomainGuardError`
    (a usage error, or an incomplete run); one unreadable file is a ``ScanError``."""

    def collect(self) -> Collected:
        """Read the input; what it yielded."""
        ...


def decode_text(data: bytes) -> str:
    """Decode metadata bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else Latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Old sdists carry Latin-1 PKG-INFO; Latin-1 decodes any byte string.
        return data.decode("latin-1")


def joined(lines: list[tuple[str, int]], separator: str = "\n") -> FieldText:
    """Join physical lines ``(text, line number)`` into one field value."""
    if not lines:
        return FieldText("", None)
    parts: list[str] = []
    breaks: list[int] = []
    offset = 0
    for index, (text, _) in enumerate(lines):
        if index:
            parts.append(separator)
            offset += len(separator)
            breaks.append(offset)
        parts.append(text)
        offset += len(text)
    return FieldText("".join(parts), lines[0][1], tuple(breaks))


def read_limited(path: Path, limit: int = MAX_METADATA_BYTES) -> bytes:
    """A regular file's bytes, refusing files larger than ``limit``.

    Opened non-blocking and checked with ``fstat`` on the open descriptor: a path that
    became a FIFO or device after the walk looked at it can neither hang nor stream.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        regular = stat.S_ISREG(os.fstat(descriptor).st_mode)
    except OSError:
        os.close(descriptor)
        raise
    if not regular:  # checked before fdopen, which refuses a directory on its own terms
        os.close(descriptor)
        raise NotRegularFile("not a regular file")
    with os.fdopen(descriptor, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"file is over the {limit} byte cap")
    return data


def refuse_binary(text: str) -> str:
    """``text``, unless it holds NUL bytes: then it is no text metadata file at all."""
    if "\x00" in text:
        raise SourceError("binary content (NUL bytes) in a text metadata file")
    return text


def read_text(path: Path, limit: int = MAX_METADATA_BYTES) -> str:
    """A regular file's text (:func:`read_limited`, :func:`decode_text`, no NUL bytes).

    OSError is left to the caller, which knows what a missing file means to it.
    """
    return refuse_binary(decode_text(read_limited(path, limit)))
