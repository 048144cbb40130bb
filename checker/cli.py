"""The ``domain-guard`` command line. Thin: parsing options, then calling the pipeline.

Exit codes: 0 nothing at or above the failure threshold; 1 findings at or above it;
2 usage error; 3 the run is incomplete: an input could not be read (the report covers
every other file), there was nothing to scan, or no domain could be checked; 4 an
internal error (a bug: please report it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from checker import __version__
from checker.cli_options import (
    ENV_PREFIX,
    Color,
    ColorOption,
    FailOn,
    Invocation,
    IssueLabelOption,
    IssueRepoOption,
    LookupArgs,
    NoProgressOption,
    OpenIssuesOption,
    PypiUrlOption,
    QuietOption,
    RunArgs,
    Ui,
    VerboseOption,
    env_var,
    epilog,
    info,
    lookup_options,
    run_options,
    say,
    set_ui,
    ui_options,
    usage_error,
)
from checker.policy import (
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_UNREADABLE,
    EXIT_USAGE,
)
from checker.settings import LookupSettings

if TYPE_CHECKING:
    from checker.config import Options
    from checker.github.org import IssueResult
    from checker.model import Contact, Report, ScanError
    from checker.shard import Shard
    from checker.sources.metadata_dump import DumpResult

#: Color and Ui are the switches' types (:mod:`checker.cli_options`), named here too.
__all__ = ["EXIT_INTERNAL", "Color", "LookupArgs", "Ui", "app", "main"]

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


def _version(value: bool) -> None:
    if value:
        typer.echo(f"domain-guard {__version__}")
        raise typer.Exit()


@app.callback(epilog=epilog("domain-guard scan .", "domain-guard deps -r requirements.txt"))
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
    Invocation.ui = Ui()  # one process may run several command lines (the tests do)
    set_ui(verbose, quiet, color, no_progress)


@app.command(
    epilog=epilog(
        "domain-guard scan .",
        "domain-guard scan --exclude tests/fixtures -f sarif -o domain-guard.sarif",
    )
)
@ui_options
@lookup_options
@run_options
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
            envvar=env_var("exclude"),
            help="Skip paths matching GLOB (relative path or file name). Repeatable.",
            metavar="GLOB",
        ),
    ] = None,
    force_exclude: Annotated[
        bool,
        typer.Option(
            "--force-exclude",
            envvar=env_var("force-exclude"),
            help="Apply the excludes to the PATHs given too, not only to what is found "
            "below them (the pre-commit hook passes each file it checks).",
        ),
    ] = False,
    metadata_dump: Annotated[
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
    ] = None,
    *,
    run: RunArgs,
    lookup: LookupArgs,
) -> None:
    """Scan project files and built distributions, and check every maintainer domain."""
    from checker.domains import DomainClassifier
    from checker.pipeline import read_dumps
    from checker.scan import force_excluded, scan_paths

    options = _configure(run, lookup.expiry_window, exclude)
    settings = lookup.settings(options.expiry_window, registries=options.registry_concurrency)
    part = lookup.shard
    roots = paths or ([] if metadata_dump else [Path(".")])
    if force_exclude and paths:
        roots, left_out = force_excluded(roots, options.exclude)
        if not roots and not metadata_dump:
            # The hook was handed only excluded files: nothing of the user's to check.
            info(f"every path given is excluded ({len(left_out)}): nothing to check")
            raise typer.Exit(EXIT_OK)
    classifier = DomainClassifier(extra_providers=options.providers)
    result = scan_paths(roots, exclude=options.exclude, classifier=classifier)
    if not metadata_dump:
        _nothing_to_scan(result.files_scanned, result.errors, roots)
    dump = read_dumps(metadata_dump or [], classifier, say=say, info=info)
    from checker.history import date_contacts  # git dates for the re-registered check

    report = _assess(
        [*date_contacts(result.contacts, roots), *(dump.contacts if dump else ())],
        [*result.errors, *(dump.errors if dump else ())],
        settings,
        options,
        files_scanned=result.files_scanned + len(metadata_dump or ()),
        roots=[p.as_posix() for p in [*roots, *(metadata_dump or ())]],
        shard=part,
        dump=dump,
    )
    _finish(report, options, run)


@app.command(
    epilog=epilog(
        "domain-guard domain janedoe.dev",
        "domain-guard domain jane@janedoe.dev old-project.org -f json",
    )
)
@ui_options
@lookup_options
@run_options
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
    report = _assess(contacts, errors, settings, options, files_scanned=0, roots=[], shard=part)
    _finish(report, options, run)


@app.command(
    epilog=epilog(
        'domain-guard deps requests "django==4.2.11"',
        "domain-guard deps -r requirements.txt --lockfile uv.lock",
    )
)
@ui_options
@lookup_options
@run_options
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
            envvar=env_var("requirement"),
            dir_okay=False,
            metavar="FILE",
            help="A pip requirements file (its -r includes too). Repeatable.",
        ),
    ] = None,
    lockfile: Annotated[
        list[Path] | None,
        typer.Option(
            "--lockfile",
            envvar=env_var("lockfile"),
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
        usage_error("deps needs package names, -r FILE or --lockfile FILE")
    wanted = collect(specs or [], requirement or [], lockfile or [], pypi_url=pypi_url)
    classifier = DomainClassifier(extra_providers=options.providers)
    contacts, errors, warnings = pypi_contacts(
        wanted.requirements, settings, base_url=pypi_url, classifier=classifier
    )
    for warning in warnings:
        say(f"warning: {warning}")
    files = [p.as_posix() for p in (*(requirement or []), *(lockfile or []))]
    report = _assess(
        contacts, [*wanted.errors, *errors], settings, options, files_scanned=wanted.files,
        roots=files,
        shard=lookup.shard,
    )  # fmt: skip
    _finish(report, options, run)


@app.command(
    epilog=epilog("domain-guard env", "domain-guard env --python .venv/bin/python -f json")
)
@ui_options
@lookup_options
@run_options
def env(
    python: Annotated[
        Path | None,
        typer.Option(
            "--python",
            envvar=env_var("python"),
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
        usage_error(str(exc))
    classifier = DomainClassifier(extra_providers=options.providers)
    installed = read_environment(directories, classifier)
    report = _assess(
        installed.contacts, installed.errors, settings, options,
        files_scanned=installed.distributions, roots=installed.directories,
        shard=lookup.shard,
    )  # fmt: skip
    _finish(report, options, run)


@app.command(
    epilog=epilog(
        "INPUT_PATHS=. domain-guard action",
        "INPUT_FORMAT=text INPUT_EXCLUDE=tests/fixtures domain-guard action",
    )
)
@ui_options
@lookup_options
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
    from checker.escape import workflow_command
    from checker.github.action import (
        ActionInputError,
        ActionInputs,
        confined,
        run_action,
        workspace,
    )

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
    try:
        code = run_action(
            inputs, root, options, settings, shard=lookup.shard, environ=os.environ,
            out=sys.stdout, say=say, progress=_progress(),
        )  # fmt: skip
    except ActionInputError as exc:
        typer.echo(workflow_command("error", f"domain-guard: {exc}"))
        raise typer.Exit(EXIT_USAGE) from None
    raise typer.Exit(code)


@app.command(
    epilog=epilog(
        "domain-guard merge shard-*.json -f sarif -o results.sarif",
        "domain-guard merge shard-*.json --issue-repo my-org/security",
    )
)
@ui_options
@run_options
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
            envvar=env_var("allow-partial"),
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
    from checker.merge import merge_reports, read_report
    from checker.pipeline import ignored, say_unchecked

    options = _configure(run, None, None)
    _check_issue_options(open_issues, issue_repo, issue_label)
    token = (token or "").strip() or None
    if (open_issues or issue_repo) and token is None:
        usage_error("keeping issues needs a GitHub token: --token or the GITHUB_TOKEN variable")
    named = []
    for path in reports:
        try:
            named.append((path.as_posix(), read_report(path)))
        except ValueError as exc:
            usage_error(f"{path}: {exc}")
    merged = merge_reports(named, allow_partial=allow_partial)
    for warning in merged.warnings:
        say(f"warning: {warning}")
    say_unchecked(merged.report, say)
    # Ignores the shard runs applied apply again, with the merge's own configuration.
    ignores = options.ignore + tuple(i for i in merged.ignores if i not in options.ignore)
    report = ignored(merged.report, ignores, say)
    if token is None or not (open_issues or issue_repo):
        _finish(report, options, run)
    from checker.github.issues import keep_merged_issues

    code = keep_merged_issues(
        report, token, coverage=merged.coverage, fail_on=options.fail_on,
        fail_on_unknown=options.fail_on_unknown, open_issues=open_issues, issue_repo=issue_repo,
        label=issue_label, code=_exit_code(report, options), say=say, info=info,
    )  # fmt: skip
    _emit(report, run)
    raise typer.Exit(code)


@app.command(
    epilog=epilog(
        "GITHUB_TOKEN=... domain-guard org my-org",
        "domain-guard org my-org --repo-filter 'py-*' --issue-repo my-org/security",
    )
)
@ui_options
@lookup_options
@run_options
def org(
    login: Annotated[
        str, typer.Argument(metavar="ORG", help="GitHub organisation (or user) to scan.")
    ],
    include_archived: Annotated[
        bool,
        typer.Option(
            "--include-archived",
            envvar=env_var("include-archived"),
            help="Scan archived repos too.",
        ),
    ] = False,
    include_forks: Annotated[
        bool,
        typer.Option("--include-forks", envvar=env_var("include-forks"), help="Scan forks too."),
    ] = False,
    repo_filter: Annotated[
        list[str] | None,
        typer.Option(
            "--repo-filter",
            envvar=env_var("repo-filter"),
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
    from checker.policy import threshold

    options = _configure(run, lookup.expiry_window, None)
    settings = lookup.settings(options.expiry_window, registries=options.registry_concurrency)
    if not valid_login(login):
        usage_error(f"not a GitHub organisation or user name: {login!r}")
    _check_issue_options(open_issues, issue_repo, issue_label)
    part = lookup.shard
    if part is not None and (open_issues or issue_repo):
        usage_error(
            "--shard cannot keep issues: a shard sees only its own domains, and would close "
            "the others' issues; open them from `domain-guard merge` of all the shard reports"
        )
    token = (token or "").strip() or None
    if token is None:
        usage_error("org needs a GitHub token: --token or the GITHUB_TOKEN variable")
    try:
        endpoints = Endpoints.from_env()
    except ValueError as exc:
        usage_error(str(exc))
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
        usage_error(str(exc))
    except (OrgError, GitHubError) as exc:
        say(f"error: cannot list the repositories of {login}: {exc}")
        raise typer.Exit(EXIT_UNREADABLE) from None
    found = scanned.discovery
    left_out = [
        *([] if include_archived else ["archived"]),
        *([] if include_forks else ["forks"]),
        *([f"{found.skipped_filter} not matching --repo-filter"] if repo_filter else []),
    ]
    info(
        f"{found.owner_type} {found.login}: {len(found.repositories)} repositories scanned"
        + (f" (left out: {', '.join(left_out)})" if left_out else "")
        + f", {scanned.files_scanned} files read; GitHub requests: "
        f"{found.graphql_requests} GraphQL, {scanned.rest_fallbacks} REST"
    )
    report = _assess(
        scanned.contacts, list(scanned.errors), settings, options,
        files_scanned=scanned.files_scanned, roots=[f"github:{found.login}"], shard=part,
    )  # fmt: skip
    code = _exit_code(report, options)
    if open_issues or issue_repo:

        async def issues() -> list[IssueResult]:
            async with GitHubClient(token, endpoints) as client:
                return await sync_org_issues(
                    client, report, found, label=issue_label, limit=threshold(options.fail_on),
                    include_unknown=options.fail_on_unknown, issue_repo=issue_repo,
                )  # fmt: skip

        from checker.github.issues import say_outcomes

        code = say_outcomes(asyncio.run(issues()), code, say=say, info=info)
    _emit(report, run)
    raise typer.Exit(code)


def _nothing_to_scan(files: int, errors: Sequence[ScanError], roots: Sequence[Path]) -> None:
    """Exit 3 with one line when the paths held no metadata file at all (a mistyped path
    or ``paths:`` input must not pass as a clean scan)."""
    from checker.scan import nothing_to_scan

    if files or errors:
        return
    say("error: " + nothing_to_scan([p.as_posix() for p in roots]))
    raise typer.Exit(EXIT_UNREADABLE)


def _check_issue_options(open_issues: bool, issue_repo: str | None, issue_label: str) -> None:
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


def _configure(run: RunArgs, expiry_window: int | None, exclude: list[str] | None) -> Options:
    """Merge the command line and environment (given) over the configuration file."""
    from checker.config import load_config, merge

    return merge(
        load_config(Path("."), explicit=run.config),
        fail_on=run.fail_on.value if run.fail_on else None,
        fail_on_unknown=run.fail_on_unknown,
        expiry_window=expiry_window,
        exclude=exclude or None,
    )


def _finish(report: Report, options: Options, run: RunArgs) -> NoReturn:
    """Write the report, and exit by the threshold."""
    _emit(report, run)
    raise typer.Exit(_exit_code(report, options))


def _assess(
    contacts: Sequence[Contact],
    errors: Sequence[ScanError],
    settings: LookupSettings,
    options: Options,
    *,
    files_scanned: int,
    roots: Sequence[str],
    shard: Shard | None = None,
    dump: DumpResult | None = None,
) -> Report:
    """The shared run (:func:`checker.pipeline.run`), its diagnostics on stderr."""
    from checker.pipeline import run

    return run(
        contacts, errors, settings, files_scanned=files_scanned, roots=roots,
        ignores=options.ignore, shard=shard, dump=dump, say=say,
        progress=_progress(),
    )  # fmt: skip


def _progress() -> bool | None:
    """Whether to show a progress bar: None lets the run decide (a terminal, a long run)."""
    return None if Invocation.ui.progress and not Invocation.ui.quiet else False


def _emit(report: Report, run: RunArgs) -> None:
    """Write the report in the format asked, to ``--output`` or stdout."""
    from checker.report import FORMATS, Style

    output_format, output = run.output_format, run.output
    if output_format != "text" or output is not None:
        # The text report on stdout lists every error; anything else gets them here, once.
        for error in report.errors:
            where = f"{error.path}:{error.line}" if error.line else error.path
            say(f"{where}: {error.message}")
    write, verbose = FORMATS[output_format], Invocation.ui.verbose
    if output is None:
        write(report, sys.stdout, Style(Invocation.ui.colour_for(sys.stdout), verbose))
        sys.stdout.flush()
        return
    try:
        with output.open("w", encoding="utf-8") as stream:
            write(report, stream, Style(color=False, verbose=verbose))
    except OSError as exc:
        usage_error(f"cannot write {output}: {exc.strerror or exc}")


def _exit_code(report: Report, options: Options) -> int:
    from checker.policy import exit_code

    return exit_code(report, options.fail_on, options.fail_on_unknown)


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
        say(
            scrub(f"internal error: {type(exc).__name__}: {exc}. ")
            + f"Set {ENV_PREFIX}DEBUG=1 for details and please report it."
        )
        sys.exit(EXIT_INTERNAL)
