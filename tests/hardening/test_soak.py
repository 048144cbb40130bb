"""Soak: 1,000 domains through the real CLI, a quarter of them faulty in every way we know.

Loopback RDAP registries, WHOIS servers and a DNS resolver answer ``domain-guard domain
... --format json`` run as a child process. 750 domains are healthy (100 of them behind
a registry that answers 429 to more than three requests at once); 148 fail persistently
(every RDAP fault of ``tests/servers/rdap.py``, an overloaded registry answering only 429
or 503, WHOIS hangs, resets, floods, dribbles, silence, rate-limit texts and answers
about another name, DNS SERVFAIL); 102 fail transiently in the ways a run is built to
ride out (a reset connection, a 503, a 429 with ``Retry-After``, each once). Timeouts,
5xx other than 503 and SERVFAIL are not retried within a run (a failure is never
cached, so the next run asks again): those are persistent faults here.

Asserted: no persistently faulty domain reads ``none`` (each is ``unknown``, lookup
failed), every healthy and transiently faulty domain is ``none``, the run ends within its
deadline, the child's peak memory stays under 300 MB, no traceback, nothing but loopback.
About 25 s on the shared 2-core machine (a persistently throttling registry is the
slowest part: each of its names costs four 1 s pauses, one after another).
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from dnslib import MX, NS, QTYPE, RCODE, RR, DNSRecord

from tests.hardening.cli import CliRun, run_cli
from tests.servers.dns import LoopbackDnsServer
from tests.servers.rdap import FakeRegistry, Fault, RdapServer, synthetic_domain
from tests.servers.whois import Behaviour, LoopbackWhoisServer

TIMEOUT = 3.0
DEADLINE = 40.0
#: Registries (one loopback host each) holding healthy, transient and most faulty names.
MIXED_TLDS = ("com", "org", "net", "xyz", "biz", "app", "dev", "site", "online", "shop")
#: Faults that make the limiter pause and halve a host: they get a registry of their own
#: (an overloaded registry), or a handful of names would throttle a registry's thousands.
OVERLOADED = (Fault.HTTP_503,)
RDAP_FAULTS = [f for f in Fault if f is not Fault.DOWNGRADE_REDIRECT]  # that one needs TLS
TRANSIENT = ("reset", "503", "429")
WHOIS_TLDS = ("us", "ws", "la", "so")
WHOIS_FAULTS = [
    (Behaviour.HANG, "Domain Name: {d}\n"),
    (Behaviour.RESET, "Domain Name: {d}\nDomain Status: ok\n"),
    (Behaviour.ENORMOUS, "Domain Name: {d}\nDomain Status: ok\n"),
    (Behaviour.SILENT_CLOSE, ""),
    (Behaviour.ANSWER, "% Query rate limit exceeded. Try again later.\n"),
    (Behaviour.ANSWER, "\x00\xff garbage \x1b[31m no record here\n"),
    (Behaviour.ANSWER, "Domain Name: someone-else.{t}\nDomain Status: ok\n"),
    (Behaviour.DRIBBLE, "Domain Name: {d}\nRegistry Expiry Date: 2035-01-01T00:00:00Z\n"),
]


class TransientRegistry(FakeRegistry):
    """A registry that misbehaves for the first ``times`` requests about some domains."""

    def __init__(self, name: str, tlds: list[str]) -> None:
        super().__init__(
            name, tlds, latency=0.0, max_concurrency=None, retry_after=1, tls=False,
            not_found="empty", prefix="/rdap/",
        )  # fmt: skip
        self.transient: dict[str, tuple[str, int]] = {}
        self.faulted: dict[str, int] = {}

    async def _route(
        self, target: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        domain = target.split("?", 1)[0].rsplit("/domain/", 1)[-1].lower()
        kind, times = self.transient.get(domain, ("", 0))
        if self.faulted.get(domain, 0) >= times:
            return await super()._route(target, reader, writer)
        self.faulted[domain] = self.faulted.get(domain, 0) + 1
        if kind == "reset":
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        status, extra = (503, "") if kind == "503" else (429, "Retry-After: 1\r\n")
        head = (
            f"HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\n{extra}Content-Length: 4\r\n\r\n"
        )
        writer.write(head.encode() + b"busy")
        await writer.drain()
        return True


def add_transient_registry(server: RdapServer, name: str, tlds: list[str]) -> TransientRegistry:
    """Start a :class:`TransientRegistry` on ``server`` (as ``add_registry`` does)."""
    registry = TransientRegistry(name, tlds)
    registry.port = server._call(server._listen(registry))
    server.registries.append(registry)
    return registry


class WildcardDns(LoopbackDnsServer):
    """NS and MX for every name in ``zone``, NXDOMAIN elsewhere, SERVFAIL for ``servfail``.

    Indexed by name: the base server scans every record per question, too slow for 1,000.
    """

    def __init__(self) -> None:
        super().__init__()
        self.zone: set[str] = set()
        self.servfail: set[str] = set()

    def _respond(self, data: bytes, transport: str) -> bytes | None:
        try:
            request = DNSRecord.parse(data)
        except Exception:
            return None
        question = request.questions[0]
        name = str(question.qname).rstrip(".").lower()
        reply = request.reply(ra=1, aa=0)
        if name in self.servfail:
            reply.header.rcode = RCODE.SERVFAIL
        elif name not in self.zone:
            reply.header.rcode = RCODE.NXDOMAIN
        elif question.qtype == QTYPE.NS:
            reply.add_answer(RR(name, QTYPE.NS, rdata=NS("ns1.soak-hosting.net"), ttl=300))
        elif question.qtype == QTYPE.MX:
            reply.add_answer(RR(name, QTYPE.MX, rdata=MX(f"mail.{name}"), ttl=300))
        return bytes(reply.pack())


@dataclass
class World:
    healthy: list[str] = field(default_factory=list)
    transient: list[str] = field(default_factory=list)
    persistent: dict[str, str] = field(default_factory=dict)  # domain -> fault
    args: list[str] = field(default_factory=list)


def _registered_whois(domain: str) -> str:
    return (
        f"Domain Name: {domain}\nRegistry Expiry Date: 2035-01-01T00:00:00Z\n"
        "Creation Date: 2015-01-01T00:00:00Z\nDomain Status: ok\n"
        "Name Server: ns1.soak-hosting.net\nRegistrar: Soak Registrar\n"
    )


@contextmanager
def build_world(base: Path) -> Iterator[World]:
    """Start the servers, plan the 1,000 domains, and give the CLI arguments to reach them."""
    world = World()
    whois_servers = [LoopbackWhoisServer() for _ in WHOIS_TLDS]
    dns = WildcardDns()
    with RdapServer() as rdap, dns:
        mixed = [add_transient_registry(rdap, f"{tld}-registry", [tld]) for tld in MIXED_TLDS]
        storm = rdap.add_registry("storm", ["info"], max_concurrency=3, retry_after=1)
        overloaded = rdap.add_registry("overloaded", ["top"])

        def healthy(registry: FakeRegistry, name: str) -> None:
            registry.add(name, synthetic_domain(name, nameservers=["ns1.soak-hosting.net"]))
            dns.zone.add(name)

        # Persistent RDAP faults: 8 domains for each, spread over the mixed registries.
        for position, kind in enumerate(RDAP_FAULTS):
            # Each persistently throttled name costs its host four 1 s pauses, one at a time.
            for index in range(3 if kind in OVERLOADED else 8):
                registry = (
                    overloaded if kind in OVERLOADED else mixed[(position + index) % len(mixed)]
                )
                name = f"p-{kind.value}-{index}.{registry.tlds[0]}"
                registry.fault(name, kind)
                dns.zone.add(name)
                world.persistent[name] = kind.value
        for index in range(3):  # answered with 429 every time
            name = f"p-always-429-{index}.top"
            overloaded.add(name, b"{}", status=429, headers={"Retry-After": "1"})
            dns.zone.add(name)
            world.persistent[name] = "always-429"
        for index in range(30):  # a registered, healthy registry answer; DNS SERVFAIL
            registry = mixed[index % len(mixed)]
            name = f"p-servfail-{index}.{registry.tlds[0]}"
            healthy(registry, name)
            dns.servfail.add(name)
            world.persistent[name] = "dns-servfail"

        # WHOIS: per TLD two healthy names and two faulty ones.
        for position, (tld, server) in enumerate(zip(WHOIS_TLDS, whois_servers, strict=True)):
            for index in range(2):
                name = f"w-ok-{index}.{tld}"
                server.answer(name, _registered_whois(name))
                dns.zone.add(name)
                world.healthy.append(name)
            for index in range(2):
                behaviour, text = WHOIS_FAULTS[position * 2 + index]
                name = f"w-{behaviour.value}-{index}.{tld}"
                server.answer(name, text.format(d=name, t=tld), behaviour, delay=1.0)
                dns.zone.add(name)
                world.persistent[name] = f"whois-{behaviour.value}"

        # Transient: each misbehaves once, then answers.
        for index in range(102):
            registry = mixed[index % len(mixed)]
            mode = TRANSIENT[index % len(TRANSIENT)]
            name = f"t-{mode}-{index}.{registry.tlds[0]}"
            healthy(registry, name)
            assert isinstance(registry, TransientRegistry)
            registry.transient[name] = (mode, 1)
            world.transient.append(name)

        # Healthy: 100 behind the throttling registry, the rest spread.
        for index in range(100):
            name = f"h-storm-{index}.info"
            healthy(storm, name)
            world.healthy.append(name)
        index = 0
        while len(world.healthy) + len(world.transient) + len(world.persistent) < 1000:
            registry = mixed[index % len(mixed)]
            name = f"h-{index}.{registry.tlds[0]}"
            healthy(registry, name)
            world.healthy.append(name)
            index += 1

        host, port = dns.address
        world.args = [
            "--rdap-bootstrap", str(rdap.write_bootstrap(base / "bootstrap.json")),
            "--nameserver", f"{host}:{port}",
            "--cache-dir", str(base / "cache"),
            "--timeout", str(TIMEOUT), "--deadline", str(DEADLINE),
            "--format", "json", "--fail-on", "never",
            "--no-mail-path",  # ns1.soak-hosting.net exists nowhere; see test_mailpath.py
        ]  # fmt: skip
        for tld, server in zip(WHOIS_TLDS, whois_servers, strict=True):
            whois_host, whois_port = server.address
            world.args += ["--whois-server", f"{tld}={whois_host}:{whois_port}"]
        try:
            yield world
        finally:
            for server in whois_servers:
                server.close()


def run_soak(plan: World, base: Path) -> CliRun:
    """The CLI run over every planned domain."""
    names = [*plan.healthy, *plan.transient, *plan.persistent]
    return run_cli(
        ["domain", *names, *plan.args], cwd=base, home=base / "home", timeout=DEADLINE + 30
    )


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def soak(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[World, CliRun, dict[str, dict[str, object]]]:
    base = tmp_path_factory.mktemp("soak")
    with build_world(base) as plan:
        run = run_soak(plan, base)
    names = [*plan.healthy, *plan.transient, *plan.persistent]
    assert len(names) == len(set(names)) == 1000
    assert len(plan.persistent) + len(plan.transient) == 250
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)
    return plan, run, {d["domain"]: d for d in report["domains"]}


def test_no_persistently_faulty_domain_reads_none(
    soak: tuple[World, CliRun, dict[str, dict[str, object]]],
) -> None:
    plan, _, verdicts = soak
    wrong = {
        name: (fault, verdicts[name]["risk"], verdicts[name]["reasons"])
        for name, fault in plan.persistent.items()
        if verdicts[name]["risk"] != "unknown"
        or [r["code"] for r in verdicts[name]["reasons"]] != ["lookup-failed"]  # type: ignore[attr-defined]
    }
    assert wrong == {}


def test_every_healthy_and_transiently_faulty_domain_resolves(
    soak: tuple[World, CliRun, dict[str, dict[str, object]]],
) -> None:
    plan, _, verdicts = soak
    assert len(verdicts) == 1000
    wrong = {
        name: (verdicts[name]["risk"], verdicts[name]["reasons"])
        for name in [*plan.healthy, *plan.transient]
        if verdicts[name]["risk"] != "none"
    }
    assert wrong == {}


def test_the_run_ends_within_its_deadline_in_bounded_memory_without_a_traceback(
    soak: tuple[World, CliRun, dict[str, dict[str, object]]],
) -> None:
    _, run, _ = soak
    assert run.seconds < DEADLINE + 5, run.seconds  # the deadline plus start-up and report
    assert run.max_rss_mb < 300, run.max_rss_mb
    assert "Traceback" not in run.stderr
    assert run.escapes == ()


def test_the_quick_answers_are_not_held_back_by_the_slow_ones(
    soak: tuple[World, CliRun, dict[str, dict[str, object]]],
) -> None:
    plan, _, verdicts = soak
    # Nothing was cut by the deadline: every failure has its own evidence.
    messages = [
        reason["message"]  # type: ignore[index]
        for name in plan.persistent
        for reason in verdicts[name]["reasons"]  # type: ignore[attr-defined]
    ]
    assert not [m for m in messages if "deadline" in m]
