"""Lookups at scale: 1,000 / 10,000 / 50,000 domains against loopback RDAP registries.

Four registries (one per TLD) answer at once (no latency): what is measured is the
engine's own cost (scheduling, HTTP, parsing, verdicts), which must grow linearly with
the number of domains. Each size runs ``run_assessment`` (cold, no cache, no DNS) in a
fresh subprocess, so its CPU time and peak RSS are the lookup engine's alone; the
registries run in this process. Printed per size: wall clock, CPU per domain, peak RSS
and false ``unknown``s (every domain is registered, so any ``unknown`` contradicts the
registry's answer). ``--repeat N`` prints the median of N runs per size.

    python benchmarks/bench_lookup_scale.py                  # 1k, 10k, 50k
    python benchmarks/bench_lookup_scale.py --sizes 1000,5000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers.rdap import RdapServer, synthetic_domain  # noqa: E402

TLDS = ("com", "org", "net", "dev")
CPU_RATIO_TARGET = 1.5  # CPU per domain at the largest size against the smallest

_CHILD = """
import json, resource, sys, time
from datetime import datetime, timezone
from pathlib import Path
start_wall = time.perf_counter()
from checker.lookup.run import run_assessment
from checker.model import Risk
from checker.settings import LookupSettings
bootstrap, count, tlds = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
domains = {}
for i in range(count):
    name = f"maintainer{i}.{tlds[i % len(tlds)]}"
    domains[name] = [name]
settings = LookupSettings(rdap_bootstrap=bootstrap, dns=False, cache=False)
cpu0, wall0 = time.process_time(), time.perf_counter()
results, stats, _ = run_assessment(domains, settings, now=datetime.now(timezone.utc),
                                   progress=False)
wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
unknown = [r for r in results if r.risk is Risk.UNKNOWN]
print(json.dumps({"wall": wall, "cpu": cpu, "peak_mb": peak, "unknown": len(unknown),
                  "results": len(results),
                  "sample": [r.reasons[0].message for r in unknown[:3] if r.reasons]}))
"""


def run_size(server: RdapServer, bootstrap: Path, count: int) -> dict[str, float]:
    before = server.requests
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(bootstrap), str(count), ",".join(TLDS)],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )  # fmt: skip
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["requests"] = server.requests - before
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="comma-separated counts")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; medians printed")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    per_domain: dict[int, float] = {}
    false_unknowns = 0
    with tempfile.TemporaryDirectory() as tmp, RdapServer() as server:
        registries = [server.add_registry(f"registry-{tld}", [tld]) for tld in TLDS]
        for i in range(max(sizes)):
            name = f"maintainer{i}.{TLDS[i % len(TLDS)]}"
            registries[i % len(TLDS)].add(name, synthetic_domain(name))
        bootstrap = server.write_bootstrap(Path(tmp) / "bootstrap.json")
        for count in sizes:
            runs = [run_size(server, bootstrap, count) for _ in range(max(1, args.repeat))]
            med = {
                key: statistics.median(float(r[key]) for r in runs)
                for key in ("wall", "cpu", "peak_mb")
            }
            worst_unknown = max(int(r["unknown"]) for r in runs)
            false_unknowns += worst_unknown
            per_domain[count] = med["cpu"] / count
            sample = next((r["sample"] for r in runs if r["sample"]), [])
            print(
                f"{count:>6,} domains: {med['wall']:.1f} s wall, {med['cpu']:.1f} s CPU, "
                f"{per_domain[count] * 1000:.2f} ms CPU/domain, peak RSS {med['peak_mb']:.0f} MB, "
                f"false unknown {worst_unknown} (worst of {len(runs)}), "
                f"{statistics.median(r['requests'] for r in runs):,.0f} requests"
                + (f"; e.g. {sample[0]!r}" if sample else ""),
                flush=True,
            )
    smallest, largest = sizes[0], sizes[-1]
    ratio = per_domain[largest] / per_domain[smallest]
    print(
        f"CPU per domain at {largest:,} / at {smallest:,}: {ratio:.2f} "
        f"(target <= {CPU_RATIO_TARGET}); false unknowns: {false_unknowns} (target 0)"
    )
    return 0 if ratio <= CPU_RATIO_TARGET and false_unknowns == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
