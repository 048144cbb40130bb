"""Hostile archives stay bounded, scanned by the real CLI in a child process.

A tar whose GNU long-name (``L``) or pax (``x``) header declares hundreds of MiB is
refused before tarfile reads that header into memory (the budget counts decompressed
bytes, below tarfile); a wheel whose central directory holds two million entries is
refused from its end record, before zipfile builds an object per entry. Each stays under
300 MB of peak memory and 10 s.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest

from tests.hardening.cli import CliRun, run_cli

HEADER_BYTES = 400 * 1024 * 1024


def _tar_header(name: bytes, size: int, kind: bytes) -> bytes:
    block = bytearray(512)
    block[0 : len(name)] = name
    block[100:108] = b"0000644\0"
    block[108:116] = block[116:124] = b"0000000\0"
    block[124:136] = b"%011o\0" % size
    block[136:148] = b"00000000000\0"
    block[156:157] = kind
    block[257:265] = b"ustar  \0"
    block[148:156] = b"        "
    block[148:156] = b"%06o\0 " % sum(block)
    return bytes(block)


def header_bomb(path: Path, kind: bytes) -> None:
    """A .tar.gz whose first header's data (a long name or pax records) is HEADER_BYTES."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    filler = (b"a" if kind == b"L" else b"9" * 20 + b" x=" + b"a" * 1000 + b"\n") * 1024
    with path.open("wb") as out:
        out.write(compressor.compress(_tar_header(b"././@LongLink", HEADER_BYTES, kind)))
        written = 0
        while written < HEADER_BYTES:
            out.write(compressor.compress(filler))
            written += len(filler)
        out.write(compressor.flush())


def central_directory_bomb(path: Path, entries: int) -> None:
    """A zip64 wheel whose central directory lists ``entries`` copies of one member."""
    name = b"bomb-1.0.dist-info/RECORD"
    local = struct.pack("<4s5H3L2H", b"PK\3\4", 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0) + name
    entry = (
        struct.pack(
            "<4s6H3L5H2L", b"PK\1\2", 20, 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0, 0, 0, 0, 0, 0
        )
        + name
    )
    directory_at = len(local)
    with path.open("wb") as out:
        out.write(local)
        out.write(entry * entries)
        zip64_at = out.tell()
        size = len(entry) * entries
        out.write(struct.pack("<4sQ2H2L4Q", b"PK\6\6", 44, 45, 45, 0, 0, entries, entries,
                              size, directory_at))  # fmt: skip
        out.write(struct.pack("<4sLQL", b"PK\6\7", 0, zip64_at, 1))
        out.write(struct.pack("<4s4H2LH", b"PK\5\6", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                              0xFFFFFFFF, 0))  # fmt: skip


def _scan(tmp_path: Path, name: str) -> tuple[CliRun, str]:
    run = run_cli(
        ["scan", name, "--offline", "--no-cache", "-f", "json", "--fail-on", "never"],
        cwd=tmp_path, home=tmp_path / "home", timeout=120,
    )  # fmt: skip
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    (error,) = json.loads(run.stdout)["errors"]
    return run, error["message"]


@pytest.mark.parametrize("kind", [b"L", b"x"], ids=["gnu-long-name", "pax"])
def test_a_tar_header_bomb_is_refused_in_bounded_memory(tmp_path: Path, kind: bytes) -> None:
    header_bomb(tmp_path / "bomb-1.0.tar.gz", kind)
    assert (tmp_path / "bomb-1.0.tar.gz").stat().st_size < 2 * 1024 * 1024
    run, message = _scan(tmp_path, "bomb-1.0.tar.gz")
    assert run.max_rss_mb < 300, run.max_rss_mb
    assert run.seconds < 10
    assert "tar header of" in message, message
    assert "cap" in message, message


def test_a_zip_central_directory_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    central_directory_bomb(tmp_path / "bomb-1.0-py3-none-any.whl", 2_000_000)
    run, message = _scan(tmp_path, "bomb-1.0-py3-none-any.whl")
    assert run.max_rss_mb < 300, run.max_rss_mb
    assert run.seconds < 10
    assert "2000000 members, over 100000" in message, message


def test_a_central_directory_longer_than_its_count_says_is_refused(tmp_path: Path) -> None:
    """zipfile reads entries until the directory's size is used up; so does the check."""
    path = tmp_path / "liar-1.0-py3-none-any.whl"
    central_directory_bomb(path, 150_000)
    data = bytearray(path.read_bytes())
    struct.pack_into("<2Q", data, data.rfind(b"PK\6\6") + 24, 1, 1)  # counts say one entry
    path.write_bytes(bytes(data))
    _, message = _scan(tmp_path, path.name)
    assert f"over {100_000} members" in message, message
