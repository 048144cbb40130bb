"""Every input is a Source: ``collect()`` gives one Collected, and ``pipeline.run`` joins them."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.arguments import Arguments
from checker.errors import IncompleteRun
from checker.pipeline import run
from checker.policy import EXIT_UNREADABLE
from checker.scan import LocalScan, NothingToScan
from checker.settings import LookupSettings
from checker.sources.base import Collected, Source

OFFLINE = LookupSettings(offline=True, cache=False, dns=False, mail_path=False)

PYPROJECT = """\
[project]
name = "demo"
version = "1.0"
authors = [{name = "Jane Doe", email = "jane@janedoe.dev"}]
"""


def collect(source: Source) -> Collected:
    """Typed through the protocol, so mypy holds each source to it."""
    return source.collect()


def project(root: Path) -> None:
    root.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "setup.cfg").write_text("[metadata\nname = broken\n")


def test_a_local_scan_collects_contacts_errors_files_and_its_roots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    project(tmp_path / "proj")
    found = collect(LocalScan([Path("proj")]))
    assert [c.email for c in found.contacts] == ["jane@janedoe.dev"]
    assert [e.path for e in found.errors] == ["proj/setup.cfg"]
    assert (found.files, found.roots, found.dump) == (2, ("proj",), None)


def test_a_local_scan_that_finds_no_metadata_file_is_an_incomplete_run(tmp_path: Path) -> None:
    with pytest.raises(NothingToScan) as raised:
        collect(LocalScan([tmp_path]))
    assert isinstance(raised.value, IncompleteRun)
    assert raised.value.exit_code == EXIT_UNREADABLE
    assert "nothing to scan" in str(raised.value)
    # Unless another input is given (the scan command with --metadata-dump only).
    assert collect(LocalScan([tmp_path], required=False)) == Collected(roots=(tmp_path.as_posix(),))


def test_arguments_are_a_source_that_reads_no_file() -> None:
    found = collect(Arguments(["janedoe.dev", "not a domain"]))
    assert [c.domain for c in found.contacts] == ["janedoe.dev"]
    assert [e.path for e in found.errors] == ["not a domain"]
    assert (found.files, found.roots) == (0, ())


def test_the_run_joins_what_every_source_collected_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    project(tmp_path / "proj")
    local = collect(LocalScan([Path("proj")]))
    named = collect(Arguments(["old-project.org"]))
    extra = Collected(files=3, roots=("elsewhere",))
    report = run([local, named, extra], OFFLINE, say=lambda _: None, progress=False)
    assert report.files_scanned == 5
    assert report.roots == ("proj", "elsewhere")
    assert {c.email for c in report.contacts} == {"jane@janedoe.dev", "old-project.org"}
    assert [d.domain for d in report.domains] == ["janedoe.dev", "old-project.org"]
    assert [e.path for e in report.errors] == ["proj/setup.cfg"]
