"""One run: contacts -> unique registrable domains -> verdicts -> report.

:func:`run` is the run every command shares (``scan``, ``domain``, ``deps``, ``env``,
``org``, the Action): what its source collected goes in, the finished report comes out,
sharded, judged and with the configuration's ignores applied. Whether the report fails
the run is :mod:`checker.policy`'s to say.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from checker.model import (
    Contact,
    ContactKind,
    DomainResult,
    Report,
    ScanError,
)
from checker.settings import LookupSettings

if TYPE_CHECKING:
    from checker.ignores import Ignore
    from checker.shard import Shard
    from checker.sources.base import Collected

#: Where a run says its warnings and notices (one line each, without the program name).
Say = Callable[[str], None]

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


def run(
    inputs: Sequence[Collected],
    settings: LookupSettings,
    *,
    ignores: Sequence[Ignore] = (),
    shard: Shard | None = None,
    progress: bool | None = None,
    say: Say,
) -> Report:
    """Look up the domains of what the ``inputs`` collected (those of ``shard`` only, when
    given), judge them and report, with ``ignores`` applied; warnings go to ``say``.

    A dump's contacts are a sample: its domains come from its aggregates. Raises
    :class:`checker.lookup.run.SettingsError` when the settings cannot be used.
    """
    from checker.lookup.run import run_assessment

    now = datetime.now(timezone.utc)
    contacts: Sequence[Contact] = [c for found in inputs for c in found.contacts]
    dumps = [found.dump for found in inputs if found.dump is not None]
    lookups = unique_domains(contacts)
    for dump in dumps:
        lookups = dump.lookup_domains(lookups)
    if shard is not None:  # the one place a run is split: contacts and domains alike
        from checker.shard import select_contacts, select_domains

        contacts = select_contacts(contacts, shard)
        lookups = select_domains(lookups, shard)
    results, _, warnings = run_assessment(
        lookups, settings, now=now, last_used=last_used(contacts), progress=progress
    )
    for warning in warnings:
        say(f"warning: {warning}")
    report = make_report(
        contacts, results, [e for found in inputs for e in found.errors], now=now,
        files_scanned=sum(found.files for found in inputs),
        roots=[root for found in inputs for root in found.roots],
    )  # fmt: skip
    for dump in dumps:
        report = dump.with_counts(report)
    if shard is not None:
        from checker.shard import mark_shard

        report = mark_shard(report, shard)
    say_unchecked(report, say)
    return ignored(report, ignores, say)


def ignored(report: Report, ignores: Sequence[Ignore], say: Say) -> Report:
    """``report`` with ``ignores`` applied; a warning said for each lapsed one."""
    from checker.ignores import apply_ignores

    report, warnings = apply_ignores(report, ignores, today=report.generated_at.date())
    for warning in warnings:
        say(f"warning: {warning}")
    return report


def say_unchecked(report: Report, say: Say) -> None:
    """The one line about the domains that could not be checked, if any."""
    from checker.unchecked import summary_line

    line = summary_line(report)
    if line is not None:
        say(line)
