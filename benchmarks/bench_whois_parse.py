"""Reading a 64 KiB WHOIS answer: the parser's cost on the largest answers registries send.

Three answers of 64 KiB, built from a real registered answer
(``tests/fixtures/whois/weppos_whois.verisign-grs.com_com_status_registered.txt``):
the record followed by its terms of use repeated; the record followed by contact blocks
(every line a field); and a "not found" answer whose verdict line comes last, after the
terms. Each is parsed ``--repeat`` times (after one warm-up parse that loads the tables). The
median CPU time of one parse (``time.process_time``: on a shared machine the wall clock
also counts waiting for a core) must stay under 5 ms; the wall-clock median is printed
beside it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checker.lookup.whois_parse import parse_whois
from checker.model import Registration

SIZE = 64 * 1024
TARGET_MS = 5.0
FIXTURE = (
    Path(__file__).resolve().parents[1]
    / "tests"
    / "fixtures"
    / "whois"
    / "weppos_whois.verisign-grs.com_com_status_registered.txt"
)


def _fill(head: str, unit: str, tail: str = "") -> str:
    body = head
    while len(body) + len(unit) + len(tail) <= SIZE:
        body += unit
    return body + tail


def answers() -> dict[str, tuple[str, str, bool]]:
    """name -> (answer, domain asked, registered expected)."""
    real = FIXTURE.read_text(encoding="utf-8")
    record, _, terms = real.partition(">>> Last update")
    contact = (
        "Registrant Name: Example Holder\nRegistrant Organization: Example Org\n"
        "Registrant Street: 1 Example Street\nRegistrant City: Example City\n"
        "Registrant Postal Code: 12345\nRegistrant Country: EX\n"
        "Registrant Phone: +1.5555550100\nRegistrant Email: holder@example.org\n"
    )
    return {
        "record + terms of use": (_fill(real, "\n" + terms), "google.com", True),
        "record + contact blocks": (
            _fill(record, contact, ">>> Last update" + terms),
            "google.com",
            True,
        ),
        "not found after the terms": (
            _fill("", terms.replace("\r", "") + "\n\n", 'No match for "U34JEDZCQ.COM".\n'),
            "u34jedzcq.com",
            False,
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    failed = False
    for name, (text, domain, registered) in answers().items():
        url = f"whois://whois.example:43/{domain}"
        result = parse_whois(text, domain=domain, server="whois.example", url=url)
        if not isinstance(result, Registration) or result.registered is not registered:
            print(f"{name}: wrong reading {result!r}")
            return 2
        cpu, wall = [], []
        for _ in range(args.repeat):
            start_cpu, start_wall = time.process_time(), time.perf_counter()
            parse_whois(text, domain=domain, server="whois.example", url=url)
            cpu.append((time.process_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start_wall) * 1000)
        median = statistics.median(cpu)
        verdict = "ok" if median < TARGET_MS else "TOO SLOW"
        print(
            f"{name}: {len(text.encode()) / 1024:.0f} KiB, {text.count(chr(10))} lines: "
            f"CPU median {median:.2f} ms (best {min(cpu):.2f}), wall median "
            f"{statistics.median(wall):.2f} ms, {args.repeat} parses "
            f"(target < {TARGET_MS} ms CPU) {verdict}"
        )
        failed |= median >= TARGET_MS
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
