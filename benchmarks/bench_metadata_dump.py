"""A 1,000,000-row PyPI ``distribution_metadata`` dump to its unique registrable domains.

The dump is synthetic but shaped like the real table: one row per uploaded file, so a
package's contact fields repeat over its versions and files; ~200,000 people, ~50,000
distinct registrable domains behind their addresses, 45 % of addresses at mail
providers, display names, address lists, obfuscated and reserved addresses, and junk
rows (broken JSON, wrong types, bad dates). It is generated once into the cache
directory (``--cache DIR``, default ``~/.cache/domain-guard-bench``) as JSON Lines, gzip
compressed.

What is timed is the extraction (``checker.sources.metadata_dump.read_metadata_dumps``),
in a fresh subprocess so that its peak RSS (``resource.getrusage``) is the reader's own,
interpreter and imports included. Both wall and CPU time are printed: on a shared machine
the wall clock also counts the time spent waiting for a core, so compare CPU time there.
``--repeat N`` runs each measurement N times and prints the median. ``--cli`` also times
the whole ``domain-guard scan --metadata-dump FILE --offline --no-cache -f json`` run
(target: under 20 s of CPU and 300 MB).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROWS = 1_000_000
DOMAINS = 50_000
PEOPLE = 200_000
PACKAGES = 150_000
TARGET_SECONDS = 30.0
TARGET_RSS_MB = 300.0
TARGET_CLI_CPU = 20.0  # the whole scan command, extraction to the JSON report written
SEED = 20261121
VERSION = 2  # of the generator: a new version writes a new file

_TLDS = ("com", "org", "net", "io", "dev", "de", "co.uk", "fr", "nl", "ch", "info", "me",
         "edu", "ac.uk", "com.au", "jp", "ru", "cz", "pl", "se", "xyz", "app", "tech")  # fmt: skip
_PROVIDERS = ("gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "yahoo.com", "qq.com",
              "users.noreply.github.com", "protonmail.com", "icloud.com", "163.com")  # fmt: skip
_FIRST = ("jane", "john", "wei", "ana", "ivan", "fatima", "lars", "yuki", "omar", "maria")
_LAST = ("doe", "smith", "chen", "garcia", "petrov", "khan", "berg", "tanaka", "ali", "rossi")


def _people(rng: random.Random) -> list[tuple[str, str]]:
    """(display name, address) of every person; the first DOMAINS own one domain each."""
    people = []
    for i in range(PEOPLE):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        if i < DOMAINS:
            domain_index = i
        elif rng.random() < 0.45 * PEOPLE / (PEOPLE - DOMAINS):
            domain_index = -1
        else:
            domain_index = int(rng.paretovariate(1.2)) % DOMAINS
        if domain_index < 0:
            domain = rng.choice(_PROVIDERS)
        else:
            domain = f"{last}{first}{domain_index}.{_TLDS[domain_index % len(_TLDS)]}"
            if domain_index % 10 == 0:
                domain = f"mail.{domain}"
        people.append((f"{first.title()} {last.title()}", f"{first}.{last}{i}@{domain}"))
    return people


def _fields(rng: random.Random, people: list[tuple[str, str]], index: int) -> dict[str, str | None]:
    """One package's contact columns, in the shapes real metadata uses."""
    # The first packages belong to the people who own a domain, so every domain appears.
    name, address = people[index] if index < DOMAINS else rng.choice(people)
    shape = rng.random()
    author: str | None = name
    author_email: str | None = address
    if shape < 0.35:
        author, author_email = None, f"{name} <{address}>"
    elif shape < 0.45:
        other_name, other = rng.choice(people)
        author_email = f'"{name}" <{address}>, {other_name} <{other}>'
    elif shape < 0.48:
        local, _, domain = address.partition("@")
        author_email = f"{local} at {domain.replace('.', ' dot ')}"
    elif shape < 0.52:
        author_email = rng.choice(("you@example.com", "root@localhost", "UNKNOWN", "none"))
    maintainer = maintainer_email = None
    if rng.random() < 0.25:
        maintainer, maintainer_email = rng.choice(people)
    return {
        "author": author,
        "author_email": author_email,
        "maintainer": maintainer,
        "maintainer_email": maintainer_email,
    }


def generate(path: Path) -> None:
    rng = random.Random(SEED)
    people = _people(rng)
    packages = [_fields(rng, people, i) for i in range(PACKAGES)]
    rng.shuffle(packages)
    start = 1_300_000_000  # 2011
    tmp = path.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=5) as out:
        for row in range(ROWS):
            index = int(PACKAGES * rng.random() ** 2)  # popular packages upload more
            if row % 1000 == 999:  # junk: one row in a thousand
                out.write(rng.choice(('{"name": "x", "author_email": 7}\n', "not json\n", "[1]\n",
                                      '{"name": "y", "author_email": "a@b.org", '
                                      '"upload_time": "yesterday"}\n')))  # fmt: skip
                continue
            stamp = time.gmtime(start + row * 450 + rng.randrange(400))
            record = {
                "name": f"package-{index}",
                "version": f"{row % 17}.{row % 5}",
                **packages[index],
                "upload_time": time.strftime("%Y-%m-%d %H:%M:%S UTC", stamp),
                "summary": "A package.",
                "requires_python": ">=3.8",
            }
            out.write(json.dumps(record) + "\n")
    tmp.replace(path)


_MEASURE = """
import json, resource, sys, time
start = time.perf_counter()
from checker.sources.metadata_dump import read_metadata_dumps
from pathlib import Path
result = read_metadata_dumps([Path(sys.argv[1])])
elapsed = time.perf_counter() - start
cpu = time.process_time()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "cpu": cpu, "peak_mb": peak, "rows": result.rows,
                  "bad_rows": result.bad_rows, "addresses": result.addresses,
                  "domains": len(result.domains), "contacts": len(result.contacts)}))
"""


def measure(path: Path) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)], check=True, capture_output=True, text=True
    ).stdout
    figures: dict[str, float] = json.loads(output)
    return figures


_MEASURE_CLI = """
import atexit, json, resource, sys, time
start = time.perf_counter()
def report():
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = [time.perf_counter() - start, time.process_time(), peak]
    sys.stderr.write("\\nFIGURES " + json.dumps(figures) + "\\n")
atexit.register(report)
sys.argv = ["domain-guard", "scan", "--metadata-dump", sys.argv[1], "--offline", "--no-cache",
            "-f", "json", "-o", sys.argv[2], "--fail-on", "never"]
from checker.cli import main
main()
"""


def measure_cli(path: Path) -> tuple[float, float, float]:
    """The whole command, offline: extraction, verdicts and the JSON report written."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE_CLI, str(path), os.devnull],
        check=False, capture_output=True, text=True,
    )  # fmt: skip
    line = done.stderr.rsplit("FIGURES ", 1)[-1]
    seconds, cpu, peak = json.loads(line)
    return float(seconds), float(cpu), float(peak)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache/domain-guard-bench")
    parser.add_argument("--cli", action="store_true", help="also time the whole scan command")
    parser.add_argument("--repeat", type=int, default=1, help="runs; the median is printed")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    path = args.cache / f"distribution_metadata-{ROWS}-{SEED}-v{VERSION}.jsonl.gz"
    if not path.exists():
        print(f"generating {path} ...", flush=True)
        generate(path)
    runs = [measure(path) for _ in range(max(1, args.repeat))]
    figures = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    print(
        f"metadata dump of {figures['rows']:,.0f} rows ({figures['bad_rows']:,.0f} bad, "
        f"{path.stat().st_size / 2**20:.0f} MiB gzip): {figures['addresses']:,.0f} addresses, "
        f"{figures['domains']:,.0f} registrable domains, {figures['contacts']:,.0f} contacts "
        f"sampled; {figures['seconds']:.1f} s wall, {figures['cpu']:.1f} s CPU "
        f"(target < {TARGET_SECONDS:.0f} s), "
        f"peak RSS {figures['peak_mb']:.0f} MB (target < {TARGET_RSS_MB:.0f} MB)"
    )
    ok = figures["seconds"] < TARGET_SECONDS and figures["peak_mb"] < TARGET_RSS_MB
    if args.cli:
        cli_runs = [measure_cli(path) for _ in range(max(1, args.repeat))]
        seconds, cpu, peak = (statistics.median(run[i] for run in cli_runs) for i in range(3))
        print(f"scan --metadata-dump --offline -f json: {seconds:.1f} s wall, {cpu:.1f} s CPU "
              f"(target < {TARGET_CLI_CPU:.0f} s), peak RSS {peak:.0f} MB "
              f"(target < {TARGET_RSS_MB:.0f} MB); median of {len(cli_runs)}")  # fmt: skip
        ok = ok and cpu < TARGET_CLI_CPU and peak < TARGET_RSS_MB
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
