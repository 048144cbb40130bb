"""GitHub Actions workflow commands: annotations on the files that hold at-risk addresses.

``::error`` for critical and high, ``::warning`` for medium and low, ``::notice`` for
unknown, one per at-risk address and place (``file=`` and ``line=`` when the address was
read from a file). GitHub shows at most 10 annotations of each level per step and drops
the rest silently, so a level with more findings gets ``per_level - 1`` annotations and a
last one saying how many were left out. Every finding is then listed in a collapsed log
group, inside ``::stop-commands::`` with a random token.

Properties and messages use the Actions toolkit's escaping; untrusted text is made one
line first, and no printed line can start a command or hold ``##[``
(:mod:`checker.escape`).
"""

from __future__ import annotations

from dataclasses import dataclass

from checker import __version__
from checker.escape import (
    neutralise_commands,
    one_line,
    stop_commands,
    workflow_command,
)
from checker.model import Contact, Report, Risk
from checker.report.findings import Finding, file_line, findings, where

#: GitHub's display limit per annotation level and step.
PER_LEVEL = 10
LEVELS = ("error", "warning", "notice")
_LEVEL_WORDS = {
    "error": "error annotation(s) (critical or high risk, unreadable inputs)",
    "warning": "warning annotation(s) (medium or low risk)",
    "notice": "notice annotation(s) (unknown risk)",
}


def annotation_level(risk: Risk) -> str:
    """``error`` (critical, high), ``warning`` (medium, low) or ``notice`` (unknown)."""
    if risk in (Risk.CRITICAL, Risk.HIGH):
        return "error"
    if risk in (Risk.MEDIUM, Risk.LOW):
        return "warning"
    return "notice"


@dataclass(frozen=True)
class _Annotation:
    level: str
    message: str
    title: str
    file: str | None = None
    line: int | None = None

    def command(self) -> str:
        return workflow_command(
            self.level, self.message, file=self.file, line=self.line, title=self.title
        )


def _reasons(finding: Finding) -> str:
    return "; ".join(
        f"{reason.code.value}: {one_line(reason.message, 300)}" for reason in finding.reasons
    )


def _annotations(finding: Finding) -> list[_Annotation]:
    result = finding.result
    level = annotation_level(result.risk)
    domain = one_line(result.domain, 253)
    title = f"domain-guard: {domain} is {result.risk.value} ({finding.primary_code.value})"
    if not finding.contacts:
        return [_Annotation(level, f"{domain}: {_reasons(finding)}", title)]
    annotations = []
    seen: set[tuple[str, str | None, int | None]] = set()
    for contact in finding.contacts:
        key = (contact.email, contact.source.path, contact.source.line)
        if key in seen:
            continue
        seen.add(key)
        annotations.append(
            _Annotation(
                level,
                _message(contact, domain, finding),
                title,
                file=contact.source.path,
                line=file_line(contact) if contact.source.path else None,
            )
        )
    return annotations


def _message(contact: Contact, domain: str, finding: Finding) -> str:
    return (
        f"{one_line(contact.email, 320)} ({contact.role.value}, {one_line(where(contact), 300)}) "
        f"uses {domain}, which is {finding.result.risk.value}: {_reasons(finding)}"
    )


def _error_annotations(report: Report) -> list[_Annotation]:
    return [
        _Annotation(
            "error",
            f"could not read {one_line(error.path, 300)}: {one_line(error.message, 300)}",
            "domain-guard: unreadable input",
            file=error.path or None,
            line=error.line if error.line is not None and error.line >= 1 else None,
        )
        for error in report.errors
    ]


def _summary_line(finding: Finding) -> str:
    result = finding.result
    places = ", ".join(
        f"{one_line(c.email, 320)} ({one_line(where(c), 300)})" for c in finding.contacts[:20]
    )
    more = len(finding.contacts) - 20
    if more > 0:
        places += f" and {more} more"
    return f"{result.risk.value} {one_line(result.domain, 253)}: {_reasons(finding)} [{places}]"


def render(report: Report, *, per_level: int = PER_LEVEL) -> str:
    """Workflow commands for ``report``: annotations, then a log group with every finding."""
    if per_level < 1:
        raise ValueError("per_level must be at least 1")
    found = findings(report)
    by_level: dict[str, list[_Annotation]] = {level: [] for level in LEVELS}
    for finding in found:
        for annotation in _annotations(finding):
            by_level[annotation.level].append(annotation)
    by_level["error"].extend(_error_annotations(report))

    # Only this line and the stop-commands block are plain text; every other line is a
    # command built by workflow_command, whose properties and message are escaped.
    lines = [
        neutralise_commands(
            f"domain-guard {__version__}: {len(found)} domain(s) need attention, "
            f"{len(report.domains) - len(found)} healthy, {len(report.errors)} unreadable "
            "input(s)."
        )
    ]
    for level in LEVELS:
        annotations = by_level[level]
        if len(annotations) <= per_level:
            lines.extend(a.command() for a in annotations)
            continue
        kept = annotations[: per_level - 1]
        left_out = len(annotations) - len(kept)
        lines.extend(a.command() for a in kept)
        lines.append(
            workflow_command(
                level,
                f"{left_out} more {_LEVEL_WORDS[level]} left out (GitHub shows "
                f"{per_level} per level); every finding is listed in the log group "
                "'domain-guard findings' and in the JSON, SARIF and Markdown reports.",
                title=f"domain-guard: {left_out} more",
            )
        )
    output = "\n".join(lines) + "\n"
    if found:
        output += "::group::domain-guard findings\n"
        output += stop_commands(_summary_line(f) for f in found)
        output += "::endgroup::\n"
    return output
