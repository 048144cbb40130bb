"""The shipped WHOIS server table: well formed, sourced, and only for TLDs without RDAP."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import checker
from checker.lookup.whois_parse import load_table, parse_whois, table_from_json
from checker.model import LookupFailure, Registration

DATA = Path(checker.__file__).parent / "data"
RAW: dict[str, Any] = json.loads((DATA / "whois-servers.json").read_text(encoding="utf-8"))
HOSTNAME = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def test_every_server_name_is_backed_by_two_cited_sources() -> None:
    for tld, entry in RAW["servers"].items():
        assert HOSTNAME.match(entry["host"]), tld
        assert len(set(entry["server_sources"])) >= 2, tld
        assert set(entry["server_sources"]) <= set(RAW["sources"]), tld


def test_table_lists_only_tlds_the_rdap_bootstrap_lacks() -> None:
    bootstrap = json.loads((DATA / "rdap-dns-bootstrap.json").read_text(encoding="utf-8"))
    with_rdap = {tld for service in bootstrap["services"] for tld in service[0]}
    assert set(RAW["servers"]) & with_rdap == set()
    assert {"io", "co", "me", "de", "ch", "li", "eu", "ru", "jp", "us", "it", "se"} <= set(
        RAW["servers"]
    )


def test_shipped_table_loads_with_denic_and_jprs_query_formats() -> None:
    table = load_table()
    assert table.profiles["de"].query_for("example.de") == "-T dn,ace example.de"
    assert table.profiles["jp"].query_for("example.jp") == "example.jp/e"
    assert table.profiles["io"].query_for("example.io") == "example.io"
    assert table.profile_for("www.example.co.jp").suffix == "jp"
    assert table.profile_for("example.com") is table.generic


@pytest.mark.parametrize("tld", sorted(RAW["servers"]))
def test_each_listed_not_found_phrase_reads_as_unregistered(tld: str) -> None:
    domain = f"u34jedzcq.{tld}"
    for phrase in RAW["servers"][tld]["not_found"] + RAW["generic"]["not_found"]:
        text = "% registry banner\n\n" + phrase.replace("{domain}", domain).upper() + "\n"
        result = parse_whois(text, domain=domain, server="whois.example", url="whois://x")
        assert isinstance(result, Registration), (tld, phrase, result)
        assert result.registered is False


@pytest.mark.parametrize("tld", sorted(RAW["servers"]))
def test_each_listed_refusal_phrase_is_a_failure(tld: str) -> None:
    entry, generic = RAW["servers"][tld], RAW["generic"]
    for key in ("rate_limited", "unavailable", "refused"):
        for phrase in entry.get(key, []) + generic[key]:
            text = f"Domain: example.{tld}\n% Error: {phrase.title()} (try again)\n"
            result = parse_whois(
                text, domain=f"example.{tld}", server="whois.example", url="whois://x"
            )
            assert isinstance(result, LookupFailure), (tld, phrase)
            assert result.retryable is (key != "refused")


def _with(**changes: object) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(json.dumps(RAW))
    doc["servers"]["de"].update(changes)
    return doc


@pytest.mark.parametrize(
    "doc",
    [
        _with(host=""),
        _with(port=0),
        _with(query="-T dn,ace"),
        _with(not_found="status: free"),
        _with(fields={"expiry": ["paid-till"]}),
        _with(status_aliases={"quarantine": 3}),
        {"generic": RAW["generic"]},
        [],
    ],
)
def test_malformed_table_is_rejected(doc: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        table_from_json(doc)
