"""Built distributions (wheels, sdists): their PKG-INFO / METADATA read in memory.

Nothing is extracted to disk. Every read is capped: the metadata member's size, the
bytes decompressed while looking for it, and the number of members walked past.
"""

from __future__ import annotations

import bz2
import lzma
import struct
import tarfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING

from checker.model import SourceKind
from checker.sources.base import MAX_METADATA_BYTES, Extraction, SourceError, decode_text
from checker.sources.pkginfo import parse_pkg_info

#: Bytes a tar stream may decompress while looking for PKG-INFO.
MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024
#: Archive members walked past before giving up.
MAX_MEMBERS = 100_000
#: A GNU long-name/long-link or pax extended header's data: tarfile reads it whole into
#: memory inside ``next()``, so it is refused before that read. Real ones are a few KiB.
MAX_TAR_HEADER_BYTES = 1024 * 1024
#: A zip's central directory: zipfile parses it whole (an object per entry) on opening,
#: so its size and entry count are checked first. 100,000 entries with 120-byte names
#: take 16 MiB.
MAX_CENTRAL_DIRECTORY_BYTES = 32 * 1024 * 1024
#: Compressed bytes read from the file at a time.
_CHUNK = 64 * 1024

WHEEL_SUFFIXES = (".whl",)
SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip")


def is_archive(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith(WHEEL_SUFFIXES + SDIST_SUFFIXES)


def _past_budget(limit: int) -> SourceError:
    return SourceError(
        f"archive decompresses past {limit // (1024 * 1024)} MiB before its metadata"
    )


_ZLIB = type(zlib.decompressobj())
if TYPE_CHECKING:
    _Decompressor = zlib._Decompress | bz2.BZ2Decompressor | lzma.LZMADecompressor


def _decompressor(head: bytes) -> _Decompressor | None:
    """A fresh decompressor for the stream starting with ``head``; None for a plain tar."""
    if head.startswith(b"\x1f\x8b"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if head.startswith(b"BZh"):
        return bz2.BZ2Decompressor()
    if head.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMADecompressor(lzma.FORMAT_XZ)
    return None


class _Decompressed:
    """The tar stream inside a .tar.gz/.bz2/.xz file, decompressed here rather than by
    tarfile, so that the budget counts the bytes tarfile is handed (headers included) and
    no read ever inflates more than it asked for."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        self._raw = raw
        self._limit = limit
        self.used = 0
        self._input = b""
        self._fill()
        self._engine = _decompressor(self._input)
        self._plain = self._engine is None  # an uncompressed tar, read as it is

    def _fill(self) -> bool:
        """Read more compressed input; False at the end of the file."""
        more = self._raw.read(_CHUNK)
        self._input += more
        return bool(more)

    def _step(self, want: int) -> bytes:
        """Up to ``want`` more bytes of the tar stream; b"" at its end."""
        if self._engine is None:
            if self._plain and not self._input:
                self._fill()
            data, self._input = self._input[:want], self._input[want:]
            return data
        while True:
            engine = self._engine
            if engine.eof:
                # Concatenated members (gzip, bzip2 and xz all allow them); bytes after
                # the last member that start no new one are ignored, as tarfile does.
                self._input = engine.unused_data + self._input
                if not self._input and not self._fill():
                    return b""
                following = _decompressor(self._input)
                if following is None:
                    self._engine, self._input = None, b""
                    return b""
                self._engine = engine = following
            data = engine.decompress(self._input, want)
            self._input = engine.unconsumed_tail if isinstance(engine, _ZLIB) else b""
            if data:
                return data
            if not engine.eof and not self._input and not self._fill():
                raise SourceError("unreadable tar archive: truncated compressed stream")

    def read(self, size: int = -1) -> bytes:
        want = _CHUNK if size is None or size < 0 else size
        parts: list[bytes] = []
        got = 0
        while got < want and (data := self._step(want - got)):
            parts.append(data)
            got += len(data)
            self.used += len(data)
            if self.used > self._limit:
                raise _past_budget(self._limit)
        return b"".join(parts)


class _CappedTarInfo(tarfile.TarInfo):
    """Refuses an oversized long-name or pax header before tarfile reads its data."""

    def _proc_member(self, tarfile_: tarfile.TarFile) -> tarfile.TarInfo:
        if self.type in _HEADER_TYPES and self.size > MAX_TAR_HEADER_BYTES:
            raise SourceError(
                f"tar header of {self.size} bytes, over the {MAX_TAR_HEADER_BYTES} byte cap"
            )
        return super()._proc_member(tarfile_)  # type: ignore[misc, no-any-return]


_HEADER_TYPES = frozenset(
    {tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, tarfile.XHDTYPE, tarfile.XGLTYPE,
     tarfile.SOLARIS_XHDTYPE}
)  # fmt: skip


def _metadata_rank(name: str, wheel: bool) -> int | None:
    """Lower is better; None when the member is not a metadata file we read."""
    parts = PurePosixPath(name).parts
    if not parts or ".." in parts or name.startswith("/"):
        return None
    if wheel:
        if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
            return 0
        return None
    if len(parts) == 2 and parts[1] == "PKG-INFO":
        return 0
    if len(parts) == 3 and parts[1].endswith(".egg-info") and parts[2] == "PKG-INFO":
        return 1
    if len(parts) == 4 and parts[2].endswith(".egg-info") and parts[3] == "PKG-INFO":
        return 2
    return None


def _read_capped(stream: IO[bytes], declared: int, member: str) -> bytes:
    if declared > MAX_METADATA_BYTES:
        raise SourceError(f"{member} is {declared} bytes, over the {MAX_METADATA_BYTES} byte cap")
    data = stream.read(MAX_METADATA_BYTES + 1)
    if len(data) > MAX_METADATA_BYTES:
        raise SourceError(f"{member} is over the {MAX_METADATA_BYTES} byte cap")
    return data


_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_CENTRAL_ENTRY = 46


def _check_central_directory(path: Path) -> None:
    """Refuse a zip whose central directory is too big or holds too many entries, from
    its end records and a walk over the directory's raw records, before zipfile builds
    an object per entry. A malformed archive is left for zipfile to report."""
    with path.open("rb") as handle:
        size = handle.seek(0, 2)
        tail_start = max(0, size - (_EOCD.size + 0xFFFF))
        handle.seek(tail_start)
        tail = handle.read()
        # As zipfile finds it: at the very end without a comment, else the last signature.
        plain = len(tail) - _EOCD.size
        if plain >= 0 and tail[plain : plain + 4] == b"PK\x05\x06":
            at = plain
        else:
            at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < _EOCD.size:
            return
        _, _, _, _, count, cd_size, _, _ = _EOCD.unpack_from(tail, at)
        record_at = tail_start + at
        locator_at = at - _ZIP64_LOCATOR.size
        if locator_at >= 0 and tail[locator_at : locator_at + 4] == b"PK\x06\x07":
            _, _, zip64_at, _ = _ZIP64_LOCATOR.unpack_from(tail, locator_at)
            handle.seek(zip64_at)
            zip64 = handle.read(_ZIP64_EOCD.size)
            if len(zip64) == _ZIP64_EOCD.size and zip64[:4] == b"PK\x06\x06":
                count, cd_size = _ZIP64_EOCD.unpack(zip64)[7:9]
                record_at = zip64_at
        if count > MAX_MEMBERS:
            raise SourceError(f"archive has {count} members, over {MAX_MEMBERS}")
        if cd_size > MAX_CENTRAL_DIRECTORY_BYTES:
            raise SourceError(
                f"zip central directory of {cd_size} bytes, over {MAX_CENTRAL_DIRECTORY_BYTES}"
            )
        # zipfile reads entries until the directory's size is used up, whatever the count
        # says: count the records the same way.
        handle.seek(max(0, record_at - cd_size))
        directory = handle.read(cd_size)
    entries = position = 0
    while position + _CENTRAL_ENTRY <= len(directory):
        if directory[position : position + 4] != b"PK\x01\x02":
            return
        name, extra, comment = struct.unpack_from("<3H", directory, position + 28)
        position += _CENTRAL_ENTRY + name + extra + comment
        entries += 1
        if entries > MAX_MEMBERS:
            raise SourceError(f"archive has over {MAX_MEMBERS} members")


def _from_zip(path: Path, wheel: bool) -> tuple[str, bytes] | None:
    try:
        _check_central_directory(path)
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise SourceError(f"archive has over {MAX_MEMBERS} members")
            ranked = [
                (rank, info)
                for info in infos
                if (rank := _metadata_rank(info.filename, wheel)) is not None
            ]
            if not ranked:
                return None
            _, best = min(ranked, key=lambda item: item[0])
            with archive.open(best) as stream:
                return best.filename, _read_capped(stream, best.file_size, best.filename)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        NotImplementedError,
        OSError,
        zlib.error,
        lzma.LZMAError,
    ) as exc:
        raise SourceError(f"unreadable zip archive: {exc}") from None
    except RuntimeError as exc:  # encrypted members
        raise SourceError(f"unreadable zip archive: {exc}") from None


def _from_tar(path: Path) -> tuple[str, bytes] | None:
    best: tuple[int, str, bytes] | None = None
    with path.open("rb") as raw:
        try:
            stream = _Decompressed(raw, MAX_DECOMPRESSED_BYTES)
            # Stream mode on the already decompressed bytes: members are visited in order,
            # nothing is seeked or extracted.
            with tarfile.open(  # type: ignore[call-overload]
                fileobj=stream, mode="r|", tarinfo=_CappedTarInfo
            ) as archive:
                for count, member in enumerate(archive, start=1):
                    if count > MAX_MEMBERS:
                        raise SourceError(f"archive has over {MAX_MEMBERS} members")
                    # Checked before the member's data is read past: the stream offset
                    # counts decompressed bytes, where the file budget counts compressed ones.
                    if member.offset_data + member.size > MAX_DECOMPRESSED_BYTES:
                        raise _past_budget(MAX_DECOMPRESSED_BYTES)
                    rank = _metadata_rank(member.name, wheel=False)
                    if rank is None or not member.isfile():
                        continue
                    if best is not None and best[0] <= rank:
                        continue
                    data = archive.extractfile(member)
                    if data is None:
                        continue
                    best = (rank, member.name, _read_capped(data, member.size, member.name))
                    if rank == 0:
                        break
        except (tarfile.TarError, EOFError, OSError, ValueError, zlib.error, lzma.LZMAError) as exc:
            raise SourceError(f"unreadable tar archive: {exc}") from None
    return (best[1], best[2]) if best else None


def parse_archive(path: Path, display_path: str) -> Extraction | None:
    """Contacts of a wheel or sdist; None when it holds no metadata file."""
    lowered = path.name.lower()
    wheel = lowered.endswith(WHEEL_SUFFIXES)
    found = _from_zip(path, wheel) if lowered.endswith((".whl", ".zip")) else _from_tar(path)
    if found is None:
        if wheel:
            raise SourceError("wheel has no *.dist-info/METADATA")
        return None
    member, data = found
    try:
        extraction = parse_pkg_info(
            decode_text(data), display_path, SourceKind.WHEEL if wheel else SourceKind.SDIST
        )
    except SourceError as exc:
        raise SourceError(f"{member}: {exc.message}", None) from None
    return Extraction(
        path=extraction.path,
        kind=extraction.kind,
        people=extraction.people,
        package=extraction.package,
        version=extraction.version,
        member=member,
    )
