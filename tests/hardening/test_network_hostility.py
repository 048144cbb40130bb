"""Hostile registries: links and redirects into the local network, downgrades, absurd bodies."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from checker.lookup.bootstrap import parse_bootstrap
from checker.lookup.rdap import MAX_JSON_NODES, RdapClient
from checker.model import LookupFailure, Registration
from checker.net.http import HostLimiter, make_client
from tests.servers.rdap import FakeRegistry, RdapServer, StubResolver, synthetic_domain

#: Where a hostile registry may point: cloud metadata, the host itself, the LAN, IPv6 tricks.
INTERNAL_TARGETS = [
    "https://169.254.169.254/rdap/domain/victim.com",
    "https://[fe80::1]/rdap/domain/victim.com",
    "https://127.0.0.1:8443/rdap/domain/victim.com",
    "https://2130706433/rdap/domain/victim.com",  # 127.0.0.1 written as one number
    "https://0x7f.1/rdap/domain/victim.com",
    "https://[::ffff:10.0.0.1]/rdap/domain/victim.com",
    "https://[64:ff9b::a9fe:a9fe]/rdap/domain/victim.com",  # NAT64 of 169.254.169.254
    "https://internal.example/rdap/domain/victim.com",  # resolves to 192.168.1.10
    "http://rdap.public.example/rdap/domain/victim.com",  # public, but not https
    "https://user:pw@rdap.public.example/rdap/domain/victim.com",
]
RESOLVER = StubResolver(
    {"internal.example": ["192.168.1.10"], "rdap.public.example": ["198.51.100.7"]}
)


@pytest.fixture
def registry() -> Iterator[tuple[RdapServer, FakeRegistry]]:
    with RdapServer() as server:
        yield server, server.add_registry("registry", ["com"])


def lookup(server: RdapServer, name: str) -> Registration | LookupFailure:
    bootstrap = parse_bootstrap(json.dumps(server.bootstrap_document()).encode(), source="t")

    async def run() -> Registration | LookupFailure:
        async with make_client() as client:
            rdap = RdapClient(
                bootstrap, client, limiter=HostLimiter(), timeout=5, resolver=RESOLVER, retries=0
            )
            return await rdap.lookup(name, follow_registrar=lambda _: True)

    return asyncio.run(run())


@pytest.mark.parametrize("target", INTERNAL_TARGETS)
def test_a_registrar_link_into_the_local_network_is_never_followed(
    registry: tuple[RdapServer, FakeRegistry], target: str
) -> None:
    server, com = registry
    body = synthetic_domain("victim.com", expiration=None)  # no expiry: the registrar is asked
    body["links"] = [{"rel": "related", "href": target, "type": "application/rdap+json"}]
    com.add("victim.com", body)
    answer = lookup(server, "victim.com")
    assert isinstance(answer, Registration)
    assert answer.registrar_url is None
    assert len(answer.notes) == 1
    assert answer.notes[0].startswith(f"registrar link {target} not followed: ")
    assert com.requests == 1  # nothing but the registry question was sent


@pytest.mark.parametrize("target", INTERNAL_TARGETS)
def test_a_registry_redirect_into_the_local_network_is_refused(
    registry: tuple[RdapServer, FakeRegistry], target: str
) -> None:
    server, com = registry
    com.redirect("victim.com", target)
    answer = lookup(server, "victim.com")
    assert isinstance(answer, LookupFailure)
    assert "refused" in answer.message
    assert "redirect to" in answer.message or "redirect from https to http" in answer.message
    assert com.requests == 1


def test_an_https_registry_redirecting_to_http_is_refused() -> None:
    from tests.servers.rdap import Fault, client_ssl_context

    with RdapServer() as server:
        secure = server.add_registry("secure", ["com"], tls=True)
        secure.fault("victim.com", Fault.DOWNGRADE_REDIRECT)
        bootstrap = parse_bootstrap(json.dumps(server.bootstrap_document()).encode(), source="t")

        async def run() -> Registration | LookupFailure:
            async with make_client(verify=client_ssl_context()) as client:
                rdap = RdapClient(bootstrap, client, limiter=HostLimiter(), timeout=5)
                return await rdap.lookup("victim.com", follow_registrar=lambda _: True)

        answer = asyncio.run(run())
        assert secure.requests == 1  # the http URL was never asked
    assert isinstance(answer, LookupFailure)
    assert "redirect from https to http refused" in answer.message


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nests too deeply"),
        (b'{"objectClassName": "domain", "x": ' + b"[" * 60 + b"]" * 60 + b"}", "deeper than"),
        (b"[" + b"0," * MAX_JSON_NODES + b"0]", "more than 250000 JSON values"),
        (b'{"a": ' * 20_000 + b"1" + b"}" * 20_000, "nest"),
        (json.dumps({"objectClassName": "domain", "ldhName": "x" * 1_500_000}).encode(), "not"),
    ],
    ids=["100k-nested-arrays", "61-levels", "250k-values", "20k-nested-objects", "1.5MB-name"],
)
def test_absurd_rdap_bodies_are_refused_cleanly(
    registry: tuple[RdapServer, FakeRegistry], body: bytes, reason: str
) -> None:
    server, com = registry
    com.add("victim.com", body)
    answer = lookup(server, "victim.com")
    assert isinstance(answer, LookupFailure)
    assert reason in answer.message
    assert len(answer.message) < 500
