"""Markdown for ``$GITHUB_STEP_SUMMARY`` and issue bodies.

A findings table, what to do about each reason present, and a Mermaid gantt of the
registrations that expire within a year. Every piece of outside text is rendered in a
code span (:func:`~checker.escape.code_span`), so GitHub renders no HTML, link,
autolink or @mention from it; Mermaid labels are reduced to domain characters. The whole
document stays under ``max_bytes`` (GitHub refuses step summaries over 1 MiB): table rows
that do not fit are left out with a visible note.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from checker import __version__
from checker.escape import code_span, guard_output, mermaid_label
from checker.model import Contact, ReasonCode, Report, Risk
from checker.report.findings import Finding, findings, where
from checker.report.guidance import guidance

#: GitHub's limit for one step summary is 1 MiB; leave room for whatever else is appended.
MAX_BYTES = 1_000_000
#: Rows of the expiry timeline (a gantt with more bars is unreadable).
MAX_TIMELINE = 30
#: Addresses listed per table row.
MAX_ADDRESSES = 3
MAX_ERRORS = 20
#: The smallest size limit accepted: room for the fixed sections at their caps.
MIN_BYTES = 128 * 1024
TIMELINE_DAYS = 365
TABLE_HEAD = ("| Risk | Domain | Reasons | Where |", "|---|---|---|---|")
_MESSAGE_LIMIT = 300


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _address(contact: Contact) -> str:
    return f"{code_span(contact.email, table=True, limit=320)} in " + code_span(
        where(contact), table=True, limit=300
    )


def table_row(finding: Finding) -> str:
    """One findings-table row: risk, domain, reasons, where (untrusted text in code spans)."""
    result = finding.result
    reasons = "; ".join(
        f"{reason.code.value}: {code_span(reason.message, table=True, limit=_MESSAGE_LIMIT)}"
        for reason in finding.reasons
    )
    contacts = finding.contacts
    places = ", ".join(_address(c) for c in contacts[:MAX_ADDRESSES])
    if len(contacts) > MAX_ADDRESSES:
        places += f", and {len(contacts) - MAX_ADDRESSES} more"
    if not contacts:
        places = "(no address in the scanned files)"
    risk = f"**{result.risk.value}**" if result.risk.at_least(Risk.HIGH) else result.risk.value
    return f"| {risk} | {code_span(result.domain, table=True, limit=253)} | {reasons} | {places} |"


def _header(report: Report, found: list[Finding]) -> list[str]:
    counts = ", ".join(
        f"{n} {risk.value}"
        for risk in (Risk.CRITICAL, Risk.HIGH, Risk.MEDIUM, Risk.LOW, Risk.UNKNOWN)
        if (n := sum(1 for f in found if f.result.risk is risk))
    )
    healthy = len(report.domains) - len(found)
    undated = sum(
        1
        for d in report.domains
        if d.risk is Risk.NONE and any(r.code is ReasonCode.NO_EXPIRY_PUBLISHED for r in d.reasons)
    )
    if undated:
        # "checked, far from expiry" is not "this registry publishes no expiry"
        healthy_text = f"{healthy} healthy ({undated} whose registry publishes no expiry date)"
    else:
        healthy_text = f"{healthy} healthy"
    lines = ["## domain-guard", ""]
    if found:
        lines.append(
            f"**{len(found)} domain(s) need attention** ({counts}); {healthy_text}. "
            f"Scanned {report.files_scanned} file(s), {len(report.contacts)} address(es)."
        )
    else:
        lines.append(
            f"No domain at risk: {healthy} domain(s) checked, {report.files_scanned} file(s) "
            f"scanned, {len(report.contacts)} address(es)."
            + (f" {undated} of them: the registry publishes no expiry date." if undated else "")
        )
    lines.append("")
    return lines


def advice(found: list[Finding]) -> list[str]:
    """A "What to do" section for the reason codes present in ``found``."""
    codes = {reason.code for finding in found for reason in finding.reasons}
    if not codes:
        return []
    lines = ["### What to do", ""]
    for code in ReasonCode:  # a fixed order, worst first
        if code in codes:
            help_ = guidance(code)
            lines.append(
                f"- **`{code.value}`** ({code.risk.value}): {help_.meaning} {help_.action}"
            )
    lines.append("")
    return lines


def _timeline(report: Report) -> list[str]:
    now = report.generated_at
    horizon = now + timedelta(days=TIMELINE_DAYS)
    due: list[tuple[datetime, str, Risk]] = []
    for result in report.domains:
        registration = result.registration
        if registration is None or registration.expires is None:
            continue
        if registration.expires <= horizon:
            due.append((registration.expires, result.domain, result.risk))
    if not due:
        return []
    due.sort()
    today = now.strftime("%Y-%m-%d")
    lines = [
        "### Registrations expiring within a year",
        "",
        "```mermaid",
        "gantt",
        f"    title Expiry dates as of {today}",
        "    dateFormat YYYY-MM-DD",
        "    axisFormat %Y-%m-%d",
    ]
    expired = [item for item in due if item[0] <= now]
    coming = [item for item in due if item[0] > now]
    shown = 0
    for title, items in (("Expired", expired), ("Expiring", coming)):
        if not items or shown >= MAX_TIMELINE:
            continue
        lines.append(f"    section {title}")
        for expires, domain, risk in items[: MAX_TIMELINE - shown]:
            label = f"{risk.value} {mermaid_label(domain)}"
            day = expires.strftime("%Y-%m-%d")
            if expires <= now:
                lines.append(f"    {label} :crit, milestone, {day}, 0d")
            else:
                tag = "crit, " if risk.at_least(Risk.MEDIUM) else ""
                lines.append(f"    {label} :{tag}{today}, {day}")
            shown += 1
    lines.append("```")
    if len(due) > shown:
        lines.append(f"{len(due) - shown} more registration(s) expire within a year (not shown).")
    lines.append("")
    return lines


def _errors(report: Report) -> list[str]:
    if not report.errors:
        return []
    lines = ["### Inputs that could not be read", ""]
    for error in report.errors[:MAX_ERRORS]:
        place = f"{error.path}:{error.line}" if error.line else error.path
        lines.append(f"- {code_span(place, limit=300)}: {code_span(error.message, limit=300)}")
    if len(report.errors) > MAX_ERRORS:
        lines.append(f"- and {len(report.errors) - MAX_ERRORS} more")
    lines.append("")
    return lines


def render(report: Report, *, max_bytes: int = MAX_BYTES) -> str:
    """The report as GitHub-flavoured Markdown of at most ``max_bytes`` UTF-8 bytes."""
    if max_bytes < MIN_BYTES:
        raise ValueError(f"max_bytes must be at least {MIN_BYTES}")
    found = findings(report)
    head = "\n".join(_header(report, found)) + "\n"
    tail = "\n".join(
        [*advice(found), *_timeline(report), *_errors(report), f"_domain-guard {__version__}_"]
    )
    tail += "\n"
    table: list[str] = []
    if found:
        table = list(TABLE_HEAD)
        # Room for the note about left-out rows and the blank line after the table.
        budget = max_bytes - _size(head) - _size(tail) - 200
        budget -= sum(_size(line) + 1 for line in table)
        for index, finding in enumerate(found):
            row = table_row(finding)
            if _size(row) + 1 > budget:
                left = len(found) - index
                table.append("")
                table.append(
                    f"**{left} more finding(s) not shown** (the summary is limited to "
                    f"{max_bytes} bytes); the JSON or SARIF report lists every one."
                )
                break
            table.append(row)
            budget -= _size(row) + 1
        table.append("")
    document = head + ("\n".join(table) + "\n" if table else "") + tail
    return guard_output(document)
