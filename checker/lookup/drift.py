"""Drift between runs: a domain that changed hands since the last run that read it.

The cache keeps, per domain, what the last fresh registry answer said (registration date,
registrar, nameservers, statuses), in a table of its own kept for :data:`STATE_TTL` seconds:
far beyond the evidence's lifetime, so that a weekly scheduled run still has the previous
week's state to compare with.

- The registration date moved: the name was deleted and registered again
  (``changed-hands``, critical).
- The registrar and the nameservers changed together: a sale or a drop-catch seen from
  outside (``changed-hands``, high).

A change is reported by the run that sees it and, while the state stays as it was then, by
every run for :data:`REPORT_DAYS` days (a re-run must not make the finding go away).
Missing, unreadable or foreign state is never an error: there is just nothing to compare.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from checker.codec import Shape, format_datetime
from checker.lookup.cache import Cache
from checker.model import DnsInfo, Reason, ReasonCode, Registration, Risk

STATE_TTL = 400 * 86400
REPORT_DAYS = 30
#: Registries and WHOIS servers disagree on the time of day (and zone) of a date.
_DATE_SLACK = timedelta(days=1)
_MAX_STATE_CHARS = 64 * 1024
#: The stored state, read by the codec's one strictness rule (foreign state is no state).
_STATE = Shape(("created", "registrar", "nameservers", "statuses", "seen"), optional=("change",))
_CHANGE = Shape(("message", "risk", "seen"))


@dataclass(frozen=True)
class Snapshot:
    """What one fresh answer said about a domain's holder."""

    created: datetime | None
    registrar: str | None
    nameservers: tuple[str, ...]
    statuses: tuple[str, ...]
    seen: datetime


@dataclass(frozen=True)
class State:
    """The last snapshot, and the change it was found with (still reported for a while)."""

    snapshot: Snapshot
    change: Reason | None = None
    change_seen: datetime | None = None


def snapshot(registration: Registration, dns: DnsInfo | None, now: datetime) -> Snapshot:
    """The drift evidence of a fresh, registered answer."""
    hosts = set(registration.nameservers) | set((dns.nameservers if dns else None) or ())
    return Snapshot(
        created=registration.reregistered or registration.created,
        registrar=(registration.registrar or "").strip() or None,
        nameservers=tuple(sorted({h.strip().rstrip(".").lower() for h in hosts if h.strip()})),
        statuses=tuple(sorted(registration.statuses)),
        seen=now,
    )


def compare(previous: Snapshot, current: Snapshot) -> Reason | None:
    """``changed-hands`` when ``current`` looks like a new holder compared to ``previous``."""
    since = f"since the run of {_day(previous.seen)}"
    if (
        previous.created is not None
        and current.created is not None
        and abs(current.created - previous.created) > _DATE_SLACK
    ):
        return Reason(
            ReasonCode.CHANGED_HANDS,
            f"the registration date changed from {_day(previous.created)} to "
            f"{_day(current.created)} {since}: the name was deleted and registered again",
            Risk.CRITICAL,
        )
    registrar_changed = (
        previous.registrar is not None
        and current.registrar is not None
        and previous.registrar.casefold() != current.registrar.casefold()
    )
    nameservers_changed = (
        bool(previous.nameservers)
        and bool(current.nameservers)
        and not set(previous.nameservers) & set(current.nameservers)
    )
    if registrar_changed and nameservers_changed:
        return Reason(
            ReasonCode.CHANGED_HANDS,
            f"the registrar changed from {previous.registrar!r} to {current.registrar!r} and "
            f"the nameservers from {', '.join(previous.nameservers)} to "
            f"{', '.join(current.nameservers)} {since}",
            Risk.HIGH,
        )
    return None


class DriftStore:
    """The per-domain state in the cache; a disabled cache keeps nothing."""

    def __init__(self, cache: Cache) -> None:
        self._cache = cache

    def load(self, domain: str) -> State | None:
        """The stored state, or None when there is none or it cannot be read."""
        payload = self._cache.get_drift(domain)
        if payload is None or len(payload) > _MAX_STATE_CHARS:
            return None
        try:
            return _state_from_dict(json.loads(payload))
        except (ValueError, RecursionError):
            return None

    def save(self, domain: str, state: State) -> None:
        try:
            payload = json.dumps(_state_to_dict(state), separators=(",", ":"))
        except (ValueError, OverflowError):
            return
        self._cache.put_drift(domain, payload, STATE_TTL, now=state.snapshot.seen)

    def observe(self, domain: str, current: Snapshot) -> Reason | None:
        """Compare a fresh answer with the stored state, store it, and say what changed."""
        state = self.load(domain)
        change = None if state is None else compare(state.snapshot, current)
        if change is not None:
            self.save(domain, State(current, change, current.seen))
            return change
        kept = state.change if state is not None and _still_reported(state, current) else None
        self.save(domain, State(current, kept, state.change_seen if kept and state else None))
        return kept

    def recall(self, domain: str, now: datetime) -> Reason | None:
        """A change still being reported, for a domain answered from the cache."""
        state = self.load(domain)
        if state is None or state.change is None or state.change_seen is None:
            return None
        return state.change if now - state.change_seen <= timedelta(days=REPORT_DAYS) else None


def _still_reported(state: State, current: Snapshot) -> bool:
    if state.change is None or state.change_seen is None:
        return False
    return current.seen - state.change_seen <= timedelta(days=REPORT_DAYS)


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def _state_to_dict(state: State) -> dict[str, object]:
    shot = state.snapshot
    data: dict[str, object] = {
        "created": None if shot.created is None else format_datetime(shot.created),
        "registrar": shot.registrar,
        "nameservers": list(shot.nameservers),
        "statuses": list(shot.statuses),
        "seen": format_datetime(shot.seen),
    }
    if state.change is not None and state.change_seen is not None:
        data["change"] = {
            "message": state.change.message,
            "risk": state.change.risk.value,
            "seen": format_datetime(state.change_seen),
        }
    return data


def _state_from_dict(data: object) -> State:
    fields = _STATE.read(data, "state")
    seen = fields.date("seen")
    shot = Snapshot(
        created=fields.optional_date("created"),
        registrar=fields.optional_text("registrar"),
        nameservers=fields.texts("nameservers"),
        statuses=fields.texts("statuses"),
        seen=seen,
    )
    if fields.raw("change") is None:
        return State(shot)
    change = _CHANGE.read(fields.raw("change"), "state.change")
    reason = Reason(ReasonCode.CHANGED_HANDS, change.text("message"), change.enum(Risk, "risk"))
    return State(shot, reason, change.date("seen"))
