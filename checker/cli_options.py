"""The command line's parts: the options every command takes (grouped into
:class:`RunArgs` and :class:`LookupArgs`, which also merge the configuration and write
the report), the options of single commands, the switches of the running command line
(:class:`Ui`), and its diagnostics on stderr (:func:`say`, :func:`info`, :func:`usage_error`).

:mod:`checker.cli` declares the commands with these; nothing here runs a scan.
"""

from __future__ import annotations

import enum
import functools
import inspect
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar, cast

import typer

from checker.errors import DomainGuardError
from checker.policy import EXIT_INTERNAL, EXIT_USAGE
from checker.report import FORMATS
from checker.settings import (
    DEFAULT_CONCURRENCY,
    DEFAULT_DEADLINE,
    DEFAULT_EXPIRY_WINDOW,
    DEFAULT_FAIL_ON,
    DEFAULT_TIMEOUT,
    FAIL_ON_CHOICES,
    LookupSettings,
)

if TYPE_CHECKING:
    from checker.config import Options
    from checker.model import Report
    from checker.shard import Shard


ENV_PREFIX = "DOMAIN_GUARD_"


class FailOn(str, enum.Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NEVER = "never"


assert tuple(f.value for f in FailOn) == FAIL_ON_CHOICES


def env_var(option: str) -> str:
    return ENV_PREFIX + option.upper().replace("-", "_")


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


class Invocation:
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


def epilog(*examples: str) -> str:
    """``--help``'s closing text: examples, then the exit codes."""
    lines = "\n".join(f"  {example}" for example in examples)
    return f"\b\nExamples:\n{lines}\n\n{EXIT_CODES_HELP}"


VerboseOption = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        envvar=env_var("verbose"),
        help="Say on stderr what every lookup and GitHub request does; list healthy domains.",
    ),
]
QuietOption = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        envvar=env_var("quiet"),
        help="Only the report, warnings and errors: no progress or informational lines.",
    ),
]
ColorOption = Annotated[
    Color | None,
    typer.Option(
        "--color",
        envvar=env_var("color"),
        metavar="auto|always|never",
        help="Colour the text report: auto (a terminal, unless NO_COLOR is set), always, "
        "never. [default: auto]",
    ),
]
NoProgressOption = Annotated[
    bool,
    typer.Option("--no-progress", envvar=env_var("no-progress"), help="No progress bar."),
]


def set_ui(verbose: bool, quiet: bool, color: Color | None, no_progress: bool) -> None:
    """Add these switches to the run's (given before or after the command name)."""
    ui = Ui(
        verbose=Invocation.ui.verbose or verbose,
        quiet=Invocation.ui.quiet or quiet,
        color=color or Invocation.ui.color,
        progress=Invocation.ui.progress and not no_progress,
    )
    if ui.verbose and ui.quiet:
        usage_error("--verbose and --quiet exclude each other")
    if ui.verbose and not Invocation.ui.verbose:
        # Otherwise nothing is shown anyway: debug records are below the default level.
        from checker.log import configure

        configure(True)
    Invocation.ui = ui


_UI_PARAMETERS = ("verbose", "quiet", "color", "no_progress")


def ui_options(command: F) -> F:
    """Gives a command ``-v``, ``-q``, ``--color`` and ``--no-progress`` (also accepted
    before the command name), applied before it runs; an error of ours that ends it is
    said in one line and exits with the error's code."""
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
        set_ui(**values)
        try:
            command(*args, **kwargs)
        except DomainGuardError as exc:
            if exc.exit_code == EXIT_INTERNAL:
                raise  # a bug: main() reports it
            say(f"error: {exc}")
            raise typer.Exit(exc.exit_code) from None

    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), *extra]
    )
    return cast(F, wrapper)


#: ``--format``'s choices: the report formats' registry (:data:`checker.report.FORMATS`).
OutputFormat = enum.Enum(  # type: ignore[misc]
    "OutputFormat", [(name.upper(), name) for name in FORMATS], type=str
)
FormatOption = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        "-f",
        envvar=env_var("format"),
        metavar="|".join(FORMATS),
        help="Report format. [default: text]",
        show_default=False,
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        envvar=env_var("output"),
        dir_okay=False,
        metavar="FILE",
        help="Write the report to FILE.",
    ),
]
OfflineOption = Annotated[
    bool,
    typer.Option(
        "--offline",
        envvar=env_var("offline"),
        help="No network at all: domains that need a lookup are reported 'unknown' (offline).",
    ),
]
FailOnOption = Annotated[
    FailOn | None,
    typer.Option(
        "--fail-on",
        envvar=env_var("fail-on"),
        metavar="|".join(FAIL_ON_CHOICES),
        help=f"Exit 1 when a domain's risk is at or above this level. [default: {DEFAULT_FAIL_ON}]",
    ),
]
FailOnUnknownOption = Annotated[
    bool | None,
    typer.Option(
        "--fail-on-unknown/--no-fail-on-unknown",
        envvar=env_var("fail-on-unknown"),
        help="Also exit 1 when a domain's risk is unknown. [default: no]",
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar=env_var("config"),
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
        envvar=env_var("rdap-bootstrap"),
        metavar="PATH|URL",
        help="RDAP bootstrap (IANA dns.json format) to use instead of IANA's; trusted as given.",
    ),
]
NameserverOption = Annotated[
    str | None,
    typer.Option(
        "--nameserver",
        envvar=env_var("nameserver"),
        metavar="HOST[:PORT]",
        help="DNS resolver to ask (default: the system's).",
    ),
]
NoDnsOption = Annotated[
    bool, typer.Option("--no-dns", envvar=env_var("no-dns"), help="Skip DNS checks.")
]
NoMailPathOption = Annotated[
    bool,
    typer.Option(
        "--no-mail-path",
        envvar=env_var("no-mail-path"),
        help="Skip the nameserver / mail-host domains, lame delegation and drift checks.",
    ),
]
WhoisServerOption = Annotated[
    list[str] | None,
    typer.Option(
        "--whois-server",
        envvar=env_var("whois-server"),
        metavar="TLD=HOST[:PORT]",
        help="WHOIS server for a TLD. Repeatable.",
    ),
]
CacheDirOption = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir",
        envvar=env_var("cache-dir"),
        file_okay=False,
        metavar="DIR",
        help="Directory of the evidence cache (default: the user cache directory).",
    ),
]
NoCacheOption = Annotated[
    bool,
    typer.Option(
        "--no-cache", envvar=env_var("no-cache"), help="Neither read nor write the cache."
    ),
]
TimeoutOption = Annotated[
    float,
    typer.Option(
        "--timeout",
        envvar=env_var("timeout"),
        min=0.1,
        metavar="SECONDS",
        help=f"Per request. [default: {DEFAULT_TIMEOUT:g}]",
        show_default=False,
    ),
]
DeadlineOption = Annotated[
    float | None,
    typer.Option(
        "--deadline",
        envvar=env_var("deadline"),
        min=0.1,
        metavar="SECONDS",
        help="For all lookups; domains not answered by then are 'unknown'.",
    ),
]
ConcurrencyOption = Annotated[
    int,
    typer.Option(
        "--concurrency",
        envvar=env_var("concurrency"),
        min=1,
        max=256,
        metavar="N",
        help=f"Requests in flight at once (1 to 256). [default: {DEFAULT_CONCURRENCY}]",
        show_default=False,
    ),
]
ExpiryWindowOption = Annotated[
    int | None,
    typer.Option(
        "--expiry-window",
        envvar=env_var("expiry-window"),
        min=0,
        max=3650,
        metavar="DAYS",
        help="Report 'expiring-soon' when a registration expires within DAYS. "
        f"[default: {DEFAULT_EXPIRY_WINDOW}]",
    ),
]

ShardOption = Annotated[
    str | None,
    typer.Option(
        "--shard",
        envvar=env_var("shard"),
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
        usage_error(f"--shard: {exc}")


@dataclass(frozen=True)
class RunArgs:
    """The report and threshold options every reporting command takes."""

    output_format: str = "text"  # a name in checker.report.FORMATS
    output: Path | None = None
    fail_on: FailOn | None = None
    fail_on_unknown: bool | None = None
    config: Path | None = None

    def options(self, expiry_window: int | None, exclude: list[str] | None = None) -> Options:
        """The command line and environment (given) merged over the configuration file."""
        from checker.config import load_config, merge

        return merge(
            load_config(Path("."), explicit=self.config),
            fail_on=self.fail_on.value if self.fail_on else None,
            fail_on_unknown=self.fail_on_unknown,
            expiry_window=expiry_window,
            exclude=exclude or None,
        )

    def emit(self, report: Report) -> None:
        """Write the report in the format asked, to ``--output`` or stdout."""
        import sys

        from checker.report import Style

        if self.output_format != "text" or self.output is not None:
            # The text report on stdout lists every error; anything else gets them here, once.
            for error in report.errors:
                where = f"{error.path}:{error.line}" if error.line else error.path
                say(f"{where}: {error.message}")
        write, verbose = FORMATS[self.output_format], Invocation.ui.verbose
        if self.output is None:
            write(report, sys.stdout, Style(Invocation.ui.colour_for(sys.stdout), verbose))
            sys.stdout.flush()
            return
        try:
            with self.output.open("w", encoding="utf-8") as stream:
                write(report, stream, Style(color=False, verbose=verbose))
        except OSError as exc:
            usage_error(f"cannot write {self.output}: {exc.strerror or exc}")

    def finish(self, report: Report, options: Options) -> NoReturn:
        """Write the report, and exit by the threshold (:func:`checker.policy.exit_code`)."""
        from checker.policy import exit_code

        self.emit(report)
        raise typer.Exit(exit_code(report, options.fail_on, options.fail_on_unknown))


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
    timeout: float = DEFAULT_TIMEOUT
    deadline: float | None = DEFAULT_DEADLINE
    concurrency: int = DEFAULT_CONCURRENCY
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
            usage_error(str(exc))
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
    _parameter("output_format", FormatOption, OutputFormat("text")),
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
    _parameter("timeout", TimeoutOption, DEFAULT_TIMEOUT),
    _parameter("deadline", DeadlineOption, DEFAULT_DEADLINE),
    _parameter("concurrency", ConcurrencyOption, DEFAULT_CONCURRENCY),
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


def _run_args(**values: Any) -> RunArgs:
    values["output_format"] = values["output_format"].value
    return RunArgs(**values)


def _lookup_args(**values: Any) -> LookupArgs:
    values["shard"] = _shard(values["shard"])
    return LookupArgs(**values)


#: Adds the report options (``run: RunArgs``) to a command.
run_options = _grouped("run", _RUN_PARAMETERS, _run_args)
#: Adds the lookup options (``lookup: LookupArgs``) to a command.
lookup_options = _grouped("lookup", _LOOKUP_PARAMETERS, _lookup_args)


def usage_error(message: str) -> NoReturn:
    say(f"error: {message}")
    raise typer.Exit(EXIT_USAGE)


PypiUrlOption = Annotated[
    str,
    typer.Option(
        "--pypi-url",
        envvar=env_var("pypi-url"),
        metavar="URL",
        help="Base URL of the PyPI JSON API ({URL}/{name}/json).",
    ),
]


def progress() -> bool | None:
    """Whether to show a progress bar: None lets the run decide (a terminal, a long run)."""
    return None if Invocation.ui.progress and not Invocation.ui.quiet else False


def say(message: str) -> None:
    """A diagnostic on stderr: one line, and never a workflow command, whatever it quotes."""
    from checker.escape import neutralise_commands, one_line

    typer.echo(neutralise_commands("domain-guard: " + one_line(message)), err=True)


def info(message: str) -> None:
    """An informational line on stderr, left out with ``--quiet``."""
    if not Invocation.ui.quiet:
        say(message)


OpenIssuesOption = Annotated[
    bool,
    typer.Option(
        "--open-issues",
        envvar=env_var("open-issues"),
        help="Open, update or close one issue per repository for its findings.",
    ),
]
IssueRepoOption = Annotated[
    str | None,
    typer.Option(
        "--issue-repo",
        envvar=env_var("issue-repo"),
        metavar="OWNER/REPO",
        help="Keep one tracking issue for the whole organisation in this repository.",
    ),
]
IssueLabelOption = Annotated[
    str,
    typer.Option(
        "--issue-label", envvar=env_var("issue-label"), metavar="LABEL", help="Label of the issues."
    ),
]


def check_issue_options(open_issues: bool, issue_repo: str | None, issue_label: str) -> None:
    """Usage errors in ``--open-issues``, ``--issue-repo`` and ``--issue-label``."""
    from checker.github.issues import valid_label, valid_repository

    if open_issues and issue_repo:
        usage_error("--open-issues and --issue-repo exclude each other")
    if issue_repo and not valid_repository(issue_repo):
        usage_error("--issue-repo must be OWNER/REPO")
    if not valid_label(issue_label):
        usage_error(
            "--issue-label must be 1 to 50 characters, without commas or control characters"
        )


# --- options of one command -----------------------------------------------------------
# Declared here with the shared ones, so that cli.py holds the commands and their wiring.


def _version(value: bool) -> None:
    if value:
        from checker import __version__

        typer.echo(f"domain-guard {__version__}")
        raise typer.Exit()


VersionOption = Annotated[
    bool,
    typer.Option(
        "--version",
        "-V",
        callback=_version,
        is_eager=True,
        help="Show the version and exit.",
    ),
]


def _token_option(help_text: str) -> Any:
    """``--token`` (from ``GITHUB_TOKEN``, never shown as a default), with its help."""
    return typer.Option(
        "--token", envvar="GITHUB_TOKEN", metavar="TOKEN", show_default=False, help=help_text
    )


ExcludeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        envvar=env_var("exclude"),
        help="Skip paths matching GLOB (relative path or file name). Repeatable.",
        metavar="GLOB",
    ),
]

ForceExcludeOption = Annotated[
    bool,
    typer.Option(
        "--force-exclude",
        envvar=env_var("force-exclude"),
        help="Apply the excludes to the PATHs given too, not only to what is found "
        "below them (the pre-commit hook passes each file it checks).",
    ),
]

MetadataDumpOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--metadata-dump",
        envvar=env_var("metadata-dump"),
        exists=True,
        dir_okay=False,
        metavar="FILE",
        help="Also read a JSON Lines or CSV export (.gz too) of PyPI's "
        "distribution_metadata table. Repeatable. Without PATHs, only the dumps are read.",
    ),
]

RequirementOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--requirement",
        "-r",
        envvar=env_var("requirement"),
        dir_okay=False,
        metavar="FILE",
        help="A pip requirements file (its -r includes too). Repeatable.",
    ),
]

LockfileOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--lockfile",
        envvar=env_var("lockfile"),
        dir_okay=False,
        metavar="FILE",
        help="pylock.toml, uv.lock or poetry.lock. Repeatable.",
    ),
]

PythonOption = Annotated[
    Path | None,
    typer.Option(
        "--python",
        envvar=env_var("python"),
        dir_okay=False,
        metavar="PATH",
        help="Interpreter whose environment to read (default: this one).",
    ),
]

AllowPartialOption = Annotated[
    bool,
    typer.Option(
        "--allow-partial",
        envvar=env_var("allow-partial"),
        help="Missing shards give a warning only, not exit code 3.",
    ),
]

MergeTokenOption = Annotated[
    str | None,
    _token_option("GitHub token that can write the issues (--open-issues, --issue-repo)."),
]

IncludeArchivedOption = Annotated[
    bool,
    typer.Option(
        "--include-archived",
        envvar=env_var("include-archived"),
        help="Scan archived repos too.",
    ),
]

IncludeForksOption = Annotated[
    bool,
    typer.Option("--include-forks", envvar=env_var("include-forks"), help="Scan forks too."),
]

RepoFilterOption = Annotated[
    list[str] | None,
    typer.Option(
        "--repo-filter",
        envvar=env_var("repo-filter"),
        metavar="GLOB",
        help="Only repositories whose name or owner/name matches GLOB. Repeatable.",
    ),
]

OrgTokenOption = Annotated[
    str | None,
    _token_option("GitHub token that can read the repositories (and write issues if asked)."),
]
