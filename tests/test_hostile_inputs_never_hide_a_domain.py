"""Regressions found by review: each would let a domain read healthy or vanish, or a file stall."""

from __future__ import annotations

import io
import json
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from checker.addresses import parse_addresses
from checker.cli import app
from checker.domains import to_a_label
from checker.scan import scan_paths
from tests.servers.dns import LoopbackDnsServer
from tests.servers.rdap import RdapServer, synthetic_domain

runner = CliRunner()


def test_evidence_cached_without_dns_is_not_reused_when_dns_is_on(tmp_path: Path) -> None:
    zone = "parked-x.com. 300 IN NS ns1.sedoparking.com.\nparked-x.com. 300 IN A 192.0.2.1\n"
    with RdapServer() as server, LoopbackDnsServer(zone) as dns:
        server.add_registry("verisign", ["com"]).add(
            "parked-x.com", synthetic_domain("parked-x.com")
        )
        bootstrap = server.write_bootstrap(tmp_path / "bootstrap.json")
        host, port = dns.address
        common = [
            "domain", "parked-x.com", "-f", "json", "--fail-on", "never",
            "--rdap-bootstrap", str(bootstrap), "--cache-dir", str(tmp_path / "c"),
            "--no-mail-path",  # no nameserver hosts here; see test_mailpath.py
        ]  # fmt: skip
        first = json.loads(runner.invoke(app, [*common, "--no-dns"]).stdout)["domains"][0]
        assert first["risk"] == "none"
        second = runner.invoke(app, [*common, "--nameserver", f"{host}:{port}"])
        domain = json.loads(second.stdout)["domains"][0]
        assert (domain["risk"], domain["cached"]) == ("medium", False)
        assert [r["code"] for r in domain["reasons"]] == ["parked"]


def test_unicode_whitespace_ends_an_address() -> None:
    assert [a.email for a in parse_addresses("yamada@lapsed-one.jp\u3000山田")] == [
        "yamada@lapsed-one.jp"
    ]
    assert [a.email for a in parse_addresses("a@lapsed-two.org\xa0b@lapsed-three.org")] == [
        "a@lapsed-two.org",
        "b@lapsed-three.org",
    ]


def test_pkg_info_whitespace_only_continuation_does_not_end_the_headers(tmp_path: Path) -> None:
    (tmp_path / "PKG-INFO").write_text(
        "Metadata-Version: 1.1\nName: x\nDescription: first\n        \n        second\n"
        "Author-email: a@author-domain.org\nMaintainer-email: m@lapsed-maint.org\n"
        "Summary: fast\x85and small\n"
    )
    result = scan_paths([tmp_path], base=tmp_path)
    assert [(c.email, c.source.line) for c in result.contacts] == [
        ("a@author-domain.org", 6),
        ("m@lapsed-maint.org", 7),
    ]
    assert result.errors == ()


def test_hostile_files_cost_only_themselves(tmp_path: Path) -> None:
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "pyproject.toml").write_text("x = " + "[" * 100_000 + "]" * 100_000)
    good = tmp_path / "good"
    good.mkdir()
    (good / "setup.cfg").write_text("[metadata]\nauthor_email = a@still-read.org\n")
    wheel = tmp_path / "bad-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bad-1.0.dist-info/METADATA", "Name: bad\n" * 500)
    data = bytearray(wheel.read_bytes())
    data[40:70] = b"\xff" * 30  # corrupt the deflate stream after the local header
    wheel.write_bytes(bytes(data))
    result = scan_paths([tmp_path], base=tmp_path)
    assert [c.email for c in result.contacts] == ["a@still-read.org"]
    assert sorted(e.path for e in result.errors) == [
        "bad-1.0-py3-none-any.whl",
        "deep/pyproject.toml",
    ]


def test_setup_py_self_doubling_names_resolve_in_bounded_time(tmp_path: Path) -> None:
    lines = ['a0 = "x"'] + [f"a{i} = a{i - 1} + a{i - 1}" for i in range(1, 40)]
    lines.append("setup(author_email=a39, maintainer_email='m@fine-domain.org')")
    (tmp_path / "setup.py").write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    result = scan_paths([tmp_path], base=tmp_path)
    assert time.perf_counter() - start < 5
    assert [c.email for c in result.contacts] == ["m@fine-domain.org"]


def test_tar_budget_counts_decompressed_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import checker.sources.archives as archives

    path = tmp_path / "big-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("big-1.0/data.bin")
        info.size = 8 * 1024 * 1024
        archive.addfile(info, io.BytesIO(b"\0" * info.size))
        meta = b"Metadata-Version: 2.1\nName: big\nAuthor-email: a@late.org\n"
        info = tarfile.TarInfo("big-1.0/PKG-INFO")
        info.size = len(meta)
        archive.addfile(info, io.BytesIO(meta))
    assert path.stat().st_size < 64 * 1024  # tiny on disk, 8 MiB inflated
    monkeypatch.setattr(archives, "MAX_DECOMPRESSED_BYTES", 1024 * 1024)
    result = scan_paths([path], base=tmp_path)
    assert result.contacts == ()
    assert "decompresses past 1 MiB" in result.errors[0].message


def test_ideographic_full_stop_is_normalised_away() -> None:
    assert to_a_label("example.com\u3002") == "example.com"
