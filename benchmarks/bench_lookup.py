"""Lookups against loopback RDAP registries with 100 ms latency: 4 registries x 100 domains.

Three runs: cold (every domain asked once), warm (the cache answers: no request at all),
and throttled (each registry refuses more than 4 concurrent requests with 429,
Retry-After 1). A sequential loop, which is what peer tools do, is timed on a sample and
extrapolated (pass --full-baseline to time all 400).

The cold run is compared with the bound the per-registry cap implies: 100 requests per
registry, at most ``PER_REGISTRY_CAP`` at once, 100 ms each, is 1.25 s however fast the
client is. Each run is a fresh process with the lookup stack imported before the clock
starts (start-up is measured by ``bench_startup.py``), so that the loopback registries, in
this process, do not take the client's interpreter lock. ``--repeat N`` prints the median of
N cold/warm runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from checker.model import Risk
from tests.servers.rdap import RdapServer, synthetic_domain

ROOT = Path(__file__).resolve().parents[1]
TLDS = ("com", "org", "net", "dev")
PER_REGISTRY = 100
LATENCY = 0.100
TARGET_SECONDS = 5.0
PER_REGISTRY_CAP = 8  # HostLimiter's default per-host cap
BOUND = PER_REGISTRY / PER_REGISTRY_CAP * LATENCY
BOUND_RATIO_TARGET = 1.2
WARM_RATIO_TARGET = 1.3


def build(server: RdapServer, *, max_concurrency: int | None) -> dict[str, list[str]]:
    domains: dict[str, list[str]] = {}
    for tld in TLDS:
        registry = server.add_registry(
            f"registry-{tld}", [tld], latency=LATENCY, max_concurrency=max_concurrency
        )
        for i in range(PER_REGISTRY):
            name = f"maintainer{i}.{tld}"
            registry.add(name, synthetic_domain(name))
            domains[name] = [name]
    return domains


async def sequential(urls: list[str]) -> float:
    start = time.perf_counter()
    async with httpx.AsyncClient() as client:
        for url in urls:
            response = await client.get(url)
            response.raise_for_status()
    return time.perf_counter() - start


_CHILD = """
import json, sys, time
from datetime import datetime, timezone
from pathlib import Path
from checker.lookup import bootstrap, dns, http, rdap, service, whois  # imported before timing
from checker.lookup.run import run_assessment
from checker.settings import LookupSettings
domains = json.loads(Path(sys.argv[1]).read_text())
cache_dir = sys.argv[3] or None
settings = LookupSettings(rdap_bootstrap=sys.argv[2], dns=False,
                          cache_dir=Path(cache_dir) if cache_dir else None,
                          cache=cache_dir is not None)
start = time.perf_counter()
results, _, _ = run_assessment(domains, settings, now=datetime.now(timezone.utc), progress=False)
print(json.dumps([time.perf_counter() - start, [r.risk.value for r in results]]))
"""


def run(
    domains: dict[str, list[str]], bootstrap: Path, cache: Path | None
) -> tuple[float, list[Risk]]:
    """One run_assessment in a fresh process, the registries staying in this one.

    Real registries do not share the client's interpreter lock: the loopback ones must not
    either, or their work would be counted as the client's waiting.
    """
    listing = bootstrap.with_name("domains.json")
    listing.write_text(json.dumps(domains))
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(listing), str(bootstrap), str(cache or "")],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )  # fmt: skip
    seconds, risks = json.loads(done.stdout.strip().splitlines()[-1])
    return float(seconds), [Risk(r) for r in risks]


def cli_cpu(arguments: list[str], runs: int = 5) -> float:
    """Median CPU seconds of a whole ``domain-guard`` process (start-up included)."""
    exe = shutil.which("domain-guard") or "domain-guard"
    times = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([exe, *arguments], check=False, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full-baseline", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="cold/warm runs; medians printed")
    args = parser.parse_args()
    failures = []
    with tempfile.TemporaryDirectory() as tmp, RdapServer() as server:
        domains = build(server, max_concurrency=None)
        bootstrap = server.write_bootstrap(Path(tmp) / "bootstrap.json")
        urls = [r.url_for(n) for r in server.registries for n in domains if n.endswith(r.tlds[0])]
        sample = urls if args.full_baseline else urls[::10]
        baseline = asyncio.run(sequential(sample)) * len(urls) / len(sample)
        colds, warms, risks, warm_risks = [], [], [], []
        cold_requests = warm_requests = 0
        for attempt in range(max(1, args.repeat)):
            cache = Path(tmp) / f"cache{attempt}"
            before = server.requests
            cold, cold_risks = run(domains, bootstrap, cache)
            cold_requests = max(cold_requests, server.requests - before)
            before = server.requests
            warm, again = run(domains, bootstrap, cache)
            warm_requests = max(warm_requests, server.requests - before)
            colds.append(cold)
            warms.append(warm)
            risks += cold_risks
            warm_risks += again
        cold, warm = statistics.median(colds), statistics.median(warms)
        print(
            f"sequential loop (what peers do): {baseline:.1f} s for {len(urls)} lookups"
            f"{'' if args.full_baseline else ' (extrapolated from 40)'}"
        )
        print(
            f"domain-guard cold: {cold:.2f} s (median of {len(colds)}), {cold_requests} requests, "
            f"{sum(r is Risk.NONE for r in risks)}/{len(risks)} answered; "
            f"{cold / BOUND:.2f} x the {BOUND:.2f} s bound of {PER_REGISTRY_CAP} per registry "
            f"(target <= {BOUND_RATIO_TARGET} x, 400 requests)"
        )
        print(f"domain-guard warm: {warm:.3f} s, {warm_requests} requests (target 0)")
        if cold > BOUND * BOUND_RATIO_TARGET or cold_requests != 400 or warm_requests != 0:
            failures.append("cold/warm")
        common = ["domain", *domains, "--rdap-bootstrap", str(bootstrap), "--no-dns",
                  "--cache-dir", str(Path(tmp) / "cache0"), "-f", "json", "-o", os.devnull,
                  "--fail-on", "never"]  # fmt: skip
        before = server.requests
        warm_cpu = cli_cpu(common)
        offline_cpu = cli_cpu([*common, "--offline"])
        print(
            f"whole CLI, 400 domains from the cache: {warm_cpu:.2f} s CPU against "
            f"{offline_cpu:.2f} s with --offline ({warm_cpu / offline_cpu:.2f} x, target <= "
            f"{WARM_RATIO_TARGET} x; median of 5), {server.requests - before} requests"
        )
        if warm_cpu > offline_cpu * WARM_RATIO_TARGET or server.requests != before:
            failures.append("warm CLI")
        if not all(r is Risk.NONE for r in risks + warm_risks):
            failures.append("answers")
    with tempfile.TemporaryDirectory() as tmp, RdapServer() as server:
        domains = build(server, max_concurrency=4)
        bootstrap = server.write_bootstrap(Path(tmp) / "bootstrap.json")
        throttled_time, risks = run(domains, bootstrap, None)
        answered = sum(r is Risk.NONE for r in risks)
        print(
            "throttled (max 4 concurrent per registry, 429 + Retry-After 1): "
            f"{throttled_time:.2f} s, {answered}/{len(risks)} answered, "
            f"{server.throttled} 429s of {server.requests} requests"
        )
        if answered != len(risks):
            failures.append("throttled")
    if failures:
        print("MISSED:", ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
