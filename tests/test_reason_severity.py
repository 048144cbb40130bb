"""Reasons whose risk depends on the evidence: the risks they may carry, and reports."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from checker.codec import domain_from_dict
from checker.model import (
    DomainResult,
    EvidenceSource,
    Reason,
    ReasonCode,
    Registration,
    Report,
    Risk,
)
from checker.report.json import render
from checker.report.sarif import rule
from checker.verdict import worst_risk

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def _result(*reasons: Reason) -> DomainResult:
    evidence = Registration(True, EvidenceSource.RDAP, "https://rdap.example/domain/x.org")
    return DomainResult("x.org", worst_risk(reasons), reasons, registration=evidence)


@pytest.mark.parametrize(
    ("code", "risk"),
    [
        (ReasonCode.NAMESERVER_AT_RISK, Risk.CRITICAL),
        (ReasonCode.NAMESERVER_AT_RISK, Risk.UNKNOWN),
        (ReasonCode.MAIL_HOST_AT_RISK, Risk.MEDIUM),
        (ReasonCode.LAME_DELEGATION, Risk.MEDIUM),
        (ReasonCode.LAME_DELEGATION, Risk.CRITICAL),
        (ReasonCode.CHANGED_HANDS, Risk.HIGH),
    ],
)
def test_a_reason_carries_the_risk_its_evidence_gives(code: ReasonCode, risk: Risk) -> None:
    reason = Reason(code, "evidence", risk)

    assert reason.risk is risk
    assert _result(reason).risk is risk


@pytest.mark.parametrize(
    ("code", "risk"),
    [
        (ReasonCode.CHANGED_HANDS, Risk.LOW),
        (ReasonCode.LAME_DELEGATION, Risk.UNKNOWN),
        (ReasonCode.NAMESERVER_AT_RISK, Risk.NONE),
        (ReasonCode.UNREGISTERED, Risk.HIGH),
    ],
)
def test_a_risk_a_code_cannot_carry_is_refused(code: ReasonCode, risk: Risk) -> None:
    with pytest.raises(ValueError, match="cannot carry"):
        Reason(code, "evidence", risk)


def test_a_report_keeps_each_reasons_own_risk_through_json() -> None:
    report_domain = json.loads(
        _json_of(_result(Reason(ReasonCode.LAME_DELEGATION, "m", Risk.MEDIUM)))
    )

    read = domain_from_dict(report_domain)

    assert read.reasons == (Reason(ReasonCode.LAME_DELEGATION, "m", Risk.MEDIUM),)
    assert read.risk is Risk.MEDIUM


def test_a_report_with_a_risk_the_code_cannot_carry_is_not_read() -> None:
    data = json.loads(_json_of(_result(Reason(ReasonCode.CHANGED_HANDS, "m", Risk.HIGH))))
    data["reasons"][0]["risk"] = "low"
    data["risk"] = "low"

    with pytest.raises(ValueError, match="changed-hands"):
        domain_from_dict(data)


def test_every_new_reason_has_a_sarif_rule_at_its_default_risk() -> None:
    for code in (
        ReasonCode.NAMESERVER_AT_RISK,
        ReasonCode.MAIL_HOST_AT_RISK,
        ReasonCode.LAME_DELEGATION,
        ReasonCode.CHANGED_HANDS,
    ):
        descriptor = rule(code)
        assert descriptor["id"] == code.value
        assert f"risk-{code.risk.value}" in descriptor["properties"]["tags"]
        assert descriptor["help"]["text"]


def _json_of(result: DomainResult) -> str:
    report = Report(contacts=(), domains=(result,), errors=(), generated_at=NOW)
    return json.dumps(json.loads(render(report))["domains"][0])
