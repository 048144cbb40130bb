"""One run: contacts -> unique registrable domains -> verdicts -> report."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timezone

from checker.model import (
    Contact,
    ContactKind,
    DomainResult,
    Report,
    ScanError,
)
from checker.settings import LookupSettings

#: Looks up registrable domains (each with its mail domains) and judges them.
Assessor = Callable[[Mapping[str, Sequence[str]], LookupSettings], Awaitable[list[DomainResult]]]


def unique_domains(contacts: Sequence[Contact]) -> dict[str, list[str]]:
    """Registrable domains that need a lookup, each with the mail domains below it."""
    domains: dict[str, set[str]] = defaultdict(set)
    for contact in contacts:
        if contact.kind is ContactKind.LOOKUP and contact.registrable_domain and contact.domain:
            domains[contact.registrable_domain].add(contact.domain)
    return {name: sorted(mail) for name, mail in sorted(domains.items())}


def last_used(contacts: Sequence[Contact]) -> dict[str, datetime]:
    """Per registrable domain, the latest date any of its addresses is known in use.

    A domain registered after that date changed hands since the address was published
    (``re-registered``); contacts without a date do not count.
    """
    latest: dict[str, datetime] = {}
    for contact in contacts:
        when = contact.source.uploaded
        domain = contact.registrable_domain
        if contact.kind is not ContactKind.LOOKUP or domain is None or when is None:
            continue
        if domain not in latest or when > latest[domain]:
            latest[domain] = when
    return latest


def count_contacts(
    results: Sequence[DomainResult], contacts: Sequence[Contact]
) -> list[DomainResult]:
    """Results with their ``contacts`` count filled in."""
    from dataclasses import replace

    counts: dict[str, int] = defaultdict(int)
    for contact in contacts:
        if contact.kind is ContactKind.LOOKUP and contact.registrable_domain:
            counts[contact.registrable_domain] += 1
    return [replace(r, contacts=counts.get(r.domain, 0)) for r in results]


def sort_results(results: Sequence[DomainResult]) -> list[DomainResult]:
    """Worst first, then by name."""
    return sorted(results, key=lambda r: (-r.risk.rank, r.domain))


def make_report(
    contacts: Sequence[Contact],
    results: Sequence[DomainResult],
    errors: Sequence[ScanError],
    *,
    files_scanned: int,
    roots: Sequence[str],
    now: datetime | None = None,
) -> Report:
    return Report(
        contacts=tuple(contacts),
        domains=tuple(sort_results(count_contacts(results, contacts))),
        errors=tuple(errors),
        generated_at=now or datetime.now(timezone.utc),
        roots=tuple(roots),
        files_scanned=files_scanned,
    )
