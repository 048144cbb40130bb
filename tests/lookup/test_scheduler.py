"""Lookups at scale: bounded work in flight, fair across registries, no false ``unknown``.

Everything runs against loopback RDAP registries (tests/servers/rdap.py): the answers are
real HTTP exchanges, so a false ``unknown`` here is one a registry's answer contradicts.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from pathlib import Path

from checker.lookup.cache import Cache
from checker.lookup.run import assess_domains, run_assessment
from checker.model import DomainResult, Risk
from checker.settings import LookupSettings
from tests.servers.rdap import FakeRegistry, RdapServer, synthetic_domain

NOW = datetime.now(timezone.utc)


def _registry(
    server: RdapServer, tld: str, count: int, *, latency: float = 0.0
) -> tuple[FakeRegistry, list[str]]:
    """A registry for ``tld`` that knows ``count`` registered names (returned)."""
    registry = server.add_registry(tld, [tld], latency=latency)
    names = [f"m{i}.{tld}" for i in range(count)]
    for name in names:
        registry.add(name, synthetic_domain(name))
    return registry, names


def test_5000_domains_on_loopback_get_no_false_unknown_and_few_tasks(tmp_path: Path) -> None:
    tlds = ("com", "org", "net", "dev")
    with RdapServer() as server:
        domains = {n: [n] for tld in tlds for n in _registry(server, tld, 1250)[1]}
        bootstrap = server.write_bootstrap(tmp_path / "dns.json")
        # A short timeout: a lookup kept waiting by the engine itself would run out of it.
        settings = LookupSettings(rdap_bootstrap=str(bootstrap), dns=False, timeout=5.0)

        async def run() -> tuple[list[DomainResult], int]:
            peak = 0
            stop = asyncio.Event()

            async def watch() -> None:
                nonlocal peak
                while not stop.is_set():
                    peak = max(peak, len(asyncio.all_tasks()))
                    await asyncio.sleep(0.02)

            watcher = asyncio.ensure_future(watch())
            results, _ = await assess_domains(domains, settings, now=NOW, cache=Cache.disabled())
            stop.set()
            await watcher
            return results, peak

        results, peak_tasks = asyncio.run(run())
        requests = server.requests
    unknown = [r for r in results if r.risk is Risk.UNKNOWN]
    assert [r.reasons[0].message for r in unknown[:3]] == []
    assert [r.domain for r in results] == list(domains)
    assert requests == 5000
    # One task per domain up front would be over 5,000; the scheduler keeps a few hundred.
    assert peak_tasks < 500


def test_a_slow_registry_listed_first_does_not_hold_back_the_others(tmp_path: Path) -> None:
    with RdapServer() as server:
        slow, slow_names = _registry(server, "org", 12, latency=0.1)
        _, fast_names = _registry(server, "com", 12)
        bootstrap = server.write_bootstrap(tmp_path / "dns.json")
        settings = LookupSettings(
            rdap_bootstrap=str(bootstrap),
            dns=False,
            cache=False,
            concurrency=2,  # at most 8 lookups in flight
            registry_concurrency={slow.host: 1},
        )
        order: list[str] = []
        results, _, _ = run_assessment(
            {n: [n] for n in slow_names + fast_names},
            settings,
            now=NOW,
            progress=False,
            on_done=lambda result: order.append(result.domain),
        )
        slow_peak = slow.peak_concurrency
    assert all(r.risk is Risk.NONE for r in results)
    assert slow_peak == 1
    last_fast = max(order.index(n) for n in fast_names)
    # First in, first out would fill every lookup in flight with the slow registry's names.
    assert sum(1 for n in order[:last_fast] if n in slow_names) <= 3


def test_a_timeout_counts_from_the_request_not_from_the_queue(tmp_path: Path) -> None:
    with RdapServer() as server:
        registry, names = _registry(server, "org", 6, latency=0.15)
        bootstrap = server.write_bootstrap(tmp_path / "dns.json")
        settings = LookupSettings(
            rdap_bootstrap=str(bootstrap),
            dns=False,
            cache=False,
            timeout=0.5,  # the last domain waits 0.75 s for its turn
            registry_concurrency={registry.host: 1},
        )
        results, _, _ = run_assessment({n: [n] for n in names}, settings, now=NOW, progress=False)
    assert [r.risk for r in results] == [Risk.NONE] * len(names)
