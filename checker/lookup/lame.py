"""Lame delegations: nameservers that are delegated a zone but do not serve it.

Each nameserver of the domain is asked directly, without recursion, for the zone's SOA.
An answer REFUSED, SERVFAIL or NXDOMAIN, or one without the authoritative bit, or an
authoritative one without the zone's SOA, makes that nameserver lame; so does a nameserver
whose name DNS says has no address (a dangling delegation). A nameserver that
does not answer at all (timeout, network error, a reply that does not parse, a reply code
we do not read as lame) is a lookup failure: ``unknown`` for that part, never lame.

When the lame nameservers belong to a provider that lets anyone create a zone without
proving ownership (``checker/data/claimable-dns-providers.txt``, the "Sitting Ducks"
attack), the finding is ``critical``.
"""

from __future__ import annotations

import asyncio
import enum
import ipaddress
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype

from checker.lookup.dns import ParkingTable, load_suffix_table
from checker.model import Reason, ReasonCode, Risk
from checker.net.http import is_public_address

CLAIMABLE_DATA = "claimable-dns-providers.txt"
#: More nameservers than this, or addresses per nameserver, are not asked.
MAX_NAMESERVERS = 8
MAX_ADDRESSES = 2

_LAME_RCODES = {
    dns.rcode.REFUSED: "REFUSED",
    dns.rcode.SERVFAIL: "SERVFAIL",
    dns.rcode.NXDOMAIN: "NXDOMAIN",
}

#: Resolves a nameserver host to its addresses: (addresses, error). No addresses and no
#: error: DNS answered that the host has none.
AddressResolver = Callable[[str], Awaitable[tuple[tuple[str, ...], str | None]]]


class Serving(enum.Enum):
    """What one nameserver did with the zone."""

    AUTHORITATIVE = "authoritative"
    LAME = "lame"
    NO_ANSWER = "no-answer"


@dataclass(frozen=True)
class NameserverCheck:
    """The outcome for one nameserver host, with what it answered."""

    host: str
    serving: Serving
    detail: str


def load_claimable_table() -> ParkingTable:
    """Nameserver suffixes of providers that let anyone claim a zone."""
    return load_suffix_table(CLAIMABLE_DATA)


class LameChecker:
    """Asks each nameserver of a zone directly for its SOA."""

    def __init__(
        self,
        addresses: AddressResolver,
        *,
        port: int = 53,
        timeout: float = 3.0,
        claimable: ParkingTable | None = None,
        allow_loopback: bool = False,
        concurrency: int = 32,
    ) -> None:
        self._addresses = addresses
        # Bounded: each question holds a socket, and a run may check thousands of zones.
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._allow_loopback = allow_loopback
        self._port = port
        self._timeout = timeout
        self.claimable = claimable if claimable is not None else load_claimable_table()

    async def check(self, zone: str, nameservers: Sequence[str]) -> list[NameserverCheck]:
        """One outcome per nameserver host (at most :data:`MAX_NAMESERVERS`)."""
        hosts = sorted({_host(name) for name in nameservers if _host(name)})[:MAX_NAMESERVERS]
        try:
            qname = dns.name.from_text(zone, origin=dns.name.root)
        except dns.exception.DNSException as exc:
            return [NameserverCheck(h, Serving.NO_ANSWER, f"bad zone name: {exc}") for h in hosts]
        return list(await asyncio.gather(*(self._check_host(qname, h) for h in hosts)))

    async def _check_host(self, qname: dns.name.Name, host: str) -> NameserverCheck:
        addresses, error = await self._addresses(host)
        if error is not None and not addresses:
            return NameserverCheck(host, Serving.NO_ANSWER, error)
        if not addresses:
            # DNS says the host does not exist: nothing can serve the zone there.
            return NameserverCheck(host, Serving.LAME, "has no address in DNS (NXDOMAIN or no A)")
        # The addresses come from the scanned domain's DNS: never probe a private network.
        askable = tuple(a for a in addresses if _public(a, loopback=self._allow_loopback))
        if not askable:
            shown = ", ".join(addresses[:MAX_ADDRESSES])
            return NameserverCheck(
                host, Serving.NO_ANSWER, f"not asked: not a public address ({shown})"
            )
        addresses = askable
        answers = await asyncio.gather(
            *(self._ask(qname, address) for address in addresses[:MAX_ADDRESSES])
        )
        # One address serving the zone is enough; one lame answer is lame even if another
        # address did not answer; only silence everywhere is "no answer".
        for wanted in (Serving.AUTHORITATIVE, Serving.LAME):
            details = [
                f"{a}: {d}" for a, (s, d) in zip(addresses, answers, strict=False) if s is wanted
            ]
            if details:
                return NameserverCheck(host, wanted, "; ".join(details))
        details = [f"{a}: {d}" for a, (_, d) in zip(addresses, answers, strict=False)]
        return NameserverCheck(host, Serving.NO_ANSWER, "; ".join(details))

    async def _ask(self, qname: dns.name.Name, address: str) -> tuple[Serving, str]:
        async with self._slots:
            return await self._ask_now(qname, address)

    async def _ask_now(self, qname: dns.name.Name, address: str) -> tuple[Serving, str]:
        query = dns.message.make_query(qname, dns.rdatatype.SOA)
        query.flags &= ~dns.flags.RD  # a direct question: no recursion wanted
        try:
            response = await asyncio.wait_for(
                dns.asyncquery.udp(query, address, timeout=self._timeout, port=self._port),
                timeout=self._timeout + 1.0,
            )
            if response.flags & dns.flags.TC:
                response = await asyncio.wait_for(
                    dns.asyncquery.tcp(query, address, timeout=self._timeout, port=self._port),
                    timeout=self._timeout + 1.0,
                )
        except (dns.exception.Timeout, asyncio.TimeoutError):
            return Serving.NO_ANSWER, f"no answer within {self._timeout:g} s"
        except (OSError, dns.exception.DNSException, ValueError) as exc:
            return Serving.NO_ANSWER, f"{type(exc).__name__}: {str(exc)[:120]}"
        return _read(response, qname)


def _read(response: dns.message.Message, qname: dns.name.Name) -> tuple[Serving, str]:
    rcode = response.rcode()
    if rcode in _LAME_RCODES:
        return Serving.LAME, f"answers {_LAME_RCODES[rcode]}"
    if rcode != dns.rcode.NOERROR:
        # FORMERR, NOTIMP...: the server did not take the question; we cannot tell.
        return Serving.NO_ANSWER, f"answers {dns.rcode.to_text(rcode)}"
    if not response.flags & dns.flags.AA:
        return Serving.LAME, "answers without the authoritative bit"
    soa = response.get_rrset(response.answer, qname, dns.rdataclass.IN, dns.rdatatype.SOA)
    if soa is None:
        return Serving.LAME, "answers authoritatively but without the zone's SOA"
    return Serving.AUTHORITATIVE, "serves the zone"


def lame_reasons(
    zone: str, checks: Sequence[NameserverCheck], claimable: ParkingTable
) -> list[Reason]:
    """``lame-delegation`` (critical, high or medium) and ``lookup-failed`` for silence."""
    reasons: list[Reason] = []
    lame = [c for c in checks if c.serving is Serving.LAME]
    serving = [c for c in checks if c.serving is Serving.AUTHORITATIVE]
    silent = [c for c in checks if c.serving is Serving.NO_ANSWER]
    if lame:
        which = "; ".join(f"{c.host} {c.detail}" for c in lame)
        entries = [e for e in (claimable.find(c.host) for c in lame) if e is not None]
        if entries:
            entry = entries[0]
            severity = Risk.CRITICAL
            message = (
                f"nameservers of {zone} do not serve its zone ({which}), and they are at "
                f"{entry.service}, where anyone can create the zone and answer for the domain "
                f"(source: {entry.source})"
            )
        elif not serving:
            severity = Risk.HIGH
            message = f"no nameserver of {zone} serves its zone: {which}"
        else:
            severity = Risk.MEDIUM
            others = ", ".join(c.host for c in serving)
            message = f"some nameservers of {zone} do not serve its zone ({which}); {others} do"
        reasons.append(Reason(ReasonCode.LAME_DELEGATION, message, severity))
    if silent:
        which = "; ".join(f"{c.host}: {c.detail}" for c in silent)
        reasons.append(
            Reason(
                ReasonCode.LOOKUP_FAILED,
                f"could not tell whether these nameservers serve {zone}: {which}",
            )
        )
    return reasons


def _public(address: str, *, loopback: bool) -> bool:
    """The link guard's rule (:func:`is_public_address`), loopback aside when allowed."""
    try:
        if loopback and ipaddress.ip_address(address).is_loopback:
            return True
    except ValueError:
        return False
    return is_public_address(address)


def _host(name: str) -> str:
    return name.strip().rstrip(".").lower()
