"""When a run fails, decided once: the exit code, the Action's findings count and the
issues kept all agree on which domains fail it; the worst risk is one function."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import typer
from typer.testing import CliRunner

from checker.cli import app
from checker.cli_options import ui_options
from checker.domains import InvalidDomain
from checker.errors import DomainGuardError, IncompleteRun, UsageError
from checker.github.client import GitHubError
from checker.github.issues import at_risk
from checker.model import LookupFailure, Reason, ReasonCode, Risk, ScanError
from checker.policy import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_UNREADABLE,
    EXIT_USAGE,
    exit_code,
    failing,
    incomplete,
    threshold,
)
from checker.verdict import judge
from tests.report.reports import NOW, make_report, registration, result

MEDIUM = result("medium.org", Reason(ReasonCode.EXPIRING_SOON, "expires in 3 days"))
CRITICAL = result("gone.org", Reason(ReasonCode.UNREGISTERED, "the registry does not hold it"))
HEALTHY = judge("fine.org", registration=registration("fine.org"), now=NOW)
UNKNOWN = judge(
    "dark.org",
    registration=None,
    failure=LookupFailure(ReasonCode.LOOKUP_FAILED, "whois://w.example:43: refused"),
    now=NOW,
)


def test_the_threshold_decides_the_exit_code() -> None:
    report = make_report([], [MEDIUM, HEALTHY])
    assert exit_code(report, "high", False) == EXIT_OK
    assert exit_code(report, "medium", False) == EXIT_FINDINGS
    assert exit_code(report, "never", False) == EXIT_OK


def test_unknown_fails_only_when_asked_and_a_run_that_judged_nothing_is_incomplete() -> None:
    report = make_report([], [UNKNOWN])
    assert exit_code(report, "low", False) == EXIT_UNREADABLE  # never a silent pass
    assert exit_code(report, "low", True) == EXIT_FINDINGS
    assert exit_code(make_report([], [UNKNOWN, HEALTHY]), "low", False) == EXIT_OK


def test_findings_win_over_an_unreadable_input() -> None:
    report = make_report([], [CRITICAL], [ScanError("setup.cfg", "bad")])
    assert exit_code(report, "high", False) == EXIT_FINDINGS
    assert exit_code(report, "never", False) == EXIT_UNREADABLE
    assert incomplete(EXIT_OK) == EXIT_UNREADABLE
    assert incomplete(EXIT_FINDINGS) == EXIT_FINDINGS


def test_the_issue_lists_what_fails_the_run_and_medium_when_nothing_would() -> None:
    report = make_report([], [CRITICAL, MEDIUM, UNKNOWN, HEALTHY])
    limit = threshold("high")
    assert at_risk(report, limit) == failing(report, limit) == [CRITICAL]
    with_unknown = failing(report, limit, include_unknown=True)
    assert at_risk(report, limit, include_unknown=True) == with_unknown == [CRITICAL, UNKNOWN]
    assert at_risk(report, threshold("never")) == [CRITICAL, MEDIUM]


def test_the_worst_risk_ranks_unknown_above_low() -> None:
    assert Risk.worst([]) is Risk.NONE
    assert Risk.worst([Risk.LOW, Risk.UNKNOWN, Risk.NONE]) is Risk.UNKNOWN
    report = make_report([], [HEALTHY, CRITICAL, UNKNOWN])
    assert report.highest_risk is Risk.CRITICAL
    assert replace(report, domains=()).highest_risk is Risk.NONE


def test_our_errors_end_a_command_with_their_exit_code(tmp_path: Path) -> None:
    assert issubclass(UsageError, DomainGuardError)
    assert issubclass(GitHubError, IncompleteRun)
    assert IncompleteRun.exit_code == EXIT_UNREADABLE
    assert UsageError.exit_code == EXIT_USAGE
    bad = tmp_path / "bad.toml"
    bad.write_text("[tool.domain-guard]\nfail-on = 3\n", encoding="utf-8")
    done = CliRunner().invoke(app, ["domain", "example.org", "--offline", "--config", str(bad)])
    assert done.exit_code == EXIT_USAGE
    assert "error: " in done.output
    assert "fail-on" in done.output


def _command(error: Exception) -> typer.Typer:
    """A command declared like ours (``ui_options``) that fails with ``error``."""
    commands = typer.Typer()

    @commands.command()
    @ui_options
    def fail() -> None:
        raise error

    return commands


def test_an_error_of_ours_ends_the_command_by_its_kind() -> None:
    runner = CliRunner()
    usage = runner.invoke(_command(UsageError("no such thing")), [])
    assert (usage.exit_code, usage.output.strip()) == (
        EXIT_USAGE,
        "domain-guard: error: no such thing",
    )
    github = runner.invoke(_command(GitHubError("GitHub answered 502")), [])
    assert github.exit_code == EXIT_UNREADABLE


def test_an_error_of_ours_with_no_exit_code_stays_a_bug() -> None:
    """One that should have been handled where it was raised (an invalid domain deep in a
    run) is not passed off as a usage or input problem: it reaches ``main``, which reports
    an internal error (exit 4)."""
    escaped = CliRunner().invoke(_command(InvalidDomain("not a domain")), [])
    assert isinstance(escaped.exception, InvalidDomain)
    assert "error: not a domain" not in escaped.output


def test_every_public_exception_of_ours_has_the_one_root() -> None:
    """One error root maps to exit codes: an exception class of ours outside it would be
    an exit 4 'internal error' wherever a command forgot to catch it."""
    import importlib
    import inspect
    import pkgutil

    import checker
    from checker.errors import DomainGuardError

    outside = []
    for module_info in pkgutil.walk_packages(checker.__path__, "checker."):
        if module_info.name.endswith("__main__"):
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
                and not name.startswith("_")
                and not issubclass(value, DomainGuardError)
            ):
                outside.append(f"{module.__name__}.{name}")
    assert outside == []
