"""Settings of one run, after the command line, environment and config file were merged."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

FAIL_ON_CHOICES = ("critical", "high", "medium", "low", "never")
DEFAULT_FAIL_ON = "high"
#: Days before expiry at which a registration is reported ``expiring-soon``.
DEFAULT_EXPIRY_WINDOW = 30
DEFAULT_TIMEOUT = 10.0
DEFAULT_CONCURRENCY = 32
#: Seconds a run's lookups may take unless --deadline says otherwise: 45 minutes, within
#: a 60-minute CI job; what is not answered by then is ``unknown``.
DEFAULT_DEADLINE = 2700.0


@dataclass(frozen=True)
class LookupSettings:
    """How lookups are made."""

    offline: bool = False
    timeout: float = DEFAULT_TIMEOUT
    deadline: float | None = DEFAULT_DEADLINE
    concurrency: int = DEFAULT_CONCURRENCY
    expiry_window_days: int = DEFAULT_EXPIRY_WINDOW
    rdap_bootstrap: str | None = None
    nameserver: tuple[str, int] | None = None
    dns: bool = True
    whois_servers: dict[str, tuple[str, int]] = field(default_factory=dict)
    cache_dir: Path | None = None
    cache: bool = True
    #: Most requests in flight per registry host (``host`` or ``host:port``); the key
    #: ``default`` applies to every host not named. From ``registry-concurrency``.
    registry_concurrency: dict[str, int] = field(default_factory=dict)
    #: Nameserver and mail-host domains, lame delegations, drift between runs.
    mail_path: bool = True
    #: Port the authoritative nameservers are asked on for lame delegations (53 but in tests),
    #: and whether loopback addresses may be asked (tests); private ones never are.
    authoritative_port: int = 53
    authoritative_loopback: bool = False
