"""Wheels and sdists are read in memory, with caps; nothing is extracted."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

from checker.scan import scan_paths

META = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nAuthor-email: Jane <jane@janedoe.dev>\n"


def _wheel(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _sdist(path: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def test_wheel_metadata_is_read_with_member_name(tmp_path: Path) -> None:
    _wheel(tmp_path / "demo-1.0-py3-none-any.whl", {
        "demo/__init__.py": b"",
        "demo-1.0.dist-info/METADATA": META.encode(),
    })  # fmt: skip
    result = scan_paths([tmp_path], base=tmp_path)
    (contact,) = result.contacts
    assert contact.email == "jane@janedoe.dev"
    assert contact.source.kind.value == "wheel"
    assert contact.source.path == "demo-1.0-py3-none-any.whl"
    assert contact.source.member == "demo-1.0.dist-info/METADATA"
    assert contact.source.line == 4


def test_sdist_prefers_top_level_pkg_info_over_egg_info(tmp_path: Path) -> None:
    egg = META.replace("jane@janedoe.dev", "old@egg.org").encode()
    _sdist(tmp_path / "demo-1.0.tar.gz", {
        "demo-1.0/src/demo.egg-info/PKG-INFO": egg,
        "demo-1.0/PKG-INFO": META.encode(),
        "demo-1.0/setup.py": b"raise SystemExit('never run')",
    })  # fmt: skip
    result = scan_paths([tmp_path / "demo-1.0.tar.gz"], base=tmp_path)
    assert [c.email for c in result.contacts] == ["jane@janedoe.dev"]
    assert result.contacts[0].source.kind.value == "sdist"


def test_nothing_is_written_while_reading_archives(tmp_path: Path) -> None:
    _sdist(
        tmp_path / "a-1.tar.gz",
        {"a-1/PKG-INFO": META.encode(), "../../escape.txt": b"x", "/abs.txt": b"y"},
    )
    before = sorted(os.listdir(tmp_path))
    result = scan_paths([tmp_path], base=tmp_path)
    assert sorted(os.listdir(tmp_path)) == before
    assert not (tmp_path.parent / "escape.txt").exists()
    assert [c.email for c in result.contacts] == ["jane@janedoe.dev"]


def test_zip_bomb_metadata_is_refused_without_inflating_it(tmp_path: Path) -> None:
    huge = b"Metadata-Version: 2.1\nName: bomb\n" + b"X" * (300 * 1024 * 1024)
    path = tmp_path / "bomb-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb-1.0.dist-info/METADATA", huge)
    del huge
    assert path.stat().st_size < 1024 * 1024
    result = scan_paths([path], base=tmp_path)
    assert result.contacts == ()
    assert len(result.errors) == 1
    assert "cap" in result.errors[0].message


def test_lying_zip_header_is_capped_by_the_read(tmp_path: Path) -> None:
    path = tmp_path / "liar-1.0-py3-none-any.whl"
    _wheel(path, {"liar-1.0.dist-info/METADATA": b"Name: liar\n" + b"Y" * (5 * 1024 * 1024)})
    data = bytearray(path.read_bytes())
    # Rewrite the declared uncompressed size (central directory and local header) to 10 bytes.
    for signature, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        start = data.find(signature)
        data[start + offset : start + offset + 4] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    result = scan_paths([path], base=tmp_path)
    assert result.contacts == ()
    assert len(result.errors) == 1


def test_corrupt_archives_are_one_error_each(tmp_path: Path) -> None:
    (tmp_path / "x-1.0-py3-none-any.whl").write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "y-1.0.tar.gz").write_bytes(b"\x1f\x8b\x08 broken gzip")
    result = scan_paths([tmp_path], base=tmp_path)
    assert sorted(e.path for e in result.errors) == ["x-1.0-py3-none-any.whl", "y-1.0.tar.gz"]


def test_wheel_without_metadata_is_an_error_but_a_plain_zip_is_not(tmp_path: Path) -> None:
    _wheel(tmp_path / "w-1.0-py3-none-any.whl", {"w/__init__.py": b""})
    _wheel(tmp_path / "assets.zip", {"logo.png": b"\x89PNG"})
    result = scan_paths([tmp_path], base=tmp_path)
    assert [e.path for e in result.errors] == ["w-1.0-py3-none-any.whl"]


def test_every_tar_compression_is_read_by_our_own_decompressor(tmp_path: Path) -> None:
    """gzip, bzip2, xz, a gzip of two members and trailing bytes all read; a truncated
    stream is one clear error."""
    import bz2
    import gzip
    import lzma

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("demo-1.0/PKG-INFO")
        info.size = len(META.encode())
        archive.addfile(info, io.BytesIO(META.encode()))
    raw = buffer.getvalue()
    variants = {
        "gz-1.0.tar.gz": gzip.compress(raw) + b"trailing bytes",
        "two-1.0.tar.gz": gzip.compress(raw[:700]) + gzip.compress(raw[700:]),
        "bz-1.0.tar.bz2": bz2.compress(raw),
        "xz-1.0.tar.xz": lzma.compress(raw),
        "plain-1.0.tar.gz": raw,
    }
    for name, data in variants.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "cut-1.0.tar.gz").write_bytes(gzip.compress(raw)[:60])
    result = scan_paths([tmp_path], base=tmp_path)
    assert sorted(c.source.path for c in result.contacts) == sorted(variants)
    assert [(e.path, e.message) for e in result.errors] == [
        ("cut-1.0.tar.gz", "unreadable tar archive: truncated compressed stream")
    ]
