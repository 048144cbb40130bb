"""DnsChecker against a real DNS server on loopback (UDP and TCP wire protocol)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Sequence

import pytest

from checker.lookup.dns import MAX_MAIL_DOMAINS, DnsChecker
from checker.model import DnsInfo
from tests.servers.dns import Fault, LoopbackDnsServer

TIMEOUT = 0.4

ZONE = """
live.example.        300 IN NS ns1.dnshost.example.
live.example.        300 IN NS NS2.DNSHOST.EXAMPLE.
live.example.        300 IN MX 10 mx.live.example.
mx.live.example.     300 IN A 192.0.2.25
shop.live.example.   300 IN A 192.0.2.80
v6.live.example.     300 IN AAAA 2001:db8::25
nullmx.example.      300 IN NS ns1.dnshost.example.
nullmx.example.      300 IN MX 0 .
nullmx.example.      300 IN A 192.0.2.10
bare.example.        300 IN NS ns1.dnshost.example.
bare.example.        300 IN TXT "v=spf1 -all"
undelegated.example. 300 IN A 192.0.2.99
parked.example.      300 IN NS NS1.SEDOPARKING.COM.
parked.example.      300 IN NS ns2.sedoparking.com.
lookalike.example.   300 IN NS ns1.notsedoparking.com.
xn--bcher-kva.example. 300 IN NS ns1.dnshost.example.
xn--bcher-kva.example. 300 IN MX 10 mx.live.example.
alias.live.example.  300 IN CNAME shop.live.example.
"""


@pytest.fixture
def server() -> Iterator[LoopbackDnsServer]:
    with LoopbackDnsServer(ZONE) as running:
        yield running


def check(server: LoopbackDnsServer, registrable: str, mail_domains: Sequence[str] = ()) -> DnsInfo:
    checker = DnsChecker(nameserver=server.address, timeout=TIMEOUT)
    return asyncio.run(checker.check(registrable, mail_domains))


def test_delegated_domain_with_mx_reports_nameservers_and_mail_route(
    server: LoopbackDnsServer,
) -> None:
    info = check(server, "live.example", ["live.example"])

    assert info.nxdomain is False
    assert info.nameservers == ("ns1.dnshost.example", "ns2.dnshost.example")
    assert info.mail_routes == {"live.example": True}
    assert info.parked_by is None
    assert info.error is None
    host, port = server.address
    assert info.resolver == f"{host}:{port}"
    # An MX answer settles the route: no implicit-MX questions are asked.
    assert sorted(server.queries_for("live.example")) == [("MX", "udp"), ("NS", "udp")]


def test_nxdomain_registrable_domain_is_reported_as_nonexistent(
    server: LoopbackDnsServer,
) -> None:
    info = check(server, "gone.example", ["gone.example", "mail.gone.example"])

    assert info.nxdomain is True
    assert info.nameservers is None  # no zone, so no "registered but undelegated"
    assert info.mail_routes == {"gone.example": False, "mail.gone.example": False}
    assert info.error is None


def test_registered_name_without_ns_records_gives_empty_nameservers(
    server: LoopbackDnsServer,
) -> None:
    info = check(server, "undelegated.example")

    assert info.nxdomain is False
    assert info.nameservers == ()
    assert info.error is None


def test_mail_domain_with_only_an_a_record_has_an_implicit_mx_route(
    server: LoopbackDnsServer,
) -> None:
    info = check(server, "live.example", ["shop.live.example"])

    assert info.mail_routes == {"shop.live.example": True}
    asked = server.queries_for("shop.live.example")
    assert asked[0] == ("MX", "udp")
    assert sorted(asked[1:]) == [("A", "udp"), ("AAAA", "udp")]


def test_mail_domain_with_only_an_aaaa_record_has_a_route(server: LoopbackDnsServer) -> None:
    info = check(server, "live.example", ["v6.live.example"])

    assert info.mail_routes == {"v6.live.example": True}


def test_mail_domain_behind_a_cname_to_an_address_has_a_route(
    server: LoopbackDnsServer,
) -> None:
    info = check(server, "live.example", ["alias.live.example"])

    assert info.mail_routes == {"alias.live.example": True}
    assert info.error is None


def test_null_mx_means_no_mail_route_even_with_an_address(server: LoopbackDnsServer) -> None:
    info = check(server, "nullmx.example", ["nullmx.example"])

    assert info.mail_routes == {"nullmx.example": False}
    assert info.error is None
    # RFC 7505: the null MX is final, the A record is not consulted.
    assert ("A", "udp") not in server.queries_for("nullmx.example")


def test_existing_name_without_mx_or_address_has_no_mail_route(
    server: LoopbackDnsServer,
) -> None:
    info = check(server, "bare.example", ["bare.example"])

    assert info.nxdomain is False
    assert info.mail_routes == {"bare.example": False}
    assert info.error is None


def test_servfail_on_ns_leaves_delegation_unknown_with_the_server_named(
    server: LoopbackDnsServer,
) -> None:
    server.set_fault("live.example", Fault.SERVFAIL, qtype="NS")

    info = check(server, "live.example", ["live.example"])

    assert info.nxdomain is None
    assert info.nameservers is None
    assert info.parked_by is None
    assert info.error is not None
    host, port = server.address
    assert "SERVFAIL" in info.error
    assert f"{host}:{port}" in info.error
    assert "NS live.example" in info.error
    # The MX question was unaffected and still counts.
    assert info.mail_routes == {"live.example": True}


def test_refused_mx_leaves_the_mail_route_unknown_not_false(server: LoopbackDnsServer) -> None:
    server.set_fault("live.example", Fault.REFUSED, qtype="MX")

    info = check(server, "live.example", ["live.example"])

    assert info.mail_routes is None
    assert info.error is not None
    assert "REFUSED" in info.error
    assert "MX live.example" in info.error
    assert info.nameservers == ("ns1.dnshost.example", "ns2.dnshost.example")


def test_unanswered_questions_end_within_a_bounded_time(server: LoopbackDnsServer) -> None:
    server.set_fault("live.example", Fault.DROP)

    started = time.monotonic()
    info = check(server, "live.example", ["live.example"])
    elapsed = time.monotonic() - started

    assert elapsed < 5 * TIMEOUT + 1.0  # generous: one lifetime per question, run together
    assert info.nxdomain is None
    assert info.nameservers is None
    assert info.mail_routes is None
    assert info.error is not None
    assert "no answer" in info.error


def test_timeout_on_the_address_fallback_keeps_the_route_unknown(
    server: LoopbackDnsServer,
) -> None:
    # MX says "no data", then the A/AAAA questions go unanswered: that is not "no route".
    server.set_fault("bare.example", Fault.DROP, qtype="A")
    server.set_fault("bare.example", Fault.DROP, qtype="AAAA")

    info = check(server, "bare.example", ["bare.example"])

    assert info.mail_routes is None
    assert info.error is not None
    assert "A bare.example" in info.error


def test_truncated_udp_answer_is_retried_over_tcp(server: LoopbackDnsServer) -> None:
    server.set_fault("parked.example", Fault.TRUNCATE, qtype="NS")

    info = check(server, "parked.example")

    assert info.nameservers == ("ns1.sedoparking.com", "ns2.sedoparking.com")
    assert server.queries_for("parked.example") == [("NS", "udp"), ("NS", "tcp")]
    assert info.error is None


def test_malformed_answer_is_a_failure_not_an_empty_answer(server: LoopbackDnsServer) -> None:
    server.set_fault("live.example", Fault.MALFORMED, qtype="NS")

    info = check(server, "live.example")

    assert info.nxdomain is None
    assert info.nameservers is None
    assert info.error is not None
    assert "NS live.example" in info.error


def test_nameservers_at_a_parking_service_name_the_service(server: LoopbackDnsServer) -> None:
    info = check(server, "parked.example")

    assert info.parked_by == "Sedo"
    assert info.nxdomain is False


def test_lookalike_parking_nameserver_is_not_a_match(server: LoopbackDnsServer) -> None:
    info = check(server, "lookalike.example")

    assert info.nameservers == ("ns1.notsedoparking.com",)
    assert info.parked_by is None


def test_unicode_names_are_asked_as_a_labels(server: LoopbackDnsServer) -> None:
    info = check(server, "Bücher.example", ["bücher.example"])

    assert info.nxdomain is False
    assert info.nameservers == ("ns1.dnshost.example",)
    assert info.mail_routes == {"bücher.example": True}
    assert sorted(server.queries_for("xn--bcher-kva.example")) == [("MX", "udp"), ("NS", "udp")]


def test_invalid_names_are_reported_without_asking(server: LoopbackDnsServer) -> None:
    too_long = "a" * 64 + ".example"

    info = check(server, too_long, ["bad..example"])

    assert info.nxdomain is None
    assert info.nameservers is None
    assert info.mail_routes is None
    assert info.error is not None
    assert "not a valid domain name" in info.error
    assert server.queries == []


def test_repeated_mail_domains_are_asked_once(server: LoopbackDnsServer) -> None:
    info = check(server, "live.example", ["live.example", "LIVE.example.", "live.example"])

    assert info.mail_routes == {"live.example": True}
    assert server.queries_for("live.example").count(("MX", "udp")) == 1


def test_too_many_mail_domains_are_capped_and_said_so(server: LoopbackDnsServer) -> None:
    domains = [f"m{i}.live.example" for i in range(MAX_MAIL_DOMAINS + 2)]

    info = check(server, "live.example", domains)

    assert info.mail_routes is not None
    assert len(info.mail_routes) == MAX_MAIL_DOMAINS
    assert info.error is not None
    assert "2 mail domains beyond" in info.error


def test_one_checker_serves_several_runs(server: LoopbackDnsServer) -> None:
    checker = DnsChecker(nameserver=server.address, timeout=TIMEOUT)

    first = asyncio.run(checker.check("live.example", []))
    second = asyncio.run(checker.check("parked.example", []))

    assert first.nameservers == ("ns1.dnshost.example", "ns2.dnshost.example")
    assert second.parked_by == "Sedo"
    # No resolver cache: asking again goes back to the server.
    asyncio.run(checker.check("live.example", []))
    assert server.queries_for("live.example").count(("NS", "udp")) == 2


def test_a_check_cut_short_by_a_deadline_leaves_no_question_running(
    server: LoopbackDnsServer,
) -> None:
    server.set_fault("live.example", Fault.DROP)
    checker = DnsChecker(nameserver=server.address, timeout=TIMEOUT)

    async def run() -> list[asyncio.Task[object]]:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(checker.check("live.example", ["live.example"]), 0.1)
        return [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]

    assert asyncio.run(run()) == []
