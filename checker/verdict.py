"""From evidence to a verdict. Pure: no I/O, the clock is a parameter.

A domain is ``none`` only when an authoritative registration answer was read and no
reason applies. Without one it is ``unknown``, whatever DNS says.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from checker.lifecycle import load_vocabulary
from checker.model import (
    DnsInfo,
    DomainResult,
    LookupFailure,
    Reason,
    ReasonCode,
    Registration,
    Risk,
)
from checker.settings import DEFAULT_EXPIRY_WINDOW


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def worst_risk(reasons: Iterable[Reason]) -> Risk:
    """The highest-ranked risk among ``reasons`` (``none`` when there are none)."""
    return Risk.worst(r.risk for r in reasons)


def _status_reasons(domain: str, registration: Registration) -> list[Reason]:
    """A reason for each at-risk lifecycle state the statuses show, and one naming the
    words the lifecycle table does not hold (never read as healthy)."""
    vocabulary = load_vocabulary()
    by_code: dict[ReasonCode, list[str]] = {}
    unrecognised: list[str] = []
    for status in registration.statuses:
        state = vocabulary.state(status, domain)
        if state is None:
            unrecognised.append(status)
            continue
        code = vocabulary.reason(state)
        if code is not None:
            by_code.setdefault(code, []).append(status)
    reasons = [
        Reason(
            code,
            f"the registry reports status {', '.join(map(repr, words))} ({registration.url})",
        )
        for code, words in by_code.items()
    ]
    if unrecognised:
        reasons.append(
            Reason(
                ReasonCode.UNRECOGNISED_STATUS,
                f"the registry reports status {', '.join(map(repr, unrecognised))}, which is "
                f"not in the lifecycle table, so the state is not known ({registration.url})",
            )
        )
    return reasons


def _expiry_reasons(registration: Registration, now: datetime, window_days: int) -> list[Reason]:
    expires = registration.expires
    if expires is None:
        return [
            Reason(
                ReasonCode.NO_EXPIRY_PUBLISHED,
                f"the registry's answer publishes no expiry date ({registration.url})",
            )
        ]
    if expires <= now:
        days = (now - expires).days
        return [
            Reason(
                ReasonCode.EXPIRED,
                f"registration expired on {_day(expires)} ({days} days ago) ({registration.url})",
            )
        ]
    if expires - now <= timedelta(days=window_days):
        days = (expires - now).days
        return [
            Reason(
                ReasonCode.EXPIRING_SOON,
                f"registration expires on {_day(expires)}, in {days} days "
                f"(window {window_days} days) ({registration.url})",
            )
        ]
    return []


def _dns_reasons(registration: Registration, dns: DnsInfo | None) -> list[Reason]:
    if dns is None:
        return []
    reasons = []
    if dns.error:
        # Without DNS we cannot rule out parking or a lost delegation: not ``none``.
        reasons.append(Reason(ReasonCode.LOOKUP_FAILED, f"DNS did not answer in full: {dns.error}"))
    if dns.nxdomain is True:
        reasons.append(
            Reason(
                ReasonCode.INACTIVE,
                "registered but not delegated: DNS answers NXDOMAIN for the name",
            )
        )
    elif dns.nameservers == ():
        reasons.append(
            Reason(ReasonCode.INACTIVE, "registered but DNS lists no nameservers for the name")
        )
    if dns.parked_by:
        servers = ", ".join(dns.nameservers or registration.nameservers)
        reasons.append(
            Reason(
                ReasonCode.PARKED,
                f"nameservers at {dns.parked_by}, a parking or aftermarket service ({servers})",
            )
        )
    if dns.mail_routes and dns.nxdomain is not True:
        unroutable = sorted(name for name, routed in dns.mail_routes.items() if not routed)
        if unroutable:
            reasons.append(
                Reason(
                    ReasonCode.NO_MAIL_ROUTE,
                    f"no MX and no A/AAAA record for {', '.join(unroutable)}: "
                    "mail cannot be delivered",
                )
            )
    return reasons


def _reregistered(registration: Registration, last_used: datetime | None) -> list[Reason]:
    if last_used is None:
        return []
    registered_at = registration.reregistered or registration.created
    if registered_at is None or registered_at <= last_used:
        return []
    return [
        Reason(
            ReasonCode.RE_REGISTERED,
            f"registered on {_day(registered_at)}, after the address was last known in use "
            f"on {_day(last_used)}: the current holder may not be the maintainer",
        )
    ]


def judge(
    domain: str,
    *,
    registration: Registration | None,
    failure: LookupFailure | None = None,
    dns: DnsInfo | None = None,
    now: datetime,
    expiry_window_days: int = DEFAULT_EXPIRY_WINDOW,
    last_used: datetime | None = None,
    checked_at: datetime | None = None,
    cached: bool = False,
    contacts: int = 0,
) -> DomainResult:
    """The verdict on ``domain`` from what the registry and DNS said."""
    reasons: list[Reason] = []
    if registration is None:
        if failure is None:
            failure = LookupFailure(ReasonCode.LOOKUP_FAILED, "no registration data was obtained")
        message = failure.message
        if dns is not None and dns.nxdomain:
            message += "; DNS answers NXDOMAIN for the name, which suggests it is not registered"
        reasons.append(Reason(failure.code, message))
    elif not registration.registered and "reserved" in registration.statuses:
        said = "; ".join(note for note in registration.notes if note.startswith("registry says"))
        reasons.append(
            Reason(
                ReasonCode.REGISTRY_RESERVED,
                f"nobody holds {domain}, but the registry reserves or blocks it "
                f"({said or 'status reserved'}); it may be released for anyone to register "
                f"({registration.url})",
            )
        )
    elif not registration.registered:
        message = (
            f"the registry does not hold {domain}: anyone can register it ({registration.url})"
        )
        if dns is not None and dns.nxdomain:
            message += "; DNS agrees (NXDOMAIN)"
        reasons.append(Reason(ReasonCode.UNREGISTERED, message))
    else:
        if registration.registrar_failure is not None:
            reasons.append(Reason(ReasonCode.REGISTRAR_UNAVAILABLE, registration.registrar_failure))
        reasons.extend(_status_reasons(domain, registration))
        if registration.expires is not None or registration.registrar_failure is None:
            # Without the registrar's answer, "publishes no expiry" would not be true.
            reasons.extend(_expiry_reasons(registration, now, expiry_window_days))
        reasons.extend(_reregistered(registration, last_used))
        dns_reasons = _dns_reasons(registration, dns)
        if any(r.code is ReasonCode.INACTIVE for r in reasons):
            dns_reasons = [r for r in dns_reasons if r.code is not ReasonCode.INACTIVE]
        reasons.extend(dns_reasons)
    reasons.sort(key=lambda r: -r.risk.rank)
    risk = worst_risk(reasons)
    return DomainResult(
        domain=domain,
        risk=risk,
        reasons=tuple(reasons),
        registration=registration,
        dns=dns,
        failure=failure if registration is None else None,
        checked_at=checked_at,
        cached=cached,
        contacts=contacts,
    )


def with_reasons(result: DomainResult, extra: Sequence[Reason]) -> DomainResult:
    """``result`` with ``extra`` reasons, worst first, and the risk of the worst."""
    if not extra:
        return result
    reasons = sorted((*result.reasons, *extra), key=lambda r: -r.risk.rank)
    return replace(result, reasons=tuple(reasons), risk=worst_risk(reasons))
