"""The ``domain-guard`` command line. Thin: parsing options, then calling the pipeline.

Exit codes: 0 nothing at or above the failure threshold; 1 findings at or above it;
2 usage error; 3 an input could not be read (the report covers every other file);
4 an internal error (a bug: please report it).
"""

from __future__ import annotations

import enum
import os
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from checker import __version__
from checker.settings import FAIL_ON_CHOICES, LookupSettings

if TYPE_CHECKING:
    from checker.config import Options
    from checker.model import Contact, Report, ScanError

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
    SARIF = "sarif"
    MARKDOWN = "markdown"
    GITHUB = "github"


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
    FailOn | None,
    typer.Option(
        "--fail-on",
        envvar=_env("fail-on"),
        help="Exit 1 when a domain's risk is at or above this level. [default: high]",
    ),
]
FailOnUnknownOption = Annotated[
    bool | None,
    typer.Option(
        "--fail-on-unknown/--no-fail-on-unknown",
        envvar=_env("fail-on-unknown"),
        help="Also exit 1 when a domain's risk is unknown. [default: no]",
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar=_env("config"),
        dir_okay=False,
        metavar="FILE",
        help="Configuration file (.toml or .yml). Default: [tool.domain-guard] in "
        "./pyproject.toml or ./.domain-guard.yml.",
    ),
]

RdapBootstrapOption = Annotated[
    str | None,
    typer.Option(
        "--rdap-bootstrap",
        envvar=_env("rdap-bootstrap"),
        metavar="PATH|URL",
        help="RDAP bootstrap (IANA dns.json format) to use instead of IANA's; trusted as given.",
    ),
]
NameserverOption = Annotated[
    str | None,
    typer.Option(
        "--nameserver",
        envvar=_env("nameserver"),
        metavar="HOST[:PORT]",
        help="DNS resolver to ask (default: the system's).",
    ),
]
NoDnsOption = Annotated[
    bool, typer.Option("--no-dns", envvar=_env("no-dns"), help="Skip DNS checks.")
]
WhoisServerOption = Annotated[
    list[str] | None,
    typer.Option(
        "--whois-server",
        envvar=_env("whois-server"),
        metavar="TLD=HOST[:PORT]",
        help="WHOIS server for a TLD. Repeatable.",
    ),
]
CacheDirOption = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir",
        envvar=_env("cache-dir"),
        file_okay=False,
        help="Directory of the evidence cache (default: the user cache directory).",
    ),
]
NoCacheOption = Annotated[
    bool,
    typer.Option("--no-cache", envvar=_env("no-cache"), help="Neither read nor write the cache."),
]
TimeoutOption = Annotated[
    float,
    typer.Option(
        "--timeout", envvar=_env("timeout"), min=0.1, metavar="SECONDS", help="Per request."
    ),
]
DeadlineOption = Annotated[
    float | None,
    typer.Option(
        "--deadline",
        envvar=_env("deadline"),
        min=0.1,
        metavar="SECONDS",
        help="For all lookups; domains not answered by then are 'unknown'.",
    ),
]
ConcurrencyOption = Annotated[
    int,
    typer.Option(
        "--concurrency", envvar=_env("concurrency"), min=1, max=256, help="Lookups at once."
    ),
]
ExpiryWindowOption = Annotated[
    int | None,
    typer.Option(
        "--expiry-window",
        envvar=_env("expiry-window"),
        min=0,
        max=3650,
        metavar="DAYS",
        help="Report 'expiring-soon' when a registration expires within DAYS. [default: 30]",
    ),
]


def _lookup_settings(
    *,
    offline: bool,
    rdap_bootstrap: str | None,
    nameserver: str | None,
    no_dns: bool,
    whois_server: list[str] | None,
    cache_dir: Path | None,
    no_cache: bool,
    timeout: float,
    deadline: float | None,
    concurrency: int,
    expiry_window: int,
) -> LookupSettings:
    resolver = None
    servers: dict[str, tuple[str, int]] = {}
    try:
        # Imported only when used: dnspython alone costs ~60 ms of start-up.
        if nameserver:
            from checker.lookup.dns import parse_nameserver

            resolver = parse_nameserver(nameserver)
        if whois_server:
            from checker.lookup.whois import parse_server_override

            servers = dict(parse_server_override(item) for item in whois_server)
    except ValueError as exc:
        _usage_error(str(exc))
    return LookupSettings(
        offline=offline,
        timeout=timeout,
        deadline=deadline,
        concurrency=concurrency,
        expiry_window_days=expiry_window,
        rdap_bootstrap=rdap_bootstrap,
        nameserver=resolver,
        dns=not no_dns,
        whois_servers=servers,
        cache_dir=cache_dir,
        cache=not no_cache,
    )


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
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            envvar=_env("exclude"),
            help="Skip paths matching GLOB (relative path or file name). Repeatable.",
            metavar="GLOB",
        ),
    ] = None,
    fail_on: FailOnOption = None,
    fail_on_unknown: FailOnUnknownOption = None,
    config: ConfigOption = None,
    offline: OfflineOption = False,
    rdap_bootstrap: RdapBootstrapOption = None,
    nameserver: NameserverOption = None,
    no_dns: NoDnsOption = False,
    whois_server: WhoisServerOption = None,
    cache_dir: CacheDirOption = None,
    no_cache: NoCacheOption = False,
    timeout: TimeoutOption = 10.0,
    deadline: DeadlineOption = None,
    concurrency: ConcurrencyOption = 32,
    expiry_window: ExpiryWindowOption = None,
) -> None:
    """Scan project files and built distributions, and check every maintainer domain."""
    from checker.domains import DomainClassifier
    from checker.scan import scan_paths

    options = _configure(config, fail_on, fail_on_unknown, expiry_window, exclude)
    settings = _lookup_settings(
        offline=offline, rdap_bootstrap=rdap_bootstrap, nameserver=nameserver, no_dns=no_dns,
        whois_server=whois_server, cache_dir=cache_dir, no_cache=no_cache, timeout=timeout,
        deadline=deadline, concurrency=concurrency, expiry_window=options.expiry_window,
    )  # fmt: skip
    roots = paths or [Path(".")]
    classifier = DomainClassifier(extra_providers=options.providers)
    result = scan_paths(roots, exclude=options.exclude, classifier=classifier)
    report = _assess(
        result.contacts,
        list(result.errors),
        settings,
        files_scanned=result.files_scanned,
        roots=[p.as_posix() for p in roots],
    )
    _finish(report, options, output_format, output)


@app.command()
def domain(
    names: Annotated[
        list[str],
        typer.Argument(metavar="DOMAIN|EMAIL...", help="Domain names or e-mail addresses."),
    ],
    output_format: FormatOption = OutputFormat.TEXT,
    output: OutputOption = None,
    fail_on: FailOnOption = None,
    fail_on_unknown: FailOnUnknownOption = None,
    config: ConfigOption = None,
    offline: OfflineOption = False,
    rdap_bootstrap: RdapBootstrapOption = None,
    nameserver: NameserverOption = None,
    no_dns: NoDnsOption = False,
    whois_server: WhoisServerOption = None,
    cache_dir: CacheDirOption = None,
    no_cache: NoCacheOption = False,
    timeout: TimeoutOption = 10.0,
    deadline: DeadlineOption = None,
    concurrency: ConcurrencyOption = 32,
    expiry_window: ExpiryWindowOption = None,
) -> None:
    """Check domain names or addresses directly."""
    from checker.arguments import contacts_from_arguments
    from checker.domains import DomainClassifier

    options = _configure(config, fail_on, fail_on_unknown, expiry_window, None)
    settings = _lookup_settings(
        offline=offline, rdap_bootstrap=rdap_bootstrap, nameserver=nameserver, no_dns=no_dns,
        whois_server=whois_server, cache_dir=cache_dir, no_cache=no_cache, timeout=timeout,
        deadline=deadline, concurrency=concurrency, expiry_window=options.expiry_window,
    )  # fmt: skip
    classifier = DomainClassifier(extra_providers=options.providers)
    contacts, errors = contacts_from_arguments(names, classifier)
    report = _assess(contacts, errors, settings, files_scanned=0, roots=[])
    _finish(report, options, output_format, output)


def _configure(
    config: Path | None,
    fail_on: FailOn | None,
    fail_on_unknown: bool | None,
    expiry_window: int | None,
    exclude: list[str] | None,
) -> Options:
    """Merge the command line and environment (given) over the configuration file."""
    from checker.config import ConfigError, load_config, merge

    try:
        file_config = load_config(Path("."), explicit=config)
    except ConfigError as exc:
        _usage_error(str(exc))
    return merge(
        file_config,
        fail_on=fail_on.value if fail_on else None,
        fail_on_unknown=fail_on_unknown,
        expiry_window=expiry_window,
        exclude=exclude or None,
    )


def _finish(
    report: Report, options: Options, output_format: OutputFormat, output: Path | None
) -> NoReturn:
    """Apply ignores, write the report, and exit by the threshold."""
    from checker.config import apply_ignores

    report, warnings = apply_ignores(report, options.ignore, today=report.generated_at.date())
    for warning in warnings:
        typer.echo(f"domain-guard: warning: {warning}", err=True)
    _emit(report, output_format, output)
    raise typer.Exit(_exit_code(report, options))


def _assess(
    contacts: Sequence[Contact],
    errors: list[ScanError],
    settings: LookupSettings,
    *,
    files_scanned: int,
    roots: list[str],
) -> Report:
    from checker.lookup.run import SettingsError, run_assessment
    from checker.pipeline import make_report, unique_domains

    for error in errors:
        where = f"{error.path}:{error.line}" if error.line else error.path
        typer.echo(f"domain-guard: {where}: {error.message}", err=True)
    now = datetime.now(timezone.utc)
    try:
        results, _, warnings = run_assessment(unique_domains(contacts), settings, now=now)
    except SettingsError as exc:
        _usage_error(str(exc))
    for warning in warnings:
        typer.echo(f"domain-guard: warning: {warning}", err=True)
    return make_report(contacts, results, errors, files_scanned=files_scanned, roots=roots, now=now)


def _emit(report: Report, output_format: OutputFormat, output: Path | None) -> None:
    if output_format is not OutputFormat.TEXT:
        from importlib import import_module

        module = import_module(f"checker.report.{output_format.value}")
        _write(module.render(report), output)
    else:
        from checker.report import text as text_report

        if output is None:
            text_report.render(report, sys.stdout)
        else:
            _write(text_report.render(report), output)


def _exit_code(report: Report, options: Options) -> int:
    from checker.model import Risk
    from checker.settings import threshold

    limit = threshold(options.fail_on)
    if limit is not None and any(d.risk.at_least(limit) for d in report.domains):
        return EXIT_FINDINGS
    if options.fail_on_unknown and any(d.risk is Risk.UNKNOWN for d in report.domains):
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
