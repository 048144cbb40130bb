"""A table for people. Untrusted text is passed as :class:`rich.text.Text`, never as markup."""

from __future__ import annotations

import io
from collections import defaultdict
from typing import TextIO

from checker import __version__
from checker.model import Contact, ContactKind, Report, Risk
from checker.report.escape import guard_output, one_line
from checker.report.findings import where

_STYLE = {
    Risk.CRITICAL: "bold white on red",
    Risk.HIGH: "bold red",
    Risk.MEDIUM: "yellow",
    Risk.LOW: "cyan",
    Risk.NONE: "green",
    Risk.UNKNOWN: "magenta",
}


def render(report: Report, stream: TextIO | None = None, *, color: bool | None = None) -> str:
    """Render ``report``; write it to ``stream`` (colour only when it is a terminal)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    terminal = color if color is not None else bool(stream and stream.isatty())
    console = Console(
        file=buffer,
        force_terminal=terminal,
        no_color=not terminal,
        width=120 if not terminal else None,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
    )
    by_domain: dict[str, list[Contact]] = defaultdict(list)
    for contact in report.contacts:
        if contact.registrable_domain and contact.kind is ContactKind.LOOKUP:
            by_domain[contact.registrable_domain].append(contact)

    files = report.files_scanned
    console.print(
        Text(
            f"domain-guard {__version__}: {len(report.contacts)} address(es) in {files} "
            f"file(s), {len(report.domains)} domain(s) to check"
        )
    )
    if report.domains:
        table = Table(show_lines=False, header_style="bold", expand=False)
        table.add_column("Risk", no_wrap=True)
        table.add_column("Domain", no_wrap=True)
        table.add_column("Reasons")
        table.add_column("Addresses")
        for result in report.domains:
            reasons = Text()
            for index, reason in enumerate(result.reasons):
                if index:
                    reasons.append("\n")
                reasons.append(f"{reason.code.value}: ", style="bold")
                reasons.append(one_line(reason.message))
            if not result.reasons:
                reasons.append("healthy")
            addresses = Text(
                "\n".join(
                    one_line(f"{c.email} ({where(c)})")
                    for c in by_domain.get(result.domain, [])[:5]
                )
            )
            more = len(by_domain.get(result.domain, [])) - 5
            if more > 0:
                addresses.append(f"\n… and {more} more")
            table.add_row(
                Text(result.risk.value, style=_STYLE[result.risk]),
                Text(one_line(result.domain)),
                reasons,
                addresses,
            )
        console.print(table)

    providers = [c for c in report.contacts if c.kind is ContactKind.PROVIDER]
    invalid = [c for c in report.contacts if c.kind is ContactKind.INVALID]
    if providers:
        console.print(Text(f"{len(providers)} address(es) at mail providers, not looked up."))
    for contact in invalid:
        console.print(
            Text(
                one_line(
                    f"invalid address {contact.email} ({where(contact)}): "
                    f"{contact.note or 'not valid'}"
                )
            )
        )
    from checker.config import ignored_domains

    for item in ignored_domains(report):
        why = "; ".join(i.reason for i in item.ignores)
        result = item.result
        console.print(
            Text(
                one_line(f"ignored by configuration: {result.domain} ({result.risk.value}): {why}")
            )
        )
    for error in report.errors:
        place = f"{error.path}:{error.line}" if error.line else error.path
        console.print(Text(one_line(f"error: {place}: {error.message}"), style="red"))
    counts = ", ".join(
        f"{n} {risk.value}"
        for risk in (Risk.CRITICAL, Risk.HIGH, Risk.MEDIUM, Risk.LOW, Risk.UNKNOWN, Risk.NONE)
        if (n := sum(1 for d in report.domains if d.risk is risk))
    )
    console.print(Text(f"Summary: {counts or 'no domains to check'}."))
    output = guard_output(buffer.getvalue())
    if stream is not None:
        stream.write(output)
    return output
