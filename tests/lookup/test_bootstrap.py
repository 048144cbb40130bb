"""RFC 9224 bootstrap: parsing, longest match, overrides, and where the table comes from."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import pytest
import vcr

from checker.lookup.bootstrap import (
    CACHE_KEY,
    REFRESH_SECONDS,
    Bootstrap,
    BootstrapError,
    Override,
    load_bootstrap,
    parse_bootstrap,
    parse_overrides,
    shipped_bootstrap,
    shipped_overrides,
)
from checker.net.http import make_client
from tests.servers.rdap import RdapServer

ROOT = Path(__file__).parents[2]
SNAPSHOTS = Path(__file__).parents[1] / "fixtures" / "rdap" / "bootstrap"
CASSETTES = Path(__file__).parents[1] / "cassettes" / "rdap"
PLAYBACK = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="none",
    serializer="json",
    match_on=("method", "scheme", "host", "port", "path", "query"),
)


def document(services: list[Any], **extra: Any) -> bytes:
    return json.dumps({"version": "1.0", "services": services, **extra}).encode()


class MemoryCache:
    """An in-memory stand-in for the sqlite cache's blob interface."""

    def __init__(self, blobs: dict[str, bytes] | None = None) -> None:
        self.blobs = dict(blobs or {})
        self.puts: list[tuple[str, float]] = []

    def get_blob(self, key: str) -> bytes | None:
        return self.blobs.get(key)

    def put_blob(self, key: str, value: bytes, ttl_seconds: float) -> None:
        self.blobs[key] = value
        self.puts.append((key, ttl_seconds))


class BrokenCache:
    def get_blob(self, key: str) -> bytes | None:
        raise OSError("database disk image is malformed")

    def put_blob(self, key: str, value: bytes, ttl_seconds: float) -> None:
        raise OSError("database disk image is malformed")


def load(spec: str | None, cache: Any = None, *, offline: bool = False, **kw: Any) -> Bootstrap:
    async def run() -> Bootstrap:
        async with make_client() as client:
            return await load_bootstrap(spec, cache=cache, offline=offline, client=client, **kw)

    return asyncio.run(run())


# --- the shipped snapshot --------------------------------------------------------------


def test_the_shipped_snapshot_is_the_unmodified_2026_03_23_iana_file() -> None:
    shipped = ROOT / "checker" / "data" / "rdap-dns-bootstrap.json"
    assert shipped.read_bytes() == (SNAPSHOTS / "iana_dns_2026-03-23.json").read_bytes()
    bootstrap = shipped_bootstrap()
    assert bootstrap.publication == "2026-03-23T19:00:02Z"
    assert len(bootstrap.services) == 1198
    assert bootstrap.base_urls("google.com") == ("https://rdap.verisign.com/com/v1/",)
    assert bootstrap.base_urls("example.kg") == ("http://rdap.cctld.kg/",)  # http-only at IANA
    assert not bootstrap.covers("example.de")


def test_google_registry_moved_between_the_2024_and_2026_snapshots() -> None:
    old = parse_bootstrap((SNAPSHOTS / "iana_dns_2024-02-07.json").read_bytes(), source="2024")
    assert old.base_urls("web.dev") == ("https://www.registry.google/rdap/",)
    assert shipped_bootstrap().base_urls("web.dev") == ("https://pubapi.registry.google/rdap/",)


# --- parsing ---------------------------------------------------------------------------------


def test_https_is_preferred_and_trailing_slashes_are_added() -> None:
    bootstrap = parse_bootstrap(
        document(
            [
                [
                    ["Both", "also."],
                    ["http://rdap.both.example/v1", "https://rdap.both.example/v1"],
                ],
                [["plain"], ["http://rdap.plain.example"]],
            ]
        ),
        source="t",
    )
    assert bootstrap.services == {
        "both": ("https://rdap.both.example/v1/",),
        "also": ("https://rdap.both.example/v1/",),
        "plain": ("http://rdap.plain.example/",),
    }


def test_the_longest_matching_suffix_wins() -> None:
    bootstrap = parse_bootstrap(
        document([[["uk"], ["https://a.example/"]], [["co.uk"], ["https://b.example/"]]]),
        source="t",
    )
    assert bootstrap.base_urls("bbc.co.uk") == ("https://b.example/",)
    assert bootstrap.base_urls("BBC.CO.UK.") == ("https://b.example/",)
    assert bootstrap.base_urls("nic.uk") == ("https://a.example/",)
    assert bootstrap.base_urls("nic.zz") == ()


MALFORMED = {
    "not json": (b"{", "not valid JSON"),
    "array": (b"[]", "the top level must be a JSON object"),
    "no version": (b'{"services": []}', "'version' must be \"1.0\""),
    "version 2": (json.dumps({"version": "2.0", "services": []}).encode(), "'version'"),
    "no services": (b'{"version": "1.0"}', "'services' must be a non-empty array"),
    "empty services": (document([]), "'services' must be a non-empty array"),
    "publication": (document([[["a"], ["https://x/"]]], publication=5), "'publication'"),
    "three arrays": (document([[["a"], ["https://x/"], []]]), "must be an array of two arrays"),
    "entries object": (document([[{"a": 1}, ["https://x/"]]]), "the entry list"),
    "no urls": (document([[["a"], []]]), "the URL list"),
    "entry number": (document([[[5], ["https://x/"]]]), "a TLD entry must be a string"),
    "entry bad": (document([[["bad_tld"], ["https://x/"]]]), "'bad_tld' is not an A-label"),
    "url ftp": (document([[["a"], ["ftp://x/"]]]), "is not an http(s) URL"),
    "url query": (document([[["a"], ["https://x/?q=1"]]]), "has a query or fragment"),
    "url number": (document([[["a"], [7]]]), "must be a non-empty string"),
    "oversize": (b" " * (4 * 1024 * 1024 + 1), "larger than"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_bootstrap_is_refused_with_the_reason(case: str) -> None:
    data, reason = MALFORMED[case]
    with pytest.raises(BootstrapError, match=r"^t: ") as error:
        parse_bootstrap(data, source="t")
    assert reason in str(error.value)


# --- overrides ---------------------------------------------------------------------------------


def test_every_override_names_its_evidence_and_fills_a_real_gap() -> None:
    overrides = shipped_overrides()
    assert {o.tld for o in overrides} >= {"de", "ch", "io"}
    snapshot = shipped_bootstrap()
    for override in overrides:
        assert override.source.strip()
        assert len(override.date) == 10
        assert all(url.startswith("https://") for url in override.urls)
        assert not snapshot.covers(f"example.{override.tld}"), override.tld


def test_overrides_never_replace_a_listed_tld() -> None:
    listed = parse_bootstrap(document([[["de"], ["https://listed.example/"]]]), source="t")
    extra = (
        Override("de", ("https://o.example/",), "s", "2024-01-01"),
        Override("io", ("https://io.example/",), "s", "2024-01-01"),
    )
    merged = listed.with_overrides(extra)
    assert merged.base_urls("x.de") == ("https://listed.example/",)
    assert merged.base_urls("x.io") == ("https://io.example/",)


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ({"tld": "de", "urls": ["https://x/"], "date": "2024-01-01"}, "'source' is required"),
        ({"tld": "de", "urls": ["https://x/"], "source": "s", "date": "soon"}, "'date'"),
        ({"tld": "de", "urls": ["http://x/"], "source": "s", "date": "2024-01-01"}, "https"),
    ],
)
def test_an_override_without_evidence_is_refused(entry: dict[str, Any], reason: str) -> None:
    with pytest.raises(BootstrapError, match=reason):
        parse_overrides(json.dumps({"overrides": [entry]}).encode())


# --- where the bootstrap comes from ----------------------------------------------------------


def test_a_bootstrap_file_given_by_the_user_is_used_exactly_as_given(tmp_path: Path) -> None:
    path = tmp_path / "dns.json"
    path.write_bytes(document([[["com"], ["http://127.0.0.1:9/rdap"]]]))
    bootstrap = load(str(path), MemoryCache())
    assert bootstrap.source == str(path)
    assert bootstrap.base_urls("x.com") == ("http://127.0.0.1:9/rdap/",)
    assert not bootstrap.covers("x.de")  # no overrides on a user's table


def test_a_bootstrap_url_given_by_the_user_may_be_plain_http_on_loopback() -> None:
    with RdapServer() as server:
        registry = server.add_registry("files")
        url = registry.add_path("/dns.json", document([[["com"], ["http://127.0.0.1:9/"]]]))
        bootstrap = load(url)
    assert bootstrap.base_urls("x.com") == ("http://127.0.0.1:9/",)
    assert bootstrap.source == url


def test_an_unusable_user_bootstrap_is_an_error_not_a_silent_fallback(tmp_path: Path) -> None:
    with pytest.raises(BootstrapError, match=r"cannot read RDAP bootstrap .*missing\.json"):
        load(str(tmp_path / "missing.json"))
    with pytest.raises(BootstrapError, match="is a URL, but the run is offline"):
        load("http://127.0.0.1:9/dns.json", offline=True)
    with RdapServer() as server:
        registry = server.add_registry("files")
        with pytest.raises(BootstrapError, match="HTTP 400"):
            load(f"http://127.0.0.1:{registry.port}/elsewhere.json")


@pytest.mark.parametrize(("cache", "offline"), [(None, True), (None, False), ("empty", True)])
def test_without_a_cache_or_offline_the_shipped_snapshot_plus_overrides_is_used(
    cache: str | None, offline: bool
) -> None:
    with PLAYBACK.use_cassette("iana-refresh.json") as played:
        bootstrap = load(None, MemoryCache() if cache else None, offline=offline)
        assert played.play_count == 0
    assert bootstrap.publication == "2026-03-23T19:00:02Z"
    assert bootstrap.base_urls("example.de") == ("https://rdap.denic.de/",)


def test_online_with_an_empty_cache_fetches_iana_and_keeps_it_for_a_day() -> None:
    cache = MemoryCache()
    with PLAYBACK.use_cassette("iana-refresh.json") as played:
        bootstrap = load(None, cache)
        assert played.play_count == 1
    assert bootstrap.publication == "2024-02-07T04:00:02Z"
    assert bootstrap.base_urls("web.dev") == ("https://www.registry.google/rdap/",)
    assert cache.puts == [(CACHE_KEY, REFRESH_SECONDS)]
    assert REFRESH_SECONDS == 86400
    assert cache.blobs[CACHE_KEY] == (SNAPSHOTS / "iana_dns_2024-02-07.json").read_bytes()
    assert bootstrap.base_urls("example.de") == ("https://rdap.denic.de/",)


def test_a_cached_iana_copy_is_used_without_asking_iana() -> None:
    cache = MemoryCache({CACHE_KEY: (SNAPSHOTS / "iana_dns_2024-02-07.json").read_bytes()})
    with PLAYBACK.use_cassette("iana-error.json") as played:
        bootstrap = load(None, cache)
        assert played.play_count == 0
    assert bootstrap.publication == "2024-02-07T04:00:02Z"
    assert cache.puts == []


def test_a_failed_iana_refresh_falls_back_to_the_shipped_snapshot() -> None:
    cache = MemoryCache()
    with PLAYBACK.use_cassette("iana-error.json") as played:
        bootstrap = load(None, cache)
        assert played.play_count == 1
    assert bootstrap.publication == "2026-03-23T19:00:02Z"
    assert cache.puts == []


def test_a_corrupt_cached_copy_is_replaced_by_a_fresh_one() -> None:
    cache = MemoryCache({CACHE_KEY: b'{"version": "1.0", "services": [[['})
    with PLAYBACK.use_cassette("iana-refresh.json") as played:
        bootstrap = load(None, cache)
        assert played.play_count == 1
    assert bootstrap.publication == "2024-02-07T04:00:02Z"


def test_a_broken_cache_or_unreachable_iana_never_stops_the_run() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/dns.json"
    bootstrap = load(None, BrokenCache(), iana_url=closed, timeout=1)
    assert bootstrap.publication == "2026-03-23T19:00:02Z"
    assert bootstrap.covers("google.com")
