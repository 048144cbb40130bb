"""When a run fails: the threshold, which domains fail it, and the exit code.

Every command and the Action decide by these functions, so "does this fail the run" has
one answer everywhere (exit code, the Action's ``findings`` output, which issues are kept).
The worst risk is :meth:`checker.model.Risk.worst`.
"""

from __future__ import annotations

from checker.model import DomainResult, Report, Risk

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_UNREADABLE, EXIT_INTERNAL = 0, 1, 2, 3, 4


def threshold(fail_on: str) -> Risk | None:
    """The risk at or above which a run fails; None for ``never``."""
    return None if fail_on == "never" else Risk(fail_on)


def fails(result: DomainResult, limit: Risk | None, *, include_unknown: bool = False) -> bool:
    """Whether ``result`` is a finding: at or above ``limit``, or unknown when asked."""
    if limit is not None and result.risk.at_least(limit):
        return True
    return include_unknown and result.risk is Risk.UNKNOWN


def failing(
    report: Report, limit: Risk | None, *, include_unknown: bool = False
) -> list[DomainResult]:
    """The report's domains that fail the run (see :func:`fails`), in report order."""
    return [r for r in report.domains if fails(r, limit, include_unknown=include_unknown)]


def exit_code(report: Report, fail_on: str, fail_on_unknown: bool) -> int:
    """The run's exit code: 1 for findings; else 3 when an input could not be read or no
    domain could be checked (never a silent pass); else 0."""
    if failing(report, threshold(fail_on), include_unknown=fail_on_unknown):
        return EXIT_FINDINGS
    if report.errors:
        return EXIT_UNREADABLE
    from checker.unchecked import judged_none

    if judged_none(report):  # no network, a failing resolver: never a silent pass
        return EXIT_UNREADABLE
    return EXIT_OK


def incomplete(code: int) -> int:
    """``code`` after a part of the run failed (an issue write, a missing shard): 3, unless
    findings already make it 1 (or it is already worse)."""
    return EXIT_UNREADABLE if code == EXIT_OK else code
