"""The user cache holds nothing anyone else can read or plant.

The evidence cache directory is created 0700 and its files 0600; the Public Suffix List is
prepared from the copy shipped in the package on every run, so a list planted in the user
cache (one added line turns a lapsed domain into a public suffix, an ``invalid`` address
that passes ``--fail-on-unknown``) is never read, with or without ``--no-cache``.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import publicsuffixlist
import pytest

from tests.hardening.cli import run_cli
from tests.servers.rdap import RdapServer, synthetic_domain


@pytest.fixture
def bootstrap(tmp_path: Path) -> Iterator[Path]:
    with RdapServer() as server:
        org = server.add_registry("pir", ["org"])
        org.add("private-cache.org", synthetic_domain("private-cache.org"))
        yield server.write_bootstrap(tmp_path / "bootstrap.json")


def test_the_cache_directory_and_its_files_are_private(bootstrap: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    run = run_cli(
        ["domain", "private-cache.org", "--rdap-bootstrap", str(bootstrap), "--no-dns",
         "-f", "json", "--fail-on", "never"],
        cwd=tmp_path, home=home,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    cache = home / "cache" / "domain-guard"
    files = [p for p in cache.iterdir() if p.is_file()]
    assert files, "the run wrote its cache"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {p.name: 0o600 for p in files}


def _planted_psl(cache: Path) -> None:
    """The file name the cache used, with ``janedoe.org`` added as a public suffix."""
    source = Path(publicsuffixlist.PSLFILE)
    info = source.stat()
    version = getattr(publicsuffixlist, "__version__", "x")
    name = f"psl-icann-{version}-{info.st_size}-{int(info.st_mtime)}.txt"
    cache.mkdir(parents=True, exist_ok=True)
    (cache / name).write_text(
        "// ===BEGIN ICANN DOMAINS===\norg\njanedoe.org\n// ===END ICANN DOMAINS===\n"
    )


@pytest.mark.parametrize("no_cache", [True, False], ids=["no-cache", "cache"])
def test_a_public_suffix_list_planted_in_the_cache_changes_no_verdict(
    tmp_path: Path, no_cache: bool
) -> None:
    home = tmp_path / "home"
    _planted_psl(home / "cache" / "domain-guard")
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "1"\n'
        'authors = [{name = "Jane", email = "jane@mail.janedoe.org"}]\n'
    )
    run = run_cli(
        ["scan", ".", "--offline", "--no-dns", "--fail-on-unknown", "-f", "json",
         *(["--no-cache"] if no_cache else [])],
        cwd=project, home=home,
    )  # fmt: skip
    report = json.loads(run.stdout)
    (contact,) = report["contacts"]
    assert contact["kind"] == "lookup"
    assert contact["registrable_domain"] == "janedoe.org"
    assert run.returncode != 0, "an unchecked domain must not pass --fail-on-unknown"
