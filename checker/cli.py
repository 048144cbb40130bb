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
from typing import TYPE_CHECKING, Annotated

import typer

from checker.cli_options import (
    ENV_PREFIX,
    AllowPartialOption,
    Color,
    ColorOption,
    ExcludeOption,
    FailOn,
    ForceExcludeOption,
    IncludeArchivedOption,
    IncludeForksOption,
    Invocation,
    IssueLabelOption,
    IssueRepoOption,
    LockfileOption,
    LookupArgs,
    MergeTokenOption,
    MetadataDumpOption,
    NoProgressOption,
    OpenIssuesOption,
    OrgTokenOption,
    PypiUrlOption,
    PythonOption,
    QuietOption,
    RepoFilterOption,
    RequirementOption,
    RunArgs,
    Ui,
    VerboseOption,
    VersionOption,
    check_issue_options,
    epilog,
    info,
    lookup_options,
    progress,
    run_options,
    say,
    set_ui,
    ui_options,
    usage_error,
)
from checker.policy import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, exit_code

if TYPE_CHECKING:
    from checker.config import Options
    from checker.model import Report
    from checker.settings import LookupSettings
    from checker.sources.base import Collected, Source

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


@app.callback(epilog=epilog("domain-guard scan .", "domain-guard deps -r requirements.txt"))
def _root(
    version: VersionOption = False,
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
    exclude: ExcludeOption = None,
    force_exclude: ForceExcludeOption = False,
    metadata_dump: MetadataDumpOption = None,
    *,
    run: RunArgs,
    lookup: LookupArgs,
) -> None:
    """Scan project files and built distributions, and check every maintainer domain."""
    from checker.domains import DomainClassifier
    from checker.scan import LocalScan, force_excluded
    from checker.sources.metadata_dump import MetadataDumps

    options = run.options(lookup.expiry_window, exclude)
    settings = lookup.settings(options.expiry_window, registries=options.registry_concurrency)
    roots = paths or ([] if metadata_dump else [Path(".")])
    if force_exclude and paths:
        roots, left_out = force_excluded(roots, options.exclude)
        if not roots and not metadata_dump:
            # The hook was handed only excluded files: nothing of the user's to check.
            info(f"every path given is excluded ({len(left_out)}): nothing to check")
            raise typer.Exit(EXIT_OK)
    classifier = DomainClassifier(extra_providers=options.providers)
    sources: list[Source] = [
        LocalScan(roots, options.exclude, classifier, required=not metadata_dump)
    ]
    if metadata_dump:
        sources.append(MetadataDumps(metadata_dump, classifier, say, info))
    run.finish(_run(sources, settings, options, lookup), options)


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
    from checker.arguments import Arguments
    from checker.domains import DomainClassifier

    options = run.options(lookup.expiry_window)
    settings = lookup.settings(options.expiry_window, registries=options.registry_concurrency)
    classifier = DomainClassifier(extra_providers=options.providers)
    run.finish(_run([Arguments(names, classifier)], settings, options, lookup), options)


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
    requirement: RequirementOption = None,
    lockfile: LockfileOption = None,
    pypi_url: PypiUrlOption = "https://pypi.org/pypi",
    *,
    run: RunArgs,
    lookup: LookupArgs,
) -> None:
    """Check the maintainer domains of dependencies, from their metadata on PyPI."""
    from checker.domains import DomainClassifier
    from checker.sources.pypi import Dependencies

    options = run.options(lookup.expiry_window)
    settings = lookup.settings(options.expiry_window, registries=options.registry_concurrency)
    if not (specs or requirement or lockfile):
        usage_error("deps needs package names, -r FILE or --lockfile FILE")
    classifier = DomainClassifier(extra_providers=options.providers)
    source = Dependencies(
        specs or [], requirement or [], lockfile or [], settings, say, pypi_url, classifier
    )
    run.finish(_run([source], settings, options, lookup), options)


@app.command(
    epilog=epilog("domain-guard env", "domain-guard env --python .venv/bin/python -f json")
)
@ui_options
@lookup_options
@run_options
def env(
    python: PythonOption = None,
    *,
    run: RunArgs,
    lookup: LookupArgs,
) -> None:
    """Check the maintainer domains of every distribution installed in an environment."""
    from checker.domains import DomainClassifier
    from checker.sources.environment import InstalledEnvironment

    options = run.options(lookup.expiry_window)
    settings = lookup.settings(options.expiry_window, registries=options.registry_concurrency)
    source = InstalledEnvironment(python, DomainClassifier(extra_providers=options.providers))
    run.finish(_run([source], settings, options, lookup), options)


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
    options = run.options(window)
    settings = lookup.settings(
        options.expiry_window,
        registries=options.registry_concurrency,
        offline=inputs.offline or lookup.offline,
    )
    try:
        code = run_action(
            inputs, root, options, settings, shard=lookup.shard, environ=os.environ,
            out=sys.stdout, say=say, progress=progress(),
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
    allow_partial: AllowPartialOption = False,
    open_issues: OpenIssuesOption = False,
    issue_repo: IssueRepoOption = None,
    issue_label: IssueLabelOption = "domain-guard",
    token: MergeTokenOption = None,
    *,
    run: RunArgs,
) -> None:
    """Combine the JSON reports of --shard runs into one report, in any format."""
    from checker.merge import merge_files

    options = run.options(None)
    check_issue_options(open_issues, issue_repo, issue_label)
    token = (token or "").strip() or None
    if (open_issues or issue_repo) and token is None:
        usage_error("keeping issues needs a GitHub token: --token or the GITHUB_TOKEN variable")
    report, coverage = merge_files(reports, options.ignore, allow_partial=allow_partial, say=say)
    if token is None or not (open_issues or issue_repo):
        run.finish(report, options)
    from checker.github.issues import keep_merged_issues

    code = keep_merged_issues(
        report, token, coverage=coverage, fail_on=options.fail_on,
        fail_on_unknown=options.fail_on_unknown, open_issues=open_issues, issue_repo=issue_repo,
        label=issue_label, code=exit_code(report, options.fail_on, options.fail_on_unknown),
        say=say, info=info,
    )  # fmt: skip
    run.emit(report)
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
    include_archived: IncludeArchivedOption = False,
    include_forks: IncludeForksOption = False,
    repo_filter: RepoFilterOption = None,
    token: OrgTokenOption = None,
    open_issues: OpenIssuesOption = False,
    issue_repo: IssueRepoOption = None,
    issue_label: IssueLabelOption = "domain-guard",
    *,
    run: RunArgs,
    lookup: LookupArgs,
) -> None:
    """Scan every repository of a GitHub organisation (metadata files at HEAD, over GraphQL)."""
    from checker.domains import DomainClassifier
    from checker.github.client import Endpoints
    from checker.github.org import OrgScan, keep_org_issues, valid_login
    from checker.policy import threshold

    options = run.options(lookup.expiry_window)
    settings = lookup.settings(options.expiry_window, registries=options.registry_concurrency)
    if not valid_login(login):
        usage_error(f"not a GitHub organisation or user name: {login!r}")
    check_issue_options(open_issues, issue_repo, issue_label)
    if lookup.shard is not None and (open_issues or issue_repo):
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
    source = OrgScan(
        token, endpoints, login, info, include_archived=include_archived,
        include_forks=include_forks, repo_filter=repo_filter or (),
        classifier=DomainClassifier(extra_providers=options.providers),
    )  # fmt: skip
    scanned = source.scan()
    report = _run([scanned.collected()], settings, options, lookup)
    code = exit_code(report, options.fail_on, options.fail_on_unknown)
    if open_issues or issue_repo:
        code = keep_org_issues(
            report, source, scanned.discovery, label=issue_label,
            limit=threshold(options.fail_on), include_unknown=options.fail_on_unknown,
            issue_repo=issue_repo, code=code, say=say,
        )  # fmt: skip
    run.emit(report)
    raise typer.Exit(code)


def _run(
    sources: Sequence[Source | Collected],
    settings: LookupSettings,
    options: Options,
    lookup: LookupArgs,
) -> Report:
    """Collect every source, then the shared run (:func:`checker.pipeline.run`)."""
    from checker.pipeline import run
    from checker.sources.base import Collected

    collected = [s if isinstance(s, Collected) else s.collect() for s in sources]
    return run(
        collected, settings, ignores=options.ignore, shard=lookup.shard, say=say,
        progress=progress(),
    )  # fmt: skip


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
