"""Organisation-wide scans: every repository's metadata files at HEAD, read over GraphQL.

:func:`discover` pages through an organisation's repositories, 100 per GraphQL query, and
reads ``pyproject.toml``, ``setup.cfg``, ``setup.py`` and ``PKG-INFO`` at each HEAD in
the same query: 1,000 repositories take 10 requests. Only a blob GitHub truncated is
fetched again, over REST contents at the same commit, with the usual size cap.
:func:`scan_org` turns the texts into contacts with the ordinary parsers.

Nothing is trusted: repository names must look like GitHub names before they are used in
a URL, a file that GitHub could not read (a field error) is reported as unreadable rather
than taken as absent, and any answer that does not have the expected shape is an error.
"""

from __future__ import annotations

import asyncio
import fnmatch
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from checker.contacts import build_contacts
from checker.domains import DomainClassifier
from checker.errors import IncompleteRun, UsageError
from checker.escape import one_line
from checker.github.client import MAX_GRAPHQL_BODY, Endpoints, GitHubClient, GitHubError
from checker.github.issues import IssueOutcome, restrict, say_outcomes, sync_issue
from checker.github.queries import (
    ORGANIZATION_REPOSITORIES,
    PAGE_SIZE,
    REPOSITORY_FILES,
    USER_REPOSITORIES,
)
from checker.model import Contact, Report, Risk, ScanError
from checker.sources.base import (
    MAX_METADATA_BYTES,
    Collected,
    SourceError,
    decode_text,
    refuse_binary,
)
from checker.sources.registry import by_name

#: GitHub logins: alphanumerics and single inner hyphens, at most 39 characters.
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_REPO_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_OID = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
#: REST fallbacks in flight at once (well under GitHub's 100).
FALLBACK_CONCURRENCY = 8
#: Pages followed before giving up: 100,000 repositories.
MAX_PAGES = 1000
_RATE_RETRIES = 3


class OrgError(IncompleteRun):
    """The organisation could not be listed; no report can be trusted."""


class OrgNotFound(UsageError, OrgError):
    """Neither an organisation nor a user of that login is visible to the token."""


@dataclass(frozen=True)
class RepoFile:
    """A metadata file at HEAD as GraphQL returned it. ``error`` when it could not be read."""

    path: str
    text: str | None
    truncated: bool = False
    binary: bool = False
    byte_size: int = 0
    error: str | None = None


@dataclass(frozen=True)
class Repository:
    """One repository: ``head`` is the commit HEAD names, None for an empty repository."""

    name_with_owner: str
    archived: bool
    fork: bool
    head: str | None
    files: tuple[RepoFile, ...]


@dataclass(frozen=True)
class RateLimit:
    """GraphQL points: what the last query cost and what remains until ``reset_at``."""

    cost: int
    remaining: int
    reset_at: str


@dataclass(frozen=True)
class Discovery:
    """The repositories of one owner that are to be scanned, and how they were found."""

    login: str
    owner_type: str  # "organization" or "user"
    repositories: tuple[Repository, ...]
    skipped_filter: int
    graphql_requests: int
    rate_limit: RateLimit | None


@dataclass(frozen=True)
class OrgScanResult:
    """Contacts (each with ``source.repository``), unreadable files, and the discovery."""

    contacts: tuple[Contact, ...]
    errors: tuple[ScanError, ...]
    files_scanned: int
    discovery: Discovery
    rest_fallbacks: int

    def collected(self) -> Collected:
        """What the scan yielded for the run; its root is ``github:LOGIN``."""
        roots = (ROOT_PREFIX + self.discovery.login,)
        return Collected(self.contacts, self.errors, self.files_scanned, roots)


def valid_login(login: str) -> bool:
    """Whether ``login`` can be a GitHub organisation or user name."""
    return bool(_LOGIN.match(login))


def matches_filter(name_with_owner: str, patterns: Sequence[str]) -> bool:
    """True when no pattern is given or one glob matches, ignoring case as GitHub does.

    A glob with a ``/`` is matched against ``owner/name``, any other against the name."""
    if not patterns:
        return True
    full = name_with_owner.lower()
    name = full.split("/", 1)[-1]
    return any(fnmatch.fnmatchcase(full if "/" in p else name, p.lower()) for p in patterns)


# --- discovery -------------------------------------------------------------------------


async def discover(
    client: GitHubClient,
    login: str,
    *,
    include_archived: bool = False,
    include_forks: bool = False,
    repo_filter: Sequence[str] = (),
    page_size: int = PAGE_SIZE,
    rate_backoff: float = 60.0,
) -> Discovery:
    """List ``login``'s repositories with their metadata files, a page per query.

    ``login`` is tried as an organisation, then as a user (only repositories it owns).
    Raises :class:`OrgNotFound` when it is neither, :class:`OrgError` on any answer
    that cannot be trusted, and lets :class:`GitHubError` through."""
    if not valid_login(login):
        raise OrgError(f"not a GitHub organisation or user name: {one_line(login, 60)}")
    variables: dict[str, Any] = {
        "login": login,
        "cursor": None,
        "pageSize": max(1, min(page_size, PAGE_SIZE)),
        # None asks GitHub for both; the flags are checked again below.
        "isArchived": None if include_archived else False,
        "isFork": None if include_forks else False,
    }
    requests = 0
    owner_type = "organization"
    query = ORGANIZATION_REPOSITORIES
    repositories: list[Repository] = []
    skipped_filter = 0
    rate: RateLimit | None = None
    seen_cursors: set[str] = set()
    expected: int | None = None
    listed = 0
    for page_number in range(MAX_PAGES):
        data, errors, sent = await _graphql(client, query, variables, rate_backoff)
        requests += sent
        rate = _rate_limit(data.get("rateLimit")) or rate
        owner = data.get("owner")
        if owner is None and page_number == 0 and _only_not_found(errors):
            # Not an organisation: perhaps a user account.
            owner_type, query = "user", USER_REPOSITORIES
            continue
        if owner is None:
            if owner_type == "user" and _only_not_found(errors):
                raise OrgNotFound(
                    f"no GitHub organisation or user named {login!r} is visible with this token"
                )
            raise OrgError(f"GitHub did not list {login!r}: {_describe(client, errors)}")
        connection = _mapping(owner.get("repositories"), "repositories")
        nodes = connection.get("nodes")
        if not isinstance(nodes, list):
            raise OrgError("GitHub answered without a repository list")
        node_errors = _errors_by_node(client, errors)
        total = connection.get("totalCount")
        if isinstance(total, int) and not isinstance(total, bool):
            expected = max(expected or 0, total)
        listed += len(nodes)
        for index, node in enumerate(nodes):
            repo = _repository(node, login, node_errors.get(index, {}))
            if (repo.archived and not include_archived) or (repo.fork and not include_forks):
                continue
            if not matches_filter(repo.name_with_owner, repo_filter):
                skipped_filter += 1
            else:
                repositories.append(repo)
        page = _mapping(connection.get("pageInfo"), "pageInfo")
        more = page.get("hasNextPage")
        if not isinstance(more, bool):
            raise OrgError("GitHub's repository page does not say whether more follow")
        if not more:
            # A listing that ends short of its own count lost pages: not a complete scan.
            if expected is not None and listed < expected:
                raise OrgError(
                    f"GitHub listed {listed} of the {expected} repositories it counts; stopped"
                )
            break
        cursor = page.get("endCursor")
        if not isinstance(cursor, str) or not cursor or cursor in seen_cursors:
            raise OrgError("GitHub's repository pages do not advance; stopped")
        seen_cursors.add(cursor)
        variables["cursor"] = cursor
    else:
        raise OrgError(f"more than {MAX_PAGES} pages of repositories; stopped")
    return Discovery(
        login=login,
        owner_type=owner_type,
        repositories=tuple(repositories),
        skipped_filter=skipped_filter,
        graphql_requests=requests,
        rate_limit=rate,
    )


async def _graphql(
    client: GitHubClient, query: str, variables: dict[str, Any], backoff: float
) -> tuple[dict[str, Any], list[Any], int]:
    """``data``, ``errors`` and the requests sent for one query.

    Sent through :meth:`GitHubClient.rest` rather than ``graphql`` because a partial
    answer's field errors matter here: a file GitHub failed to read is null in ``data``
    just like a missing one, and only ``errors`` tells them apart."""
    payload = {"query": query, "variables": variables}
    for attempt in range(_RATE_RETRIES + 1):
        client.graphql_requests += 1
        answer = await client.rest(
            "POST", client.endpoints.graphql_url, json_body=payload,
            accept="application/json", max_body=MAX_GRAPHQL_BODY,
        )  # fmt: skip
        body = answer.data
        if not isinstance(body, dict):
            raise OrgError("GitHub GraphQL answered with something other than an object")
        errors = body.get("errors") or []
        if not isinstance(errors, list):
            raise OrgError("GitHub GraphQL answered with an unreadable error list")
        if any(isinstance(e, dict) and e.get("type") == "RATE_LIMITED" for e in errors):
            if attempt == _RATE_RETRIES:
                raise OrgError("GitHub's GraphQL rate limit persisted; try again later")
            # The client waits for x-ratelimit-reset on its own when the headers say
            # nothing remains; this covers answers without them.
            await asyncio.sleep(backoff * 2**attempt)
            continue
        data = body.get("data")
        if not isinstance(data, dict):
            raise OrgError(f"GitHub GraphQL error: {_describe(client, errors)}")
        return data, errors, attempt + 1
    raise AssertionError("unreachable")  # pragma: no cover


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise OrgError(f"GitHub's answer has no readable {what}")
    return value


def _rate_limit(value: Any) -> RateLimit | None:
    if not isinstance(value, dict):
        return None
    cost, remaining, reset = value.get("cost"), value.get("remaining"), value.get("resetAt")
    if isinstance(cost, int) and isinstance(remaining, int) and isinstance(reset, str):
        return RateLimit(cost, remaining, one_line(reset, 40))
    return None


def _only_not_found(errors: list[Any]) -> bool:
    return bool(errors) and all(
        isinstance(e, dict) and e.get("type") == "NOT_FOUND" and e.get("path") == ["owner"]
        for e in errors
    )


def _describe(client: GitHubClient, errors: list[Any]) -> str:
    messages = [str(e.get("message", "")) for e in errors[:3] if isinstance(e, dict)]
    text = "; ".join(m for m in messages if m) or "no data and no error message"
    return one_line(client.redact(text), 200)  # redact first: a clipped token would slip by


def _errors_by_node(client: GitHubClient, errors: list[Any]) -> dict[int, dict[str, str]]:
    """Field errors inside ``owner.repositories.nodes``: node index -> field -> message.

    Any other error in an answer that has data means the page cannot be trusted."""
    found: dict[int, dict[str, str]] = {}
    for error in errors:
        path = error.get("path") if isinstance(error, dict) else None
        if (
            isinstance(path, list)
            and len(path) >= 4
            and path[:3] == ["owner", "repositories", "nodes"]
            and isinstance(path[3], int)
        ):
            field = str(path[4]) if len(path) > 4 else ""
            found.setdefault(path[3], {})[field] = _describe(client, [error])
        else:
            raise OrgError(f"GitHub GraphQL error: {_describe(client, [error])}")
    return found


def _repository(node: Any, login: str, errors: dict[str, str]) -> Repository:
    node = _mapping(node, "repository")
    name_with_owner = node.get("nameWithOwner")
    if not isinstance(name_with_owner, str):
        raise OrgError("GitHub listed a repository without a name")
    owner, _, name = name_with_owner.partition("/")
    if owner.lower() != login.lower() or not _REPO_NAME.match(name) or name in (".", ".."):
        raise OrgError(f"GitHub listed an unexpected repository: {one_line(name_with_owner, 120)}")
    whole = [message for field, message in errors.items() if field not in _ALIASES]
    if whole:
        raise OrgError(f"GitHub could not read {name_with_owner}: {whole[0]}")
    ref = node.get("defaultBranchRef")
    target = ref.get("target") if isinstance(ref, dict) else None
    head = target.get("oid") if isinstance(target, dict) else None
    if head is not None and not (isinstance(head, str) and _OID.match(head)):
        raise OrgError(f"GitHub gave {name_with_owner} an unreadable HEAD commit")
    files: list[RepoFile] = []
    for alias, path in REPOSITORY_FILES:
        if alias in errors:
            files.append(RepoFile(path, None, error=f"GitHub could not read it: {errors[alias]}"))
            continue
        blob = node.get(alias)
        if blob is None or blob == {}:
            # No such file at HEAD (or an empty repository); ``{}`` is an object that is
            # not a blob (a directory or submodule of that name): no file to read either.
            continue
        files.append(_blob(path, blob))
    return Repository(
        name_with_owner=name_with_owner,
        archived=node.get("isArchived") is True,
        fork=node.get("isFork") is True,
        head=head,
        files=tuple(files),
    )


_ALIASES = frozenset(alias for alias, _ in REPOSITORY_FILES)


def _blob(path: str, blob: Any) -> RepoFile:
    if not isinstance(blob, dict) or not isinstance(blob.get("isTruncated"), bool):
        return RepoFile(path, None, error="GitHub returned an unreadable blob")
    text, size = blob.get("text"), blob.get("byteSize")
    size = size if isinstance(size, int) and size >= 0 else 0
    if blob.get("isBinary") is True or text is None:
        return RepoFile(path, None, binary=True, byte_size=size)
    if not isinstance(text, str):
        return RepoFile(path, None, error="GitHub returned an unreadable blob")
    return RepoFile(path, text, truncated=blob.get("isTruncated") is True, byte_size=size)


# --- reading ---------------------------------------------------------------------------


async def scan_org(
    client: GitHubClient,
    login: str,
    *,
    include_archived: bool = False,
    include_forks: bool = False,
    repo_filter: Sequence[str] = (),
    classifier: DomainClassifier | None = None,
    page_size: int = PAGE_SIZE,
    rate_backoff: float = 60.0,
) -> OrgScanResult:
    """Every contact in the metadata files at HEAD of ``login``'s repositories."""
    classifier = classifier or DomainClassifier()
    discovery = await discover(
        client, login, include_archived=include_archived, include_forks=include_forks,
        repo_filter=repo_filter, page_size=page_size, rate_backoff=rate_backoff,
    )  # fmt: skip
    gate = asyncio.Semaphore(FALLBACK_CONCURRENCY)
    jobs: list[Awaitable[tuple[list[Contact], ScanError | None]]] = []
    fallbacks = sum(1 for r in discovery.repositories for f in r.files if _needs_fallback(f))
    for repo in discovery.repositories:
        for item in repo.files:
            jobs.append(_read(client, gate, repo, item, classifier))
    contacts: list[Contact] = []
    errors: list[ScanError] = []
    for found, error in await asyncio.gather(*jobs):
        contacts.extend(found)
        if error is not None:
            errors.append(error)
    return OrgScanResult(tuple(contacts), tuple(errors), len(jobs), discovery, fallbacks)


@dataclass(frozen=True)
class OrgScan:
    """Every repository of ``login`` read at HEAD with ``token``, as a
    :class:`~checker.sources.base.Source` (:meth:`scan` keeps the discovery, which the
    issues need). The listing is summed up on ``info``."""

    token: str
    endpoints: Endpoints
    login: str
    info: Callable[[str], None]
    include_archived: bool = False
    include_forks: bool = False
    repo_filter: Sequence[str] = ()
    classifier: DomainClassifier | None = None

    def collect(self) -> Collected:
        """The organisation's contacts (see :meth:`scan`)."""
        return self.scan().collected()

    def scan(self) -> OrgScanResult:
        """List and read the repositories; raises :class:`OrgNotFound` (a usage error) or
        :class:`OrgError` (an incomplete run) when they cannot be listed."""

        async def discover() -> OrgScanResult:
            # Only GraphQL queries and REST reads here: no pause between requests is needed
            # (the client paces POSTs as writes, but these POSTs are queries).
            async with GitHubClient(self.token, self.endpoints, write_interval=0.0) as client:
                return await scan_org(
                    client, self.login, include_archived=self.include_archived,
                    include_forks=self.include_forks, repo_filter=self.repo_filter,
                    classifier=self.classifier,
                )  # fmt: skip

        try:
            scanned = asyncio.run(discover())
        except OrgNotFound:
            raise
        except (OrgError, GitHubError) as exc:
            raise OrgError(f"cannot list the repositories of {self.login}: {exc}") from None
        found = scanned.discovery
        left_out = [
            *([] if self.include_archived else ["archived"]),
            *([] if self.include_forks else ["forks"]),
            *([f"{found.skipped_filter} not matching --repo-filter"] if self.repo_filter else []),
        ]
        self.info(
            f"{found.owner_type} {found.login}: {len(found.repositories)} repositories scanned"
            + (f" (left out: {', '.join(left_out)})" if left_out else "")
            + f", {scanned.files_scanned} files read; GitHub requests: "
            f"{found.graphql_requests} GraphQL, {scanned.rest_fallbacks} REST"
        )
        return scanned


def _needs_fallback(item: RepoFile) -> bool:
    return item.error is None and item.truncated and item.byte_size <= MAX_METADATA_BYTES


async def _read(
    client: GitHubClient,
    gate: asyncio.Semaphore,
    repo: Repository,
    item: RepoFile,
    classifier: DomainClassifier,
) -> tuple[list[Contact], ScanError | None]:
    where = f"{repo.name_with_owner}:{item.path}"
    entry = by_name(item.path)
    if entry is None:  # outside the per-file guard: the query read a file nothing parses
        raise LookupError(f"no parser registered for {item.path}")
    try:
        text = refuse_binary(await _text(client, gate, repo, item))
        extraction = entry.parse(text, item.path)
    except SourceError as exc:
        return [], ScanError(path=where, message=exc.message, line=exc.line)
    except GitHubError as exc:
        return [], ScanError(path=where, message=client.redact(exc.message))
    except (Exception, RecursionError, MemoryError) as exc:
        # A hostile file must cost only itself, as in a local scan.
        return [], ScanError(path=where, message=f"cannot read: {type(exc).__name__}")
    found = build_contacts(extraction, classifier)
    return [
        replace(c, source=replace(c.source, repository=repo.name_with_owner)) for c in found
    ], None


async def _text(
    client: GitHubClient, gate: asyncio.Semaphore, repo: Repository, item: RepoFile
) -> str:
    if item.error is not None:
        raise SourceError(item.error)
    if item.binary:
        raise SourceError("binary content in a text metadata file")
    if item.byte_size > MAX_METADATA_BYTES:
        raise SourceError(f"file is over the {MAX_METADATA_BYTES} byte cap")
    if not item.truncated:
        assert item.text is not None
        return item.text
    if repo.head is None:
        raise SourceError("GitHub truncated the file and the repository has no HEAD commit")
    async with gate:
        answer = await client.rest(
            "GET", f"repos/{repo.name_with_owner}/contents/{item.path}",
            params={"ref": repo.head}, accept="application/vnd.github.raw+json",
            max_body=MAX_METADATA_BYTES,
        )  # fmt: skip
    if not isinstance(answer.data, bytes):
        raise SourceError("GitHub returned no file content")
    return decode_text(answer.data)


# --- issues ----------------------------------------------------------------------------

#: Issue lookups and updates in flight at once (the client serialises the writes).
ISSUE_CONCURRENCY = 8


@dataclass(frozen=True)
class IssueResult:
    """What happened to one repository's issue: an outcome, or the error that stopped it."""

    repository: str
    outcome: IssueOutcome | None
    error: GitHubError | None = None


async def sync_org_issues(
    client: GitHubClient,
    report: Report,
    discovery: Discovery,
    *,
    label: str,
    limit: Risk | None,
    include_unknown: bool = False,
    issue_repo: str | None = None,
) -> list[IssueResult]:
    """Keep the issues of an organisation scan, with the Action's lifecycle and dedupe.

    With ``issue_repo``, one tracking issue for the whole organisation lives there (keyed
    by the organisation). Otherwise every scanned repository that is not archived gets
    its own issue for its own findings: opened or updated when it has some, closed when
    they are gone (which is why repositories without findings are checked too)."""
    # Archived repositories are read-only on GitHub: no issue can be opened there.
    names = [r.name_with_owner for r in discovery.repositories if not r.archived]
    return await sync_report_issues(
        client, report, names, label=label, limit=limit, include_unknown=include_unknown,
        issue_repo=issue_repo, key=org_issue_key(discovery.login),
    )  # fmt: skip


def keep_org_issues(
    report: Report,
    scan: OrgScan,
    discovery: Discovery,
    *,
    label: str,
    limit: Risk | None,
    include_unknown: bool,
    issue_repo: str | None,
    code: int,
    say: Callable[[str], None],
) -> int:
    """``org --open-issues`` / ``--issue-repo``: keep the issues (:func:`sync_org_issues`)
    with ``scan``'s token, say what happened; the exit code after it."""

    async def issues() -> list[IssueResult]:
        async with GitHubClient(scan.token, scan.endpoints) as client:
            return await sync_org_issues(
                client, report, discovery, label=label, limit=limit,
                include_unknown=include_unknown, issue_repo=issue_repo,
            )  # fmt: skip

    return say_outcomes(asyncio.run(issues()), code, say=say, info=scan.info)


def org_issue_key(login: str) -> str:
    """The key of an organisation's tracking issue (``--issue-repo``)."""
    return f"organization:{login.lower()}"


#: An ``org`` report's root: ``github:LOGIN``.
ROOT_PREFIX = "github:"


def report_logins(report: Report) -> tuple[str, ...] | None:
    """The owners an ``org`` report covers (from its ``github:LOGIN`` roots), each once.

    None when no root is an organisation's; ValueError when some are and others are not,
    or a login cannot be a GitHub name (a report is outside input)."""
    logins: dict[str, str] = {}
    for root in report.roots:
        if not root.startswith(ROOT_PREFIX):
            continue
        login = root.removeprefix(ROOT_PREFIX)
        if not valid_login(login):
            raise ValueError(f"root {one_line(root, 60)!r} does not name a GitHub owner")
        logins.setdefault(login.lower(), login)
    if not logins:
        return None
    others = [r for r in report.roots if not r.startswith(ROOT_PREFIX)]
    if others:
        raise ValueError(
            f"the reports mix an organisation scan with other roots ({one_line(others[0], 60)!r})"
        )
    return tuple(logins.values())


def report_repositories(report: Report) -> list[str]:
    """The repositories that the report's contacts name (``source.repository``), sorted.

    Each must be ``OWNER/NAME`` of an owner in the report's roots: they are put in URLs,
    and issues are written only where the report says it scanned (ValueError if not)."""
    owners = {login.lower() for login in report_logins(report) or ()}
    found: set[str] = set()
    for contact in report.contacts:
        repository = contact.source.repository
        if repository is None:
            continue
        owner, _, name = repository.partition("/")
        if owner.lower() not in owners or not _REPO_NAME.match(name) or name in (".", ".."):
            raise ValueError(
                f"contact repository {one_line(repository, 120)!r} is not a repository of "
                + (", ".join(sorted(owners)) or "an organisation scan")
            )
        found.add(repository)
    return sorted(found, key=str.lower)


async def sync_report_issues(
    client: GitHubClient,
    report: Report,
    repositories: Sequence[str],
    *,
    label: str,
    limit: Risk | None,
    include_unknown: bool = False,
    issue_repo: str | None = None,
    key: str = "merged",
) -> list[IssueResult]:
    """Keep one tracking issue (``issue_repo``, keyed ``key``) or one issue per repository.

    Per repository, each of ``repositories`` gets an issue for its own part of ``report``
    (:func:`restrict`); a repository not listed is not visited."""
    if issue_repo is not None:
        try:
            outcome = await sync_issue(
                client, issue_repo, report, label=label, limit=limit,
                include_unknown=include_unknown, key=key,
            )  # fmt: skip
        except GitHubError as exc:
            return [IssueResult(issue_repo, None, exc)]
        return [IssueResult(issue_repo, outcome)]
    gate = asyncio.Semaphore(ISSUE_CONCURRENCY)

    async def one(repository: str) -> IssueResult:
        async with gate:
            try:
                outcome = await sync_issue(
                    client, repository, restrict(report, repository), label=label,
                    limit=limit, include_unknown=include_unknown,
                )  # fmt: skip
            except GitHubError as exc:
                return IssueResult(repository, None, exc)
            return IssueResult(repository, outcome)

    return list(await asyncio.gather(*(one(name) for name in repositories)))
