"""Refresh ``checker/data/whois-iana.json``: the WHOIS server of every TLD without RDAP.

The source is the IANA root zone database. IANA's list of TLDs
(https://data.iana.org/TLD/tlds-alpha-by-domain.txt) names every TLD; IANA's own WHOIS
(``whois.iana.org``, port 43, RFC 3912) answers a TLD with its root zone record, whose
``whois:`` line is the registry's WHOIS server, the same field as "WHOIS Server" on
``https://www.iana.org/domains/root/db/<tld>.html``. This needs the network and asks IANA
once per TLD, a pause apart.

``--whoisserver-world FILE`` builds the table offline from the ``whoisservers.json`` of
the npm package ``whoisserver-world`` (ISC), a scrape of the same IANA pages; the shipped
snapshot was made that way (see its ``source``).

Kept: TLDs that the shipped RDAP bootstrap (``checker/data/rdap-dns-bootstrap.json``)
lacks, minus those ``whois-servers.json`` excludes; TLDs it keeps that have no WHOIS
server are listed in ``without_whois`` (they stay ``unsupported-tld``). The hand-kept
profiles in ``whois-servers.json`` win over this table at run time.

Not part of the test suite. Usage::

    python tools/refresh_whois_servers.py                      # asks IANA
    python tools/refresh_whois_servers.py --whoisserver-world package/whoisservers.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import socket
import sys
import time
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "checker" / "data"
OUTPUT = DATA / "whois-iana.json"
TLD_LIST_URL = "https://data.iana.org/TLD/tlds-alpha-by-domain.txt"
IANA_WHOIS = ("whois.iana.org", 43)
PAUSE = 0.5  # seconds between two questions to IANA
MAX_ANSWER = 64 * 1024

_HOST = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")

DESCRIPTION = (
    "The registry WHOIS server (port 43) of every TLD that has no RDAP service in the "
    "shipped IANA RDAP bootstrap, from the 'whois' field of the IANA root zone database. "
    "Written by tools/refresh_whois_servers.py; do not edit by hand: hand-kept profiles "
    "(query formats, phrasings, a different host) belong in whois-servers.json, which wins. "
    "'without_whois' lists the TLDs without RDAP whose IANA record names no WHOIS server: "
    "they are reported 'unsupported-tld'."
)


def whois_field(answer: str) -> str | None:
    """The host on the ``whois:`` line of an IANA root zone record, or None."""
    for line in answer.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == "whois":
            host = value.strip().rstrip(".").lower()
            return host if _HOST.match(host) else None
    return None


def tlds_from_list(text: str) -> list[str]:
    """TLDs (lower case, A-labels) from IANA's ``tlds-alpha-by-domain.txt``."""
    result = []
    for line in text.splitlines():
        name = line.strip().lower()
        if name and not name.startswith("#") and _TLD.match(name):
            result.append(name)
    return result


def ask_iana(tld: str, *, timeout: float = 15.0) -> str:
    """IANA's WHOIS answer about ``tld``."""
    with socket.create_connection(IANA_WHOIS, timeout=timeout) as connection:
        connection.sendall(tld.encode("ascii") + b"\r\n")
        received = bytearray()
        while chunk := connection.recv(16 * 1024):
            received += chunk
            if len(received) > MAX_ANSWER:
                break
    return received.decode("utf-8", "replace")


def from_iana(tlds: Iterable[str]) -> dict[str, str | None]:
    """TLD -> WHOIS host (None when IANA names none), asking IANA once per TLD."""
    result: dict[str, str | None] = {}
    for tld in tlds:
        result[tld] = whois_field(ask_iana(tld))
        time.sleep(PAUSE)
    return result


def from_whoisserver_world(document: Mapping[str, object]) -> tuple[dict[str, str | None], str]:
    """TLD -> WHOIS host from whoisserver-world's ``whoisservers.json``, and the latest
    date one of its IANA pages was read (its ``t`` field, milliseconds since the epoch)."""
    result: dict[str, str | None] = {}
    latest = 0
    for tld, entry in document.items():
        if not isinstance(entry, dict) or not _TLD.match(tld):
            continue
        servers = [s for s in entry.get("whoisServer") or [] if isinstance(s, str)]
        hosts = [s.strip().rstrip(".").lower() for s in servers]
        result[tld] = next((host for host in hosts if _HOST.match(host)), None)
        stamp = entry.get("t")
        if isinstance(stamp, int):
            latest = max(latest, stamp)
    read = dt.datetime.fromtimestamp(latest / 1000, tz=dt.timezone.utc).date().isoformat()
    return result, read


def _package_name(data_file: Path) -> str:
    """``name version`` from the package.json beside ``data_file``, if there is one."""
    try:
        meta = json.loads((data_file.parent / "package.json").read_text(encoding="utf-8"))
        return f"{meta['name']} {meta['version']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "whoisserver-world"


def rdap_tlds(bootstrap: Mapping[str, object]) -> set[str]:
    """Every entry of an RFC 9224 bootstrap document."""
    services = bootstrap.get("services")
    found: set[str] = set()
    for service in services if isinstance(services, list) else []:
        found.update(entry.lower() for entry in service[0])
    return found


def build(
    servers: Mapping[str, str | None],
    *,
    with_rdap: set[str],
    excluded: Iterable[str],
    source: str,
    retrieved: str,
    bootstrap_publication: str | None,
) -> dict[str, object]:
    """The data file's document."""
    skip = with_rdap | set(excluded)
    kept = {tld: host for tld, host in sorted(servers.items()) if tld not in skip}
    return {
        "description": DESCRIPTION,
        "source": source,
        "retrieved": retrieved,
        "rdap_bootstrap": bootstrap_publication,
        "servers": {tld: host for tld, host in kept.items() if host},
        "without_whois": sorted(tld for tld, host in kept.items() if not host),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--whoisserver-world", type=Path, metavar="FILE")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    bootstrap = json.loads((DATA / "rdap-dns-bootstrap.json").read_text(encoding="utf-8"))
    curated = json.loads((DATA / "whois-servers.json").read_text(encoding="utf-8"))
    if args.whoisserver_world:
        document = json.loads(args.whoisserver_world.read_text(encoding="utf-8"))
        servers, retrieved = from_whoisserver_world(document)
        source = (
            "IANA root zone database, 'WHOIS Server' of https://www.iana.org/domains/root/db/"
            "<tld>.html, as scraped into whoisservers.json of the npm package "
            f"{_package_name(args.whoisserver_world)} (ISC); 'retrieved' is the latest page read"
        )
    else:
        with urllib.request.urlopen(TLD_LIST_URL, timeout=30) as response:
            tlds = tlds_from_list(response.read().decode("ascii", "replace"))
        servers = from_iana(tlds)
        retrieved = dt.datetime.now(dt.timezone.utc).date().isoformat()
        source = f"IANA root zone database via whois.iana.org, TLDs from {TLD_LIST_URL}"
    document_out = build(
        servers,
        with_rdap=rdap_tlds(bootstrap),
        excluded=curated.get("excluded", {}),
        source=source,
        retrieved=retrieved,
        bootstrap_publication=bootstrap.get("publication"),
    )
    args.output.write_text(json.dumps(document_out, indent=2) + "\n", encoding="utf-8")
    count = sum(1 for host in servers.values() if host)
    print(f"{count} TLDs with a WHOIS server at IANA; written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
