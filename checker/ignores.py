"""Accepted findings: the configuration's ``ignore`` entries, and taking what they cover
out of a report's findings (into ``Report.ignored``, which every format shows)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from checker.model import Contact, ContactKind, DomainResult, Report


@dataclass(frozen=True)
class Ignore:
    """An accepted finding: a registrable domain (or a name below it) or one address.

    ``until`` is the last day the ignore applies; from the day after, it lapses.
    ``source`` is where it was written (``pyproject.toml:14``).
    """

    domain: str | None
    address: str | None
    reason: str
    until: date | None
    source: str

    @property
    def target(self) -> str:
        """The domain or address this ignore is about."""
        return self.domain or self.address or ""

    def lapsed(self, today: date) -> bool:
        return self.until is not None and today > self.until


@dataclass(frozen=True)
class IgnoredDomain:
    """A verdict kept out of the findings, with the ignores that cover it."""

    result: DomainResult
    ignores: tuple[Ignore, ...]


def apply_ignores(
    report: Report, ignores: Sequence[Ignore], today: date
) -> tuple[Report, list[str]]:
    """The report with ignored domains moved out of ``domains``, and warnings.

    A domain ignore covers the contacts whose mail domain is that name or below it; an
    address ignore covers that address (local part compared case-insensitively). A verdict
    leaves the findings when the ignores cover its registrable domain or every contact
    that points at it; it is kept, with its ignores, in ``report.ignored`` as
    :class:`IgnoredDomain` entries. Lapsed ignores (``today`` after ``until``) are not
    applied; each gives a warning.
    """
    warnings: list[str] = []
    active: list[Ignore] = []
    for ignore in ignores:
        if ignore.lapsed(today):
            assert ignore.until is not None
            warnings.append(
                f"ignore for {ignore.target} lapsed on {ignore.until.isoformat()} "
                f"(reason: {ignore.reason}; set in {ignore.source})"
            )
        else:
            active.append(ignore)
    by_domain: dict[str, list[Contact]] = {}
    for contact in report.contacts:
        if contact.kind is ContactKind.LOOKUP and contact.registrable_domain:
            by_domain.setdefault(contact.registrable_domain, []).append(contact)
    kept: list[DomainResult] = []
    ignored: list[IgnoredDomain] = []
    for result in report.domains:
        covering = _covering(result, by_domain.get(result.domain, []), active)
        if covering:
            ignored.append(IgnoredDomain(result, covering))
        else:
            kept.append(result)
    return replace(report, domains=tuple(kept), ignored=tuple(ignored)), warnings


def _covering(
    result: DomainResult, contacts: Sequence[Contact], ignores: Sequence[Ignore]
) -> tuple[Ignore, ...]:
    """The ignores that take ``result`` out of the findings; empty when it stays."""
    whole = tuple(ignore for ignore in ignores if ignore.domain == result.domain)
    if whole:
        return whole
    if not contacts:
        return ()
    used: dict[int, Ignore] = {}
    for contact in contacts:
        matched = [ignore for ignore in ignores if _covers(ignore, contact)]
        if not matched:
            return ()
        for ignore in matched:
            used.setdefault(id(ignore), ignore)
    return tuple(used.values())


def _covers(ignore: Ignore, contact: Contact) -> bool:
    mail_domain = contact.domain or ""
    if ignore.domain is not None:
        return mail_domain == ignore.domain or mail_domain.endswith("." + ignore.domain)
    if ignore.address is None or "@" not in contact.email:
        return False
    local, _, domain = ignore.address.rpartition("@")
    contact_local = contact.email.rpartition("@")[0]
    return mail_domain == domain and contact_local.casefold() == local.casefold()
