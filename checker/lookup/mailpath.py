"""The whole mail path of a domain: its nameservers' and mail hosts' domains, lame
delegations, and drift between runs.

Whoever controls the DNS that answers for a maintainer's domain, or the host its mail goes
to, reads the password-reset mail. So, for each looked-up domain:

- the registrable domains of its NS hosts, of its MX hosts and of the targets of MX hosts
  that are CNAMEs go through the same engine as maintainer domains (cache, RDAP, WHOIS),
  each asked once per run however many domains share it. A risk there is reported on the
  maintainer's domain (``nameserver-at-risk`` / ``mail-host-at-risk``) with that domain's
  own risk. Hosts under the domain itself (in-bailiwick) and at large providers
  (``providers.txt``, ``host-providers.txt``) are not looked up;
- each nameserver is asked directly for the zone's SOA (:mod:`checker.lookup.lame`);
- the registration is compared with the last run's (:mod:`checker.lookup.drift`).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

import dns.asyncresolver
import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver

from checker.domains import DomainClassifier
from checker.log import LOGGER
from checker.lookup.dns import MAX_MAIL_DOMAINS
from checker.lookup.drift import DriftStore, snapshot
from checker.lookup.lame import LameChecker, lame_reasons
from checker.lookup.mailmemo import MailPathMemo
from checker.model import ContactKind, DomainResult, Reason, ReasonCode, Risk
from checker.verdict import with_reasons

HOST_PROVIDERS_DATA = "host-providers.txt"
#: More MX hosts than this per mail domain, or host domains than this per domain, are not
#: followed (a hostile answer could list thousands); the rest is said to be unchecked.
MAX_MAIL_HOSTS = 8
MAX_HOST_DOMAINS = 16
_MAX_CNAME_HOPS = 8

#: The mail path gives up this long before the run's deadline, so that the domain keeps its
#: own verdict instead of being cancelled with everything else (seconds).
_DEADLINE_MARGIN = 0.25

#: (answer, CNAME targets on the way, error) of one DNS question.
_QueryResult = tuple[dns.resolver.Answer | None, list[str], str | None]

NAMESERVER = "nameserver"
MAIL_HOST = "mail host"


@dataclass(frozen=True)
class HostRef:
    """A host the domain's DNS or mail depends on, and the registrable domain it is under."""

    role: str  # NAMESERVER or MAIL_HOST
    host: str
    domain: str
    via: str | None = None  # the MX name a CNAME'd mail host was reached through


@dataclass(frozen=True)
class HostProviders:
    """Registrable domains of large DNS and mail providers; ``#`` stands for a digit."""

    patterns: tuple[tuple[re.Pattern[str], str], ...]

    def match(self, domain: str) -> str | None:
        """The operator of ``domain`` when it is a large provider's, else None."""
        for pattern, operator in self.patterns:
            if pattern.fullmatch(domain):
                return operator
        return None


def load_host_providers() -> HostProviders:
    """The shipped table; raises ValueError naming the line of a malformed entry."""
    text = (resources.files("checker") / "data" / HOST_PROVIDERS_DATA).read_text("utf-8")
    patterns = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = [field.strip() for field in line.split("\t")]
        if len(fields) != 3 or not all(fields) or not re.fullmatch(r"[a-z0-9#.-]+", fields[0]):
            raise ValueError(
                f"{HOST_PROVIDERS_DATA}:{number}: expected 'domain<TAB>operator<TAB>source'"
            )
        regex = re.escape(fields[0]).replace("\\#", "#").replace("#", "[0-9]")
        patterns.append((re.compile(regex), fields[1]))
    return HostProviders(tuple(patterns))


def dependent_hosts(
    domain: str,
    nameservers: Iterable[str],
    mail_hosts: Iterable[tuple[str, str | None]],
    *,
    classifier: DomainClassifier,
    providers: HostProviders,
) -> list[HostRef]:
    """The hosts whose domains must be looked up: not in-bailiwick, not at a large provider."""
    refs: dict[tuple[str, str], HostRef] = {}
    candidates: list[tuple[str, str, str | None]] = [(NAMESERVER, h, None) for h in nameservers]
    candidates += [(MAIL_HOST, host, via) for host, via in mail_hosts]
    for role, raw, via in candidates:
        host = raw.strip().rstrip(".").lower()
        if not host or not host.isascii():
            continue
        registrable = classifier.registrable(host)
        if registrable is None or registrable == domain:
            continue  # a public suffix, an unknown TLD, or in-bailiwick
        if classifier.classify(host).kind is not ContactKind.LOOKUP:
            continue  # a mail provider of providers.txt, or a reserved name
        if providers.match(registrable) is not None:
            continue
        refs.setdefault((role, host), HostRef(role, host, registrable, via))
    return list(refs.values())


def host_reasons(refs: Sequence[HostRef], results: dict[str, DomainResult]) -> list[Reason]:
    """One reason per (role, host domain) at risk, carrying that domain's risk."""
    grouped: dict[tuple[str, str], list[HostRef]] = {}
    for ref in refs:
        grouped.setdefault((ref.role, ref.domain), []).append(ref)
    reasons = []
    for (role, domain), group in grouped.items():
        result = results.get(domain)
        if result is not None and result.risk in (Risk.NONE, Risk.LOW):
            continue  # a host domain's undeliverable mail is not this domain's problem
        risk = Risk.UNKNOWN if result is None else result.risk
        worst = (
            None
            if result is None
            else next((r for r in result.reasons if r.risk is result.risk), None)
        )
        why = f"{worst.code.value}: {worst.message}" if worst else "it was not checked"
        hosts = ", ".join(
            ref.host + (f" (the target of MX {ref.via})" if ref.via else "") for ref in group
        )
        code = ReasonCode.NAMESERVER_AT_RISK if role == NAMESERVER else ReasonCode.MAIL_HOST_AT_RISK
        plural = "s" if len(group) > 1 else ""
        reasons.append(
            Reason(
                code,
                f"{role}{plural} {hosts} under {domain}, which is {risk.value}: {why}",
                risk,
            )
        )
    return reasons


class MailPath:
    """Extends each verdict with the mail path checks; one instance serves a whole run."""

    def __init__(
        self,
        *,
        assess_host: Callable[[str], Awaitable[DomainResult]],
        resolver: Callable[[], Awaitable[dns.asyncresolver.Resolver | None]] | None,
        known_mx: Callable[[str], tuple[str, ...] | None] | None = None,
        classifier: DomainClassifier,
        now: datetime,
        drift: DriftStore | None = None,
        lame: LameChecker | None = None,
        providers: HostProviders | None = None,
        concurrency: int = 32,
        timeout: float = 5.0,
        deadline: float | None = None,
        resolver_failing: Callable[[], bool] = lambda: False,
        memo: MailPathMemo | None = None,
    ) -> None:
        self._assess_host = assess_host
        self._resolver_failing = resolver_failing
        #: Where complete outcomes are kept for runs the cache answers whole.
        self._memo = memo
        self._resolver = resolver
        self._known_mx = known_mx
        self._classifier = classifier
        self._now = now
        self._drift = drift
        self.lame = lame
        self._providers = providers if providers is not None else load_host_providers()
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._timeout = timeout
        self._deadline = deadline
        self._hosts: dict[str, asyncio.Task[DomainResult]] = {}
        self._addresses: dict[str, asyncio.Task[tuple[tuple[str, ...], str | None]]] = {}
        self._follows: dict[str, asyncio.Task[_QueryResult]] = {}

    async def extend(self, result: DomainResult, mail_domains: Sequence[str]) -> DomainResult:
        """``result`` with the reasons found on its mail path.

        Finishes just before the run's deadline: what is not answered by then is ``unknown``
        for that part, and the domain keeps its own verdict.
        """
        if self._deadline is None:
            return await self._extend(result, mail_domains)
        left = self._deadline - time.monotonic() - _DEADLINE_MARGIN
        try:
            return await asyncio.wait_for(self._extend(result, mail_domains), max(0.0, left))
        except asyncio.TimeoutError:
            late = Reason(
                ReasonCode.LOOKUP_FAILED,
                "the run's deadline passed before its nameservers and mail hosts were checked",
            )
            return with_reasons(result, [*self._drift_reasons(result, record=False), late])

    async def _extend(self, result: DomainResult, mail_domains: Sequence[str]) -> DomainResult:
        drift = self._drift_reasons(result)
        extra = await self._path_reasons(result, mail_domains)
        if self._memo is not None:
            self._memo.put(result.domain, mail_domains, extra, self._now)
        return with_reasons(result, [*drift, *extra])

    async def _path_reasons(
        self, result: DomainResult, mail_domains: Sequence[str]
    ) -> list[Reason]:
        extra: list[Reason] = []
        registration = result.registration
        if registration is not None and not registration.registered:
            return extra  # nothing is delegated: nothing to follow
        nameservers = sorted(
            {
                h.strip().rstrip(".").lower()
                for h in (*(registration.nameservers if registration else ()),
                          *((result.dns.nameservers if result.dns else None) or ()))
                if h.strip()
            }
        )  # fmt: skip
        refs = self._dependent(result.domain, nameservers, [])
        for early in sorted({ref.domain for ref in refs})[:MAX_HOST_DOMAINS]:
            self._host_result(early)  # the registry lookups start while DNS is asked
        if self._resolver_failing():
            # A resolver that finds nothing would make every nameserver "lame" and every
            # mail domain host-less: its answers are not evidence, and the domain's own DNS
            # evidence already says the resolver is failing (lookup-failed).
            pass
        elif self._resolver is not None:  # without DNS: the registry's nameservers only
            (mail_hosts, mail_error), lame = await asyncio.gather(
                self._mail_hosts(mail_domains), self._lame_reasons(result.domain, nameservers)
            )
            extra += lame
            if mail_error:
                extra.append(Reason(ReasonCode.LOOKUP_FAILED, f"mail hosts: {mail_error}"))
            refs += self._dependent(result.domain, [], mail_hosts)
        domains = sorted({ref.domain for ref in refs})
        if len(domains) > MAX_HOST_DOMAINS:
            extra.append(
                Reason(
                    ReasonCode.LOOKUP_FAILED,
                    f"{len(domains) - MAX_HOST_DOMAINS} nameserver / mail-host domains beyond "
                    f"the first {MAX_HOST_DOMAINS} were not checked",
                )
            )
            domains = domains[:MAX_HOST_DOMAINS]
            refs = [ref for ref in refs if ref.domain in domains]
        # Shielded: the lookups are shared, and one domain giving up must not cancel them.
        answers = await asyncio.gather(*(asyncio.shield(self._host_result(d)) for d in domains))
        extra += host_reasons(refs, dict(zip(domains, answers, strict=True)))
        return extra

    def _dependent(
        self, domain: str, nameservers: Sequence[str], mail_hosts: Sequence[tuple[str, str | None]]
    ) -> list[HostRef]:
        return dependent_hosts(
            domain, nameservers, mail_hosts, classifier=self._classifier, providers=self._providers
        )

    # --- drift --------------------------------------------------------------------------

    def _drift_reasons(self, result: DomainResult, *, record: bool = True) -> list[Reason]:
        registration = result.registration
        if self._drift is None or registration is None or not registration.registered:
            return []
        if result.cached or not record:
            change = self._drift.recall(result.domain, self._now)
        else:
            change = self._drift.observe(
                result.domain, snapshot(registration, result.dns, self._now)
            )
        return [] if change is None else [change]

    # --- host domains -------------------------------------------------------------------

    def _host_result(self, domain: str) -> asyncio.Task[DomainResult]:
        """The one lookup of a host domain in this run, shared by every domain that needs it."""
        task = self._hosts.get(domain)
        if task is None:
            LOGGER.debug("%s: looked up as a nameserver / mail-host domain", domain)
            task = asyncio.ensure_future(self._assess_host(domain))
            self._hosts[domain] = task
        return task

    # --- lame delegations ---------------------------------------------------------------

    async def _lame_reasons(self, zone: str, nameservers: Sequence[str]) -> list[Reason]:
        if self.lame is None or not nameservers:
            return []
        checks = await self.lame.check(zone, nameservers)
        for check in checks:
            LOGGER.debug(
                "%s: nameserver %s %s: %s", zone, check.host, check.serving.value, check.detail
            )
        return lame_reasons(zone, checks, self.lame.claimable)

    async def addresses(self, host: str) -> tuple[tuple[str, ...], str | None]:
        """IPv4 addresses of a nameserver host (IPv6 when it has none); asked once per run.

        No address and no error means DNS answered that the host has none (NXDOMAIN or
        no A/AAAA records); an error means it could not tell.
        """
        task = self._addresses.get(host)
        if task is None:
            task = asyncio.ensure_future(self._resolve_addresses(host))
            self._addresses[host] = task
        return await asyncio.shield(task)

    async def _resolve_addresses(self, host: str) -> tuple[tuple[str, ...], str | None]:
        errors = []
        for rdtype in ("A", "AAAA"):
            answer, _, error = await self._query(host, rdtype)
            if answer is not None and answer.rrset is not None:
                return tuple(sorted(r.to_text() for r in answer.rrset)), None
            if error:
                errors.append(f"{rdtype} {host}: {error}")
        return (), "; ".join(errors) or None  # None: DNS says it has no address

    # --- mail hosts ---------------------------------------------------------------------

    async def _mail_hosts(
        self, mail_domains: Sequence[str]
    ) -> tuple[list[tuple[str, str | None]], str | None]:
        wanted = list(dict.fromkeys(d.strip().rstrip(".").lower() for d in mail_domains))
        found = await asyncio.gather(*(self._one_mail_domain(d) for d in wanted[:MAX_MAIL_DOMAINS]))
        hosts: list[tuple[str, str | None]] = []
        errors = []
        for one_hosts, error in found:
            hosts.extend(one_hosts)
            if error:
                errors.append(error)
        return hosts, "; ".join(errors) or None

    async def _one_mail_domain(
        self, domain: str
    ) -> tuple[list[tuple[str, str | None]], str | None]:
        hosts: list[tuple[str, str | None]] = []
        known = None if self._known_mx is None else self._known_mx(domain)
        if known is not None:  # the DNS check already read this MX answer
            named = [exchange.rstrip(".").lower() for exchange in known]
        else:
            answer, chain, error = await self._query(domain, "MX")
            if error:
                return [], f"MX {domain}: {error}"
            hosts += [(target, domain) for target in chain]
            if answer is None or answer.rrset is None:
                return hosts, None
            named = [r.exchange.to_text(omit_final_dot=True).lower() for r in answer.rrset]
        every = sorted(set(named) - {""})
        exchanges = every[:MAX_MAIL_HOSTS]
        hosts += [(exchange, None) for exchange in exchanges]
        errors = []
        if len(every) > MAX_MAIL_HOSTS:
            errors.append(f"{len(every) - MAX_MAIL_HOSTS} MX hosts of {domain} were not checked")
        follows = await asyncio.gather(*(self._follow(e) for e in exchanges))
        for exchange, (_, targets, follow_error) in zip(exchanges, follows, strict=True):
            hosts += [(target, exchange) for target in targets]
            if follow_error:
                errors.append(f"A {exchange}: {follow_error}")
        return hosts, "; ".join(errors) or None

    async def _follow(self, exchange: str) -> _QueryResult:
        """Where an MX host leads (its CNAME chain); asked once per run per host."""
        task = self._follows.get(exchange)
        if task is None:
            task = asyncio.ensure_future(self._query(exchange, "A"))
            self._follows[exchange] = task
        return await asyncio.shield(task)

    async def _query(self, name: str, rdtype: str) -> _QueryResult:
        """(answer, CNAME targets on the way, error); NXDOMAIN is an answer, not an error."""
        resolver = None if self._resolver is None else await self._resolver()
        if resolver is None:
            return None, [], "no DNS resolver"
        try:
            qname = dns.name.from_text(name, origin=dns.name.root)
            async with self._slots:
                answer = await asyncio.wait_for(
                    resolver.resolve(qname, rdtype, raise_on_no_answer=False, search=False),
                    timeout=self._timeout + 1.0,
                )
        except dns.resolver.NXDOMAIN as exc:
            return None, _cname_targets(exc, qname), None
        except (dns.exception.Timeout, asyncio.TimeoutError):
            return None, [], f"no answer within {self._timeout:g} s"
        except Exception as exc:  # any other failure is "not known", never "no host"
            return None, [], f"{type(exc).__name__}: {str(exc)[:200]}"
        targets = [
            rr[0].target.to_text(omit_final_dot=True).lower()
            for rr in answer.response.answer
            if rr.rdtype == dns.rdatatype.CNAME and len(rr)
        ][:_MAX_CNAME_HOPS]
        return answer, targets, None


def _cname_targets(exc: dns.resolver.NXDOMAIN, qname: dns.name.Name) -> list[str]:
    """The end of a CNAME chain that led to NXDOMAIN (the dangling target), if any."""
    try:
        canonical = exc.canonical_name
    except Exception:  # no response kept: no chain to report
        return []
    if not isinstance(canonical, dns.name.Name) or canonical == qname:
        return []
    return [canonical.to_text(omit_final_dot=True).lower()]
