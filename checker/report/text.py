"""The report for people: findings first, worst first, each address with its whole location.

Plain lines, no table: a table cuts long paths to fit its columns, and a location that is
cut is useless. On a terminal, long lines are wrapped at word boundaries to its width; a
location, an address or a URL is never split, whatever the width. Piped or written to a
file, nothing is wrapped. Untrusted text goes through :func:`one_line`, so it can carry
no terminal control sequence; colour (ANSI) is only ever our own.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Sequence
from typing import TextIO

from checker import __version__
from checker.escape import guard_output, one_line
from checker.model import Contact, ContactKind, Report, Risk, SourceKind
from checker.report.findings import contacts_by_domain, findings, where

_SGR = {
    Risk.CRITICAL: "1;37;41",
    Risk.HIGH: "1;31",
    Risk.MEDIUM: "33",
    Risk.LOW: "36",
    Risk.NONE: "32",
    Risk.UNKNOWN: "35",
}
_LABEL_WIDTH = max(len(r.value) for r in Risk)
_INDENT = " " * (_LABEL_WIDTH + 2)
_SUMMARY_ORDER = (Risk.CRITICAL, Risk.HIGH, Risk.MEDIUM, Risk.UNKNOWN, Risk.LOW, Risk.NONE)


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 file``, ``2 files``; ``nouns`` for irregular plurals (``addresses``)."""
    return f"{count:,} {noun if count == 1 else (nouns or noun + 's')}"


def location(contact: Contact) -> str:
    """Where an address is, whole: ``path:line``, ``archive!member``, the package and
    version of an installed distribution or a PyPI release."""
    source = contact.source
    release = " ".join(p for p in (source.package, source.version) if p)
    if source.kind is SourceKind.PYPI:
        return f"{release or 'a release'} on PyPI"
    place = where(contact)
    if source.kind is SourceKind.ENVIRONMENT and release:
        return f"{release}, {place}"
    return place


def _wrap(first: str, rest: Sequence[str], atoms: Iterable[str], width: int | None) -> list[str]:
    """``atoms`` joined by spaces, after ``first`` (the first line's prefix) or ``rest``
    (following lines' indent), in lines of at most ``width`` where an atom allows it.

    An atom is never split: one longer than the width stands whole on its own line.
    """
    words = [a for a in atoms if a]
    if width is None:
        return [first + " ".join(words)]
    lines: list[str] = []
    line, empty = first, True
    for word in words:
        if not empty and len(line) + 1 + len(word) > width:
            lines.append(line)
            line, empty = rest[0], True
        line += word if empty else " " + word
        empty = False
    lines.append(line)
    return lines


def _message_atoms(text: str) -> list[str]:
    return one_line(text).split(" ")


class _Writer:
    def __init__(self, color: bool, width: int | None) -> None:
        self.lines: list[str] = []
        self.color = color
        self.width = width

    def label(self, risk: Risk) -> str:
        text = risk.value.ljust(_LABEL_WIDTH)
        if not self.color:
            return text
        return f"\x1b[{_SGR[risk]}m{risk.value}\x1b[0m" + " " * (_LABEL_WIDTH - len(risk.value))

    def add(self, first: str, atoms: Iterable[str], *, visible: int | None = None) -> None:
        """One logical line, wrapped; ``visible`` is the printed width of ``first`` when
        it holds colour codes."""
        if self.width is None:
            self.lines.extend(_wrap(first, [_INDENT], atoms, None))
            return
        pad = "x" * (visible if visible is not None else len(first))
        wrapped = _wrap(pad, [_INDENT], atoms, self.width)
        wrapped[0] = first + wrapped[0][len(pad) :]
        self.lines.extend(wrapped)


def render(
    report: Report,
    stream: TextIO | None = None,
    *,
    color: bool | None = None,
    width: int | None = None,
    verbose: bool = False,
) -> str:
    """Render ``report``; write it to ``stream`` when given.

    ``color`` and ``width`` default to what ``stream`` is: colour and the terminal's width
    on a terminal, neither otherwise (``width`` None never wraps). ``verbose`` lists the
    healthy domains instead of counting them.
    """
    terminal = bool(stream is not None and stream.isatty())
    color = terminal if color is None else color
    if width is None and terminal:
        width = shutil.get_terminal_size().columns
    out = _Writer(color, max(width, 40) if width is not None else None)
    out.add(
        "",
        [
            f"domain-guard {__version__}:",
            plural(len(report.contacts), "address", "addresses"),
            "in",
            plural(report.files_scanned, "file") + ";",
            plural(len(report.domains), "domain"),
            "looked up",
        ],
    )
    found = findings(report)
    for finding in found:
        result = finding.result
        out.lines.append("")
        label = out.label(result.risk)
        out.add(label + "  ", [one_line(result.domain)], visible=_LABEL_WIDTH + 2)
        for reason in finding.reasons:
            out.add(_INDENT, [f"{reason.code.value}:", *_message_atoms(reason.message)])
        for contact in finding.contacts:
            out.add(_INDENT, [one_line(contact.email), f"({one_line(location(contact))})"])

    healthy = [r for r in report.domains if r.risk is Risk.NONE]
    if healthy:
        out.lines.append("")
        if verbose:
            grouped = contacts_by_domain(report)
            for result in healthy:
                places = [f"({one_line(location(c))})" for c in grouped.get(result.domain, [])]
                out.add(
                    out.label(Risk.NONE) + "  ",
                    [one_line(result.domain), *places],
                    visible=_LABEL_WIDTH + 2,
                )
        else:
            out.add("", _message_atoms(
                f"{plural(len(healthy), 'domain')} healthy (registration read, nothing at "
                "risk); -v lists them."
            ))  # fmt: skip

    providers = [c for c in report.contacts if c.kind is ContactKind.PROVIDER]
    invalid = [c for c in report.contacts if c.kind is ContactKind.INVALID]
    if providers or invalid:
        out.lines.append("")
    if providers:
        out.add("", _message_atoms(
            f"{plural(len(providers), 'address', 'addresses')} at mail providers, not looked up."
        ))  # fmt: skip
    for contact in invalid:
        out.add(
            "invalid address ",
            [one_line(contact.email), f"({one_line(location(contact))}):",
             *_message_atoms(contact.note or "not valid")],
        )  # fmt: skip
    for item in report.ignored:
        why = "; ".join(i.reason for i in item.ignores)
        out.add(
            "ignored by configuration: ",
            [one_line(item.result.domain), f"({item.result.risk.value}):", *_message_atoms(why)],
        )
    if report.errors:
        out.lines.append("")
    for error in report.errors:
        place = f"{error.path}:{error.line}" if error.line else error.path
        out.add("error: ", [one_line(place) + ":", *_message_atoms(error.message)])
    counts = ", ".join(
        f"{n:,} {risk.value}"
        for risk in _SUMMARY_ORDER
        if (n := sum(1 for d in report.domains if d.risk is risk))
    )
    out.lines.append("")
    out.add("", [f"Summary: {counts or 'no domains to check'}."])
    output = guard_output("\n".join(out.lines) + "\n")
    if stream is not None:
        stream.write(output)
    return output
