"""A sanity check of the DNS resolver before its answers count as evidence.

A resolver that answers NXDOMAIN for everything (a captive portal, a broken sinkhole, a
machine without a route) would make every registered domain read "not delegated", and an
unregistered one "confirmed by DNS". Before the first DNS answer is used, the resolver is
asked about names that must exist: the host names of the registries this run asks (the
RDAP services of the run's TLDs). When it finds none of them, no DNS answer of the run is
used: each domain's DNS evidence says the resolver is failing, so its verdict is
``unknown`` (lookup-failed), never a finding and never healthy.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from checker.lookup.service import DnsSource
from checker.model import DnsInfo

#: How many registry host names are asked; one that resolves is enough.
MAX_PROBES = 3


def registry_hosts(urls: Iterable[str]) -> list[str]:
    """The distinct host names (not IP literals) of ``urls``, in order, at most
    :data:`MAX_PROBES`."""
    hosts: list[str] = []
    for url in urls:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
        if not host or host in hosts:
            continue
        try:
            ipaddress.ip_address(host)
            continue
        except ValueError:
            pass
        hosts.append(host)
        if len(hosts) == MAX_PROBES:
            break
    return hosts


def _found(info: DnsInfo, host: str) -> bool:
    """Whether the resolver said ``host`` exists with an address or mail route."""
    return bool(info.mail_routes and info.mail_routes.get(host)) or bool(info.nameservers)


def _why(info: DnsInfo) -> str:
    if info.nxdomain:
        return "NXDOMAIN"
    return info.error or "no address"


class SanityCheckedDns:
    """A :class:`DnsSource` whose answers are used only once the resolver found at least
    one of ``probes``; without probes (registries named by IP address) it is trusted."""

    def __init__(self, inner: DnsSource, probes: Sequence[str], resolver: str) -> None:
        self._inner = inner
        self._probes = tuple(probes)
        self._resolver = resolver
        self._verdict: asyncio.Task[str | None] | None = None

    async def _failure(self) -> str | None:
        """None when the resolver is sane, else why it is not."""
        answers = await asyncio.gather(*(self._inner.check(h, [h]) for h in self._probes))
        if any(_found(info, host) for host, info in zip(self._probes, answers, strict=True)):
            return None
        seen = ", ".join(
            f"{host}: {_why(info)}" for host, info in zip(self._probes, answers, strict=True)
        )
        return (
            f"the resolver ({self._resolver}) is failing: it finds none of the registries' "
            f"own hosts ({seen}), so no DNS answer of this run is used"
        )

    def failing(self) -> bool:
        """Whether the resolver has been judged failing (False until it is judged)."""
        verdict = self._verdict
        return (
            verdict is not None
            and verdict.done()
            and not verdict.cancelled()
            and verdict.exception() is None
            and verdict.result() is not None
        )

    async def check(self, registrable: str, mail_domains: Sequence[str]) -> DnsInfo:
        if self._probes:
            if self._verdict is None:
                self._verdict = asyncio.ensure_future(self._failure())
            failure = await asyncio.shield(self._verdict)
            if failure is not None:
                return DnsInfo(
                    nxdomain=None, nameservers=None, resolver=self._resolver, error=failure
                )
        return await self._inner.check(registrable, mail_domains)
