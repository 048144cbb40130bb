"""The JSON report (``schema_version`` 1): a contract other tools read. Keep it stable."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Any, TextIO

from checker import __version__
from checker.codec import dns_to_dict, format_datetime, registration_to_dict
from checker.escape import guard_json
from checker.model import RISK_ORDER, Contact, DomainResult, Report, ScanError

SCHEMA_VERSION = 1


def contact_to_dict(contact: Contact) -> dict[str, Any]:
    source = contact.source
    source_dict: dict[str, Any] = {
        "kind": source.kind.value,
        "path": source.path,
        "line": source.line,
        "package": source.package,
    }
    for key in ("version", "repository", "member"):
        value = getattr(source, key)
        if value is not None:
            source_dict[key] = value
    if source.uploaded is not None:
        source_dict["uploaded"] = format_datetime(source.uploaded)
    return {
        "email": contact.email,
        "name": contact.name,
        "role": contact.role.value,
        "kind": contact.kind.value,
        "obfuscated": contact.obfuscated,
        "domain": contact.domain,
        "registrable_domain": contact.registrable_domain,
        "note": contact.note,
        "source": source_dict,
    }


def domain_to_dict(result: DomainResult) -> dict[str, Any]:
    return {
        "domain": result.domain,
        "risk": result.risk.value,
        "reasons": [
            {"code": r.code.value, "risk": r.risk.value, "message": r.message}
            for r in result.reasons
        ],
        "contacts": result.contacts,
        "registration": registration_to_dict(result.registration) if result.registration else None,
        "dns": dns_to_dict(result.dns) if result.dns else None,
        "checked_at": format_datetime(result.checked_at) if result.checked_at else None,
        "cached": result.cached,
    }


def error_to_dict(error: ScanError) -> dict[str, Any]:
    return {"path": error.path, "line": error.line, "message": error.message}


def summary(report: Report) -> dict[str, Any]:
    by_risk = {risk.value: 0 for risk in RISK_ORDER}
    for result in report.domains:
        by_risk[result.risk.value] += 1
    by_kind = {"lookup": 0, "provider": 0, "invalid": 0}
    for contact in report.contacts:
        by_kind[contact.kind.value] += 1
    return {
        "files_scanned": report.files_scanned,
        "contacts": len(report.contacts),
        "contacts_by_kind": by_kind,
        "domains": len(report.domains),
        "by_risk": by_risk,
        "highest_risk": report.highest_risk.value,
        "errors": len(report.errors),
    }


def ignored_to_list(report: Report) -> list[dict[str, Any]]:
    """Findings the configuration ignores, with the ignores that cover them."""
    from checker.ignores import ignore_to_dict

    return [
        {**domain_to_dict(item.result), "ignored_by": [ignore_to_dict(i) for i in item.ignores]}
        for item in report.ignored
    ]


def shard_to_dict(report: Report) -> dict[str, Any] | None:
    """The shards a ``--shard`` run or a partial ``merge`` covers; None for a whole run."""
    shard = report.shard
    if shard is None:
        return None
    return {"total": shard.total, "indexes": list(shard.indexes)}


def report_to_dict(report: Report) -> dict[str, Any]:
    data = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "domain-guard", "version": __version__},
        "generated_at": format_datetime(report.generated_at),
        "roots": list(report.roots),
        "contacts": [contact_to_dict(c) for c in report.contacts],
        "domains": [domain_to_dict(d) for d in report.domains],
        "errors": [error_to_dict(e) for e in report.errors],
        "ignored": ignored_to_list(report),
        "summary": summary(report),
    }
    shard = shard_to_dict(report)
    if shard is not None:
        data["shard"] = shard
    return data


#: Lists written one item per line: a report of a whole ecosystem has a million entries.
_STREAMED = ("contacts", "domains", "errors", "ignored")
_ITEM = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def write(report: Report, out: TextIO) -> None:
    """Write the report to ``out`` as a stream: the contract :func:`report_to_dict` describes.

    Small parts are indented; each entry of the long lists is written on a line of its own
    as it is made (Python's indenting encoder is pure Python and holds the whole text),
    so memory does not grow with the report. :func:`guard_json` is applied to each part:
    every part is a complete JSON value, so ``##[`` cannot span two of them.
    """
    head = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "domain-guard", "version": __version__},
        "generated_at": format_datetime(report.generated_at),
        "roots": list(report.roots),
    }
    items: dict[str, Iterable[dict[str, Any]]] = {
        "contacts": (contact_to_dict(c) for c in report.contacts),
        "domains": (domain_to_dict(d) for d in report.domains),
        "errors": (error_to_dict(e) for e in report.errors),
        "ignored": ignored_to_list(report),
    }
    tail: dict[str, Any] = {"summary": summary(report)}
    shard = shard_to_dict(report)
    if shard is not None:
        tail["shard"] = shard
    out.write("{")
    first = True
    for key, value in head.items():
        out.write(f"{'' if first else ','}\n  {_indented(key, value)}")
        first = False
    for key in _STREAMED:
        out.write(f",\n  {json.dumps(key)}: [")
        empty = True
        for item in items[key]:
            out.write(f"{'' if empty else ','}\n    {guard_json(_ITEM.encode(item))}")
            empty = False
        out.write("]" if empty else "\n  ]")
    for key, value in tail.items():
        out.write(f",\n  {_indented(key, value)}")
    out.write("\n}\n")


def _indented(key: str, value: object) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
    return f"{json.dumps(key)}: {guard_json(text)}"


def render(report: Report) -> str:
    """The report as JSON text (non-ASCII kept as is); see :func:`write`."""
    out = io.StringIO()
    write(report, out)
    return out.getvalue()
