"""SARIF 2.1.0 for GitHub code scanning (``github/codeql-action/upload-sarif``).

* One rule per reason code, with help text and a ``security-severity`` (critical 9.5,
  high 8.0, medium 5.5, low 3.0). The ``unknown`` codes (``lookup-failed``,
  ``unsupported-tld``, ``registrar-unavailable``, ``offline``, ``unrecognised-status``) and
  ``no-expiry-published`` (risk ``none``) are level ``note`` with no ``security-severity``: a
  score would file "we could not tell" as a rated vulnerability, and any value would be
  invented; GitHub then lists them as plain notes, and ``--fail-on-unknown`` decides
  whether they fail a run.
* One result per at-risk domain per address per file, located at the address's line (an
  address written on several lines of one file is one result with a location for each).
  Addresses read from a wheel or sdist point at the archive, line 1, and name the member.
  URIs are relative to ``%SRCROOT%`` (upload-sarif resolves them against the checkout, so
  no absolute container path is written); absolute paths become ``file://`` URIs.
* Addresses with no file (``domain`` command, PyPI, environment) are not results: GitHub
  rejects the whole upload when any result lacks a physical location. They are counted in
  the run's properties.
* ``partialFingerprints`` hash the rule, domain, path and address: no line numbers, dates
  or counters, so an alert survives edits, re-runs and reordering.
* At most :data:`MAX_RESULTS` results, worst first (GitHub keeps 5,000 per run); the run's
  properties say when the list was cut and by how much.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from checker import __version__
from checker.codec import format_datetime
from checker.escape import clip, guard_json, one_line
from checker.model import Contact, ReasonCode, Report, Risk
from checker.report.findings import Finding, file_line, findings, is_archive, level
from checker.report.guidance import SECURITY_SEVERITY, guidance
from checker.report.json import summary

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")
_SERVER = re.compile(r"^https://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$")


def information_uri(environ: Mapping[str, str] | None = None) -> str | None:
    """The README of the repository this copy came from, where that is known: the
    Action's own repository (``GITHUB_ACTION_REPOSITORY``, set by the runner; the org-scan
    workflow sets it to its own). Elsewhere None: no link beats one to a page that may
    not exist."""
    env = os.environ if environ is None else environ
    repository = env.get("GITHUB_ACTION_REPOSITORY", "")
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    if not _REPOSITORY.match(repository) or not _SERVER.match(server):
        return None
    return f"{server}/{repository}#readme"


SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "domainGuardFinding/v1"
#: GitHub stores the top 5,000 results of a run and rejects more than 25,000.
MAX_RESULTS = 5000
#: Locations per result (GitHub shows 100, rejects over 1,000).
MAX_LOCATIONS = 100
#: Scan errors reported as tool notifications.
MAX_NOTIFICATIONS = 100
_TEXT_LIMIT = 1000
_PROPERTY_PREFIX = "domain-guard"


def _message_text(text: str) -> str:
    """Plain SARIF message text: brackets escaped (SARIF §3.11.6), so no embedded link."""
    return text.replace("[", "\\[").replace("]", "\\]")


def rule(code: ReasonCode) -> dict[str, Any]:
    """The SARIF ``reportingDescriptor`` of a reason code."""
    help_ = guidance(code)
    risk = code.risk
    properties: dict[str, Any] = {
        "tags": ["security", "supply-chain", f"risk-{risk.value}"],
        "precision": "high" if risk is not Risk.UNKNOWN else "low",
    }
    severity = SECURITY_SEVERITY.get(risk)
    if severity is not None:
        properties["security-severity"] = severity
    return {
        "id": code.value,
        "name": help_.name,
        "shortDescription": {"text": help_.title},
        "fullDescription": {"text": help_.meaning},
        "help": {
            "text": f"{help_.meaning}\n\nWhat to do: {help_.action}",
            "markdown": (
                f"**Risk: {risk.value}.** {help_.meaning}\n\n**What to do:** {help_.action}"
            ),
        },
        "defaultConfiguration": {"level": level(risk)},
        "properties": properties,
    }


RULE_INDEX = {code: index for index, code in enumerate(ReasonCode)}


def _quote(path: str) -> str:
    # Undecodable file names arrive as surrogate escapes: percent-encode their real bytes.
    try:
        return quote(path, safe="/", errors="surrogateescape")
    except UnicodeEncodeError:
        return quote(path, safe="/", errors="replace")


def artifact_uri(path: str) -> tuple[str, str | None]:
    """``(uri, uriBaseId)`` for a report path: relative to %SRCROOT%, or an absolute file URI."""
    if path.startswith("/"):
        return "file://" + _quote(path), None
    while path.startswith("./"):
        path = path[2:]
    return _quote(path), SRCROOT


def fingerprint(code: ReasonCode, domain: str, path: str, email: str) -> str:
    """Stable across runs: the same address in the same file for the same reason."""
    material = "\0".join((code.value, domain, path, email))
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


def _artifact(path: str) -> dict[str, Any]:
    uri, base = artifact_uri(path)
    artifact: dict[str, Any] = {"uri": uri}
    if base is not None:
        artifact["uriBaseId"] = base
    return artifact


def _location(path: str, contact: Contact) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": _artifact(path),
            # GitHub requires a start line; an archive has no meaningful one.
            "region": {"startLine": file_line(contact) or 1},
        }
    }
    if is_archive(contact):
        member = contact.source.member or "its metadata"
        line = f" line {contact.source.line}" if contact.source.line else ""
        location["message"] = {"text": _message_text(one_line(f"in {member}{line}", 300))}
    return location


def _result(finding: Finding, path: str, contacts: list[Contact]) -> dict[str, Any]:
    result = finding.result
    code = finding.primary_code
    first = contacts[0]
    reasons = "; ".join(
        f"{reason.code.value}: {one_line(reason.message, 300)}" for reason in finding.reasons
    )
    text = (
        f"{one_line(first.email, 320)} uses the domain {one_line(result.domain, 253)}, "
        f"which is {result.risk.value}: {reasons}"
    )
    locations: list[dict[str, Any]] = []
    for contact in contacts:
        location = _location(path, contact)
        if location not in locations:  # e.g. author and maintainer on one line
            locations.append(location)
    locations = locations[:MAX_LOCATIONS]
    return {
        "ruleId": code.value,
        "ruleIndex": RULE_INDEX[code],
        "level": level(result.risk),
        "message": {"text": _message_text(clip(text, 2 * _TEXT_LIMIT))},
        "locations": locations,
        "partialFingerprints": {
            FINGERPRINT_KEY: fingerprint(code, result.domain, path, first.email)
        },
        "properties": {
            "domain": clip(result.domain, _TEXT_LIMIT),
            "risk": result.risk.value,
            "email": clip(first.email, _TEXT_LIMIT),
            "name": None if first.name is None else clip(first.name, _TEXT_LIMIT),
            "roles": sorted({c.role.value for c in contacts}),
            "reasons": [
                {"code": r.code.value, "message": clip(r.message, _TEXT_LIMIT)}
                for r in finding.reasons
            ],
        },
    }


def _results(report: Report) -> tuple[list[dict[str, Any]], int]:
    """Every result, worst first, and the number of findings no file locates."""
    results: list[dict[str, Any]] = []
    unlocated = 0
    for finding in findings(report):
        # One result per (address, file); its lines become locations.
        grouped: dict[tuple[str, str], list[Contact]] = {}
        for contact in finding.contacts:
            if contact.source.path:
                grouped.setdefault((contact.email, contact.source.path), []).append(contact)
        if not grouped:
            unlocated += 1
            continue
        for (_, path), contacts in grouped.items():
            contacts.sort(key=lambda c: file_line(c) or 0)
            results.append(_result(finding, path, contacts))
    return results, unlocated


def _notifications(report: Report) -> list[dict[str, Any]]:
    notes = []
    for error in report.errors[:MAX_NOTIFICATIONS]:
        note: dict[str, Any] = {
            "level": "error",
            "message": {
                "text": _message_text(
                    f"could not read {one_line(error.path, 500)}: {one_line(error.message, 500)}"
                )
            },
        }
        if error.path:
            physical: dict[str, Any] = {"artifactLocation": _artifact(error.path)}
            if error.line is not None and error.line >= 1:
                physical["region"] = {"startLine": error.line}
            note["locations"] = [{"physicalLocation": physical}]
        notes.append(note)
    return notes


def to_sarif(report: Report, *, max_results: int = MAX_RESULTS) -> dict[str, Any]:
    """The SARIF log of ``report`` as a JSON-ready dict."""
    results, unlocated = _results(report)
    total = len(results)
    results = results[:max_results]
    run_properties: dict[str, Any] = {
        "summary": summary(report),
        "resultsTotal": total,
        "resultsIncluded": len(results),
        "truncated": total > len(results),
        "unlocatedFindings": unlocated,
        # healthy domains are not results; say how many were judged without an expiry date
        "noExpiryPublished": sorted(
            d.domain
            for d in report.domains
            if any(r.code is ReasonCode.NO_EXPIRY_PUBLISHED for r in d.reasons)
        )[:MAX_RESULTS],
    }
    if total > len(results):
        run_properties["truncationNote"] = (
            f"{total - len(results)} of {total} results were left out (at most {max_results} "
            "per run); the worst are kept. The JSON report lists every finding."
        )
    invocation: dict[str, Any] = {
        "executionSuccessful": True,
        "endTimeUtc": format_datetime(report.generated_at),
    }
    notifications = _notifications(report)
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "domain-guard",
                        "version": __version__,
                        "semanticVersion": __version__,
                        **({"informationUri": home} if (home := information_uri()) else {}),
                        "rules": [rule(code) for code in ReasonCode],
                    }
                },
                "invocations": [invocation],
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": {_PROPERTY_PREFIX: run_properties},
            }
        ],
    }


def render(report: Report, *, max_results: int = MAX_RESULTS) -> str:
    """The report as SARIF 2.1.0 JSON text."""
    text = json.dumps(to_sarif(report, max_results=max_results), indent=2, ensure_ascii=False)
    return guard_json(text) + "\n"
