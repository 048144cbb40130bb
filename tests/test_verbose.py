"""--verbose: lookups and GitHub calls said on stderr, one safe line each, never a secret."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from checker.cli import app
from checker.log import LOGGER, configure
from tests.report.actions_runner import commands
from tests.servers.dns import LoopbackDnsServer
from tests.servers.rdap import Fault, RdapServer, synthetic_domain

TOKEN = "ghp_VERBOSEtoken0123456789abcdefXYZ"
ZONE = """
healthy.org. 300 IN NS ns1.host.net.
healthy.org. 300 IN MX 10 mail.healthy.org.
mail.healthy.org. 300 IN A 192.0.2.10
"""


@pytest.fixture(autouse=True)
def _quiet_afterwards() -> Iterator[None]:
    yield
    configure(False)


def test_each_record_is_one_scrubbed_line_that_forges_no_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    stream = io.StringIO()
    configure(True, stream)
    LOGGER.debug("answer %s", f"ok\n::error::forged ##[warning]x Bearer {TOKEN}\x1b[31m")
    out = stream.getvalue()
    assert out.count("\n") == 1
    assert out.startswith("domain-guard: debug: answer ok\\n")
    assert TOKEN not in out
    assert "Bearer ***" in out
    assert commands(out) == []
    assert "\x1b" not in out


def test_quiet_by_default() -> None:
    stream = io.StringIO()
    configure(False, stream)
    LOGGER.debug("nothing to see")
    assert stream.getvalue() == ""
    assert not LOGGER.isEnabledFor(logging.DEBUG)


def test_verbose_domain_run_says_each_request_and_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    with RdapServer() as server, LoopbackDnsServer(ZONE) as dns:
        org = server.add_registry("pir", ["org"], not_found="rdap-error")
        org.add("healthy.org", synthetic_domain("healthy.org"))
        org.fault("broken.org", Fault.HTML_403)
        host, port = dns.address
        result = CliRunner().invoke(
            app,
            [
                "--verbose", "domain", "healthy.org", "broken.org",
                "--rdap-bootstrap", str(server.write_bootstrap(tmp_path / "dns.json")),
                "--nameserver", f"{host}:{port}", "--cache-dir", str(tmp_path / "cache"),
                "--timeout", "2",
            ],
        )  # fmt: skip
    debug = [line for line in result.stderr.splitlines() if line.startswith("domain-guard: debug:")]
    assert any("/domain/healthy.org -> 200" in line for line in debug), result.stderr
    assert any("healthy.org: registered from" in line and "-> none" in line for line in debug)
    assert any("/domain/broken.org -> 403" in line for line in debug)
    assert any("broken.org: no registration answer" in line for line in debug)
    assert TOKEN not in result.stderr + result.stdout
