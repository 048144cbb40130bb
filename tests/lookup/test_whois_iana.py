"""The IANA WHOIS table: a port-43 server for every TLD without RDAP that has one."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import checker
from checker.lookup.whois import WhoisClient, shipped_hosts
from checker.model import EvidenceSource, LookupFailure, ReasonCode, Registration
from tests.servers.whois import LoopbackWhoisServer

DATA = Path(checker.__file__).parent / "data"
IANA: dict[str, Any] = json.loads((DATA / "whois-iana.json").read_text(encoding="utf-8"))
CURATED: dict[str, Any] = json.loads((DATA / "whois-servers.json").read_text(encoding="utf-8"))
BOOTSTRAP = json.loads((DATA / "rdap-dns-bootstrap.json").read_text(encoding="utf-8"))
WITH_RDAP = {tld for service in BOOTSTRAP["services"] for tld in service[0]}
HOSTNAME = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


@pytest.fixture
def server() -> Iterator[LoopbackWhoisServer]:
    with LoopbackWhoisServer() as running:
        yield running


def test_table_is_sourced_dated_and_lists_only_tlds_without_rdap() -> None:
    assert "IANA root zone database" in IANA["source"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", IANA["retrieved"])
    assert IANA["rdap_bootstrap"] == BOOTSTRAP["publication"]
    servers, without = set(IANA["servers"]), set(IANA["without_whois"])
    assert not servers & WITH_RDAP
    assert not without & WITH_RDAP
    assert not servers & without
    assert not (servers | without) & set(CURATED["excluded"])
    assert all(HOSTNAME.match(host) for host in IANA["servers"].values())
    assert len(servers) > 150  # was 47 TLDs before the IANA table


def test_every_country_code_tld_is_accounted_for() -> None:
    import publicsuffixlist

    text = Path(publicsuffixlist.PSLFILE).read_text(encoding="utf-8")
    icann = text[: text.index("// ===END ICANN DOMAINS===")]
    cctlds = {rule for rule in map(str.strip, icann.splitlines()) if re.fullmatch("[a-z]{2}", rule)}
    known = WITH_RDAP | set(IANA["servers"]) | set(IANA["without_whois"]) | set(CURATED["excluded"])
    assert cctlds - known == set()


@pytest.mark.parametrize(
    ("domain", "host"),
    [
        ("example.tr", IANA["servers"]["tr"]),
        ("example.ae", IANA["servers"]["ae"]),
        ("example.de", "whois.denic.de"),  # the hand-kept profile wins
        ("foo.uk.com", "whois.centralnic.net"),  # a private second-level registry
    ],
)
def test_tlds_without_a_hand_kept_profile_are_covered(domain: str, host: str) -> None:
    client = WhoisClient()
    assert client.covers(domain)
    suffix = domain.split(".", 1)[1]
    assert shipped_hosts().get(suffix, host) == host


def test_a_tld_whose_registry_publishes_no_whois_stays_unsupported() -> None:
    tld = IANA["without_whois"][0]
    result = asyncio.run(WhoisClient().lookup(f"example.{tld}"))
    assert isinstance(result, LookupFailure)
    assert result.code is ReasonCode.UNSUPPORTED_TLD


def test_iana_only_registry_is_asked_plainly_and_read_with_the_generic_profile(
    server: LoopbackWhoisServer,
) -> None:
    # the address is overridden to reach the loopback server; the TLD has no profile
    server.answer("nothere.tr", 'No match for "NOTHERE.TR".\n')
    client = WhoisClient({"tr": server.address}, spacing=0.0)
    result = asyncio.run(client.lookup("nothere.tr"))
    host, port = server.address
    assert result == Registration(
        registered=False, source=EvidenceSource.WHOIS, url=f"whois://{host}:{port}/nothere.tr"
    )
    assert server.queries == ["nothere.tr"]


def test_dk_hostmaster_is_asked_to_show_handles(server: LoopbackWhoisServer) -> None:
    server.answer("--show-handles u34jedzcq.dk", "No entries found for the selected source.\n")
    client = WhoisClient({"dk": server.address}, spacing=0.0)
    result = asyncio.run(client.lookup("u34jedzcq.dk"))
    assert isinstance(result, Registration)
    assert result.registered is False
    assert server.queries == ["--show-handles u34jedzcq.dk"]
