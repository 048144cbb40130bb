"""A thin WHOIS answer's referral: followed for the missing expiry, and never failing open."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from checker.lookup.whois import WhoisClient, referral
from checker.model import Registration, Risk
from checker.verdict import judge
from tests.conftest import FIXTURES
from tests.servers.rdap import StubResolver
from tests.servers.whois import LoopbackWhoisServer

NOW = datetime(2019, 6, 25, tzinfo=timezone.utc)  # the capture's own day
REGISTERED = (
    FIXTURES / "whois" / "weppos-parser_whois.nic.io_io_status_registered.txt"
).read_text()
EXPIRY_LINE = "Registry Expiry Date: 2020-05-28T22:09:44Z\n"


def thin(referral_line: str) -> str:
    """DERIVED from the real .io answer for redis.io: its expiry line removed and its
    ``Registrar WHOIS Server: whois.name.com`` line replaced by ``referral_line``."""
    assert EXPIRY_LINE in REGISTERED
    text = REGISTERED.replace(EXPIRY_LINE, "")
    return text.replace("Registrar WHOIS Server: whois.name.com", referral_line)


@pytest.fixture
def servers() -> Iterator[tuple[LoopbackWhoisServer, LoopbackWhoisServer]]:
    with LoopbackWhoisServer() as registry, LoopbackWhoisServer() as registrar:
        yield registry, registrar


def lookup(client: WhoisClient) -> Registration:
    result = asyncio.run(client.lookup("redis.io"))
    assert isinstance(result, Registration)
    return result


def ask_with_registrar(
    registry: LoopbackWhoisServer, registrar: LoopbackWhoisServer, registrar_says: str
) -> Registration:
    """Ask the registry, whose thin answer refers to ``registrar`` (vetted as public)."""
    host, port = registrar.address
    registry.answer("redis.io", thin(f"ReferralServer: whois://whois.name.com:{port}"))
    registrar.answer("redis.io", registrar_says)
    client = WhoisClient(
        {"io": registry.address},
        spacing=0.0,
        resolver=StubResolver({"whois.name.com": [host]}),
        is_public=lambda address: True,  # the loopback registrar stands in for a public one
    )
    return lookup(client)


def test_a_referral_to_a_non_public_host_is_not_asked_and_the_domain_is_unknown(
    servers: tuple[LoopbackWhoisServer, LoopbackWhoisServer],
) -> None:
    registry, registrar = servers
    host, port = registrar.address
    registry.answer("redis.io", thin(f"ReferralServer: whois://whois.name.com:{port}"))
    resolver = StubResolver({"whois.name.com": [host]})  # a hostile referral to loopback
    client = WhoisClient({"io": registry.address}, spacing=0.0, resolver=resolver)
    result = lookup(client)
    assert result.expires is None
    assert result.registrar_failure is not None
    assert "has no expiry date" in result.registrar_failure
    assert "resolves to non-public address 127.0.0.1" in result.registrar_failure
    assert registrar.queries == []
    verdict = judge("redis.io", registration=result, now=NOW)
    assert verdict.risk is Risk.UNKNOWN
    assert [r.code.value for r in verdict.reasons] == ["registrar-unavailable"]


def test_a_registrar_that_does_not_answer_leaves_the_domain_unknown(
    servers: tuple[LoopbackWhoisServer, LoopbackWhoisServer],
) -> None:
    registry, _ = servers
    registry.answer("redis.io", thin("Registrar WHOIS Server: whois.name.com"))
    resolver = StubResolver({})  # the registrar's host does not resolve
    client = WhoisClient({"io": registry.address}, spacing=0.0, resolver=resolver)
    result = lookup(client)
    assert result.registrar_failure is not None
    assert "whois.name.com does not resolve" in result.registrar_failure
    assert judge("redis.io", registration=result, now=NOW).risk is Risk.UNKNOWN


def test_the_registrar_expiry_fills_in_when_the_registrar_answers(
    servers: tuple[LoopbackWhoisServer, LoopbackWhoisServer],
) -> None:
    registry, registrar = servers
    result = ask_with_registrar(registry, registrar, REGISTERED)  # a full answer with expiry
    port = registrar.address[1]
    assert result.registrar_failure is None
    assert result.expires == datetime(2020, 5, 28, 22, 9, 44, tzinfo=timezone.utc)
    assert result.registrar_url == f"whois://whois.name.com:{port}/redis.io"
    assert registrar.queries == ["redis.io"]
    assert judge("redis.io", registration=result, now=NOW).risk is Risk.NONE


def test_a_registrar_that_does_not_know_the_name_is_no_answer(
    servers: tuple[LoopbackWhoisServer, LoopbackWhoisServer],
) -> None:
    registry, registrar = servers
    result = ask_with_registrar(registry, registrar, 'No match for "REDIS.IO".\n')
    assert result.registrar_failure is not None
    assert "does not know the name" in result.registrar_failure


def test_an_answer_with_its_own_expiry_is_not_referred(
    servers: tuple[LoopbackWhoisServer, LoopbackWhoisServer],
) -> None:
    registry, registrar = servers
    registry.answer("redis.io", REGISTERED)
    client = WhoisClient({"io": registry.address}, spacing=0.0, resolver=StubResolver({}))
    result = lookup(client)
    assert result.registrar_failure is None
    assert result.registrar_url is None
    assert registrar.queries == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Registrar WHOIS Server: whois.name.com\n", ("whois.name.com", 43)),
        ("   Whois Server: WHOIS.GODADDY.COM.\n", ("whois.godaddy.com", 43)),
        ("refer:        whois.nic.io\n", ("whois.nic.io", 43)),
        ("ReferralServer: whois://whois.example.net:4343\n", ("whois.example.net", 4343)),
        ("Registrar WHOIS Server: whois.example.net:4343\n", None),  # a port only in a URL
        ("Registrar WHOIS Server:\n", None),
        ("Registrar WHOIS Server: not a host\n", None),
    ],
)
def test_referral_lines_are_read(text: str, expected: tuple[str, int] | None) -> None:
    assert referral("Domain Name: X.IO\n" + text) == expected
