"""The verdict rules: every reason code from its evidence, and never failing open."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from checker.model import (
    DnsInfo,
    EvidenceSource,
    LookupFailure,
    ReasonCode,
    Registration,
    Risk,
)
from checker.verdict import judge

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
URL = "https://rdap.example.net/domain/x.org"


def registered(**changes: object) -> Registration:
    values: dict[str, object] = {
        "registered": True,
        "source": EvidenceSource.RDAP,
        "url": URL,
        "statuses": ("client transfer prohibited",),
        "created": NOW - timedelta(days=4000),
        "expires": NOW + timedelta(days=400),
        "nameservers": ("ns1.host.net",),
    }
    values.update(changes)
    return Registration(**values)  # type: ignore[arg-type]


HEALTHY_DNS = DnsInfo(nxdomain=False, nameservers=("ns1.host.net",), mail_routes={"x.org": True})


def codes(**kwargs: object) -> list[str]:
    result = judge("x.org", now=NOW, **kwargs)  # type: ignore[arg-type]
    return [r.code.value for r in result.reasons]


def test_authoritative_healthy_answer_is_none() -> None:
    result = judge("x.org", registration=registered(), dns=HEALTHY_DNS, now=NOW)
    assert result.risk is Risk.NONE
    assert result.reasons == ()


def test_no_registration_answer_is_unknown_even_when_dns_looks_healthy() -> None:
    failure = LookupFailure(ReasonCode.LOOKUP_FAILED, "HTTP 503 from https://rdap.x/")
    result = judge("x.org", registration=None, failure=failure, dns=HEALTHY_DNS, now=NOW)
    assert result.risk is Risk.UNKNOWN
    assert [r.code for r in result.reasons] == [ReasonCode.LOOKUP_FAILED]
    assert "HTTP 503" in result.reasons[0].message


def test_missing_evidence_without_a_failure_is_still_unknown() -> None:
    assert judge("x.org", registration=None, now=NOW).risk is Risk.UNKNOWN


def test_unregistered_is_critical_and_names_the_source() -> None:
    result = judge(
        "x.org",
        registration=Registration(registered=False, source=EvidenceSource.RDAP, url=URL),
        dns=DnsInfo(nxdomain=True, nameservers=None),
        now=NOW,
    )
    assert result.risk is Risk.CRITICAL
    assert URL in result.reasons[0].message
    assert "NXDOMAIN" in result.reasons[0].message


@pytest.mark.parametrize(
    ("status", "code", "risk"),
    [
        ("pending delete", "pending-delete", Risk.CRITICAL),
        ("redemption period", "redemption", Risk.CRITICAL),
        ("pending restore", "redemption", Risk.CRITICAL),
        ("auto renew period", "auto-renew-grace", Risk.HIGH),
        ("client hold", "on-hold", Risk.HIGH),
        ("server hold", "on-hold", Risk.HIGH),
        ("inactive", "inactive", Risk.MEDIUM),
    ],
)
def test_status_reasons(status: str, code: str, risk: Risk) -> None:
    result = judge("x.org", registration=registered(statuses=(status,)), now=NOW)
    assert [r.code.value for r in result.reasons] == [code]
    assert result.risk is risk
    assert repr(status) in result.reasons[0].message


def test_expired_date_is_high_with_the_date_in_the_message() -> None:
    result = judge("x.org", registration=registered(expires=NOW - timedelta(days=3)), now=NOW)
    assert [r.code for r in result.reasons] == [ReasonCode.EXPIRED]
    assert result.risk is Risk.HIGH
    assert "2026-11-18" in result.reasons[0].message


def test_expiring_within_the_window_is_medium_and_the_window_is_a_setting() -> None:
    reg = registered(expires=NOW + timedelta(days=20))
    assert codes(registration=reg) == ["expiring-soon"]
    assert codes(registration=reg, expiry_window_days=10) == []


def test_no_expiry_published_is_said_but_is_not_a_finding() -> None:
    result = judge("x.org", registration=registered(expires=None), dns=HEALTHY_DNS, now=NOW)
    assert [r.code.value for r in result.reasons] == ["no-expiry-published"]
    assert result.risk is Risk.NONE
    assert "publishes no expiry date" in result.reasons[0].message


def test_parked_and_undelegated_and_unroutable() -> None:
    parked = DnsInfo(nxdomain=False, nameservers=("ns1.sedoparking.com",), parked_by="Sedo")
    assert codes(registration=registered(), dns=parked) == ["parked"]
    assert codes(registration=registered(), dns=DnsInfo(nxdomain=False, nameservers=())) == [
        "inactive"
    ]
    assert codes(registration=registered(), dns=DnsInfo(nxdomain=True, nameservers=None)) == [
        "inactive"
    ]
    no_mail = DnsInfo(nxdomain=False, nameservers=("ns1.h.net",), mail_routes={"x.org": False})
    result = judge("x.org", registration=registered(), dns=no_mail, now=NOW)
    assert [r.code.value for r in result.reasons] == ["no-mail-route"]
    assert result.risk is Risk.LOW


def test_dns_failure_keeps_a_healthy_registration_unknown_but_not_a_finding() -> None:
    broken = DnsInfo(nxdomain=None, nameservers=None, mail_routes=None, error="NS x.org: SERVFAIL")
    result = judge("x.org", registration=registered(), dns=broken, now=NOW)
    assert result.risk is Risk.UNKNOWN
    assert [r.code for r in result.reasons] == [ReasonCode.LOOKUP_FAILED]
    assert "SERVFAIL" in result.reasons[0].message
    soon = registered(expires=NOW + timedelta(days=5))
    assert judge("x.org", registration=soon, dns=broken, now=NOW).risk is Risk.MEDIUM


def test_reregistered_after_last_known_use() -> None:
    reg = registered(created=NOW - timedelta(days=30))
    result = judge("x.org", registration=reg, now=NOW, last_used=NOW - timedelta(days=400))
    assert [r.code for r in result.reasons] == [ReasonCode.RE_REGISTERED]
    assert result.risk is Risk.HIGH
    assert judge("x.org", registration=registered(), now=NOW, last_used=NOW).risk is Risk.NONE


def test_worst_reason_wins_and_unknown_outranks_low_only() -> None:
    reg = registered(statuses=("pending delete",), expires=NOW - timedelta(days=40))
    result = judge("x.org", registration=reg, now=NOW)
    assert result.risk is Risk.CRITICAL
    assert [r.code.value for r in result.reasons] == ["pending-delete", "expired"]
    assert Risk.UNKNOWN.rank > Risk.LOW.rank
    assert Risk.MEDIUM.rank > Risk.UNKNOWN.rank
    assert not Risk.UNKNOWN.at_least(Risk.LOW)
