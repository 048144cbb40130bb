"""The mail path end to end: loopback RDAP registries, a recursive DNS server on the wire,
and authoritative servers on distinct 127.0.0.x addresses sharing one port."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from checker.lookup.run import run_assessment
from checker.model import DomainResult, ReasonCode, Risk
from checker.settings import LookupSettings
from tests.servers.dns import Fault, LoopbackDnsServer, authoritative_servers
from tests.servers.rdap import FakeRegistry, RdapServer, synthetic_domain
from tests.servers.rdap import Fault as RdapFault

# The cache prunes by the real clock: the runs happen now.
NOW = datetime.now(timezone.utc).replace(microsecond=0)
GOOD, GOOD2, LAME1, LAME2, SILENT = "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"

# The recursive view: delegations, mail routes and the nameserver hosts' addresses.
RECURSIVE = f"""
good-dns.net.               300 IN NS ns1.good-dns.net.
good-mail.net.              300 IN NS ns1.good-dns.net.
lamehost.net.               300 IN NS ns1.good-dns.net.
blackhole.net.              300 IN NS ns1.good-dns.net.
redeem-dns.net.             300 IN NS ns1.good-dns.net.
ns1.good-dns.net.           300 IN A {GOOD}
ns2.good-dns.net.           300 IN A {GOOD2}
ns1.small-dns-host.net.     300 IN A {GOOD}
ns1.redeem-dns.net.         300 IN A {GOOD}
ns1.broken-dns.net.         300 IN A {GOOD}
ns1.hang-dns.net.           300 IN A {GOOD}
ns-hang.org.                300 IN NS ns1.hang-dns.net.
internal-dns.net.           300 IN NS ns1.good-dns.net.
ns1.internal-dns.net.       300 IN A 10.1.2.3
private-ns.org.             300 IN NS ns1.internal-dns.net.
ns-broken.org.              300 IN NS ns1.broken-dns.net.
ns1.lamehost.net.           300 IN A {LAME1}
ns2.lamehost.net.           300 IN A {LAME2}
ns1.blackhole.net.          300 IN A {SILENT}
ns12.dnsmadeeasy.com.       300 IN A {LAME1}
ns1.inbailiwick.org.        300 IN A {GOOD}
ns-lapsed.org.              300 IN NS ns1.small-dns-host.net.
ns-redemption.org.          300 IN NS ns1.redeem-dns.net.
ns-healthy.org.             300 IN NS ns1.good-dns.net.
ns-healthy.org.             300 IN NS ns2.good-dns.net.
ns-healthy.org.             300 IN MX 10 mx.good-mail.net.
mx-lapsed.org.              300 IN NS ns1.good-dns.net.
mx-lapsed.org.              300 IN MX 10 mail.old-mail-provider.com.
mx-cname.org.               300 IN NS ns1.good-dns.net.
mx-cname.org.               300 IN MX 10 mail.mx-cname.org.
mail.mx-cname.org.          300 IN CNAME mx.gone-mail.com.
inbailiwick.org.            300 IN NS ns1.inbailiwick.org.
inbailiwick.org.            300 IN MX 10 mail.inbailiwick.org.
mail.inbailiwick.org.       300 IN A 192.0.2.25
provider-mx.org.            300 IN NS ns1.good-dns.net.
provider-mx.org.            300 IN MX 1 aspmx.l.google.com.
aspmx.l.google.com.         300 IN A 192.0.2.26
all-lame.org.               300 IN NS ns1.lamehost.net.
all-lame.org.               300 IN NS ns2.lamehost.net.
some-lame.org.              300 IN NS ns1.good-dns.net.
some-lame.org.              300 IN NS ns1.lamehost.net.
not-auth.org.               300 IN NS ns2.lamehost.net.
ducks.org.                  300 IN NS ns12.dnsmadeeasy.com.
silent.org.                 300 IN NS ns1.good-dns.net.
silent.org.                 300 IN NS ns1.blackhole.net.
dangling.org.               300 IN NS ns1.good-dns.net.
dangling.org.               300 IN NS ns9.good-dns.net.
"""
NO_MX = [
    "ns-lapsed.org", "ns-redemption.org", "ns-broken.org", "some-lame.org", "silent.org",
    "dangling.org", "all-lame.org", "not-auth.org", "ducks.org", "private-ns.org", "ns-hang.org",
]  # fmt: skip
RECURSIVE += "".join(f"{zone}. 300 IN A 192.0.2.1\n" for zone in NO_MX)
SERVED = [
    "ns-lapsed.org", "ns-redemption.org", "ns-healthy.org", "mx-lapsed.org", "mx-cname.org",
    "inbailiwick.org", "provider-mx.org", "some-lame.org", "silent.org", "dangling.org",
    "ns-broken.org", "ns-hang.org",
]  # fmt: skip


def _soa(zone: str) -> str:
    return f"{zone}. 300 IN SOA ns1.good-dns.net. hostmaster.{zone}. 1 7200 3600 1209600 300"


@dataclass
class World:
    rdap: RdapServer
    org: FakeRegistry
    net: FakeRegistry
    com: FakeRegistry
    recursive: LoopbackDnsServer
    port: int
    tmp: Path

    def settings(self, **changes: object) -> LookupSettings:
        values: dict[str, object] = {
            "rdap_bootstrap": str(self.rdap.write_bootstrap(self.tmp / "bootstrap.json")),
            "nameserver": self.recursive.address,
            "authoritative_port": self.port,
            "authoritative_loopback": True,
            "cache_dir": self.tmp / "cache",
            "timeout": 0.5,
        }
        values.update(changes)
        return LookupSettings(**values)  # type: ignore[arg-type]

    def run(self, *domains: str, **changes: object) -> dict[str, DomainResult]:
        results, _, _ = run_assessment(
            {d: [d] for d in domains}, self.settings(**changes), now=NOW, progress=False
        )
        return {r.domain: r for r in results}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    servers = authoritative_servers([GOOD, GOOD2, LAME1, LAME2, SILENT])
    good, good2, lame1, lame2, silent = servers
    for server in (good, good2):
        server.add_records("\n".join(_soa(zone) for zone in SERVED))
    lame1.set_fault("all-lame.org", Fault.REFUSED)
    lame1.set_fault("some-lame.org", Fault.SERVFAIL)
    lame1.set_fault("ducks.org", Fault.REFUSED)
    lame2.set_fault("all-lame.org", Fault.NXDOMAIN)
    lame2.add_records(_soa("not-auth.org"))
    lame2.set_fault("not-auth.org", Fault.NOT_AUTHORITATIVE)
    silent.set_fault("silent.org", Fault.DROP)
    for server in servers:
        server.start()
    try:
        with RdapServer() as rdap, LoopbackDnsServer(RECURSIVE) as recursive:
            org = rdap.add_registry("pir", ["org"])
            net = rdap.add_registry("verisign-net", ["net"])
            com = rdap.add_registry("verisign-com", ["com"])
            net.add("internal-dns.net", synthetic_domain("internal-dns.net"))
            for zone in [*SERVED, "all-lame.org", "not-auth.org", "ducks.org", "private-ns.org"]:
                org.add(zone, synthetic_domain(zone, nameservers=()))
            net.add("good-dns.net", synthetic_domain("good-dns.net"))
            net.add("good-mail.net", synthetic_domain("good-mail.net"))
            net.add("lamehost.net", synthetic_domain("lamehost.net"))
            net.add("blackhole.net", synthetic_domain("blackhole.net"))
            net.add(
                "redeem-dns.net",
                synthetic_domain("redeem-dns.net", statuses=["redemption period"]),
            )
            net.fault("broken-dns.net", RdapFault.HTML_403)
            net.fault("hang-dns.net", RdapFault.HANG)
            # small-dns-host.net, old-mail-provider.com, gone-mail.com: not registered (404)
            yield World(rdap, org, net, com, recursive, good.address[1], tmp_path)
    finally:
        for server in servers:
            server.stop()


def codes(result: DomainResult) -> list[str]:
    return [reason.code.value for reason in result.reasons]


def only(result: DomainResult, code: ReasonCode) -> str:
    messages = [r.message for r in result.reasons if r.code is code]
    assert len(messages) == 1, result.reasons
    return messages[0]


def test_unregistered_nameserver_domain_is_critical_for_the_domain_it_serves(world: World) -> None:
    result = world.run("ns-lapsed.org")["ns-lapsed.org"]

    assert result.risk is Risk.CRITICAL
    message = only(result, ReasonCode.NAMESERVER_AT_RISK)
    assert "ns1.small-dns-host.net" in message
    assert "small-dns-host.net, which is critical: unregistered" in message
    assert result.registration is not None
    assert result.registration.registered


def test_nameserver_domain_in_redemption_passes_its_reason_on(world: World) -> None:
    result = world.run("ns-redemption.org")["ns-redemption.org"]

    assert result.risk is Risk.CRITICAL
    assert "redemption" in only(result, ReasonCode.NAMESERVER_AT_RISK)


def test_a_nameserver_domain_that_cannot_be_checked_leaves_the_domain_unknown(
    world: World,
) -> None:
    result = world.run("ns-broken.org")["ns-broken.org"]

    assert result.risk is Risk.UNKNOWN
    assert "broken-dns.net, which is unknown" in only(result, ReasonCode.NAMESERVER_AT_RISK)


def test_at_the_deadline_the_domain_keeps_its_own_verdict(world: World) -> None:
    result = world.run("ns-hang.org", deadline=1.5, timeout=5.0)["ns-hang.org"]

    assert result.registration is not None
    assert result.registration.registered
    assert result.risk is Risk.UNKNOWN
    assert "deadline passed before its nameservers" in only(result, ReasonCode.LOOKUP_FAILED)


def test_healthy_nameserver_and_mail_host_domains_leave_the_domain_healthy(world: World) -> None:
    result = world.run("ns-healthy.org")["ns-healthy.org"]

    assert (result.risk, codes(result)) == (Risk.NONE, [])
    assert world.net.requests_for("good-dns.net") == 1
    assert world.net.requests_for("good-mail.net") == 1


def test_unregistered_mail_host_domain_is_critical(world: World) -> None:
    result = world.run("mx-lapsed.org")["mx-lapsed.org"]

    assert result.risk is Risk.CRITICAL
    message = only(result, ReasonCode.MAIL_HOST_AT_RISK)
    assert "mail.old-mail-provider.com under old-mail-provider.com" in message


def test_the_target_of_an_mx_that_is_a_cname_is_followed(world: World) -> None:
    result = world.run("mx-cname.org")["mx-cname.org"]

    assert result.risk is Risk.CRITICAL
    message = only(result, ReasonCode.MAIL_HOST_AT_RISK)
    assert "mx.gone-mail.com (the target of MX mail.mx-cname.org) under gone-mail.com" in message
    # mail.mx-cname.org itself is in-bailiwick: only the CNAME target's domain was asked
    assert world.org.requests_for("mx-cname.org") == 1


def test_in_bailiwick_and_large_provider_hosts_are_not_looked_up(world: World) -> None:
    results = world.run("inbailiwick.org", "provider-mx.org")

    assert codes(results["inbailiwick.org"]) == []
    assert codes(results["provider-mx.org"]) == []
    assert world.org.requests_for("inbailiwick.org") == 1  # its own lookup, once
    assert world.com.requests_for("google.com") == 0


def test_a_domain_every_nameserver_refuses_is_a_high_lame_delegation(world: World) -> None:
    result = world.run("all-lame.org")["all-lame.org"]

    assert result.risk is Risk.HIGH
    message = only(result, ReasonCode.LAME_DELEGATION)
    assert "ns1.lamehost.net" in message
    assert "REFUSED" in message
    assert "ns2.lamehost.net" in message
    assert "NXDOMAIN" in message


def test_an_answer_without_the_authoritative_bit_is_lame(world: World) -> None:
    result = world.run("not-auth.org")["not-auth.org"]

    assert result.risk is Risk.HIGH
    assert "without the authoritative bit" in only(result, ReasonCode.LAME_DELEGATION)


def test_some_lame_nameservers_are_medium(world: World) -> None:
    result = world.run("some-lame.org")["some-lame.org"]

    assert result.risk is Risk.MEDIUM
    message = only(result, ReasonCode.LAME_DELEGATION)
    assert "ns1.lamehost.net" in message
    assert "SERVFAIL" in message
    assert "ns1.good-dns.net do" in message


def test_no_lame_nameserver_no_finding(world: World) -> None:
    result = world.run("ns-healthy.org")["ns-healthy.org"]

    assert ReasonCode.LAME_DELEGATION not in {r.code for r in result.reasons}


def test_a_nameserver_whose_name_does_not_exist_is_lame(world: World) -> None:
    result = world.run("dangling.org")["dangling.org"]

    assert result.risk is Risk.MEDIUM
    assert "ns9.good-dns.net has no address" in only(result, ReasonCode.LAME_DELEGATION)


def test_lame_at_a_provider_that_lets_anyone_claim_a_zone_is_critical(world: World) -> None:
    result = world.run("ducks.org")["ducks.org"]

    assert result.risk is Risk.CRITICAL
    message = only(result, ReasonCode.LAME_DELEGATION)
    assert "DNS Made Easy" in message
    assert "can-i-take-over-dns" in message


def test_a_nameserver_that_does_not_answer_is_unknown_never_lame(world: World) -> None:
    result = world.run("silent.org")["silent.org"]

    assert result.risk is Risk.UNKNOWN
    assert ReasonCode.LAME_DELEGATION not in {r.code for r in result.reasons}
    assert "ns1.blackhole.net" in only(result, ReasonCode.LOOKUP_FAILED)


def test_a_nameserver_at_a_private_address_is_not_asked(world: World) -> None:
    result = world.run("private-ns.org")["private-ns.org"]

    assert result.risk is Risk.UNKNOWN
    assert "not a public address (10.1.2.3)" in only(result, ReasonCode.LOOKUP_FAILED)


def test_loopback_nameservers_are_asked_only_when_allowed(world: World) -> None:
    result = world.run("ns-healthy.org", authoritative_loopback=False)["ns-healthy.org"]

    assert result.risk is Risk.UNKNOWN
    assert "not a public address (127.0.0.2)" in only(result, ReasonCode.LOOKUP_FAILED)


def test_host_domains_are_cached_like_maintainer_domains(world: World) -> None:
    world.run("ns-healthy.org")
    before = world.rdap.requests
    second = world.run("ns-healthy.org")["ns-healthy.org"]

    assert world.rdap.requests == before  # the warm run asks no registry at all
    assert second.risk is Risk.NONE


def test_no_mail_path_setting_turns_the_checks_off(world: World) -> None:
    result = world.run("ns-lapsed.org", mail_path=False)["ns-lapsed.org"]

    assert (result.risk, codes(result)) == (Risk.NONE, [])
    assert world.net.requests_for("small-dns-host.net") == 0


def test_a_thousand_domains_sharing_fifty_nameserver_domains_cost_fifty_requests(
    tmp_path: Path,
) -> None:
    with RdapServer() as rdap:
        com = rdap.add_registry("verisign-com", ["com"])
        net = rdap.add_registry("verisign-net", ["net"])
        domains = {}
        for i in range(1000):
            name = f"maintainer{i}.com"
            hosts = (f"ns1.dns-host-{i % 50}.net", f"ns2.dns-host-{i % 50}.net")
            com.add(name, synthetic_domain(name, nameservers=hosts))
            domains[name] = [name]
        for j in range(50):
            net.add(f"dns-host-{j}.net", synthetic_domain(f"dns-host-{j}.net"))
        settings = LookupSettings(
            rdap_bootstrap=str(rdap.write_bootstrap(tmp_path / "bootstrap.json")),
            dns=False,
            cache=False,
        )
        results, _, _ = run_assessment(domains, settings, now=NOW, progress=False)

    assert net.requests == 50
    assert com.requests == 1000
    assert all(r.risk is Risk.NONE for r in results)


def test_a_warm_run_keeps_the_mail_path_finding_without_asking_anyone(world: World) -> None:
    first = world.run("ns-lapsed.org")["ns-lapsed.org"]
    registry, resolver = world.rdap.requests, len(world.recursive.queries_for("ns-lapsed.org"))
    second = world.run("ns-lapsed.org")["ns-lapsed.org"]

    assert second.cached
    assert (world.rdap.requests, len(world.recursive.queries_for("ns-lapsed.org"))) == (
        registry,
        resolver,
    )  # answered whole from the cache: no registry, no resolver
    assert second.risk is Risk.CRITICAL
    assert only(second, ReasonCode.NAMESERVER_AT_RISK) == only(first, ReasonCode.NAMESERVER_AT_RISK)


def test_an_incomplete_mail_path_is_asked_again_on_the_next_run(world: World) -> None:
    first = world.run("ns-broken.org")["ns-broken.org"]
    assert first.risk is Risk.UNKNOWN  # broken-dns.net's registry answers 403
    before = world.net.requests_for("broken-dns.net")
    second = world.run("ns-broken.org")["ns-broken.org"]

    assert world.net.requests_for("broken-dns.net") > before
    assert second.risk is Risk.UNKNOWN


def test_a_kept_outcome_that_cannot_be_read_is_asked_again(tmp_path: Path) -> None:
    from checker.lookup.cache import Cache
    from checker.lookup.mailmemo import MailPathMemo, _key
    from checker.model import Reason

    with Cache.open(tmp_path) as cache:
        memo = MailPathMemo(cache, dns=True)
        memo.put("a.org", ["a.org"], [Reason(ReasonCode.LAME_DELEGATION, "m", Risk.HIGH)], NOW)
        assert memo.get("a.org", ["a.org"], NOW) == [
            Reason(ReasonCode.LAME_DELEGATION, "m", Risk.HIGH)
        ]
        assert memo.get("a.org", ["mail.a.org"], NOW) is None  # other questions
        assert MailPathMemo(cache, dns=False).get("a.org", ["a.org"], NOW) is None
        cache.put_blob(_key("a.org", ["a.org"], True), b'[{"code": "no-such"}]', 60, now=NOW)
        assert memo.get("a.org", ["a.org"], NOW) is None
        memo.put("b.org", ["b.org"], [Reason(ReasonCode.LOOKUP_FAILED, "x")], NOW)
        assert memo.get("b.org", ["b.org"], NOW) is None  # an incomplete outcome is not kept
