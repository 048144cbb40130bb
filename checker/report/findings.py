"""The findings of a report, as every sink walks them: at-risk domains with their addresses.

A finding is a domain whose risk is ``low`` or worse, or ``unknown`` (never ``none``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from checker.model import (
    Contact,
    ContactKind,
    DomainResult,
    Reason,
    ReasonCode,
    Report,
    Risk,
    SourceKind,
)

ARCHIVE_KINDS = frozenset({SourceKind.SDIST, SourceKind.WHEEL})

#: Fallback reason when a result carries a risk but no reason (not produced by the
#: verdict engine, but a report is data and may be built by anyone).
_UNEXPLAINED = {
    Risk.CRITICAL: ReasonCode.UNREGISTERED,
    Risk.HIGH: ReasonCode.EXPIRED,
    Risk.MEDIUM: ReasonCode.EXPIRING_SOON,
    Risk.LOW: ReasonCode.NO_MAIL_ROUTE,
    Risk.UNKNOWN: ReasonCode.LOOKUP_FAILED,
}


@dataclass(frozen=True)
class Finding:
    """An at-risk domain and the addresses that use it."""

    result: DomainResult
    contacts: tuple[Contact, ...]

    @property
    def primary_code(self) -> ReasonCode:
        """The code of the worst reason: the rule a finding is filed under."""
        for reason in self.result.reasons:
            if reason.risk is self.result.risk:
                return reason.code
        if self.result.reasons:
            return max(self.result.reasons, key=lambda r: r.risk.rank).code
        return _UNEXPLAINED[self.result.risk]

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """The reasons, worst first (a lone placeholder when the result gave none)."""
        if self.result.reasons:
            return tuple(sorted(self.result.reasons, key=lambda r: -r.risk.rank))
        return (Reason(self.primary_code, "no reason was recorded for this risk"),)


def is_finding(result: DomainResult) -> bool:
    """True for every risk but ``none``."""
    return result.risk is not Risk.NONE


def contacts_by_domain(report: Report) -> dict[str, list[Contact]]:
    """Looked-up contacts grouped by registrable domain, in report order."""
    grouped: dict[str, list[Contact]] = defaultdict(list)
    for contact in report.contacts:
        if contact.kind is ContactKind.LOOKUP and contact.registrable_domain:
            grouped[contact.registrable_domain].append(contact)
    return grouped


def findings(report: Report) -> list[Finding]:
    """The report's findings, worst first, then by domain name."""
    grouped = contacts_by_domain(report)
    results = sorted(
        (r for r in report.domains if is_finding(r)), key=lambda r: (-r.risk.rank, r.domain)
    )
    return [Finding(r, tuple(grouped.get(r.domain, ()))) for r in results]


def is_archive(contact: Contact) -> bool:
    """True when the address was read from inside a wheel or sdist."""
    return contact.source.kind in ARCHIVE_KINDS or contact.source.member is not None


def file_line(contact: Contact) -> int | None:
    """The line of the address in ``source.path``; None inside an archive (no such line)."""
    if is_archive(contact):
        return None
    line = contact.source.line
    return line if line is not None and line >= 1 else None


def where(contact: Contact) -> str:
    """Where an address was found, for people: ``path:line``, ``archive!member:line``,
    ``owner/name:path:line`` in an organisation scan."""
    source = contact.source
    place = source.path or source.package or source.kind.value
    if source.repository:
        place = f"{source.repository}:{place}"
    if source.member:
        place += f"!{source.member}"
    if source.line:
        place += f":{source.line}"
    return place


def level(risk: Risk) -> str:
    """SARIF level of a risk: ``error``, ``warning`` or ``note`` (unknown)."""
    if risk in (Risk.CRITICAL, Risk.HIGH):
        return "error"
    if risk in (Risk.MEDIUM, Risk.LOW):
        return "warning"
    return "note"
