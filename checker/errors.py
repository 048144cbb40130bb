"""The root of domain-guard's own errors, and the exit code each kind ends a run with.

An error of ours that reaches the command line is said in one line (``error: ...``) and
ends the run with its ``exit_code``; any other exception is a bug (exit 4, see
:func:`checker.cli.main`). Catch the narrow class where an error is only part of a run.
"""

from __future__ import annotations

from checker.policy import EXIT_UNREADABLE, EXIT_USAGE


class DomainGuardError(Exception):
    """An error domain-guard expects and explains: by default, the run is incomplete."""

    exit_code = EXIT_UNREADABLE


class UsageError(DomainGuardError):
    """What the user asked for cannot be done as asked (an option, input or file)."""

    exit_code = EXIT_USAGE
