"""One GitHub issue per repository (or per organisation) for its at-risk domains.

The issue is found again by listing the repository's issues with our label
(``GET /repos/{owner}/{repo}/issues?labels=...&state=all``) and reading a hidden marker
in the body; the search API is never used (it lags and is rate-limited harder). The
marker carries a key (what the issue tracks) and a fingerprint of the findings, so:

* findings and no issue: open one;
* findings and a closed issue: reopen it, with a comment;
* findings changed: rewrite the body and comment on what changed;
* findings unchanged: leave the issue alone (no notification noise);
* no findings and an open issue: comment and close it.

Never fail open: when a run could not check some domains (``unknown``) or read some files,
the issue is neither closed nor shrunk; a domain that was listed stays listed until a run
proves it healthy (:attr:`IssueAction.HELD`).

Only issues written by the token's own identity are ever adopted (read from GraphQL's
``viewer``: the Actions bot for ``GITHUB_TOKEN``, the app's bot for an app token, the user
otherwise). Anyone can open an issue with our label and marker, since the fingerprint is
computable; such an issue is never edited, reopened or commented on, only reported
(:attr:`IssueOutcome.planted`).

Bodies and comments render every piece of outside text in code spans (no HTML, links or
``@mentions`` from metadata or registries) and stay under GitHub's 65,536-character limit.
"""

from __future__ import annotations

import enum
import hashlib
import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from checker import __version__
from checker.escape import code_span, guard_output
from checker.github.client import GitHubClient, GitHubError
from checker.model import DomainResult, Report, Risk
from checker.report.findings import Finding, contacts_by_domain
from checker.report.markdown import TABLE_HEAD, advice, table_row

if TYPE_CHECKING:
    from checker.github.org import IssueResult
    from checker.pipeline import Say
    from checker.shard import ShardCoverage

#: GitHub refuses bodies over 65,536 characters; leave room for the fixed parts.
MAX_BODY_CHARS = 60_000
MAX_COMMENT_DOMAINS = 50
_MARKER = re.compile(
    r"<!-- domain-guard:issue key=([A-Za-z0-9._:/-]{1,200}) findings=([0-9a-f]{16}) -->"
)
_KEY = re.compile(r"^[A-Za-z0-9._:/-]{1,200}$")
_LABEL = re.compile(r"^[^,\x00-\x1f]{1,50}$")
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")


def valid_label(label: str) -> bool:
    """An issue label we can list by: 1 to 50 characters, no comma, no control character."""
    return bool(_LABEL.match(label))


def valid_repository(name: str) -> bool:
    """``owner/name`` as GitHub spells it; never ``.`` or ``..`` (they would move the URL)."""
    return bool(_REPOSITORY.match(name)) and not any(
        part in (".", "..") for part in name.split("/")
    )


class IssueAction(str, enum.Enum):
    """What :func:`sync_issue` did."""

    OPENED = "opened"
    UPDATED = "updated"
    REOPENED = "reopened"
    CLOSED = "closed"
    UNCHANGED = "unchanged"
    HELD = "held"  # left as it is: some domains or files could not be checked this time
    NOTHING = "nothing"  # no findings and no open issue


@dataclass(frozen=True)
class IssueOutcome:
    """The issue's number (if there is one) and what happened to it."""

    action: IssueAction
    number: int | None = None
    url: str | None = None
    #: Issues carrying our label and marker that someone else wrote: never touched.
    planted: tuple[int, ...] = ()


@dataclass(frozen=True)
class _Existing:
    number: int
    open: bool
    fingerprint: str
    url: str | None


def at_risk(
    report: Report, limit: Risk | None, *, include_unknown: bool = False
) -> list[DomainResult]:
    """Domains at or above ``limit`` (medium when there is none), and unknown ones if asked."""
    from checker.policy import failing

    return failing(report, limit or Risk.MEDIUM, include_unknown=include_unknown)


def fingerprint(results: Sequence[DomainResult]) -> str:
    """A stable digest of which domains are at risk and why (not of dates or messages)."""
    parts = sorted(
        f"{r.domain}|{r.risk.value}|{','.join(sorted({x.code.value for x in r.reasons}))}"
        for r in results
    )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def marker(key: str, digest: str) -> str:
    """The hidden line that identifies our issue and the findings it shows."""
    if not _KEY.match(key):
        raise ValueError(f"unusable issue key {key!r}")
    return f"<!-- domain-guard:issue key={key} findings={digest} -->"


def restrict(report: Report, repository: str) -> Report:
    """The part of a report about one repository (an organisation scan's contacts)."""
    contacts = tuple(c for c in report.contacts if c.source.repository == repository)
    names = {c.registrable_domain for c in contacts}
    domains = tuple(d for d in report.domains if d.domain in names)
    errors = tuple(e for e in report.errors if e.path.startswith(f"{repository}:"))
    return replace(report, contacts=contacts, domains=domains, errors=errors)


def planted_warning(repo: str, outcome: IssueOutcome) -> str:
    """What to say about issues that carry our marker but that this token did not write."""
    numbers = ", ".join(f"#{number}" for number in outcome.planted[:10])
    more = f" and {len(outcome.planted) - 10} more" if len(outcome.planted) > 10 else ""
    return (
        f"{repo}: issue {numbers}{more} carries domain-guard's label and marker but was not "
        "written by this token's account; it was left untouched (someone may be imitating "
        "domain-guard's issue)"
    )


def issue_title(count: int) -> str:
    """The issue title for ``count`` at-risk domains."""
    noun = "domain" if count == 1 else "domains"
    return f"domain-guard: {count} maintainer e-mail {noun} at risk"


def issue_body(report: Report, results: Sequence[DomainResult], key: str) -> str:
    """Marker, findings table, what to do; at most :data:`MAX_BODY_CHARS` characters."""
    grouped = contacts_by_domain(report)
    found = [Finding(r, tuple(grouped.get(r.domain, ()))) for r in results]
    found.sort(key=lambda f: (-f.result.risk.rank, f.result.domain))
    head = [
        marker(key, fingerprint(results)),
        "## Maintainer e-mail domains at risk",
        "",
        f"domain-guard found **{len(found)} domain(s)** in package metadata that someone else "
        "could register, or may already hold. Whoever controls a maintainer's e-mail domain can "
        "reset that maintainer's package-index password.",
        "",
    ]
    tail = [
        *advice(found),
        f"_Kept up to date by domain-guard {__version__} (checked "
        f"{report.generated_at.strftime('%Y-%m-%d %H:%M UTC')}): this issue is updated when the "
        "findings change and closed when every domain is healthy._",
    ]
    budget = MAX_BODY_CHARS - sum(len(x) + 1 for x in (*head, *tail)) - 200
    table = list(TABLE_HEAD)
    budget -= sum(len(x) + 1 for x in table)
    for index, finding in enumerate(found):
        row = table_row(finding)
        if len(row) + 1 > budget:
            table += ["", f"**{len(found) - index} more not shown**; see the workflow's report."]
            break
        table.append(row)
        budget -= len(row) + 1
    return guard_output("\n".join([*head, *table, "", *tail]) + "\n")


def _change_comment(before: set[str], after: Sequence[DomainResult], reopened: bool) -> str:
    now = {r.domain for r in after}
    lines = [
        "domain-guard: the findings came back."
        if reopened
        else "domain-guard: the findings changed."
    ]
    for title, names in (
        ("New", sorted(now - before)),
        ("No longer at risk", sorted(before - now)),
    ):
        if names:
            shown = ", ".join(code_span(n, limit=253) for n in names[:MAX_COMMENT_DOMAINS])
            more = (
                f" and {len(names) - MAX_COMMENT_DOMAINS} more"
                if len(names) > MAX_COMMENT_DOMAINS
                else ""
            )
            lines.append(f"- {title}: {shown}{more}")
    if len(lines) == 1:
        lines.append(
            "- The same domains, with a different risk or reason: see the updated description."
        )
    return guard_output("\n".join(lines) + "\n")


def uncertain(report: Report) -> bool:
    """True when the run could not check everything: unknown domains or unreadable inputs."""
    return bool(report.errors) or any(d.risk is Risk.UNKNOWN for d in report.domains)


def _domains_in(body: str) -> set[str]:
    # Table rows: "| risk | `domain` | ...". Only used to word the change comment.
    found = set()
    for line in body.splitlines():
        cells = line.split(" | ")
        if line.startswith("| ") and len(cells) > 2 and cells[1].startswith("`"):
            found.add(cells[1].strip("` "))
    return found


_VIEWER_QUERY = "query DomainGuardIssueAuthor { viewer { login } }"
_LOGINS: weakref.WeakKeyDictionary[GitHubClient, str] = weakref.WeakKeyDictionary()


def _account(login: str) -> str:
    # REST names an app's bot "name[bot]"; GraphQL may leave the suffix off. An app's name
    # cannot be another account's login, so the two spellings are one identity.
    return login.casefold().removesuffix("[bot]")


async def token_login(client: GitHubClient) -> str:
    """The login of the token's own identity (asked once per client). Raises GitHubError."""
    login = _LOGINS.get(client)
    if login is None:
        data = await client.graphql(_VIEWER_QUERY)
        viewer = data.get("viewer") if isinstance(data, dict) else None
        login = viewer.get("login") if isinstance(viewer, dict) else None
        if not isinstance(login, str) or not login:
            raise GitHubError("GitHub did not say whose token this is (viewer.login)")
        _LOGINS[client] = login
    return login


async def find_issue(
    client: GitHubClient, repo: str, label: str, key: str
) -> tuple[tuple[_Existing, str] | None, tuple[int, ...]]:
    """Our issue in ``repo`` (the open one first, else the most recent) with its body, and
    the issues with our marker written by anyone but the token's identity (planted)."""
    best: tuple[_Existing, str] | None = None
    planted: list[int] = []
    async for page in client.rest_pages(
        f"repos/{repo}/issues",
        {"labels": label, "state": "all", "sort": "created", "direction": "desc"},
    ):
        for item in page:
            candidate = _parse_issue(item, key)
            if candidate is None:
                continue
            existing = candidate[0]
            user = item.get("user")
            author = user.get("login") if isinstance(user, dict) else None
            ours = _account(await token_login(client))
            if not isinstance(author, str) or _account(author) != ours:
                planted.append(existing.number)
                continue
            if best is None or (existing.open and not best[0].open):
                best = candidate
            if existing.open:
                return best, tuple(planted)
    return best, tuple(planted)


def _parse_issue(item: Any, key: str) -> tuple[_Existing, str] | None:
    if not isinstance(item, dict) or "pull_request" in item:
        return None
    body, number = item.get("body"), item.get("number")
    if not isinstance(body, str) or not isinstance(number, int) or isinstance(number, bool):
        return None
    match = _MARKER.search(body[:500])
    if match is None or match.group(1) != key:
        return None
    url = item.get("html_url")
    existing = _Existing(
        number, item.get("state") == "open", match.group(2), url if isinstance(url, str) else None
    )
    return existing, body


async def sync_issue(
    client: GitHubClient,
    repo: str,
    report: Report,
    *,
    label: str,
    limit: Risk | None,
    include_unknown: bool = False,
    key: str = "repository",
) -> IssueOutcome:
    """Bring ``repo``'s domain-guard issue in line with ``report``. Raises GitHubError."""
    if not valid_label(label):
        raise ValueError(
            "an issue label is 1 to 50 characters, without commas or control characters"
        )
    if not valid_repository(repo):
        raise ValueError(f"not a repository name: {repo[:200]!r}")
    results = at_risk(report, limit, include_unknown=include_unknown)
    found, planted = await find_issue(client, repo, label, key)
    outcome = await _sync(client, repo, report, results, found, label=label, key=key)
    return replace(outcome, planted=planted)


async def _sync(
    client: GitHubClient,
    repo: str,
    report: Report,
    results: list[DomainResult],
    found: tuple[_Existing, str] | None,
    *,
    label: str,
    key: str,
) -> IssueOutcome:
    path = f"repos/{repo}/issues"
    if found is not None and found[0].open and uncertain(report):
        # Would this run drop a listed domain? Then it cannot say that domain is healthy.
        listed = _domains_in(found[1])
        if not results or listed - {r.domain for r in results}:
            return IssueOutcome(IssueAction.HELD, found[0].number, found[0].url)
    if not results:
        if found is None or not found[0].open:
            return IssueOutcome(IssueAction.NOTHING, found[0].number if found else None)
        existing = found[0]
        await client.rest(
            "POST", f"{path}/{existing.number}/comments",
            json_body={"body": "domain-guard: every domain is healthy now; closing."},
        )  # fmt: skip
        await client.rest(
            "PATCH", f"{path}/{existing.number}",
            json_body={"state": "closed", "state_reason": "completed"},
        )  # fmt: skip
        return IssueOutcome(IssueAction.CLOSED, existing.number, existing.url)
    body = issue_body(report, results, key)
    title = issue_title(len(results))
    if found is None:
        answer = await client.rest(
            "POST", path, json_body={"title": title, "body": body, "labels": [label]}
        )
        number = answer.data.get("number") if isinstance(answer.data, dict) else None
        url = answer.data.get("html_url") if isinstance(answer.data, dict) else None
        return IssueOutcome(
            IssueAction.OPENED,
            number if isinstance(number, int) else None,
            url if isinstance(url, str) else None,
        )
    existing, old_body = found
    digest = fingerprint(results)
    if existing.open and existing.fingerprint == digest:
        return IssueOutcome(IssueAction.UNCHANGED, existing.number, existing.url)
    update: dict[str, str] = {"title": title, "body": body}
    if not existing.open:
        update["state"] = "open"
    await client.rest("PATCH", f"{path}/{existing.number}", json_body=update)
    comment = _change_comment(_domains_in(old_body), results, reopened=not existing.open)
    await client.rest("POST", f"{path}/{existing.number}/comments", json_body={"body": comment})
    action = IssueAction.UPDATED if existing.open else IssueAction.REOPENED
    return IssueOutcome(action, existing.number, existing.url)


#: Repositories named in the one notice about a token that may not write issues.
_READ_ONLY_SHOWN = 5


def say_outcomes(results: Sequence[IssueResult], code: int, *, say: Say, info: Say) -> int:
    """Say what happened to each issue (``info`` for what was done, ``say`` for errors and
    warnings); the exit code after it.

    A failed issue write is exit 3 unless findings already make it 1; a token that may
    read but not write (403) gets one notice, not a failure: the report has the findings."""
    from checker.policy import incomplete

    refused: list[str] = []
    for item in results:
        if item.error is not None:
            if item.error.forbidden:
                refused.append(item.repository)
                continue
            say(f"error: issue in {item.repository}: {item.error.message}")
            code = incomplete(code)
        elif item.outcome is not None:
            if item.outcome.action.value != "nothing":
                number = f" #{item.outcome.number}" if item.outcome.number else ""
                info(f"issue {item.outcome.action.value}: {item.repository}{number}")
            if item.outcome.planted:
                say(f"warning: {planted_warning(item.repository, item.outcome)}")
    if refused:
        shown = ", ".join(refused[:_READ_ONLY_SHOWN])
        more = (
            f" and {len(refused) - _READ_ONLY_SHOWN} more"
            if len(refused) > _READ_ONLY_SHOWN
            else ""
        )
        say(
            f"notice: the token may not write issues in {shown}{more} (403: read-only token, "
            "or an archived repository); those issues were left as they are"
        )
    return code


def keep_merged_issues(
    report: Report,
    token: str,
    *,
    coverage: ShardCoverage | None,
    fail_on: str,
    fail_on_unknown: bool,
    open_issues: bool,
    issue_repo: str | None,
    label: str,
    code: int,
    say: Say,
    info: Say,
) -> int:
    """``merge --open-issues`` / ``--issue-repo``: issues kept as ``org`` keeps them; the
    exit code after it. Raises :class:`~checker.errors.UsageError` when the merged reports
    cannot say which issues to keep."""
    import asyncio

    from checker.errors import UsageError
    from checker.github.client import Endpoints
    from checker.github.org import (
        org_issue_key,
        report_logins,
        report_repositories,
        sync_report_issues,
    )
    from checker.policy import incomplete, threshold

    try:
        endpoints = Endpoints.from_env()
        logins = report_logins(report)
        repositories = report_repositories(report) if open_issues else []
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if open_issues and logins is None:
        raise UsageError("--open-issues needs reports of `domain-guard org` (roots github:ORG)")
    if issue_repo and logins is not None and len(logins) > 1:
        raise UsageError(
            f"the reports cover {len(logins)} organisations ({', '.join(logins)}): keep one "
            "tracking issue per organisation, from a merge of that organisation's reports"
        )
    key = org_issue_key(logins[0]) if logins else "merged"
    if coverage is not None and not coverage.complete:
        # Every issue of a domain in a missing shard would be closed as if it were healthy.
        say("error: issues not kept: the merged reports miss shards (see the warning above)")
        return incomplete(code)

    async def issues() -> list[IssueResult]:
        async with GitHubClient(token, endpoints) as client:
            return await sync_report_issues(
                client, report, repositories, label=label, limit=threshold(fail_on),
                include_unknown=fail_on_unknown, issue_repo=issue_repo, key=key,
            )  # fmt: skip

    return say_outcomes(asyncio.run(issues()), code, say=say, info=info)
