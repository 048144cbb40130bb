"""The root of domain-guard's own errors, and the exit code each kind ends a run with.

An error of ours that reaches a command is said in one line (``error: ...``) and ends
the run with its ``exit_code``. One that has no better code than 4 (an error that should
have been handled where it was raised) stays a bug: :func:`checker.cli.main` reports it
as an internal error, like any other exception.
"""

from __future__ import annotations

from checker.policy import EXIT_INTERNAL, EXIT_UNREADABLE, EXIT_USAGE


class DomainGuardError(Exception):
    """An error domain-guard raises itself; handled where it is raised unless a subclass
    says how it ends a run."""

    exit_code = EXIT_INTERNAL


class UsageError(DomainGuardError):
    """What the user asked for cannot be done as asked (an option, input or file)."""

    exit_code = EXIT_USAGE


class IncompleteRun(DomainGuardError):
    """An outside service or input failed: the run could not check what it was asked to."""

    exit_code = EXIT_UNREADABLE
