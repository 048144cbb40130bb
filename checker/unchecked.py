"""What a run could not check, said loudly: one line grouped by cause, and whether the run
judged nothing at all (a run with no network must not pass)."""

from __future__ import annotations

import enum
from collections import Counter

from checker.model import DomainResult, ReasonCode, Report, Risk

#: The prefix of the verdict engine's reason when DNS did not answer in full.
_DNS_PREFIX = "DNS did not answer in full"


class Cause(str, enum.Enum):
    """Why a domain ended ``unknown``, as the summary line groups it."""

    UNREACHABLE = "registry unreachable"
    TIMEOUT = "timed out"
    RESOLVER = "resolver failing"
    ANSWER = "registry answer not usable"
    UNSUPPORTED = "no registry known for the TLD"
    OFFLINE = "not looked up (--offline)"


#: Phrases of our own failure messages (checker/net/http.py, whois.py, service.py),
#: first match wins. Anything else is an answer that could not be used.
_PHRASES: tuple[tuple[str, Cause], ...] = (
    ("deadline", Cause.TIMEOUT),
    ("timed out", Cause.TIMEOUT),
    ("within", Cause.TIMEOUT),
    ("connection failed", Cause.UNREACHABLE),
    ("connection refused", Cause.UNREACHABLE),
    ("connection reset", Cause.UNREACHABLE),
    ("network error", Cause.UNREACHABLE),
)


def cause(result: DomainResult) -> Cause | None:
    """Why ``result`` is ``unknown``; None when it is not."""
    if result.risk is not Risk.UNKNOWN:
        return None
    unknown = [r for r in result.reasons if r.risk is Risk.UNKNOWN]
    if not unknown:
        return Cause.ANSWER
    reason = unknown[0]
    if reason.code is ReasonCode.OFFLINE:
        return Cause.OFFLINE
    if reason.code is ReasonCode.UNSUPPORTED_TLD:
        return Cause.UNSUPPORTED
    if reason.message.startswith(_DNS_PREFIX):
        return Cause.RESOLVER
    # When RDAP and WHOIS both failed, their messages are joined with "; ": the first
    # source asked (RDAP) is the evidence, as the lookup itself takes it.
    text = reason.message.split("; ", 1)[0].lower()
    for phrase, found in _PHRASES:
        if phrase in text:
            return found
    return Cause.ANSWER


def summary_line(report: Report) -> str | None:
    """``could not check 3 of 5 domains: 2 registry unreachable, 1 timed out; rerun with
    -v to see each request``, or None when every domain was judged."""
    causes = Counter(c for r in report.domains if (c := cause(r)) is not None)
    if not causes:
        return None
    total = sum(causes.values())
    groups = ", ".join(f"{n} {c.value}" for c, n in causes.most_common())
    hint = (
        "run without --offline to look them up"
        if set(causes) == {Cause.OFFLINE}
        else "rerun with -v to see each request and answer"
    )
    return (
        f"could not check {total} of {len(report.domains)} domain"
        f"{'' if len(report.domains) == 1 else 's'}: {groups}; {hint}"
    )


def judged_none(report: Report) -> bool:
    """True when the run had domains to look up and could judge none of them, for a
    reason other than ``--offline`` (which the user chose)."""
    if not report.domains:
        return False
    causes = [cause(r) for r in report.domains]
    return all(c is not None for c in causes) and any(c is not Cause.OFFLINE for c in causes)
