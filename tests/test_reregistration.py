"""``re-registered``: a domain registered after its address was last known in use.

The date of use is the upload of the PyPI release carrying the address (``deps``) or
the commit that first added it to a project file (``scan`` in a git checkout).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from checker.cli import app
from checker.history import GitHistory, date_contacts
from checker.model import (
    Contact,
    ContactKind,
    EvidenceSource,
    ReasonCode,
    Registration,
    Role,
    SourceKind,
    SourceRef,
)
from checker.pipeline import last_used
from checker.scan import scan_paths
from checker.verdict import judge
from tests.schema import report_schema as _schema
from tests.servers.rdap import FakeRegistry, RdapServer, synthetic_domain

runner = CliRunner()
NOW = datetime(2026, 11, 21, tzinfo=timezone.utc)
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)  # type: ignore[misc]


def contact(
    email: str, uploaded: datetime | None, kind: ContactKind = ContactKind.LOOKUP
) -> Contact:
    domain = email.split("@")[1]
    return Contact(
        email=email, name=None, role=Role.AUTHOR, kind=kind, obfuscated=False,
        domain=domain, registrable_domain=domain,
        source=SourceRef(SourceKind.PYPI, package="pkg", uploaded=uploaded),
    )  # fmt: skip


def test_last_used_is_the_latest_date_per_domain() -> None:
    contacts = [
        contact("a@dlitz.net", at(2014, 6, 20)),
        contact("b@dlitz.net", at(2013, 10, 14)),
        contact("c@dlitz.net", None),
        contact("d@other.org", None),
        contact("e@gmail.com", at(2020, 1, 1), ContactKind.PROVIDER),
    ]
    assert last_used(contacts) == {"dlitz.net": at(2014, 6, 20)}


def test_a_registration_after_the_last_use_is_reregistered_and_names_both_dates() -> None:
    registration = Registration(
        registered=True,
        source=EvidenceSource.RDAP,
        url="https://rdap.example/domain/dlitz.net",
        created=at(2023, 2, 1, 9, 30),
        expires=at(2027, 2, 1),
    )
    result = judge("dlitz.net", registration=registration, now=NOW, last_used=at(2014, 6, 20))
    (reason,) = result.reasons
    assert reason.code is ReasonCode.RE_REGISTERED
    assert result.risk.value == "high"
    assert "registered on 2023-02-01" in reason.message
    assert "in use on 2014-06-20" in reason.message
    # registered before the address was used: the same holder, nothing to report
    earlier = judge("dlitz.net", registration=registration, now=NOW, last_used=at(2024, 1, 1))
    assert earlier.reasons == ()


# --- git history ----------------------------------------------------------------------------


def git(repo: Path, *args: str, date: str | None = None) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
    }  # fmt: skip
    if date:
        env["GIT_COMMITTER_DATE"] = env["GIT_AUTHOR_DATE"] = date
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


PYPROJECT = """[project]
name = "demo"
version = "1.0"
authors = [{{name = "Jane Doe", email = "{email}"}}]
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "project")


def make_repo(project: Path) -> Path:
    """A checkout whose pyproject.toml gained jane@janedoe.org in 2018 and changed in 2021."""
    project.mkdir(parents=True)
    git(project, "init", "-q")
    (project / "pyproject.toml").write_text(PYPROJECT.format(email="jane@janedoe.org"))
    git(project, "add", "pyproject.toml")
    git(project, "commit", "-q", "-m", "first", date="2018-05-01T12:00:00+02:00")
    (project / "pyproject.toml").write_text(
        PYPROJECT.format(email="Jane@JaneDoe.org") + 'description = "later"\n'
    )
    git(project, "commit", "-q", "-am", "second", date="2021-01-01T00:00:00Z")
    return project


def test_a_pinned_release_is_dated_by_the_latest_release_still_carrying_its_address(
    world: tuple[FakeRegistry, FakeRegistry, Path], tmp_path: Path
) -> None:
    """pycrypto==2.6.1 (2014) with dlitz.net registered in 2023: re-registered, unless the
    project's latest release, uploaded after 2023, still publishes the same address."""
    _, pypi, bootstrap = world
    pypi.add(
        "pycrypto/2.6.1/json",
        _pypi_body("pycrypto", "2.6.1", "dlitz@dlitz.net", "2014-06-20T08:10:20Z"),
    )
    latest = _pypi_body("pycrypto", "2.7.0", "DLitz@dlitz.net", "2025-01-01T00:00:00Z")
    latest["urls"] = [
        {"filename": "pycrypto-2.7.0.tar.gz", "upload_time_iso_8601": "2025-01-01T00:00:00Z"}
    ]
    pypi.add("pycrypto/json", latest)
    args = [
        "deps", "pycrypto==2.6.1", "--pypi-url", f"{pypi.base_url}domain",
        "--rdap-bootstrap", str(bootstrap), "--no-dns", "--no-cache", "-f", "json",
    ]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["domains"][0]["risk"] == "none"
    source = report["contacts"][0]["source"]
    assert (source["version"], source["uploaded"]) == ("2.6.1", "2025-01-01T00:00:00Z")

    pypi.add(
        "pycrypto/json",
        _pypi_body("pycrypto", "2.7.0", "someone@else.org", "2025-01-01T00:00:00Z"),
    )
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    [reason] = json.loads(result.stdout)["domains"][0]["reasons"]
    assert reason["code"] == "re-registered"


@needs_git
def test_git_history_dates_an_address_by_the_commit_that_added_it(repo: Path) -> None:
    (repo / "setup.cfg").write_text("[metadata]\nauthor_email = new@uncommitted.org\n")
    scanned = scan_paths([repo], base=repo)
    history = GitHistory()
    dated = {
        c.email: c.source.uploaded
        for c in date_contacts(scanned.contacts, [repo], base=repo, history=history)
    }
    # the first commit that added the address, whatever its case later: committer date in UTC
    # (the file now says Jane@JaneDoe.org; it was first committed as jane@janedoe.org)
    assert dated == {"Jane@janedoe.org": at(2018, 5, 1, 10), "new@uncommitted.org": None}
    assert history.calls <= 3  # one rev-parse, one log per dated file and address


@needs_git
def test_no_work_tree_or_no_git_means_no_date(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "setup.cfg").write_text("[metadata]\nauthor_email = jane@janedoe.org\n")
    scanned = scan_paths([plain], base=plain)
    dated = date_contacts(scanned.contacts, [plain], base=plain)
    assert [c.source.uploaded for c in dated] == [None]
    nogit = GitHistory()
    nogit.git = None
    assert date_contacts(scanned.contacts, [plain], base=plain, history=nogit) == list(
        scanned.contacts
    )


@needs_git
def test_git_calls_are_capped(repo: Path) -> None:
    emails = ", ".join(f"user{i}@domain{i}.org" for i in range(10))
    (repo / "setup.cfg").write_text(f"[metadata]\nauthor_email = {emails}\n")
    scanned = scan_paths([repo], base=repo)
    history = GitHistory(max_calls=4)
    date_contacts(scanned.contacts, [repo], base=repo, history=history)
    assert history.calls == 4


@needs_git
def test_hostile_address_text_never_reaches_a_shell(repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    history = GitHistory()
    hostile = f"x$(touch {marker})`touch {marker}`;touch {marker}@evil.org"
    assert history.first_seen(repo / "pyproject.toml", hostile) is None
    assert history.first_seen(repo / "pyproject.toml", "--output=/tmp/x@evil.org") is None
    assert not marker.exists()


# --- end to end -------------------------------------------------------------------------------


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[FakeRegistry, FakeRegistry, Path]]:
    with RdapServer() as server:
        registry = server.add_registry("registry", ["org", "net"], not_found="rdap-error")
        registry.add(
            "dlitz.net", synthetic_domain("dlitz.net", registration="2023-02-01T09:30:00Z")
        )
        registry.add(
            "janedoe.org", synthetic_domain("janedoe.org", registration="2024-03-05T00:00:00Z")
        )
        registry.add("kept.org", synthetic_domain("kept.org", registration="2001-01-01T00:00:00Z"))
        pypi = server.add_registry("pypi", prefix="/pypi/")
        yield registry, pypi, server.write_bootstrap(tmp_path / "bootstrap.json")


def _pypi_body(name: str, version: str, email: str, uploaded: str) -> dict[str, object]:
    return {
        "info": {"name": name, "version": version, "author": "Dwayne C. Litzenberger",
                 "author_email": email, "maintainer": "", "maintainer_email": ""},
        "urls": [{"filename": f"{name}-{version}.tar.gz", "upload_time_iso_8601": uploaded},
                 {"filename": f"{name}-{version}.zip",
                  "upload_time_iso_8601": "2014-06-21T00:00:00Z"}],
    }  # fmt: skip


def test_deps_flags_a_domain_registered_after_the_release_upload(
    world: tuple[FakeRegistry, FakeRegistry, Path], tmp_path: Path
) -> None:
    _, pypi, bootstrap = world
    pypi.add(
        "pycrypto/2.6.1/json",
        _pypi_body("pycrypto", "2.6.1", "dlitz@dlitz.net", "2014-06-20T08:10:20.813938Z"),
    )
    pypi.add("kept/json", _pypi_body("kept", "3.0", "me@kept.org", "2020-01-01T00:00:00Z"))
    args = [
        "deps", "pycrypto==2.6.1", "kept", "--pypi-url", f"{pypi.base_url}domain",
        "--rdap-bootstrap", str(bootstrap), "--no-dns", "--cache-dir", str(tmp_path / "cache"),
        "-f", "json",
    ]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    jsonschema.validate(report, _schema())
    domains = {d["domain"]: d for d in report["domains"]}
    assert domains["kept.org"]["risk"] == "none"
    dlitz = domains["dlitz.net"]
    assert (dlitz["risk"], [r["code"] for r in dlitz["reasons"]]) == ("high", ["re-registered"])
    message = dlitz["reasons"][0]["message"]
    assert "registered on 2023-02-01" in message
    assert "last known in use on 2014-06-20" in message
    source = next(c["source"] for c in report["contacts"] if c["email"] == "dlitz@dlitz.net")
    assert source == {"kind": "pypi", "path": None, "line": None, "package": "pycrypto",
                      "version": "2.6.1", "uploaded": "2014-06-20T08:10:20Z"}  # fmt: skip

    # offline, from the cached registry evidence and the cached release: the same verdict
    offline = runner.invoke(app, [*args, "--offline"])
    assert offline.exit_code == 1, offline.output
    again = {d["domain"]: d for d in json.loads(offline.stdout)["domains"]}
    assert [r["code"] for r in again["dlitz.net"]["reasons"]] == ["re-registered"]
    assert again["dlitz.net"]["cached"] is True


@needs_git
def test_scan_flags_a_domain_registered_after_the_commit_that_added_the_address(
    world: tuple[FakeRegistry, FakeRegistry, Path],
    repo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, _, bootstrap = world
    monkeypatch.chdir(repo)
    result = runner.invoke(
        app,
        ["scan", "--rdap-bootstrap", str(bootstrap), "--no-dns", "--no-cache", "-f", "json"],
    )
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    jsonschema.validate(report, _schema())
    (contact,) = report["contacts"]
    assert contact["source"]["uploaded"] == "2018-05-01T10:00:00Z"
    (domain,) = report["domains"]
    (reason,) = domain["reasons"]
    assert reason["code"] == "re-registered"
    assert "registered on 2024-03-05" in reason["message"]
    assert "on 2018-05-01" in reason["message"]


def test_dating_never_runs_programs_named_by_the_scanned_repositorys_config(
    tmp_path: Path,
) -> None:
    """A hostile checkout's .git/config names a signature verifier; with log.showSignature
    git would run it for every signed commit. Dating must not run it."""
    project = tmp_path / "hostile"
    project.mkdir()
    git(project, "init", "-q")
    (project / "pyproject.toml").write_text(PYPROJECT.format(email="jane@janedoe.org"))
    git(project, "add", "pyproject.toml")
    git(project, "commit", "-q", "-m", "unsigned", date="2018-05-01T12:00:00Z")
    tree = subprocess.run(
        ["git", "rev-parse", "HEAD^{tree}"], cwd=project, capture_output=True, text=True, check=True
    ).stdout.strip()
    signed = (
        f"tree {tree}\nauthor a <a@b.c> 1700000000 +0000\ncommitter a <a@b.c> 1700000000 +0000\n"
        "gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n"
        "\nsigned\n"
    )
    commit = subprocess.run(
        ["git", "hash-object", "-t", "commit", "-w", "--stdin"],
        cwd=project, input=signed, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    git(project, "update-ref", "HEAD", commit)
    marker = tmp_path / "ran"
    program = tmp_path / "verifier.sh"
    program.write_text(f'#!/bin/sh\necho "$@" >> "{marker}"\n')
    program.chmod(0o755)
    git(project, "config", "log.showSignature", "true")
    git(project, "config", "gpg.program", str(program))
    # The trap is real: plain git runs the verifier.
    git(project, "log", "--format=%cI")
    assert marker.exists()
    marker.unlink()

    when = GitHistory().first_seen(project / "pyproject.toml", "jane@janedoe.org")
    assert when is not None
    assert not marker.exists()


def test_a_shallow_clone_gives_no_dates_rather_than_its_boundary_commit(
    repo: Path, tmp_path: Path
) -> None:
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", repo.as_uri(), str(shallow))
    assert GitHistory().first_seen(shallow / "pyproject.toml", "jane@janedoe.org") is None
    assert GitHistory().first_seen(repo / "pyproject.toml", "jane@janedoe.org") is not None
