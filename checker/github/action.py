"""The GitHub Action's side of a run: inputs from ``INPUT_*``, results to the runner.

The runner passes each input as ``INPUT_<NAME>`` with the name upper-cased and hyphens
kept (``INPUT_FAIL-ON``). After the scan, :func:`publish` writes the JSON report (and
SARIF when asked) into the workspace, appends the Markdown report to
``$GITHUB_STEP_SUMMARY``, prints the annotations, keeps the repository's issue in step
when ``open-issue`` is on, and writes the step's outputs to ``$GITHUB_OUTPUT``.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from checker.errors import UsageError
from checker.escape import guard_output, workflow_command
from checker.model import Report
from checker.policy import EXIT_UNREADABLE, exit_code, failing, incomplete, threshold
from checker.report import FORMATS, Style, render
from checker.settings import FAIL_ON_CHOICES

if TYPE_CHECKING:
    from checker.config import Options
    from checker.pipeline import Say
    from checker.settings import LookupSettings
    from checker.shard import Shard

REPORT_NAME = "domain-guard-report.json"
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_OUTPUT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class ActionInputError(UsageError, ValueError):
    """An input has a value the action cannot use."""


def get_input(environ: Mapping[str, str], name: str) -> str:
    """An input as the runner sets it (``INPUT_FAIL-ON``), stripped; "" when unset.

    ``INPUT_FAIL_ON`` is accepted too, for ``docker run -e`` users who cannot spell a hyphen.
    """
    key = "INPUT_" + name.replace(" ", "_").upper()
    value = environ.get(key)
    if value is None:
        value = environ.get(key.replace("-", "_"), "")
    return value.strip()


def _boolean(environ: Mapping[str, str], name: str) -> bool | None:
    value = get_input(environ, name)
    if not value:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ActionInputError(f"input {name} must be true or false, not {value[:40]!r}")


@dataclass(frozen=True)
class ActionInputs:
    """The action's inputs. ``None`` means "not given": the config file or default applies."""

    paths: tuple[str, ...] = (".",)
    exclude: tuple[str, ...] = ()
    fail_on: str | None = None
    fail_on_unknown: bool | None = None
    expiry_window: int | None = None
    format: str = "github"
    sarif_file: str | None = None
    open_issue: bool = False
    issue_label: str = "domain-guard"
    github_token: str | None = field(default=None, repr=False)
    config: str | None = None
    offline: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ActionInputs:
        """Read and check every input; :class:`ActionInputError` names the bad one."""
        paths = tuple(get_input(environ, "paths").split()) or (".",)
        fail_on = get_input(environ, "fail-on").lower() or None
        if fail_on is not None and fail_on not in FAIL_ON_CHOICES:
            raise ActionInputError(
                f"input fail-on must be one of {', '.join(FAIL_ON_CHOICES)}, not {fail_on[:40]!r}"
            )
        window_text = get_input(environ, "expiry-window")
        expiry_window = None
        if window_text:
            if not window_text.isdigit() or int(window_text) > 3650:
                raise ActionInputError(
                    "input expiry-window must be a number of days (0-3650), "
                    f"not {window_text[:40]!r}"
                )
            expiry_window = int(window_text)
        output_format = get_input(environ, "format").lower() or "github"
        if output_format not in FORMATS:
            raise ActionInputError(
                f"input format must be one of {', '.join(FORMATS)}, not {output_format[:40]!r}"
            )
        label = get_input(environ, "issue-label") or "domain-guard"
        from checker.github.issues import valid_label  # lazily: it brings the HTTP client

        if not valid_label(label):
            raise ActionInputError(
                "input issue-label must be 1 to 50 characters, without commas or control characters"
            )
        return cls(
            paths=paths,
            exclude=tuple(get_input(environ, "exclude").split()),
            fail_on=fail_on,
            fail_on_unknown=_boolean(environ, "fail-on-unknown"),
            expiry_window=expiry_window,
            format=output_format,
            sarif_file=get_input(environ, "sarif-file") or None,
            open_issue=bool(_boolean(environ, "open-issue")),
            issue_label=label,
            github_token=get_input(environ, "github-token") or environ.get("GITHUB_TOKEN") or None,
            config=get_input(environ, "config") or None,
            offline=bool(_boolean(environ, "offline")),
        )


def confined(inputs: ActionInputs, root: Path) -> ActionInputs:
    """``inputs`` when every path they name (``paths``, ``config``) stays inside the
    workspace ``root``, symlinks followed: a pull request can commit a symlink to any file
    on the runner. Raises :class:`ActionInputError` naming the input."""
    for name, values in (("paths", inputs.paths), ("config", (inputs.config or "",))):
        for value in filter(None, values):
            try:
                _inside(root, value)
            except ActionInputError as exc:
                raise ActionInputError(f"input {name}: {exc}") from None
    return inputs


def workspace(environ: Mapping[str, str]) -> Path:
    """The checked-out repository: ``$GITHUB_WORKSPACE``, else the current directory."""
    return Path(environ.get("GITHUB_WORKSPACE") or ".").resolve()


def output_lines(name: str, value: str) -> str:
    """A ``$GITHUB_OUTPUT`` entry; multi-line values get a random delimiter."""
    if not _OUTPUT_NAME.match(name):
        raise ValueError(f"bad output name {name!r}")
    if "\n" not in value and "\r" not in value:
        return f"{name}={value}\n"
    delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
    # A random 128-bit delimiter cannot be in the value by accident; refuse if it is.
    if delimiter in value:  # pragma: no cover
        raise ValueError("output value contains its delimiter")
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


@dataclass(frozen=True)
class Published:
    """What :func:`publish` did: the outputs it wrote, and whether keeping the issue failed."""

    outputs: Mapping[str, str]
    issue_failed: bool = False


def _append(path: str | None, text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)


def _inside(root: Path, name: str) -> Path:
    target = (root / name).resolve()
    if target != root and root not in target.parents:
        raise ActionInputError(f"{name[:200]!r} is outside the workspace")
    return target


def publish(
    report: Report,
    inputs: ActionInputs,
    *,
    fail_on: str,
    fail_on_unknown: bool,
    environ: Mapping[str, str],
    out: TextIO,
) -> Published:
    """Write reports, summary, annotations, the issue and the outputs for one run."""
    from checker.report import json as json_report
    from checker.report import markdown, sarif

    root = workspace(environ)
    report_path = _inside(root, REPORT_NAME)
    report_path.write_text(json_report.render(report), encoding="utf-8")
    if inputs.sarif_file:
        _inside(root, inputs.sarif_file).write_text(sarif.render(report), encoding="utf-8")
    _append(environ.get("GITHUB_STEP_SUMMARY"), markdown.render(report))
    out.write(_render_log(report, inputs.format))
    issue_number, issue_failed = "", False
    if inputs.open_issue:
        issue_number, issue_failed = _keep_issue(
            report, inputs, fail_on, fail_on_unknown, environ, out
        )
    outputs = {
        "findings": str(len(failing(report, threshold(fail_on), include_unknown=fail_on_unknown))),
        "highest-risk": report.highest_risk.value,
        "report-path": report_path.relative_to(root).as_posix(),
        "issue-number": issue_number,
    }
    _append(environ.get("GITHUB_OUTPUT"), "".join(output_lines(k, v) for k, v in outputs.items()))
    out.flush()
    return Published(outputs, issue_failed)


def run_action(
    inputs: ActionInputs,
    root: Path,
    options: Options,
    settings: LookupSettings,
    *,
    shard: Shard | None,
    environ: Mapping[str, str],
    out: TextIO,
    say: Say,
    progress: bool | None,
) -> int:
    """Scan the workspace ``root`` as ``inputs`` say, run, publish; the exit code.

    Raises :class:`ActionInputError` when the results cannot be written where asked."""
    from checker.domains import DomainClassifier
    from checker.pipeline import run
    from checker.scan import LocalScan, nothing_to_scan

    paths = [Path(p) for p in inputs.paths]
    classifier = DomainClassifier(extra_providers=options.providers)
    exclude = (*options.exclude, *(g for g in inputs.exclude if g not in options.exclude))
    # Dated by git history, which needs a full clone (fetch-depth: 0).
    found = LocalScan(paths, exclude, classifier, base=root, required=False).collect()
    if not found.files and not found.errors:  # a mistyped `paths:` must not pass
        out.write(workflow_command("error", "domain-guard: " + nothing_to_scan(inputs.paths)))
        out.write("\n")
        return EXIT_UNREADABLE
    report = run([found], settings, ignores=options.ignore, shard=shard, progress=progress, say=say)
    code = exit_code(report, options.fail_on, options.fail_on_unknown)
    try:
        published = publish(
            report, inputs, fail_on=options.fail_on, fail_on_unknown=options.fail_on_unknown,
            environ=environ, out=out,
        )  # fmt: skip
    except OSError as exc:
        raise ActionInputError(str(exc)) from None
    return incomplete(code) if published.issue_failed else code


def _render_log(report: Report, output_format: str) -> str:
    rendered = render(output_format, report, Style(color=False))
    return rendered if output_format == "github" else guard_output(rendered)


def _keep_issue(
    report: Report,
    inputs: ActionInputs,
    fail_on: str,
    fail_on_unknown: bool,
    environ: Mapping[str, str],
    out: TextIO,
) -> tuple[str, bool]:
    """Sync the issue; returns its number and whether that failed (not for read-only tokens)."""
    from checker.github.client import Endpoints, GitHubClient, GitHubError
    from checker.github.issues import (
        IssueAction,
        planted_warning,
        sync_issue,
        valid_repository,
    )

    repository = environ.get("GITHUB_REPOSITORY", "")
    if not valid_repository(repository):
        out.write(
            workflow_command("error", "open-issue needs GITHUB_REPOSITORY (owner/name)") + "\n"
        )
        return "", True
    if not inputs.github_token:
        out.write(workflow_command("error", "open-issue needs the github-token input") + "\n")
        return "", True

    async def sync() -> str:
        async with GitHubClient(inputs.github_token, Endpoints.from_env(environ)) as client:
            outcome = await sync_issue(
                client, repository, report, label=inputs.issue_label,
                limit=threshold(fail_on), include_unknown=fail_on_unknown,
            )  # fmt: skip
            out.write(f"domain-guard: issue {outcome.action.value}"
                      + (f" (#{outcome.number})" if outcome.number else "") + "\n")  # fmt: skip
            if outcome.planted:
                out.write(workflow_command("warning", planted_warning(repository, outcome)) + "\n")
            if outcome.action is IssueAction.HELD:
                out.write(workflow_command(
                    "notice", "domain-guard left the issue as it is: this run could not check "
                    "every domain or file, so it cannot say the listed ones are healthy",
                ) + "\n")  # fmt: skip
            return str(outcome.number or "")

    try:
        return asyncio.run(sync()), False
    except GitHubError as exc:
        if exc.forbidden:
            out.write(
                workflow_command(
                    "notice",
                    "domain-guard could not write the issue: the token is read-only (a pull "
                    "request from a fork?). The findings are in the annotations and the step "
                    "summary. " + exc.message,
                )
                + "\n"
            )
            return "", False
        out.write(
            workflow_command("error", f"domain-guard could not keep the issue: {exc.message}")
            + "\n"
        )
        return "", True
    except ValueError as exc:
        out.write(workflow_command("error", f"domain-guard could not keep the issue: {exc}") + "\n")
        return "", True
