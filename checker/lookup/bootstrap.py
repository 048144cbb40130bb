"""RFC 9224 bootstrap: which RDAP service answers for a TLD.

The IANA ``dns.json`` is shipped as package data (``checker/data/rdap-dns-bootstrap.json``),
refreshed from IANA at most daily into the cache when online, and topped up by a small
override table (``checker/data/rdap-overrides.json``) for ccTLDs whose registries run RDAP
without being listed. A bootstrap the user names with ``--rdap-bootstrap`` is used exactly
as given: no overrides, no refresh.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from checker.errors import DomainGuardError
from checker.net.http import DEFAULT_TIMEOUT, FetchFailure, HostLimiter, fetch

IANA_DNS_URL = "https://data.iana.org/rdap/dns.json"
CACHE_KEY = "rdap-bootstrap:dns.json"
REFRESH_SECONDS = 24 * 60 * 60
MAX_BOOTSTRAP_BYTES = 4 * 1024 * 1024
MAX_SERVICES = 10_000
MAX_ENTRIES = 50_000

_ENTRY = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$")


class BootstrapError(DomainGuardError, ValueError):
    """A bootstrap document could not be read or has the wrong shape."""


class BlobCache(Protocol):
    """The slice of the lookup cache the bootstrap needs (implemented by the sqlite cache)."""

    def get_blob(self, key: str) -> bytes | None:
        """The stored value, or None when absent or expired."""
        ...

    def put_blob(self, key: str, value: bytes, ttl_seconds: float) -> None:
        """Store ``value`` under ``key`` for ``ttl_seconds``."""
        ...


@dataclass(frozen=True)
class Override:
    """A TLD whose registry runs RDAP without an entry in the IANA bootstrap."""

    tld: str
    urls: tuple[str, ...]
    source: str
    date: str


@dataclass(frozen=True)
class Bootstrap:
    """TLD (or multi-label suffix) -> RDAP base URLs, each ending in ``/``."""

    services: Mapping[str, tuple[str, ...]]
    source: str  # where it came from, for evidence messages
    publication: str | None = None

    def base_urls(self, domain: str) -> tuple[str, ...]:
        """Base URLs for ``domain`` by longest label-wise suffix match; () when none."""
        labels = domain.lower().rstrip(".").split(".")
        for start in range(len(labels)):
            urls = self.services.get(".".join(labels[start:]))
            if urls:
                return urls
        return ()

    def covers(self, domain: str) -> bool:
        """True when some RDAP service is known for ``domain``."""
        return bool(self.base_urls(domain))

    def with_overrides(self, overrides: tuple[Override, ...]) -> Bootstrap:
        """A copy with ``overrides`` added for suffixes the bootstrap does not list."""
        services = dict(self.services)
        added = [o.tld for o in overrides if o.tld not in services]
        for override in overrides:
            services.setdefault(override.tld, override.urls)
        if not added:
            return self
        return Bootstrap(services, f"{self.source} + overrides", self.publication)


def _normalise_base_url(url: object, where: str) -> str:
    if not isinstance(url, str) or not url or len(url) > 2048:
        raise BootstrapError(f"{where}: a service URL must be a non-empty string")
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:
        raise BootstrapError(f"{where}: invalid service URL {url[:100]!r}") from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise BootstrapError(f"{where}: service URL {url[:100]!r} is not an http(s) URL")
    if parts.query or parts.fragment:
        raise BootstrapError(f"{where}: service URL {url[:100]!r} has a query or fragment")
    text = url.strip()
    return text if text.endswith("/") else text + "/"


def _normalise_entry(entry: object, where: str) -> str:
    if not isinstance(entry, str):
        raise BootstrapError(f"{where}: a TLD entry must be a string")
    name = entry.strip().lower().strip(".")
    if not _ENTRY.match(name):
        raise BootstrapError(f"{where}: {entry[:100]!r} is not an A-label domain suffix")
    return name


def parse_bootstrap(data: bytes, *, source: str) -> Bootstrap:
    """Parse and strictly validate an RFC 9224 DNS bootstrap document.

    URLs missing their trailing ``/`` get one; when a service lists both https and
    http URLs, only the https ones are kept. Raises :class:`BootstrapError`.
    """
    if len(data) > MAX_BOOTSTRAP_BYTES:
        raise BootstrapError(f"{source}: larger than {MAX_BOOTSTRAP_BYTES} bytes")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BootstrapError(f"{source}: not valid JSON") from exc
    if not isinstance(document, dict):
        raise BootstrapError(f"{source}: the top level must be a JSON object")
    if document.get("version") != "1.0":
        raise BootstrapError(f"{source}: 'version' must be \"1.0\"")
    publication = document.get("publication")
    if publication is not None and not isinstance(publication, str):
        raise BootstrapError(f"{source}: 'publication' must be a string")
    services = document.get("services")
    if not isinstance(services, list) or not services:
        raise BootstrapError(f"{source}: 'services' must be a non-empty array")
    if len(services) > MAX_SERVICES:
        raise BootstrapError(f"{source}: more than {MAX_SERVICES} services")
    table: dict[str, tuple[str, ...]] = {}
    entries_seen = 0
    for index, service in enumerate(services):
        where = f"{source}: services[{index}]"
        if not (isinstance(service, list) and len(service) == 2):
            raise BootstrapError(f"{where} must be an array of two arrays")
        entries, urls = service
        if not isinstance(entries, list) or not entries:
            raise BootstrapError(f"{where}: the entry list must be a non-empty array")
        if not isinstance(urls, list) or not urls:
            raise BootstrapError(f"{where}: the URL list must be a non-empty array")
        entries_seen += len(entries)
        if entries_seen > MAX_ENTRIES:
            raise BootstrapError(f"{source}: more than {MAX_ENTRIES} entries")
        bases = [_normalise_base_url(url, where) for url in urls]
        secure = [url for url in bases if url.lower().startswith("https://")]
        chosen = tuple(dict.fromkeys(secure or bases))
        for entry in entries:
            table.setdefault(_normalise_entry(entry, where), chosen)
    return Bootstrap(table, source, publication)


def parse_overrides(data: bytes) -> tuple[Override, ...]:
    """Parse the override table; every entry needs ``tld``, ``urls``, ``source`` and ``date``."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BootstrapError("rdap-overrides.json: not valid JSON") from exc
    entries = document.get("overrides") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise BootstrapError("rdap-overrides.json: 'overrides' must be an array")
    result = []
    for index, entry in enumerate(entries):
        where = f"rdap-overrides.json: overrides[{index}]"
        if not isinstance(entry, dict):
            raise BootstrapError(f"{where} must be an object")
        source, date, urls = entry.get("source"), entry.get("date"), entry.get("urls")
        if not isinstance(source, str) or not source.strip():
            raise BootstrapError(f"{where}: 'source' is required")
        if not isinstance(date, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            raise BootstrapError(f"{where}: 'date' must be YYYY-MM-DD")
        if not isinstance(urls, list) or not urls:
            raise BootstrapError(f"{where}: 'urls' must be a non-empty array")
        bases = tuple(_normalise_base_url(url, where) for url in urls)
        if not all(url.startswith("https://") for url in bases):
            raise BootstrapError(f"{where}: override URLs must be https")
        result.append(Override(_normalise_entry(entry.get("tld"), where), bases, source, date))
    return tuple(result)


def _data_file(name: str) -> bytes:
    return (resources.files("checker") / "data" / name).read_bytes()


def shipped_bootstrap() -> Bootstrap:
    """The IANA snapshot shipped with domain-guard."""
    data = _data_file("rdap-dns-bootstrap.json")
    parsed = parse_bootstrap(data, source="shipped IANA snapshot")
    return Bootstrap(
        parsed.services, f"shipped IANA snapshot {parsed.publication}", parsed.publication
    )


def shipped_overrides() -> tuple[Override, ...]:
    """The documented override table shipped with domain-guard."""
    return parse_overrides(_data_file("rdap-overrides.json"))


def _is_url(spec: str) -> bool:
    return spec.lower().startswith(("http://", "https://"))


async def load_bootstrap(
    spec: str | None,
    *,
    cache: BlobCache | None,
    offline: bool,
    client: httpx.AsyncClient,
    limiter: HostLimiter | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    iana_url: str = IANA_DNS_URL,
) -> Bootstrap:
    """The bootstrap for this run.

    ``spec`` (a path or URL from the user) is trusted as given, http and loopback
    included, and used without overrides; reading it may raise :class:`BootstrapError`.
    Without ``spec``: the cached IANA copy, else a fresh one from ``iana_url`` when online
    and a cache can keep it for a day, else the shipped snapshot. Without a cache IANA is
    not asked (a refresh at most daily could not be kept to). Any failure on that path
    falls back to the shipped snapshot. Overrides fill in TLDs IANA does not list.
    """
    limiter = limiter or HostLimiter()
    if spec is not None:
        return await _load_spec(
            spec, offline=offline, client=client, limiter=limiter, timeout=timeout
        )
    chosen = _from_cache(cache)
    if chosen is None and cache is not None and not offline:
        try:
            chosen = await _from_iana(
                iana_url, cache=cache, client=client, limiter=limiter, timeout=timeout
            )
        except Exception:  # any failure here falls back to the shipped copy, whatever it is
            chosen = None
    return (chosen or shipped_bootstrap()).with_overrides(shipped_overrides())


async def _load_spec(
    spec: str, *, offline: bool, client: httpx.AsyncClient, limiter: HostLimiter, timeout: float
) -> Bootstrap:
    if not _is_url(spec):
        try:
            data = Path(spec).expanduser().read_bytes()
        except OSError as exc:
            raise BootstrapError(
                f"cannot read RDAP bootstrap {spec}: {exc.strerror or exc}"
            ) from exc
        return parse_bootstrap(data, source=spec)
    if offline:
        raise BootstrapError(f"RDAP bootstrap {spec} is a URL, but the run is offline")
    result = await fetch(
        client, spec, limiter=limiter, timeout=timeout, max_body=MAX_BOOTSTRAP_BYTES, retries=1
    )
    if isinstance(result, FetchFailure):
        raise BootstrapError(f"cannot fetch RDAP bootstrap {spec}: {result.message}")
    if result.status != 200:
        raise BootstrapError(f"cannot fetch RDAP bootstrap {spec}: HTTP {result.status}")
    return parse_bootstrap(result.body, source=spec)


def _from_cache(cache: BlobCache | None) -> Bootstrap | None:
    if cache is None:
        return None
    try:
        blob = cache.get_blob(CACHE_KEY)
        if blob is None:
            return None
        parsed = parse_bootstrap(blob, source="cached IANA copy")
    except Exception:  # a broken cache must never stop a run: the shipped copy stands in
        return None
    return Bootstrap(parsed.services, f"cached IANA copy {parsed.publication}", parsed.publication)


async def _from_iana(
    url: str,
    *,
    cache: BlobCache,
    client: httpx.AsyncClient,
    limiter: HostLimiter,
    timeout: float,
) -> Bootstrap | None:
    result = await fetch(
        client, url, limiter=limiter, timeout=timeout, max_body=MAX_BOOTSTRAP_BYTES, retries=1
    )
    if isinstance(result, FetchFailure) or result.status != 200:
        return None
    try:
        parsed = parse_bootstrap(result.body, source=url)
    except BootstrapError:
        return None
    # Not being able to cache only costs a refetch next run.
    with contextlib.suppress(Exception):
        cache.put_blob(CACHE_KEY, result.body, REFRESH_SECONDS)
    return Bootstrap(parsed.services, f"IANA {parsed.publication}", parsed.publication)
