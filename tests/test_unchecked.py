"""The "could not check" line: unknown domains grouped by cause, and when a run judged none."""

from __future__ import annotations

from checker.model import DnsInfo, DomainResult, LookupFailure, ReasonCode
from checker.unchecked import Cause, cause, judged_none, summary_line
from checker.verdict import judge
from tests.report.reports import NOW, make_report, registration

TIMEOUT = "RDAP https://rdap.example/domain/a.org: timed out after 10 s (ReadTimeout)"
REFUSED = "whois://whois.example:43/b.org: connection refused"
BAD = "RDAP https://rdap.example/domain/c.org: HTTP 503, not an RDAP answer"


def _failed(domain: str, message: str, code: ReasonCode = ReasonCode.LOOKUP_FAILED) -> DomainResult:
    return judge(domain, registration=None, failure=LookupFailure(code, message), now=NOW)


def _dns_failed(domain: str) -> DomainResult:
    dns = DnsInfo(nxdomain=None, nameservers=None, error="the resolver (system) is failing")
    return judge(domain, registration=registration(domain), dns=dns, now=NOW)


def test_each_unknown_domain_has_one_cause() -> None:
    assert cause(_failed("a.org", TIMEOUT)) is Cause.TIMEOUT
    assert cause(_failed("b.org", REFUSED)) is Cause.UNREACHABLE
    assert cause(_failed("c.org", BAD)) is Cause.ANSWER
    assert cause(_dns_failed("d.org")) is Cause.RESOLVER
    unsupported = _failed("e.zz", "no RDAP service", ReasonCode.UNSUPPORTED_TLD)
    assert cause(unsupported) is Cause.UNSUPPORTED
    offline = _failed("f.org", "offline mode", ReasonCode.OFFLINE)
    assert cause(offline) is Cause.OFFLINE
    healthy = judge("g.org", registration=registration("g.org"), now=NOW)
    assert cause(healthy) is None


def test_the_line_counts_by_cause_most_common_first() -> None:
    results = [_failed("a.org", TIMEOUT), _failed("a2.org", TIMEOUT), _failed("b.org", REFUSED),
               judge("g.org", registration=registration("g.org"), now=NOW)]  # fmt: skip
    line = summary_line(make_report([], results))
    assert line == (
        "could not check 3 of 4 domains: 2 timed out, 1 registry unreachable; "
        "rerun with -v to see each request and answer"
    )
    assert not judged_none(make_report([], results))


def test_a_run_judged_nothing_unless_offline_was_chosen() -> None:
    failed = [_failed("a.org", TIMEOUT), _dns_failed("d.org")]
    assert judged_none(make_report([], failed))
    offline = [_failed("f.org", "offline mode", ReasonCode.OFFLINE)]
    assert not judged_none(make_report([], offline))
    assert not judged_none(make_report([], []))
    assert summary_line(make_report([], [])) is None
