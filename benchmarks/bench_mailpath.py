"""The added cost of the mail path on the 400-domain lookup benchmark.

The world of ``bench_lookup.py`` (4 loopback RDAP registries x 100 domains, 100 ms latency),
with DNS on: a recursive DNS server on the wire gives every domain two nameservers and an
MX among 20 nameserver domains and 10 mail-host domains (a registry of their own, same
latency), and two authoritative servers on 127.0.0.2 / 127.0.0.3 serve every zone. The DNS
servers run in a process of their own (they stand for remote hosts). Each run starts with
an empty cache. Reported: the median of N runs with the mail path off (``--no-mail-path``)
and on, their ratio (target under 1.3), and the extra registry requests (target: one per
nameserver / mail-host domain, 30).
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_lookup import run as timed
from checker.model import Risk
from checker.settings import LookupSettings
from tests.servers.dns import LoopbackDnsServer, authoritative_servers
from tests.servers.rdap import RdapServer, synthetic_domain

TLDS = ("com", "org", "net", "dev")
PER_REGISTRY = 100
LATENCY = 0.100
NS_DOMAINS = 20
MAIL_DOMAINS = 10
AUTH = ("127.0.0.2", "127.0.0.3")
TARGET_RATIO = 1.3


def build(rdap: RdapServer) -> tuple[dict[str, list[str]], str, str]:
    """The maintainer domains, the recursive zone text and the authoritative zone text."""
    hosts = rdap.add_registry("registry-hosts", ["services"], latency=LATENCY)
    recursive, served = [], []
    for j in range(NS_DOMAINS):
        name = f"dns-host-{j}.services"
        hosts.add(name, synthetic_domain(name))
        recursive.append(f"{name}. 300 IN NS ns1.{name}.")
        recursive += [f"ns{k + 1}.{name}. 300 IN A {AUTH[k]}" for k in range(2)]
    for j in range(MAIL_DOMAINS):
        name = f"mail-host-{j}.services"
        hosts.add(name, synthetic_domain(name))
        recursive.append(f"{name}. 300 IN NS ns1.dns-host-0.services.")
        recursive.append(f"mx.{name}. 300 IN A 192.0.2.25")
    domains: dict[str, list[str]] = {}
    for tld in TLDS:
        registry = rdap.add_registry(f"registry-{tld}", [tld], latency=LATENCY)
        for i in range(PER_REGISTRY):
            name = f"maintainer{i}.{tld}"
            ns = f"dns-host-{i % NS_DOMAINS}.services"
            registry.add(name, synthetic_domain(name, nameservers=()))
            recursive += [f"{name}. 300 IN NS ns{k}.{ns}." for k in (1, 2)]
            recursive.append(f"{name}. 300 IN MX 10 mx.mail-host-{i % MAIL_DOMAINS}.services.")
            served.append(
                f"{name}. 300 IN SOA ns1.{ns}. hostmaster.{name}. 1 7200 3600 1209600 300"
            )
            domains[name] = [name]
    return domains, "\n".join(recursive), "\n".join(served)


def serve_dns(recursive_zone: str, served_zone: str, conn: Connection) -> None:
    """The DNS servers, in a process of their own: they stand for remote hosts, so their
    parsing and packing must not take the checker's interpreter lock."""
    servers = authoritative_servers(list(AUTH))
    for server in servers:
        server.add_records(served_zone)
        server.start()
    try:
        with LoopbackDnsServer(recursive_zone) as recursive:
            conn.send((recursive.address, servers[0].address[1]))
            conn.recv()  # until the benchmark is done
    finally:
        for server in servers:
            server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, RdapServer() as rdap:
        domains, recursive_zone, served_zone = build(rdap)
        ours, theirs = multiprocessing.get_context("spawn").Pipe()
        dns_process = multiprocessing.get_context("spawn").Process(
            target=serve_dns, args=(recursive_zone, served_zone, theirs), daemon=True
        )
        dns_process.start()
        try:
            resolver, port = ours.recv()
            bootstrap = rdap.write_bootstrap(Path(tmp) / "bootstrap.json")
            times: dict[bool, list[float]] = {False: [], True: []}
            extra: list[int] = []
            failures = []
            for run in range(args.repeat):
                for mail_path in (False, True):
                    settings = LookupSettings(
                        rdap_bootstrap=str(bootstrap),
                        nameserver=resolver,
                        authoritative_port=port,
                        authoritative_loopback=True,
                        cache_dir=Path(tmp) / f"cache-{run}-{mail_path}",
                        mail_path=mail_path,
                    )
                    before = rdap.requests
                    seconds, risks = timed(domains, settings)
                    times[mail_path].append(seconds)
                    if mail_path:
                        extra.append(rdap.requests - before - len(domains))
                    if not all(r is Risk.NONE for r in risks):
                        failures.append(f"answers (mail path {'on' if mail_path else 'off'})")
        finally:
            ours.send("stop")
            dns_process.join(timeout=10)
    off, on = statistics.median(times[False]), statistics.median(times[True])
    ratio = on / off
    print(f"400 domains, DNS on, mail path off: {off:.2f} s (median of {args.repeat})")
    print(
        "  each run, off / on:",
        [f"{a:.2f}/{b:.2f}" for a, b in zip(times[False], times[True], strict=True)],
    )
    print(
        f"the same, mail path on: {on:.2f} s, {ratio:.2f}x (target < {TARGET_RATIO}x); "
        f"extra registry requests per run: {sorted(set(extra))} "
        f"(target {NS_DOMAINS + MAIL_DOMAINS})"
    )
    if ratio >= TARGET_RATIO:
        failures.append("ratio")
    if set(extra) != {NS_DOMAINS + MAIL_DOMAINS}:
        failures.append("extra requests")
    if failures:
        print("MISSED:", ", ".join(sorted(set(failures))))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
