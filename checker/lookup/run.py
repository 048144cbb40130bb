"""Wiring one run's lookups from its settings: cache, bootstrap, RDAP, WHOIS, DNS."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from checker.errors import UsageError
from checker.lookup.cache import Cache
from checker.lookup.stats import LookupStats
from checker.model import DomainResult, LookupFailure, ReasonCode, Registration
from checker.settings import LookupSettings
from checker.verdict import judge, with_reasons

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from rich.console import Console

    from checker.lookup.dns import DnsChecker
    from checker.lookup.drift import DriftStore
    from checker.lookup.mailmemo import MailPathMemo
    from checker.lookup.mailpath import MailPath
    from checker.lookup.rdap import RdapClient
    from checker.lookup.service import Assessor


#: Requests in flight per registry host unless ``registry-concurrency`` says otherwise.
DEFAULT_PER_REGISTRY = 8
#: The ``registry-concurrency`` key for every registry host not named.
DEFAULT_REGISTRY_KEY = "default"


class SettingsError(UsageError, ValueError):
    """A user-supplied setting (bootstrap, server) cannot be used."""


@dataclass
class _RdapSource:
    """Adapts :class:`RdapClient` to the service's source protocol with the registrar policy."""

    client: RdapClient
    policy: Callable[[Registration], bool]

    def covers(self, domain: str) -> bool:
        return self.client.covers(domain)

    async def lookup(self, domain: str) -> Registration | LookupFailure:
        return await self.client.lookup(domain, follow_registrar=self.policy)

    def route(self, domain: str) -> str:
        """The registry host asked first about ``domain``."""
        from checker.net.http import host_key

        urls = self.client.query_urls(domain)
        return host_key(urls[0]) if urls else ""


def open_cache(settings: LookupSettings) -> Cache:
    """The evidence cache, or a disabled one for ``--no-cache``."""
    return Cache.open(settings.cache_dir) if settings.cache else Cache.disabled()


def cached_assessment(
    domains: Mapping[str, Sequence[str]],
    cache: Cache,
    *,
    now: datetime,
    window_days: int,
    last_used: Mapping[str, datetime] | None = None,
    dns: bool = True,
    mail_path: bool = False,
) -> tuple[dict[str, DomainResult], dict[str, Sequence[str]]]:
    """Verdicts for the domains the cache answers, and the domains it does not.

    Evidence that lacks what this run would have asked (the DNS answers, with ``dns``)
    counts as not cached: a ``--no-dns`` run's evidence must not read healthy here. With
    ``mail_path``, a domain is answered only when its mail path's outcome is kept too
    (:mod:`checker.lookup.mailmemo`), with a change of hands still being reported.
    """
    memo: MailPathMemo | None = None
    drift: DriftStore | None = None
    if mail_path:
        from checker.lookup.drift import DriftStore
        from checker.lookup.mailmemo import MailPathMemo

        memo = MailPathMemo(cache, dns=dns)
        drift = DriftStore(cache) if cache.enabled else None
    last_used = last_used or {}
    hits: dict[str, DomainResult] = {}
    misses: dict[str, Sequence[str]] = {}
    for name, mail_domains in domains.items():
        cached = cache.get(name, now) if cache.enabled else None
        if cached is None or not cached.answers(mail_domains, dns=dns):
            misses[name] = mail_domains
            continue
        path = None if memo is None else memo.get(name, mail_domains, now)
        if memo is not None and path is None:
            misses[name] = mail_domains
            continue
        result = judge(
            name,
            registration=cached.registration,
            dns=cached.dns,
            now=now,
            expiry_window_days=window_days,
            last_used=last_used.get(name),
            checked_at=cached.checked_at,
            cached=True,
        )
        if path is not None:
            changed = None if drift is None else drift.recall(name, now)
            result = with_reasons(result, [*path, *([changed] if changed else [])])
        hits[name] = result
    return hits, misses


def _not_asked(domain: str, now: datetime) -> DomainResult:
    failure = LookupFailure(
        ReasonCode.OFFLINE, "offline mode: the registry was not asked about this domain"
    )
    return judge(domain, registration=None, failure=failure, now=now)


async def assess_domains(
    domains: Mapping[str, Sequence[str]],
    settings: LookupSettings,
    *,
    now: datetime,
    cache: Cache,
    on_done: Callable[[DomainResult], None] | None = None,
    last_used: Mapping[str, datetime] | None = None,
) -> tuple[list[DomainResult], LookupStats]:
    """Look every domain up online and judge it; offline runs stop in :func:`run_assessment`."""
    from checker.lookup.bootstrap import BootstrapError, load_bootstrap
    from checker.lookup.dns import DnsChecker
    from checker.lookup.rdap import RdapClient
    from checker.lookup.resolver_check import SanityCheckedDns, registry_hosts
    from checker.lookup.service import Assessor, DnsSource, registrar_worth_asking
    from checker.lookup.whois import WhoisClient
    from checker.net.http import DOMAIN_BUDGET_TIMEOUTS, HostLimiter, make_client

    deadline = None if settings.deadline is None else time.monotonic() + settings.deadline
    caps = dict(settings.registry_concurrency)
    per_host = caps.pop(DEFAULT_REGISTRY_KEY, DEFAULT_PER_REGISTRY)
    limiter = HostLimiter(
        total=max(1, settings.concurrency), per_host=per_host, host_caps=caps, deadline=deadline
    )
    widest = max([per_host, *caps.values()])
    async with make_client(per_origin=widest) as client:
        try:
            bootstrap = await load_bootstrap(
                settings.rdap_bootstrap,
                cache=cache if cache.enabled else None,
                offline=False,
                client=client,
                limiter=limiter,
                timeout=settings.timeout,
            )
        except BootstrapError as exc:
            raise SettingsError(f"--rdap-bootstrap: {exc}") from None
        rdap = RdapClient(bootstrap, client, limiter=limiter, timeout=settings.timeout)
        whois = WhoisClient(servers_override=settings.whois_servers, timeout=settings.timeout)

        def policy(registration: Registration) -> bool:
            return registrar_worth_asking(
                registration, now=now, window_days=settings.expiry_window_days
            )

        dns: DnsSource | None = None
        checker: DnsChecker | None = None
        sane: SanityCheckedDns | None = None
        if settings.dns:
            checker = DnsChecker(nameserver=settings.nameserver, timeout=min(settings.timeout, 5.0))
            # Names that must exist: a resolver that finds none of them gives no evidence.
            one_per_tld = {name.rsplit(".", 1)[-1]: name for name in domains}
            probes = registry_hosts(u for n in one_per_tld.values() for u in rdap.query_urls(n))
            dns = sane = SanityCheckedDns(checker, probes, checker.resolver_text)
        assessor = Assessor(
            [_RdapSource(rdap, policy), whois],
            dns=dns,
            cache=cache,
            now=now,
            expiry_window_days=settings.expiry_window_days,
            concurrency=settings.concurrency,
            # Twice a registry's cap in flight per registry: a freed slot never waits for a
            # lookup to start, and a slow registry cannot hold every place in flight.
            per_route=lambda host: 2 * limiter.cap(host),
            deadline=deadline,
            on_done=on_done,
            last_used=last_used,
            lookup_budget=DOMAIN_BUDGET_TIMEOUTS * settings.timeout,
        )
        if settings.mail_path:
            assessor.mail_path = _mail_path(
                assessor, checker, settings, cache=cache, now=now, deadline=deadline,
                resolver_failing=sane.failing if sane is not None else lambda: False,
            )  # fmt: skip
        results = await assessor.assess(domains)
    return results, assessor.stats


def _mail_path(
    assessor: Assessor,
    dns: DnsChecker | None,
    settings: LookupSettings,
    *,
    cache: Cache,
    now: datetime,
    deadline: float | None,
    resolver_failing: Callable[[], bool],
) -> MailPath:
    """The nameserver / mail-host, lame-delegation and drift checks of an online run."""
    from checker.domains import DomainClassifier
    from checker.lookup.drift import DriftStore
    from checker.lookup.lame import LameChecker
    from checker.lookup.mailmemo import MailPathMemo
    from checker.lookup.mailpath import MailPath

    def assess_host(domain: str) -> Awaitable[DomainResult]:
        return assessor.assess_one(domain, [])

    timeout = min(settings.timeout, 5.0)
    path = MailPath(
        assess_host=assess_host,
        resolver=None if dns is None else dns.resolver,
        known_mx=None if dns is None else dns.mx_hosts.get,
        classifier=DomainClassifier(),
        now=now,
        drift=DriftStore(cache) if cache.enabled else None,
        concurrency=settings.concurrency,
        timeout=timeout,
        deadline=deadline,
        resolver_failing=resolver_failing,
        memo=MailPathMemo(cache, dns=settings.dns),
    )
    if dns is not None:
        path.lame = LameChecker(
            path.addresses,
            port=settings.authoritative_port,
            timeout=timeout,
            allow_loopback=settings.authoritative_loopback,
            concurrency=settings.concurrency,
        )
    return path


def run_assessment(
    domains: Mapping[str, Sequence[str]],
    settings: LookupSettings,
    *,
    now: datetime,
    progress: bool | None = None,
    last_used: Mapping[str, datetime] | None = None,
    on_done: Callable[[DomainResult], None] | None = None,
) -> tuple[list[DomainResult], LookupStats, list[str]]:
    """Synchronous entry point; shows a progress bar on a terminal for long runs.

    ``on_done`` is called with each verdict looked up online, as it is reached.

    ``last_used`` maps a registrable domain to the latest date its addresses are known
    in use (see :func:`checker.pipeline.last_used`), for the ``re-registered`` check.
    """
    cache = open_cache(settings)
    warnings = list(cache.warnings)
    try:
        # The cache first, with no event loop, client or bootstrap: a run the cache
        # answers whole, mail path included (or an offline run), does no network set-up.
        hits, misses = cached_assessment(
            domains,
            cache,
            now=now,
            window_days=settings.expiry_window_days,
            last_used=last_used,
            dns=settings.dns,
            mail_path=settings.mail_path and not settings.offline,
        )
        if settings.offline or not misses:
            results = [hits.get(name) or _not_asked(name, now) for name in domains]
            return results, LookupStats(domains=len(domains)), warnings
        import asyncio

        show = progress if progress is not None else sys.stderr.isatty()
        if show and len(misses) > 5:
            from rich.progress import Progress

            with Progress(transient=True, console=_stderr_console()) as bar:
                task = bar.add_task("Checking domains", total=len(misses))

                def advance(result: DomainResult) -> None:
                    bar.advance(task)
                    if on_done is not None:
                        on_done(result)

                looked_up, stats = asyncio.run(
                    assess_domains(
                        misses, settings, now=now, cache=cache, on_done=advance,
                        last_used=last_used,
                    )
                )  # fmt: skip
        else:
            looked_up, stats = asyncio.run(
                assess_domains(
                    misses, settings, now=now, cache=cache, on_done=on_done, last_used=last_used
                )
            )
    finally:
        warnings.extend(w for w in cache.warnings if w not in warnings)
        cache.close()
    answered = dict(zip(misses, looked_up, strict=True))
    stats.domains = len(domains)
    return [hits.get(name) or answered[name] for name in domains], stats, warnings


def _stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)
