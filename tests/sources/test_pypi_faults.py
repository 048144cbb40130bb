"""PyPI answers that must become per-package errors, served by a real loopback HTTP server.

The loopback RDAP server serves any path below ``{prefix}domain/``, so a PyPI base URL of
``http://127.0.0.1:PORT/pypi/domain`` makes ``{base}/{name}/json`` a "domain" it answers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from checker.cli import app
from checker.settings import LookupSettings
from checker.sources.pypi import Requirement, fetch_releases
from tests.servers.rdap import FakeRegistry, Fault, RdapServer

runner = CliRunner()


def body(name: str, version: str, email: str, uploaded: str) -> dict[str, Any]:
    """The shape of a PyPI JSON API answer (see tests/cassettes/pypi for real ones)."""
    return {
        "info": {
            "name": name,
            "version": version,
            "author": "Jane Doe",
            "author_email": email,
            "maintainer": None,
            "maintainer_email": None,
        },
        "urls": [{"filename": f"{name}-{version}.tar.gz", "upload_time_iso_8601": uploaded}],
        "vulnerabilities": [],
    }


@pytest.fixture
def index() -> Iterator[tuple[FakeRegistry, str]]:
    with RdapServer() as server:
        pypi = server.add_registry("pypi", prefix="/pypi/")
        yield pypi, f"{pypi.base_url}domain"


def fetch(base: str, *names: str, timeout: float = 2.0) -> tuple[list[str], dict[str, str]]:
    """The names fetched, and the error message of each name that was not."""
    config = LookupSettings(cache=False, timeout=timeout)
    wanted = [Requirement(n, line=i) for i, n in enumerate(names)]
    releases, errors = fetch_releases(wanted, config, base_url=base)
    return [r.name for r in releases], {names[e.line or 0]: e.message for e in errors}


def test_faults_are_errors_and_never_stop_the_other_packages(
    index: tuple[FakeRegistry, str],
) -> None:
    pypi, base = index
    pypi.add("good/json", body("good", "1.0", "jane@janedoe.dev", "2024-01-01T00:00:00Z"))
    pypi.fault("broken/json", Fault.HTTP_500)
    pypi.fault("garbled/json", Fault.MALFORMED_JSON)
    pypi.add("impostor/json", body("someone-else", "1.0", "x@evil.example", "2024-01-01T00:00:00Z"))
    pypi.add("html/json", "<html>maintenance</html>", content_type="text/html")
    names, errors = fetch(base, "good", "missing", "broken", "garbled", "impostor", "html")
    assert names == ["good"]
    assert set(errors) == {"missing", "broken", "garbled", "impostor", "html"}
    assert "missing is not on the index (404)" in errors["missing"]
    assert "the index answered HTTP 500" in errors["broken"]
    assert "unusable answer" in errors["garbled"]
    assert "describes another project" in errors["impostor"]
    assert "unusable answer" in errors["html"]


def test_a_hanging_index_times_out_per_package(index: tuple[FakeRegistry, str]) -> None:
    pypi, base = index
    pypi.fault("slow/json", Fault.HANG)
    pypi.add("good/json", body("good", "1.0", "jane@janedoe.dev", "2024-01-01T00:00:00Z"))
    started = time.monotonic()
    names, errors = fetch(base, "slow", "good", timeout=0.5)
    assert time.monotonic() - started < 10
    assert names == ["good"]
    assert "no answer from" in json.dumps(errors)


def test_a_huge_body_is_cut_at_the_cap(index: tuple[FakeRegistry, str]) -> None:
    pypi, base = index
    pypi.fault("huge/json", Fault.HUGE_BODY)
    names, errors = fetch(base, "huge", timeout=10)
    assert names == []
    (message,) = errors.values()
    assert "no answer from" in message
    assert "limit" in message or "cap" in message or "bytes" in message


def test_deps_reports_package_errors_with_exit_code_3(
    index: tuple[FakeRegistry, str], tmp_path: Path
) -> None:
    pypi, base = index
    pypi.fault("broken/1.0/json", Fault.HTTP_500)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# pinned: the release endpoint is asked\nbroken==1.0\n")
    args = ["deps", "-r", str(requirements), "--pypi-url", base, "-f", "json"]
    result = runner.invoke(app, [*args, "--cache-dir", str(tmp_path / "cache")])
    assert result.exit_code == 3, result.output
    report = json.loads(result.stdout)
    assert report["contacts"] == []
    (error,) = report["errors"]
    assert (error["path"].endswith("requirements.txt"), error["line"]) == (True, 2)
    assert "the index answered HTTP 500" in error["message"]
    assert pypi.requests_for("broken/1.0/json") == 1

    offline = runner.invoke(app, [*args, "--offline", "--cache-dir", str(tmp_path / "cache")])
    assert offline.exit_code == 3
    assert "offline, and its metadata is not cached" in offline.stdout
    assert pypi.requests_for("broken/1.0/json") == 1  # offline: not asked
