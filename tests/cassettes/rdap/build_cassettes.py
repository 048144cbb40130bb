"""Build the RDAP vcrpy cassettes and the derived fixtures from the recorded registry bodies.

No test may reach the internet, so the cassettes are assembled from the real registry
answers in ``tests/fixtures/rdap/`` (provenance in that folder's README.md) at the URLs
the IANA bootstrap names for them. States no real sample shows are derived from a real
body by the small, explicit edits below and written as ``derived_*.json``.

Run from the repository root after changing a fixture:

    python tests/cassettes/rdap/build_cassettes.py

``tests/lookup/test_rdap_cassettes.py`` fails when the committed files differ from what this builds.
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parents[1] / "fixtures" / "rdap"
BOOTSTRAP_FIXTURES = FIXTURES / "bootstrap"

VERISIGN = "https://rdap.verisign.com/com/v1/"
PIR = "https://rdap.publicinterestregistry.org/rdap/"
IANA_DNS_URL = "https://data.iana.org/rdap/dns.json"


def _body(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return loaded


def _set_status(statuses: list[str]) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        doc["status"] = statuses

    return edit


def _drop_expiration(doc: dict[str, Any]) -> None:
    doc["events"] = [e for e in doc["events"] if e["eventAction"] != "expiration"]


def _date_variants(doc: dict[str, Any]) -> None:
    doc["events"] = [
        {"eventAction": "registration", "eventDate": "2004-08-30T22:55:00.1234567+03:00"},
        {"eventAction": "expiration", "eventDate": "2019-08-30T12:00:00+0000"},
        {"eventAction": "transfer", "eventDate": "2007-01-25T02:05:00+00:00"},
        {"eventAction": "last changed", "eventDate": "2019-01-01 10:00:00"},
        {"eventAction": "reregistration", "eventDate": "2018-05-05T00:00:00Z"},
        {"eventAction": "registrar expiration", "eventDate": "31/12/2030"},
    ]


def _epp_statuses(doc: dict[str, Any]) -> None:
    doc["status"] = ["clientHold", "pendingDelete", "OK", "server recover prohibited"]
    doc["ldhName"] = doc["ldhName"] + "."


#: file name -> (real source body, what was changed, the edit)
DERIVED: dict[str, tuple[str, str, Callable[[dict[str, Any]], None]]] = {
    "derived_redemption_themarquetry.com.json": (
        "whoisit_themarquetry.com.verisign.json",
        "status replaced by ['redemption period']",
        _set_status(["redemption period"]),
    ),
    "derived_pending-delete_hhgames.com.json": (
        "rct_hhgames.com.verisign-2025.json",
        "status replaced by ['pending delete', 'server hold']",
        _set_status(["pending delete", "server hold"]),
    ),
    "derived_auto-renew_wikipedia.org.json": (
        "mw_wikipedia.org.pir.json",
        "status replaced by ['auto renew period', 'client transfer prohibited']",
        _set_status(["auto renew period", "client transfer prohibited"]),
    ),
    "derived_no-expiry_google.com.json": (
        "whoisit_google.com.verisign.json",
        "the expiration event removed",
        _drop_expiration,
    ),
    "derived_date-variants_example.cz.json": (
        "openrdap_example.cz.cznic.json",
        "events rewritten with +03:00 and 7 fractional digits, +0000, no zone, Z, "
        "a reregistration and an unparseable registrar expiration",
        _date_variants,
    ),
    "derived_epp-statuses_norway.no.json": (
        "whoisit_norway.no.norid.json",
        "EPP-spelled statuses added and a trailing dot on ldhName",
        _epp_statuses,
    ),
}


def derived_fixtures() -> dict[str, str]:
    """File name -> JSON text of every derived fixture."""
    out = {}
    for name, (source, change, edit) in DERIVED.items():
        doc = copy.deepcopy(_body(source))
        edit(doc)
        doc = {"_derived": f"DERIVED from {source}: {change}", **doc}
        out[name] = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    return out


def _interaction(url: str, status: int, body: str, content_type: str | None) -> dict[str, Any]:
    headers = {"Content-Type": [content_type]} if content_type else {}
    return {
        "request": {"body": None, "headers": {}, "method": "GET", "uri": url},
        "response": {
            "status": {"code": status, "message": {200: "OK", 404: "Not Found"}.get(status, "")},
            "headers": headers,
            "body": {"string": body},
        },
    }


def _rdap(url: str, fixture: str, status: int = 200, *, derived: dict[str, str]) -> dict[str, Any]:
    text = derived[fixture] if fixture in derived else (FIXTURES / fixture).read_text()
    return _interaction(url, status, text, "application/rdap+json")


def cassettes() -> dict[str, str]:
    """Cassette file name -> JSON text."""
    derived = derived_fixtures()

    def rdap(url: str, fixture: str, status: int = 200) -> dict[str, Any]:
        return _rdap(url, fixture, status, derived=derived)

    sets: dict[str, list[dict[str, Any]]] = {
        "registries.json": [
            rdap(f"{VERISIGN}domain/google.com", "whoisit_google.com.verisign.json"),
            rdap(f"{VERISIGN}domain/themarquetry.com", "whoisit_themarquetry.com.verisign.json"),
            rdap(f"{VERISIGN}domain/hhgames.com", "rct_hhgames.com.verisign-2025.json"),
            # Verisign answers an unregistered name with 404 and an empty body.
            _interaction(f"{VERISIGN}domain/unregistered-7f3kq9.com", 404, "", None),
            rdap(f"{PIR}domain/wikipedia.org", "mw_wikipedia.org.pir.json"),
            rdap(
                f"{PIR}domain/markwatch-nonexistent-7f3kq9.org",
                "mw_markwatch-nonexistent-7f3kq9.org.pir-404.json",
                404,
            ),
            rdap(
                "https://pubapi.registry.google/rdap/domain/web.dev",
                "mw_web.dev.google-registry.json",
            ),
            rdap("https://rdap.nominet.uk/uk/domain/bbc.co.uk", "mw_bbc.co.uk.nominet.json"),
            rdap("https://rdap.nic.cz/domain/example.cz", "openrdap_example.cz.cznic.json"),
            rdap("https://rdap.norid.no/domain/norway.no", "whoisit_norway.no.norid.json"),
            rdap("https://rdap.nic.tube/domain/you.tube", "whodap_you.tube.registry.json"),
        ],
        "derived.json": [
            rdap(f"{VERISIGN}domain/themarquetry.com", "derived_redemption_themarquetry.com.json"),
            rdap(f"{VERISIGN}domain/hhgames.com", "derived_pending-delete_hhgames.com.json"),
            rdap(f"{PIR}domain/wikipedia.org", "derived_auto-renew_wikipedia.org.json"),
            rdap("https://rdap.nic.cz/domain/example.cz", "derived_date-variants_example.cz.json"),
            rdap("https://rdap.norid.no/domain/norway.no", "derived_epp-statuses_norway.no.json"),
        ],
        "registrar.json": [
            rdap(f"{VERISIGN}domain/google.com", "whoisit_google.com.verisign.json"),
            rdap(
                "https://rdap.markmonitor.com/rdap/domain/GOOGLE.COM",
                "whodap_google.com.markmonitor-registrar.json",
            ),
        ],
        "registrar-fills-expiry.json": [
            rdap(f"{VERISIGN}domain/google.com", "derived_no-expiry_google.com.json"),
            rdap(
                "https://rdap.markmonitor.com/rdap/domain/GOOGLE.COM",
                "whodap_google.com.markmonitor-registrar.json",
            ),
        ],
        "registrar-error.json": [
            rdap(f"{VERISIGN}domain/google.com", "whoisit_google.com.verisign.json"),
            _interaction(
                "https://rdap.markmonitor.com/rdap/domain/GOOGLE.COM",
                500,
                "<html><body>Internal Server Error</body></html>",
                "text/html",
            ),
        ],
        "iana-refresh.json": [
            _interaction(
                IANA_DNS_URL,
                200,
                (BOOTSTRAP_FIXTURES / "iana_dns_2024-02-07.json").read_text(),
                "application/json",
            )
        ],
        "iana-error.json": [
            _interaction(IANA_DNS_URL, 500, "<html>Internal Server Error</html>", "text/html")
        ],
    }
    return {
        name: json.dumps({"interactions": items, "version": 1}, indent=1, ensure_ascii=False) + "\n"
        for name, items in sets.items()
    }


def main() -> int:
    for name, text in derived_fixtures().items():
        (FIXTURES / name).write_text(text)
    for name, text in cassettes().items():
        (HERE / name).write_text(text)
    print(f"wrote {len(DERIVED)} derived fixtures and {len(cassettes())} cassettes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
