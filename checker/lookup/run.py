"""Wiring one run's lookups from its settings: cache, bootstrap, RDAP, WHOIS, DNS."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from checker.lookup.cache import Cache
from checker.lookup.stats import LookupStats
from checker.model import DomainResult, LookupFailure, ReasonCode, Registration
from checker.settings import LookupSettings
from checker.verdict import judge

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from rich.console import Console

    from checker.lookup.dns import DnsChecker
    from checker.lookup.mailpath import MailPath
    from checker.lookup.rdap import RdapClient
    from checker.lookup.service import Assessor


class SettingsError(ValueError):
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


def open_cache(settings: LookupSettings) -> Cache:
    """The evidence cache, or a disabled one for ``--no-cache``."""
    return Cache.open(settings.cache_dir) if settings.cache else Cache.disabled()


def offline_assessment(
    domains: Mapping[str, Sequence[str]],
    cache: Cache,
    *,
    now: datetime,
    window_days: int,
    last_used: Mapping[str, datetime] | None = None,
    dns: bool = True,
) -> list[DomainResult]:
    """Verdicts from cached evidence only; anything not cached is ``unknown`` (offline).

    Evidence that lacks what this run would have asked (the DNS answers, with ``dns``)
    counts as not cached: a ``--no-dns`` run's evidence must not read healthy here.
    """
    last_used = last_used or {}
    results = []
    for name, mail_domains in domains.items():
        cached = cache.get(name, now)
        if cached is not None and not cached.answers(mail_domains, dns=dns):
            cached = None
        if cached is not None:
            results.append(
                judge(
                    name,
                    registration=cached.registration,
                    dns=cached.dns,
                    now=now,
                    expiry_window_days=window_days,
                    last_used=last_used.get(name),
                    checked_at=cached.checked_at,
                    cached=True,
                )
            )
        else:
            results.append(
                judge(
                    name,
                    registration=None,
                    failure=LookupFailure(
                        ReasonCode.OFFLINE,
                        "offline mode: the registry was not asked about this domain",
                    ),
                    now=now,
                )
            )
    return results


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
    from checker.lookup.http import HostLimiter, make_client
    from checker.lookup.rdap import RdapClient
    from checker.lookup.service import Assessor, registrar_worth_asking
    from checker.lookup.whois import WhoisClient

    deadline = None if settings.deadline is None else time.monotonic() + settings.deadline
    limiter = HostLimiter(total=max(1, settings.concurrency), deadline=deadline)
    async with make_client() as client:
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

        dns = (
            DnsChecker(nameserver=settings.nameserver, timeout=min(settings.timeout, 5.0))
            if settings.dns
            else None
        )
        assessor = Assessor(
            [_RdapSource(rdap, policy), whois],
            dns=dns,
            cache=cache,
            now=now,
            expiry_window_days=settings.expiry_window_days,
            concurrency=settings.concurrency,
            deadline=deadline,
            on_done=on_done,
            last_used=last_used,
        )
        if settings.mail_path:
            assessor.mail_path = _mail_path(
                assessor, dns, settings, cache=cache, now=now, deadline=deadline
            )
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
) -> MailPath:
    """The nameserver / mail-host, lame-delegation and drift checks of an online run."""
    from checker.domains import DomainClassifier
    from checker.lookup.drift import DriftStore
    from checker.lookup.lame import LameChecker
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
) -> tuple[list[DomainResult], LookupStats, list[str]]:
    """Synchronous entry point; shows a progress bar on a terminal for long runs.

    ``last_used`` maps a registrable domain to the latest date its addresses are known
    in use (see :func:`checker.pipeline.last_used`), for the ``re-registered`` check.
    """
    cache = open_cache(settings)
    warnings = list(cache.warnings)
    try:
        if settings.offline or not domains:
            # No event loop needed: keeps asyncio out of offline start-up.
            results = offline_assessment(
                domains,
                cache,
                now=now,
                window_days=settings.expiry_window_days,
                last_used=last_used,
                dns=settings.dns,
            )
            return results, LookupStats(domains=len(domains)), warnings
        import asyncio

        show = progress if progress is not None else sys.stderr.isatty()
        if show and len(domains) > 5:
            from rich.progress import Progress

            with Progress(transient=True, console=_stderr_console()) as bar:
                task = bar.add_task("Checking domains", total=len(domains))
                results, stats = asyncio.run(
                    assess_domains(
                        domains,
                        settings,
                        now=now,
                        cache=cache,
                        on_done=lambda _: bar.advance(task),
                        last_used=last_used,
                    )
                )
        else:
            results, stats = asyncio.run(
                assess_domains(domains, settings, now=now, cache=cache, last_used=last_used)
            )
    finally:
        warnings.extend(w for w in cache.warnings if w not in warnings)
        cache.close()
    return results, stats, warnings


def _stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)
