"""WhoisClient over the wire against the loopback WHOIS server."""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from checker.lookup.whois import WhoisClient, parse_server_override
from checker.model import EvidenceSource, LookupFailure, ReasonCode, Registration
from tests.conftest import FIXTURES
from tests.servers.whois import Behaviour, LoopbackWhoisServer

WHOIS = FIXTURES / "whois"


def fixture_bytes(name: str) -> bytes:
    return (WHOIS / name).read_bytes()


@pytest.fixture
def server() -> Iterator[LoopbackWhoisServer]:
    with LoopbackWhoisServer() as running:
        yield running


def client_for(server: LoopbackWhoisServer, *tlds: str, **options: float) -> WhoisClient:
    options.setdefault("spacing", 0.0)
    return WhoisClient({tld: server.address for tld in tlds}, **options)  # type: ignore[arg-type]


def url(server: LoopbackWhoisServer, domain: str) -> str:
    host, port = server.address
    return f"whois://{host}:{port}/{domain}"


def test_denic_not_found_is_unregistered_and_the_query_is_decorated(
    server: LoopbackWhoisServer,
) -> None:
    server.answer(
        "-T dn,ace u34jedzcq.de", fixture_bytes("weppos_whois.denic.de_de_status_available.txt")
    )
    result = asyncio.run(client_for(server, "de").lookup("u34jedzcq.de"))
    assert result == Registration(
        registered=False, source=EvidenceSource.WHOIS, url=url(server, "u34jedzcq.de")
    )
    assert server.queries == ["-T dn,ace u34jedzcq.de"]


def test_registered_answer_is_read_from_the_registry(server: LoopbackWhoisServer) -> None:
    server.answer("redis.io", fixture_bytes("weppos-parser_whois.nic.io_io_status_registered.txt"))
    result = asyncio.run(client_for(server, "io").lookup("Redis.IO."))
    assert isinstance(result, Registration)
    assert result.registered is True
    assert result.url == url(server, "redis.io")
    assert result.statuses == ("client transfer prohibited",)
    assert result.expires == datetime(2020, 5, 28, 22, 9, 44, tzinfo=timezone.utc)
    assert server.queries == ["redis.io"]


def test_jprs_is_asked_for_english_output(server: LoopbackWhoisServer) -> None:
    server.answer(
        "google.jp/e", fixture_bytes("weppos-whois_whois.jprs.jp_jp_status_registered.txt")
    )
    result = asyncio.run(client_for(server, "jp").lookup("google.jp"))
    assert isinstance(result, Registration)
    assert result.registered is True
    assert server.queries == ["google.jp/e"]


def test_referral_to_the_registrar_is_not_followed(server: LoopbackWhoisServer) -> None:
    # the answer names "Registrar WHOIS Server: whois.markmonitor.com"
    server.answer(
        "google.com", fixture_bytes("weppos_whois.verisign-grs.com_com_status_registered.txt")
    )
    result = asyncio.run(client_for(server, "com").lookup("google.com"))
    assert isinstance(result, Registration)
    assert result.registrar == "MarkMonitor Inc."
    assert server.queries == ["google.com"]


def test_throttled_answer_is_a_retryable_failure_not_a_verdict(server: LoopbackWhoisServer) -> None:
    server.answer(
        "-T dn,ace google.de", fixture_bytes("weppos_whois.denic.de_de_response_throttled.txt")
    )
    result = asyncio.run(client_for(server, "de").lookup("google.de"))
    assert isinstance(result, LookupFailure)
    assert result.code is ReasonCode.LOOKUP_FAILED
    assert result.retryable is True
    assert "access control limit reached" in result.message
    assert result.url == url(server, "google.de")


def test_server_that_never_answers_times_out_within_the_deadline(
    server: LoopbackWhoisServer,
) -> None:
    server.answer("-T dn,ace slow.de", "", Behaviour.HANG)
    started = time.monotonic()
    result = asyncio.run(client_for(server, "de", timeout=0.5).lookup("slow.de"))
    assert time.monotonic() - started < 3.0
    assert isinstance(result, LookupFailure)
    assert result.code is ReasonCode.LOOKUP_FAILED
    assert "no complete answer within 0.5 s" in result.message


def test_answer_dribbled_slower_than_the_timeout_is_a_failure(server: LoopbackWhoisServer) -> None:
    body = fixture_bytes("weppos_whois.denic.de_de_status_available.txt").replace(
        b"u34jedzcq", b"drip"
    )
    server.answer("-T dn,ace drip.de", body, Behaviour.DRIBBLE, delay=0.2)
    started = time.monotonic()
    result = asyncio.run(client_for(server, "de", timeout=0.5).lookup("drip.de"))
    assert time.monotonic() - started < 3.0
    assert isinstance(result, LookupFailure)
    assert "no complete answer" in result.message


def test_answer_dribbled_within_the_timeout_is_read_whole(server: LoopbackWhoisServer) -> None:
    server.answer(
        "-T dn,ace drip.de", "Domain: drip.de\nStatus: free\n", Behaviour.DRIBBLE, delay=0.005
    )
    result = asyncio.run(client_for(server, "de", timeout=5.0).lookup("drip.de"))
    assert isinstance(result, Registration)
    assert result.registered is False


def test_enormous_answer_is_cut_off_and_a_failure(server: LoopbackWhoisServer) -> None:
    server.answer("huge.io", "Domain Name: huge.io\n", Behaviour.ENORMOUS, size=8 * 1024 * 1024)
    result = asyncio.run(client_for(server, "io", max_bytes=64 * 1024).lookup("huge.io"))
    assert isinstance(result, LookupFailure)
    assert "answer larger than 65536 bytes" in result.message
    assert result.retryable is False


def test_connection_reset_mid_answer_is_a_failure(server: LoopbackWhoisServer) -> None:
    server.answer(
        "redis.io",
        fixture_bytes("weppos-parser_whois.nic.io_io_status_registered.txt"),
        Behaviour.RESET,
    )
    result = asyncio.run(client_for(server, "io").lookup("redis.io"))
    assert isinstance(result, LookupFailure)
    assert result.code is ReasonCode.LOOKUP_FAILED


def test_connection_closed_without_an_answer_is_a_failure(server: LoopbackWhoisServer) -> None:
    server.answer("quiet.io", "", Behaviour.SILENT_CLOSE)
    result = asyncio.run(client_for(server, "io").lookup("quiet.io"))
    assert isinstance(result, LookupFailure)
    assert "empty answer" in result.message


def test_connection_refused_is_a_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = WhoisClient({"de": ("127.0.0.1", port)}, spacing=0)
    result = asyncio.run(client.lookup("example.de"))
    assert result == LookupFailure(
        code=ReasonCode.LOOKUP_FAILED,
        message=f"whois://127.0.0.1:{port}/example.de: connection refused",
        url=f"whois://127.0.0.1:{port}/example.de",
        retryable=True,
    )


def test_latin1_answer_is_decoded(server: LoopbackWhoisServer) -> None:
    body = "Domain: example.se\nstatus: ok\nregistrar: Société Générale\n".encode("latin-1")
    server.answer("example.se", body)
    result = asyncio.run(client_for(server, "se").lookup("example.se"))
    assert isinstance(result, Registration)
    assert result.registrar == "Société Générale"


def test_tld_without_a_server_is_unsupported_and_nothing_is_sent(
    server: LoopbackWhoisServer,
) -> None:
    client = client_for(server, "de")
    assert client.covers("example.de") is True
    assert client.covers("example.io") is True  # from the shipped table
    assert client.covers("example.com") is False  # .com has RDAP
    result = asyncio.run(client.lookup("example.com"))
    assert isinstance(result, LookupFailure)
    assert result.code is ReasonCode.UNSUPPORTED_TLD
    assert server.queries == []


@pytest.mark.parametrize("bad", ["exa mple.de", "example.de\r\nhelp", "-example.de", "de", ""])
def test_name_that_is_not_a_domain_is_never_sent(server: LoopbackWhoisServer, bad: str) -> None:
    result = asyncio.run(client_for(server, "de").lookup(bad))
    assert isinstance(result, LookupFailure)
    assert server.queries == []


def test_one_query_at_a_time_per_server(server: LoopbackWhoisServer) -> None:
    names = [f"n{index}.io" for index in range(4)]
    for name in names:
        server.answer(
            name, f"Domain Name: {name}\nDomain Status: ok\n", Behaviour.DRIBBLE, delay=0.002
        )
    client = client_for(server, "io", per_server=1)

    async def all_at_once() -> list[Registration | LookupFailure]:
        return list(await asyncio.gather(*(client.lookup(name) for name in names)))

    results = asyncio.run(all_at_once())
    assert all(isinstance(r, Registration) and r.registered for r in results)
    assert sorted(server.queries) == names
    assert server.max_concurrent == 1


def test_queries_to_one_server_are_spaced_apart(server: LoopbackWhoisServer) -> None:
    names = [f"s{index}.io" for index in range(3)]
    for name in names:
        server.answer(name, f"Domain Name: {name}\nDomain Status: ok\n")
    client = client_for(server, "io", per_server=2, spacing=0.3)

    async def all_at_once() -> None:
        await asyncio.gather(*(client.lookup(name) for name in names))

    asyncio.run(all_at_once())
    times = server.query_times
    assert len(times) == 3
    assert all(later - earlier >= 0.2 for earlier, later in itertools.pairwise(times))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("de=whois.denic.de", ("de", ("whois.denic.de", 43))),
        (".DE=Whois.Denic.De:4343", ("de", ("whois.denic.de", 4343))),
        ("io=127.0.0.1:10043", ("io", ("127.0.0.1", 10043))),
        ("ch=[::1]:4343", ("ch", ("::1", 4343))),
        ("ch=::1", ("ch", ("::1", 43))),
        ("co.uk=whois.example", ("co.uk", ("whois.example", 43))),
        ("рф=whois.tcinet.ru", ("xn--p1ai", ("whois.tcinet.ru", 43))),
    ],
)
def test_whois_server_option_is_parsed(text: str, expected: tuple[str, tuple[str, int]]) -> None:
    assert parse_server_override(text) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("whois.denic.de", "TLD=HOST"),
        ("de=", "TLD=HOST"),
        ("=whois.denic.de", "TLD=HOST"),
        ("d e=whois.denic.de", "is not a TLD"),
        ("de=whois.denic.de:", "missing port"),
        ("de=whois.denic.de:0", "port must be a number from 1 to 65535"),
        ("de=whois.denic.de:65536", "port must be a number from 1 to 65535"),
        ("de=whois.denic.de:http", "port must be a number"),
        ("de=who is.example", "is not a host name"),
        ("de=[::1", "unbalanced brackets"),
        ("de=[example]:43", "is not an IPv6 address"),
        ("de=1:2:3", "is not an IPv6 address"),
    ],
)
def test_bad_whois_server_option_says_what_is_wrong(text: str, why: str) -> None:
    with pytest.raises(ValueError, match="--whois-server") as raised:
        parse_server_override(text)
    assert why in str(raised.value)
