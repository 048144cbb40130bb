"""Hostile input files through the real ``domain-guard scan --offline`` in a child process.

One tree holds every kind of hostile file at once, next to ordinary ones: zip bombs, a
300 MB METADATA, tar members escaping the tree, symlink loops and links out of the tree,
a FIFO and a character device named like metadata, non-UTF-8 and UTF-16 files, single
lines of megabytes, and a setup.py that would leave a marker if it were ever run. The
scan must finish in bounded time and memory, name each bad file with its reason, still
read every good file, write nothing anywhere but its own cache, and execute nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.hardening.cli import CliRun, run_cli

BIG = 300 * 1024 * 1024
MB = 1024 * 1024
MARKER = "EXECUTED-MARKER"


def _metadata(name: str, email: str) -> bytes:
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\nAuthor-email: {email}\n".encode()


def _zip_with_huge_member(path: Path, member: str, size: int) -> None:
    """A member of ``size`` zero bytes, deflated to a few hundred KiB, written in chunks."""
    block = bytes(MB)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(zipfile.ZipInfo(member), "w", force_zip64=True) as stream,
    ):
        stream.write(b"Metadata-Version: 2.1\nName: bomb\nAuthor-email: a@zip-bomb-read.org\n")
        for _ in range(size // MB):
            stream.write(block)


def _lying_zip(path: Path) -> None:
    """A wheel whose central directory says METADATA is 60 bytes; it inflates to 64 MiB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("liar-1.0.dist-info/METADATA", _metadata("liar", "a@liar-read.org"))
    data = path.read_bytes()
    real = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    body = _metadata("liar", "a@liar-read.org") + bytes(64 * MB)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("liar-1.0.dist-info/METADATA", body)
    patched = bytearray(path.read_bytes())
    # Patch the uncompressed size in the central directory entry to the small one.
    central = patched.rfind(b"PK\x01\x02")
    patched[central + 24 : central + 28] = real.file_size.to_bytes(4, "little")
    path.write_bytes(bytes(patched))


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> None:
    with tarfile.open(path, "w:gz") as archive:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if data is not None else None)


def _member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    return info


def build_tree(root: Path, outside: Path) -> dict[str, str]:
    """The hostile project; returns {relative path: what the report must say about it}."""
    expect: dict[str, str] = {}
    root.mkdir()
    outside.mkdir()
    (outside / "setup.cfg").write_text("[metadata]\nauthor_email = a@outside-tree.org\n")

    # Good files that must still be read.
    (root / "setup.cfg").write_text("[metadata]\nauthor_email = Good <good@good-cfg.org>\n")
    (root / "good").mkdir()
    (root / "good" / "PKG-INFO").write_bytes(
        b"Metadata-Version: 1.0\nName: latin\nAuthor: Ren\xe9\nAuthor-email: r@latin1-read.org\n"
    )
    (root / "utf16").mkdir()
    (root / "utf16" / "setup.cfg").write_bytes(
        "[metadata]\nauthor = Zoë\nauthor_email = z@utf16-read.org\n".encode("utf-16")
    )

    # Never executed: each of these would create the marker if run or imported.
    marker = root / MARKER
    (root / "setup.py").write_text(
        "import os, pathlib\n"
        f"pathlib.Path({str(marker)!r}).write_text('setup.py ran')\n"
        f"os.system('touch {marker}')\n"
        "setup(name='runme', author_email=__import__('os').system('touch "
        f"{marker}') or 'x@never.org', maintainer_email='m@setup-py-read.org')\n"
    )

    # Archives.
    dist = root / "dist"
    dist.mkdir()
    _zip_with_huge_member(dist / "bomb-1.0-py3-none-any.whl", "bomb-1.0.dist-info/METADATA", BIG)
    expect["dist/bomb-1.0-py3-none-any.whl"] = "byte cap"
    _lying_zip(dist / "liar-1.0-py3-none-any.whl")
    # zipfile reads no further than the declared size, and then the CRC does not match.
    expect["dist/liar-1.0-py3-none-any.whl"] = "Bad CRC-32"
    _tar(
        dist / "escape-1.0.tar.gz",
        [
            (_member("../../escaped-PKG-INFO"), _metadata("x", "a@dotdot-member.org")),
            (_member("/tmp/absolute/PKG-INFO"), _metadata("x", "a@absolute-member.org")),
            (_member("escape-1.0/../PKG-INFO"), _metadata("x", "a@dotdot-inner.org")),
            (_member("escape-1.0/PKG-INFO", tarfile.SYMTYPE, "/etc/passwd"), None),
            (_member("escape-1.0/PKG-INFO", tarfile.LNKTYPE, "../../etc/passwd"), None),
        ],
    )
    _tar(
        dist / "good-1.0.tar.gz",
        [
            (_member("good-1.0/../../x"), b"ignored"),
            (_member("good-1.0/PKG-INFO"), _metadata("good", "a@sdist-read.org")),
        ],
    )
    (dist / "garbage-1.0.tar.gz").write_bytes(os.urandom(4096))
    expect["dist/garbage-1.0.tar.gz"] = "unreadable tar archive"
    (dist / "truncated-1.0-py3-none-any.whl").write_bytes(b"PK\x03\x04" + bytes(100))
    expect["dist/truncated-1.0-py3-none-any.whl"] = "unreadable zip archive"

    # Links and special files.
    links = root / "links"
    links.mkdir()
    (links / "loop").symlink_to(links, target_is_directory=True)
    (links / "a").symlink_to(links / "b")
    (links / "b").symlink_to(links / "a")
    (links / "b").rename(links / "setup.cfg")
    (links / "a").unlink()
    (links / "a").symlink_to(links / "setup.cfg")
    (links / "setup.cfg").unlink()
    (links / "setup.cfg").symlink_to(links / "a")  # a <-> setup.cfg: a loop
    expect["links/setup.cfg"] = "broken or looping symlink"
    (links / "PKG-INFO").symlink_to(outside / "setup.cfg")
    expect["links/PKG-INFO"] = "symlink leads out of the tree"
    (links / "outside-dir").symlink_to(outside, target_is_directory=True)
    fifo = root / "fifo"
    fifo.mkdir()
    os.mkfifo(fifo / "setup.cfg")
    expect["fifo/setup.cfg"] = "not a regular file"
    os.mkfifo(fifo / "pkg-1.0.tar.gz")
    expect["fifo/pkg-1.0.tar.gz"] = "not a regular file"
    try:
        os.mknod(fifo / "PKG-INFO", 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero
        expect["fifo/PKG-INFO"] = "not a regular file"
    except (PermissionError, OSError):
        pass  # no CAP_MKNOD here: the FIFOs stand in

    # Enormous single lines, just under the 4 MiB file cap, and one over it.
    huge = root / "huge"
    huge.mkdir()
    line = "x" * (4 * MB - 200)
    (huge / "setup.cfg").write_text(f"[metadata]\nauthor = a@long-line-cfg.org {line}\n")
    (huge / "PKG-INFO").write_text(f"Name: long\nAuthor-email: {line},a@long-line-pkg.org\n")
    (huge / "pyproject.toml").write_text(
        f'[project]\nname = "long"\nauthors = [{{name = "{line}", email = "a@long-toml.org"}}]\n'
    )
    (huge / "sub").mkdir()
    (huge / "sub" / "setup.py").write_text(
        f"A = {line!r}\nsetup(author=A, author_email='a@long-line-py.org')\n"
    )
    (huge / "sub" / "METADATA").write_bytes(b"Name: over\n" + b"y" * (5 * MB))
    expect["huge/sub/METADATA"] = "over the 4194304 byte cap"
    (huge / "bin").mkdir()
    (huge / "bin" / "PKG-INFO").write_bytes(b"Name: x\n\x00\x01\x02")
    expect["huge/bin/PKG-INFO"] = "NUL bytes"
    return expect


def _snapshot(path: Path) -> dict[str, str]:
    """Every entry below ``path`` (links not followed) with a digest of regular files."""
    found: dict[str, str] = {}
    for entry in sorted(path.rglob("*")):
        mode = entry.lstat().st_mode
        if stat.S_ISREG(mode):
            digest = hashlib.sha256()
            with entry.open("rb") as handle:
                for block in iter(lambda: handle.read(MB), b""):
                    digest.update(block)
            found[str(entry.relative_to(path))] = digest.hexdigest()
        else:
            found[str(entry.relative_to(path))] = stat.filemode(mode)
    return found


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[CliRun, dict[str, str], Path]:
    base = tmp_path_factory.mktemp("hostile")
    root, outside = base / "project", base / "outside"
    expect = build_tree(root, outside)
    before = _snapshot(base)
    run = run_cli(
        ["scan", "--offline", "-f", "json", "--fail-on", "never"],
        cwd=root,
        home=base / "home",
        timeout=120,
    )
    after = _snapshot(base)
    created = sorted(set(after) - set(before))
    changed = sorted(k for k in before if after.get(k) != before[k])
    assert changed == [], changed
    # Only the tool's own cache and guard log, under the home it was given.
    assert all(name == "home" or name.startswith("home/") for name in created), created
    return run, expect, base


def test_the_scan_ends_in_bounded_time_and_memory_without_a_traceback(
    scanned: tuple[CliRun, dict[str, str], Path],
) -> None:
    run, _, _ = scanned
    assert run.returncode == 3, run.stderr[-2000:]  # inputs unreadable, the rest reported
    assert "Traceback" not in run.stderr
    assert "internal error" not in run.stderr
    assert run.seconds < 60
    assert run.max_rss_mb < 300, run.max_rss_mb
    assert run.escapes == ()


def test_each_hostile_file_is_one_clear_error_and_good_files_are_still_read(
    scanned: tuple[CliRun, dict[str, str], Path],
) -> None:
    run, expect, _ = scanned
    report = json.loads(run.stdout)
    errors = {e["path"]: e["message"] for e in report["errors"]}
    for path, reason in expect.items():
        assert path in errors, (path, sorted(errors))
        assert reason in errors[path], (path, errors[path])
    emails = {c["email"] for c in report["contacts"]}
    assert {
        "good@good-cfg.org",
        "r@latin1-read.org",
        "z@utf16-read.org",
        "m@setup-py-read.org",
        "a@sdist-read.org",
        "a@long-line-cfg.org",
        "a@long-toml.org",
        "a@long-line-py.org",
    } <= emails
    names = {c["name"] for c in report["contacts"] if c["email"] in emails}
    assert {"René", "Zoë"} <= names


def test_nothing_outside_the_tree_and_no_escaping_member_is_read(
    scanned: tuple[CliRun, dict[str, str], Path],
) -> None:
    run, _, _ = scanned
    emails = {c["email"] for c in json.loads(run.stdout)["contacts"]}
    for never in (
        "a@outside-tree.org",
        "a@dotdot-member.org",
        "a@absolute-member.org",
        "a@dotdot-inner.org",
        "x@never.org",
    ):
        assert never not in emails


def test_nothing_is_executed(scanned: tuple[CliRun, dict[str, str], Path]) -> None:
    _, _, base = scanned
    assert not list(base.rglob(MARKER))


def test_a_fifo_or_device_named_on_the_command_line_is_refused_not_read(
    scanned: tuple[CliRun, dict[str, str], Path],
) -> None:
    _, expect, base = scanned
    named = [p for p, why in expect.items() if why == "not a regular file"]
    run = run_cli(
        ["scan", *named, "setup.cfg", "--offline", "-f", "json", "--fail-on", "never"],
        cwd=base / "project",
        home=base / "home-named",
        timeout=30,  # reading a FIFO would block forever: killed, and the test fails
    )
    assert run.returncode == 3, run.stderr
    report = json.loads(run.stdout)
    assert {(e["path"], e["message"]) for e in report["errors"]} == {
        (path, "not a regular file") for path in named
    }
    assert [c["email"] for c in report["contacts"]] == ["good@good-cfg.org"]
