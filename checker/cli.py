"""The ``domain-guard`` command line. Thin: parsing options, then calling the pipeline.

Exit codes: 0 nothing at or above the failure threshold; 1 findings at or above it;
2 usage error; 3 the run is incomplete: an input could not be read (the report covers
every other file), there was nothing to scan, or no domain could be checked; 4 an
internal error (a bug: please report it).
"""

from __future__ import annotations

import enum
import functools
import inspect
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TextIO, TypeVar, cast

import typer

from checker import __version__
from checker.settings import DEFAULT_DEADLINE, FAIL_ON_CHOICES, LookupSettings

if TYPE_CHECKING:
    from checker.config import Options
    from checker.domains import DomainClassifier
    from checker.github.org import IssueResult
    from checker.model import Contact, Report, ScanError
    from checker.shard import Shard, ShardCoverage
    from checker.sources.metadata_dump import DumpResult

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
    HTML = "html"


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


class Color(str, enum.Enum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


@dataclass(frozen=True)
class Ui:
    """How chatty and colourful a run is: ``-v``/``-q``, ``--color``, ``--no-progress``."""

    verbose: bool = False
    quiet: bool = False
    color: Color = Color.AUTO
    progress: bool = True

    def colour_for(self, stream: Any) -> bool:
        """Whether to colour ``stream``: ``always``/``never``, else a terminal without
        ``NO_COLOR`` (https://no-color.org: any non-empty value)."""
        if self.color is not Color.AUTO:
            return self.color is Color.ALWAYS
        return not os.environ.get("NO_COLOR") and bool(stream.isatty())


class _Invocation:
    """The switches of the running command line (the root callback resets them)."""

    ui = Ui()


EXIT_CODES_HELP = (
    "\b\nExit codes:\n"
    "  0  nothing at or above the failure threshold (--fail-on)\n"
    "  1  a domain at or above it (or unknown, with --fail-on-unknown)\n"
    "  2  usage error\n"
    "  3  incomplete: an input could not be read, nothing to scan, or no domain\n"
    "     could be checked (no network); 1 wins when both apply\n"
    "  4  internal error (a bug: DOMAIN_GUARD_DEBUG=1 shows the traceback)"
)


def _epilog(*examples: str) -> str:
    """``--help``'s closing text: examples, then the exit codes."""
    lines = "\n".join(f"  {example}" for example in examples)
    return f"\b\nExamples:\n{lines}\n\n{EXIT_CODES_HELP}"


VerboseOption = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        envvar=_env("verbose"),
        help="Say on stderr what every lookup and GitHub request does; list healthy domains.",
    ),
]
QuietOption = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        envvar=_env("quiet"),
        help="Only the report, warnings and errors: no progress or informational lines.",
    ),
]
ColorOption = Annotated[
    Color | None,
    typer.Option(
        "--color",
        envvar=_env("color"),
        metavar="auto|always|never",
        help="Colour the text report: auto (a terminal, unless NO_COLOR is set), always, "
        "never. [default: auto]",
    ),
]
NoProgressOption = Annotated[
    bool,
    typer.Option("--no-progress", envvar=_env("no-progress"), help="No progress bar."),
]


def _set_ui(verbose: bool, quiet: bool, color: Color | None, no_progress: bool) -> None:
    """Add these switches to the run's (given before or after the command name)."""
    ui = Ui(
        verbose=_Invocation.ui.verbose or verbose,
        quiet=_Invocation.ui.quiet or quiet,
        color=color or _Invocation.ui.color,
        progress=_Invocation.ui.progress and not no_progress,
    )
    if ui.verbose and ui.quiet:
        _usage_error("--verbose and --quiet exclude each other")
    if ui.verbose and not _Invocation.ui.verbose:
        # Otherwise nothing is shown anyway: debug records are below the default level.
        from checker.log import configure

        configure(True)
    _Invocation.ui = ui


@app.callback(epilog=_epilog("domain-guard scan .", "domain-guard deps -r requirements.txt"))
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            callback=_version,
            is_eager=True,
            help="Show the version and exit.",
        ),
    ] = False,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
    color: ColorOption = None,
    no_progress: NoProgressOption = False,
) -> None:
    """Find package maintainer e-mail domains that someone else could register."""
    _Invocation.ui = Ui()  # one process may run several command lines (the tests do)
    _set_ui(verbose, quiet, color, no_progress)


_UI_PARAMETERS = ("verbose", "quiet", "color", "no_progress")


def _ui_options(command: F) -> F:
    """Gives a command ``-v``, ``-q``, ``--color`` and ``--no-progress`` (also accepted
    before the command name), applied before it runs."""
    signature = inspect.signature(command, eval_str=True)
    extra = [
        _parameter("verbose", VerboseOption, False),
        _parameter("quiet", QuietOption, False),
        _parameter("color", ColorOption, None),
        _parameter("no_progress", NoProgressOption, False),
    ]

    @functools.wraps(command)
    def wrapper(*args: object, **kwargs: Any) -> None:
        values = {name: kwargs.pop(name) for name in _UI_PARAMETERS}
        _set_ui(**values)
        command(*args, **kwargs)

    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), *extra]
    )
    return cast(F, wrapper)


FormatOption = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        "-f",
        envvar=_env("format"),
        metavar="|".join(f.value for f in OutputFormat),
        help="Report format. [default: text]",
        show_default=False,
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        envvar=_env("output"),
        dir_okay=False,
        metavar="FILE",
        help="Write the report to FILE.",
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
        metavar="|".join(FAIL_ON_CHOICES),
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
NoMailPathOption = Annotated[
    bool,
    typer.Option(
        "--no-mail-path",
        envvar=_env("no-mail-path"),
        help="Skip the nameserver / mail-host domains, lame delegation and drift checks.",
    ),
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
        metavar="DIR",
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
        "--timeout",
        envvar=_env("timeout"),
        min=0.1,
        metavar="SECONDS",
        help="Per request. [default: 10]",
        show_default=False,
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
        "--concurrency",
        envvar=_env("concurrency"),
        min=1,
        max=256,
        metavar="N",
        help="Requests in flight at once (1 to 256). [default: 32]",
        show_default=False,
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

ShardOption = Annotated[
    str | None,
    typer.Option(
        "--shard",
        envvar=_env("shard"),
        metavar="K/N",
        help="Look up only shard K of N (1 <= K <= N <= 1000): a stable split by registrable "
        "domain, for N parallel jobs; `merge` joins their JSON reports.",
    ),
]


def _shard(text: str | None) -> Shard | None:
    """``--shard K/N`` parsed; a usage error when malformed or out of range."""
    if text is None:
        return None
    from checker.shard import parse_shard

    try:
        return parse_shard(text)
    except ValueError as exc:
        _usage_error(f"--shard: {exc}")


def _read_dumps(paths: Sequence[Path], classifier: DomainClassifier) -> DumpResult | None:
    """The ``--metadata-dump`` files read into one aggregate; None when there are none."""
    if not paths:
        return None
    import gc

    from checker.sources.metadata_dump import DEFAULT_SAMPLE, read_metadata_dumps

    dump = read_metadata_dumps(paths, classifier)
    # What the dump left is kept to the end of the run: the collector need not walk its
    # million objects again on every full pass while verdicts and the report are made.
    # One collection first (the read ran without one): garbage is not frozen with them.
    gc.collect()
    gc.freeze()
    _info(
        f"metadata dump: {dump.rows:,} rows ({dump.bad_rows:,} bad), "
        f"{dump.addresses:,} addresses ({dump.dated:,} with an upload time), "
        f"{len(dump.domains):,} registrable domains to look up; "
        f"the report lists up to {DEFAULT_SAMPLE} addresses per domain"
    )
    if dump.addresses and not dump.dated:
        _say(
            "warning: no row has a usable upload_time: the re-registered check cannot "
            "compare registration dates with the last use of an address"
        )
    return dump


@dataclass(frozen=True)
class RunArgs:
    """The report and threshold options every reporting command takes."""

    output_format: OutputFormat = OutputFormat.TEXT
    output: Path | None = None
    fail_on: FailOn | None = None
    fail_on_unknown: bool | None = None
    config: Path | None = None


@dataclass(frozen=True)
class LookupArgs:
    """The lookup options every command that looks domains up takes."""

    offline: bool = False
    rdap_bootstrap: str | None = None
    nameserver: str | None = None
    no_dns: bool = False
    no_mail_path: bool = False
    whois_server: list[str] | None = None
    cache_dir: Path | None = None
    no_cache: bool = False
    timeout: float = 10.0
    deadline: float | None = DEFAULT_DEADLINE
    concurrency: int = 32
    expiry_window: int | None = None
    shard: Shard | None = None

    def settings(
        self,
        expiry_window: int,
        *,
        offline: bool | None = None,
        registries: Sequence[tuple[str, int]] = (),
    ) -> LookupSettings:
        """The lookup settings, with the merged window and registry caps; usage errors exit."""
        resolver = None
        servers: dict[str, tuple[str, int]] = {}
        try:
            # Imported only when used: dnspython alone costs ~60 ms of start-up.
            if self.nameserver:
                from checker.lookup.dns import parse_nameserver

                resolver = parse_nameserver(self.nameserver)
            if self.whois_server:
                from checker.lookup.whois import parse_server_override

                servers = dict(parse_server_override(item) for item in self.whois_server)
        except ValueError as exc:
            _usage_error(str(exc))
        return LookupSettings(
            offline=self.offline if offline is None else offline,
            timeout=self.timeout,
            deadline=self.deadline,
            concurrency=self.concurrency,
            expiry_window_days=expiry_window,
            rdap_bootstrap=self.rdap_bootstrap,
            nameserver=resolver,
            dns=not self.no_dns,
            mail_path=not self.no_mail_path,
            whois_servers=servers,
            cache_dir=self.cache_dir,
            cache=not self.no_cache,
            registry_concurrency=dict(registries),
        )


def _parameter(name: str, annotation: object, default: object) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


_RUN_PARAMETERS = (
    _parameter("output_format", FormatOption, OutputFormat.TEXT),
    _parameter("output", OutputOption, None),
    _parameter("fail_on", FailOnOption, None),
    _parameter("fail_on_unknown", FailOnUnknownOption, None),
    _parameter("config", ConfigOption, None),
)
_LOOKUP_PARAMETERS = (
    _parameter("offline", OfflineOption, False),
    _parameter("rdap_bootstrap", RdapBootstrapOption, None),
    _parameter("nameserver", NameserverOption, None),
    _parameter("no_dns", NoDnsOption, False),
    _parameter("no_mail_path", NoMailPathOption, False),
    _parameter("whois_server", WhoisServerOption, None),
    _parameter("cache_dir", CacheDirOption, None),
    _parameter("no_cache", NoCacheOption, False),
    _parameter("timeout", TimeoutOption, 10.0),
    _parameter("deadline", DeadlineOption, DEFAULT_DEADLINE),
    _parameter("concurrency", ConcurrencyOption, 32),
    _parameter("expiry_window", ExpiryWindowOption, None),
    _parameter("shard", ShardOption, None),
)

F = TypeVar("F", bound=Callable[..., None])


def _grouped(
    keyword: str, parameters: Sequence[inspect.Parameter], build: Callable[..., object]
) -> Callable[[F], F]:
    """A decorator giving a command the shared ``parameters`` as typer options, handed to
    the command as one object (``build(**values)``) in its ``keyword`` argument."""

    def decorate(command: F) -> F:
        signature = inspect.signature(command, eval_str=True)
        own = [p for p in signature.parameters.values() if p.name != keyword]
        names = [p.name for p in parameters]

        @functools.wraps(command)
        def wrapper(*args: object, **kwargs: object) -> None:
            values = {name: kwargs.pop(name) for name in names}
            command(*args, **{keyword: build(**values)}, **kwargs)

        wrapper.__signature__ = signature.replace(parameters=[*own, *parameters])  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return decorate


def _lookup_args(**values: Any) -> LookupArgs:
    values["shard"] = _shard(values["shard"])
    return LookupArgs(**values)


#: Adds the report options (``run: RunArgs``) to a command.
_run_options = _grouped("run", _RUN_PARAMETERS, RunArgs)
#: Adds the lookup options (``lookup: LookupArgs``) to a command.
_lookup_options = _grouped("lookup", _LOOKUP_PARAMETERS, _lookup_args)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        _usage_error(f"cannot write {output}: {exc.strerror or exc}")


def _stream(write: Callable[[Report, TextIO], None], report: Report, output: Path | None) -> None:
    """Write a report format that streams, to ``output`` or stdout."""
    if output is None:
        write(report, sys.stdout)
        sys.stdout.flush()
        return
    try:
        with output.open("w", encoding="utf-8") as stream:
            write(report, stream)
    except OSError as exc:
        _usage_error(f"cannot write {output}: {exc.strerror or exc}")


def _usage_error(message: str) -> NoReturn:
    _say(f"error: {message}")
    raise typer.Exit(EXIT_USAGE)


@app.command(
    epilog=_epilog(
        "domain-guard scan .",
        "domain-guard scan --exclude tests/fixtures -f sarif -o domain-guard.sarif",
    )
)
@_ui_options
@_lookup_options
@_run_options
def scan(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[PATH]...",
            help="Files or directories to scan (default: the current directory).",
            show_default=False,
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            envvar=_env("exclude"),
            help="Skip paths matching GLOB (relative path or file name). Repeatable.",
            metavar="GLOB",
        ),
    ] = None,
    force_exclude: Annotated[
        bool,
        typer.Option(
            "--force-exclude",
            envvar=_env("force-exclude"),
            help="Apply the excludes to the PATHs given too, not only to what is found "
            "below them (the pre-commit hook passes each file it checks).",
        ),
    ] = False,
    metadata_dump: Annotated[
        list[Path] | None,
        typer.Option(
            "--metadata-dump",
            envvar=_env("metadata-dump"),
            exists=True,
            dir_okay=False,
            metavar="FILE",
            help="Also read a JSON Lines or CSV export (.gz too) of PyPI's "
            "distribution_metadata table. Repeatable. Without PATHs, only the dumps are read.",
        ),
    ] = None,
    *,
    run: RunArgs,
    lookup: LookupArgs,
) -> None:
    """Scan project files and built distributions, and check every maintainer domain."""
    from checker.domains import DomainClassifier
    from checker.scan import force_excluded, scan_paths

    options = _configure(run, lookup.expiry_window, exclude)
    settings = lookup.settings(options.expiry_window, registries=options.registry_concurrency)
    part = lookup.shard
    roots = paths or ([] if metadata_dump else [Path(".")])
    if force_exclude and paths:
        roots, left_out = force_excluded(roots, options.exclude)
        if not roots and not metadata_dump:
            # The hook was handed only excluded files: nothing of the user's to check.
            _info(f"every path given is excluded ({len(left_out)}): nothing to check")
            raise typer.Exit(EXIT_OK)
    classifier = DomainClassifier(extra_providers=options.providers)
    result = scan_paths(roots, exclude=options.exclude, classifier=classifier)
    if not metadata_dump:
        _nothing_to_scan(result.files_scanned, result.errors, roots)
    dump = _read_dumps(metadata_dump or [], classifier)
    from checker.history import date_contacts  # git dates for the re-registered check

    report = _assess(
        [*date_contacts(result.contacts, roots), *(dump.contacts if dump else ())],
        [*result.errors, *(dump.errors if dump else ())],
        settings,
        files_scanned=result.files_scanned + len(metadata_dump or ()),
        roots=[p.as_posix() for p in [*roots, *(metadata_dump or ())]],
        shard=part,
        dump=dump,
    )
    _finish(report, options, run)


@app.command(
    epilog=_epilog(
        "domain-guard domain janedoe.dev",
        "domain-guard domain jane@janedoe.dev old-project.org -f json",
    )
)
@_ui_options
@_lookup_options
@_run_options
def domain(
    names: Annotated[
        list[str],
        typer.Argument(metavar="DOMAIN|EMAIL...", help="Domain names or e-mail addresses."),
    ],
    *,
    run: RunArgs,
    lookup: LookupArgs,
) -> None:
    """Check domain names or addresses directly."""
    from checker.arguments import contacts_from_arguments
    from checker.domains import DomainClassifier

    options = _configure(run, lookup.expiry_window, None)
    settings = lookup.settings(options.expiry_window, registries=options.registry_concurrency)
    classifier = DomainClassifier(extra_providers=options.providers)
    part = lookup.shard
    contacts, errors = contacts_from_arguments(names, classifier)
    report = _assess(contacts, errors, settings, files_scanned=0, roots=[], shard=part)
    _finish(report, options, run)


PypiUrlOption = Annotated[
    str,
    typer.Option(
        "--pypi-url",
        envvar=_env("pypi-url"),
        metavar="URL",
        help="Base URL of the PyPI JSON API ({URL}/{name}/json).",
    ),
]


@app.command(
    epilog=_epilog(
        'domain-guard deps requests "django==4.2.11"',
        "domain-guard deps -r requirements.txt --lockfile uv.lock",
    )
)
@_ui_options
@_lookup_options
@_run_options
def deps(
    specs: Annotated[
        list[str] | None,
        typer.Argument(metavar="[SPEC]...", help="Package names or requirement specifiers."),
    ] = None,
    requirement: Annotated[
        list[Path] | None,
        typer.Option(
            "--requirement",
            "-r",
            envvar=_env("requirement"),
            dir_okay=False,
            metavar="FILE",
            help="A pip requirements file (its -r includes too). Repeatable.",
        ),
    ] = None,
    lockfile: Annotated[
        list[Path] | None,
        typer.Option(
            "--lockfile",
            envvar=_env("lockfile"),
            dir_okay=False,
            metavar="FILE",
            help="pylock.toml, uv.lock or poetry.lock. Repeatable.",
        ),
    ] = None,
    pypi_url: PypiUrlOption = "https://pypi.org/pypi",
    *,
    run: RunArgs,
    lookup: LookupArgs,
) -> None:
    """Check the maintainer domains of dependencies, from their metadata on PyPI."""
    from checker.domains import DomainClassifier
    from checker.sources.pypi import pypi_contacts
    from checker.sources.requirements import collect

    options = _configure(run, lookup.expiry_window, None)
    settings = lookup.settings(options.expiry_window, registries=options.registry_concurrency)
    if not (specs or requirement or lockfile):
        _usage_error("deps needs package names, -r FILE or --lockfile FILE")
    wanted = collect(specs or [], requirement or [], lockfile or [], pypi_url=pypi_url)
    classifier = DomainClassifier(extra_providers=options.providers)
    contacts, errors, warnings = pypi_contacts(
        wanted.requirements, settings, base_url=pypi_url, classifier=classifier
    )
    for warning in warnings:
        _say(f"warning: {warning}")
    files = [p.as_posix() for p in (*(requirement or []), *(lockfile or []))]
    report = _assess(
        contacts, [*wanted.errors, *errors], settings, files_scanned=wanted.files, roots=files,
        shard=lookup.shard,
    )  # fmt: skip
    _finish(report, options, run)


@app.command(
    epilog=_epilog("domain-guard env", "domain-guard env --python .venv/bin/python -f json")
)
@_ui_options
@_lookup_options
@_run_options
def env(
    python: Annotated[
        Path | None,
        typer.Option(
            "--python",
            envvar=_env("python"),
            dir_okay=False,
            metavar="PATH",
            help="Interpreter whose environment to read (default: this one).",
        ),
    ] = None,
    *,
    run: RunArgs,
    lookup: LookupArgs,
) -> None:
    """Check the maintainer domains of every distribution installed in an environment."""
    from checker.domains import DomainClassifier
    from checker.sources.environment import (
        EnvironmentNotFound,
        current_path,
        interpreter_path,
        read_environment,
    )

    options = _configure(run, lookup.expiry_window, None)
    settings = lookup.settings(options.expiry_window, registries=options.registry_concurrency)
    try:
        directories = current_path() if python is None else interpreter_path(python)
    except EnvironmentNotFound as exc:
        _usage_error(str(exc))
    classifier = DomainClassifier(extra_providers=options.providers)
    installed = read_environment(directories, classifier)
    report = _assess(
        installed.contacts, installed.errors, settings,
        files_scanned=installed.distributions, roots=installed.directories,
        shard=lookup.shard,
    )  # fmt: skip
    _finish(report, options, run)


@app.command(
    epilog=_epilog(
        "INPUT_PATHS=. domain-guard action",
        "INPUT_FORMAT=text INPUT_EXCLUDE=tests/fixtures domain-guard action",
    )
)
@_ui_options
@_lookup_options
def action(
    *,
    lookup: LookupArgs,
) -> None:
    """Run as the GitHub Action: inputs from INPUT_* variables, results to the runner.

    Reads the inputs of action.yml (INPUT_PATHS, INPUT_FAIL-ON, ...), scans the workspace,
    prints annotations, appends the Markdown report to GITHUB_STEP_SUMMARY, writes
    domain-guard-report.json (and SARIF when asked), keeps the issue when open-issue is
    on, and writes the outputs to GITHUB_OUTPUT. Exits like `scan`; the lookup options
    below are read from DOMAIN_GUARD_* variables like every command's.
    """
    from checker.domains import DomainClassifier
    from checker.escape import workflow_command
    from checker.github.action import (
        ActionInputError,
        ActionInputs,
        confined,
        publish,
        workspace,
    )
    from checker.scan import scan_paths

    try:
        root = workspace(os.environ)
        inputs = confined(ActionInputs.from_env(os.environ), root)
        os.chdir(root)
    except (ActionInputError, OSError) as exc:
        typer.echo(workflow_command("error", f"domain-guard: {exc}"))
        raise typer.Exit(EXIT_USAGE) from None
    run = RunArgs(
        config=Path(inputs.config) if inputs.config else None,
        fail_on=FailOn(inputs.fail_on) if inputs.fail_on else None,
        fail_on_unknown=inputs.fail_on_unknown,
    )
    window = inputs.expiry_window if inputs.expiry_window is not None else lookup.expiry_window
    options = _configure(run, window, None)
    settings = lookup.settings(
        options.expiry_window,
        registries=options.registry_concurrency,
        offline=inputs.offline or lookup.offline,
    )
    paths = [Path(p) for p in inputs.paths]
    classifier = DomainClassifier(extra_providers=options.providers)
    exclude = (*options.exclude, *(g for g in inputs.exclude if g not in options.exclude))
    result = scan_paths(paths, exclude=exclude, classifier=classifier, base=root)
    if not result.files_scanned and not result.errors:
        from checker.scan import nothing_to_scan  # a mistyped `paths:` must not pass

        typer.echo(workflow_command("error", "domain-guard: " + nothing_to_scan(inputs.paths)))
        raise typer.Exit(EXIT_UNREADABLE)
    from checker.history import date_contacts  # needs a full clone (fetch-depth: 0)

    report = _assess(
        date_contacts(result.contacts, paths, base=root), list(result.errors), settings,
        files_scanned=result.files_scanned, roots=[p.as_posix() for p in paths],
        shard=lookup.shard,
    )  # fmt: skip
    report = _ignored(report, options)
    code = _exit_code(report, options)
    try:
        published = publish(
            report, inputs, fail_on=options.fail_on, fail_on_unknown=options.fail_on_unknown,
            environ=os.environ, out=sys.stdout,
        )  # fmt: skip
    except (ActionInputError, OSError) as exc:
        typer.echo(workflow_command("error", f"domain-guard: {exc}"))
        raise typer.Exit(EXIT_USAGE) from None
    if published.issue_failed and code == EXIT_OK:
        code = EXIT_UNREADABLE
    raise typer.Exit(code)


def _say(message: str) -> None:
    """A diagnostic on stderr: one line, and never a workflow command, whatever it quotes."""
    from checker.escape import neutralise_commands, one_line

    typer.echo(neutralise_commands("domain-guard: " + one_line(message)), err=True)


def _info(message: str) -> None:
    """An informational line on stderr, left out with ``--quiet``."""
    if not _Invocation.ui.quiet:
        _say(message)


OpenIssuesOption = Annotated[
    bool,
    typer.Option(
        "--open-issues",
        envvar=_env("open-issues"),
        help="Open, update or close one issue per repository for its findings.",
    ),
]
IssueRepoOption = Annotated[
    str | None,
    typer.Option(
        "--issue-repo",
        envvar=_env("issue-repo"),
        metavar="OWNER/REPO",
        help="Keep one tracking issue for the whole organisation in this repository.",
    ),
]
IssueLabelOption = Annotated[
    str,
    typer.Option(
        "--issue-label", envvar=_env("issue-label"), metavar="LABEL", help="Label of the issues."
    ),
]


@app.command(
    epilog=_epilog(
        "domain-guard merge shard-*.json -f sarif -o results.sarif",
        "domain-guard merge shard-*.json --issue-repo my-org/security",
    )
)
@_ui_options
@_run_options
def merge(
    reports: Annotated[
        list[Path],
        typer.Argument(
            metavar="REPORT.json...",
            exists=True,
            dir_okay=False,
            help="JSON reports (--format json) of --shard K/N runs, or of any runs.",
        ),
    ],
    allow_partial: Annotated[
        bool,
        typer.Option(
            "--allow-partial",
            envvar=_env("allow-partial"),
            help="Missing shards give a warning only, not exit code 3.",
        ),
    ] = False,
    open_issues: OpenIssuesOption = False,
    issue_repo: IssueRepoOption = None,
    issue_label: IssueLabelOption = "domain-guard",
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="GITHUB_TOKEN",
            metavar="TOKEN",
            show_default=False,
            help="GitHub token that can write the issues (--open-issues, --issue-repo).",
        ),
    ] = None,
    *,
    run: RunArgs,
) -> None:
    """Combine the JSON reports of --shard runs into one report, in any format."""
    from dataclasses import replace

    from checker.merge import MergeError, merge_reports, read_report

    options = _configure(run, None, None)
    _check_issue_options(open_issues, issue_repo, issue_label)
    token = (token or "").strip() or None
    if (open_issues or issue_repo) and token is None:
        _usage_error("keeping issues needs a GitHub token: --token or the GITHUB_TOKEN variable")
    named = []
    for path in reports:
        try:
            named.append((path.as_posix(), read_report(path)))
        except ValueError as exc:
            _usage_error(f"{path}: {exc}")
    try:
        merged = merge_reports(named, allow_partial=allow_partial)
    except MergeError as exc:
        _usage_error(str(exc))
    for warning in merged.warnings:
        _say(f"warning: {warning}")
    _say_unchecked(merged.report)
    # Ignores the shard runs applied apply again, with the merge's own configuration.
    ignores = options.ignore + tuple(i for i in merged.ignores if i not in options.ignore)
    options = replace(options, ignore=ignores)
    if token is None or not (open_issues or issue_repo):
        _finish(merged.report, options, run)
    report = _ignored(merged.report, options)
    code = _merged_issues(
        report, options, merged.coverage, token, open_issues=open_issues, issue_repo=issue_repo,
        issue_label=issue_label, code=_exit_code(report, options),
    )  # fmt: skip
    _emit(report, run)
    raise typer.Exit(code)


def _merged_issues(
    report: Report,
    options: Options,
    coverage: ShardCoverage | None,
    token: str,
    *,
    open_issues: bool,
    issue_repo: str | None,
    issue_label: str,
    code: int,
) -> int:
    """``merge --open-issues`` / ``--issue-repo``: issues kept as ``org`` keeps them."""
    import asyncio

    from checker.github.client import Endpoints, GitHubClient
    from checker.github.org import (
        org_issue_key,
        report_logins,
        report_repositories,
        sync_report_issues,
    )
    from checker.settings import threshold

    try:
        endpoints = Endpoints.from_env()
        logins = report_logins(report)
        repositories = report_repositories(report) if open_issues else []
    except ValueError as exc:
        _usage_error(str(exc))
    if open_issues and logins is None:
        _usage_error("--open-issues needs reports of `domain-guard org` (roots github:ORG)")
    if issue_repo and logins is not None and len(logins) > 1:
        _usage_error(
            f"the reports cover {len(logins)} organisations ({', '.join(logins)}): keep one "
            "tracking issue per organisation, from a merge of that organisation's reports"
        )
    key = org_issue_key(logins[0]) if logins else "merged"
    if coverage is not None and not coverage.complete:
        # Every issue of a domain in a missing shard would be closed as if it were healthy.
        _say("error: issues not kept: the merged reports miss shards (see the warning above)")
        return EXIT_UNREADABLE if code == EXIT_OK else code

    async def issues() -> list[IssueResult]:
        async with GitHubClient(token, endpoints) as client:
            return await sync_report_issues(
                client, report, repositories, label=issue_label,
                limit=threshold(options.fail_on), include_unknown=options.fail_on_unknown,
                issue_repo=issue_repo, key=key,
            )  # fmt: skip

    return _issue_outcomes(asyncio.run(issues()), code)


@app.command(
    epilog=_epilog(
        "GITHUB_TOKEN=... domain-guard org my-org",
        "domain-guard org my-org --repo-filter 'py-*' --issue-repo my-org/security",
    )
)
@_ui_options
@_lookup_options
@_run_options
def org(
    login: Annotated[
        str, typer.Argument(metavar="ORG", help="GitHub organisation (or user) to scan.")
    ],
    include_archived: Annotated[
        bool,
        typer.Option(
            "--include-archived", envvar=_env("include-archived"), help="Scan archived repos too."
        ),
    ] = False,
    include_forks: Annotated[
        bool, typer.Option("--include-forks", envvar=_env("include-forks"), help="Scan forks too.")
    ] = False,
    repo_filter: Annotated[
        list[str] | None,
        typer.Option(
            "--repo-filter",
            envvar=_env("repo-filter"),
            metavar="GLOB",
            help="Only repositories whose name or owner/name matches GLOB. Repeatable.",
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="GITHUB_TOKEN",
            metavar="TOKEN",
            show_default=False,
            help="GitHub token that can read the repositories (and write issues if asked).",
        ),
    ] = None,
    open_issues: OpenIssuesOption = False,
    issue_repo: IssueRepoOption = None,
    issue_label: IssueLabelOption = "domain-guard",
    *,
    run: RunArgs,
    lookup: LookupArgs,
) -> None:
    """Scan every repository of a GitHub organisation (metadata files at HEAD, over GraphQL)."""
    import asyncio

    from checker.domains import DomainClassifier
    from checker.github.client import Endpoints, GitHubClient, GitHubError
    from checker.github.org import (
        OrgError,
        OrgNotFound,
        OrgScanResult,
        scan_org,
        sync_org_issues,
        valid_login,
    )
    from checker.settings import threshold

    options = _configure(run, lookup.expiry_window, None)
    settings = lookup.settings(options.expiry_window, registries=options.registry_concurrency)
    if not valid_login(login):
        _usage_error(f"not a GitHub organisation or user name: {login!r}")
    _check_issue_options(open_issues, issue_repo, issue_label)
    part = lookup.shard
    if part is not None and (open_issues or issue_repo):
        _usage_error(
            "--shard cannot keep issues: a shard sees only its own domains, and would close "
            "the others' issues; open them from `domain-guard merge` of all the shard reports"
        )
    token = (token or "").strip() or None
    if token is None:
        _usage_error("org needs a GitHub token: --token or the GITHUB_TOKEN variable")
    try:
        endpoints = Endpoints.from_env()
    except ValueError as exc:
        _usage_error(str(exc))
    classifier = DomainClassifier(extra_providers=options.providers)

    async def discover() -> OrgScanResult:
        # Only GraphQL queries and REST reads here: no pause between requests is needed
        # (the client paces POSTs as writes, but these POSTs are queries).
        async with GitHubClient(token, endpoints, write_interval=0.0) as client:
            return await scan_org(
                client, login, include_archived=include_archived, include_forks=include_forks,
                repo_filter=repo_filter or (), classifier=classifier,
            )  # fmt: skip

    try:
        scanned = asyncio.run(discover())
    except OrgNotFound as exc:
        _usage_error(str(exc))
    except (OrgError, GitHubError) as exc:
        _say(f"error: cannot list the repositories of {login}: {exc}")
        raise typer.Exit(EXIT_UNREADABLE) from None
    found = scanned.discovery
    left_out = [
        *([] if include_archived else ["archived"]),
        *([] if include_forks else ["forks"]),
        *([f"{found.skipped_filter} not matching --repo-filter"] if repo_filter else []),
    ]
    _info(
        f"{found.owner_type} {found.login}: {len(found.repositories)} repositories scanned"
        + (f" (left out: {', '.join(left_out)})" if left_out else "")
        + f", {scanned.files_scanned} files read; GitHub requests: "
        f"{found.graphql_requests} GraphQL, {scanned.rest_fallbacks} REST"
    )
    report = _assess(
        scanned.contacts, list(scanned.errors), settings,
        files_scanned=scanned.files_scanned, roots=[f"github:{found.login}"], shard=part,
    )  # fmt: skip
    report = _ignored(report, options)
    code = _exit_code(report, options)
    if open_issues or issue_repo:

        async def issues() -> list[IssueResult]:
            async with GitHubClient(token, endpoints) as client:
                return await sync_org_issues(
                    client, report, found, label=issue_label, limit=threshold(options.fail_on),
                    include_unknown=options.fail_on_unknown, issue_repo=issue_repo,
                )  # fmt: skip

        code = _issue_outcomes(asyncio.run(issues()), code)
    _emit(report, run)
    raise typer.Exit(code)


def _nothing_to_scan(files: int, errors: Sequence[ScanError], roots: Sequence[Path]) -> None:
    """Exit 3 with one line when the paths held no metadata file at all (a mistyped path
    or ``paths:`` input must not pass as a clean scan)."""
    from checker.scan import nothing_to_scan

    if files or errors:
        return
    _say("error: " + nothing_to_scan([p.as_posix() for p in roots]))
    raise typer.Exit(EXIT_UNREADABLE)


def _check_issue_options(open_issues: bool, issue_repo: str | None, issue_label: str) -> None:
    """Usage errors in ``--open-issues``, ``--issue-repo`` and ``--issue-label``."""
    from checker.github.issues import valid_label, valid_repository

    if open_issues and issue_repo:
        _usage_error("--open-issues and --issue-repo exclude each other")
    if issue_repo and not valid_repository(issue_repo):
        _usage_error("--issue-repo must be OWNER/REPO")
    if not valid_label(issue_label):
        _usage_error(
            "--issue-label must be 1 to 50 characters, without commas or control characters"
        )


#: Repositories named in the one notice about a token that may not write issues.
_READ_ONLY_SHOWN = 5


def _issue_outcomes(results: Sequence[IssueResult], code: int) -> int:
    """Say what happened to each issue; the exit code after it.

    A failed issue write is exit 3 unless findings already make it 1; a token that may
    read but not write (403) gets one notice, not a failure: the report has the findings."""
    refused: list[str] = []
    for item in results:
        if item.error is not None:
            if item.error.forbidden:
                refused.append(item.repository)
                continue
            _say(f"error: issue in {item.repository}: {item.error.message}")
            code = EXIT_UNREADABLE if code == EXIT_OK else code
        elif item.outcome is not None:
            if item.outcome.action.value != "nothing":
                number = f" #{item.outcome.number}" if item.outcome.number else ""
                _info(f"issue {item.outcome.action.value}: {item.repository}{number}")
            if item.outcome.planted:
                from checker.github.issues import planted_warning

                _say(f"warning: {planted_warning(item.repository, item.outcome)}")
    if refused:
        shown = ", ".join(refused[:_READ_ONLY_SHOWN])
        more = (
            f" and {len(refused) - _READ_ONLY_SHOWN} more"
            if len(refused) > _READ_ONLY_SHOWN
            else ""
        )
        _say(
            f"notice: the token may not write issues in {shown}{more} (403: read-only token, "
            "or an archived repository); those issues were left as they are"
        )
    return code


def _configure(run: RunArgs, expiry_window: int | None, exclude: list[str] | None) -> Options:
    """Merge the command line and environment (given) over the configuration file."""
    from checker.config import ConfigError, load_config, merge

    try:
        file_config = load_config(Path("."), explicit=run.config)
    except ConfigError as exc:
        _usage_error(str(exc))
    return merge(
        file_config,
        fail_on=run.fail_on.value if run.fail_on else None,
        fail_on_unknown=run.fail_on_unknown,
        expiry_window=expiry_window,
        exclude=exclude or None,
    )


def _finish(report: Report, options: Options, run: RunArgs) -> NoReturn:
    """Apply ignores, write the report, and exit by the threshold."""
    report = _ignored(report, options)
    _emit(report, run)
    raise typer.Exit(_exit_code(report, options))


def _ignored(report: Report, options: Options) -> Report:
    """``report`` with the configuration's ignores applied; their warnings said."""
    from checker.config import apply_ignores

    report, warnings = apply_ignores(report, options.ignore, today=report.generated_at.date())
    for warning in warnings:
        _say(f"warning: {warning}")
    return report


def _assess(
    contacts: Sequence[Contact],
    errors: list[ScanError],
    settings: LookupSettings,
    *,
    files_scanned: int,
    roots: list[str],
    shard: Shard | None = None,
    dump: DumpResult | None = None,
) -> Report:
    from checker.lookup.run import SettingsError, run_assessment
    from checker.pipeline import last_used, make_report, unique_domains

    now = datetime.now(timezone.utc)
    lookups = unique_domains(contacts)
    if dump is not None:  # its contacts are a sample: the domains come from its aggregates
        lookups = dump.lookup_domains(lookups)
    if shard is not None:  # the one place a run is split: contacts and domains alike
        from checker.shard import select_contacts, select_domains

        contacts = select_contacts(contacts, shard)
        lookups = select_domains(lookups, shard)
    try:
        results, _, warnings = run_assessment(
            lookups,
            settings,
            now=now,
            last_used=last_used(contacts),
            progress=None if _Invocation.ui.progress and not _Invocation.ui.quiet else False,
        )
    except SettingsError as exc:
        _usage_error(str(exc))
    for warning in warnings:
        _say(f"warning: {warning}")
    report = make_report(
        contacts, results, errors, files_scanned=files_scanned, roots=roots, now=now
    )
    if dump is not None:
        report = dump.with_counts(report)
    if shard is not None:
        from checker.shard import mark_shard

        report = mark_shard(report, shard)
    _say_unchecked(report)
    return report


def _say_unchecked(report: Report) -> None:
    """The one stderr line about the domains that could not be checked, if any."""
    from checker.unchecked import summary_line

    line = summary_line(report)
    if line is not None:
        _say(line)


def _emit(report: Report, run: RunArgs) -> None:
    output_format, output = run.output_format, run.output
    if output_format is not OutputFormat.TEXT or output is not None:
        # The text report on stdout lists every error; anything else gets them here, once.
        for error in report.errors:
            where = f"{error.path}:{error.line}" if error.line else error.path
            _say(f"{where}: {error.message}")
    if output_format is OutputFormat.JSON:
        from checker.report import json as json_report

        _stream(json_report.write, report, output)
    elif output_format is not OutputFormat.TEXT:
        from importlib import import_module

        module = import_module(f"checker.report.{output_format.value}")
        _write(module.render(report), output)
    else:
        from checker.report import text as text_report

        ui = _Invocation.ui
        if output is None:
            text_report.render(
                report, sys.stdout, color=ui.colour_for(sys.stdout), verbose=ui.verbose
            )
        else:
            _write(text_report.render(report, color=False, verbose=ui.verbose), output)


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
    from checker.unchecked import judged_none

    if judged_none(report):  # no network, a failing resolver: never a silent pass
        return EXIT_UNREADABLE
    return EXIT_OK


def main() -> None:
    """Console entry point: never a traceback for the user, always a meaningful exit code.

    Crash output (and the traceback with DOMAIN_GUARD_DEBUG=1) has any token scrubbed.
    """
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        typer.echo("domain-guard: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        from checker.log import scrub

        if os.environ.get(ENV_PREFIX + "DEBUG"):
            import traceback

            sys.stderr.write(scrub(traceback.format_exc()))
        _say(
            scrub(f"internal error: {type(exc).__name__}: {exc}. ")
            + f"Set {ENV_PREFIX}DEBUG=1 for details and please report it."
        )
        sys.exit(EXIT_INTERNAL)
