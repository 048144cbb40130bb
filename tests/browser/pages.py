"""A known organisation report for the HTML tests: three repositories, every risk level."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from checker.model import Contact, ContactKind, Reason, ReasonCode, Report, Risk, Role
from tests.report.reports import NOW, contact, make_report, result

#: Domain -> (risk, days to expiry or None).
DOMAINS: dict[str, tuple[Risk, int | None]] = {
    "lapsed-corp.com": (Risk.CRITICAL, None),
    "oldproject.org": (Risk.HIGH, -12),
    "soon-gone.dev": (Risk.MEDIUM, 9),
    "parked-name.net": (Risk.MEDIUM, 200),
    "quiet-mail.io": (Risk.LOW, 400),
    "flaky-registry.co": (Risk.UNKNOWN, None),
    "healthy-org.com": (Risk.NONE, 3000),
}
REPOSITORIES = ("acme/api", "acme/web", "acme/cli")


def _at(email: str, domain: str, repository: str, name: str | None = None) -> Contact:
    found = contact(email, domain, name=name, package=repository.split("/")[1])
    return replace(found, source=replace(found.source, repository=repository))


def org_report() -> Report:
    """Seven domains over three repositories, with one address at a mail provider."""
    contacts = [
        _at("jane@lapsed-corp.com", "lapsed-corp.com", "acme/api", "Jane Doe"),
        _at("ops@lapsed-corp.com", "lapsed-corp.com", "acme/web"),
        _at("bob@oldproject.org", "oldproject.org", "acme/api", "Bob"),
        _at("kim@soon-gone.dev", "soon-gone.dev", "acme/web", "Kim"),
        _at("sales@parked-name.net", "parked-name.net", "acme/cli"),
        _at("dev@quiet-mail.io", "quiet-mail.io", "acme/cli"),
        _at("x@flaky-registry.co", "flaky-registry.co", "acme/web"),
        _at("ok@healthy-org.com", "healthy-org.com", "acme/api"),
        replace(
            _at("someone@gmail.com", "gmail.com", "acme/api"),
            kind=ContactKind.PROVIDER,
            role=Role.MAINTAINER,
        ),
    ]
    domains = [
        result(
            "lapsed-corp.com",
            Reason(ReasonCode.UNREGISTERED, "RDAP 404 from https://rdap.example/domain/x"),
            registered=False,
        ),
        result(
            "oldproject.org",
            Reason(ReasonCode.EXPIRED, "expired 12 days ago"),
            expires=NOW - timedelta(days=12),
        ),
        result(
            "soon-gone.dev",
            Reason(ReasonCode.EXPIRING_SOON, "expires in 9 days"),
            expires=NOW + timedelta(days=9),
        ),
        result(
            "parked-name.net",
            Reason(ReasonCode.PARKED, "nameservers at a parking service"),
            expires=NOW + timedelta(days=200),
        ),
        result(
            "quiet-mail.io",
            Reason(ReasonCode.NO_MAIL_ROUTE, "no MX and no A/AAAA"),
            expires=NOW + timedelta(days=400),
        ),
        result("flaky-registry.co", Reason(ReasonCode.LOOKUP_FAILED, "timeout after 10 s")),
        result("healthy-org.com", expires=NOW + timedelta(days=3000)),
    ]
    return make_report(contacts, domains)
