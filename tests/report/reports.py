"""Reports for the report-format tests, built from :mod:`checker.model` objects directly."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from checker.model import (
    Contact,
    ContactKind,
    DomainResult,
    EvidenceSource,
    LookupFailure,
    Reason,
    ReasonCode,
    Registration,
    Report,
    Risk,
    Role,
    ScanError,
    SourceKind,
    SourceRef,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=timezone.utc)


def corpus() -> list[dict[str, str]]:
    """The injection corpus: ``id``, ``text`` and ``attack`` of each hostile string."""
    data = json.loads((FIXTURES / "injection" / "corpus.json").read_text(encoding="utf-8"))
    entries: list[dict[str, str]] = data["strings"]
    return entries


def sarif_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        (FIXTURES / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
    )
    return schema


def contact(
    email: str,
    domain: str,
    *,
    name: str | None = None,
    path: str | None = "pyproject.toml",
    line: int | None = 7,
    kind: SourceKind = SourceKind.PYPROJECT,
    member: str | None = None,
    package: str | None = None,
    role: Role = Role.AUTHOR,
    contact_kind: ContactKind = ContactKind.LOOKUP,
) -> Contact:
    return Contact(
        email=email,
        name=name,
        role=role,
        kind=contact_kind,
        obfuscated=False,
        domain=domain,
        registrable_domain=domain,
        source=SourceRef(kind=kind, path=path, line=line, package=package, member=member),
    )


def registration(domain: str, *, expires: datetime | None = None) -> Registration:
    return Registration(
        registered=True,
        source=EvidenceSource.RDAP,
        url=f"https://rdap.example/domain/{domain}",
        expires=expires,
    )


def result(
    domain: str,
    *reasons: Reason,
    expires: datetime | None = None,
    registered: bool = True,
) -> DomainResult:
    """A verdict with ``reasons`` (none: healthy) and an optional expiry date."""
    risk = max((r.risk for r in reasons), key=lambda r: r.rank, default=Risk.NONE)
    failure = None
    reg: Registration | None = registration(domain, expires=expires)
    if risk is Risk.UNKNOWN:
        failure = LookupFailure(reasons[0].code, reasons[0].message)
        reg = None
    elif not registered and reg is not None:
        reg = Registration(registered=False, source=EvidenceSource.RDAP, url=reg.url)
    return DomainResult(
        domain=domain,
        risk=risk,
        reasons=tuple(reasons),
        registration=reg,
        failure=failure,
        checked_at=NOW,
    )


def make_report(
    contacts: list[Contact],
    domains: list[DomainResult],
    errors: list[ScanError] | None = None,
    *,
    now: datetime = NOW,
) -> Report:
    return Report(
        contacts=tuple(contacts),
        domains=tuple(domains),
        errors=tuple(errors or ()),
        generated_at=now,
        roots=(".",),
        files_scanned=3,
    )


def hostile_report(text: str) -> Report:
    """``text`` in every untrusted field: names, local parts, paths, archive members,
    package names, registry messages, domains and scan errors.

    Holds a critical domain (file, archive and file-less addresses), an ``unknown`` one
    and a medium one whose names are the hostile text, a healthy one, and an error.
    """
    safe = "evil.example"
    hostile_domain = text
    expiring_domain = text + ".org"
    contacts = [
        contact(f"{text}@{safe}", safe, name=text, path=text, line=3),
        contact(
            f"dist@{safe}",
            safe,
            name=text,
            path=f"dist/{text}-1.0-py3-none-any.whl",
            line=4,
            kind=SourceKind.WHEEL,
            member=f"{text}.dist-info/METADATA",
            package=text,
            role=Role.MAINTAINER,
        ),
        contact(f"cli@{safe}", safe, name=text, path=None, line=1, kind=SourceKind.ARGUMENT),
        contact(f"a@{hostile_domain}", hostile_domain, name=text, path="setup.cfg", line=5),
        contact(f"b@{expiring_domain}", expiring_domain, name=text, path="setup.py", line=9),
        contact("ok@healthy.example", "healthy.example", path="pyproject.toml", line=8),
    ]
    domains = [
        result(
            safe,
            Reason(ReasonCode.UNREGISTERED, text),
            Reason(ReasonCode.NO_MAIL_ROUTE, "no MX for " + text),
            expires=NOW - timedelta(days=10),
        ),
        result(hostile_domain, Reason(ReasonCode.LOOKUP_FAILED, text)),
        result(
            expiring_domain,
            Reason(ReasonCode.EXPIRING_SOON, text),
            expires=NOW + timedelta(days=20),
        ),
        result("healthy.example", expires=NOW + timedelta(days=200)),
    ]
    errors = [ScanError(path=text, message=text, line=2)]
    return make_report(contacts, domains, errors)


def corpus_report() -> Report:
    """Every corpus string at once, each in every untrusted field."""
    contacts: list[Contact] = []
    domains: list[DomainResult] = []
    errors: list[ScanError] = []
    for index, entry in enumerate(corpus()):
        text = entry["text"]
        domain = f"{text}{index}"
        contacts.append(contact(f"{text}@{domain}", domain, name=text, path=text, line=index + 1))
        domains.append(result(domain, Reason(ReasonCode.EXPIRED, text), expires=NOW))
        errors.append(ScanError(path=text, message=text))
    return make_report(contacts, domains, errors)
