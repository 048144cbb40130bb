"""The data that flows through domain-guard.

sources -> :class:`Contact` -> unique registrable domains -> lookups
(:class:`Registration`, :class:`DnsInfo` or :class:`LookupFailure`) -> verdicts
(:class:`DomainResult`) -> :class:`Report`.

Everything here is immutable and free of I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checker.ignores import IgnoredDomain
    from checker.shard import ShardCoverage


class Risk(str, enum.Enum):
    """How exposed a domain is to a takeover.

    ``unknown`` means no trustworthy answer was had; it is never read as ``none``.
    """

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"
    UNKNOWN = "unknown"

    @property
    def rank(self) -> int:
        """Severity rank used to pick a domain's worst reason (higher is worse).

        ``unknown`` ranks above ``low``: a domain whose registration could not be read
        may be anything up to ``critical``, so a ``low`` finding must not mask it.
        """
        return _RISK_RANK[self]

    def at_least(self, threshold: Risk) -> bool:
        """True when this risk is a finding at or above ``threshold``.

        ``unknown`` and ``none`` are never at or above a threshold: whether
        ``unknown`` fails a run is a separate decision (``--fail-on-unknown``).
        """
        if self in (Risk.UNKNOWN, Risk.NONE) or threshold in (Risk.UNKNOWN, Risk.NONE):
            return False
        return self.rank >= threshold.rank

    @staticmethod
    def worst(risks: Iterable[Risk]) -> Risk:
        """The highest-ranked of ``risks``; ``none`` when there are none."""
        return max(risks, key=_RISK_RANK.__getitem__, default=Risk.NONE)


_RISK_RANK = {
    Risk.NONE: 0,
    Risk.LOW: 1,
    Risk.UNKNOWN: 2,
    Risk.MEDIUM: 3,
    Risk.HIGH: 4,
    Risk.CRITICAL: 5,
}

#: Risks in the order reports list them.
RISK_ORDER = (Risk.CRITICAL, Risk.HIGH, Risk.MEDIUM, Risk.LOW, Risk.NONE, Risk.UNKNOWN)


class ReasonCode(str, enum.Enum):
    """Stable reason codes. Their meaning and risk never change between releases."""

    UNREGISTERED = "unregistered"
    PENDING_DELETE = "pending-delete"
    REDEMPTION = "redemption"
    EXPIRED = "expired"
    AUTO_RENEW_GRACE = "auto-renew-grace"
    ON_HOLD = "on-hold"
    RE_REGISTERED = "re-registered"
    EXPIRING_SOON = "expiring-soon"
    PARKED = "parked"
    INACTIVE = "inactive"
    REGISTRY_RESERVED = "registry-reserved"
    NO_MAIL_ROUTE = "no-mail-route"
    NAMESERVER_AT_RISK = "nameserver-at-risk"
    MAIL_HOST_AT_RISK = "mail-host-at-risk"
    LAME_DELEGATION = "lame-delegation"
    CHANGED_HANDS = "changed-hands"
    LOOKUP_FAILED = "lookup-failed"
    UNSUPPORTED_TLD = "unsupported-tld"
    REGISTRAR_UNAVAILABLE = "registrar-unavailable"
    OFFLINE = "offline"
    UNRECOGNISED_STATUS = "unrecognised-status"
    NO_EXPIRY_PUBLISHED = "no-expiry-published"

    @property
    def risk(self) -> Risk:
        """The risk this reason carries (its default, for the codes whose risk varies)."""
        return REASON_RISK[self]

    @property
    def risks(self) -> frozenset[Risk]:
        """Every risk a reason with this code may carry."""
        return REASON_RISKS.get(self, frozenset({REASON_RISK[self]}))


REASON_RISK: dict[ReasonCode, Risk] = {
    ReasonCode.UNREGISTERED: Risk.CRITICAL,
    ReasonCode.PENDING_DELETE: Risk.CRITICAL,
    ReasonCode.REDEMPTION: Risk.CRITICAL,
    ReasonCode.EXPIRED: Risk.HIGH,
    ReasonCode.AUTO_RENEW_GRACE: Risk.HIGH,
    ReasonCode.ON_HOLD: Risk.HIGH,
    ReasonCode.RE_REGISTERED: Risk.HIGH,
    ReasonCode.EXPIRING_SOON: Risk.MEDIUM,
    ReasonCode.PARKED: Risk.MEDIUM,
    ReasonCode.INACTIVE: Risk.MEDIUM,
    ReasonCode.REGISTRY_RESERVED: Risk.MEDIUM,
    ReasonCode.NO_MAIL_ROUTE: Risk.LOW,
    ReasonCode.NAMESERVER_AT_RISK: Risk.CRITICAL,
    ReasonCode.MAIL_HOST_AT_RISK: Risk.CRITICAL,
    ReasonCode.LAME_DELEGATION: Risk.HIGH,
    ReasonCode.CHANGED_HANDS: Risk.CRITICAL,
    ReasonCode.LOOKUP_FAILED: Risk.UNKNOWN,
    ReasonCode.UNSUPPORTED_TLD: Risk.UNKNOWN,
    ReasonCode.REGISTRAR_UNAVAILABLE: Risk.UNKNOWN,
    ReasonCode.OFFLINE: Risk.UNKNOWN,
    ReasonCode.UNRECOGNISED_STATUS: Risk.UNKNOWN,
    ReasonCode.NO_EXPIRY_PUBLISHED: Risk.NONE,
}


#: Codes whose risk depends on the evidence, and the risks they may carry. A host's
#: domain passes its own risk on; a lame delegation is worse at a provider that lets
#: anyone claim a zone; a new registration date is worse than a new registrar.
_HOST_RISKS = frozenset({Risk.CRITICAL, Risk.HIGH, Risk.MEDIUM, Risk.UNKNOWN})
REASON_RISKS: dict[ReasonCode, frozenset[Risk]] = {
    ReasonCode.NAMESERVER_AT_RISK: _HOST_RISKS,
    ReasonCode.MAIL_HOST_AT_RISK: _HOST_RISKS,
    ReasonCode.LAME_DELEGATION: frozenset({Risk.CRITICAL, Risk.HIGH, Risk.MEDIUM}),
    ReasonCode.CHANGED_HANDS: frozenset({Risk.CRITICAL, Risk.HIGH}),
}


@dataclass(frozen=True)
class Reason:
    """One finding about a domain, with the evidence in ``message``.

    ``severity`` sets the risk of a code whose risk varies (:data:`REASON_RISKS`); left
    None, the reason carries its code's risk.
    """

    code: ReasonCode
    message: str
    severity: Risk | None = None

    def __post_init__(self) -> None:
        if self.severity is not None and self.severity not in self.code.risks:
            raise ValueError(f"{self.code.value!r} cannot carry risk {self.severity.value!r}")

    @property
    def risk(self) -> Risk:
        return self.code.risk if self.severity is None else self.severity


class Role(str, enum.Enum):
    AUTHOR = "author"
    MAINTAINER = "maintainer"


class ContactKind(str, enum.Enum):
    """What an address needs before any lookup."""

    LOOKUP = "lookup"  # needs a registration check
    PROVIDER = "provider"  # a large mail provider whose domain will not lapse
    INVALID = "invalid"  # not an address, or a reserved / non-existent name


class SourceKind(str, enum.Enum):
    PYPROJECT = "pyproject"
    SETUP_CFG = "setup.cfg"
    SETUP_PY = "setup.py"
    PKG_INFO = "pkg-info"
    METADATA = "metadata"
    SDIST = "sdist"
    WHEEL = "wheel"
    PYPI = "pypi"
    ENVIRONMENT = "environment"
    ARGUMENT = "argument"


@dataclass(frozen=True)
class SourceRef:
    """Where a contact was found. ``path`` is relative to the scanned root, POSIX style."""

    kind: SourceKind
    path: str | None = None
    line: int | None = None
    package: str | None = None
    version: str | None = None
    repository: str | None = None
    member: str | None = None  # the archive member the metadata was read from
    # When the address was last known in use: the upload of the release that carries it,
    # or the commit that added it to the file. Compared with the domain's registration.
    uploaded: datetime | None = None


@dataclass(frozen=True)
class Contact:
    """One address found in package metadata."""

    email: str
    name: str | None
    role: Role
    kind: ContactKind
    obfuscated: bool
    domain: str | None  # the mail domain, A-label, lower case
    registrable_domain: str | None  # ICANN section of the PSL, or a private registry's name
    source: SourceRef
    note: str | None = None  # why an address is ``invalid`` or ``provider``


@dataclass(frozen=True)
class ScanError:
    """An input that could not be read; the scan goes on without it."""

    path: str
    message: str
    line: int | None = None


# --- lookups --------------------------------------------------------------------------


class EvidenceSource(str, enum.Enum):
    RDAP = "rdap"
    WHOIS = "whois"
    DNS = "dns"


@dataclass(frozen=True)
class Registration:
    """An authoritative, parsed answer about a name's registration.

    ``registered`` is False only when the registry said it does not hold the name
    (RDAP 404, a WHOIS "no match"). Dates are timezone-aware UTC, or None when the
    registry did not publish them.
    """

    registered: bool
    source: EvidenceSource
    url: str  # the RDAP URL or ``whois://host:port/name`` asked
    statuses: tuple[str, ...] = ()  # normalised to lower case, RFC 8056 spelling where known
    created: datetime | None = None
    expires: datetime | None = None
    updated: datetime | None = None
    reregistered: datetime | None = None
    registrar: str | None = None
    nameservers: tuple[str, ...] = ()
    registrar_url: str | None = None  # a registrar-level answer that was also read
    notes: tuple[str, ...] = ()  # e.g. "registrar answer differs: expires 2028-09-13"
    # Why the registrar's answer, which held a fact the verdict needs and the registry's
    # (thin) answer lacks, could not be had. Set only for a fresh lookup: such an answer is
    # never cached.
    registrar_failure: str | None = None


@dataclass(frozen=True)
class LookupFailure:
    """No trustworthy answer. Always ends as risk ``unknown``."""

    code: ReasonCode  # LOOKUP_FAILED, UNSUPPORTED_TLD or OFFLINE
    message: str
    url: str | None = None
    retryable: bool = False


@dataclass(frozen=True)
class DnsInfo:
    """What DNS says about a registrable domain and the mail domains below it.

    ``error`` is set when a question got no usable answer (SERVFAIL, timeout);
    a None field then means "not known", never "empty".
    """

    nxdomain: bool | None  # the registrable domain does not exist in DNS
    nameservers: tuple[str, ...] | None  # NS of the registrable domain
    mail_routes: dict[str, bool] | None = None  # mail domain -> has MX or A/AAAA
    parked_by: str | None = None  # parking / aftermarket service the NS point at
    resolver: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class DomainResult:
    """The verdict on one registrable domain."""

    domain: str
    risk: Risk
    reasons: tuple[Reason, ...]
    registration: Registration | None = None
    dns: DnsInfo | None = None
    failure: LookupFailure | None = None
    checked_at: datetime | None = None
    cached: bool = False
    contacts: int = 0  # how many contacts point at this domain


@dataclass(frozen=True)
class Report:
    """Everything one run found."""

    contacts: tuple[Contact, ...]
    domains: tuple[DomainResult, ...]
    errors: tuple[ScanError, ...]
    generated_at: datetime
    roots: tuple[str, ...] = ()
    files_scanned: int = 0
    #: Findings the configuration's ignores took out of ``domains``, with those ignores.
    ignored: tuple[IgnoredDomain, ...] = ()
    #: The shards a ``--shard`` run (or a partial ``merge``) covers; None for a whole run.
    shard: ShardCoverage | None = None

    @property
    def highest_risk(self) -> Risk:
        """The worst risk among the domains; ``none`` when there are none."""
        return Risk.worst(d.risk for d in self.domains)
