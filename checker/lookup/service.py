"""Assessing many domains at once: cache, then RDAP (WHOIS behind it) and DNS, then a verdict.

One registry request per uncached registrable domain, however many addresses point at it.
Whatever is not answered by the deadline ends ``unknown``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from checker.log import LOGGER
from checker.lookup.cache import AT_RISK_TTL, HEALTHY_TTL, Cache, CachedEvidence
from checker.lookup.dns import MAX_MAIL_DOMAINS
from checker.lookup.stats import LookupStats
from checker.model import (
    DnsInfo,
    DomainResult,
    LookupFailure,
    ReasonCode,
    Registration,
    Risk,
)
from checker.verdict import judge

if TYPE_CHECKING:
    from checker.lookup.mailpath import MailPath

#: Beyond the expiry window, how far ahead a registrar's own answer is still worth reading.
REGISTRAR_MARGIN_DAYS = 45


class RegistrationSource(Protocol):
    """RDAP or WHOIS: answers for the TLDs it covers."""

    def covers(self, domain: str) -> bool: ...

    async def lookup(self, domain: str) -> Registration | LookupFailure: ...


class DnsSource(Protocol):
    async def check(self, registrable: str, mail_domains: Sequence[str]) -> DnsInfo: ...


def registrar_worth_asking(registration: Registration, *, now: datetime, window_days: int) -> bool:
    """Follow the registrar link only when its answer can change the verdict."""
    if "auto renew period" in registration.statuses:
        return True
    if registration.expires is None:
        return True
    return registration.expires - now <= timedelta(days=window_days + REGISTRAR_MARGIN_DAYS)


class Assessor:
    """Looks domains up and judges them. Sources are tried in order until one answers."""

    def __init__(
        self,
        sources: Sequence[RegistrationSource],
        *,
        dns: DnsSource | None,
        cache: Cache,
        now: datetime,
        expiry_window_days: int = 30,
        concurrency: int = 32,
        deadline: float | None = None,
        on_done: Callable[[DomainResult], None] | None = None,
        last_used: Mapping[str, datetime] | None = None,
    ) -> None:
        self._sources = sources
        self._dns = dns
        self._cache = cache
        self._now = now
        self._window = expiry_window_days
        # Registry requests are shaped per host by the HTTP limiter; a global semaphore
        # around them would let tasks queued for one slow registry starve the others.
        self._dns_slots = asyncio.Semaphore(max(1, concurrency))
        self._deadline = deadline
        self._on_done = on_done
        self._last_used = dict(last_used or {})
        self.stats = LookupStats()
        #: Nameserver / mail-host domains, lame delegations, drift (set by the run's wiring).
        self.mail_path: MailPath | None = None

    def _judge(
        self,
        domain: str,
        registration: Registration | None,
        failure: LookupFailure | None,
        dns: DnsInfo | None,
        *,
        checked_at: datetime | None,
        cached: bool = False,
    ) -> DomainResult:
        return judge(
            domain,
            registration=registration,
            failure=failure,
            dns=dns,
            now=self._now,
            expiry_window_days=self._window,
            last_used=self._last_used.get(domain),
            checked_at=checked_at,
            cached=cached,
        )

    async def _registration(self, domain: str) -> Registration | LookupFailure:
        failures: list[LookupFailure] = []
        for source in self._sources:
            if not source.covers(domain):
                continue
            self.stats.registry_lookups += 1
            answer = await source.lookup(domain)
            if isinstance(answer, Registration):
                return answer
            failures.append(answer)
        if not failures:
            tld = domain.rsplit(".", 1)[-1]
            return LookupFailure(
                ReasonCode.UNSUPPORTED_TLD,
                f"no RDAP service and no WHOIS server is known for .{tld}",
            )
        if len(failures) == 1:
            return failures[0]
        return LookupFailure(
            ReasonCode.LOOKUP_FAILED,
            "; ".join(f.message for f in failures),
            url=failures[0].url,
            retryable=any(f.retryable for f in failures),
        )

    async def _dns_check(self, domain: str, mail_domains: Sequence[str]) -> DnsInfo | None:
        if self._dns is None:
            return None
        async with self._dns_slots:
            return await self._dns.check(domain, mail_domains)

    def _covers(self, cached: CachedEvidence, mail_domains: Sequence[str]) -> bool:
        """Whether cached evidence answers every question this run would ask."""
        return cached.answers(mail_domains[:MAX_MAIL_DOMAINS], dns=self._dns is not None)

    async def assess_one(self, domain: str, mail_domains: Sequence[str]) -> DomainResult:
        """The verdict on one registrable domain."""
        cached = self._cache.get(domain, self._now)
        if cached is not None and not self._covers(cached, mail_domains):
            cached = None  # e.g. written by a --no-dns run, or for other mail domains
        if cached is not None:
            self.stats.cache_hits += 1
            LOGGER.debug("%s: evidence from the cache (checked %s)", domain, cached.checked_at)
            return self._judge(
                domain,
                cached.registration,
                None,
                cached.dns,
                checked_at=cached.checked_at,
                cached=True,
            )
        answer, dns = await asyncio.gather(
            self._registration(domain), self._dns_check(domain, mail_domains)
        )
        if isinstance(answer, LookupFailure):
            self.stats.failures += 1
            LOGGER.debug("%s: no registration answer: %s", domain, answer.message)
            return self._judge(domain, None, answer, dns, checked_at=self._now)
        result = self._judge(domain, answer, None, dns, checked_at=self._now)
        LOGGER.debug("%s: %s from %s -> %s", domain,
                     "registered" if answer.registered else "not registered",
                     answer.url or answer.source.value, result.risk.value)  # fmt: skip
        if dns is None or dns.error is None:  # failures are never kept
            ttl = HEALTHY_TTL if result.risk is Risk.NONE else AT_RISK_TTL
            self._cache.put(domain, CachedEvidence(answer, dns, self._now), ttl)
        return result

    async def assess(self, domains: Mapping[str, Sequence[str]]) -> list[DomainResult]:
        """Verdicts for every domain; those unanswered by the deadline are ``unknown``."""
        self.stats.domains = len(domains)
        tasks = {
            asyncio.ensure_future(self._tracked(name, mail)): name for name, mail in domains.items()
        }
        if not tasks:
            return []
        timeout = None if self._deadline is None else max(0.0, self._deadline - time.monotonic())
        done, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        results = []
        for task, name in tasks.items():
            if task in done and not task.cancelled() and task.exception() is None:
                results.append(task.result())
                continue
            self.stats.timed_out += task not in done
            if task in done and not task.cancelled() and task.exception() is not None:
                message = f"lookup crashed: {type(task.exception()).__name__}"
            else:
                message = "the run's deadline passed before the registry answered"
            results.append(
                self._judge(
                    name, None, LookupFailure(ReasonCode.LOOKUP_FAILED, message), None,
                    checked_at=self._now,
                )
            )  # fmt: skip
        return results

    async def _tracked(self, domain: str, mail_domains: Sequence[str]) -> DomainResult:
        result = await self.assess_one(domain, mail_domains)
        if self.mail_path is not None:
            result = await self.mail_path.extend(result, mail_domains)
        if self._on_done is not None:
            self._on_done(result)
        return result
