"""Built distributions (wheels, sdists): their PKG-INFO / METADATA read in memory.

Nothing is extracted to disk. Every read is capped: the metadata member's size, the
bytes decompressed while looking for it, and the number of members walked past.
"""

from __future__ import annotations

import lzma
import tarfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import IO

from checker.model import SourceKind
from checker.sources.base import MAX_METADATA_BYTES, Extraction, SourceError, decode_text
from checker.sources.pkginfo import parse_pkg_info

#: Bytes a tar stream may decompress while looking for PKG-INFO.
MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024
#: Archive members walked past before giving up.
MAX_MEMBERS = 100_000

WHEEL_SUFFIXES = (".whl",)
SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip")


def is_archive(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith(WHEEL_SUFFIXES + SDIST_SUFFIXES)


class _Budget:
    """Counts bytes read through a file object and stops past a limit."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        self._raw = raw
        self._limit = limit
        self.used = 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.used += len(data)
        if self.used > self._limit:
            raise SourceError(
                f"archive decompresses past {self._limit // (1024 * 1024)} MiB before its metadata"
            )
        return data


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


def _from_zip(path: Path, wheel: bool) -> tuple[str, bytes] | None:
    try:
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
        budget = _Budget(raw, MAX_DECOMPRESSED_BYTES)
        try:
            # Stream mode: members are visited in order, nothing is seeked or extracted.
            with tarfile.open(fileobj=budget, mode="r|*") as archive:  # type: ignore[call-overload]
                for count, member in enumerate(archive, start=1):
                    if count > MAX_MEMBERS:
                        raise SourceError(f"archive has over {MAX_MEMBERS} members")
                    # Checked before the member's data is read past: the stream offset
                    # counts decompressed bytes, where the file budget counts compressed ones.
                    if member.offset_data + member.size > MAX_DECOMPRESSED_BYTES:
                        raise SourceError(
                            "archive decompresses past "
                            f"{MAX_DECOMPRESSED_BYTES // (1024 * 1024)} MiB before its metadata"
                        )
                    rank = _metadata_rank(member.name, wheel=False)
                    if rank is None or not member.isfile():
                        continue
                    if best is not None and best[0] <= rank:
                        continue
                    stream = archive.extractfile(member)
                    if stream is None:
                        continue
                    best = (rank, member.name, _read_capped(stream, member.size, member.name))
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
