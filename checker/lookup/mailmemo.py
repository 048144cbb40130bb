"""The mail path's outcome per domain, kept in the cache beside the domain's evidence.

The nameserver / mail-host and lame-delegation checks (:mod:`checker.lookup.mailpath`) ask
DNS and other domains' registries; their reasons are not part of a domain's own evidence.
Kept here for as long as that evidence, a run the cache answers whole needs no network
set-up at all and still reports every finding of the run that looked them up. Only a
complete outcome is kept: one with a part that could not be checked is asked again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime

from checker.lookup.cache import AT_RISK_TTL, HEALTHY_TTL, Cache
from checker.model import Reason, ReasonCode, Risk

_PREFIX = "mailpath:"


def _key(domain: str, mail_domains: Sequence[str], dns: bool) -> str:
    asked = json.dumps([domain, sorted(mail_domains), dns], separators=(",", ":"))
    return _PREFIX + hashlib.sha256(asked.encode()).hexdigest()


class MailPathMemo:
    """Reads and writes the kept outcomes; a disabled cache keeps nothing."""

    def __init__(self, cache: Cache, *, dns: bool) -> None:
        self._cache = cache
        self._dns = dns

    def get(self, domain: str, mail_domains: Sequence[str], now: datetime) -> list[Reason] | None:
        """The reasons kept for these questions, or None (never kept, expired, unreadable)."""
        if not self._cache.enabled:
            return None
        raw = self._cache.get_blob(_key(domain, mail_domains, self._dns), now=now)
        if raw is None:
            return None
        try:
            items = json.loads(raw)
            return [
                Reason(
                    ReasonCode(item["code"]),
                    str(item["message"]),
                    None if item["severity"] is None else Risk(item["severity"]),
                )
                for item in items
            ]
        except (ValueError, TypeError, KeyError):
            return None  # unreadable: asked again, never trusted

    def put(
        self,
        domain: str,
        mail_domains: Sequence[str],
        reasons: Sequence[Reason],
        now: datetime,
    ) -> None:
        """Keep a complete outcome (nothing unknown in it) for the evidence's lifetime."""
        if not self._cache.enabled or any(r.risk is Risk.UNKNOWN for r in reasons):
            return
        payload = [
            {
                "code": r.code.value,
                "message": r.message,
                "severity": None if r.severity is None else r.severity.value,
            }
            for r in reasons
        ]
        at_risk = any(r.risk not in (Risk.NONE, Risk.LOW) for r in reasons)
        self._cache.put_blob(
            _key(domain, mail_domains, self._dns),
            json.dumps(payload).encode(),
            AT_RISK_TTL if at_risk else HEALTHY_TTL,
            now=now,
        )
