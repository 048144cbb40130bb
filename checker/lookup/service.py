"""Assessing many domains at once: cache, then RDAP (WHOIS behind it) and DNS, then a verdict.

One registry request per uncached registrable domain, however many addresses point at it.
Whatever is not answered by the deadline ends ``unknown``.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
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
from checker.net.http import DOMAIN_BUDGET, LookupBudget
from checker.settings import DEFAULT_EXPIRY_WINDOW
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
        expiry_window_days: int = DEFAULT_EXPIRY_WINDOW,
        concurrency: int = 32,
        max_in_flight: int | None = None,
        per_route: int | Callable[[str], int] = 16,
        deadline: float | None = None,
        on_done: Callable[[DomainResult], None] | None = None,
        last_used: Mapping[str, datetime] | None = None,
        lookup_budget: float | None = None,
    ) -> None:
        self._sources = sources
        self._dns = dns
        self._cache = cache
        self._now = now
        self._window = expiry_window_days
        # Registry requests are shaped per host by the HTTP limiter; a global semaphore
        # around them would let tasks queued for one slow registry starve the others.
        self._dns_slots = asyncio.Semaphore(max(1, concurrency))
        self._max_in_flight = max(1, max_in_flight or 4 * concurrency)
        self._per_route = per_route if callable(per_route) else (lambda _: max(1, per_route))
        self._deadline = deadline
        self._lookup_budget = lookup_budget
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
        hit = self.cached_result(domain, mail_domains)
        if hit is not None:
            LOGGER.debug("%s: evidence from the cache (checked %s)", domain, hit.checked_at)
            return hit
        if self._lookup_budget is not None:  # this domain's, shared by its registry requests
            DOMAIN_BUDGET.set(LookupBudget(self._lookup_budget))
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
        # Failures are never kept, nor an answer whose registrar part could not be had.
        if (dns is None or dns.error is None) and answer.registrar_failure is None:
            ttl = HEALTHY_TTL if result.risk is Risk.NONE else AT_RISK_TTL
            self._cache.put(domain, CachedEvidence(answer, dns, self._now), ttl)
        return result

    def cached_result(self, domain: str, mail_domains: Sequence[str]) -> DomainResult | None:
        """The verdict from cached evidence, or None when the cache cannot answer."""
        cached = self._cache.get(domain, self._now)
        if cached is None or not self._covers(cached, mail_domains):
            return None  # e.g. written by a --no-dns run, or for other mail domains
        return self._judge(
            domain, cached.registration, None, cached.dns, checked_at=cached.checked_at, cached=True
        )

    def route(self, domain: str) -> str:
        """The registry host a domain's first question goes to (the scheduler's queue key)."""
        for index, source in enumerate(self._sources):
            if source.covers(domain):
                route = getattr(source, "route", None)
                if callable(route):
                    return str(route(domain))
                return f"{index}:{domain.rsplit('.', 1)[-1]}"
        return ""

    async def assess(self, domains: Mapping[str, Sequence[str]]) -> list[DomainResult]:
        """Verdicts for every domain, in order; those unanswered by the deadline are ``unknown``.

        Lookups are started from one queue per registry host, round robin, with at most
        ``max_in_flight`` in flight overall and ``per_route`` (a number, or one per host)
        per host: enough to keep every registry at its limit, few enough that waiting
        costs nothing and a slow registry cannot fill every place in flight (a task per
        domain up front made the event loop the bottleneck and timed answers out).
        """
        self.stats.domains = len(domains)
        results: dict[str, DomainResult] = {}
        queues: dict[str, deque[str]] = {}
        for name in domains:
            queues.setdefault(self.route(name), deque()).append(name)
        if queues:
            await self._schedule(domains, queues, results)
        return [results[name] for name in domains]

    async def _schedule(
        self,
        domains: Mapping[str, Sequence[str]],
        queues: dict[str, deque[str]],
        results: dict[str, DomainResult],
    ) -> None:
        loop = asyncio.get_running_loop()
        finished: asyncio.Future[None] = loop.create_future()
        ready: deque[str] = deque(queues)  # hosts with queued domains and room
        is_ready = set(queues)
        active: dict[str, int] = dict.fromkeys(queues, 0)
        room = {route: max(1, self._per_route(route)) for route in queues}
        running: dict[asyncio.Task[DomainResult], tuple[str, str]] = {}
        left = sum(len(q) for q in queues.values())
        stopped = False  # past the deadline: start nothing new

        def offer(route: str) -> None:
            if route not in is_ready and queues[route] and active[route] < room[route]:
                ready.append(route)
                is_ready.add(route)

        def start() -> None:
            while ready and len(running) < self._max_in_flight and not stopped:
                route = ready.popleft()
                is_ready.discard(route)
                name = queues[route].popleft()
                active[route] += 1
                task = loop.create_task(self._tracked(name, domains[name]))
                running[task] = (route, name)
                task.add_done_callback(done)
                offer(route)

        def done(task: asyncio.Task[DomainResult]) -> None:
            nonlocal left
            route, name = running.pop(task)
            active[route] -= 1
            left -= 1
            if stopped:
                return  # cancelled at the deadline: judged below
            if task.cancelled():
                results[name] = self._failed(name, "lookup cancelled")
            elif (error := task.exception()) is not None:
                results[name] = self._failed(name, f"lookup crashed: {type(error).__name__}")
            else:
                results[name] = task.result()
            offer(route)
            start()
            if left == 0 and not finished.done():
                finished.set_result(None)

        start()
        timeout = None if self._deadline is None else max(0.0, self._deadline - time.monotonic())
        try:
            await asyncio.wait_for(asyncio.shield(finished), timeout)
        except asyncio.TimeoutError:
            stopped = True
            pending = list(running)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            late = [name for name in domains if name not in results]
            for name in late:
                results[name] = self._failed(
                    name, "the run's deadline passed before the registry answered"
                )

    def _failed(self, domain: str, message: str) -> DomainResult:
        failure = LookupFailure(ReasonCode.LOOKUP_FAILED, message)
        return self._judge(domain, None, failure, None, checked_at=self._now)

    async def _tracked(self, domain: str, mail_domains: Sequence[str]) -> DomainResult:
        result = await self.assess_one(domain, mail_domains)
        if self.mail_path is not None:
            result = await self.mail_path.extend(result, mail_domains)
        if self._on_done is not None:
            self._on_done(result)
        return result
