"""An answer with more statuses or events than are read is not read at all.

A hostile or broken registry that pads its status list (256 RDAP statuses, 32 WHOIS ones)
must not hide a ``pending delete`` after the padding: the answer is ``unknown``
(``lookup-failed``, saying why), never a healthy ``none``. Loopback servers, real CLI.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from checker.cli import app
from tests.servers.rdap import RdapServer, synthetic_domain
from tests.servers.whois import LoopbackWhoisServer

runner = CliRunner()


def _verdict(args: list[str]) -> dict[str, object]:
    result = runner.invoke(app, [*args, "--no-dns", "--no-cache", "-f", "json", "--fail-on",
                                 "never"])  # fmt: skip
    # Each test's one domain is unknown: a run that could check nothing exits 3.
    assert result.exit_code == 3, result.output
    (domain,) = json.loads(result.stdout)["domains"]
    verdict: dict[str, object] = domain
    return verdict


@pytest.fixture
def rdap(tmp_path: Path) -> Iterator[tuple[RdapServer, Path]]:
    with RdapServer() as server:
        yield server, tmp_path / "bootstrap.json"


@pytest.mark.parametrize("listed", ["statuses", "events"])
def test_an_rdap_list_over_the_cap_is_unknown_not_cut(
    rdap: tuple[RdapServer, Path], listed: str
) -> None:
    server, bootstrap = rdap
    org = server.add_registry("pir", ["org"])
    padded = synthetic_domain("padded-list.org")
    if listed == "statuses":
        padded["status"] = ["active"] * 256 + ["pending delete"]
    else:
        padded["events"] = [{"eventAction": "last changed", "eventDate": "2020-01-01T00:00:00Z"}] * 256 + [  # noqa: E501
            {"eventAction": "expiration", "eventDate": "2020-01-01T00:00:00Z"}
        ]  # fmt: skip
    org.add("padded-list.org", padded)
    server.write_bootstrap(bootstrap)
    verdict = _verdict(["domain", "padded-list.org", "--rdap-bootstrap", str(bootstrap)])
    assert verdict["risk"] == "unknown", verdict
    (reason,) = verdict["reasons"]  # type: ignore[misc]
    assert reason["code"] == "lookup-failed"
    assert f"257 {listed}, over the 256 read" in reason["message"]


def test_a_whois_status_list_over_the_cap_is_unknown_not_cut(
    rdap: tuple[RdapServer, Path],
) -> None:
    server, bootstrap = rdap
    server.add_registry("pir", ["org"])  # RDAP for .org only: .io is asked over WHOIS
    server.write_bootstrap(bootstrap)
    statuses = [
        "clientDeleteProhibited", "clientRenewProhibited", "clientTransferProhibited",
        "clientUpdateProhibited", "serverDeleteProhibited", "serverRenewProhibited",
        "serverTransferProhibited", "serverUpdateProhibited", "ok",
    ]  # fmt: skip
    statuses += [f"registryLock{index}" for index in range(32 - len(statuses))]
    statuses.append("pendingDelete")
    body = (
        "Domain Name: padded-list.io\nRegistry Domain ID: 1-IO\n"
        "Registrar: Example Registrar\nCreation Date: 2015-01-01T00:00:00Z\n"
        "Registry Expiry Date: 2035-01-01T00:00:00Z\n"
        + "".join(
            f"Domain Status: {status} https://icann.org/epp#{status}\n" for status in statuses
        )
        + "Name Server: ns1.example.net\n"
    )
    with LoopbackWhoisServer() as whois:
        whois.answer_anything(body)
        host, port = whois.address
        verdict = _verdict(["domain", "padded-list.io", "--rdap-bootstrap", str(bootstrap),
                            "--whois-server", f"io={host}:{port}"])  # fmt: skip
    assert verdict["risk"] == "unknown", verdict
    (reason,) = verdict["reasons"]  # type: ignore[misc]
    assert reason["code"] == "lookup-failed"
    assert "more than 32 statuses" in reason["message"]
