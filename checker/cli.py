"""The ``domain-guard`` command line. Thin: parsing options, then calling the pipeline.

Exit codes: 0 nothing at or above the failure threshold; 1 findings at or above it;
2 usage error; 3 an input could not be read (the report covers every other file);
4 an internal error (a bug: please report it).
"""

from __future__ import annotations

import enum
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from checker import __version__
from checker.settings import FAIL_ON_CHOICES

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_UNREADABLE, EXIT_INTERNAL = 0, 1, 2, 3, 4
ENV_PREFIX = "DOMAIN_GUARD_"

app = typer.Typer(
    name="domain-guard",
    help="Find package maintainer e-mail domains that someone else could register.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain click help: Rich help formatting costs ~120 ms of start-up.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class OutputFormat(str, enum.Enum):
    TEXT = "text"
    JSON = "json"


class FailOn(str, enum.Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NEVER = "never"


assert tuple(f.value for f in FailOn) == FAIL_ON_CHOICES


def _env(option: str) -> str:
    return ENV_PREFIX + option.upper().replace("-", "_")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"domain-guard {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Find package maintainer e-mail domains that someone else could register."""


FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", envvar=_env("format"), help="Report format."),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", envvar=_env("output"), dir_okay=False, help="Write the report to FILE."
    ),
]
OfflineOption = Annotated[
    bool,
    typer.Option(
        "--offline",
        envvar=_env("offline"),
        help="No network at all: domains that need a lookup are reported 'unknown' (offline).",
    ),
]
FailOnOption = Annotated[
    FailOn,
    typer.Option(
        "--fail-on",
        envvar=_env("fail-on"),
        help="Exit 1 when a domain's risk is at or above this level.",
    ),
]


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        _usage_error(f"cannot write {output}: {exc.strerror or exc}")


def _usage_error(message: str) -> NoReturn:
    typer.echo(f"domain-guard: error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


@app.command()
def scan(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or directories to scan (default: the current directory)."),
    ] = None,
    output_format: FormatOption = OutputFormat.TEXT,
    output: OutputOption = None,
    offline: OfflineOption = False,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            envvar=_env("exclude"),
            help="Skip paths matching GLOB (relative path or file name). Repeatable.",
            metavar="GLOB",
        ),
    ] = None,
    fail_on: FailOnOption = FailOn.HIGH,
) -> None:
    """Scan project files and built distributions for maintainer addresses."""
    from checker.pipeline import make_report, offline_results, unique_domains
    from checker.scan import scan_paths

    roots = paths or [Path(".")]
    result = scan_paths(roots, exclude=exclude or ())
    for error in result.errors:
        where = f"{error.path}:{error.line}" if error.line else error.path
        typer.echo(f"domain-guard: {where}: {error.message}", err=True)
    now = datetime.now(timezone.utc)
    domains = unique_domains(result.contacts)
    results = offline_results(domains, now)
    report = make_report(
        result.contacts,
        results,
        result.errors,
        files_scanned=result.files_scanned,
        roots=[p.as_posix() for p in roots],
        now=now,
    )
    _emit(report, output_format, output)
    raise typer.Exit(_exit_code(report, fail_on))


def _emit(report: object, output_format: OutputFormat, output: Path | None) -> None:
    from checker.model import Report

    assert isinstance(report, Report)
    if output_format is OutputFormat.JSON:
        from checker.report import json as json_report

        _write(json_report.render(report), output)
    else:
        from checker.report import text as text_report

        if output is None:
            text_report.render(report, sys.stdout)
        else:
            _write(text_report.render(report), output)


def _exit_code(report: object, fail_on: FailOn) -> int:
    from checker.model import Report
    from checker.settings import threshold

    assert isinstance(report, Report)
    limit = threshold(fail_on.value)
    if limit is not None and any(d.risk.at_least(limit) for d in report.domains):
        return EXIT_FINDINGS
    if report.errors:
        return EXIT_UNREADABLE
    return EXIT_OK


def main() -> None:
    """Console entry point: never a traceback for the user, always a meaningful exit code."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        typer.echo("domain-guard: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get(ENV_PREFIX + "DEBUG"):
            raise
        typer.echo(
            f"domain-guard: internal error: {type(exc).__name__}: {exc}. "
            f"Set {ENV_PREFIX}DEBUG=1 for details and please report it.",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
